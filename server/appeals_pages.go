package server

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/govscore/govscore/gaming"
	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/store/postgres"
)

// The appeal pages' templates and labels join the package's own.
func init() {
	base := template.Must(template.New("").Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html"))
	for _, n := range []string{"appeals", "appeal", "gaming"} {
		pages[n] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html"))
	}
	addMessages("appeals", appealMessages)
}

// appealMessages are the labels of the appeal and gaming pages.
var appealMessages = map[string][2]string{
	"appeals":          {"申诉", "Appeals"},
	"appeal":           {"申诉", "Appeal"},
	"file_appeal":      {"提出申诉", "File an appeal"},
	"appeal_window":    {"申诉期", "Appeal window"},
	"opens_at":         {"开始（UTC）", "Opens (UTC)"},
	"closes_at":        {"截止（UTC，不含）", "Closes (UTC, exclusive)"},
	"set_window":       {"设置申诉期", "Set the window"},
	"target":           {"申诉对象", "Contested number"},
	"reason":           {"理由", "Reason"},
	"attachment":       {"附件（PDF、PNG、JPEG，至多 2 MiB）", "Attachment (PDF, PNG or JPEG, at most 2 MiB)"},
	"filed_at":         {"提出时间", "Filed"},
	"disputed":         {"申诉时的数值", "Value when filed"},
	"current":          {"当前数值", "Current value"},
	"decision":         {"复核决定", "Decision"},
	"decide":           {"作出决定", "Decide"},
	"accept":           {"采纳", "Accept"},
	"reject":           {"驳回", "Reject"},
	"accepted":         {"已采纳", "accepted"},
	"rejected":         {"已驳回", "rejected"},
	"filed":            {"待复核", "awaiting review"},
	"corrected_value":  {"更正后的数值（可选）", "Corrected value (optional)"},
	"corrected_metric": {"更正的指标数据（调整项申诉）", "Metric corrected (adjustment appeals)"},
	"recompute":        {"重新计算", "Recompute"},
	"outcome":          {"结果", "Outcome"},
	"versions":         {"数据版本", "Versions"},
	"ratings_n":        {"评价数", "Ratings"},
	"mean":             {"均值", "Mean"},
	"min_raters":       {"最少评价数", "min_raters"},
	"combined":         {"综合得分", "Combined score"},
	"no_appeals":       {"暂无申诉。", "No appeals."},
	"gaming":           {"数据异常检查", "Gaming checks"},
	"gaming_note":      {"仅供考核办参考，不改变任何得分。", "A report for the office: no score is changed."},
	"check":            {"检查项", "Check"},
	"evidence":         {"依据", "Evidence"},
	"no_flags":         {"未发现异常。", "Nothing flagged."},
	"download":         {"下载", "Download"},
	"withdraw":         {"撤销该评价", "withdraw"},
	"window_open":      {"申诉期内", "open now"},
	"window_closed":    {"当前不在任何期间的申诉期内。", "No period's appeal window is open now."},
}

// appealsPage is the data of the appeals page.
type appealsPage struct {
	Appeals []*postgres.Appeal
	Windows []windowRow
	Targets []string // "kind:name" a subject may contest
	Message string
	Admin   bool
}

// windowRow is a period with its appeal window.
type windowRow struct {
	Period, Opens, Closes string
	Open                  bool
}

// pageAppeals is GET /appeals: the review queue for the admin (with the
// appeal windows), a subject's own appeals and the filing form.
func (s *Server) pageAppeals(w http.ResponseWriter, r *http.Request) {
	s.renderAppeals(w, r, http.StatusOK, r.URL.Query().Get("msg"))
}

func (s *Server) renderAppeals(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ctx := r.Context()
	acct := accountOf(r)
	d := &appealsPage{Message: msg, Admin: acct.Role == "admin"}
	subject := ""
	if !d.Admin {
		subject = acct.Subject
	}
	var err error
	if d.Appeals, err = s.db.Appeals(ctx, subject, "", r.URL.Query().Get("status")); err != nil {
		s.failErr(w, r, err)
		return
	}
	ps, err := s.db.ServerPeriods(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	now := s.cfg.Now()
	for _, p := range ps {
		wr := windowRow{Period: p.Period}
		win, err := s.db.AppealWindowOf(ctx, p.Period)
		switch {
		case err == nil:
			wr.Opens, wr.Closes, wr.Open = win.OpensAt.Format("2006-01-02T15:04"), win.ClosesAt.Format("2006-01-02T15:04"), win.Open(now)
		case !errors.Is(err, postgres.ErrNotFound):
			s.failErr(w, r, err)
			return
		}
		if d.Admin || wr.Open {
			d.Windows = append(d.Windows, wr)
		}
	}
	if !d.Admin {
		if set, err := s.currentSet(ctx); err == nil {
			for _, m := range collectedMetrics(set) {
				d.Targets = append(d.Targets, "metric:"+m)
			}
			for _, it := range set.Assessments {
				d.Targets = append(d.Targets, "rating:"+it.ID)
			}
			for _, a := range set.Adjustments {
				if a.Applies(s.subjectKind(r, acct.Subject)) {
					d.Targets = append(d.Targets, "adjustment:"+a.ID)
				}
			}
		}
	}
	s.render(w, r, status, "appeals", "appeals", d)
}

// subjectKind is the kind of a subject in the register ("" if unknown).
func (s *Server) subjectKind(r *http.Request, id string) string {
	ds, err := s.db.ServerSubjects(r.Context())
	if err != nil {
		return ""
	}
	if i, ok := ds.SubjectIndex(id); ok {
		return ds.Subjects[i].Kind
	}
	return ""
}

// pageFileAppeal is POST /appeals (subject, multipart form): period,
// target (kind:name), reason and an optional file.
func (s *Server) pageFileAppeal(w http.ResponseWriter, r *http.Request) {
	in := appealIn{Period: r.PostFormValue("period"), Reason: r.PostFormValue("reason")}
	kind, name, _ := strings.Cut(r.PostFormValue("target"), ":")
	switch kind {
	case "metric":
		in.Target.Metric = name
	case "rating":
		in.Target.Item = name
	case "adjustment":
		in.Target.Adjustment = name
	}
	if f, hdr, err := r.FormFile("file"); err == nil {
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, maxAttachment+1))
		if err != nil {
			s.renderAppeals(w, r, http.StatusBadRequest, err.Error())
			return
		}
		if len(data) > 0 {
			in.attName, in.attData = hdr.Filename, data
		}
	}
	id, status, msg := s.fileAppeal(r, in)
	if status != 0 {
		s.renderAppeals(w, r, status, msg)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/appeals/%d", id), http.StatusSeeOther)
}

// pageAppeal is GET /appeals/{id}: the appeal, the explanation of the
// disputed number, the decision and the outcome; for the admin the
// decision form and the recomputation.
func (s *Server) pageAppeal(w http.ResponseWriter, r *http.Request) {
	s.renderAppeal(w, r, http.StatusOK, r.URL.Query().Get("msg"))
}

func (s *Server) renderAppeal(w http.ResponseWriter, r *http.Request, status int, msg string) {
	a := s.loadAppeal(w, r)
	if a == nil {
		return
	}
	admin := accountOf(r).Role == "admin"
	v, err := s.view(r.Context(), a, admin)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var reads []string
	if admin && a.Kind == "adjustment" {
		if set, err := s.batchSet(r.Context(), a.Batch); err == nil {
			if adj, ok := findAdjustment(set, a.Target); ok {
				reads = adjustmentMetrics(set, adj)
			}
		}
	}
	s.render(w, r, status, "appeal", "appeal", map[string]any{"V": v, "Admin": admin, "Message": msg, "Reads": reads})
}

// pageDecide is POST /appeals/{id}/decision (admin form).
func (s *Server) pageDecide(w http.ResponseWriter, r *http.Request) {
	a := s.loadAppeal(w, r)
	if a == nil {
		return
	}
	accept := r.PostFormValue("accept") == "1"
	in := decisionIn{Accept: &accept, Reason: r.PostFormValue("reason"), Metric: strings.TrimSpace(r.PostFormValue("metric")),
		WithdrawRaters: r.PostForm["withdraw"]}
	if v := strings.TrimSpace(r.PostFormValue("corrected_value")); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			s.renderAppeal(w, r, http.StatusBadRequest, fmt.Sprintf("corrected value %q: not a number", v))
			return
		}
		in.CorrectedValue = &x
	}
	if status, msg := s.decide(r, a, in); status != 0 {
		s.renderAppeal(w, r, status, msg)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/appeals/%d", a.ID), http.StatusSeeOther)
}

