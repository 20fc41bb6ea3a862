package scoring

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// none is a leaf whose raw value is already the score.
func none(id string, opts ...opt) *indicators.Node {
	return leaf(id, append([]opt{method(indicators.NormNone)}, opts...)...)
}

func TestAggregate(t *testing.T) {
	tests := []struct {
		name    string
		set     *indicators.Set
		raw     [][]float64 // one subject
		score   float64
		nodes   []float64 // Result.Subjects[0].Nodes
		eff     []float64 // Effective
		unrated bool
	}{
		// (1·10 + 2·20 + 3·30)/6 = 140/6.
		{"arithmetic", newSet(none("l1"), none("l2", weight(2)), none("l3", weight(3))),
			[][]float64{{10}, {20}, {30}}, 140.0 / 6,
			[]float64{10, 20, 30}, []float64{1.0 / 6, 2.0 / 6, 3.0 / 6}, false},
		// l3 missing: (10 + 40)/3, weights 1/3, 2/3, 0.
		{"reweight", newSet(none("l1"), none("l2", weight(2)), none("l3", weight(3))),
			[][]float64{{10}, {20}, {nan}}, 50.0 / 3,
			[]float64{10, 20, nan}, []float64{1.0 / 3, 2.0 / 3, 0}, false},
		// A = (1·40 + 3·80)/4 = 70; root = (2·70 + 1·10)/3 = 50.
		// effective l2 = 2/3 · 3/4 = 1/2.
		{"nested", newSet(comp("A", []*indicators.Node{none("l1"), none("l2", weight(3))}, weight(2)),
			comp("B", []*indicators.Node{none("l3")})),
			[][]float64{{40}, {80}, {10}}, 50,
			[]float64{70, 40, 80, 10, 10}, []float64{2.0 / 3, 1.0 / 6, 0.5, 1.0 / 3, 1.0 / 3}, false},
		// √(4·9) = 6.
		{"geometric", setWith(func(s *indicators.Set) { s.Root.Aggregate = indicators.Geometric }, none("l1"), none("l2")),
			[][]float64{{4}, {9}}, 6, []float64{4, 9}, []float64{0.5, 0.5}, false},
		// 4^¼ · 9^¾.
		{"geometric/weighted", setWith(func(s *indicators.Set) { s.Root.Aggregate = indicators.Geometric }, none("l1"), none("l2", weight(3))),
			[][]float64{{4}, {9}}, 7.3484692283495345, []float64{4, 9}, []float64{0.25, 0.75}, false},
		// A value ≤ 0 under a geometric root: the score is missing → unrated.
		{"geometric/zero", setWith(func(s *indicators.Set) { s.Root.Aggregate = indicators.Geometric }, none("l1"), none("l2")),
			[][]float64{{0}, {9}}, nan, []float64{0, 9}, []float64{0, 0}, true},
		// Geometric composite under an arithmetic root: G missing, reweighted away.
		{"geometric/negative child", newSet(comp("G", []*indicators.Node{none("l1"), none("l2")}, geometric()), none("l3")),
			[][]float64{{-1}, {9}, {30}}, 30, []float64{nan, -1, 9, 30}, []float64{0, 0, 0, 1}, false},
		// Rounding: l1 = 12.345 → 12.3 (round 1); A = (12.3 + 20)/2 = 16.15 → 16 (round 0);
		// root = (16 + 17)/2 = 16.5 → 17 (root round 0).
		{"round", setWith(func(s *indicators.Set) { s.Root.Round = 0 },
			comp("A", []*indicators.Node{none("l1", round(1)), none("l2")}, round(0)), none("l3")),
			[][]float64{{12.345}, {20}, {17}}, 17, []float64{16, 12.3, 20, 17}, []float64{0.5, 0.25, 0.25, 0.5}, false},
		// Zero weight: takes no part.
		{"zero weight", newSet(none("l1", weight(0)), none("l2")),
			[][]float64{{10}, {20}}, 20, []float64{10, 20}, []float64{0, 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mustScore(t, Input{Set: tc.set, Subjects: subjects("s"), Raw: tc.raw})
			r := res.Subjects[0]
			if r.Rated == tc.unrated {
				t.Fatalf("rated = %v", r.Rated)
			}
			if !near(r.Score, tc.score) {
				t.Errorf("score = %.15g, want %.15g", r.Score, tc.score)
			}
			checkFloats(t, "nodes", r.Nodes, tc.nodes)
			checkFloats(t, "effective", effectiveRow(res, 0), tc.eff)
			for l, lf := range tc.set.Leaves {
				if c := res.Cells[l].At(0); !near(c.Weight, tc.eff[lf.Index]) {
					t.Errorf("cell %s weight = %v, want %v", lf.ID, c.Weight, tc.eff[lf.Index])
				}
			}
		})
	}
}

