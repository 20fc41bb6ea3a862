package mcda

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestRankAmongAgreesWithFractionalRanks: the rank of each value among the
// sorted values (RankAmong) is its fractional rank (FractionalRanks), and a
// value between two others takes the rank between theirs.
func TestRankAmongAgreesWithFractionalRanks(t *testing.T) {
	x := []float64{3, 1, 2, 2, 5, 2, math.NaN(), 1}
	ranks := FractionalRanks(x)
	var sorted []float64
	for _, v := range x {
		if !math.IsNaN(v) {
			sorted = append(sorted, v)
		}
	}
	slices.Sort(sorted)
	for i, v := range x {
		if math.IsNaN(v) {
			if !math.IsNaN(ranks[i]) {
				t.Errorf("rank of NaN = %v, want NaN", ranks[i])
			}
			continue
		}
		if got := RankAmong(sorted, v); math.Abs(got-ranks[i]) > 1e-12 {
			t.Errorf("RankAmong(%v) = %v, FractionalRanks gives %v", v, got, ranks[i])
		}
	}
	if got := RankAmong(sorted, 4); got != 6.5 {
		t.Errorf("RankAmong(4) = %v, want 6.5 (between 3, rank 6, and 5, rank 7)", got)
	}
}

// rankAmongTwoSearches is RankAmong as it was: two binary searches through
// cmp.Compare, the reference the galloping search must agree with.
func rankAmongTwoSearches(sorted []float64, x float64) float64 {
	lo, _ := slices.BinarySearch(sorted, x)
	hi := lo + sort.Search(len(sorted)-lo, func(i int) bool { return sorted[lo+i] > x })
	return midRank(lo, hi)
}

// TestRankAmongMatchesTwoSearches: on sorted values with runs of ties of
// every length (short and long, at both ends, signed zeros), RankAmong
// returns exactly what the two binary searches did for every value, for
// values between and outside them, for NaN and on an empty slice.
func TestRankAmongMatchesTwoSearches(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	for trial := 0; trial < 300; trial++ {
		n := rng.IntN(200)
		sorted := make([]float64, 0, n)
		for len(sorted) < n {
			v := float64(rng.IntN(20) - 10)
			if v == 0 && rng.IntN(2) == 0 {
				v = math.Copysign(0, -1)
			}
			for run := 1 + rng.IntN(1+rng.IntN(60)); run > 0 && len(sorted) < n; run-- {
				sorted = append(sorted, v)
			}
		}
		slices.Sort(sorted)
		probes := append(slices.Clone(sorted), math.NaN(), math.Inf(-1), math.Inf(1), -10.5, 9.5, 0.5, -0.5, 100)
		for _, x := range probes {
			if got, want := RankAmong(sorted, x), rankAmongTwoSearches(sorted, x); got != want {
				t.Fatalf("RankAmong(%v, %v) = %v, two searches give %v", sorted, x, got, want)
			}
		}
	}
}
