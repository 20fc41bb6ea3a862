package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/store/postgres"
)

// Appeals (SPEC §9, issue 15): in the appeal window the admin sets for a
// period, a subject account files an appeal against one of its own
// metric values, aggregated ratings (an item's combined score, never a
// rater's rating) or adjustments in the period's published batch, with a
// reason and an optional attachment (PDF, PNG or JPEG by content, at most
// maxAttachment bytes, stored in the database). The admin's review queue
// shows each appeal with the explanation of the disputed number; the
// decision — accept, with or without a corrected value, or reject, each
// with a reason — is recorded once. An accepted corrected value is a new
// metric version, stored by a submission named appeal/<id>, even in a
// locked period (the one way a locked period's data change). A
// recomputation is a new batch run of the period linked to the appeal;
// once published, its diff lists the changed inputs, the changed scores,
// ranks and grades, and the appeal whose correction each input holds. The
// subject reads the decision and the outcome. Every write is audited.

// maxAttachment is the largest appeal attachment, in bytes.
const maxAttachment = 2 << 20

// attachmentTypes are the attachment types taken, as content sniffing
// (http.DetectContentType) names them.
var attachmentTypes = []string{"application/pdf", "image/png", "image/jpeg"}

// appellantOnly is the access of the routes only a subject account calls
// (the appellant).
var appellantOnly = access{roles: []string{"subject"}}

// appealRoutes are the routes of appeals and the gaming checks.
func (s *Server) appealRoutes() []route {
	return []route{
		{"GET", "/api/v1/periods/{period}/appeal-window", anyAccount, false, "the period's appeal window", s.apiGetWindow},
		{"PUT", "/api/v1/periods/{period}/appeal-window", adminOnly, false, "set the period's appeal window", s.apiPutWindow},
		{"GET", "/api/v1/periods/{period}/gaming", adminOnly, false, "gaming checks on the period's data (a report)", s.apiGaming},
		{"GET", "/api/v1/appeals", adminSubject, false, "appeals (a subject's own)", s.apiAppeals},
		{"POST", "/api/v1/appeals", appellantOnly, true, "file an appeal", s.apiFileAppeal},
		{"GET", "/api/v1/appeals/{id}", adminSubject, false, "an appeal, its explanation, decision and outcome", s.apiAppeal},
		{"GET", "/api/v1/appeals/{id}/attachment", adminSubject, false, "an appeal's attachment", s.apiAppealAttachment},
		{"POST", "/api/v1/appeals/{id}/decision", adminOnly, false, "decide an appeal", s.apiDecide},
		{"POST", "/api/v1/appeals/{id}/recompute", adminOnly, false, "recompute the period after an appeal", s.apiRecompute},

		{"GET", "/appeals", adminSubject, false, "", s.pageAppeals},
		{"POST", "/appeals", appellantOnly, true, "", s.pageFileAppeal},
		{"GET", "/appeals/{id}", adminSubject, false, "", s.pageAppeal},
		{"POST", "/appeals/{id}/decision", adminOnly, false, "", s.pageDecide},
		{"POST", "/appeals/{id}/recompute", adminOnly, false, "", s.pageRecompute},
		{"POST", "/admin/appeal-window", adminOnly, false, "", s.pageWindow},
		{"GET", "/admin/gaming", adminOnly, false, "", s.pageGaming},
	}
}

// apiGetWindow is GET /api/v1/periods/{period}/appeal-window.
func (s *Server) apiGetWindow(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	s.writeWindow(w, r, per.String())
}

// writeWindow answers the appeal window of period.
func (s *Server) writeWindow(w http.ResponseWriter, r *http.Request, period string) {
	win, err := s.db.AppealWindowOf(r.Context(), period)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, windowJSON(win, s.cfg.Now()))
}

