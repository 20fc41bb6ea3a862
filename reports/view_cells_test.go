package reports

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/govscore/govscore/batch"
)

// TestEffectiveWeightsMatchEffective: the one pass down the tree the cell
// writers take (scoring.Result.EffectiveWeights, which relies on Set.Nodes
// being in pre-order) gives, bit for bit, what Result.Effective gives node
// by node — on a generated project (missing values re-weighted away) and
// on the Inner Mongolia example (three levels, applies_to, statistical
// weights).
func TestEffectiveWeightsMatchEffective(t *testing.T) {
	for name, b := range map[string]*batch.Batch{
		"generated":      synthBatch(t, 2000, 50),
		"inner-mongolia": loadBatch(t, filepath.Join("..", "examples", "inner-mongolia-2024"), ""),
	} {
		res, nodes := b.Result, b.Project.Set.Nodes
		eff := make([]float64, len(nodes))
		for i := range res.Subjects {
			res.EffectiveWeights(i, eff)
			for k := range nodes {
				if want := res.Effective(i, k); math.Float64bits(eff[k]) != math.Float64bits(want) {
					t.Fatalf("%s: subject %d node %s: EffectiveWeights %v, Effective %v", name, i, nodes[k].ID, eff[k], want)
				}
			}
		}
	}
}
