package mcda

import (
	"math"
	"testing"
)

func TestPearsonSpearman(t *testing.T) {
	tests := []struct {
		name              string
		x, y              []float64
		pearson, spearman float64
	}{
		{
			// dx = dy-permuted (−2, −1, 0, 1, 2) vs (−1, −2, 1, 0, 2):
			// Σdxdy = 2 + 2 + 0 + 0 + 4 = 8, Σdx² = Σdy² = 10 → r = 0.8.
			// The values are their own ranks, so Spearman is 0.8 too.
			name: "hand", x: []float64{1, 2, 3, 4, 5}, y: []float64{2, 1, 4, 3, 5},
			pearson: 0.8, spearman: 0.8,
		},
		{
			// R: cor(c(10,20,30,40,50), c(3,1,2,5,4), method = "spearman")
			// rank differences (−2, 1, 1, −1, 1), Σd² = 8:
			// ρ = 1 − 6·8/(5·24) = 0.6.
			name: "spearman-no-ties", x: []float64{10, 20, 30, 40, 50}, y: []float64{3, 1, 2, 5, 4},
			pearson: 0.6, spearman: 0.6,
		},
		{
			// R: cor(c(1,2,2,3), c(1,3,2,4), method = "spearman") = 0.9486833.
			// Ranks x = (1, 2.5, 2.5, 4), y = (1, 3, 2, 4); centred
			// (−1.5, 0, 0, 1.5) and (−1.5, 0.5, −0.5, 1.5):
			// 4.5/√(4.5·5) = 0.9486832980505138.
			// Pearson of the raw values: dx = (−1, 0, 0, 1), dy = (−1.5, 0.5,
			// −0.5, 1.5): 3/√(2·5) = 0.9486832980505138 as well.
			name: "ties", x: []float64{1, 2, 2, 3}, y: []float64{1, 3, 2, 4},
			pearson: 0.9486832980505138, spearman: 0.9486832980505138,
		},
		{
			// y = x³ is monotone: ρ = 1. Pearson: dy = (−44, −37, −18, 19,
			// 80), Σdxdy = 88+37+0+19+160 = 304, Σdx² = 10, Σdy² = 10390:
			// 304/√103900 = 0.9431175138077005.
			name: "monotone", x: []float64{1, 2, 3, 4, 5}, y: []float64{1, 8, 27, 64, 125},
			pearson: 0.9431175138077005, spearman: 1,
		},
		{
			name: "negative", x: []float64{1, 2, 3}, y: []float64{6, 4, 2},
			pearson: -1, spearman: -1,
		},
		{
			// Pairs with a NaN on either side are skipped: same as "hand".
			name: "nan-pairs", x: []float64{1, nan, 2, 3, 9, 4, 5}, y: []float64{2, 7, 1, 4, nan, 3, 5},
			pearson: 0.8, spearman: 0.8,
		},
		{name: "constant", x: []float64{1, 2, 3}, y: []float64{4, 4, 4}, pearson: nan, spearman: nan},
		{name: "one-pair", x: []float64{1, nan}, y: []float64{2, 3}, pearson: nan, spearman: nan},
		{name: "empty", pearson: nan, spearman: nan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertClose(t, "Pearson", Pearson(tt.x, tt.y), tt.pearson)
			assertClose(t, "Spearman", Spearman(tt.x, tt.y), tt.spearman)
			assertClose(t, "Pearson symmetric", Pearson(tt.y, tt.x), tt.pearson)
		})
	}
	t.Run("length-mismatch-panics", func(t *testing.T) {
		mustPanic(t, func() { Pearson([]float64{1}, []float64{1, 2}) })
		mustPanic(t, func() { Spearman([]float64{1}, nil) })
	})
}

func TestFractionalRanks(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		want []float64
	}{
		{
			// Sorted: 1 1 2 3 4 5 5 6 9 → ranks 1.5 1.5 3 4 5 6.5 6.5 8 9.
			name: "ties-and-nan",
			x:    []float64{3, 1, 4, 1, 5, nan, 9, 2, 6, 5},
			want: []float64{4, 1.5, 5, 1.5, 6.5, nan, 9, 3, 8, 6.5},
		},
		{name: "all-tied", x: []float64{7, 7, 7}, want: []float64{2, 2, 2}},
		{name: "empty", x: nil, want: []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertSlice(t, "ranks", FractionalRanks(tt.x), tt.want)
		})
	}
}

