package scoring_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/synth"
)

// TestEffectiveWeightsMatchEffective: the one pass down the tree the cell
// writers use (Result.EffectiveWeights) gives, bit for bit, what
// Result.Effective gives node by node — on a generated project (missing
// values re-weighted away) and on the Inner Mongolia example (three
// levels, applies_to, statistical weights).
func TestEffectiveWeightsMatchEffective(t *testing.T) {
	gen := filepath.Join(t.TempDir(), "gen")
	if err := synth.Write(gen, synth.Config{Subjects: 2000, Leaves: 50, Seed: 1, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{gen, filepath.Join("..", "examples", "inner-mongolia-2024")} {
		files, err := batch.FromDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		p, err := batch.Load(files)
		if err != nil {
			t.Fatal(err)
		}
		b, err := batch.Run(context.Background(), p, p.Set, batch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res := b.Result
		eff := make([]float64, len(p.Set.Nodes))
		for i := range res.Subjects {
			res.EffectiveWeights(i, eff)
			for k := range p.Set.Nodes {
				if want := res.Effective(i, k); math.Float64bits(eff[k]) != math.Float64bits(want) {
					t.Fatalf("%s: subject %d node %s: EffectiveWeights %v, Effective %v", dir, i, p.Set.Nodes[k].ID, eff[k], want)
				}
			}
		}
	}
}
