package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
)

// TestSortFloatsMatchesSlicesSort: sortFloats leaves the same bits as
// slices.Sort on short and long inputs of wide-ranging, tied, negative,
// infinite and subnormal values, with −0 alone, +0 alone, and both (the
// fallback), reusing one scratch.
func TestSortFloatsMatchesSlicesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	var rs radixScratch
	gens := []func() float64{
		func() float64 { return rng.NormFloat64() * 1e3 },
		func() float64 { return float64(rng.IntN(7) - 3) },
		func() float64 { return math.Ldexp(rng.Float64(), rng.IntN(2000)-1000) * float64(1-2*rng.IntN(2)) },
		func() float64 {
			switch rng.IntN(6) {
			case 0:
				return math.Inf(1)
			case 1:
				return math.Inf(-1)
			case 2:
				return math.SmallestNonzeroFloat64
			case 3:
				return -math.MaxFloat64
			}
			return rng.Float64()
		},
	}
	for trial := 0; trial < 200; trial++ {
		n := rng.IntN(3 * radixMin)
		gen := gens[trial%len(gens)]
		x := make([]float64, n)
		for i := range x {
			x[i] = gen()
		}
		if n > 0 {
			switch trial % 5 {
			case 1:
				x[rng.IntN(n)] = math.Copysign(0, -1)
			case 2:
				x[rng.IntN(n)] = 0
			case 3:
				x[rng.IntN(n)], x[rng.IntN(n)] = math.Copysign(0, -1), 0
			}
		}
		want := slices.Clone(x)
		slices.Sort(want)
		sortFloats(x, &rs)
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(want[i]) {
				t.Fatalf("trial %d (n %d): at %d sortFloats gives %v, slices.Sort %v", trial, n, i, x[i], want[i])
			}
		}
	}
}

// TestFloatKeyOrder: floatKey orders values as < does (−0 just below +0)
// and keyFloat inverts it.
func TestFloatKeyOrder(t *testing.T) {
	xs := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 1, math.MaxFloat64, math.Inf(1)}
	for i, x := range xs {
		if got := keyFloat(floatKey(x)); math.Float64bits(got) != math.Float64bits(x) {
			t.Errorf("keyFloat(floatKey(%v)) = %v", x, got)
		}
		if i > 0 && !(floatKey(xs[i-1]) < floatKey(x)) {
			t.Errorf("floatKey(%v) = %#x is not below floatKey(%v) = %#x", xs[i-1], floatKey(xs[i-1]), x, floatKey(x))
		}
	}
}

// TestMidRanksMatchesRankAmong: the rank midRanks gives each value is
// exactly fractionalRank's among the sorted non-NaN values, with ties,
// signed zeros and NaN (which gets NaN), for short and long inputs.
func TestMidRanksMatchesRankAmong(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 3))
	var rs radixScratch
	for trial := 0; trial < 100; trial++ {
		n := rng.IntN(3 * radixMin)
		x := make([]float64, n)
		for i := range x {
			switch rng.IntN(10) {
			case 0:
				x[i] = math.NaN()
			case 1:
				x[i] = math.Copysign(0, -1)
			case 2:
				x[i] = 0
			case 3:
				x[i] = math.Inf(1 - 2*rng.IntN(2))
			default:
				x[i] = float64(rng.IntN(1+trial)) - float64(trial)/2
			}
		}
		var sorted []float64
		for _, v := range x {
			if !math.IsNaN(v) {
				sorted = append(sorted, v)
			}
		}
		slices.Sort(sorted)
		r := make([]float64, n)
		midRanks(x, r, &rs)
		for p, v := range x {
			want := math.NaN()
			if !math.IsNaN(v) {
				want = fractionalRank(sorted, v)
			}
			if math.Float64bits(r[p]) != math.Float64bits(want) && !(math.IsNaN(r[p]) && math.IsNaN(want)) {
				t.Fatalf("trial %d: rank of x[%d] = %v is %v, want %v", trial, p, v, r[p], want)
			}
		}
	}
}

