package scoring

import (
	"math"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

const tol = 1e-9

var nan = math.NaN()

// near reports whether a and b agree within tol (NaN equals NaN).
func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// opt modifies a node built by leaf or comp.
type opt func(*indicators.Node)

func weight(w float64) opt                   { return func(n *indicators.Node) { n.Weight = w } }
func round(d int) opt                        { return func(n *indicators.Node) { n.Round = d } }
func lowerIsBetter() opt                     { return func(n *indicators.Node) { n.Direction = indicators.Lower } }
func geometric() opt                         { return func(n *indicators.Node) { n.Aggregate = indicators.Geometric } }
func appliesTo(k ...string) opt              { return func(n *indicators.Node) { n.AppliesTo = k } }
func transformed(t indicators.Transform) opt { return func(n *indicators.Node) { n.Transform = t } }
func winsor(lo, hi float64) opt {
	return func(n *indicators.Node) { n.Winsorize = &indicators.Winsorize{Lower: lo, Upper: hi} }
}
func missing(p indicators.MissingPolicy, by string) opt {
	return func(n *indicators.Node) { n.Missing = indicators.Missing{Policy: p, By: by} }
}
func norm(nz indicators.Normalize) opt { return func(n *indicators.Node) { n.Normalize = nz } }
func method(m indicators.NormMethod) opt {
	return func(n *indicators.Node) { n.Normalize.Method = m }
}

// leaf builds a leaf with the parser's defaults (minmax, higher, exclude,
// weight 1, no rounding).
func leaf(id string, opts ...opt) *indicators.Node {
	n := &indicators.Node{ID: id, Name: id, Weight: 1, Round: -1, Expr: &indicators.Expr{Text: id},
		Normalize: indicators.Normalize{Method: indicators.MinMax, Mean: 50, SD: 10},
		Missing:   indicators.Missing{Policy: indicators.Exclude}}
	for _, o := range opts {
		o(n)
	}
	return n
}

// comp builds a composite with arithmetic aggregation and weight 1.
func comp(id string, children []*indicators.Node, opts ...opt) *indicators.Node {
	n := &indicators.Node{ID: id, Name: id, Weight: 1, Round: -1, Children: children,
		Aggregate: indicators.Arithmetic, Missing: indicators.Missing{Policy: indicators.Exclude}}
	for _, o := range opts {
		o(n)
	}
	return n
}

// newSet links the top-level nodes under a synthetic root and fills Nodes,
// Leaves, Parent, Depth, Index and LeafIndex, as indicators.Parse does.
func newSet(top ...*indicators.Node) *indicators.Set {
	root := &indicators.Node{Weight: 1, Round: -1, Children: top, Aggregate: indicators.Arithmetic,
		Index: -1, LeafIndex: -1}
	set := &indicators.Set{ID: "test", Kinds: []string{"a", "b"}, Scale: [2]float64{0, 100}, Root: root,
		Ranking: indicators.Ranking{Method: indicators.Competition, Desc: true, Digits: 9}}
	var walk func(n *indicators.Node, parent *indicators.Node)
	walk = func(n, parent *indicators.Node) {
		n.Parent = parent
		n.Depth = parent.Depth + 1
		n.Index = len(set.Nodes)
		n.LeafIndex = -1
		set.Nodes = append(set.Nodes, n)
		if n.IsLeaf() {
			n.LeafIndex = len(set.Leaves)
			set.Leaves = append(set.Leaves, n)
		}
		for _, c := range n.Children {
			walk(c, n)
		}
	}
	for _, n := range top {
		walk(n, root)
	}
	return set
}

// subj builds a subject; attrs alternate name, value.
func subj(id, kind string, attrs ...string) dataset.Subject {
	m := map[string]string{}
	for i := 0; i+1 < len(attrs); i += 2 {
		m[attrs[i]] = attrs[i+1]
	}
	return dataset.Subject{ID: id, Name: id, Kind: kind, Attrs: dataset.MakeAttrs(m)}
}

// subjects builds n subjects s0, s1, … of kind "a".
func subjects(ids ...string) []dataset.Subject {
	out := make([]dataset.Subject, len(ids))
	for i, id := range ids {
		out[i] = subj(id, "a")
	}
	return out
}

// mustScore runs Score and fails the test on error.
func mustScore(t *testing.T, in Input) *Result {
	t.Helper()
	res, err := Score(in)
	if err != nil {
		t.Fatalf("Score: %v", err)
	}
	return res
}

// checkFloats compares got with want element-wise within tol.
func checkFloats(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if !near(got[i], want[i]) {
			t.Errorf("%s[%d] = %.15g, want %.15g", what, i, got[i], want[i])
		}
	}
}

// cellValues returns the values of leaf l for every subject.
func cellValues(res *Result, l int) []float64 {
	out := make([]float64, res.Cells[l].Len())
	for i, c := range res.Cells[l].All() {
		out[i] = c.Value
	}
	return out
}

// cellStatuses returns the statuses of leaf l for every subject.
func cellStatuses(res *Result, l int) []Status {
	out := make([]Status, res.Cells[l].Len())
	for i, c := range res.Cells[l].All() {
		out[i] = c.Status
	}
	return out
}

// scores returns every subject's score.
func scores(res *Result) []float64 {
	out := make([]float64, len(res.Subjects))
	for i, s := range res.Subjects {
		out[i] = s.Score
	}
	return out
}

func fp(x float64) *float64 { return &x }

func diagPos() diag.Pos { return diag.Pos{File: "set.yaml", Line: 3, Col: 5} }
