package scoring

import (
	"fmt"
	"strings"

	"github.com/govscore/govscore/diag"
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
