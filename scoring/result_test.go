package scoring

import (
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// TestLeafCellsAt checks that the column-wise cells assemble the cells of
// the leaf pipeline: imputed values gathered from several peer groups
// (whose members interleave in input order), a transform (stored treated
// values), a leaf that does not apply, and Value and Weight read from the
// subjects' node columns.
func TestLeafCellsAt(t *testing.T) {
	subs := []dataset.Subject{
		subj("p", "a", "region", "r2"), subj("q", "a", "region", "r1"), subj("r", "a", "region", "r2"),
		subj("s", "a", "region", "r1"), subj("t", "a", "region", "r1"), subj("u", "b", "region", "r2"),
	}
	set := newSet(leaf("x", missing(indicators.ImputeMean, "")), leaf("y", transformed(indicators.TransformSqrt), appliesTo("a")))
	set.PeerGroups = []string{"region"}
	raw := [][]float64{{nan, 2, 10, nan, 4, 30}, {4, 9, 16, nan, 1, 25}}
	res := mustScore(t, Input{Set: set, Subjects: subs, Raw: raw})
	ok, imp, miss := StatusOK, StatusImputed, StatusMissing
	tests := []struct {
		name string
		leaf int
		want []Cell
	}{
		{"imputed by group", 0, []Cell{
			{Raw: nan, Imputed: 20, Treated: 20, Value: 50, Weight: 0.5, Status: imp, Applies: true},
			{Raw: 2, Imputed: 2, Treated: 2, Value: 0, Weight: 0.5, Status: ok, Applies: true},
			{Raw: 10, Imputed: 10, Treated: 10, Value: 0, Weight: 0.5, Status: ok, Applies: true},
			{Raw: nan, Imputed: 3, Treated: 3, Value: 50, Weight: 1, Status: imp, Applies: true},
			{Raw: 4, Imputed: 4, Treated: 4, Value: 100, Weight: 0.5, Status: ok, Applies: true},
			{Raw: 30, Imputed: 30, Treated: 30, Value: 100, Weight: 1, Status: ok, Applies: true},
		}},
		{"transformed, not applicable", 1, []Cell{
			{Raw: 4, Imputed: 4, Treated: 2, Value: 0, Weight: 0.5, Status: ok, Applies: true},
			{Raw: 9, Imputed: 9, Treated: 3, Value: 100, Weight: 0.5, Status: ok, Applies: true},
			{Raw: 16, Imputed: 16, Treated: 4, Value: 100, Weight: 0.5, Status: ok, Applies: true},
			{Raw: nan, Imputed: nan, Treated: nan, Value: nan, Weight: 0, Status: miss, Applies: true},
			{Raw: 1, Imputed: 1, Treated: 1, Value: 0, Weight: 0.5, Status: ok, Applies: true},
			{Raw: 25, Imputed: nan, Treated: nan, Value: nan, Weight: 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cells := &res.Cells[tc.leaf]
			if cells.Len() != len(tc.want) {
				t.Fatalf("Len = %d, want %d", cells.Len(), len(tc.want))
			}
			for i, got := range cells.All() {
				w := tc.want[i]
				if !near(got.Raw, w.Raw) || !near(got.Imputed, w.Imputed) || !near(got.Treated, w.Treated) ||
					!near(got.Value, w.Value) || !near(got.Weight, w.Weight) ||
					got.Status != w.Status || got.Applies != w.Applies || got.Outlier != w.Outlier {
					t.Errorf("cell %d = %+v, want %+v", i, got, w)
				}
			}
		})
	}
}

func TestStatusFlags(t *testing.T) {
	for _, st := range statuses {
		f := flagApplies | flagOutlier
		f.setStatus(st)
		if f.status() != st || f&^flagStatus != flagApplies|flagOutlier {
			t.Errorf("setStatus(%q): flags %08b, status %q", st, f, f.status())
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("statusFlags of an unknown status did not panic")
		}
	}()
	statusFlags("bogus")
}
