package mcda

import (
	"math"
	"slices"
)

// FractionalRanks returns the ranks of x, 1 for the smallest, ties getting
// the mean of the ranks they span (R's rank(ties.method = "average")). NaN
// entries are not ranked and get NaN.
func FractionalRanks(x []float64) []float64 {
	idx := make([]int, 0, len(x))
	for i, v := range x {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(x))
	for i := range out {
		out[i] = math.NaN()
	}
	RanksInOrder(x, idx, out)
	return out
}

// RanksInOrder writes into r[i], for each index i of order, the fractional
// rank of x[i] among the values x[order[0]], x[order[1]], …, which order
// lists ascending: the run of equal values at positions lo..hi-1 of order
// (0-based) shares the mean of the ranks lo+1..hi, (lo+1+hi)/2. Entries of
// r not in order are left as they are.
func RanksInOrder(x []float64, order []int, r []float64) {
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && x[order[hi]] == x[order[lo]] {
			hi++
		}
		rank := midRank(lo, hi)
		for _, i := range order[lo:hi] {
			r[i] = rank
		}
		lo = hi
	}
}

// RankAmong returns the fractional rank that x takes among sorted
// (ascending, no NaN): ties get the mean of the ranks they span,
// (#{v < x} + 1 + #{v ≤ x}) / 2. x need not be one of the values.
//
// One binary search finds the first value ≥ x; the end of its run of
// equal values is found by galloping from there (runs are short), instead
// of a second binary search over the rest. A NaN x ranks as if below every
// value and equal to all of them, (1 + len(sorted)) / 2, as it did when both
// searches went through cmp.Compare.
func RankAmong(sorted []float64, x float64) float64 {
	if math.IsNaN(x) {
		return midRank(0, len(sorted))
	}
	// lo: the first index with sorted[lo] >= x (len(sorted) if none).
	lo, n := 0, len(sorted)
	for hi := n; lo < hi; {
		m := int(uint(lo+hi) >> 1)
		if sorted[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == n || sorted[lo] > x {
		return midRank(lo, lo)
	}
	// sorted[lo] == x: gallop for the first index past the run, known to
	// lie in (a, b].
	a, step := lo, 1
	for a+step < n && !(sorted[a+step] > x) {
		a += step
		step <<= 1
	}
	b := min(a+step, n)
	for a+1 < b {
		m := int(uint(a+b) >> 1)
		if sorted[m] > x {
			b = m
		} else {
			a = m
		}
	}
	return midRank(lo, b)
}

// midRank is the mean of the 1-based ranks lo+1 … hi.
func midRank(lo, hi int) float64 { return float64(lo+1+hi) / 2 }
