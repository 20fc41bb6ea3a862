package scoring

import (
	"strings"

	"github.com/govscore/govscore/indicators"
)

// applicability computes which nodes apply to which subjects (SPEC §4.2):
// node k applies to subject i when applies_to admits i's kind along k's
// path and every applies_when on the path is true (1) for i. Subjects
// share a profile — a row of rows, indexed by node (row index nn, the root,
// always applies) — when they share the kind and the outcome of every
// applies_when, so the rows are as few as the distinct profiles and the
// common case (no applies_when) costs one row per kind.
func applicability(in Input) (profileOf []int, rows [][]bool) {
	set := in.Set
	nn := len(set.Nodes)
	var conds []int // nodes with an applies_when column
	for k, col := range in.AppliesWhen {
		if col != nil && k < nn {
			conds = append(conds, k)
		}
	}
	profileOf = make([]int, len(in.Subjects))
	byKey := map[string]int{}
	var key strings.Builder
	holds := make([]bool, nn)
	for i := range in.Subjects {
		kind := in.Subjects[i].Kind
		key.Reset()
		key.WriteString(kind)
		if len(conds) > 0 {
			key.WriteByte(0)
			for _, k := range conds {
				key.WriteByte('0' + byte(b2i(in.AppliesWhen[k][i] == 1)))
			}
		}
		p, ok := byKey[key.String()]
		if !ok {
			p = len(rows)
			byKey[key.String()] = p
			for k := range holds {
				holds[k] = true
			}
			for _, k := range conds {
				holds[k] = in.AppliesWhen[k][i] == 1
			}
			row := make([]bool, nn+1)
			for k, nd := range set.Nodes {
				row[k] = nd.Applies(kind) && pathHolds(nd, holds)
			}
			row[nn] = true
			rows = append(rows, row)
		}
		profileOf[i] = p
	}
	return profileOf, rows
}

// pathHolds reports whether the applies_when of nd and of each ancestor
// holds (holds is indexed by node; the root has no condition).
func pathHolds(nd *indicators.Node, holds []bool) bool {
	for m := nd; m != nil && m.Index >= 0; m = m.Parent {
		if !holds[m.Index] {
			return false
		}
	}
	return true
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
