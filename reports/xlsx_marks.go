package reports

// What results.xlsx adds to the node values beside the plain numbers (SPEC
// §4.7, §4.10): the rank of every `rank: true` node in a column right after
// its value, and the composite values filled by their missing policy in the
// imputed cell style (italic on light yellow; the rules sheet's legend says
// so). Values and ranks stay numbers.

// rankingNodes returns the node columns of group g's ranking sheet: the
// dimensions that apply in the group, then the other `rank: true` nodes
// on which a subject of the group has a rank, each list in tree order.
func (x *xlsxWriter) rankingNodes(g *ViewGroup) []int {
	v := x.v
	nodes := v.GroupDimensions(g)
	isDim := make(map[int]bool, len(nodes))
	for _, ni := range nodes {
		isDim[ni] = true
	}
	for _, ni := range v.RankedNodes() {
		if isDim[ni] {
			continue
		}
		for _, k := range g.Members {
			if v.NodeRank(k, ni) > 0 {
				nodes = append(nodes, ni)
				break
			}
		}
	}
	return nodes
}

// nodeColumns appends the columns of nodes to cols: one number column per
// node, followed by the node's rank column when it has `rank: true`. With
// ids the headers carry the node id and the results.csv column name
// (`<id>_rank`). pos[j] is the index of nodes[j]'s value column in the
// returned columns.
func (x *xlsxWriter) nodeColumns(cols []column, nodes []int, ids bool) (out []column, pos []int) {
	v, L := x.v, x.L
	width := 12.0
	if ids {
		width = 14
	}
	pos = make([]int, len(nodes))
	for j, ni := range nodes {
		n := &v.Nodes[ni]
		head, rankHead := n.Name, L.f("nodeRank", n.Name)
		if ids {
			head += " (" + n.ID + ")"
			rankHead += " (" + n.ID + "_rank)"
		}
		pos[j] = len(cols)
		cols = append(cols, column{head, width, x.num})
		if n.Rank {
			cols = append(cols, column{rankHead, 10, 0})
		}
	}
	return cols, pos
}

// nodeCells appends subject s's (View.Subject(k)) cells for the columns of nodeColumns: the
// node's value (in the imputed style when its missing policy filled it)
// and, for a ranked node, the rank (empty where s has none).
func (x *xlsxWriter) nodeCells(vals []any, k int, s *ViewSubject, nodes []int) []any {
	v := x.v
	for _, ni := range nodes {
		if v.NodeState(k, ni) == NodeStateImputed {
			vals = append(vals, xlsxCell(x.imputed, s.Nodes[ni]))
		} else {
			vals = append(vals, s.Nodes[ni])
		}
		if v.Nodes[ni].Rank {
			var rank any
			if r := v.NodeRank(k, ni); r > 0 {
				rank = r
			}
			vals = append(vals, rank)
		}
	}
	return vals
}
