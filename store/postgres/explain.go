package postgres

import (
	"encoding/json"
	"strconv"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/scoring"
)

// SubjectExplain is what a stored batch keeps of how a subject's score and
// grade came about beyond its node values (batch_subjects.explain,
// migration 0004; nil for batches stored before it): the root value
// before adjustments, the effect of each adjustment that applies to the
// subject, and the grade reasoning.
type SubjectExplain struct {
	// Root is the aggregate of the top-level nodes, before adjustments
	// (nil when missing).
	Root *float64 `json:"root"`
	// Adjustments are the set's adjustments that apply to the subject's
	// kind, in the set's order.
	Adjustments []AdjustmentEffect `json:"adjustments"`
	// GradeByScore is the grade the score earned before caps and quotas;
	// GradeReason explains the steps from it to the grade.
	GradeByScore string `json:"grade_by_score,omitempty"`
	GradeReason  string `json:"grade_reason,omitempty"`
	// Unrated is the rule that left the subject unrated, "" when rated.
	Unrated string `json:"unrated,omitempty"`
	// NodeRanks are the subject's ranks within its peer group on the
	// nodes with `rank: true` (SPEC §4.10), by node id; a node where it
	// has no rank is absent.
	NodeRanks map[string]int `json:"node_ranks,omitempty"`
}

// AdjustmentEffect is one adjustment's effect on a subject (scoring's
// AdjustmentResult, by adjustment id).
type AdjustmentEffect struct {
	ID     string  `json:"id"`
	Held   bool    `json:"held"`   // its `when` held (true without `when`)
	Points float64 `json:"points"` // points added after clamping
	Capped bool    `json:"capped"` // its cap_grade lowered the grade
}

// rankedNode is a node with `rank: true`: its id and its index in
// Result.NodeRanks.
type rankedNode struct {
	id string
	k  int
}

// appendExplain appends the explain column of subject si (result r) as
// JSON: ids are the set's adjustment ids, ranked the ranked nodes.
func appendExplain(b []byte, ids []string, ranked []rankedNode, nodeRanks [][]int32, si int, r *scoring.SubjectResult) []byte {
	b = append(b, `{"root":`...)
	b = diag.AppendJSONFloat(b, r.RootValue)
	b = append(b, `,"adjustments":[`...)
	first := true
	for i, a := range r.Adjustments {
		if !a.Applies || i >= len(ids) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"id":`...)
		b = diag.AppendJSONString(b, ids[i])
		b = append(b, `,"held":`...)
		b = strconv.AppendBool(b, a.Held)
		b = append(b, `,"points":`...)
		b = diag.AppendJSONFloat(b, a.Points)
		b = append(b, `,"capped":`...)
		b = strconv.AppendBool(b, a.Capped)
		b = append(b, '}')
	}
	b = append(b, ']')
	for _, f := range [...]struct{ k, v string }{{"grade_by_score", r.GradeByScore}, {"grade_reason", r.GradeReason}, {"unrated", string(r.Unrated)}} {
		if f.v == "" {
			continue
		}
		b = append(b, ',', '"')
		b = append(b, f.k...)
		b = append(b, '"', ':')
		b = diag.AppendJSONString(b, f.v)
	}
	first = true
	for _, n := range ranked {
		rk := nodeRanks[n.k][si]
		if rk <= 0 {
			continue
		}
		if first {
			b = append(b, `,"node_ranks":{`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = diag.AppendJSONString(b, n.id)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(rk), 10)
	}
	if !first {
		b = append(b, '}')
	}
	return append(b, '}')
}

// parseExplain decodes a stored explain column; nil when there is none.
func parseExplain(raw []byte) (*SubjectExplain, error) {
	if raw == nil {
		return nil, nil
	}
	var e SubjectExplain
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	return &e, nil
}
