package reports

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/govscore/govscore/scoring"
)

// cellColumns are a View's (subject, leaf) cells, held by columns: a view of a
// batch reads the batch's own cell columns (scoring.LeafCells, nothing
// copied per cell); a view read from results.json holds one compact column
// per leaf. View.Cell assembles one cell.
type cellColumns struct {
	batch []scoring.LeafCells // a batch's columns, by leaf; nil when read
	res   *scoring.Result     // the batch's result; nil when read
	row   []int               // view position → the batch's subject index
	cols  []cellColumn        // read from results.json: by leaf
	names []string            // statuses of cols, by index (names[0] = "")
}

// cellColumn is one leaf's cells by view position; a cell that does not
// apply has status 0, NaN raw and value.
type cellColumn struct {
	raw, value, weight []float64
	status             []uint8 // index into cellColumns.names; 0 = does not apply
}

// Cell returns the cell of leaf l of the subject at position k (View.Subject).
func (v *View) Cell(k, l int) ViewCell {
	c := &v.cells
	if c.batch != nil {
		x := c.batch[l].Published(c.row[k])
		return ViewCell{Applies: x.Applies, Raw: x.Raw, Value: x.Value, Weight: x.Weight, Status: string(x.Status)}
	}
	col := &c.cols[l]
	st := col.status[k]
	return ViewCell{Applies: st != 0, Raw: col.raw[k], Value: col.value[k], Weight: col.weight[k], Status: c.names[st]}
}

// cellValueWeight returns subject k's normalised value and effective
// weight of leaf l (View.Cell's Value and Weight, at less cost).
func (v *View) cellValueWeight(k, l int) (value, weight float64) {
	c := &v.cells
	if c.batch != nil {
		return c.batch[l].ValueWeight(c.row[k])
	}
	return c.cols[l].value[k], c.cols[l].weight[k]
}

// newReadCells returns empty columns for n subjects and nl leaves: no
// cell applies.
func newReadCells(n, nl int) cellColumns {
	c := cellColumns{cols: make([]cellColumn, nl), names: []string{""}}
	for l := range c.cols {
		col := cellColumn{raw: make([]float64, n), value: make([]float64, n), weight: make([]float64, n), status: make([]uint8, n)}
		for k := range n {
			col.raw[k], col.value[k] = math.NaN(), math.NaN()
		}
		c.cols[l] = col
	}
	return c
}

// set stores subject k's applicable cell of leaf l (read from
// results.json). More than 255 distinct statuses (the writers know five)
// are an error.
func (c *cellColumns) set(k, l int, raw, value, weight float64, status string) error {
	st := slices.Index(c.names[1:], status) + 1
	if st == 0 {
		if len(c.names) > math.MaxUint8 {
			return fmt.Errorf("results.json: indicators: more than %d distinct cell statuses", math.MaxUint8)
		}
		st = len(c.names)
		c.names = append(c.names, status)
	}
	col := &c.cols[l]
	col.raw[k], col.value[k], col.weight[k], col.status[k] = raw, value, weight, uint8(st)
	return nil
}

// NodeState is a composite value's status in the View (SPEC §4.7), the
// byte form of NodeOK, NodeImputed and NodeMissing.
type NodeState uint8

// The states of View.NodeState.
const (
	NodeStateNone    NodeState = iota // a leaf, a node that does not apply, an unrated subject
	NodeStateOK                       // NodeOK
	NodeStateImputed                  // NodeImputed
	NodeStateMissing                  // NodeMissing
)

// nodeStates are the results.json names of the states, by state.
var nodeStates = [...]string{NodeStateNone: "", NodeStateOK: NodeOK, NodeStateImputed: NodeImputed, NodeStateMissing: NodeMissing}

// String returns the state's name in results.json: NodeOK, NodeImputed,
// NodeMissing, or "" for NodeStateNone.
func (s NodeState) String() string { return nodeStates[s] }

// nodeState returns the state named name, ok false when name is none of
// "", NodeOK, NodeImputed and NodeMissing.
func nodeState(name string) (NodeState, bool) {
	for s, n := range nodeStates {
		if n == name {
			return NodeState(s), true
		}
	}
	return NodeStateNone, false
}

// cellBlockSize is the number of subjects a cellBlock holds: the cells of
// 128 subjects × 50 leaves fit in a core's L2 cache.
const cellBlockSize = 128

// cellBlock holds the cells of a block of subjects (view positions), leaf by
// leaf: the cell of the block's j-th subject and leaf l is at l*n + j. The
// writers of every cell (indicators.csv, results.json) fill one block at a
// time and format from it: a batch's columns are read one leaf at a time
// for the whole block (scoring.LeafCells.PublishedColumn), so that the
// reads overlap instead of waiting on one column after another.
type cellBlock struct {
	n                  int
	raw, value, weight []float64
	status             []scoring.Status
	applies            []bool
	idx                []int     // the batch's subject indices of the block
	eff                []float64 // one subject's effective weights, by node
}

// cellBlocks recycles the blocks of the writers' workers.
var cellBlocks = sync.Pool{New: func() any { return new(cellBlock) }}

// resize makes b hold the cells of n subjects over nl leaves.
func (b *cellBlock) resize(n, nl int) {
	b.n = n
	size := n * nl
	if cap(b.raw) < size {
		b.raw, b.value, b.weight = make([]float64, size), make([]float64, size), make([]float64, size)
		b.status, b.applies = make([]scoring.Status, size), make([]bool, size)
	}
	b.raw, b.value, b.weight = b.raw[:size], b.value[:size], b.weight[:size]
	b.status, b.applies = b.status[:size], b.applies[:size]
}

// fill reads the cells of the view positions rows into b.
func (b *cellBlock) fill(v *View, rows []int) { b.fillCells(v, rows, true) }

// fillCells is fill; with weights false the effective weights are left
// unset (for the writers that do not show them, which spares computing
// every subject's effective weights).
func (b *cellBlock) fillCells(v *View, rows []int, weights bool) {
	n := len(rows)
	b.resize(n, len(v.Leaves))
	c := &v.cells
	if c.batch != nil {
		b.idx = b.idx[:0]
		for _, k := range rows {
			b.idx = append(b.idx, c.row[k])
		}
		for l := range c.batch {
			o := l * n
			c.batch[l].PublishedColumn(b.idx, b.raw[o:o+n], b.status[o:o+n], b.applies[o:o+n])
		}
		// Values and weights from each subject's row: the view's
		// Nodes are the batch's own (a leaf's entry is its value).
		if cap(b.eff) < len(v.Nodes) {
			b.eff = make([]float64, len(v.Nodes))
		}
		eff := b.eff[:len(v.Nodes)]
		for j, i := range b.idx {
			nodes := c.res.Subjects[i].Nodes
			if !weights {
				for l, ni := range v.Leaves {
					b.value[l*n+j] = nodes[ni]
				}
				continue
			}
			c.res.EffectiveWeights(i, eff)
			for l, ni := range v.Leaves {
				b.value[l*n+j], b.weight[l*n+j] = nodes[ni], eff[ni]
			}
		}
		return
	}
	for l := range c.cols {
		col := &c.cols[l]
		o := l * n
		for j, k := range rows {
			st := col.status[k]
			b.raw[o+j], b.value[o+j], b.weight[o+j] = col.raw[k], col.value[k], col.weight[k]
			b.status[o+j], b.applies[o+j] = scoring.Status(c.names[st]), st != 0
		}
	}
}
