package postgres

import (
	"context"
	"math"
	"testing"
)

// TestExplainRoundTrip: the explain column of every subject reads back
// with its root value and adjustment points bit-exact (also at the edges
// of the plain/exponent number forms), its grade reasoning as stored, and
// the batch still verifies.
func TestExplainRoundTrip(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t)
	edges := []float64{1e-7, 1.5e21, 1234567.25, -0.000001, 0}
	for i, v := range edges {
		if i < len(b.Result.Order) {
			b.Result.Subjects[b.Result.Order[i]].RootValue = v
		}
	}
	id, err := db.SaveBatch(ctx, batchRecord(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Verify(ctx, id, false); err != nil {
		t.Fatalf("verify: %v", err)
	}
	for si, r := range b.Result.Subjects {
		subj := b.Project.Data.Subjects[si].ID
		got, err := db.SubjectResultOf(ctx, id, subj)
		if err != nil {
			t.Fatal(err)
		}
		e := got.Explain
		if e == nil {
			t.Fatalf("%s: no explain", subj)
		}
		switch {
		case math.IsNaN(r.RootValue):
			if e.Root != nil {
				t.Errorf("%s: root %v, want null", subj, *e.Root)
			}
		case e.Root == nil || math.Float64bits(*e.Root) != math.Float64bits(r.RootValue+0):
			t.Errorf("%s: root %v, want %v", subj, e.Root, r.RootValue)
		}
		k := 0
		for _, a := range r.Adjustments {
			if !a.Applies {
				continue
			}
			if k >= len(e.Adjustments) || e.Adjustments[k].Points != a.Points || e.Adjustments[k].Held != a.Held || e.Adjustments[k].Capped != a.Capped {
				t.Errorf("%s: adjustments %+v, want %+v", subj, e.Adjustments, r.Adjustments)
				break
			}
			k++
		}
		if e.GradeByScore != r.GradeByScore || e.GradeReason != r.GradeReason || e.Unrated != string(r.Unrated) {
			t.Errorf("%s: grade %q/%q/%q, want %q/%q/%q", subj, e.GradeByScore, e.GradeReason, e.Unrated, r.GradeByScore, r.GradeReason, r.Unrated)
		}
	}
}
