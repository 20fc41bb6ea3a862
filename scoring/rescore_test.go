package scoring

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/govscore/govscore/indicators"
)

// rescoreSet is randomSet with a TOPSIS dimension, a GRA sub-composite and
// a geometric composite with its own missing policy added.
func rescoreSet() *indicators.Set {
	base := randomSet()
	d1, d2 := base.Root.Children[0], base.Root.Children[1]
	for _, d := range []*indicators.Node{d1, d2} {
		d.Parent, d.Index, d.LeafIndex = nil, 0, 0
	}
	d3 := comp("D3", []*indicators.Node{
		comp("G", []*indicators.Node{leaf("m1"), leaf("m2", method(indicators.Rank))}, withAggregate(indicators.GRA), round(3)),
		leaf("m3", method(indicators.ZScore)),
	}, withAggregate(indicators.TOPSIS), weight(1.5), missing(indicators.ImputeMedian, "region"))
	d4 := comp("D4", []*indicators.Node{
		leaf("g1", norm(indicators.Normalize{Method: indicators.Goalpost, Low: -10, High: 120})),
		leaf("g2", method(indicators.NormNone)),
	}, geometric(), missing(indicators.Zero, ""))
	// AHP at D2, whose l6 applies to kind a only.
	d2.Weighting = &indicators.Weighting{Method: indicators.AHPWeights, Weights: []float64{0.5, 0.3, 0.2}}
	set := newSet(d1, d2, d3, d4)
	set.PeerGroups = base.PeerGroups
	set.MinCoverage = base.MinCoverage
	set.Grades = base.Grades
	set.Root.Round = 2
	set.Ranking.Digits = 2
	return set
}

// rescoreInput draws values for rescoreSet like randomInput.
func rescoreInput(r *rand.Rand, n int) Input {
	in := randomInput(r, n)
	set := rescoreSet()
	raw := make([][]float64, len(set.Leaves))
	copy(raw, in.Raw)
	for l := len(in.Raw); l < len(raw); l++ {
		raw[l] = make([]float64, n)
		for i := range raw[l] {
			if r.IntN(12) == 0 {
				raw[l][i] = nan
			} else {
				raw[l][i] = float64(r.IntN(60))
			}
		}
	}
	in.Set, in.Raw = set, raw
	return in
}

// modified returns in with a deep-enough copy of the set's nodes changed by
// f (a new set built over copies of the nodes).
func modified(in Input, f func(n *indicators.Node)) Input {
	var cp func(n *indicators.Node) *indicators.Node
	cp = func(n *indicators.Node) *indicators.Node {
		c := *n
		c.Children = nil
		for _, ch := range n.Children {
			c.Children = append(c.Children, cp(ch))
		}
		f(&c)
		return &c
	}
	var top []*indicators.Node
	for _, ch := range in.Set.Root.Children {
		top = append(top, cp(ch))
	}
	set := newSet(top...)
	set.PeerGroups, set.MinCoverage, set.Grades, set.Ranking = in.Set.PeerGroups, in.Set.MinCoverage, in.Set.Grades, in.Set.Ranking
	set.Scale, set.ClampTotal, set.Adjustments = in.Set.Scale, in.Set.ClampTotal, in.Set.Adjustments
	root := *in.Set.Root
	root.Children = set.Root.Children
	f(&root)
	for _, ch := range root.Children {
		ch.Parent = set.Root
	}
	*set.Root = root
	out := in
	out.Set = set
	return out
}

// sameScores reports the first subject whose score or rank differ (scores
// compared bit for bit, NaN equal to NaN).
func sameScores(t *testing.T, what string, res *Result, scores []float64, ranks []int) {
	t.Helper()
	for i, sr := range res.Subjects {
		want := sr.Score
		if !sr.Rated {
			want = nan
		}
		if math.Float64bits(want) != math.Float64bits(scores[i]) && !(math.IsNaN(want) && math.IsNaN(scores[i])) {
			t.Fatalf("%s: subject %d score %v, Score gives %v", what, i, scores[i], want)
		}
		if sr.Rated && ranks[i] != sr.Rank {
			t.Fatalf("%s: subject %d rank %d, Score gives %d", what, i, ranks[i], sr.Rank)
		}
	}
}

