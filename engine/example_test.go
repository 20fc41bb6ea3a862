package engine_test

import (
	"context"
	"fmt"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/engine"
	"github.com/govscore/govscore/indicators"
)

func ExampleCompile() {
	expr := func(text string, line int) *indicators.Expr {
		p := diag.Pos{File: "indicators.yaml", Line: line, Col: 11}
		return &indicators.Expr{Text: text, Pos: p, LineStarts: []diag.Pos{p}}
	}
	rate := &indicators.Node{ID: "resolution", LeafIndex: 0, Expr: expr("resolved / received", 5)}
	growth := &indicators.Node{ID: "growth", LeafIndex: 1, Expr: expr("(received - prev.received) / prev.received ?? 0", 6)}
	set := &indicators.Set{File: "indicators.yaml", Leaves: []*indicators.Node{rate, growth}}

	ds := dataset.New([]dataset.Subject{{ID: "a", Kind: "gov"}, {ID: "b", Kind: "gov"}}, nil)
	y2023, _ := dataset.ParsePeriod("2023")
	y2024, _ := dataset.ParsePeriod("2024")
	copy(ds.MutableColumn("resolved", y2024), []float64{90, 10})
	copy(ds.MutableColumn("received", y2024), []float64{100, 0})
	copy(ds.MutableColumn("received", y2023), []float64{80, 5})

	plan, err := engine.Compile(set, engine.Schema{Metrics: ds.Metrics()})
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := plan.Evaluate(context.Background(), ds, y2024)
	if err != nil {
		fmt.Println(err)
		return
	}
	for s, sub := range ds.Subjects {
		fmt.Printf("%s: resolution %v, growth %v\n", sub.ID, v.Leaves[0][s], v.Leaves[1][s])
	}
	for _, w := range v.Warnings {
		fmt.Println("warning:", w)
	}
	fmt.Println(plan.Inputs(1))
	// Output:
	// a: resolution 0.9, growth 0.25
	// b: resolution NaN, growth -1
	// warning: indicators.yaml:5:11: subject b, resolution: division by zero: value treated as missing
	// [received prev.received]
}