// pageRecompute is POST /appeals/{id}/recompute (admin form).
func (s *Server) pageRecompute(w http.ResponseWriter, r *http.Request) {
	a := s.loadAppeal(w, r)
	if a == nil {
		return
	}
	if _, status, msg := s.recompute(r, a); status != 0 {
		s.renderAppeal(w, r, status, msg)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/appeals/%d", a.ID), http.StatusSeeOther)
}

// pageWindow is POST /admin/appeal-window (admin form): period, opens and
// closes as datetime-local values read in UTC.
func (s *Server) pageWindow(w http.ResponseWriter, r *http.Request) {
	period := strings.TrimSpace(r.PostFormValue("period"))
	opens, err1 := time.Parse("2006-01-02T15:04", r.PostFormValue("opens_at"))
	closes, err2 := time.Parse("2006-01-02T15:04", r.PostFormValue("closes_at"))
	if _, err := parsePeriodExact(period); err != nil || err1 != nil || err2 != nil {
		s.renderAppeals(w, r, http.StatusBadRequest, "give a period and both times as YYYY-MM-DDTHH:MM (UTC)")
		return
	}
	if status, msg := s.setWindow(r, period, opens, closes); status != 0 {
		s.renderAppeals(w, r, status, msg)
		return
	}
	http.Redirect(w, r, "/appeals", http.StatusSeeOther)
}

// translatedFlags is rep with its flags' messages in lang (the report is
// not changed: the API answers with the English text).
func translatedFlags(rep *gaming.Report, lang string) *gaming.Report {
	out := *rep
	out.Flags = make([]gaming.Flag, len(rep.Flags))
	for i, f := range rep.Flags {
		f.Message = i18n.Error(i18n.Lang(lang), f.Text.Format, f.Text.Args, f.Message)
		out.Flags[i] = f
	}
	return &out
}

// pageGaming is GET /admin/gaming?period=P: the gaming report.
func (s *Server) pageGaming(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("period")
	data := map[string]any{"Period": raw, "Checks": gaming.Checks}
	if raw != "" {
		per, err := formPeriod(raw)
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
			return
		}
		rep, status, msg := s.gaming(r, per)
		if status != 0 {
			data["Message"] = msg
			s.render(w, r, status, "gaming", "gaming", data)
			return
		}
		data["Report"] = translatedFlags(rep, langOf(r))
	}
	s.render(w, r, http.StatusOK, "gaming", "gaming", data)
}
