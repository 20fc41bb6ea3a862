package server

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// adminAssessor: the admin and the assessors (third parties).
var adminAssessor = access{roles: []string{"admin", "assessor"}}

// assessorRole is the role an assessor account rates in (SPEC §9).
const assessorRole = "third_party"

// recordRoutes are the routes of the data of record beyond metric values:
// ratings as versions, their history, and the verification of published
// batches.
func (s *Server) recordRoutes() []route {
	return []route{
		{"GET", "/api/v1/periods/{period}/ratings", adminAssessor, false, "current ratings (an assessor's own items)", s.apiGetRatings},
		{"PUT", "/api/v1/periods/{period}/ratings", adminAssessor, true, "submit ratings", s.apiPutRatings},
		{"GET", "/api/v1/periods/{period}/ratings/history", adminOnly, false, "every version of the ratings of one item and subject", s.apiRatingHistory},
		{"GET", "/admin/ratings", adminOnly, false, "", s.pageRatings},
		{"GET", "/admin/ratings/history", adminOnly, false, "", s.pageRatingHistory},
	}
}

// recordMessages are the page labels of recordRoutes' pages.
var recordMessages = map[string][2]string{
	"ratings":        {"测评数据", "Ratings"},
	"rating_history": {"测评版本", "Rating history"},
	"item":           {"测评项目", "Item"},
	"rater":          {"评价人", "Rater"},
	"role":           {"角色", "Role"},
	"rating_score":   {"评分", "Score"},
	"withdrawn":      {"已撤回", "withdrawn"},
	"show":           {"查看", "Show"},
	"inputs_sha":     {"输入摘要", "Inputs SHA-256"},
	"rating_changes": {"变化的测评", "Ratings that changed"},
	"adjustments":    {"加减分与一票否决", "Bonuses, deductions and vetoes"},
	"adjustment":     {"项目", "Adjustment"},
	"adj_kind":       {"类别", "Kind"},
	"adj_held":       {"条件成立", "Condition held"},
	"adj_points":     {"分值", "Points"},
	"adj_effect":     {"对等次的影响", "Effect on the grade"},
	"adj_bonus":      {"加分", "bonus"},
	"adj_deduction":  {"扣分", "deduction"},
	"adj_veto":       {"一票否决", "veto"},
	"adj_adjustment": {"加减分", "adjustment"},
	"root_value":     {"指标得分（加减分前）", "Indicator score (before adjustments)"},
	"cap_grade":      {"等次最高为", "grade at most"},
	"capped":         {"已降等", "grade lowered"},
	"grade_reason":   {"等次依据", "Why this grade"},
	"unrated_reason": {"未评级原因", "Why unrated"},
	"yes":            {"是", "yes"},
	"no":             {"否", "no"},
}

func init() {
	addMessages("record", recordMessages)
}

// ratingSubmission is a parsed assessments file: its ratings of the
// period, or its problems.
type ratingSubmission struct {
	ratings []assess.Rating
	errs    []cellError
}

// parseRatings reads an assessments file (SPEC §3, §5) against the set's
// items and the subject register, with the parser of `govscore run`; every
// row must be of period per.
func parseRatings(name string, data []byte, subjects *dataset.Dataset, set *indicators.Set, per dataset.Period) *ratingSubmission {
	sub := &ratingSubmission{}
	ids := make([]string, len(subjects.Subjects))
	for i, s := range subjects.Subjects {
		ids[i] = s.ID
	}
	a, err := csvdata.ParseAssessments(name, data, batch.AssessItems(set), ids)
	if err != nil {
		at := cellTexts(data)
		sub.errs = append(sub.errs, cellErrors(name, err, at)...)
		return sub
	}
	for _, row := range a.Rows {
		if row.Period != per {
			sub.errs = append(sub.errs, cellError{File: row.Pos.File, Line: row.Pos.Line, Column: row.Pos.Col,
				Message: fmt.Sprintf("period %s in a submission to period %s: send each period to its own URL", row.Period, per)})
			continue
		}
		sub.ratings = append(sub.ratings, row.Rating)
	}
	return sub
}

// cellTexts returns the text of every cell of a CSV file by (line, rune
// column), for error messages.
func cellTexts(data []byte) map[[2]int]string {
	r := newCSVCells(csvText(data))
	at := map[[2]int]string{}
	for {
		rec, err := r.Read()
		if err != nil {
			return at
		}
		for i, f := range rec {
			l, c := r.pos(i)
			at[[2]int{l, c}] = f
		}
	}
}

// isAdmin reports whether the caller is logged in as the admin.
func isAdmin(r *http.Request) bool {
	a := accountOf(r)
	return a != nil && a.Role == "admin"
}

// assessorItems is nil (every item, any role) for an admin and the
// account's own items for an assessor.
func assessorItems(a *postgres.Account) []string {
	if a.Role == "admin" {
		return nil
	}
	if a.Items == nil {
		return []string{}
	}
	return a.Items
}

// apiPutRatings is PUT /api/v1/periods/{period}/ratings: an assessments
// file (SPEC §3, §5) → 200 {added, changed, unchanged, version}, or 422
// {errors} with nothing stored; ?dry_run=1 stores nothing. An assessor
// submits ratings of its own items, in the role third_party.
func (s *Server) apiPutRatings(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	name, data, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	rep, errs, status, msg := s.submitRatings(r, accountOf(r), per, name, data, r.URL.Query().Get("dry_run") == "1")
	s.answerSubmission(w, r, name, rep, errs, status, msg)
}

