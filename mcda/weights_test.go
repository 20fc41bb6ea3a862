package mcda

import (
	"errors"
	"math"
	"testing"
)

// weightData is a 5 subjects × 4 criteria matrix used by several tests. The
// expected weights for it come from testdata/reference.py, an independent
// plain-Python transcription of SPEC §6.
var weightData = [][]float64{
	{0.8, 120, 3.1, 45},
	{0.6, 150, 2.9, 60},
	{0.9, 90, 3.8, 52},
	{0.7, 200, 3.3, 48},
	{0.5, 170, 2.7, 70},
}

type weightFunc func([][]float64) ([]float64, error)

var weightFuncs = []struct {
	name string
	f    weightFunc
}{
	{"entropy", Entropy},
	{"critic", CRITIC},
	{"pca", PCA},
}

func TestEntropy(t *testing.T) {
	tests := []struct {
		name string
		x    [][]float64
		want []float64
	}{
		{
			// Column 0 rescales to (0, ½, 1): p = (0, ⅓, ⅔),
			// e₀ = (⅓ ln 3 + ⅔ ln 1.5)/ln 3 = (0.3662041 + 0.2703101)/1.0986123
			//    = 0.5793802, d₀ = 0.4206198.
			// Column 1 rescales to (0, 0, 1): p = (0, 0, 1), e₁ = 0, d₁ = 1.
			// Column 2 is constant: d₂ = 0.
			// w = (0.4206198, 1, 0)/1.4206198 = (0.2960819, 0.7039181, 0).
			name: "hand",
			x:    [][]float64{{1, 0, 5}, {2, 0, 5}, {3, 1, 5}},
			want: []float64{0.2960819109658653, 0.7039180890341347, 0},
		},
		{
			name: "reference-5x4",
			x:    weightData,
			want: []float64{0.22093176273208218, 0.2111871395658052, 0.2611273404502521, 0.30675375725186055},
		},
		{
			// Every column constant: all d = 0 → equal weights.
			name: "all-constant",
			x:    [][]float64{{1, 2}, {1, 2}, {1, 2}},
			want: []float64{0.5, 0.5},
		},
		{
			// Incomplete rows are dropped: same as "hand".
			name: "nan-rows-dropped",
			x:    [][]float64{{1, 0, 5}, {nan, 7, 5}, {2, 0, 5}, {3, 1, 5}, {9, 9, nan}},
			want: []float64{0.2960819109658653, 0.7039180890341347, 0},
		},
		{
			// Rescaling and shifting a column changes nothing.
			name: "affine-invariant",
			x:    [][]float64{{-10, 100, 5}, {-5, 100, 5}, {0, 200, 5}},
			want: []float64{0.2960819109658653, 0.7039180890341347, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Entropy(tt.x)
			if err != nil {
				t.Fatal(err)
			}
			assertSlice(t, "w", got, tt.want)
		})
	}
}

func TestCRITIC(t *testing.T) {
	tests := []struct {
		name string
		x    [][]float64
		want []float64
	}{
		{
			name: "reference-5x4",
			x:    weightData,
			want: []float64{0.002651647564622246, 0.7950359496511217, 0.006393338064950224, 0.1959190647193059},
		},
		{
			// a = (1,2,3,4), b = (2,1,4,3): σa = σb = √(5/3), r = 0.6;
			// c constant: r(a,c) = r(b,c) = 0 and σc = 0.
			// Ca = Cb = √(5/3)·((1−0.6) + (1−0)) → equal; Cc = 0.
			name: "constant-column",
			x:    [][]float64{{1, 2, 4}, {2, 1, 4}, {3, 4, 4}, {4, 3, 4}},
			want: []float64{0.5, 0.5, 0},
		},
		{
			// b = 2a: r = 1 exactly, so every C is 0 → equal weights.
			name: "perfectly-correlated",
			x:    [][]float64{{0.1, 0.2}, {0.7, 1.4}, {0.3, 0.6}, {1.1, 2.2}},
			want: []float64{0.5, 0.5},
		},
		{
			name: "all-constant",
			x:    [][]float64{{1, 1, 1}, {1, 1, 1}, {1, 1, 1}},
			want: []float64{1.0 / 3, 1.0 / 3, 1.0 / 3},
		},
		{
			// b = −a: r = −1, Cⱼ = σⱼ·2; σb = σa → equal.
			name: "anti-correlated",
			x:    [][]float64{{1, -1}, {2, -2}, {4, -4}},
			want: []float64{0.5, 0.5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CRITIC(tt.x)
			if err != nil {
				t.Fatal(err)
			}
			assertSlice(t, "w", got, tt.want)
		})
	}
}

