package scoring

import (
	"github.com/govscore/govscore/mcda"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// oneLeaf scores a set made of a single leaf over subjects s0…s(n−1).
func oneLeaf(t *testing.T, l *indicators.Node, raw []float64) *Result {
	t.Helper()
	ids := make([]string, len(raw))
	for i := range raw {
		ids[i] = string(rune('a'+i)) + "x"
	}
	return mustScore(t, Input{Set: newSet(l), Subjects: subjects(ids...), Raw: [][]float64{raw}})
}

func TestNormalize(t *testing.T) {
	// raw 2, 4, 10 on scale [0, 100]: min 2, max 8 away; mean 16/3,
	// sd = sqrt(((−10/3)² + (−4/3)² + (14/3)²)/2) = sqrt(52/3) ≈ 4.16333.
	raw := []float64{2, 4, 10}
	tests := []struct {
		name string
		leaf *indicators.Node
		raw  []float64
		want []float64
	}{
		// (x−2)/8·100.
		{"minmax/higher", leaf("x"), raw, []float64{0, 25, 100}},
		{"minmax/lower", leaf("x", lowerIsBetter()), raw, []float64{100, 75, 0}},
		// 50 ± 10·(x−16/3)/4.16333.
		{"zscore/higher", leaf("x", method(indicators.ZScore)), raw,
			[]float64{41.993592309745644, 46.79743692389826, 61.2089707663561}},
		{"zscore/lower", leaf("x", method(indicators.ZScore), lowerIsBetter()), raw,
			[]float64{58.006407690254356, 53.20256307610174, 38.7910292336439}},
		// mean 0, sd 1 given: z itself (not clipped, negative allowed).
		{"zscore/custom", leaf("x", norm(indicators.Normalize{Method: indicators.ZScore, Mean: 0, SD: 1})), raw,
			[]float64{-0.8006407690254357, -0.3202563076101742, 1.1208970766356101}},
		// L = 3, H = 8: clamp((x−3)/5): 0, 0.2, 1.
		{"goalpost/higher", leaf("x", norm(indicators.Normalize{Method: indicators.Goalpost, Low: 3, High: 8})), raw,
			[]float64{0, 20, 100}},
		// clamp((8−x)/5): 1, 0.8, 0.
		{"goalpost/lower", leaf("x", norm(indicators.Normalize{Method: indicators.Goalpost, Low: 3, High: 8}), lowerIsBetter()), raw,
			[]float64{100, 80, 0}},
		// ranks 1, 2, 3 of 3: (r−1)/2.
		{"rank/higher", leaf("x", method(indicators.Rank)), raw, []float64{0, 50, 100}},
		{"rank/lower", leaf("x", method(indicators.Rank), lowerIsBetter()), raw, []float64{100, 50, 0}},
		// 2, 4, 4: ranks 1, 2.5, 2.5 → 0, 75, 75; lower (3−r)/2 → 100, 25, 25.
		{"rank/ties", leaf("x", method(indicators.Rank)), []float64{2, 4, 4}, []float64{0, 75, 75}},
		{"rank/ties lower", leaf("x", method(indicators.Rank), lowerIsBetter()), []float64{2, 4, 4}, []float64{100, 25, 25}},
		{"none", leaf("x", method(indicators.NormNone)), []float64{20, 150, -5}, []float64{20, 150, -5}},
		{"none/clip", leaf("x", norm(indicators.Normalize{Method: indicators.NormNone, Clip: true})), []float64{20, 150, -5},
			[]float64{20, 100, 0}},
		// An empty method is minmax.
		{"default method", leaf("x", method("")), raw, []float64{0, 25, 100}},
		// Mean and SD both 0 (not filled) fall back to 50 and 10.
		{"zscore/defaults", leaf("x", norm(indicators.Normalize{Method: indicators.ZScore})), raw,
			[]float64{41.993592309745644, 46.79743692389826, 61.2089707663561}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := oneLeaf(t, tc.leaf, tc.raw)
			checkFloats(t, "value", cellValues(res, 0), tc.want)
			checkFloats(t, "score", scores(res), tc.want)
			for i, c := range res.Cells[0].All() {
				if c.Status != StatusOK || !near(c.Weight, 1) {
					t.Errorf("cell %d: status %q weight %v, want ok 1", i, c.Status, c.Weight)
				}
			}
		})
	}
}

