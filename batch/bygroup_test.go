package batch_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/synth"
)

// TestRunByGroupEqualsRun: scored one peer group at a time, every subject
// has the result of the whole run, bit for bit, the groups come in output
// order, and the batch's warnings, counts and fingerprint are the whole
// run's.
func TestRunByGroupEqualsRun(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: 2000, Leaves: 12, Seed: 3, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	p, err := batch.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole, err := batch.Run(ctx, p, p.Set, batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	compared, rated := 0, 0
	// GroupStart comes before each group's batch, with its number and size.
	var started [][2]int
	opt := batch.Options{GroupStart: func(g, size int) { started = append(started, [2]int{g, size}) }}
	run, err := batch.RunByGroup(ctx, batch.Split{Data: p.Data}, p.Set, opt, func(g int, b *batch.Batch) error {
		if n := len(started); n != g+1 || started[g] != [2]int{g, len(b.Result.Subjects)} {
			t.Fatalf("group %d of %d subjects: GroupStart calls %v", g, len(b.Result.Subjects), started)
		}
		if len(b.Result.Groups) != 1 {
			t.Fatalf("group %d: its batch has %d groups", g, len(b.Result.Groups))
		}
		seen = append(seen, b.Result.Groups[0].Label)
		for i := range b.Result.Subjects {
			r := &b.Result.Subjects[i]
			wi, ok := whole.SubjectIndex(b.Project.Data.Subjects[i].ID)
			if !ok {
				t.Fatalf("subject %s not in the whole run", b.Project.Data.Subjects[i].ID)
			}
			w := &whole.Result.Subjects[wi]
			if r.Rated != w.Rated || r.Rank != w.Rank || r.Grade != w.Grade ||
				math.Float64bits(r.Score) != math.Float64bits(w.Score) || r.Group != w.Group {
				t.Fatalf("subject %s: %+v, whole run %+v", b.Project.Data.Subjects[i].ID, r, w)
			}
			for k := range r.Nodes {
				if math.Float64bits(r.Nodes[k]) != math.Float64bits(w.Nodes[k]) && !(math.IsNaN(r.Nodes[k]) && math.IsNaN(w.Nodes[k])) {
					t.Fatalf("subject %s node %d: %v, whole run %v", b.Project.Data.Subjects[i].ID, k, r.Nodes[k], w.Nodes[k])
				}
			}
			if r.Rated {
				rated++
			}
			compared++
		}
		if b.Meta.DataSHA256 != whole.Meta.DataSHA256 {
			t.Errorf("group %d: data sha256 %s, whole %s", g, b.Meta.DataSHA256, whole.Meta.DataSHA256)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if compared != whole.Project.Data.Len() || run.Subjects != compared || run.Rated != rated {
		t.Errorf("compared %d subjects, run says %d (%d rated, counted %d); whole run %d", compared, run.Subjects, run.Rated, rated, whole.Project.Data.Len())
	}
	if !slices.IsSorted(seen) || len(seen) < 2 || !slices.Equal(seen, run.Labels) {
		t.Errorf("groups %v, labels %v: want several, in label order", seen, run.Labels)
	}
	if !slices.Equal(run.Warnings, whole.Warnings) {
		t.Errorf("warnings differ: %d by group, %d whole", len(run.Warnings), len(whole.Warnings))
	}
	if run.Meta != whole.Meta {
		t.Errorf("meta %+v, whole %+v", run.Meta, whole.Meta)
	}
	// What a group alone cannot give is refused.
	_, err = batch.RunByGroup(ctx, batch.Split{Data: p.Data}, p.Set, batch.Options{Previous: true}, func(int, *batch.Batch) error { return nil })
	if !errors.Is(err, batch.ErrByGroup) {
		t.Errorf("Previous: %v, want ErrByGroup", err)
	}
}
