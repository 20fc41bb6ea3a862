package mcda

import (
	"math/rand/v2"
	"testing"
)

// benchMatrix returns a deterministic n × m matrix of values in [0, 100).
func benchMatrix(n, m int) [][]float64 {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, m)
		for j := range x[i] {
			x[i][j] = 100 * r.Float64()
		}
	}
	return x
}

func benchWeights(m int) []float64 {
	w := make([]float64, m)
	for j := range w {
		w[j] = float64(j + 1)
	}
	return w
}

func BenchmarkEntropy10kx50(b *testing.B) {
	x := benchMatrix(10000, 50)
	for b.Loop() {
		if _, err := Entropy(x); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCRITIC10kx50(b *testing.B) {
	x := benchMatrix(10000, 50)
	for b.Loop() {
		if _, err := CRITIC(x); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPCA10kx50(b *testing.B) {
	x := benchMatrix(10000, 50)
	for b.Loop() {
		if _, err := PCA(x); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTOPSIS10kx50(b *testing.B) {
	x, w := benchMatrix(10000, 50), benchWeights(50)
	for b.Loop() {
		TOPSIS(x, w, 0, 100)
	}
}

func BenchmarkGRA10kx50(b *testing.B) {
	x, w := benchMatrix(10000, 50), benchWeights(50)
	for b.Loop() {
		GRA(x, w, 0, 100)
	}
}

func BenchmarkTreatJRC10k(b *testing.B) {
	x := benchMatrix(10000, 1)
	col := column(x, 0)
	col[17] = 1e6 // one far outlier: a winsorisation step
	for b.Loop() {
		TreatJRC(col, 5, 2, 3.5)
	}
}
