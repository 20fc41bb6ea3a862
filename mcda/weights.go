package mcda

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Entropy returns the entropy weights (熵权法, SPEC §6) of the columns of x
// over its complete cases (rows without NaN; at least MinCases of them).
// With n complete rows, each column j is rescaled to [0, 1] and weighted by
// its divergence from a uniform distribution:
//
//	xᵢⱼ = (vᵢⱼ − minᵢ vᵢⱼ) / (maxᵢ vᵢⱼ − minᵢ vᵢⱼ)
//	pᵢⱼ = xᵢⱼ / Σᵢ xᵢⱼ
//	eⱼ  = −(1/ln n) Σᵢ pᵢⱼ ln pᵢⱼ      (0 ln 0 = 0)
//	dⱼ  = 1 − eⱼ                        (dⱼ = 0 for a constant column)
//	wⱼ  = dⱼ / Σₖ dₖ                    (all d = 0: wⱼ = 1/m)
//
// The weights sum to 1. Entropy returns an error wrapping ErrShape for a
// ragged matrix or one without columns, ErrNotFinite for a ±Inf value (or
// values so large that the weights overflow), and a *CasesError for fewer
// than MinCases complete cases.
func Entropy(x [][]float64) ([]float64, error) {
	rows, m, err := completeCases("entropy", x)
	if err != nil {
		return nil, err
	}
	n := len(rows)
	lnN := math.Log(float64(n))
	d := make([]float64, m)
	for j := range m {
		// Dividing by max|v| first leaves x unchanged and keeps hi − lo finite.
		col := scaledColumn(rows, j)
		lo, hi := minMax(col)
		if hi == lo {
			continue
		}
		span := hi - lo
		var s float64
		for _, v := range col {
			s += (v - lo) / span
		}
		var h float64
		for _, v := range col {
			if p := (v - lo) / span / s; p > 0 {
				h += p * math.Log(p)
			}
		}
		d[j] = 1 + h/lnN
	}
	return checkFinite("entropy", normalise(d))
}

// CRITIC returns the CRITIC weights (Criteria Importance Through
// Intercriteria Correlation, SPEC §6) of the columns of x over its complete
// cases (rows without NaN; at least MinCases of them):
//
//	Cⱼ = σⱼ Σₖ (1 − rⱼₖ),   wⱼ = Cⱼ / Σₖ Cₖ
//
// where σⱼ is the sample standard deviation (n−1) of column j and rⱼₖ the
// Pearson correlation of columns j and k (rⱼⱼ = 1). The correlation between
// a constant column and any other is taken as 0; a constant column has
// σ = 0 and so weight 0. A correlation within 1e-12 of 1 counts as 1. When
// every Cⱼ is 0 the weights are equal. Errors are those of Entropy.
func CRITIC(x [][]float64) ([]float64, error) {
	rows, m, err := completeCases("critic", x)
	if err != nil {
		return nil, err
	}
	r := corrMatrix(rows, m)
	sd := make([]float64, m)
	for j := range m {
		if col := column(rows, j); !isConstant(col) {
			// σ of the column scaled by c = max|v|, times c: no overflow
			// in the squares.
			c := maxAbs(col)
			sd[j] = c * math.Sqrt(sampleVar(scaledColumn(rows, j)))
		}
	}
	c := make([]float64, m)
	for j := range m {
		if sd[j] == 0 {
			continue
		}
		var conflict float64
		for k := range m {
			if k == j {
				continue
			}
			rjk := r[j][k]
			if 1-rjk < 1e-12 {
				rjk = 1
			}
			conflict += 1 - rjk
		}
		c[j] = sd[j] * conflict
	}
	return checkFinite("critic", normalise(c))
}

// PCA returns principal-component weights (SPEC §6) of the columns of x over
// its complete cases (rows without NaN; at least MinCases of them):
//
//	wⱼ = uⱼ²
//
// where u is the unit eigenvector of the largest eigenvalue of the columns'
// Pearson correlation matrix R (a constant column has correlation 0 with the
// others and 1 on the diagonal). The weights sum to 1 and do not depend on
// the sign of u. When the largest eigenvalue is repeated (k eigenvalues
// within a relative 1e-10 of it) u is not unique and PCA returns
// wⱼ = (1/k) Σₗ uⱼₗ² over an orthonormal basis u₁…uₖ of that eigenspace,
// which is basis-independent (for R = I it gives equal weights). A constant
// column (sd 0 over the complete cases) gets weight 0 and R is taken over
// the other columns: one left gets weight 1, all constant give equal
// weights 1/m. The decomposition is gonum's mat.EigenSym. Errors are those
// of Entropy, plus ErrEigen if the decomposition fails.
func PCA(x [][]float64) ([]float64, error) {
	rows, m, err := completeCases("pca", x)
	if err != nil {
		return nil, err
	}
	var keep []int // the non-constant columns
	for j := range m {
		if !isConstant(column(rows, j)) {
			keep = append(keep, j)
		}
	}
	out := make([]float64, m)
	switch len(keep) {
	case 0:
		return normalise(out), nil
	case 1:
		out[keep[0]] = 1
		return out, nil
	}
	if len(keep) < m {
		sub := make([][]float64, len(rows))
		for i, row := range rows {
			sub[i] = make([]float64, len(keep))
			for q, j := range keep {
				sub[i][q] = row[j]
			}
		}
		w, err := pcaWeights(sub, len(keep))
		if err != nil {
			return nil, err
		}
		for q, j := range keep {
			out[j] = w[q]
		}
		return out, nil
	}
	return pcaWeights(rows, m)
}

