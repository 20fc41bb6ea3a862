package scoring

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govscore/govscore/indicators"
)

func targetNorm(a, b float64) opt {
	return norm(indicators.Normalize{Method: indicators.Target, TargetLow: a, TargetHigh: b})
}

func toRange(m indicators.NormMethod, a, b float64) opt {
	return norm(indicators.Normalize{Method: m, Mean: 50, SD: 10, To: &[2]float64{a, b}})
}

// TestTarget checks normalize: target (SPEC §4.4 step 5): d⁻ = max(A − x, 0),
// d⁺ = max(x − B, 0), each side rescaled by its largest distance in the
// group, hi inside the band.
func TestTarget(t *testing.T) {
	e := math.E
	tests := []struct {
		name string
		leaf *indicators.Node
		raw  []float64
		want []float64
	}{
		// T = 1: D⁻ = 0.5, D⁺ = 1.
		{"point", leaf("x", targetNorm(1, 1)), []float64{0.5, 1, 1.5, 2}, []float64{0, 100, 50, 0}},
		// [2, 4]: D⁻ = 1, D⁺ = 3: 5 → 100 − 100·1/3.
		{"band", leaf("x", targetNorm(2, 4)), []float64{1, 2, 3, 5, 7}, []float64{0, 100, 100, 100 - 100.0/3, 0}},
		// direction does not apply.
		{"band lower", leaf("x", targetNorm(2, 4), lowerIsBetter()), []float64{1, 2, 3, 5, 7}, []float64{0, 100, 100, 100 - 100.0/3, 0}},
		// median 3: D⁻ = 2, D⁺ = 7.
		{"median", leaf("x", norm(indicators.Normalize{Method: indicators.Target, TargetMedian: true})),
			[]float64{1, 2, 3, 4, 10}, []float64{0, 50, 100, 100 - 100.0/7, 0}},
		// median of an even count: (2 + 4)/2 = 3; missing stays missing.
		{"median even", leaf("x", norm(indicators.Normalize{Method: indicators.Target, TargetMedian: true})),
			[]float64{1, 2, 4, 5, nan}, []float64{0, 50, 50, 0, nan}},
		// Only one side populated: D⁻ = 0, nobody below.
		{"above only", leaf("x", targetNorm(0, 1)), []float64{2, 3, 1}, []float64{50, 0, 100}},
		// Everybody inside: hi for all (not uninformative).
		{"inside", leaf("x", targetNorm(0, 10)), []float64{2, 3, 2}, []float64{100, 100, 100}},
		// log transforms the target too: ln e = 1 over 0, 1, 2, 3.
		{"log", leaf("x", targetNorm(e, e), transformed(indicators.TransformLog)), []float64{1, e, e * e, e * e * e},
			[]float64{0, 100, 50, 0}},
		// to: [0, 0.8] replaces the scale.
		{"to", leaf("x", targetNorm(2, 4), func(n *indicators.Node) { n.Normalize.To = &[2]float64{0, 0.8} }),
			[]float64{1, 3, 7}, []float64{0, 0.8, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := oneLeaf(t, tc.leaf, tc.raw)
			checkFloats(t, "values", cellValues(res, 0), tc.want)
		})
	}
}

// TestTo checks `to: [a, b]` on every method: the leaf's values are put on
// [a, b] instead of the scale, and the zero policy gives a.
func TestTo(t *testing.T) {
	raw := []float64{2, 4, 10, nan}
	zero := missing(indicators.Zero, "")
	tests := []struct {
		name string
		leaf *indicators.Node
		want []float64
	}{
		{"minmax", leaf("x", toRange(indicators.MinMax, 0, 0.8), zero), []float64{0, 0.2, 0.8, 0}},
		{"minmax lower", leaf("x", toRange(indicators.MinMax, 10, 20), lowerIsBetter(), zero), []float64{20, 17.5, 10, 10}},
		{"rank", leaf("x", toRange(indicators.Rank, 1, 3), zero), []float64{1, 2, 3, 1}},
		{"goalpost", leaf("x", norm(indicators.Normalize{Method: indicators.Goalpost, Low: 0, High: 8, To: &[2]float64{0, 1}}), zero),
			[]float64{0.25, 0.5, 1, 0}},
		{"none clip", leaf("x", norm(indicators.Normalize{Method: indicators.NormNone, Clip: true, To: &[2]float64{3, 5}}), zero),
			[]float64{3, 4, 5, 3}},
		// zscore's m + s·z has no range: only the zero policy moves.
		{"zscore", leaf("x", toRange(indicators.ZScore, -1, 1), zero),
			[]float64{41.993592309745644, 46.79743692389826, 61.2089707663561, -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := oneLeaf(t, tc.leaf, raw)
			checkFloats(t, "values", cellValues(res, 0), tc.want)
		})
	}
}

