package engine

import (
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// Schema is what the data offers to expressions: the metric names present in
// any data file, the subject attribute columns, and the assessment items.
type Schema struct {
	Metrics []string // metrics with at least one row in the data
	Attrs   []string // free subject attribute columns (id, name, kind, parent are always there)
	Assess  []string // assessment item ids available as assess.<item>
}

// Values is the outcome of evaluating a Plan for one period: one column per
// leaf and per adjustment expression, indexed like Dataset.Subjects. NaN
// means missing. Boolean results (When) are 1 for true, 0 for false.
type Values struct {
	Period dataset.Period
	// Leaves[l][s] is the raw value of leaf l (Set.Leaves order) for subject s.
	Leaves [][]float64
	// Points[a] is the points column of adjustment a (Set.Adjustments order),
	// nil when the adjustment has no points expression.
	Points [][]float64
	// When[a] is the condition column of adjustment a, nil when it has none.
	When [][]float64
	// Derived holds the values of the derived metrics in Period (key: metric
	// name) and PrevDerived in the previous period.
	Derived, PrevDerived map[string][]float64
	// Warnings: non-finite results (naming subject and indicator), sorted.
	Warnings []diag.Warning
}