func TestUninformative(t *testing.T) {
	tests := []struct {
		name string
		leaf *indicators.Node
		raw  []float64
	}{
		{"minmax/equal", leaf("x"), []float64{5, 5, 5}},
		{"minmax/n=1", leaf("x"), []float64{5, nan, nan}},
		{"zscore/sd=0", leaf("x", method(indicators.ZScore)), []float64{0.1, 0.1, 0.1}},
		{"rank/equal", leaf("x", method(indicators.Rank)), []float64{3, 3, 3}},
		{"minmax/winsorised flat", leaf("x", winsor(0.5, 0.5)), []float64{1, 2, 3}},
		// log(0) is undefined: the goalposts cannot be transformed.
		{"goalpost/log low ≤ 0", leaf("x", transformed(indicators.TransformLog),
			norm(indicators.Normalize{Method: indicators.Goalpost, Low: 0, High: 10})), []float64{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// y is an informative sibling: 0, 50, 100.
			set := newSet(tc.leaf, leaf("y"))
			in := Input{Set: set, Subjects: subjects("s1", "s2", "s3"), Raw: [][]float64{tc.raw, {1, 2, 3}}}
			res := mustScore(t, in)
			for i, c := range res.Cells[0].All() {
				if c.Status != StatusUninformative || !math.IsNaN(c.Value) || c.Weight != 0 {
					t.Errorf("cell %d = %+v, want uninformative, no value, weight 0", i, c)
				}
			}
			// The sibling alone makes the score.
			checkFloats(t, "score", scores(res), []float64{0, 50, 100})
			if !res.Groups[0].Leaves[0].Uninformative {
				t.Error("LeafStats.Uninformative = false")
			}
			n := 0
			for _, w := range res.Warnings {
				if w.Node == "x" && w.Group == "all" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("got %d warnings for x, want 1: %v", n, res.Warnings)
			}
		})
	}
}

func TestMissingPolicies(t *testing.T) {
	// Leaf x: a=1, b=2, c=9, d missing; present mean 4, median 2, min 1.
	// Leaf y (always present) keeps every subject rated.
	raw := []float64{1, 2, 9, nan}
	tests := []struct {
		name   string
		policy indicators.MissingPolicy
		want   []float64 // minmax over the treated values, imputed included
		status Status
		score  float64 // d's score: mean of x and y (y = 100 for d)
	}{
		// stats [1, 2, 9]: d takes no part.
		{"exclude", indicators.Exclude, []float64{0, 12.5, 100, nan}, StatusMissing, 100},
		// d = lo = 0, not in the stats [1, 2, 9].
		{"zero", indicators.Zero, []float64{0, 12.5, 100, 0}, StatusImputed, 50},
		// d = 4: stats [1, 2, 9, 4], (4−1)/8 = 37.5.
		{"mean", indicators.ImputeMean, []float64{0, 12.5, 100, 37.5}, StatusImputed, 68.75},
		// d = 2 → 12.5.
		{"median", indicators.ImputeMedian, []float64{0, 12.5, 100, 12.5}, StatusImputed, 56.25},
		// d = 1 → 0.
		{"min", indicators.ImputeMin, []float64{0, 12.5, 100, 0}, StatusImputed, 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(leaf("x", missing(tc.policy, "")), leaf("y"))
			in := Input{Set: set, Subjects: subjects("a", "b", "c", "d"), Raw: [][]float64{raw, {0, 1, 2, 4}}}
			res := mustScore(t, in)
			checkFloats(t, "x", cellValues(res, 0), tc.want)
			if got := res.Cells[0].At(3).Status; got != tc.status {
				t.Errorf("d status = %q, want %q", got, tc.status)
			}
			if !near(res.Subjects[3].Score, tc.score) {
				t.Errorf("d score = %v, want %v", res.Subjects[3].Score, tc.score)
			}
			if st := res.Groups[0].Leaves[0]; st.N != 3 || st.Missing != 1 || !near(st.Mean, 4) || !near(st.SD, math.Sqrt(19)) {
				// raw stats: mean 4, sd sqrt((9+4+25)/2) = sqrt(19).
				t.Errorf("raw stats = %+v", st)
			}
		})
	}
}