// TestRescoreTo: renormalising a leaf with `to` under another relative
// method keeps its range.
func TestRescoreTo(t *testing.T) {
	set := newSet(leaf("x", toRange(indicators.MinMax, 0, 0.8)), leaf("y"))
	in := Input{Set: set, Subjects: subjects("a", "b", "c"), Raw: [][]float64{{1, 2, 4}, {0, 0, 1}}}
	res := mustScore(t, in)
	r, err := NewRescorer(in, res, indicators.Rank)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 3)
	if err := r.Rescore(Variant{Normalize: indicators.Rank}, r.NewWorkspace(), got, nil); err != nil {
		t.Fatal(err)
	}
	// x by rank on [0, 0.8]: 0, 0.4, 0.8; y by rank: 25, 25, 100.
	checkFloats(t, "rescored", got, []float64{(0 + 25) / 2.0, (0.4 + 25) / 2, (0.8 + 100) / 2})
}

// TestImputedOutsideTransform: a value imputed at step 2 that the transform
// cannot take (the median 0 under log) is missing, not imputed (SPEC §4.4
// step 3); the zero policy does not fill it either.
func TestImputedOutsideTransform(t *testing.T) {
	score := func(x *indicators.Node, raw []float64) *Result {
		ids := []string{"a", "b", "c", "d", "e", "f"}[:len(raw)]
		y := make([]float64, len(raw))
		for i := range y {
			y[i] = float64(i)
		}
		return mustScore(t, Input{Set: newSet(x, leaf("y")), Subjects: subjects(ids...), Raw: [][]float64{raw, y}})
	}
	check := func(what string, res *Result, want []Status) {
		t.Helper()
		got := cellStatuses(res, 0)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: status[%d] = %q, want %q", what, i, got[i], want[i])
			}
		}
	}
	// The median of 0, 0, 0, 1, e is 0: ln 0 is not a number.
	res := score(leaf("x", transformed(indicators.TransformLog), missing(indicators.ImputeMedian, "")),
		[]float64{0, 0, 0, 1, math.E, nan})
	checkFloats(t, "values", cellValues(res, 0), []float64{nan, nan, nan, 0, 100, nan})
	check("median", res, []Status{StatusMissing, StatusMissing, StatusMissing, StatusOK, StatusOK, StatusMissing})
	if c := res.Cells[0].At(5); c.Imputed != 0 {
		t.Errorf("Imputed = %v, want the median 0 still recorded", c.Imputed)
	}
	if res.Subjects[5].NodeImputed[0] {
		t.Error("node marked imputed")
	}
	// zero fills a missing raw value only: a raw 0 under log stays missing.
	res = score(leaf("x", transformed(indicators.TransformLog), missing(indicators.Zero, "")),
		[]float64{0, 1, math.E, nan})
	checkFloats(t, "zero", cellValues(res, 0), []float64{nan, 0, 100, 0})
	check("zero", res, []Status{StatusMissing, StatusOK, StatusOK, StatusImputed})
}

// TestTargetProperties: on random groups, target values lie in [lo, hi],
// equal hi exactly inside the band, reach lo at the farthest value of each
// populated side, and fall as the distance to the band grows.
func TestTargetProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for range 200 {
		n := 2 + rng.IntN(12)
		raw := make([]float64, n)
		for i := range raw {
			raw[i] = math.Round(rng.Float64()*200) / 10
		}
		a := math.Round(rng.Float64()*150) / 10
		b := a + math.Round(rng.Float64()*50)/10
		res := oneLeaf(t, leaf("x", targetNorm(a, b)), raw)
		v := cellValues(res, 0)
		var dlo, dhi float64
		for _, x := range raw {
			dlo, dhi = max(dlo, a-x), max(dhi, x-b)
		}
		for i, x := range raw {
			d := max(a-x, x-b, 0)
			switch {
			case v[i] < 0 || v[i] > 100:
				t.Fatalf("raw %v band [%v, %v]: v[%d] = %v outside [0, 100]", raw, a, b, i, v[i])
			case d == 0 && v[i] != 100:
				t.Fatalf("raw %v band [%v, %v]: inside value %v ≠ 100", raw, a, b, x)
			case (x < a && a-x == dlo || x > b && x-b == dhi) && !near(v[i], 0):
				t.Fatalf("raw %v band [%v, %v]: farthest value %v gives %v, want 0", raw, a, b, x, v[i])
			}
			for j, y := range raw {
				sameSide := (x < a && y < a) || (x > b && y > b)
				if sameSide && max(a-y, y-b) > d && !(v[j] < v[i]) {
					t.Fatalf("raw %v band [%v, %v]: %v farther than %v but v %v ≥ %v", raw, a, b, y, x, v[j], v[i])
				}
			}
		}
	}
}
