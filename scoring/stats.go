package scoring

import (
	"math"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
)

// median returns the median of ascending-sorted values: the middle value,
// or the mean of the two middle values for an even count; NaN when empty.
func median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// meanSD returns the mean and the sample standard deviation (n−1) of x,
// computed in two passes. The mean is NaN for an empty x, the sd NaN for
// fewer than two values.
func meanSD(x []float64) (mean, sd float64) {
	n := len(x)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	mean = s / float64(n)
	if n < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range x {
		d := v - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(n-1))
}

// minMax returns the smallest and largest of x, NaN for an empty x.
func minMax(x []float64) (lo, hi float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	lo, hi = x[0], x[0]
	for _, v := range x[1:] {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	return lo, hi
}

// poolValue is the value an imputation policy draws from the present,
// ascending-sorted values of a pool; NaN for an empty pool.
func poolValue(p indicators.MissingPolicy, sorted []float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	switch p {
	case indicators.ImputeMean:
		m, _ := meanSD(sorted)
		return m
	case indicators.ImputeMedian:
		return median(sorted)
	case indicators.ImputeMin:
		return sorted[0]
	}
	return math.NaN()
}

// transform applies a leaf transform (indicators.Transform.Apply); values
// outside the transform's domain become NaN (missing).
func transform(t indicators.Transform, x float64) float64 { return t.Apply(x) }

// fractionalRank returns the 1-based fractional rank of x among the
// ascending-sorted values: ties get the mean of the ranks they span,
// (#{v < x} + 1 + #{v ≤ x}) / 2.
func fractionalRank(sorted []float64, x float64) float64 { return mcda.RankAmong(sorted, x) }
