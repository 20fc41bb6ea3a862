package mcda

import (
	"math"
)

// CorrMethod selects the correlation coefficient of CorrMatrix.
type CorrMethod int

// Correlation methods.
const (
	CorrPearson  CorrMethod = iota // Pearson product-moment correlation
	CorrSpearman                   // Spearman rank correlation, average ranks for ties
)

// String returns "pearson" or "spearman".
func (m CorrMethod) String() string {
	switch m {
	case CorrPearson:
		return "pearson"
	case CorrSpearman:
		return "spearman"
	}
	return "CorrMethod(?)"
}

// Pearson returns the Pearson correlation of x and y over the pairs where
// neither is NaN:
//
//	r = Σ(xᵢ−x̄)(yᵢ−ȳ) / √(Σ(xᵢ−x̄)² Σ(yᵢ−ȳ)²)
//
// with the means taken over those pairs. The result is clamped to [−1, 1].
// It is NaN when fewer than two pairs remain or either variable is constant
// over them (R's cor gives NA there). Pearson panics if len(x) != len(y).
func Pearson(x, y []float64) float64 {
	xs, ys := pairs(x, y)
	r, ok := pearsonComplete(xs, ys)
	if !ok {
		return math.NaN()
	}
	return r
}

// Spearman returns Spearman's rank correlation of x and y: the Pearson
// correlation of their fractional ranks (ties get the mean of the ranks they
// span), ranked over the pairs where neither is NaN. This is R's
// cor(x, y, method = "spearman", use = "complete.obs"). It is NaN when fewer
// than two pairs remain or either variable is constant over them. Spearman
// panics if len(x) != len(y).
func Spearman(x, y []float64) float64 {
	xs, ys := pairs(x, y)
	r, ok := pearsonComplete(FractionalRanks(xs), FractionalRanks(ys))
	if !ok {
		return math.NaN()
	}
	return r
}

// CorrMatrix returns the k×k correlation matrix of the k columns cols (each
// a variable, indexed by case), with entry [i][j] = Pearson(cols[i], cols[j])
// or Spearman(cols[i], cols[j]) by method: each pair over its own complete
// pairs. The matrix is symmetric; a diagonal entry is 1, or NaN when the
// column has fewer than two present values or is constant. CorrMatrix panics
// if the columns differ in length or method is unknown.
func CorrMatrix(cols [][]float64, method CorrMethod) [][]float64 {
	var f func(x, y []float64) float64
	switch method {
	case CorrPearson:
		f = Pearson
	case CorrSpearman:
		f = Spearman
	default:
		panic("mcda: unknown CorrMethod")
	}
	k := len(cols)
	out := make([][]float64, k)
	for i := range out {
		out[i] = make([]float64, k)
	}
	for i := range k {
		for j := i; j < k; j++ {
			r := f(cols[i], cols[j])
			if i == j && !math.IsNaN(r) {
				r = 1
			}
			out[i][j], out[j][i] = r, r
		}
	}
	return out
}

// pairs returns the values of x and y at the indices where neither is NaN.
func pairs(x, y []float64) (xs, ys []float64) {
	if len(x) != len(y) {
		panic("mcda: correlation of slices of different lengths")
	}
	xs = make([]float64, 0, len(x))
	ys = make([]float64, 0, len(y))
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) {
			continue
		}
		xs = append(xs, x[i])
		ys = append(ys, y[i])
	}
	return xs, ys
}

// pearsonComplete returns the Pearson correlation of x and y (same length,
// no NaN), clamped to [−1, 1]; ok is false when there are fewer than two
// values or either variable is constant.
func pearsonComplete(x, y []float64) (r float64, ok bool) {
	if len(x) < 2 || isConstant(x) || isConstant(y) {
		return 0, false
	}
	mx, my := meanOf(x), meanOf(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, false
	}
	r = sxy / math.Sqrt(sxx*syy)
	return max(-1, min(1, r)), true
}
