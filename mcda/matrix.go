package mcda

import (
	"errors"
	"fmt"
	"math"
)

// MinCases is the number of complete cases a statistical weighting
// (Entropy, CRITIC, PCA) needs (SPEC §6).
const MinCases = 3

// Sentinel errors of the weighting functions; test for them with errors.Is.
var (
	// ErrTooFewCases is matched by a *CasesError: fewer than MinCases
	// complete cases.
	ErrTooFewCases = errors.New("too few complete cases")
	// ErrShape reports a matrix without columns or with rows of different
	// lengths.
	ErrShape = errors.New("ragged or empty matrix")
	// ErrNotFinite reports a ±Inf value in a weighting input.
	ErrNotFinite = errors.New("infinite value")
	// ErrEigen reports an eigendecomposition that did not converge.
	ErrEigen = errors.New("eigendecomposition did not converge")
)

// CasesError reports a statistical weighting attempted over too few
// complete cases. errors.Is(err, ErrTooFewCases) holds for it.
type CasesError struct {
	Method string // "entropy", "critic" or "pca"
	N      int    // complete cases found
	Need   int    // complete cases needed (MinCases)
}

// Error returns a message naming the method and both counts.
func (e *CasesError) Error() string {
	return fmt.Sprintf("mcda: %s weights need at least %d complete cases, got %d", e.Method, e.Need, e.N)
}

// Is reports whether target is ErrTooFewCases.
func (e *CasesError) Is(target error) bool { return target == ErrTooFewCases }

// completeCases validates x (rectangular, at least one column, no ±Inf) and
// returns its rows without NaN together with the column count. Fewer than
// MinCases complete rows is a *CasesError.
func completeCases(method string, x [][]float64) (rows [][]float64, m int, err error) {
	if len(x) > 0 {
		m = len(x[0])
	}
	if m == 0 {
		return nil, 0, fmt.Errorf("mcda: %s: no columns: %w", method, ErrShape)
	}
	rows = make([][]float64, 0, len(x))
	for i, r := range x {
		if len(r) != m {
			return nil, 0, fmt.Errorf("mcda: %s: row %d has %d values, want %d: %w", method, i, len(r), m, ErrShape)
		}
		complete := true
		for j, v := range r {
			if math.IsInf(v, 0) {
				return nil, 0, fmt.Errorf("mcda: %s: row %d column %d is %v: %w", method, i, j, v, ErrNotFinite)
			}
			if math.IsNaN(v) {
				complete = false
			}
		}
		if complete {
			rows = append(rows, r)
		}
	}
	if len(rows) < MinCases {
		return nil, 0, &CasesError{Method: method, N: len(rows), Need: MinCases}
	}
	return rows, m, nil
}

// column copies column j of rows.
func column(rows [][]float64, j int) []float64 {
	c := make([]float64, len(rows))
	for i, r := range rows {
		c[i] = r[j]
	}
	return c
}

// minMax returns the smallest and largest of x (which has no NaN).
func minMax(x []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	return lo, hi
}

// meanOf returns the arithmetic mean of x (NaN when empty).
func meanOf(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// sampleVar returns the sample variance Σ(x−x̄)²/(n−1) of x, computed in two
// passes (NaN for fewer than two values). Equal values give exactly 0: their
// floating-point mean can miss them by an ulp (0.1, 0.1, 0.1 has mean
// 0.10000000000000002), which would leave a variance of about 1e-33.
func sampleVar(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	if isConstant(x) {
		return 0
	}
	m := meanOf(x)
	var ss float64
	for _, v := range x {
		d := v - m
		ss += d * d
	}
	return ss / float64(len(x)-1)
}

// isConstant reports whether every value of x (no NaN) is the same.
func isConstant(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

// normalise returns w/Σw, or equal weights 1/len(w) when Σw is 0.
func normalise(w []float64) []float64 {
	var s float64
	for _, v := range w {
		s += v
	}
	out := make([]float64, len(w))
	for j, v := range w {
		if s == 0 {
			out[j] = 1 / float64(len(w))
		} else {
			out[j] = v / s
		}
	}
	return out
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