func TestImputeBy(t *testing.T) {
	// region r1: a=1, b=3; r2: c=9, d missing; r3: e missing (empty pool);
	// f has no region attribute ("" pool: g=5), g="" too.
	subs := []dataset.Subject{
		subj("a", "a", "region", "r1"), subj("b", "a", "region", "r1"),
		subj("c", "a", "region", "r2"), subj("d", "a", "region", "r2"),
		subj("e", "a", "region", "r3"), subj("f", "a"), subj("g", "a"),
	}
	raw := []float64{1, 3, 9, nan, nan, nan, 5}
	set := newSet(leaf("x", missing(indicators.ImputeMean, "region")), leaf("y"))
	res := mustScore(t, Input{Set: set, Subjects: subs, Raw: [][]float64{raw, {1, 2, 3, 4, 5, 6, 7}}})
	imputed := make([]float64, len(subs))
	for i, c := range res.Cells[0].All() {
		imputed[i] = c.Imputed
	}
	// d ← mean{9}; e ← empty pool; f ← mean{5} (g shares the "" value).
	checkFloats(t, "imputed", imputed, []float64{1, 3, 9, 9, nan, 5, 5})
	want := []Status{StatusOK, StatusOK, StatusOK, StatusImputed, StatusMissing, StatusImputed, StatusOK}
	if got := cellStatuses(res, 0); !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	// Stats over 1, 3, 9, 9, 5, 5: minmax (x−1)/8.
	checkFloats(t, "x", cellValues(res, 0), []float64{0, 25, 100, 100, nan, 50, 50})
}

func TestTransforms(t *testing.T) {
	e := math.E
	tests := []struct {
		name string
		leaf *indicators.Node
		raw  []float64
		want []float64 // normalised
		tr   []float64 // treated
	}{
		// ln: 0, 1, 2; 0 and −1 are outside the domain.
		{"log", leaf("x", transformed(indicators.TransformLog)), []float64{1, e, e * e, 0, -1},
			[]float64{0, 50, 100, nan, nan}, []float64{0, 1, 2, nan, nan}},
		// log1p: −1 out; 0 → 0; e−1 → 1; e²−1 → 2.
		{"log1p", leaf("x", transformed(indicators.TransformLog1p)), []float64{-1, 0, e - 1, e*e - 1},
			[]float64{nan, 0, 50, 100}, []float64{nan, 0, 1, 2}},
		// sqrt: −4 out; 0, 2, 4.
		{"sqrt", leaf("x", transformed(indicators.TransformSqrt)), []float64{-4, 0, 4, 16},
			[]float64{nan, 0, 50, 100}, []float64{nan, 0, 2, 4}},
		// goalposts transformed too: ln 1 = 0, ln e² = 2; x = e → 1 → 50.
		{"log goalpost", leaf("x", transformed(indicators.TransformLog),
			norm(indicators.Normalize{Method: indicators.Goalpost, Low: 1, High: e * e})), []float64{e, 1, e * e * e},
			[]float64{50, 0, 100}, []float64{1, 0, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// y (method none, value 1) keeps subjects without x rated.
			ids := []string{"a", "b", "c", "d", "e"}[:len(tc.raw)]
			ones := []float64{1, 1, 1, 1, 1}[:len(tc.raw)]
			res := mustScore(t, Input{Set: newSet(tc.leaf, leaf("y", method(indicators.NormNone))),
				Subjects: subjects(ids...), Raw: [][]float64{tc.raw, ones}})
			checkFloats(t, "value", cellValues(res, 0), tc.want)
			tr := make([]float64, len(tc.raw))
			for i, c := range res.Cells[0].All() {
				tr[i] = c.Treated
				if math.IsNaN(c.Treated) && c.Status != StatusMissing {
					t.Errorf("cell %d: status %q, want missing", i, c.Status)
				}
			}
			checkFloats(t, "treated", tr, tc.tr)
		})
	}
}

