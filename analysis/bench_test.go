package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/scoring"
)

// benchBatch scores n subjects (two kinds, so two peer groups) over l
// leaves in five dimensions rounded to 2 digits, with the uncertainty
// alternatives normalize [minmax, zscore, rank] and aggregate [arithmetic,
// geometric, topsis].
func benchBatch(b testing.TB, n, l int) (scoring.Input, *scoring.Result) {
	var y strings.Builder
	y.WriteString("govscore: 1\nid: bench\nkinds: [a, b]\npeer_groups: [kind]\nround: 2\ntree:\n")
	methods := []string{"minmax", "zscore", "rank", "minmax", "{method: goalpost, low: 20, high: 80}"}
	for d := range 5 {
		fmt.Fprintf(&y, "  - id: d%d\n    weight: %d\n    round: 2\n    children:\n", d, d+1)
		for j := d; j < l; j += 5 {
			fmt.Fprintf(&y, "      - {id: l%02d, expr: \"m%02d\", normalize: %s, weight: %d}\n", j, j, methods[j%len(methods)], 1+j%3)
		}
	}
	y.WriteString("uncertainty:\n  weight_noise: 0.25\n  alternatives: {normalize: [minmax, zscore, rank], aggregate: [arithmetic, geometric, topsis]}\n")
	set := mustParse(b, y.String())
	r := rand.New(rand.NewPCG(7, 8))
	in := scoring.Input{Set: set, Raw: make([][]float64, l)}
	for i := range n {
		in.Subjects = append(in.Subjects, dataset.Subject{ID: fmt.Sprintf("s%06d", i), Kind: []string{"a", "b"}[i%2]})
	}
	for j := range in.Raw {
		in.Raw[j] = make([]float64, n)
		for i := range in.Raw[j] {
			if r.IntN(50) == 0 {
				in.Raw[j][i] = math.NaN()
			} else {
				in.Raw[j][i] = r.NormFloat64()*10 + 50
			}
		}
	}
	res, err := scoring.Score(in)
	if err != nil {
		b.Fatal(err)
	}
	return in, res
}

// BenchmarkUncertainty is the target: 1,000 replications over 10k
// subjects × 50 leaves (with the per-group analysis and leave-one-out).
func BenchmarkUncertainty(b *testing.B) {
	in, res := benchBatch(b, 10_000, 50)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Analyse(context.Background(), in, res, Options{Replications: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyse is the analysis without uncertainty over 10k × 50.
func BenchmarkAnalyse(b *testing.B) {
	in, res := benchBatch(b, 10_000, 50)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Analyse(context.Background(), in, res, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
