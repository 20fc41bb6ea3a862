package csvdata

import (
	"strings"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// nameIndex finds subjects by name (`subject_by: name`, SPEC §3.1).
type nameIndex struct {
	idx    map[string][]int // name → subjects (at most two kept)
	names  []string         // distinct names, for suggestions
	ids    []string
	budget int
}

func newNameIndex(subjects []dataset.Subject) *nameIndex {
	n := &nameIndex{idx: make(map[string][]int, len(subjects)), budget: suggestBudget}
	for i := range subjects {
		name := strings.TrimSpace(subjects[i].Name)
		n.ids = append(n.ids, subjects[i].ID)
		switch k := n.idx[name]; len(k) {
		case 0:
			n.names = append(n.names, name)
			n.idx[name] = []int{i}
		case 1:
			n.idx[name] = append(k, i)
		}
	}
	return n
}

// lookup returns the subject called name, or ok false and the error
// message (its format and arguments, for the catalogue): no subject has
// the name (with a did-you-mean over names), or two do.
func (n *nameIndex) lookup(name string) (k int, msg diag.Text, ok bool) {
	switch k := n.idx[name]; len(k) {
	case 1:
		return k[0], diag.Text{}, true
	case 0:
		if name == "" {
			return 0, diag.Textf("empty subject name: give the name of a subject in the subjects file"), false
		}
		return 0, diag.Textf("no subject is named %q%s: the names must be written as in the subjects file", name, diag.DidYouMean(name, n.names, &n.budget)), false
	default:
		return 0, diag.Textf("the name %q is shared by subjects %q and %q: name subjects uniquely in the subjects file, or give ids (subject_by: id)", name, n.ids[k[0]], n.ids[k[1]]), false
	}
}
