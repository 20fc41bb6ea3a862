package engine

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// spec describes a test indicator set: derived metrics, leaves and
// adjustments as "id: expression" strings, plus plain declared metrics.
type spec struct {
	declared []string // collected metrics declared in the set
	derived  []string // "name: expr"
	leaves   []string // "id: expr"
	points   []string // "id: expr" (adjustment points)
	when     []string // "id: expr" (adjustment conditions)
}

// build makes the Set, with a YAML-like Source in which every expression
// sits on its own line as "    expr: <text>", starting at column 11.
func (sp spec) build() *indicators.Set {
	set := &indicators.Set{File: "indicators.yaml", Scale: [2]float64{0, 100}}
	lines := []string{"govscore: 1"}
	mk := func(text string) *indicators.Expr {
		lines = append(lines, "    expr: "+text)
		p := diag.Pos{File: "indicators.yaml", Line: len(lines), Col: 11}
		return &indicators.Expr{Text: text, Pos: p, LineStarts: []diag.Pos{p}}
	}
	split := func(s string) (string, string) {
		id, text, _ := strings.Cut(s, ": ")
		return id, text
	}
	for _, m := range sp.declared {
		lines = append(lines, "  "+m+": {}")
		set.Metrics = append(set.Metrics, &indicators.Metric{Name: m, Pos: diag.Pos{File: "indicators.yaml", Line: len(lines), Col: 3}})
	}
	for _, d := range sp.derived {
		id, text := split(d)
		lines = append(lines, "  "+id+":")
		pos := diag.Pos{File: "indicators.yaml", Line: len(lines), Col: 3}
		set.Metrics = append(set.Metrics, &indicators.Metric{Name: id, Expr: mk(text), Pos: pos})
	}
	root := &indicators.Node{Index: -1, LeafIndex: -1}
	set.Root = root
	for _, l := range sp.leaves {
		id, text := split(l)
		lines = append(lines, "  - id: "+id)
		n := &indicators.Node{ID: id, Weight: 1, Parent: root, Depth: 1, Index: len(set.Nodes), LeafIndex: len(set.Leaves),
			Pos: diag.Pos{File: "indicators.yaml", Line: len(lines), Col: 5}}
		n.Expr = mk(text)
		root.Children = append(root.Children, n)
		set.Nodes = append(set.Nodes, n)
		set.Leaves = append(set.Leaves, n)
	}
	for _, a := range sp.points {
		id, text := split(a)
		set.Adjustments = append(set.Adjustments, &indicators.Adjustment{ID: id, Points: mk(text)})
	}
	for _, a := range sp.when {
		id, text := split(a)
		set.Adjustments = append(set.Adjustments, &indicators.Adjustment{ID: id, When: mk(text)})
	}
	set.Source = []byte(strings.Join(lines, "\n") + "\n")
	return set
}

var nanv = math.NaN()

// testData builds a dataset of subjects s0…s(n-1) (kinds cycling through
// kinds, attribute region) with the given columns: "metric@period" → values.
func testData(n int, kinds []string, cols map[string][]float64) *dataset.Dataset {
	subs := make([]dataset.Subject, n)
	for i := range subs {
		subs[i] = dataset.Subject{ID: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("Subject %d", i),
			Kind: kinds[i%len(kinds)], Attrs: dataset.MakeAttrs(map[string]string{"region": fmt.Sprintf("r%d", i%2)})}
	}
	ds := dataset.New(subs, []string{"region"})
	for key, vals := range cols {
		metric, per, _ := strings.Cut(key, "@")
		p, err := dataset.ParsePeriod(per)
		if err != nil {
			panic(err)
		}
		col := ds.MutableColumn(metric, p)
		copy(col, vals)
	}
	return ds
}

func mustPeriod(s string) dataset.Period {
	p, err := dataset.ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// close reports whether a and b are equal within 1e-9 (relative for large
// values), both missing counting as equal.
func close(a, b float64) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// compileEval compiles set against schema and evaluates it on ds for 2024,
// failing the test on either error.
func compileEval(t testing.TB, set *indicators.Set, schema Schema, ds *dataset.Dataset) (*Plan, *Values) {
	t.Helper()
	p, err := Compile(set, schema)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Evaluate(context.Background(), ds, mustPeriod("2024"))
	if err != nil {
		t.Fatal(err)
	}
	return p, v
}
