package indicators

import "github.com/govscore/govscore/diag"

// Display holds the `display:` settings (SPEC §4.6): how the reading formats
// (report.html, results.xlsx, results.md, the terminal summary) show
// numbers. It changes no computed value; results.csv and results.json keep
// full precision.
type Display struct {
	// Digits is the number of decimals shown; default 2.
	Digits int
}

// DefaultDisplayDigits is the number of decimals the reading formats show
// when the set has no `display: {digits: N}`.
const DefaultDisplayDigits = 2

// displayKeys are the keys of `display:`.
var displayKeys = []string{"digits"}

// display reads `display: {digits: N}`.
func (r *reader) display(f *field) Display {
	out := Display{Digits: DefaultDisplayDigits}
	if f == nil {
		return out
	}
	m := r.mapping(f.raw, "display", f.keyPos)
	if m == nil {
		return out
	}
	if g := m.get("digits"); g != nil {
		if v, ok := r.integer(g); ok {
			if v < 0 || v > 15 {
				r.errorf(g.valuePos(r), "display: digits must be between 0 and 15, got %d", v)
			} else {
				out.Digits = v
			}
		}
	}
	r.unknown(m, displayKeys)
	return out
}

// RankColumn is the results.csv column of a node with `rank: true` (SPEC
// §4.10): its id followed by "_rank".
func RankColumn(n *Node) string { return n.ID + "_rank" }

// RankedNodes returns the nodes with `rank: true`, in tree order.
func (s *Set) RankedNodes() []*Node {
	var out []*Node
	for _, n := range s.Nodes {
		if n.Rank {
			out = append(out, n)
		}
	}
	return out
}

// nodeRank reads a node's `rank:` flag and remembers its position for
// checkRankColumns.
func (r *reader) nodeRank(n *Node, f *field) {
	v, ok := r.boolean(f)
	if !ok {
		return
	}
	n.Rank = v
	if v {
		if r.rankFields == nil {
			r.rankFields = map[*Node]*field{}
		}
		r.rankFields[n] = f
	}
}

// checkRankColumns reports a `rank: true` whose results.csv column
// (<id>_rank) is the id of a node or an adjustment (SPEC §4.10).
func (r *reader) checkRankColumns(s *Set, ids map[string]diag.Pos) {
	for _, n := range s.Nodes {
		f := r.rankFields[n]
		if f == nil {
			continue
		}
		col := RankColumn(n)
		if at, clash := ids[col]; clash {
			r.errorf(f.keyPos, "rank: node %q gets the results.csv column %q, which is the id used at line %d; rename one of them", n.ID, col, at.Line)
		}
	}
}