func TestCorrMatrix(t *testing.T) {
	cols := [][]float64{
		{1, 2, 3, 4, 5},
		{2, 1, 4, 3, 5},
		{1, 8, 27, 64, 125},
		{4, 4, 4, 4, 4},
	}
	tests := []struct {
		name   string
		method CorrMethod
		want   [][]float64
	}{
		{"pearson", CorrPearson, [][]float64{
			{1, 0.8, 0.9431175138077005, nan},
			{0.8, 1, 0.806613663125007, nan},
			{0.9431175138077005, 0.806613663125007, 1, nan},
			{nan, nan, nan, nan},
		}},
		{"spearman", CorrSpearman, [][]float64{
			{1, 0.8, 1, nan},
			{0.8, 1, 0.8, nan},
			{1, 0.8, 1, nan},
			{nan, nan, nan, nan},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CorrMatrix(cols, tt.method)
			if len(got) != len(tt.want) {
				t.Fatalf("%d rows", len(got))
			}
			for i := range got {
				assertSlice(t, "row", got[i], tt.want[i])
			}
		})
	}
	t.Run("unknown-method-panics", func(t *testing.T) {
		mustPanic(t, func() { CorrMatrix(cols, CorrMethod(7)) })
	})
	for m, want := range map[CorrMethod]string{CorrPearson: "pearson", CorrSpearman: "spearman", CorrMethod(7): "CorrMethod(?)"} {
		if got := m.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestCronbachAlpha(t *testing.T) {
	// Five respondents × three items.
	// Item variances (n−1): (3,5,1,4,2) → 2.5; (4,5,2,4,3) → 1.3;
	// (3,4,2,5,2) → 1.7; Σ = 5.5. Totals (10,14,5,13,7), mean 9.8,
	// Σd² = 58.8 → σₜ² = 14.7. α = 3/2·(1 − 5.5/14.7) = 0.9387755102040816.
	table := [][]float64{{3, 4, 3}, {5, 5, 4}, {1, 2, 2}, {4, 4, 5}, {2, 3, 2}}
	tests := []struct {
		name string
		x    [][]float64
		want float64
	}{
		{"hand", table, 0.9387755102040816},
		{"nan-row-dropped", append([][]float64{{nan, 1, 1}}, table...), 0.9387755102040816},
		// Two parallel items: σ₁² = σ₂² = 1, σₜ² = 4 → 2·(1 − 2/4) = 1.
		{"parallel", [][]float64{{1, 1}, {2, 2}, {3, 3}}, 1},
		// Two items in exact opposition: totals constant → NaN.
		{"constant-total", [][]float64{{1, 3}, {2, 2}, {3, 1}}, nan},
		// Constant children whose float mean misses the total by an ulp
		// (six totals 123.16: σₜ² came out 2.4e-28, items 0, α = 2; three
		// of 112.46: 1.875): the variances are 0, so alpha is undefined.
		{"constant-children-6", [][]float64{{62.6, 60.56}, {62.6, 60.56}, {62.6, 60.56}, {62.6, 60.56}, {62.6, 60.56}, {62.6, 60.56}}, nan},
		{"constant-children-3", [][]float64{{30.1, 82.36}, {30.1, 82.36}, {30.1, 82.36}}, nan},
		{"one-item", [][]float64{{1}, {2}, {3}}, nan},
		{"one-row", [][]float64{{1, 2}}, nan},
		{"empty", nil, nan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertClose(t, "alpha", CronbachAlpha(tt.x), tt.want)
		})
	}
	t.Run("ragged-panics", func(t *testing.T) {
		mustPanic(t, func() { CronbachAlpha([][]float64{{1, 2}, {1}}) })
	})
}

func TestQuantile7(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		q      float64
		want   float64
	}{
		// R: quantile(1:4, 0.25) = 1.75 (h = 0.75).
		{"quarter", []float64{1, 2, 3, 4}, 0.25, 1.75},
		{"median-even", []float64{1, 2, 3, 4}, 0.5, 2.5},
		// R: quantile(c(1, 3, 7, 15), 0.9) = 12.6 (h = 2.7: 7 + 0.7·8).
		{"ninety", []float64{1, 3, 7, 15}, 0.9, 12.6},
		{"min", []float64{1, 3, 7, 15}, 0, 1},
		{"max", []float64{1, 3, 7, 15}, 1, 15},
		{"clamped-high", []float64{1, 3, 7, 15}, 1.5, 15},
		{"clamped-low", []float64{1, 3, 7, 15}, -0.5, 1},
		{"single", []float64{42}, 0.3, 42},
		{"nan-q", []float64{1, 2}, nan, nan},
		{"empty", nil, 0.5, nan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertClose(t, "Q", Quantile7(tt.sorted, tt.q), tt.want)
		})
	}
}

func TestSkewnessKurtosis(t *testing.T) {
	tests := []struct {
		name       string
		x          []float64
		skew, kurt float64
	}{
		// Excel's documentation examples for SKEW and KURT:
		// SKEW(3,4,5,2,3,4,5,6,4,7) = 0.359543; KURT(…) = −0.151799637.
		{"excel", []float64{3, 4, 5, 2, 3, 4, 5, 6, 4, 7}, 0.3595430714067974, -0.15179963720841477},
		// Hand-computed in TestTreatJRC/passes.
		{"hand", []float64{1, 2, 3, 10}, 1.763632614803888, 3.228},
		{"nan-inf-ignored", []float64{nan, 1, 2, math.Inf(-1), 3, 10}, 1.763632614803888, 3.228},
		// Symmetric: Σd³ = 0.
		{"symmetric", []float64{1, 2, 3}, 0, nan},
		{"two-values", []float64{1, 2}, nan, nan},
		{"constant", []float64{2, 2, 2, 2}, nan, nan},
		{"empty", nil, nan, nan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertClose(t, "skew", Skewness(tt.x), tt.skew)
			assertClose(t, "kurt", Kurtosis(tt.x), tt.kurt)
		})
	}
}