// setWith builds a set and lets f adjust it.
func setWith(f func(*indicators.Set), top ...*indicators.Node) *indicators.Set {
	s := newSet(top...)
	f(s)
	return s
}

func TestGeometricWarning(t *testing.T) {
	set := newSet(comp("G", []*indicators.Node{none("l1"), none("l2")}, geometric()), none("l3"))
	res := mustScore(t, Input{Set: set, Subjects: subjects("s"), Raw: [][]float64{{0}, {9}, {30}}})
	if len(res.Warnings) != 1 || res.Warnings[0].Node != "G" || res.Warnings[0].Subject != "s" ||
		!strings.Contains(res.Warnings[0].Msg, "≤ 0") {
		t.Errorf("warnings = %v", res.Warnings)
	}
	if w := res.Subjects[0].NodeWeights; w[1] != 0 || w[2] != 0 || w[0] != 0 {
		t.Errorf("node weights = %v, want zeros under the failed geometric node", w)
	}
}

func TestCompositeImpute(t *testing.T) {
	// C has one child l1; c's l1 is missing, so C is missing for c and then
	// filled by C's policy. D (l2) is always present. Regions: a, c in r1; b in r2.
	subs := []dataset.Subject{subj("a", "a", "region", "r1"), subj("b", "a", "region", "r2"), subj("c", "a", "region", "r1")}
	raw := [][]float64{{10, 31, nan}, {50, 50, 50}}
	tests := []struct {
		name string
		miss indicators.Missing
		c    float64 // C for subject c
		imp  bool
	}{
		{"exclude", indicators.Missing{Policy: indicators.Exclude}, nan, false},
		{"zero", indicators.Missing{Policy: indicators.Zero}, 0, true},
		// mean(10, 31) = 20.5 → round 0 → 21 (half away from zero).
		{"mean", indicators.Missing{Policy: indicators.ImputeMean}, 21, true},
		{"median", indicators.Missing{Policy: indicators.ImputeMedian}, 21, true},
		{"min", indicators.Missing{Policy: indicators.ImputeMin}, 10, true},
		// by region: c shares r1 with a only → 10.
		{"mean by", indicators.Missing{Policy: indicators.ImputeMean, By: "region"}, 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := comp("C", []*indicators.Node{none("l1")}, round(0))
			c.Missing = tc.miss
			set := newSet(c, none("l2"))
			res := mustScore(t, Input{Set: set, Subjects: subs, Raw: raw})
			r := res.Subjects[2]
			if !near(r.Nodes[0], tc.c) || r.NodeImputed[0] != tc.imp {
				t.Errorf("C = %v imputed %v, want %v %v", r.Nodes[0], r.NodeImputed[0], tc.c, tc.imp)
			}
			want := 50.0
			if !math.IsNaN(tc.c) {
				want = (tc.c + 50) / 2
			}
			if !near(r.Score, want) {
				t.Errorf("score = %v, want %v", r.Score, want)
			}
			// The imputed composite's descendants carry no weight.
			if res.Effective(2, 1) != 0 || res.Cells[0].At(2).Weight != 0 {
				t.Errorf("l1 effective = %v, cell weight %v, want 0", res.Effective(2, 1), res.Cells[0].At(2).Weight)
			}
			if tc.imp && !near(res.Effective(2, 0), 0.5) {
				t.Errorf("C effective = %v, want 0.5", res.Effective(2, 0))
			}
		})
	}
}

func TestCompositeImputeParentSeesChild(t *testing.T) {
	// P ⊃ C ⊃ l1; C imputes mean; P aggregates C: c's P = C's imputed value.
	c := comp("C", []*indicators.Node{none("l1")}, missing(indicators.ImputeMean, ""))
	set := newSet(comp("P", []*indicators.Node{c}), none("l2"))
	res := mustScore(t, Input{Set: set, Subjects: subjects("a", "b", "c"),
		Raw: [][]float64{{10, 30, nan}, {0, 0, 0}}})
	if got := res.Subjects[2].Nodes[0]; !near(got, 20) {
		t.Errorf("P for c = %v, want 20", got)
	}
}