// TestSortByRoundedRadixMatchesComparator: on members in id order (with a
// repeated id), sortByRounded's radix path gives the order the comparison
// sort (value, ties by id) gives, descending and ascending, with ties,
// signed zeros and infinities; with a NaN it falls back to the comparison
// sort.
func TestSortByRoundedRadixMatchesComparator(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 4))
	n := 3 * radixMin
	subs := make([]dataset.Subject, n)
	for i := range subs {
		subs[i].ID = fmt.Sprintf("s%05d", i-i%7/6) // ids sorted, some repeated
	}
	rounded := make([]float64, n)
	for _, desc := range []bool{true, false} {
		for trial := 0; trial < 20; trial++ {
			s := &scorer{in: Input{Subjects: subs}, set: &indicators.Set{Ranking: indicators.Ranking{Desc: desc}}}
			for i := range rounded {
				switch rng.IntN(8) {
				case 0:
					rounded[i] = math.Copysign(0, -1)
				case 1:
					rounded[i] = 0
				case 2:
					rounded[i] = math.Inf(1 - 2*rng.IntN(2))
				default:
					rounded[i] = float64(rng.IntN(40)) / 4
				}
			}
			if trial == 19 {
				rounded[rng.IntN(n)] = math.NaN()
			}
			var idx []int
			for i := range n {
				if rng.IntN(5) > 0 {
					idx = append(idx, i)
				}
			}
			want := slices.Clone(idx)
			slices.SortStableFunc(want, func(a, b int) int {
				ra, rb := rounded[a], rounded[b]
				switch {
				case ra == rb:
					return strings.Compare(subs[a].ID, subs[b].ID)
				case (ra > rb) == desc:
					return -1
				}
				return 1
			})
			s.sortByRounded(idx, rounded)
			if !slices.Equal(idx, want) {
				t.Fatalf("desc %v trial %d: radix order differs from the comparison sort", desc, trial)
			}
		}
	}
}

// TestRankLeafLargeGroup: a rank leaf over a group large enough for the
// radix path (midRanks; values with +0 only and with both −0 and +0) gets
// exactly lo + span·(r − 1)/(n − 1) (lower: n − r) with r the
// fractional rank among the winsorised present values, computed here
// independently (mcda.FractionalRanks, mcda.Quantile7).
func TestRankLeafLargeGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 6))
	for _, tc := range []struct {
		name          string
		lower, winsor bool
		zeros         []float64 // put into some values
	}{
		{"plain", false, false, nil},
		{"lower winsorised", true, true, nil},
		{"+0 only", false, true, []float64{0}},
		{"both zeros", true, false, []float64{0, math.Copysign(0, -1)}},
	} {
		n := 700
		subs := make([]dataset.Subject, n)
		raw := make([]float64, n)
		for i := range subs {
			subs[i] = subj(fmt.Sprintf("s%04d", i), "a")
			raw[i] = float64(rng.IntN(60)) - 20
			switch {
			case rng.IntN(10) == 0:
				raw[i] = math.NaN()
			case len(tc.zeros) > 0 && rng.IntN(8) == 0:
				raw[i] = tc.zeros[rng.IntN(len(tc.zeros))]
			}
		}
		opts := []opt{method(indicators.Rank)}
		if tc.lower {
			opts = append(opts, lowerIsBetter())
		}
		if tc.winsor {
			opts = append(opts, winsor(0.05, 0.9))
		}
		set := newSet(leaf("x", opts...))
		res := mustScore(t, Input{Set: set, Subjects: subs, Raw: [][]float64{raw}})

		var sorted []float64
		for _, v := range raw {
			if !math.IsNaN(v) {
				sorted = append(sorted, v)
			}
		}
		slices.Sort(sorted)
		x := slices.Clone(raw)
		if tc.winsor {
			qlo, qhi := mcda.Quantile7(sorted, 0.05), mcda.Quantile7(sorted, 0.9)
			for i, v := range x {
				if !math.IsNaN(v) {
					x[i] = min(max(v, qlo), qhi)
				}
			}
		}
		r, m := mcda.FractionalRanks(x), float64(len(sorted))
		got := cellValues(res, 0)
		for i := range x {
			want := math.NaN()
			switch {
			case math.IsNaN(x[i]):
			case tc.lower:
				want = 0 + 100*(m-r[i])/(m-1)
			default:
				want = 0 + 100*(r[i]-1)/(m-1)
			}
			if math.Float64bits(got[i]) != math.Float64bits(want) && !(math.IsNaN(got[i]) && math.IsNaN(want)) {
				t.Fatalf("%s: subject %d (raw %v) = %v, want %v", tc.name, i, raw[i], got[i], want)
			}
		}
	}
}
