package scoring

import (
	"fmt"
	"strings"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/mcda"
)

// MissingError is returned by Score when a node whose missing policy is
// `fail` (SPEC §4.7) has no value for some rated subjects. For a leaf that
// means a missing raw value; for a composite, no value after aggregation.
// Subjects lists the ids of those subjects, sorted.
type MissingError struct {
	Node     string   // id of the indicator (or composite) with `missing: fail`
	Pos      diag.Pos // the node's position in the indicator set
	Subjects []string // ids of the rated subjects without a value, sorted
}

// maxListed is the number of subject ids MissingError.Error prints.
const maxListed = 20

// Error says which indicator failed and for which subjects (at most 20 are
// named; the count is always given).
func (e *MissingError) Error() string {
	ids := e.Subjects
	more := ""
	if len(ids) > maxListed {
		more = fmt.Sprintf(" and %d more", len(ids)-maxListed)
		ids = ids[:maxListed]
	}
	msg := fmt.Sprintf("indicator %q has missing: fail and no value for %d rated subject(s): %s%s",
		e.Node, len(e.Subjects), strings.Join(ids, ", "), more)
	if p := e.Pos.String(); p != "" {
		return p + ": " + msg
	}
	return msg
}

// WeightingError is returned by Score when a composite's statistical
// weighting (entropy, critic, pca, or a combine using one of them; SPEC §6)
// cannot be computed in a peer group: fewer than mcda.MinCases complete
// cases (rated subjects of the group with a value for every child that
// takes part in the group), or values the method cannot use. It is invalid
// input: the evaluator must change the weighting or the data. Err is the
// mcda error (errors.Is(err, mcda.ErrTooFewCases) holds for too few cases).
type WeightingError struct {
	Node   string   // id of the composite ("" for the root)
	Pos    diag.Pos // position of its `weighting:`
	Group  string   // peer group label
	Method string   // weighting method that failed
	Cases  int      // complete cases found
	Err    error
}

// Error names the composite, group and method, and says what to change.
func (e *WeightingError) Error() string {
	node := e.Node
	if node == "" {
		node = "score"
	}
	msg := fmt.Sprintf("composite %q, peer group %q: %s weights cannot be computed from %d complete case(s): %v; statistical weights need at least %d subjects with every child present — use explicit weights or ahp for this composite",
		node, e.Group, e.Method, e.Cases, e.Err, mcda.MinCases)
	if p := e.Pos.String(); p != "" {
		return p + ": " + msg
	}
	return msg
}

// Unwrap returns the mcda error.
func (e *WeightingError) Unwrap() error { return e.Err }
