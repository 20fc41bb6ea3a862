package reports

import (
	"fmt"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/scoring"
)

// ViewTreat is a leaf's JRC outlier treatment in a peer group (SPEC §4.4):
// results.json's "treat".
type ViewTreat struct {
	// Outcome is "undefined", "passed", "winsorised" or "log".
	Outcome string
	// SkewBefore … KurtAfter are the skewness and kurtosis of the group's
	// present values before and after the treatment; NaN when undefined.
	SkewBefore, KurtBefore, SkewAfter, KurtAfter float64
	// Winsorised lists the ids of the subjects whose value was winsorised.
	Winsorised []string
	// LogShift is the shift of the log fallback; NaN unless Outcome is "log".
	LogShift float64
}

// ViewWeights are the weights in effect of one composite's children in a
// peer group: results.json's "weights" member of the group.
type ViewWeights struct {
	// Node is the composite's index in View.Nodes, -1 for the root
	// (written under the key "score").
	Node int
	// Children[c] is the weight of the composite's c-th child in tree
	// order. A view of a batch shares the batch's slice: read-only.
	Children []float64
	// Method is the statistical weighting of the composite ("@method"),
	// "" for declared weights; Cases the complete cases it used ("@cases",
	// 0 = not recorded).
	Method string
	Cases  int
}

// childLists returns the children of every node, in tree order: out[i+1]
// are the indices in v.Nodes of node i's children, out[0] the root's.
func (v *View) childLists() [][]int {
	out := make([][]int, len(v.Nodes)+1)
	for c, n := range v.Nodes {
		out[n.Parent+1] = append(out[n.Parent+1], c)
	}
	return out
}

// setGroupDetails copies into v.Groups the groups' treatment records (the
// winsorised subjects by id) and the weights in effect of the batch.
func (v *View) setGroupDetails(b *batch.Batch) {
	set := b.Project.Set
	subs := b.Project.Data.Subjects
	for gi := range b.Result.Groups {
		g := &b.Result.Groups[gi]
		vg := &v.Groups[gi]
		for l, st := range g.Leaves {
			if st.Treat == nil {
				continue
			}
			if vg.Treat == nil {
				vg.Treat = make([]*ViewTreat, len(g.Leaves))
			}
			vg.Treat[l] = newViewTreat(st.Treat, func(i int) string { return subs[i].ID })
		}
		for k := 0; k <= len(set.Nodes); k++ {
			if k >= len(g.Weights) || g.Weights[k] == nil {
				continue
			}
			node, idx := set.Root, -1
			if k < len(set.Nodes) {
				node, idx = set.Nodes[k], k
			}
			w := ViewWeights{Node: idx, Children: g.Weights[k]}
			if node.Weighting != nil {
				w.Method = string(node.Weighting.Method)
				w.Cases = g.WeightCases[k]
			}
			vg.Weights = append(vg.Weights, w)
		}
	}
}

// newViewTreat converts a treatment record, naming subject index i by id(i).
func newViewTreat(t *scoring.TreatStats, id func(int) string) *ViewTreat {
	vt := &ViewTreat{Outcome: t.Outcome, SkewBefore: t.SkewBefore, KurtBefore: t.KurtBefore,
		SkewAfter: t.SkewAfter, KurtAfter: t.KurtAfter, LogShift: t.LogShift, Winsorised: make([]string, len(t.Points))}
	for p, i := range t.Points {
		vt.Winsorised[p] = id(i)
	}
	return vt
}

// readGroupDetails reads a group's treatment records and weights from
// results.json into vg; ix finds the leaves, children are v.childLists().
func (v *View) readGroupDetails(vg *ViewGroup, g *ResultsGroup, ix *viewIndex, children [][]int) error {
	for _, st := range g.Leaves {
		if st.Treat == nil {
			continue
		}
		l, _ := ix.leaf(st.Indicator) // checked by readGroups
		if vg.Treat == nil {
			vg.Treat = make([]*ViewTreat, len(v.Leaves))
		}
		t := st.Treat
		vg.Treat[l] = &ViewTreat{Outcome: t.Outcome, SkewBefore: float64(t.SkewBefore), KurtBefore: float64(t.KurtBefore),
			SkewAfter: float64(t.SkewAfter), KurtAfter: float64(t.KurtAfter), Winsorised: t.Winsorised, LogShift: float64(t.LogShift)}
		if vg.Treat[l].Winsorised == nil {
			vg.Treat[l].Winsorised = []string{}
		}
	}
	seen := 0
	for i := -1; i < len(v.Nodes); i++ {
		id := "score"
		if i >= 0 {
			if v.Nodes[i].IsLeaf() {
				continue
			}
			id = v.Nodes[i].ID
		}
		jw, ok := g.Weights[id]
		if !ok {
			continue
		}
		seen++
		kids := children[i+1]
		if len(jw.Children) != len(kids) {
			return fmt.Errorf("results.json: peer group %q: weights of %q: %d children, the tree has %d", g.Label, id, len(jw.Children), len(kids))
		}
		w := ViewWeights{Node: i, Children: make([]float64, len(kids)), Method: jw.Method, Cases: jw.Cases}
		for c, ni := range kids {
			x, ok := jw.Children[v.Nodes[ni].ID]
			if !ok {
				return fmt.Errorf("results.json: peer group %q: weights of %q: no weight of child %q", g.Label, id, v.Nodes[ni].ID)
			}
			w.Children[c] = float64(x)
		}
		vg.Weights = append(vg.Weights, w)
	}
	if seen != len(g.Weights) {
		return fmt.Errorf("results.json: peer group %q: weights of %d nodes that are not composites of the tree", g.Label, len(g.Weights)-seen)
	}
	// The root's weights are written last.
	if len(vg.Weights) > 0 && vg.Weights[0].Node < 0 {
		vg.Weights = append(vg.Weights[1:], vg.Weights[0])
	}
	return nil
}
