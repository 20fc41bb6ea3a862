package reports

import (
	"math"

	"github.com/govscore/govscore/scoring"
)

// viewSubjects are a View's subjects, in output order (peer group, rank,
// id). A view of a batch holds a subject's id, name and kind only (three
// words of its record in the data set, so that the records themselves can
// be collected while the outputs are written): View.Subject assembles the
// rest of its outcome when asked from the batch's result row, and
// View.NodeState and View.NodeRank read the batch's result. A view read
// from results.json (or built by hand) holds its subjects, their
// composites' states and their node ranks.
type viewSubjects struct {
	// A view of a batch.
	res   *scoring.Result // the batch's result; nil when the view holds its subjects
	order []int           // view position → the batch's subject index (res.Order)
	names []subjectName   // by view position

	// A view that holds its subjects.
	list   []ViewSubject
	states []NodeState // states[k*len(View.Nodes)+i]: View.NodeState; nil = none
	ranks  []int       // ranks[k*len(View.Nodes)+i]: View.NodeRank; nil = none

	// prev[k] is subject k's outcome in the previous batch (nil when it
	// was not in it), once SetPrevious attached one; nil before.
	prev []*ViewPrevious
}

// subjectName is what a view of a batch holds of a subject's record.
type subjectName struct{ ID, Name, Kind string }

// NumSubjects returns the number of subjects of the view.
func (v *View) NumSubjects() int {
	if s := &v.subjects; s.res != nil {
		return len(s.order)
	}
	return len(v.subjects.list)
}

// Subject returns the outcome of the subject at position k of the view
// (output order: peer group, rank, id; ViewGroup.Members index these
// positions). A view of a batch assembles it when asked, copying a few
// words: its Nodes and Adjustments are the batch's own rows, read-only.
func (v *View) Subject(k int) ViewSubject {
	vs := &v.subjects
	var s ViewSubject
	if vs.res == nil {
		s = vs.list[k]
	} else {
		si := vs.order[k]
		r, d := &vs.res.Subjects[si], &vs.names[k]
		nn := len(v.Nodes)
		s = ViewSubject{
			Group: r.Group, ID: d.ID, Name: d.Name, Kind: d.Kind,
			Rated: r.Rated, UnratedReason: string(r.Unrated), Rank: r.Rank, Score: r.Score, Root: r.RootValue,
			Coverage: r.Coverage, Grade: r.Grade, Vetoed: r.Vetoed,
			// A leaf's value in the batch's row is its normalised value
			// (LeafCells.At).
			Nodes:        r.Nodes[:nn:nn],
			GradeByScore: r.GradeByScore, GradeReason: r.GradeReason,
		}
		if na := len(r.Adjustments); na > 0 {
			s.Adjustments = r.Adjustments[:na:na]
		}
		if !r.Rated {
			s.Score = math.NaN()
		}
	}
	if vs.prev != nil {
		s.Prev = vs.prev[k]
	}
	return s
}

// subjectID returns the id of the subject at position k (Subject(k).ID,
// at less cost).
func (v *View) subjectID(k int) string {
	if vs := &v.subjects; vs.res != nil {
		return vs.names[k].ID
	}
	return v.subjects.list[k].ID
}

// subjectNodes returns whether the subject at position k is rated and its
// node values (Subject(k).Rated and Nodes, at less cost).
func (v *View) subjectNodes(k int) (rated bool, nodes []float64) {
	if vs := &v.subjects; vs.res != nil {
		r := &vs.res.Subjects[vs.order[k]]
		return r.Rated, r.Nodes
	}
	s := &v.subjects.list[k]
	return s.Rated, s.Nodes
}

// NodeState returns the state of the value of composite View.Nodes[i] for
// the subject at position k: NodeStateOK, NodeStateImputed or
// NodeStateMissing; NodeStateNone for a leaf, for a node that does not
// apply to the subject and for an unrated subject.
func (v *View) NodeState(k, i int) NodeState {
	vs := &v.subjects
	if vs.res == nil {
		if vs.states == nil {
			return NodeStateNone
		}
		return vs.states[k*len(v.Nodes)+i]
	}
	if v.Nodes[i].IsLeaf() {
		return NodeStateNone
	}
	return nodeStateOf(vs.res, vs.order[k], i)
}

// NodeRank returns the rank of the subject at position k on View.Nodes[i]
// within its peer group when that node has `rank: true` (SPEC §4.10); 0
// for another node, for an unrated subject and for one without a value.
func (v *View) NodeRank(k, i int) int {
	vs := &v.subjects
	if vs.res == nil {
		if vs.ranks == nil {
			return 0
		}
		return vs.ranks[k*len(v.Nodes)+i]
	}
	if nr := vs.res.NodeRanks; nr != nil && nr[i] != nil {
		return int(nr[i][vs.order[k]])
	}
	return 0
}

// nodeStateOf is the state of node k's value for subject si of res
// (NodeStatus).
func nodeStateOf(res *scoring.Result, si, k int) NodeState {
	r := &res.Subjects[si]
	switch {
	case !r.Rated || !res.Applies(k, si):
		return NodeStateNone
	case math.IsNaN(r.Nodes[k]):
		return NodeStateMissing
	case r.NodeImputed[k]:
		return NodeStateImputed
	}
	return NodeStateOK
}
