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
type kidWeights struct {
	kids  []int       // the children's node rows, in children order
	of    []int32     // by subject: index into vecs; 0 = all zero (took no part)
	vecs  [][]float64 // distinct vectors in children order; vecs[0] is all zero
	index map[string]int32
	key   []byte
}

// newKidWeights returns the store of composite row k's children for n
// subjects, every subject at the zero vector.
func newKidWeights(kids []int, n int) *kidWeights {
	kw := &kidWeights{kids: kids, of: make([]int32, n), index: map[string]int32{}, key: make([]byte, 8*len(kids))}
	kw.intern(make([]float64, len(kids)))
	return kw
}

// intern returns the index of v (bit for bit), adding a copy of it when
// new.
func (kw *kidWeights) intern(v []float64) int32 {
	for j, x := range v {
		binary.LittleEndian.PutUint64(kw.key[8*j:], math.Float64bits(x))
	}
	if j, ok := kw.index[string(kw.key)]; ok {
		return j
	}
	j := int32(len(kw.vecs))
	kw.index[string(kw.key)] = j
	kw.vecs = append(kw.vecs, append([]float64(nil), v...))
	return j
}

// put records subject i's weights, which row holds at the children's node
// rows (a subject's row of the scorer's layout), and sets them back to 0
// there: row is scratch reused from subject to subject.
func (kw *kidWeights) put(i int, row []float64, tmp []float64) {
	tmp = tmp[:len(kw.kids)]
	for j, c := range kw.kids {
		tmp[j] = row[c]
		row[c] = 0
	}
	kw.of[i] = kw.intern(tmp)
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
