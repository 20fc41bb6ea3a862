package mcda

import (
	"math"
	"testing"
)

// tol is the tolerance of every float comparison in these tests: SPEC
// numbers are checked to 1e-9 by an independent implementation.
const tol = 1e-9

var nan = math.NaN()

// close reports whether a and b agree within tol (absolute, or relative for
// large values); two NaN agree.
func close(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true // also ±Inf
	}
	return math.Abs(a-b) <= tol*max(1, math.Abs(b))
}

func assertClose(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !close(got, want) {
		t.Errorf("%s = %.17g, want %.17g", what, got, want)
	}
}

func assertSlice(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d (%v)", what, len(got), len(want), got)
	}
	for i := range got {
		if !close(got[i], want[i]) {
			t.Errorf("%s[%d] = %.17g, want %.17g", what, i, got[i], want[i])
		}
	}
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

// reversed returns the rows of x in reverse order (a row permutation).
func reversed(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for i, r := range x {
		out[len(x)-1-i] = r
	}
	return out
}

// rotated returns the rows of x rotated by k (another row permutation).
func rotated(x [][]float64, k int) [][]float64 {
	out := make([][]float64, len(x))
	for i, r := range x {
		out[(i+k)%len(x)] = r
	}
	return out
}

// mustPanic fails the test unless f panics.
func mustPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	f()
}