func TestWinsorize(t *testing.T) {
	// R: quantile(c(1,2,3,4,10), c(.1,.9), type=7) = 1.4, 7.6.
	res := oneLeaf(t, leaf("x", winsor(0.1, 0.9)), []float64{1, 2, 3, 4, 10})
	st := res.Groups[0].Leaves[0]
	if !near(st.WinsorLow, 1.4) || !near(st.WinsorHigh, 7.6) {
		t.Errorf("bounds = %v, %v; want 1.4, 7.6", st.WinsorLow, st.WinsorHigh)
	}
	// Treated 1.4, 2, 3, 4, 7.6 → (x−1.4)/6.2·100.
	checkFloats(t, "value", cellValues(res, 0),
		[]float64{0, 9.67741935483871, 25.806451612903224, 41.935483870967744, 100})
	if !near(st.NormMin, 1.4) || !near(st.NormMax, 7.6) || st.NormN != 5 {
		t.Errorf("norm stats = %+v", st)
	}
	// Without winsorize the bounds are NaN.
	res = oneLeaf(t, leaf("x"), []float64{1, 2})
	if st := res.Groups[0].Leaves[0]; !math.IsNaN(st.WinsorLow) || !math.IsNaN(st.WinsorHigh) {
		t.Errorf("bounds without winsorize = %v, %v", st.WinsorLow, st.WinsorHigh)
	}
}

func TestQuantile(t *testing.T) {
	x := []float64{1, 2, 3, 4, 10}
	ten := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name string
		x    []float64
		q    float64
		want float64
	}{
		{"R .9", x, 0.9, 7.6}, // quantile(c(1,2,3,4,10), .9) = 7.6
		{"R .1", x, 0.1, 1.4}, // quantile(c(1,2,3,4,10), .1) = 1.4
		{"R .5", x, 0.5, 3},   // median
		{"R 1:10 .25", ten, 0.25, 3.25},
		{"R 1:10 .33", ten, 0.33, 3.97}, // quantile(1:10, .33) = 3.97
		{"q=0", x, 0, 1},
		{"q=1", x, 1, 10},
		{"q>1 clamps", x, 2, 10},
		{"single", []float64{7}, 0.3, 7},
		{"empty", nil, 0.5, nan},
		{"NaN q", x, nan, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mcda.Quantile7(tc.x, tc.q); !near(got, tc.want) {
				t.Errorf("Quantile7(%v, %v) = %v, want %v", tc.x, tc.q, got, tc.want)
			}
		})
	}
}

func TestStatsHelpers(t *testing.T) {
	if m := median([]float64{1, 2, 3, 10}); !near(m, 2.5) {
		t.Errorf("median even = %v, want 2.5", m)
	}
	if m := median(nil); !math.IsNaN(m) {
		t.Errorf("median empty = %v", m)
	}
	if v := poolValue(indicators.Exclude, []float64{1}); !math.IsNaN(v) {
		t.Errorf("poolValue(exclude) = %v, want NaN", v)
	}
	if m, sd := meanSD([]float64{4}); m != 4 || !math.IsNaN(sd) {
		t.Errorf("meanSD single = %v, %v", m, sd)
	}
	if r := fractionalRank([]float64{1, 2, 2, 2, 5}, 2); r != 3 {
		t.Errorf("fractionalRank tie = %v, want 3", r)
	}
}

func TestLeafStatsUnratedExcluded(t *testing.T) {
	// MinCoverage 1: c misses y and is unrated; its x = 1000 must not enter
	// x's statistics.
	set := newSet(leaf("x"), leaf("y"))
	set.MinCoverage = 1
	res := mustScore(t, Input{Set: set, Subjects: subjects("a", "b", "c"),
		Raw: [][]float64{{0, 10, 1000}, {1, 2, nan}}})
	checkFloats(t, "x", cellValues(res, 0), []float64{0, 100, nan})
	if got := cellStatuses(res, 0); !slices.Equal(got, []Status{StatusOK, StatusOK, StatusUnrated}) {
		t.Errorf("statuses = %v", got)
	}
	c := res.Subjects[2]
	if c.Rated || !near(c.Coverage, 0.5) || c.Rank != 0 || !math.IsNaN(c.Score) {
		t.Errorf("c = rated %v coverage %v rank %d score %v", c.Rated, c.Coverage, c.Rank, c.Score)
	}
	if st := res.Groups[0].Leaves[0]; st.N != 2 || st.Max != 10 {
		t.Errorf("x stats = %+v", st)
	}
	if !strings.Contains(res.Groups[0].Label, "all") || res.Groups[0].NRated != 2 {
		t.Errorf("group = %+v", res.Groups[0])
	}
}