func TestPCA(t *testing.T) {
	tests := []struct {
		name string
		x    [][]float64
		want []float64
	}{
		{
			// Power iteration in testdata/reference.py.
			name: "reference-5x4",
			x:    weightData,
			want: []float64{0.3385154345510278, 0.1717389122261647, 0.27923024177030276, 0.21051541145250502},
		},
		{
			// Two columns with correlation r ≠ 0: R = [[1 r] [r 1]] has
			// eigenvalues 1 ± |r| and top eigenvector (1, ±1)/√2 → (½, ½).
			name: "two-columns",
			x:    [][]float64{{1, 2}, {2, 1}, {3, 4}, {4, 3}},
			want: []float64{0.5, 0.5},
		},
		{
			// a and b uncorrelated (r = 0), c constant (SPEC §6: weight 0,
			// R over a and b): R = I, eigenvalue 1 twice → mean of uⱼ² over
			// the eigenspace = ½ each.
			name: "identity-correlation",
			x:    [][]float64{{1, 1, 7}, {-1, 1, 7}, {1, -1, 7}, {-1, -1, 7}},
			want: []float64{0.5, 0.5, 0},
		},
		{
			// Two children, one constant: the other alone → 1 (it used to
			// be ½ each, as the constant column's R row is (0, 1)).
			name: "one-constant-of-two",
			x:    [][]float64{{1, 7}, {2, 7}, {4, 7}},
			want: []float64{1, 0},
		},
		{
			name: "all-constant",
			x:    [][]float64{{1, 7}, {1, 7}, {1, 7}},
			want: []float64{0.5, 0.5},
		},
		{
			// 0.1 three times: the float mean 0.10000000000000002 must not
			// make the column look variable.
			name: "constant-with-inexact-mean",
			x:    [][]float64{{1, 0.1, 2}, {2, 0.1, 5}, {3, 0.1, 4}},
			want: []float64{0.5, 0, 0.5},
		},
		{
			// a, b perfectly correlated, c constant: R = [[1 1 0] [1 1 0]
			// [0 0 1]], eigenvalues 2, 1, 0; u = (1, 1, 0)/√2 → (½, ½, 0).
			name: "constant-column",
			x:    [][]float64{{1, 2, 7}, {2, 4, 7}, {3, 6, 7}},
			want: []float64{0.5, 0.5, 0},
		},
		{
			name: "single-column",
			x:    [][]float64{{1}, {2}, {3}},
			want: []float64{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PCA(tt.x)
			if err != nil {
				t.Fatal(err)
			}
			assertSlice(t, "w", got, tt.want)
		})
	}
}

func TestWeightErrors(t *testing.T) {
	tests := []struct {
		name  string
		x     [][]float64
		want  error
		cases int // CasesError.N when want is ErrTooFewCases
	}{
		{"nil", nil, ErrShape, 0},
		{"no-columns", [][]float64{{}, {}, {}}, ErrShape, 0},
		{"ragged", [][]float64{{1, 2}, {1}, {3, 4}}, ErrShape, 0},
		{"inf", [][]float64{{1, 2}, {1, math.Inf(1)}, {3, 4}}, ErrNotFinite, 0},
		{"two-rows", [][]float64{{1, 2}, {3, 4}}, ErrTooFewCases, 2},
		{"nan-leaves-two", [][]float64{{1, 2}, {nan, 4}, {3, 4}}, ErrTooFewCases, 2},
	}
	for _, wf := range weightFuncs {
		for _, tt := range tests {
			t.Run(wf.name+"/"+tt.name, func(t *testing.T) {
				w, err := wf.f(tt.x)
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if w != nil {
					t.Errorf("w = %v, want nil", w)
				}
				var ce *CasesError
				if errors.As(err, &ce) {
					if ce.N != tt.cases || ce.Need != MinCases || ce.Method != wf.name {
						t.Errorf("CasesError = %+v", ce)
					}
					want := "mcda: " + wf.name + " weights need at least 3 complete cases, got 2"
					if err.Error() != want {
						t.Errorf("message %q, want %q", err, want)
					}
				}
			})
		}
	}
}

