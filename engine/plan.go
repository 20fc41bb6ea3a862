package engine

import (
	"math"
	"sort"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
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
// The columns are read-only: a column whose expression is a bare metric is
// the dataset's (or the derived metric's) column itself, not a copy, and
// two leaves over the same metric share it.
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
	// Assess holds the assessment columns the evaluation was given
	// (Options.Assess), for Trace.
	Assess map[string][]float64
	// AppliesWhen[k] is the `applies_when` column of Set.Nodes[k] (1 true,
	// 0 false, NaN missing), nil when the node has none; the slice itself is
	// nil when no node has one.
	AppliesWhen [][]float64
	// RatedWhen is the `rated_when` column (1/0/NaN), nil when the set has
	// none.
	RatedWhen []float64
	// Group holds the group-statistic columns the expressions read in
	// Period, keyed as written ("group.mean(x)", "group.sd(prev.x)"), for
	// Trace.
	Group map[string][]float64
	// Warnings: non-finite results (naming subject and indicator), sorted.
	Warnings []diag.Warning
}

// inputKind says where an input of an expression comes from.
type inputKind uint8

const (
	inMetric inputKind = iota // a metric (or derived metric) in the evaluated period
	inPrev                    // prev.<metric>: the period before
	inAssess                  // assess.<item>
	inAttr                    // subject.<attribute> (string)
	inPeriod                  // period (string)
	inGroup                   // group.<stat>(<metric>) or group.<stat>(prev.<metric>)
)

// groupStat is the statistic of a group.<stat>(m) input.
type groupStat uint8

// Group statistics (SPEC §4.3).
const (
	gMean groupStat = iota
	gMedian
	gMin
	gMax
	gSD
	gCount
)

// groupStats maps the names after "group." to statistics.
var groupStats = map[string]groupStat{"mean": gMean, "median": gMedian, "min": gMin, "max": gMax, "sd": gSD, "count": gCount}

// groupStatNames are the statistics' names, by groupStat.
var groupStatNames = [...]string{gMean: "mean", gMedian: "median", gMin: "min", gMax: "max", gSD: "sd", gCount: "count"}

// inputRef names one input of the plan's expressions.
type inputRef struct {
	kind inputKind
	name string
	stat groupStat // inGroup
	prev bool      // inGroup: over prev.<name>
}

// String writes the input as an expression refers to it.
func (r inputRef) String() string {
	switch r.kind {
	case inPrev:
		return "prev." + r.name
	case inAssess:
		return "assess." + r.name
	case inAttr:
		return "subject." + r.name
	case inPeriod:
		return "period"
	case inGroup:
		m := r.name
		if r.prev {
			m = "prev." + m
		}
		return "group." + groupStatNames[r.stat] + "(" + m + ")"
	}
	return r.name
}

// program is one compiled expression.
type program struct {
	label  string   // e.g. `leaf "x"`, for messages
	id     string   // leaf, adjustment or metric id, for warnings
	pos    diag.Pos // position of the expression in the YAML file
	text   string
	root   *node // typed, folded tree (scalar evaluator)
	inputs []int // Plan.inputs used, in order of first appearance
	code   *code // column program
}

// Plan is a compiled indicator set: every expression parsed, checked and
// turned into a column program. A Plan is immutable and safe for concurrent
// use by multiple goroutines; Evaluate may be called concurrently.
type Plan struct {
	set        *indicators.Set
	inputs     []inputRef
	inputIdx   map[inputRef]int
	leaves     []*program // Set.Leaves order
	points     []*program // Set.Adjustments order, nil when absent
	when       []*program
	derived    []*program // derived metrics, Set.Metrics order
	derivedIdx map[string]int
	applies    []*program // applies_when by Set.Nodes index, nil entries = none; nil = no node has one
	ratedWhen  *program   // rated_when, nil when none
	hasGroup   bool       // some expression reads a group statistic
}