func TestRescoreMatchesScore(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	changed := false // some variant must change some rank, or the test proves little
	defer func() {
		if !changed {
			t.Error("no variant changed any rank")
		}
	}()
	for trial := 0; trial < 20; trial++ {
		in := rescoreInput(r, 40+r.IntN(60))
		res := mustScore(t, in)
		rs, err := NewRescorer(in, res, indicators.MinMax, indicators.ZScore, indicators.Rank)
		if err != nil {
			t.Fatal(err)
		}
		ws := rs.NewWorkspace()
		n := len(in.Subjects)
		scores, ranks := make([]float64, n), make([]int, n)

		if err := rs.Rescore(Variant{}, ws, scores, ranks); err != nil {
			t.Fatal(err)
		}
		sameScores(t, "nominal", res, scores, ranks)

		for _, m := range []indicators.NormMethod{indicators.MinMax, indicators.ZScore, indicators.Rank} {
			alt := mustScore(t, modified(in, func(n *indicators.Node) {
				if n.IsLeaf() && n.Normalize.Method.Relative() {
					n.Normalize.Method = m
				}
			}))
			if err := rs.Rescore(Variant{Normalize: m}, ws, scores, ranks); err != nil {
				t.Fatal(err)
			}
			sameScores(t, string(m), onlyRated(alt, res), scores, ranks)
		}
		for _, a := range []indicators.Aggregate{indicators.Arithmetic, indicators.Geometric, indicators.TOPSIS, indicators.GRA} {
			alt := mustScore(t, modified(in, func(n *indicators.Node) {
				if !n.IsLeaf() {
					n.Aggregate = a
				}
			}))
			if err := rs.Rescore(Variant{Aggregate: a}, ws, scores, ranks); err != nil {
				t.Fatal(err)
			}
			sameScores(t, string(a), onlyRated(alt, res), scores, ranks)
			for i := range ranks {
				changed = changed || ranks[i] != res.Subjects[i].Rank
			}
		}
		factors := make([]float64, len(in.Set.Nodes))
		for k := range factors {
			factors[k] = 0.75 + r.Float64()/2
		}
		alt := mustScore(t, modified(in, func(n *indicators.Node) {
			for _, ch := range n.Children {
				ch.Weight *= factors[ch.Index]
			}
			if w := n.Weighting; w != nil {
				ahp := *w
				ahp.Weights = make([]float64, len(w.Weights))
				for j, ch := range n.Children {
					ahp.Weights[j] = w.Weights[j] * factors[ch.Index]
				}
				n.Weighting = &ahp
			}
		}))
		if err := rs.Rescore(Variant{Factors: factors}, ws, scores, ranks); err != nil {
			t.Fatal(err)
		}
		sameScoresTol(t, "factors", onlyRated(alt, res), scores)

		drop := make([]bool, len(in.Set.Leaves))
		drop[2] = true
		alt = mustScore(t, modified(in, func(n *indicators.Node) {
			if n.IsLeaf() && n.LeafIndex == 2 {
				n.Weight = 0
			}
		}))
		if err := rs.Rescore(Variant{Drop: drop}, ws, scores, ranks); err != nil {
			t.Fatal(err)
		}
		sameScores(t, "drop", onlyRated(alt, res), scores, ranks)
	}
}

// onlyRated returns alt with the subjects unrated in res marked unrated
// (the Rescorer ranks the nominally rated subjects only).
func onlyRated(alt, res *Result) *Result {
	for i := range alt.Subjects {
		if !res.Subjects[i].Rated && alt.Subjects[i].Rated {
			alt.Subjects[i].Rated = false
		}
	}
	return alt
}

// sameScoresTol compares scores within tol: weights multiplied in a
// different order differ in the last bits.
func sameScoresTol(t *testing.T, what string, res *Result, scores []float64) {
	t.Helper()
	for i, sr := range res.Subjects {
		want := sr.Score
		if !sr.Rated {
			want = nan
		}
		if !near(scores[i], want) && math.Abs(scores[i]-want) > 0.01 { // rounding to 2 digits may flip
			t.Fatalf("%s: subject %d score %v, Score gives %v", what, i, scores[i], want)
		}
	}
}

func TestRescoreMissingLast(t *testing.T) {
	// Under geometric aggregation s2's zero makes its score missing: it
	// ranks after every subject with a score.
	set := newSet(comp("d", []*indicators.Node{leaf("x"), leaf("y")}))
	in := Input{Set: set, Subjects: subjects("s1", "s2", "s3"), Raw: [][]float64{{1, 0, 3}, {5, 9, 1}}}
	res := mustScore(t, in)
	rs, err := NewRescorer(in, res)
	if err != nil {
		t.Fatal(err)
	}
	scores, ranks := make([]float64, 3), make([]int, 3)
	if err := rs.Rescore(Variant{Aggregate: indicators.Geometric}, rs.NewWorkspace(), scores, ranks); err != nil {
		t.Fatal(err)
	}
	// minmax: x = 33.3, 0, 100; y = 50, 100, 0 → s1 > 0, s2 and s3 missing.
	if ranks[0] != 1 || ranks[1] != 2 || ranks[2] != 2 || !math.IsNaN(scores[1]) {
		t.Errorf("ranks %v scores %v", ranks, scores)
	}
}

func TestRescoreErrors(t *testing.T) {
	set := newSet(leaf("x", method(indicators.Goalpost), norm(indicators.Normalize{Method: indicators.Goalpost, Low: 0, High: 1})))
	in := Input{Set: set, Subjects: subjects("s1", "s2"), Raw: [][]float64{{0, 1}}}
	res := mustScore(t, in)
	if _, err := NewRescorer(in, res, indicators.Goalpost); err == nil || !strings.Contains(err.Error(), "not a relative method") {
		t.Errorf("goalpost alternative: %v", err)
	}
	if _, err := NewRescorer(in, nil); err == nil {
		t.Error("nil result accepted")
	}
	if _, err := NewRescorer(Input{}, res); err == nil {
		t.Error("invalid input accepted")
	}
	rs, err := NewRescorer(in, res)
	if err != nil {
		t.Fatal(err)
	}
	ws := rs.NewWorkspace()
	for _, tc := range []struct {
		name string
		v    Variant
		want string
	}{
		{"method", Variant{Normalize: indicators.Rank}, "not prepared"},
		{"factors", Variant{Factors: []float64{1, 2}}, "2 weight factors for 1 nodes"},
		{"drop", Variant{Drop: []bool{true, true}}, "2 drop flags for 1 leaves"},
		{"aggregate", Variant{Aggregate: "median"}, `unknown aggregate "median"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := rs.Rescore(tc.v, ws, nil, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