// TestWeightProperties checks, for every weighting method, that the weights
// are non-negative, sum to 1, and do not change when the rows are permuted.
func TestWeightProperties(t *testing.T) {
	matrices := map[string][][]float64{
		"reference": weightData,
		"with-nan":  append([][]float64{{nan, 1, 2, 3}}, weightData...),
		"grid": {
			{1, 9, 4}, {2, 7, 4.5}, {3, 8, 3}, {4, 1, 7}, {5, 3, 2}, {6, 2, 6},
		},
	}
	for _, wf := range weightFuncs {
		for name, x := range matrices {
			t.Run(wf.name+"/"+name, func(t *testing.T) {
				w, err := wf.f(x)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, "Σw", sum(w), 1)
				for j, v := range w {
					if v < 0 {
						t.Errorf("w[%d] = %v < 0", j, v)
					}
				}
				// Multiplying every value by 1e300 changes no weight (and
				// must not overflow).
				big := make([][]float64, len(x))
				for i, r := range x {
					for _, v := range r {
						big[i] = append(big[i], v*1e300)
					}
				}
				wb, err := wf.f(big)
				if err != nil {
					t.Fatal(err)
				}
				assertSlice(t, "w of x·1e300", wb, w)
				for _, perm := range [][][]float64{reversed(x), rotated(x, 2)} {
					wp, err := wf.f(perm)
					if err != nil {
						t.Fatal(err)
					}
					assertSlice(t, "permuted w", wp, w)
				}
			})
		}
	}
}

// TestCRITICOverflow: σ = 1.7e308 with conflict 2 (r = −1) overflows
// C = σ·2 to +Inf; the error says so instead of returning NaN weights.
func TestCRITICOverflow(t *testing.T) {
	w, err := CRITIC([][]float64{{1.7e308, 1}, {-1.7e308, 3}, {0, 2}})
	if !errors.Is(err, ErrNotFinite) || w != nil {
		t.Fatalf("w = %v, err = %v, want ErrNotFinite", w, err)
	}
	want := "mcda: critic: values too large, weights overflow: infinite value"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestCombine(t *testing.T) {
	tests := []struct {
		name  string
		a, b  []float64
		alpha float64
		want  []float64
	}{
		// â = (0.25, 0.75), b̂ = (0.5, 0.5): 0.4â + 0.6b̂ = (0.4, 0.6).
		{"normalises", []float64{1, 3}, []float64{2, 2}, 0.4, []float64{0.4, 0.6}},
		{"alpha-one", []float64{1, 3}, []float64{5, 5}, 1, []float64{0.25, 0.75}},
		{"alpha-zero", []float64{1, 3}, []float64{1, 4}, 0, []float64{0.2, 0.8}},
		// b sums to 0 → equal weights (½, ½): 0.5(0.25, 0.75) + 0.5(0.5, 0.5).
		{"zero-sum", []float64{1, 3}, []float64{0, 0}, 0.5, []float64{0.375, 0.625}},
		{"empty", nil, nil, 0.5, []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertSlice(t, "w", Combine(tt.a, tt.b, tt.alpha), tt.want)
		})
	}
	t.Run("length-mismatch-panics", func(t *testing.T) {
		mustPanic(t, func() { Combine([]float64{1}, []float64{1, 2}, 0.5) })
	})
}

// TestPCAConstantExactZero: a constant child's PCA weight is exactly 0
// whatever the eigen-solver returns for its component, so that it takes no
// part in any subject's aggregation (SPEC §6).
func TestPCAConstantExactZero(t *testing.T) {
	w, err := PCA([][]float64{{1, 2, 7}, {2, 4.5, 7}, {3, 6, 7}, {4, 7.5, 7}})
	if err != nil {
		t.Fatal(err)
	}
	if w[2] != 0 {
		t.Errorf("constant child weight = %g, want exactly 0", w[2])
	}
	if math.Abs(w[0]+w[1]-1) > 1e-12 {
		t.Errorf("weights %v do not sum to 1", w)
	}
}