// inputID returns the index of ref in p.inputs, adding it when new.
func (p *Plan) inputID(ref inputRef) int {
	if i, ok := p.inputIdx[ref]; ok {
		return i
	}
	p.inputIdx[ref] = len(p.inputs)
	p.inputs = append(p.inputs, ref)
	return len(p.inputs) - 1
}

// Inputs returns the names of the inputs that leaf (a Set.Leaves index)
// reads, in order of first appearance in its expression: metric names
// ("disputes_resolved", derived metrics included), "prev.<metric>",
// "assess.<item>", "subject.<attribute>" and "period".
func (p *Plan) Inputs(leaf int) []string {
	pr := p.leaves[leaf]
	out := make([]string, len(pr.inputs))
	for i, in := range pr.inputs {
		out[i] = p.inputs[in].String()
	}
	return out
}

// MetricsRead returns the names of the metrics (derived ones included) that
// the plan's expressions read in the evaluated period (current) and through
// prev. (prev), each sorted. A data column in neither list takes no part in
// any score.
func (p *Plan) MetricsRead() (current, prev []string) {
	for _, r := range p.inputs {
		switch {
		case r.kind == inMetric, r.kind == inGroup && !r.prev:
			current = append(current, r.name)
		case r.kind == inPrev, r.kind == inGroup && r.prev:
			prev = append(prev, r.name)
		}
	}
	return dedupSorted(current), dedupSorted(prev)
}

// dedupSorted sorts names and drops repeats.
func dedupSorted(names []string) []string {
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Input is the value of one input of an expression for one subject, as
// Trace reports it. Numeric inputs have Value (NaN = missing); subject
// attributes and period have Text, with IsText set and Value NaN.
type Input struct {
	Name   string
	Value  float64
	Text   string
	IsText bool
}

// Trace returns, for subject (a Dataset.Subjects index) and leaf, the
// value of each input named by Inputs(leaf), as seen by the evaluation v
// of ds: derived metrics come from v.Derived and v.PrevDerived, assessment
// items from v.Assess.
func (p *Plan) Trace(ds *dataset.Dataset, v *Values, subject int, leaf int) []Input {
	return p.trace(p.leaves[leaf], ds, v, subject)
}

// TraceAdjustment is Trace for adjustment adj (a Set.Adjustments index):
// the inputs of its `when` condition and of its `points`, in that order,
// each once. A subject appealing a veto sees the values that decided it.
func (p *Plan) TraceAdjustment(ds *dataset.Dataset, v *Values, subject int, adj int) []Input {
	var out []Input
	seen := map[string]bool{}
	for _, pr := range []*program{p.when[adj], p.points[adj]} {
		if pr == nil {
			continue
		}
		for _, in := range p.trace(pr, ds, v, subject) {
			if !seen[in.Name] {
				seen[in.Name] = true
				out = append(out, in)
			}
		}
	}
	return out
}

func (p *Plan) trace(pr *program, ds *dataset.Dataset, v *Values, subject int) []Input {
	out := make([]Input, len(pr.inputs))
	for i, in := range pr.inputs {
		ref := p.inputs[in]
		x := Input{Name: ref.String(), Value: math.NaN()}
		pick := func(col []float64) {
			if subject < len(col) {
				x.Value = col[subject]
			}
		}
		switch ref.kind {
		case inMetric, inPrev:
			per, derived := v.Period, v.Derived
			if ref.kind == inPrev {
				per, derived = v.Period.Prev(), v.PrevDerived
			}
			if _, ok := p.derivedIdx[ref.name]; ok {
				pick(derived[ref.name])
			} else {
				pick(ds.Column(ref.name, per))
			}
		case inAssess:
			pick(v.Assess[ref.name])
		case inGroup:
			pick(v.Group[x.Name])
		case inAttr:
			x.IsText = true
			x.Text, _ = ds.Subjects[subject].Attr(ref.name)
		case inPeriod:
			x.IsText = true
			x.Text = v.Period.String()
		}
		out[i] = x
	}
	return out
}