func windowJSON(w *postgres.AppealWindow, now time.Time) map[string]any {
	return map[string]any{"period": w.Period, "opens_at": w.OpensAt, "closes_at": w.ClosesAt, "open": w.Open(now), "set_by": w.SetBy, "set_at": w.SetAt}
}

// apiPutWindow is PUT /api/v1/periods/{period}/appeal-window {opens_at,
// closes_at} (RFC 3339; stored in UTC; the window is [opens_at,
// closes_at)).
func (s *Server) apiPutWindow(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	var in struct {
		OpensAt  time.Time `json:"opens_at"`
		ClosesAt time.Time `json:"closes_at"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	if status, msg := s.setWindow(r, per.String(), in.OpensAt, in.ClosesAt); status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	s.writeWindow(w, r, per.String())
}

// setWindow checks and stores an appeal window as the caller.
func (s *Server) setWindow(r *http.Request, period string, opens, closes time.Time) (int, string) {
	if opens.IsZero() || closes.IsZero() || !closes.After(opens) {
		return http.StatusBadRequest, "give opens_at and closes_at (RFC 3339, e.g. 2025-03-01T00:00:00+08:00), closes_at after opens_at"
	}
	err := s.db.SetAppealWindow(r.Context(), period, opens, closes, accountOf(r).Name)
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		return http.StatusNotFound, fmt.Sprintf("period %s is unknown: open it first", period)
	case err != nil:
		s.log.Error("setting an appeal window", "err", err)
		return http.StatusInternalServerError, "internal error"
	}
	return 0, ""
}

// appealTarget is what an appeal contests: exactly one of a metric, an
// assessment item (its combined rating) or an adjustment.
type appealTarget struct {
	Metric     string `json:"metric,omitempty"`
	Item       string `json:"item,omitempty"`
	Adjustment string `json:"adjustment,omitempty"`
}

// kind returns the target's kind and name, or an error when it is not
// exactly one thing.
func (t appealTarget) kind() (string, string, error) {
	var kinds []string
	var kind, name string
	for _, k := range [][2]string{{"metric", t.Metric}, {"rating", t.Item}, {"adjustment", t.Adjustment}} {
		if k[1] != "" {
			kinds = append(kinds, k[0])
			kind, name = k[0], k[1]
		}
	}
	if len(kinds) != 1 {
		return "", "", errors.New("target: give exactly one of metric, item or adjustment")
	}
	return kind, name, nil
}

// appealIn is an appeal as filed through the API or the form.
type appealIn struct {
	Period     string       `json:"period"`
	Target     appealTarget `json:"target"`
	Reason     string       `json:"reason"`
	Attachment *struct {
		Name string `json:"name"`
		Data string `json:"data"` // base64
	} `json:"attachment,omitempty"`
	attName string
	attData []byte
}

// apiFileAppeal is POST /api/v1/appeals (subject) {period, target:
// {metric|item|adjustment}, reason, attachment?: {name, data (base64)}} →
// 201 the appeal.
func (s *Server) apiFileAppeal(w http.ResponseWriter, r *http.Request) {
	var in appealIn
	if !s.readJSON(w, r, &in) {
		return
	}
	if in.Attachment != nil {
		data, err := base64.StdEncoding.DecodeString(in.Attachment.Data)
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, "bad_request", "attachment.data: not base64: "+err.Error())
			return
		}
		in.attName, in.attData = in.Attachment.Name, data
		if in.attName == "" {
			in.attName = "attachment"
		}
	}
	id, status, msg := s.fileAppeal(r, in)
	if status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	a, err := s.db.AppealByID(r.Context(), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/appeals/%d", id))
	writeJSON(w, http.StatusCreated, a)
}

// fileAppeal checks an appeal of the calling subject account and stores
// it; it returns the id, or a status and a message.
func (s *Server) fileAppeal(r *http.Request, in appealIn) (int64, int, string) {
	ctx := r.Context()
	acct := accountOf(r)
	if _, err := parsePeriodExact(in.Period); err != nil {
		return 0, http.StatusBadRequest, err.Error()
	}
	kind, target, err := in.Target.kind()
	if err != nil {
		return 0, http.StatusBadRequest, err.Error()
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || utf8.RuneCountInString(in.Reason) > 4000 {
		return 0, http.StatusBadRequest, "reason: say why the number is wrong (1 to 4000 characters)"
	}
	var ctype string
	if in.attData != nil {
		if len(in.attData) > maxAttachment {
			return 0, http.StatusRequestEntityTooLarge, fmt.Sprintf("the attachment has %d bytes; the limit is %d", len(in.attData), maxAttachment)
		}
		ctype = sniffAttachment(in.attData)
		if ctype == "" {
			return 0, http.StatusUnsupportedMediaType, fmt.Sprintf("the attachment is %s by its content: attach a PDF, PNG or JPEG file",
				http.DetectContentType(in.attData))
		}
	}
	pub, err := s.published(ctx, in.Period)
	if errors.Is(err, postgres.ErrNotFound) {
		return 0, http.StatusConflict, fmt.Sprintf("nothing of period %s is published: an appeal contests a published result", in.Period)
	} else if err != nil {
		return 0, http.StatusInternalServerError, "internal error"
	}
	set, err := s.batchSet(ctx, pub.Current.ID)
	if err != nil {
		return 0, http.StatusInternalServerError, "internal error"
	}
	d, status, msg := s.disputedValue(ctx, set, pub.Current.ID, in.Period, acct.Subject, kind, target)
	if status != 0 {
		return 0, status, msg
	}
	id, err := s.db.FileAppeal(ctx, postgres.NewAppeal{AccountID: acct.ID, Actor: acct.Name, Period: in.Period, Subject: acct.Subject,
		Kind: kind, Target: target, Reason: in.Reason, Disputed: d, Batch: pub.Current.ID,
		AttachmentName: cleanName(in.attName), AttachmentType: ctype, Attachment: in.attData, Now: s.cfg.Now()})
	switch {
	case errors.Is(err, postgres.ErrWindowClosed):
		return 0, http.StatusConflict, err.Error()
	case err != nil:
		s.log.Error("filing an appeal", "err", err)
		return 0, http.StatusInternalServerError, "internal error"
	}
	return id, 0, ""
}

// sniffAttachment returns the type of an attachment by its content, or ""
// when it is not one of attachmentTypes.
func sniffAttachment(data []byte) string {
	ct := http.DetectContentType(data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if slices.Contains(attachmentTypes, ct) {
		return ct
	}
	return ""
}

// cleanName keeps the base name of an uploaded file, without control
// characters, at most 200 runes.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if rs := []rune(name); len(rs) > 200 {
		name = string(rs[:200])
	}
	return name
}

// batchSet returns the parsed indicator set of a stored batch.
func (s *Server) batchSet(ctx context.Context, batch int64) (*indicators.Set, error) {
	yaml, err := s.db.SetYAML(ctx, batch)
	if err != nil {
		return nil, err
	}
	return parseStoredSet(yaml)
}

// disputedValue checks that the target exists for subject under set and
// returns its value now: the metric's current value, the item's combined
// score, or the adjustment's points in the batch.
func (s *Server) disputedValue(ctx context.Context, set *indicators.Set, batch int64, period, subject, kind, target string) (*float64, int, string) {
	switch kind {
	case "metric":
		if !collectedMetric(set, target) {
			return nil, http.StatusUnprocessableEntity, fmt.Sprintf("metric %q is not a collected metric of the indicator set", target)
		}
		v, err := s.currentValue(ctx, period, subject, target)
		if err != nil {
			return nil, http.StatusInternalServerError, "internal error"
		}
		return v, 0, ""
	case "rating":
		if setItem(set, target) == nil {
			return nil, http.StatusUnprocessableEntity, fmt.Sprintf("item %q is not an assessment item of the indicator set", target)
		}
		rx, err := s.ratingExplanation(ctx, set, period, subject, target, false)
		if err != nil {
			return nil, http.StatusInternalServerError, "internal error"
		}
		return rx.Combined, 0, ""
	default:
		adj, ok := findAdjustment(set, target)
		if !ok {
			return nil, http.StatusUnprocessableEntity, fmt.Sprintf("adjustment %q is not in the indicator set", target)
		}
		ax, err := s.adjustmentResult(ctx, batch, subject, adj.ID)
		if errors.Is(err, postgres.ErrNotFound) {
			return nil, http.StatusUnprocessableEntity, fmt.Sprintf("adjustment %q does not apply to subject %s", target, subject)
		}
		if err != nil {
			return nil, http.StatusInternalServerError, "internal error"
		}
		return numPtr(ax.Points), 0, ""
	}
}

// collectedMetric reports whether name is a metric subjects are measured
// on: one of collectedMetrics.
func collectedMetric(set *indicators.Set, name string) bool {
	return slices.Contains(collectedMetrics(set), name)
}

func setItem(set *indicators.Set, id string) *indicators.AssessmentItem {
	for _, it := range set.Assessments {
		if it.ID == id {
			return it
		}
	}
	return nil
}

func findAdjustment(set *indicators.Set, id string) (*indicators.Adjustment, bool) {
	for _, a := range set.Adjustments {
		if a.ID == id {
			return a, true
		}
	}
	return nil, false
}

// currentValue is the current version's value of a cell (nil: missing or
// never submitted).
func (s *Server) currentValue(ctx context.Context, period, subject, metric string) (*float64, error) {
	h, err := s.db.History(ctx, period, subject, metric)
	if err != nil || len(h) == 0 || !h[0].Value.Valid {
		return nil, err
	}
	v := h[0].Value.Float64
	return &v, nil
}

// canSee reports whether the caller may read appeal a: the admin, or the
// subject account of a's subject.
func canSee(acct *postgres.Account, a *postgres.Appeal) bool {
	return acct.Role == "admin" || (acct.Role == "subject" && acct.Subject == a.Subject)
}

// apiAppeals is GET /api/v1/appeals?period=P&status=filed|accepted|rejected:
// every appeal for the admin (the review queue), its own for a subject.
func (s *Server) apiAppeals(w http.ResponseWriter, r *http.Request) {
	acct := accountOf(r)
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && status != "filed" && status != "accepted" && status != "rejected" {
		s.fail(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("status %q: want filed, accepted or rejected", status))
		return
	}
	subject := ""
	if acct.Role == "subject" {
		subject = acct.Subject
	}
	as, err := s.db.Appeals(r.Context(), subject, q.Get("period"), status)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if as == nil {
		as = []*postgres.Appeal{}
	}
	writeJSON(w, http.StatusOK, as)
}

// loadAppeal reads the {id} appeal the caller may see; otherwise it
// answers (400, 403 or 404) and returns nil.
func (s *Server) loadAppeal(w http.ResponseWriter, r *http.Request) *postgres.Appeal {
	id, ok := s.pathID(w, r)
	if !ok {
		return nil
	}
	a, err := s.db.AppealByID(r.Context(), id)
	if err != nil {
		s.failErr(w, r, err)
		return nil
	}
	if acct := accountOf(r); !canSee(acct, a) {
		s.fail(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("the subject account %q reads only the appeals of subject %q", acct.Name, acct.Subject))
		return nil
	}
	return a
}

// appealView is an appeal with the explanation of its disputed number and
// its outcome: GET /api/v1/appeals/{id} and the appeal page.
type appealView struct {
	*postgres.Appeal
	Explanation *disputeExplanation `json:"explanation"`
	Outcome     []outcomeJSON       `json:"outcome"`
	Status      string              `json:"status"`
}

// view builds the view of appeal a.
func (s *Server) view(ctx context.Context, a *postgres.Appeal, admin bool) (*appealView, error) {
	v := &appealView{Appeal: a, Status: "filed"}
	if a.Decision != nil {
		v.Status = map[bool]string{true: "accepted", false: "rejected"}[a.Decision.Accepted]
	}
	ex, err := s.explainDispute(ctx, a, admin)
	if err != nil {
		return nil, err
	}
	v.Explanation = ex
	all, err := s.outcome(ctx, a)
	if err != nil {
		return nil, err
	}
	v.Outcome = []outcomeJSON{}
	for _, o := range all {
		if admin || o.Published {
			v.Outcome = append(v.Outcome, o)
		}
	}
	return v, nil
}

// apiAppeal is GET /api/v1/appeals/{id}.
func (s *Server) apiAppeal(w http.ResponseWriter, r *http.Request) {
	a := s.loadAppeal(w, r)
	if a == nil {
		return
	}
	v, err := s.view(r.Context(), a, accountOf(r).Role == "admin")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// apiAppealAttachment is GET /api/v1/appeals/{id}/attachment: the file,
// as a download of its sniffed type (never rendered inline).
func (s *Server) apiAppealAttachment(w http.ResponseWriter, r *http.Request) {
	a := s.loadAppeal(w, r)
	if a == nil {
		return
	}
	name, ct, data, err := s.db.AppealAttachment(r.Context(), a.ID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if name == "" {
		name = "attachment"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// decisionIn is a decision as the API and the form give it.
type decisionIn struct {
	Accept         *bool    `json:"accept"`
	Reason         string   `json:"reason"`
	CorrectedValue *float64 `json:"corrected_value,omitempty"`
	// Metric is the metric the correction is for: the appeal's own for a
	// metric appeal (may be omitted), one the adjustment reads for an
	// adjustment appeal.
	Metric string `json:"metric,omitempty"`
	// WithdrawRaters are, for an accepted rating appeal, the raters whose
	// rating of the item and subject is withdrawn (found invalid).
	WithdrawRaters []string `json:"withdraw_raters,omitempty"`
}

// apiDecide is POST /api/v1/appeals/{id}/decision (admin) {accept,
// reason, corrected_value?, metric?}.
func (s *Server) apiDecide(w http.ResponseWriter, r *http.Request) {
	a := s.loadAppeal(w, r)
	if a == nil {
		return
	}
	var in decisionIn
	if !s.readJSON(w, r, &in) {
		return
	}
	if status, msg := s.decide(r, a, in); status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	a, err := s.db.AppealByID(r.Context(), a.ID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// decide checks and records the decision on appeal a as the caller.
func (s *Server) decide(r *http.Request, a *postgres.Appeal, in decisionIn) (int, string) {
	ctx := r.Context()
	if in.Accept == nil {
		return http.StatusBadRequest, "accept: true or false"
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || utf8.RuneCountInString(in.Reason) > 4000 {
		return http.StatusBadRequest, "reason: give the reason of the decision (1 to 4000 characters)"
	}
	if a.Decision != nil {
		return http.StatusConflict, fmt.Sprintf("appeal %d is already decided (%s by %s)", a.ID, map[bool]string{true: "accepted", false: "rejected"}[a.Decision.Accepted], a.Decision.DecidedBy)
	}
	d := postgres.Decision{Appeal: a.ID, Accepted: *in.Accept, Reason: in.Reason, AccountID: accountOf(r).ID, Actor: accountOf(r).Name}
	if len(in.WithdrawRaters) > 0 {
		switch {
		case a.Kind != "rating":
			return http.StatusBadRequest, "withdraw_raters is only for a rating appeal"
		case !*in.Accept:
			return http.StatusBadRequest, "a rejection withdraws no rating"
		}
		seen := map[string]bool{}
		for _, rt := range in.WithdrawRaters {
			if rt == "" || seen[rt] {
				return http.StatusBadRequest, fmt.Sprintf("withdraw_raters: rater %q is empty or given twice", rt)
			}
			seen[rt] = true
		}
		d.Withdraw, d.Item = in.WithdrawRaters, a.Target
	}
	if in.CorrectedValue != nil {
		if !*in.Accept {
			return http.StatusBadRequest, "a rejection carries no corrected value"
		}
		if math.IsNaN(*in.CorrectedValue) || math.IsInf(*in.CorrectedValue, 0) {
			return http.StatusBadRequest, "corrected_value: a finite number"
		}
		set, err := s.batchSet(ctx, a.Batch)
		if err != nil {
			return http.StatusInternalServerError, "internal error"
		}
		switch a.Kind {
		case "metric":
			if in.Metric != "" && in.Metric != a.Target {
				return http.StatusBadRequest, fmt.Sprintf("appeal %d contests metric %s: the correction is of that metric", a.ID, a.Target)
			}
			in.Metric = a.Target
		case "adjustment":
			adj, _ := findAdjustment(set, a.Target)
			reads := adjustmentMetrics(set, adj)
			if !slices.Contains(reads, in.Metric) {
				return http.StatusBadRequest, fmt.Sprintf("metric: name the input of adjustment %s to correct, one of: %s", a.Target, strings.Join(reads, ", "))
			}
		default:
			return http.StatusUnprocessableEntity, "a rating appeal takes no corrected value: a combined rating is the raters' opinion, not a number of record; " +
				"accept it withdrawing the ratings found invalid (withdraw_raters), or as it is, then recompute"
		}
		if m := metricDecl(set, in.Metric); m != nil && ((m.Min != nil && *in.CorrectedValue < *m.Min) || (m.Max != nil && *in.CorrectedValue > *m.Max)) {
			return http.StatusUnprocessableEntity, fmt.Sprintf("corrected_value %s is outside the declared range of %s", formatNumber(*in.CorrectedValue), in.Metric)
		}
		d.Metric, d.Corrected = in.Metric, in.CorrectedValue
	} else if in.Metric != "" {
		return http.StatusBadRequest, "metric is only for a corrected value"
	}
	err := s.db.DecideAppeal(ctx, d)
	switch {
	case errors.Is(err, postgres.ErrDecided):
		return http.StatusConflict, err.Error()
	case errors.Is(err, postgres.ErrNoRating):
		return http.StatusUnprocessableEntity, err.Error()
	case errors.Is(err, postgres.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case err != nil:
		s.log.Error("deciding an appeal", "err", err)
		return http.StatusInternalServerError, "internal error"
	}
	return 0, ""
}

func metricDecl(set *indicators.Set, name string) *indicators.Metric {
	for _, m := range set.Metrics {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// apiRecompute is POST /api/v1/appeals/{id}/recompute (admin): a new
// batch run of the appeal's period, linked to the appeal → 202 {id}.
func (s *Server) apiRecompute(w http.ResponseWriter, r *http.Request) {
	a := s.loadAppeal(w, r)
	if a == nil {
		return
	}
	id, status, msg := s.recompute(r, a)
	if status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/batches/%d", id))
	writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "appeal": a.ID})
}

// recompute starts the run of an appeal's period after its decision.
func (s *Server) recompute(r *http.Request, a *postgres.Appeal) (int64, int, string) {
	if a.Decision == nil {
		return 0, http.StatusConflict, fmt.Sprintf("appeal %d is not decided yet: decide it first", a.ID)
	}
	if _, err := s.currentSet(r.Context()); err != nil {
		return 0, http.StatusConflict, "no indicator set is in force"
	}
	actor := accountOf(r).Name
	id, err := s.db.RecomputeAppeal(r.Context(), a.ID, actor)
	if err != nil {
		s.log.Error("recomputing", "err", err)
		return 0, http.StatusInternalServerError, "internal error"
	}
	s.runner.start(id, a.Period, actor)
	return id, 0, ""
}