func TestApplicability(t *testing.T) {
	// l2 applies to kind b only; A (kind a) has coverage over l1 only.
	// x has no applicable leaf at all (kind c, l1 is for a and b).
	set := newSet(none("l1", appliesTo("a", "b")), none("l2", appliesTo("b")))
	subs := []dataset.Subject{subj("p", "a"), subj("q", "b"), subj("x", "c")}
	res := mustScore(t, Input{Set: set, Subjects: subs, Raw: [][]float64{{10, 20, 5}, {99, 40, 5}}})
	checkFloats(t, "score", scores(res), []float64{10, 30, nan})
	if c := res.Cells[1].At(0); c.Applies || c.Status != "" || !math.IsNaN(c.Value) {
		t.Errorf("non-applicable cell = %+v", c)
	}
	if x := res.Subjects[2]; x.Rated || x.Coverage != 0 {
		t.Errorf("x rated %v coverage %v, want unrated 0", x.Rated, x.Coverage)
	}
	if !math.IsNaN(res.Subjects[0].Nodes[1]) {
		t.Errorf("p's l2 node = %v, want NaN", res.Subjects[0].Nodes[1])
	}
}

func TestCoverage(t *testing.T) {
	tests := []struct {
		name  string
		min   float64
		raw   [][]float64
		cov   float64
		rated bool
	}{
		{"4 of 5 at 0.8", 0.8, [][]float64{{1}, {1}, {1}, {1}, {nan}}, 0.8, true},
		{"3 of 5 at 0.8", 0.8, [][]float64{{1}, {1}, {1}, {nan}, {nan}}, 0.6, false},
		{"none present at 0", 0, [][]float64{{nan}, {nan}, {nan}, {nan}, {nan}}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(none("a"), none("b"), none("c"), none("d"), none("e"))
			set.MinCoverage = tc.min
			res := mustScore(t, Input{Set: set, Subjects: subjects("s"), Raw: tc.raw})
			r := res.Subjects[0]
			if !near(r.Coverage, tc.cov) || r.Rated != tc.rated {
				t.Errorf("coverage %v rated %v, want %v %v", r.Coverage, r.Rated, tc.cov, tc.rated)
			}
			if !tc.rated {
				for l := range res.Cells {
					if c := res.Cells[l].At(0); c.Status != StatusUnrated || c.Weight != 0 {
						t.Errorf("cell %d = %+v, want unrated", l, c)
					}
				}
			}
		})
	}
}

func TestMissingFail(t *testing.T) {
	set := newSet(none("ok"), none("must", missing(indicators.Fail, "")))
	set.MinCoverage = 0.5
	// c is unrated (0 of 2 present) and so not listed; b and a are.
	in := Input{Set: set, Subjects: subjects("a", "b", "c", "d"),
		Raw: [][]float64{{1, 1, nan, 1}, {nan, nan, nan, 1}}}
	_, err := Score(in)
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want *MissingError", err)
	}
	if me.Node != "must" || strings.Join(me.Subjects, ",") != "a,b" {
		t.Errorf("MissingError = %+v", me)
	}
	if msg := err.Error(); !strings.Contains(msg, `"must"`) || !strings.Contains(msg, "a, b") {
		t.Errorf("message = %q", msg)
	}

	// A composite with missing: fail and no value.
	c := comp("C", []*indicators.Node{none("l1")}, missing(indicators.Fail, ""))
	_, err = Score(Input{Set: newSet(c, none("l2")), Subjects: subjects("a", "b"), Raw: [][]float64{{1, nan}, {1, 1}}})
	if !errors.As(err, &me) || me.Node != "C" || strings.Join(me.Subjects, ",") != "b" {
		t.Errorf("composite fail: err = %v", err)
	}
}

func TestMissingErrorMessage(t *testing.T) {
	ids := make([]string, 25)
	for i := range ids {
		ids[i] = string(rune('a' + i))
	}
	e := &MissingError{Node: "x", Pos: diagPos(), Subjects: ids}
	msg := e.Error()
	if !strings.HasPrefix(msg, "set.yaml:3:5: ") || !strings.Contains(msg, "25 rated") || !strings.HasSuffix(msg, "and 5 more") {
		t.Errorf("message = %q", msg)
	}
}

func TestRootMissingUnrated(t *testing.T) {
	// b's only leaf value is missing: the final aggregate is missing.
	set := newSet(none("l1"))
	res := mustScore(t, Input{Set: set, Subjects: subjects("a", "b"), Raw: [][]float64{{5, nan}}})
	b := res.Subjects[1]
	if b.Rated || b.Rank != 0 || b.Grade != "" || res.Cells[0].At(1).Status != StatusUnrated {
		t.Errorf("b = %+v, cell %+v", b, res.Cells[0].At(1))
	}
	if res.Groups[0].NRated != 1 || len(res.Warnings) != 1 || res.Warnings[0].Subject != "b" {
		t.Errorf("NRated %d, warnings %v", res.Groups[0].NRated, res.Warnings)
	}
}

// effectiveRow returns subject i's effective weights, node by node.
func effectiveRow(res *Result, i int) []float64 {
	row := make([]float64, len(res.Subjects[i].NodeWeights))
	for k := range row {
		row[k] = res.Effective(i, k)
	}
	return row
}
