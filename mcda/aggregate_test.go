package mcda

import (
	"math"
	"testing"
)

// aggData is 4 subjects × 3 children on [0, 100] with weights aggW. Expected
// values come from testdata/reference.py.
var (
	aggData = [][]float64{{70, 40, 90}, {50, 80, 60}, {90, 60, 30}, {30, 100, 80}}
	aggW    = []float64{0.5, 0.3, 0.2}
)

func TestTOPSIS(t *testing.T) {
	tests := []struct {
		name   string
		v      [][]float64
		w      []float64
		lo, hi float64
		want   []float64
	}{
		{
			// w = (1, 1) so y = v; A⁺ = (100, 100), A⁻ = (0, 0).
			// Row 0 (0, 100): D⁺ = 100, D⁻ = 100 → C = ½.
			// Row 1 (100, 0): same → ½.
			// Row 2 (100, 100): D⁺ = 0, D⁻ = 100√2 → C = 1.
			// Row 3 (0, 0): D⁺ = 100√2, D⁻ = 0 → C = 0.
			name: "hand",
			v:    [][]float64{{0, 100}, {100, 0}, {100, 100}, {0, 0}},
			w:    []float64{1, 1}, lo: 0, hi: 100,
			want: []float64{50, 50, 100, 0},
		},
		{
			// Row 0: y = (35, 12, 18); A⁺ = (45, 30, 18), A⁻ = (15, 12, 6).
			// D⁺ = √(100 + 324 + 0) = 20.5913, D⁻ = √(400 + 0 + 144) = 23.3238,
			// C = 23.3238/43.9151 = 0.531112 → 53.1112.
			name: "reference",
			v:    aggData, w: aggW, lo: 0, hi: 100,
			want: []float64{53.111172805236414, 43.509462791696066, 64.3210827674669, 40.64771609297235},
		},
		{
			// Scaling w changes nothing; the scale maps C onto [lo, hi].
			name: "scaled-weights-and-scale",
			v:    aggData, w: []float64{5, 3, 2}, lo: 1, hi: 5,
			want: []float64{1 + 4*0.53111172805236414, 1 + 4*0.43509462791696066, 1 + 4*0.643210827674669, 1 + 4*0.4064771609297235},
		},
		{
			// All rows equal: D⁺ = D⁻ = 0 → C = 1.
			name: "all-equal",
			v:    [][]float64{{3, 4}, {3, 4}}, w: []float64{1, 1}, lo: 0, hi: 10,
			want: []float64{10, 10},
		},
		{
			// Incomplete rows get NaN and do not move A±: same as "hand".
			name: "missing-rows",
			v:    [][]float64{{0, 100}, {nan, 1000}, {100, 0}, {100, 100}, {math.Inf(1), 0}, {0, 0}},
			w:    []float64{1, 1}, lo: 0, hi: 100,
			want: []float64{50, nan, 50, 100, nan, 0},
		},
		{
			name: "no-rows",
			v:    nil, w: []float64{1}, lo: 0, hi: 100,
			want: []float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertSlice(t, "value", TOPSIS(tt.v, tt.w, tt.lo, tt.hi), tt.want)
		})
	}
	t.Run("ragged-panics", func(t *testing.T) {
		mustPanic(t, func() { TOPSIS([][]float64{{1, 2}, {1}}, []float64{1, 1}, 0, 1) })
	})
}

func TestGRA(t *testing.T) {
	tests := []struct {
		name   string
		v      [][]float64
		w      []float64
		lo, hi float64
		want   []float64
	}{
		{
			// x = v/100 = (0, 1), (1, ½), (½, 0); reference = (1, 1);
			// Δ = (1, 0), (0, ½), (½, 1); Δmin = 0, Δmax = 1;
			// ξ = 0.5/(Δ + 0.5): Δ=1 → ⅓, Δ=0 → 1, Δ=½ → ½.
			// Row 0: (⅓ + 1)/2 = ⅔; row 1: (1 + ½)/2 = ¾; row 2: (½ + ⅓)/2 = 5/12.
			name: "hand",
			v:    [][]float64{{0, 100}, {100, 50}, {50, 0}},
			w:    []float64{1, 1}, lo: 0, hi: 100,
			want: []float64{200.0 / 3, 75, 500.0 / 12},
		},
		{
			name: "reference",
			v:    aggData, w: aggW, lo: 0, hi: 100,
			want: []float64{60.00000000000001, 49.42857142857143, 69.52380952380952, 61.66666666666667},
		},
		{
			// Weights are normalised: (5, 3, 2) ≡ (0.5, 0.3, 0.2).
			name: "relative-weights",
			v:    aggData, w: []float64{5, 3, 2}, lo: 0, hi: 100,
			want: []float64{60.00000000000001, 49.42857142857143, 69.52380952380952, 61.66666666666667},
		},
		{
			// Every row equal: Δmax = 0 → ξ = 1 → hi.
			name: "all-equal",
			v:    [][]float64{{3, 4}, {3, 4}}, w: []float64{1, 1}, lo: 0, hi: 10,
			want: []float64{10, 10},
		},
		{
			// On [50, 150] the hand case shifted by 50 gives the same ξ.
			name: "shifted-scale",
			v:    [][]float64{{50, 150}, {150, 100}, {100, 50}},
			w:    []float64{1, 1}, lo: 50, hi: 150,
			want: []float64{50 + 200.0/3, 125, 50 + 500.0/12},
		},
		{
			// Incomplete rows get NaN and are left out of the reference
			// and Δmin/Δmax: same as "hand".
			name: "missing-rows",
			v:    [][]float64{{0, 100}, {nan, 0}, {100, 50}, {50, 0}, {1000, math.Inf(-1)}},
			w:    []float64{1, 1}, lo: 0, hi: 100,
			want: []float64{200.0 / 3, nan, 75, 500.0 / 12, nan},
		},
		{
			name: "zero-weights",
			v:    [][]float64{{1, 2}}, w: []float64{0, 0}, lo: 0, hi: 100,
			want: []float64{nan},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertSlice(t, "value", GRA(tt.v, tt.w, tt.lo, tt.hi), tt.want)
		})
	}
	t.Run("ragged-panics", func(t *testing.T) {
		mustPanic(t, func() { GRA([][]float64{{1}}, []float64{1, 1}, 0, 1) })
	})
}

// TestAggregateProperties: values stay within [lo, hi], the best-in-every-
// child row gets hi, and permuting rows permutes the values.
func TestAggregateProperties(t *testing.T) {
	v := [][]float64{
		{12, 55, 80, 33}, {90, 10, 45, 70}, {40, 40, 40, 40}, {100, 100, 100, 100},
		{0, 95, 5, 60}, {65, 20, 88, 12}, {30, 70, 15, 99},
	}
	w := []float64{0.1, 0.4, 0.3, 0.2}
	for _, agg := range []struct {
		name string
		f    func([][]float64, []float64, float64, float64) []float64
	}{{"topsis", TOPSIS}, {"gra", GRA}} {
		t.Run(agg.name, func(t *testing.T) {
			got := agg.f(v, w, 0, 100)
			for i, x := range got {
				if x < -tol || x > 100+tol {
					t.Errorf("value[%d] = %v outside [0, 100]", i, x)
				}
			}
			assertClose(t, "dominant row", got[3], 100)
			perm := agg.f(rotated(v, 3), w, 0, 100)
			for i := range v {
				assertClose(t, "permuted", perm[(i+3)%len(v)], got[i])
			}
		})
	}
}