// pcaWeights is PCA over rows (complete, m columns, none constant).
func pcaWeights(rows [][]float64, m int) ([]float64, error) {
	r := corrMatrix(rows, m)
	corr := mat.NewSymDense(m, nil)
	for j := range m {
		for k := j; k < m; k++ {
			corr.SetSym(j, k, r[j][k])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(corr, true) {
		return nil, fmt.Errorf("mcda: pca: %w", ErrEigen)
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := vals[m-1]
	tol := 1e-10 * max(1, math.Abs(top))
	w := make([]float64, m)
	k := 0
	for l := m - 1; l >= 0 && top-vals[l] <= tol; l-- {
		k++
		for j := range m {
			u := vecs.At(j, l)
			w[j] += u * u
		}
	}
	for j := range w {
		w[j] /= float64(k)
	}
	return checkFinite("pca", normalise(w))
}

// Combine returns the combination w = α·â + (1−α)·b̂ of two weight vectors,
// where â = a/Σa and b̂ = b/Σb (SPEC §6 `combine`). A vector summing to 0 is
// replaced by equal weights before combining. The result sums to 1 when
// α ∈ [0, 1]. Combine panics if len(a) != len(b).
func Combine(a, b []float64, alpha float64) []float64 {
	if len(a) != len(b) {
		panic("mcda: Combine of weight vectors of different lengths")
	}
	na, nb := normalise(a), normalise(b)
	w := make([]float64, len(a))
	for j := range w {
		w[j] = alpha*na[j] + (1-alpha)*nb[j]
	}
	return w
}

// corrMatrix returns the m×m Pearson correlation matrix of the columns of
// rows (no NaN), with the convention of CRITIC and PCA: 1 on the diagonal,
// 0 between a constant column and any other. Each column is divided by its
// largest absolute value and centred once; rⱼₖ = Σdⱼdₖ/√(Σdⱼ² Σdₖ²),
// clamped to [−1, 1].
func corrMatrix(rows [][]float64, m int) [][]float64 {
	n := len(rows)
	dev := make([][]float64, m) // centred columns
	ss := make([]float64, m)    // Σd², 0 for a constant column
	for j := range m {
		col := scaledColumn(rows, j) // r is unchanged, Σd² cannot overflow
		if isConstant(col) {
			continue
		}
		mu := meanOf(col)
		for i := range col {
			col[i] -= mu
			ss[j] += col[i] * col[i]
		}
		dev[j] = col
	}
	r := make([][]float64, m)
	for j := range r {
		r[j] = make([]float64, m)
		r[j][j] = 1
	}
	for j := range m {
		for k := j + 1; k < m; k++ {
			if ss[j] == 0 || ss[k] == 0 {
				continue
			}
			var sjk float64
			dj, dk := dev[j], dev[k]
			for i := range n {
				sjk += dj[i] * dk[i]
			}
			v := max(-1, min(1, sjk/math.Sqrt(ss[j]*ss[k])))
			r[j][k], r[k][j] = v, v
		}
	}
	return r
}

// scaledColumn returns column j of rows divided by its largest absolute
// value (unchanged when that is 0), so that every value lies in [−1, 1].
func scaledColumn(rows [][]float64, j int) []float64 {
	col := column(rows, j)
	if c := maxAbs(col); c != 0 {
		for i := range col {
			col[i] /= c
		}
	}
	return col
}

// maxAbs returns the largest |v| of x (0 when empty).
func maxAbs(x []float64) float64 {
	var c float64
	for _, v := range x {
		c = max(c, math.Abs(v))
	}
	return c
}

// checkFinite returns w, or an error wrapping ErrNotFinite when a weight is
// not finite (values so large that the computation overflowed).
func checkFinite(method string, w []float64) ([]float64, error) {
	for _, v := range w {
		if !finite(v) {
			return nil, fmt.Errorf("mcda: %s: values too large, weights overflow: %w", method, ErrNotFinite)
		}
	}
	return w, nil
}
