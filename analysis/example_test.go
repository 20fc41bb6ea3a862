package analysis_test

import (
	"context"
	"fmt"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

func ExampleAnalyse() {
	set, err := indicators.Parse("set.yaml", []byte(`govscore: 1
id: demo
kinds: [gov]
tree:
  - id: service
    children:
      - {id: online_rate, expr: "online"}
      - {id: hotline_rate, expr: "hotline"}
      - {id: complaints, expr: "complaints", direction: lower}
uncertainty: {weight_noise: 0.2}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	in := scoring.Input{Set: set, Raw: [][]float64{
		{0.9, 0.8, 0.7, 0.6, 0.5},    // online
		{0.91, 0.8, 0.72, 0.6, 0.52}, // hotline: nearly the same information
		{3, 9, 1, 4, 6},              // complaints
	}}
	for _, id := range []string{"east", "north", "south", "west", "centre"} {
		in.Subjects = append(in.Subjects, dataset.Subject{ID: id, Kind: "gov"})
	}
	res, err := scoring.Score(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := analysis.Analyse(context.Background(), in, res, analysis.Options{Replications: 200, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range rep.Groups[0].Collinear {
		fmt.Printf("collinear: %s ~ %s (r = %.3f)\n", p.A, p.B, float64(p.R))
	}
	for _, n := range rep.Groups[0].Nodes {
		if n.Leaf {
			fmt.Printf("without %-12s ranks move by at most %d\n", n.ID, n.LeaveOneOut.Max)
		}
	}
	for _, b := range rep.Uncertainty.Subjects {
		fmt.Printf("%-6s nominal %d, 90%% band [%g, %g]\n", b.Subject, b.Nominal, float64(b.P05), float64(b.P95))
	}
	// Output:
	// collinear: online_rate ~ hotline_rate (r = 0.998)
	// without online_rate  ranks move by at most 1
	// without hotline_rate ranks move by at most 1
	// without complaints   ranks move by at most 1
	// east   nominal 1, 90% band [1, 1]
	// south  nominal 2, 90% band [2, 2]
	// north  nominal 3, 90% band [3, 3]
	// west   nominal 4, 90% band [4, 4]
	// centre nominal 5, 90% band [5, 5]
}
