package scoring

import (
	"encoding/binary"
	"math"
)

// kidWeights holds, for one composite row (a node of Set.Nodes or the
// root), the normalised weights its children got for each subject
// (SubjectResult.NodeWeights of the children) without a float per subject
// and child: the distinct weight vectors, once each, and per subject the
// index of its vector. Most subjects of a peer group share one (every
// child took part), so at 1M subjects this is 4 bytes per subject and
// composite instead of 8 per subject and node.
//
// The peer groups are aggregated in parallel, so each group interns its
// vectors in its own table (groups) while it is aggregated; merge then
// gathers them into vecs, group by group, which gives every vector the
// index one table for the whole batch would have given it.
type kidWeights struct {
	kids []int   // the children's node rows, in children order
	of   []int32 // by subject: index into vecs (into its group's table before merge); 0 = all zero (took no part)
	vecs [][]float64
	// groups are the tables of the peer groups, by group index, until
	// merge; nil after.
	groups []kwTable
}

// kwTable is a table of distinct weight vectors: vecs[0] is all zero
// (once the table is used), index finds a vector by its bits.
type kwTable struct {
	vecs  [][]float64
	index map[string]int32
}

// newKidWeights returns the store of composite row k's children for n
// subjects in ngroups peer groups, every subject at the zero vector.
func newKidWeights(kids []int, n, ngroups int) *kidWeights {
	return &kidWeights{kids: kids, of: make([]int32, n), groups: make([]kwTable, ngroups)}
}

// intern returns the index of v (bit for bit) in t, adding a copy of it
// when new; key is scratch of 8·len(v) bytes. The zero vector is added
// first, at index 0.
func (t *kwTable) intern(v []float64, key []byte) int32 {
	if t.index == nil {
		t.index = map[string]int32{}
		clear(key) // the bits of +0
		t.add(make([]float64, len(v)), key)
	}
	for j, x := range v {
		binary.LittleEndian.PutUint64(key[8*j:], math.Float64bits(x))
	}
	if j, ok := t.index[string(key)]; ok {
		return j
	}
	return t.add(v, key)
}

// add appends a copy of v to t.vecs under key, which holds v's bits, and
// returns its index.
func (t *kwTable) add(v []float64, key []byte) int32 {
	j := int32(len(t.vecs))
	t.index[string(key)] = j
	t.vecs = append(t.vecs, append([]float64(nil), v...))
	return j
}

// put records the weights of subject i, a member of peer group g, which
// row holds at the children's node rows (a subject's row of the scorer's
// layout), and sets them back to 0 there: row is scratch reused from
// subject to subject, tmp scratch of len(kids) floats and key of
// 8·len(kids) bytes. Only one goroutine may put into a group at a time.
func (kw *kidWeights) put(g, i int, row, tmp []float64, key []byte) {
	tmp, key = tmp[:len(kw.kids)], key[:8*len(kw.kids)]
	for j, c := range kw.kids {
		tmp[j] = row[c]
		row[c] = 0
	}
	kw.of[i] = kw.groups[g].intern(tmp, key)
}

// merge gathers the groups' tables into vecs, group by group in index
// order, and points each member's of at its vector there.
func (kw *kidWeights) merge(groups []Group) {
	var all kwTable
	key := make([]byte, 8*len(kw.kids))
	all.intern(make([]float64, len(kw.kids)), key)
	for g := range groups {
		t := &kw.groups[g]
		if t.vecs == nil {
			continue // nothing put: every member is at 0, the zero vector
		}
		remap := make([]int32, len(t.vecs))
		for j, v := range t.vecs {
			remap[j] = all.intern(v, key)
		}
		for _, i := range groups[g].Members {
			kw.of[i] = remap[kw.of[i]]
		}
	}
	kw.vecs, kw.groups = all.vecs, nil
}

// weightRows builds every subject's NodeWeights from the composites'
// stores (kw, by node row; nil for leaves): subjects whose vectors are the
// same for every composite share one row, built once. A row is then equal
// bit for bit to the one the scorer would have written into a
// subject-major array (0 where no weight was written).
func weightRows(subs []SubjectResult, groupOf []int, ngroups, nn int, kw []*kidWeights) {
	var comp []*kidWeights
	for _, w := range kw {
		if w != nil {
			comp = append(comp, w)
		}
	}
	key := make([]byte, 4*len(comp))
	keyOf := func(i int) {
		for q, w := range comp {
			binary.LittleEndian.PutUint32(key[4*q:], uint32(w.of[i]))
		}
	}
	index := map[string]int{}
	var rows [][]float64
	last := make([]int, ngroups) // each group's last row, tried first
	for g := range last {
		last[g] = -1
	}
	lastKey := make([][]byte, ngroups)
	var slab []float64
	for i := range subs {
		keyOf(i)
		g := groupOf[i]
		if j := last[g]; j >= 0 && string(lastKey[g]) == string(key) {
			subs[i].NodeWeights = rows[j]
			continue
		}
		j, ok := index[string(key)]
		if !ok {
			if len(slab) < nn {
				slab = make([]float64, nn*max(64, len(rows)))
			}
			row := slab[:nn:nn]
			slab = slab[nn:]
			for _, w := range comp {
				v := w.vecs[w.of[i]]
				for q, c := range w.kids {
					row[c] = v[q]
				}
			}
			j = len(rows)
			index[string(key)] = j
			rows = append(rows, row)
		}
		last[g], lastKey[g] = j, append(lastKey[g][:0], key...)
		subs[i].NodeWeights = rows[j]
	}
}
