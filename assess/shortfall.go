package assess

import (
	"fmt"

	"github.com/govscore/govscore/diag"
)

// RoleWarnings returns, for every item of r (items as given to Combine) and
// every role with weight > 0, a warning when the role is missing (fewer
// than its min_raters ratings) for more than half of the subjects with
// rated[s] set, or for all of them (SPEC §5): the role's weight then does
// not count for those subjects, the mistake an office least expects. The
// warning names the item, the role, the count and the role's min_raters.
// rated is indexed like r.Subjects; a nil rated counts every subject.
func (r *Result) RoleWarnings(items []Item, rated []bool) []diag.Warning {
	var out []diag.Warning
	for k := range r.Items {
		if k >= len(items) {
			break
		}
		it, ir := &items[k], &r.Items[k]
		nR := len(ir.Roles)
		for ri, rw := range ir.Roles {
			if !(rw.Weight > 0) {
				continue
			}
			n, miss := 0, 0
			for s := range r.Subjects {
				if rated != nil && !rated[s] {
					continue
				}
				n++
				if !ir.Stats[s*nR+ri].Present {
					miss++
				}
			}
			if n == 0 || !(2*miss > n) {
				continue
			}
			how := fmt.Sprintf("for %d of the %d rated subjects", miss, n)
			if miss == n {
				how = fmt.Sprintf("for all %d rated subjects", n)
			}
			need := it.MinPresent(ri)
			out = append(out, diag.Warning{Pos: it.Pos, Node: it.ID,
				Msg: fmt.Sprintf("assessment item %q: role %q (weight %v) is missing %s: it has fewer than its min_raters %d %s, so its weight does not count for them; collect more ratings or lower min_raters for the role",
					it.ID, rw.Role, rw.Weight, how, need, plural(need, "rating", "ratings"))})
		}
	}
	return out
}

// plural returns one when n == 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