// submitRatings parses and stores a ratings submission as acct: the report,
// or the file's problems with 422, or another status with a message.
func (s *Server) submitRatings(r *http.Request, acct *postgres.Account, per dataset.Period, name string, data []byte, dry bool) (*postgres.SubmitReport, []cellError, int, string) {
	ctx := r.Context()
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, nil, http.StatusUnsupportedMediaType, "XLSX submissions are not taken by this server yet: save the sheet as CSV (UTF-8) in the assessments layout"
	}
	set, subjects, status, msg := s.openForSubmission(ctx, per)
	if status != 0 {
		return nil, nil, status, msg
	}
	sub := parseRatings(name, data, subjects, set, per)
	if len(sub.errs) > 0 {
		return nil, sub.errs, http.StatusUnprocessableEntity, ""
	}
	if len(sub.ratings) == 0 {
		return nil, []cellError{{File: name, Line: 1, Column: 1, Message: "the file gives no rating: want a header period,item,subject,rater,role,score and rows"}}, http.StatusUnprocessableEntity, ""
	}
	if items := assessorItems(acct); items != nil {
		for _, rt := range sub.ratings {
			if !slices.Contains(items, rt.Item) {
				return nil, nil, http.StatusForbidden, fmt.Sprintf("assessor %q may not rate item %q: only its items (%s)", acct.Name, rt.Item, strings.Join(items, ", "))
			}
			if rt.Role != assessorRole {
				return nil, nil, http.StatusForbidden, fmt.Sprintf("assessor %q rates in the role %s, not %q", acct.Name, assessorRole, rt.Role)
			}
		}
	}
	rep, err := s.db.SubmitRatings(ctx, postgres.RatingSubmission{AccountID: acct.ID, Actor: acct.Name, Period: per.String(),
		File: name, SHA256: digest(data), Bytes: int64(len(data)), Ratings: sub.ratings, OwnOnly: acct.Role != "admin"}, dry)
	if errors.Is(err, postgres.ErrNotOwner) {
		return nil, nil, http.StatusForbidden, err.Error() + ": an assessor changes only the ratings it gave"
	}
	if status, msg := s.storeStatus(err, "storing ratings"); status != 0 {
		return nil, nil, status, msg
	}
	return rep, nil, 0, ""
}

// apiGetRatings is GET /api/v1/periods/{period}/ratings: the current
// ratings the caller may read (an assessor: of its items), as an
// assessments CSV.
func (s *Server) apiGetRatings(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	rs, err := s.db.CurrentRatings(r.Context(), per.String())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	items := assessorItems(accountOf(r))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"period", "item", "subject", "rater", "role", "score"})
	for _, v := range rs {
		if items != nil && !slices.Contains(items, v.Item) {
			continue
		}
		cw.Write([]string{reports.NeutraliseFormula(v.Period), reports.NeutraliseFormula(v.Item), reports.NeutraliseFormula(v.Subject),
			reports.NeutraliseFormula(v.Rater), reports.NeutraliseFormula(v.Role), formatNumber(v.Score.Float64)})
	}
	cw.Flush()
}

// ratingHistoryJSON is a rating version as the API shows it.
func ratingHistoryJSON(v postgres.RatingVersion) map[string]any {
	m := map[string]any{"version": v.ID, "rater": v.Rater, "role": v.Role, "score": nil, "submission": v.Submission,
		"by": v.By, "file": v.File, "at": v.At}
	if v.Score.Valid {
		m["score"] = v.Score.Float64
	}
	if v.Replaces.Valid {
		m["replaces"] = v.Replaces.Int64
	}
	return m
}

// apiRatingHistory is GET /api/v1/periods/{period}/ratings/history?item=I&subject=S[&rater=R]
// (admin): every version of those ratings, by rater, newest first.
func (s *Server) apiRatingHistory(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if q.Get("item") == "" || q.Get("subject") == "" {
		s.fail(w, r, http.StatusBadRequest, "bad_request", "give ?item=…&subject=… (and optionally &rater=…)")
		return
	}
	h, err := s.db.RatingHistory(r.Context(), per.String(), q.Get("item"), q.Get("subject"), q.Get("rater"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	out := make([]map[string]any, len(h))
	for i, v := range h {
		out[i] = ratingHistoryJSON(v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"period": per.String(), "item": q.Get("item"), "subject": q.Get("subject"), "versions": out})
}

// pageRatings is GET /admin/ratings?period=P: the current ratings of a
// period, each linking to its history.
func (s *Server) pageRatings(w http.ResponseWriter, r *http.Request) {
	ps, err := s.db.ServerPeriods(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	period := r.URL.Query().Get("period")
	if period == "" && len(ps) > 0 {
		period = ps[len(ps)-1].Period
	}
	var rs []postgres.RatingVersion
	if period != "" {
		if _, err := parsePeriodExact(period); err != nil {
			s.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
			return
		}
		if rs, err = s.db.CurrentRatings(r.Context(), period); err != nil {
			s.failErr(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "ratings", "ratings", map[string]any{"Periods": ps, "Period": period, "Ratings": rs})
}

// pageRatingHistory is GET /admin/ratings/history?period&item&subject[&rater].
func (s *Server) pageRatingHistory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h, err := s.db.RatingHistory(r.Context(), q.Get("period"), q.Get("item"), q.Get("subject"), q.Get("rater"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "rating_history", "rating_history", map[string]any{
		"Period": q.Get("period"), "Item": q.Get("item"), "Subject": q.Get("subject"), "Versions": h})
}
