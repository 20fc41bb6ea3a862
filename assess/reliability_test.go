package assess

import (
	"math"
	"testing"
)

const tol = 1e-9

func near(a, b, eps float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= eps*math.Max(1, math.Abs(b))
}

var nan = math.NaN()

// shroutFleiss is Table 2 of Shrout & Fleiss (1979): 6 targets rated by 4
// judges.
var shroutFleiss = [][]float64{
	{9, 2, 5, 8},
	{6, 1, 3, 2},
	{8, 4, 6, 8},
	{7, 1, 2, 6},
	{10, 5, 6, 9},
	{6, 2, 4, 7},
}

// krippendorff is the reliability data matrix of Krippendorff (2011, C):
// 12 units (one row each here) by observers A–D, NaN = no value.
var krippendorff = [][]float64{
	{1, 1, nan, 1},
	{2, 2, 3, 2},
	{3, 3, 3, 3},
	{3, 3, 3, 3},
	{2, 2, 2, 2},
	{1, 2, 3, 4},
	{4, 4, 4, 4},
	{1, 1, 2, 1},
	{2, 2, 2, 2},
	{nan, 5, 5, 5},
	{nan, nan, 1, 1},
	{nan, 3, nan, nan},
}

func TestICC1(t *testing.T) {
	tests := []struct {
		name  string
		units [][]float64
		want  float64
		eps   float64
	}{
		// Published value 0.17; BMS = 11.2417, WMS = 6.2639.
		{"shrout-fleiss-table2-published", shroutFleiss, 0.17, 0.005},
		{"shrout-fleiss-table2-exact", shroutFleiss, (11.241666666666667 - 6.263888888888889) / (11.241666666666667 + 3*6.263888888888889), tol},
		// Unbalanced: k₀ = (6 − 14/6)/2 = 11/6, hand computed.
		{"unbalanced-k0", [][]float64{{1, 2}, {3, 4, 5}, {6}}, 0.8135593220338984, tol},
		{"nan-skipped", [][]float64{{1, 2, nan}, {3, 4, 5}, {nan, 6}}, 0.8135593220338984, tol},
		{"empty-units-skipped", [][]float64{{}, {1, 2}, {nan}, {3, 4, 5}, {6}}, 0.8135593220338984, tol},
		{"one-target", [][]float64{{1, 2, 3}}, nan, 0},
		{"no-within-df", [][]float64{{1}, {2}, {3}}, nan, 0},
		{"all-equal", [][]float64{{2, 2}, {2, 2}}, nan, 0},
		{"perfect-agreement", [][]float64{{1, 1}, {5, 5}, {3, 3}}, 1, tol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ICC1(tc.units); !near(got, tc.want, tc.eps) {
				t.Errorf("ICC1 = %.12g, want %.12g ± %g", got, tc.want, tc.eps)
			}
		})
	}
}

func TestAlphaInterval(t *testing.T) {
	tests := []struct {
		name  string
		units [][]float64
		want  float64
		eps   float64
	}{
		// Krippendorff (2011): alpha_interval = 0.849.
		{"krippendorff-2011-published", krippendorff, 0.849, 0.0005},
		// Brute-force coincidence-matrix value: 1 − D_o/D_e = 0.849107142857.
		{"krippendorff-2011-exact", krippendorff, 0.8491071428571428, tol},
		{"perfect-agreement", [][]float64{{1, 1}, {5, 5, 5}, {3, 3}}, 1, tol},
		{"single-values-dropped", [][]float64{{1, 1}, {5, 5}, {9}}, 1, tol},
		{"no-pairable-unit", [][]float64{{1}, {2}, {nan, 3}}, nan, 0},
		{"no-variation", [][]float64{{4, 4}, {4, 4}}, nan, 0},
		// Units {0, 1}, {0, 1}: D_o = (2 + 2)/4 = 1, D_e = 8/12: alpha = −0.5.
		{"systematic-disagreement", [][]float64{{0, 1}, {0, 1}}, -0.5, tol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := AlphaInterval(tc.units); !near(got, tc.want, tc.eps) {
				t.Errorf("AlphaInterval = %.12g, want %.12g ± %g", got, tc.want, tc.eps)
			}
		})
	}
}
