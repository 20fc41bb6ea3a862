package indicators

import (
	"errors"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"
)

// saatyRI is Saaty's random consistency index for n = 1…15 (SPEC §6).
var saatyRI = []float64{0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59}

// MaxAHPOrder is the largest AHP matrix the random index is defined for.
const MaxAHPOrder = 15

// AHP computes the priority weights of a positive reciprocal pairwise
// comparison matrix a (n×n, 1 ≤ n ≤ MaxAHPOrder):
//
//	w   = principal right eigenvector of a, scaled so that Σ wᵢ = 1
//	λmax = its eigenvalue
//	CI  = (λmax − n)/(n − 1)
//	CR  = CI/RI(n), Saaty's random index; CR = 0 for n ≤ 2.
//
// For a consistent matrix (aᵢⱼ = wᵢ/wⱼ) λmax = n and CR = 0. AHP does not
// check reciprocity; the parser does.
func AHP(a [][]float64) (w []float64, lambdaMax, ci, cr float64, err error) {
	n := len(a)
	if n == 0 || n > MaxAHPOrder {
		return nil, 0, 0, 0, errors.New("AHP matrix order must be 1…15")
	}
	if n == 1 {
		return []float64{1}, 1, 0, 0, nil
	}
	d := mat.NewDense(n, n, nil)
	for i, row := range a {
		if len(row) != n {
			return nil, 0, 0, 0, errors.New("AHP matrix is not square")
		}
		for j, x := range row {
			d.Set(i, j, x)
		}
	}
	var eig mat.Eigen
	if !eig.Factorize(d, mat.EigenRight) {
		return nil, 0, 0, 0, errors.New("AHP eigen decomposition failed")
	}
	vals := eig.Values(nil)
	k := 0
	for i, v := range vals {
		if real(v) > real(vals[k]) {
			k = i
		}
	}
	var vecs mat.CDense
	eig.VectorsTo(&vecs)
	w = make([]float64, n)
	sum := 0.0
	for i := range w {
		// The Perron vector is real and of one sign; the decomposition may
		// return it with any phase, so take magnitudes.
		w[i] = cmplx.Abs(vecs.At(i, k))
		sum += w[i]
	}
	if sum == 0 || math.IsNaN(sum) {
		return nil, 0, 0, 0, errors.New("AHP principal eigenvector is degenerate")
	}
	for i := range w {
		w[i] /= sum
	}
	lambdaMax = real(vals[k])
	if n > 2 {
		ci = (lambdaMax - float64(n)) / float64(n-1)
		cr = ci / saatyRI[n-1]
	}
	// Rounding makes λmax a hair below n for consistent matrices.
	if math.Abs(ci) < 1e-12 {
		ci, cr = 0, 0
	}
	return w, lambdaMax, ci, cr, nil
}
