package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/store/postgres"
)

// explanation is how one subject's result in a stored batch was built, for
// the public audience: every node's value, weight and, for leaves, the raw
// value and status. It holds nothing about raters.
type explanation struct {
	Period    string        `json:"period"`
	Batch     int64         `json:"batch"`
	Subject   string        `json:"subject"`
	Name      string        `json:"name"`
	Kind      string        `json:"kind"`
	PeerGroup string        `json:"peer_group"`
	Rated     bool          `json:"rated"`
	Rank      int           `json:"rank,omitempty"`
	Score     *float64      `json:"score"`
	Grade     string        `json:"grade,omitempty"`
	Coverage  *float64      `json:"coverage"`
	Vetoed    bool          `json:"vetoed"`
	Nodes     []explainNode `json:"nodes"`
	// Root is the value of the tree before adjustments; Adjustments the
	// bonuses, deductions and vetoes that apply to the subject (SPEC
	// §4.8); GradeByScore the grade the score earned and GradeReason the
	// steps from it to Grade (caps, quotas; SPEC §4.9); Unrated the rule
	// that left the subject unrated. Absent for batches stored before
	// schema version 4.
	Root         *float64            `json:"root,omitempty"`
	Adjustments  []explainAdjustment `json:"adjustments,omitempty"`
	GradeByScore string              `json:"grade_by_score,omitempty"`
	GradeReason  string              `json:"grade_reason,omitempty"`
	Unrated      string              `json:"unrated,omitempty"`
}

// explainAdjustment is one adjustment's effect on a subject: Kind is
// "veto" for a cap_grade adjustment (一票否决), else "bonus" or
// "deduction" by the sign of the points it gave ("adjustment" for none).
type explainAdjustment struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Kind     string  `json:"kind"`
	Held     bool    `json:"held"`
	Points   float64 `json:"points"`
	CapGrade string  `json:"cap_grade,omitempty"`
	Capped   bool    `json:"capped"`
}

// explainNode is one node of the tree in an explanation. For a leaf,
// Value is the normalised value, Raw the expression value, Weight its
// effective weight in the score and Status its cell status; for a
// composite, Value is the node's value and Weight its nominal weight.
type explainNode struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Depth  int      `json:"depth"`
	Leaf   bool     `json:"leaf"`
	Expr   string   `json:"expr,omitempty"`
	Value  *float64 `json:"value"`
	Raw    *float64 `json:"raw,omitempty"`
	Weight *float64 `json:"weight"`
	Status string   `json:"status,omitempty"`
	// Rank is the subject's rank on the node within its peer group, for
	// a node with `rank: true` (SPEC §4.10); 0 when none.
	Rank int `json:"rank,omitempty"`
}

// explain builds the explanation of subject in batch b.
func (s *Server) explain(ctx context.Context, b postgres.BatchInfo, subject string) (*explanation, error) {
	res, err := s.db.SubjectResultOf(ctx, b.ID, subject)
	if err != nil {
		return nil, err
	}
	yaml, err := s.db.SetYAML(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	set, err := parseStoredSet(yaml)
	if err != nil {
		return nil, err
	}
	layout, err := s.db.Layout(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	leafAt := map[string]int{}
	for i, id := range layout.Leaves {
		leafAt[id] = i
	}
	e := &explanation{Period: b.Period, Batch: b.ID, Subject: res.Subject, Name: res.Name, Kind: res.Kind, PeerGroup: res.PeerGroup,
		Rated: res.Rated, Rank: res.Rank, Score: numPtr(res.Score), Grade: res.Grade, Coverage: numPtr(res.Coverage), Vetoed: res.Vetoed}
	for _, n := range set.Nodes {
		en := explainNode{ID: n.ID, Name: n.Name, Depth: n.Depth, Leaf: n.IsLeaf()}
		if n.IsLeaf() {
			i, ok := leafAt[n.ID]
			if !ok || i >= len(res.Status) || res.Status[i] == "" {
				continue // the leaf does not apply to the subject
			}
			en.Expr = exprText(n)
			en.Value, en.Raw, en.Weight, en.Status = numPtr(res.Value[i]), numPtr(res.Raw[i]), numPtr(res.Weight[i]), res.Status[i]
		} else {
			en.Value = res.Nodes[n.ID]
			w := n.Weight
			en.Weight = &w
		}
		if res.Explain != nil {
			en.Rank = res.Explain.NodeRanks[n.ID]
		}
		e.Nodes = append(e.Nodes, en)
	}
	if x := res.Explain; x != nil {
		e.Root, e.GradeByScore, e.GradeReason, e.Unrated = x.Root, x.GradeByScore, x.GradeReason, x.Unrated
		for _, a := range x.Adjustments {
			ea := explainAdjustment{ID: a.ID, Name: a.ID, Held: a.Held, Points: a.Points, Capped: a.Capped}
			for _, sa := range set.Adjustments {
				if sa.ID == a.ID {
					ea.Name, ea.CapGrade = sa.Name, sa.CapGrade
				}
			}
			switch {
			case ea.CapGrade != "":
				ea.Kind = "veto"
			case a.Points > 0:
				ea.Kind = "bonus"
			case a.Points < 0:
				ea.Kind = "deduction"
			default:
				ea.Kind = "adjustment"
			}
			e.Adjustments = append(e.Adjustments, ea)
		}
	}
	return e, nil
}

// exprText is a leaf's expression as written.
func exprText(n *indicators.Node) string {
	if n.Expr == nil {
		return ""
	}
	return n.Expr.Text
}

// apiExplanation is GET /api/v1/published/{period}/subjects/{subject}: a
// subject's explanation in the batch that stands (public audience).
func (s *Server) apiExplanation(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	pub, err := s.published(r.Context(), per.String())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	e, err := s.explain(r.Context(), pub.Current, r.PathValue("subject"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// apiSubjectExplanation is GET /api/v1/subjects/{subject}/explanation
// ?period=P: a subject's explanation in the published batch of P (the
// latest published period when P is omitted). A subject account reads its
// own only.
func (s *Server) apiSubjectExplanation(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	subj := r.PathValue("subject")
	if a.Role == "subject" && a.Subject != subj {
		s.fail(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("the subject account %q reads only subject %q", a.Name, a.Subject))
		return
	}
	period := r.URL.Query().Get("period")
	if period == "" {
		ps, err := s.db.PublishedPeriods(r.Context())
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		if len(ps) == 0 {
			s.fail(w, r, http.StatusNotFound, "not_found", "nothing is published yet")
			return
		}
		period = ps[0]
	} else if _, err := parsePeriodExact(period); err != nil {
		s.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	pub, err := s.published(r.Context(), period)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	e, err := s.explain(r.Context(), pub.Current, subj)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}
