package mcda

import (
	"math"
	"slices"
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
