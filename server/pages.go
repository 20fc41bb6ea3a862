package server

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govscore/govscore/store/postgres"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/site.css
var siteCSS []byte

// pageFuncs are the template functions of the pages.
var pageFuncs = template.FuncMap{
	"num": func(x float64) string {
		if math.IsNaN(x) {
			return "–"
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	},
	"nump": func(x *float64) string {
		if x == nil || math.IsNaN(*x) {
			return "–"
		}
		return strconv.FormatFloat(*x, 'f', 2, 64)
	},
	"pct": func(x *float64) string {
		if x == nil {
			return "–"
		}
		return strconv.FormatFloat(*x*100, 'f', 0, 64) + "%"
	},
	"pct1": func(x float64) string { return strconv.FormatFloat(x*100, 'f', 0, 64) + "%" },
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v != nil {
				return v.UTC().Format("2006-01-02 15:04 UTC")
			}
		}
		return ""
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
}

// pages are the parsed page templates by name.
var pages = func() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range names {
		n := strings.TrimSuffix(path.Base(f), ".html")
		if n == "layout" {
			continue
		}
		out[n] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return out
}()

// page is what every page template gets.
type page struct {
	Lang    string
	Title   string
	Path    string
	Account *postgres.Account
	CSRF    string
	Data    any
}

// T translates a label.
func (p *page) T(key string) string { return tr(p.Lang, key) }

// newPage is the page of a request: its language, account, form token
// and data, titled by the label titleKey.
func (s *Server) newPage(r *http.Request, titleKey string, data any) *page {
	p := &page{Lang: langOf(r), Path: r.URL.RequestURI(), Account: accountOf(r), Data: data}
	p.Title = tr(p.Lang, titleKey)
	if sess := sessionOf(r); sess != nil && sess.Kind == "cookie" {
		p.CSRF = sess.CSRF
	}
	return p
}

// writePage sends a rendered page with status.
func (s *Server) writePage(w http.ResponseWriter, p *page, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if p.Account != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// render writes a page with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, data any) {
	p := s.newPage(r, titleKey, data)
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("rendering a page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.writePage(w, p, status, b.Bytes())
}

// errorPage renders an error as a page.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", "error", msg)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// pageCSS is GET /static/site.css.
func (s *Server) pageCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(siteCSS)
}

// pageHome is GET /: the published periods.
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	pubs, err := s.publications(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", "published", pubs)
}

// rankingMark stands in the rendered period page where the ranking
// tables go; pagePeriod writes them there as it reads the rows.
const rankingMark = "\x00ranking\x00"

// pageBuffers are reused page buffers: the 10,000-subject ranking is ~2 MB.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// rankingWriter writes the ranking tables of a period page row by row:
// a table per peer group (its head from the template "ranking_table"),
// each row appended as HTML without a template action per cell and
// without allocating per row — the page of 10,000 subjects is read and
// written on every request.
type rankingWriter struct {
	b      *bytes.Buffer
	p      *page
	dims   []string // dimension names (table head)
	ranked []string // ranked node names (table head)
	period string   // path-escaped
	group  string
	open   bool
	num    []byte
}

// row appends one subject's line (rank, name linking its explanation,
// score, grade and dimension values), opening a new table when the peer
// group changes. Every text is HTML-escaped and the subject id
// path-escaped.
func (rw *rankingWriter) row(sr *postgres.RankingRow) error {
	b := rw.b
	if !rw.open || sr.PeerGroup != rw.group {
		rw.close()
		rw.group, rw.open = sr.PeerGroup, true
		if err := pages["period"].ExecuteTemplate(b, "ranking_table", map[string]any{"P": rw.p, "Label": sr.PeerGroup, "Dims": rw.dims, "Ranked": rw.ranked}); err != nil {
			return err
		}
	}
	b.WriteString("<tr><td>")
	if sr.Rated {
		b.Write(strconv.AppendInt(rw.num[:0], int64(sr.Rank), 10))
	} else {
		b.WriteString("–")
	}
	b.WriteString(`</td><th scope="row"><a href="/p/`)
	b.WriteString(rw.period)
	b.WriteString("/s/")
	writeEscaped(b, url.PathEscape(sr.Subject))
	b.WriteString(`">`)
	writeEscaped(b, sr.Name)
	b.WriteString("</a></th><td>")
	if sr.Rated {
		b.Write(strconv.AppendFloat(rw.num[:0], sr.Score, 'f', 2, 64))
	} else {
		writeEscaped(b, tr(rw.p.Lang, "unrated"))
	}
	b.WriteString("</td><td>")
	writeEscaped(b, sr.Grade)
	if sr.Vetoed {
		b.WriteString(" (")
		writeEscaped(b, tr(rw.p.Lang, "vetoed"))
		b.WriteString(")")
	}
	b.WriteString("</td>")
	for _, v := range sr.Nodes {
		b.WriteString("<td>")
		if !math.IsNaN(v) {
			b.Write(strconv.AppendFloat(rw.num[:0], v, 'f', 2, 64))
		} else {
			b.WriteString("–")
		}
		b.WriteString("</td>")
	}
	for _, rk := range sr.NodeRanks {
		b.WriteString("<td>")
		if rk > 0 {
			b.Write(strconv.AppendInt(rw.num[:0], int64(rk), 10))
		} else {
			b.WriteString("–")
		}
		b.WriteString("</td>")
	}
	b.WriteString("</tr>\n")
	return nil
}

// close ends the open table, if any.
func (rw *rankingWriter) close() {
	if rw.open {
		rw.b.WriteString("</tbody>\n</table>\n")
		rw.open = false
	}
}

// writeEscaped writes s HTML-escaped (as html.EscapeString) without
// allocating when nothing needs escaping.
func writeEscaped(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// pagePeriod is GET /p/{period}: the ranking of every peer group in the
// batch that stands, with its dimension values and grades. The page is
// rendered into a pooled buffer — the template around a mark, the rows
// straight from the database cursor at the mark — and sent once the
// cursor is closed, so a slow client never holds a database connection.
func (s *Server) pagePeriod(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	pub, err := s.published(ctx, per.String())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	yaml, err := s.db.SetYAML(ctx, pub.Current.ID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	set, err := parseStoredSet(yaml)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var dims, dimNames, ranked, rankedNames []string
	for _, n := range set.Nodes {
		if n.Depth == 1 && !n.IsLeaf() {
			dims = append(dims, n.ID)
			dimNames = append(dimNames, n.Name)
		}
		if n.Rank {
			ranked = append(ranked, n.ID)
			rankedNames = append(rankedNames, n.Name)
		}
	}
	files, err := s.db.OutputNames(ctx, pub.Current.ID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "ranking", map[string]any{"Pub": pub, "Dims": dimNames, "Files": files, "Tables": template.HTML(rankingMark)})
	b := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if b.Cap() <= 16<<20 {
			b.Reset()
			pageBuffers.Put(b)
		}
	}()
	b.Reset()
	if err := pages["period"].ExecuteTemplate(b, "layout", p); err != nil {
		s.failErr(w, r, fmt.Errorf("rendering the period page: %w", err))
		return
	}
	at := bytes.Index(b.Bytes(), []byte(rankingMark))
	if at < 0 {
		s.failErr(w, r, errors.New("rendering the period page: no ranking mark"))
		return
	}
	tail := append([]byte(nil), b.Bytes()[at+len(rankingMark):]...)
	b.Truncate(at)
	rw := &rankingWriter{b: b, p: p, dims: dimNames, ranked: rankedNames, period: url.PathEscape(per.String()), num: make([]byte, 0, 32)}
	if err := s.db.RankingRows(ctx, pub.Current.ID, dims, ranked, rw.row); err != nil {
		s.failErr(w, r, err)
		return
	}
	rw.close()
	b.Write(tail)
	s.writePage(w, p, http.StatusOK, b.Bytes())
}

// pageSubject is GET /p/{period}/s/{subject}: a subject's explanation in
// the batch that stands (public audience).
func (s *Server) pageSubject(w http.ResponseWriter, r *http.Request) {
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
	s.render(w, r, http.StatusOK, "subject", "explanation", e)
}

// pageDiff is GET /p/{period}/diff.
func (s *Server) pageDiff(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	d, err := s.diff(r.Context(), per.String(), isAdmin(r))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "diff", "diff", d)
}

// downloadTypes are the stored outputs the public may download, with
// their content types.
var downloadTypes = map[string]string{
	"results.csv":    "text/csv; charset=utf-8",
	"indicators.csv": "text/csv; charset=utf-8",
	"results.json":   "application/json; charset=utf-8",
	"report.html":    "text/html; charset=utf-8",
	"results.xlsx":   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// pageFile is GET /p/{period}/files/{name}: a stored output of the batch
// that stands, as an attachment (results.json for the public audience).
func (s *Server) pageFile(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	ct, ok := downloadTypes[name]
	if !ok {
		s.fail(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("no download %q", name))
		return
	}
	pub, err := s.published(r.Context(), per.String())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := s.db.WriteOutput(r.Context(), pub.Current.ID, name, &b); err != nil {
		s.failErr(w, r, err)
		return
	}
	body := b.Bytes()
	if name == "results.json" {
		if body, err = publicResultsJSON(body); err != nil {
			s.failErr(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fmt.Sprintf("%s-%d-%s", per, pub.Current.ID, name)))
	if name == "report.html" {
		// The report carries its own inline style; as a download it is
		// not rendered here.
		w.Header().Set("Content-Security-Policy", "sandbox")
	}
	io.Copy(w, bytes.NewReader(body))
}

// methodNode is one line of the methodology page.
type methodNode struct {
	Name, Expr, Direction, Normalize string
	Depth                            int
	Weight                           float64
}

// pageMethodology is GET /methodology: the indicator set in force.
func (s *Server) pageMethodology(w http.ResponseWriter, r *http.Request) {
	set, err := s.currentSet(r.Context())
	if errors.Is(err, postgres.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "not_found", "no indicator set is in force yet")
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var nodes []methodNode
	for _, n := range set.Nodes {
		m := methodNode{Name: n.Name, Depth: n.Depth, Weight: n.Weight}
		if n.IsLeaf() {
			m.Expr = exprText(n)
			m.Direction = n.Direction.String()
			m.Normalize = string(n.Normalize.Method)
		}
		nodes = append(nodes, m)
	}
	s.render(w, r, http.StatusOK, "methodology", "methodology", map[string]any{"Name": set.Name, "Version": set.Version, "Nodes": nodes})
}

// pageLogin is GET /login.
func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", "login", map[string]string{"Next": localPath(r.URL.Query().Get("next"))})
}

// pageLoginPost is POST /login: a new session (never the one the browser
// brought: no session fixation), then back to next or the role's home.
func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	name, pw, next := r.PostFormValue("name"), r.PostFormValue("password"), localPath(r.PostFormValue("next"))
	if err := s.endSession(r); err != nil {
		s.failErr(w, r, err)
		return
	}
	tok, sess, err := s.login(r, name, pw, "cookie")
	if err != nil {
		status := http.StatusInternalServerError
		var th *errThrottled
		switch {
		case errors.As(err, &th):
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", fmt.Sprint(int(th.wait.Seconds())+1))
		case errors.Is(err, errBadLogin):
			status = http.StatusUnauthorized
		default:
			s.failErr(w, r, err)
			return
		}
		s.setSessionCookie(w, r, "", time.Time{})
		s.render(w, r, status, "login", "login", map[string]string{"Next": next, "Message": err.Error()})
		return
	}
	s.setSessionCookie(w, r, tok, sess.ExpiresAt)
	if next == "/" {
		switch sess.Account.Role {
		case "admin":
			next = "/admin"
		case "provider":
			next = "/provider"
		case "subject":
			next = "/me"
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// pageLogout is POST /logout.
func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(r); err != nil {
		s.failErr(w, r, err)
		return
	}
	s.setSessionCookie(w, r, "", time.Time{})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// pageAdmin is GET /admin: periods, batches, history search.
func (s *Server) pageAdmin(w http.ResponseWriter, r *http.Request) {
	s.renderAdmin(w, r, http.StatusOK, r.URL.Query().Get("msg"))
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ps, err := s.db.ServerPeriods(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	runs, err := s.db.Runs(r.Context(), 50)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, status, "admin", "admin", map[string]any{"Periods": ps, "Runs": runs, "Message": msg})
}

// adminDone redirects back to the dashboard after a form (POST, redirect,
// GET), or shows the dashboard with the problem.
func (s *Server) adminDone(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status != 0 {
		s.renderAdmin(w, r, status, msg)
		return
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// pageAdminPeriod is POST /admin/periods: open or lock a period.
func (s *Server) pageAdminPeriod(w http.ResponseWriter, r *http.Request) {
	period, status := strings.TrimSpace(r.PostFormValue("period")), r.PostFormValue("status")
	if p, err := parsePeriodExact(period); err != nil || (status != "open" && status != "locked") {
		s.adminDone(w, r, http.StatusBadRequest, fmt.Sprintf("period %q / status %q: want YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM and open or locked", period, status))
		return
	} else {
		period = p
	}
	if err := s.db.SetPeriodStatus(r.Context(), period, status, accountOf(r).Name); err != nil {
		s.failErr(w, r, err)
		return
	}
	s.adminDone(w, r, 0, "")
}

// pageAdminRun is POST /admin/runs: start a batch run.
func (s *Server) pageAdminRun(w http.ResponseWriter, r *http.Request) {
	_, status, msg := s.startBatch(r, r.PostFormValue("period"))
	s.adminDone(w, r, status, msg)
}

// pageAdminRunAction is POST /admin/runs/{id}/{action}: cancel, approve
// or publish.
func (s *Server) pageAdminRunAction(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	var status int
	var msg string
	switch r.PathValue("action") {
	case "cancel":
		status, msg = s.cancelRun(r, id)
	case "approve":
		status, msg = s.transition(r, id, postgres.Approved)
	case "publish":
		status, msg = s.transition(r, id, postgres.Published)
	default:
		s.fail(w, r, http.StatusNotFound, "not_found", "no such action")
		return
	}
	s.adminDone(w, r, status, msg)
}

// pageHistory is GET /admin/history?period&subject&metric.
func (s *Server) pageHistory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h, err := s.db.History(r.Context(), q.Get("period"), q.Get("subject"), q.Get("metric"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "history", "history", h)
}

// pageAudit is GET /admin/audit?before=ID.
func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	log, err := s.db.AuditLog(r.Context(), before, 100)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var next int64
	if len(log) == 100 {
		next = log[len(log)-1].ID
	}
	s.render(w, r, http.StatusOK, "audit", "audit", map[string]any{"Entries": log, "Next": next})
}

// pageProvider is GET /provider: the provider's metrics and the upload
// form.
func (s *Server) pageProvider(w http.ResponseWriter, r *http.Request) {
	s.renderProvider(w, r, http.StatusOK, nil, nil, "")
}

func (s *Server) renderProvider(w http.ResponseWriter, r *http.Request, status int, rep *postgres.SubmitReport, errs []cellError, msg string) {
	ps, err := s.db.ServerPeriods(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var metrics []string
	if set, err := s.currentSet(r.Context()); err == nil {
		metrics = allowedMetrics(accountOf(r), set)
	}
	s.render(w, r, status, "provider", "submit", map[string]any{"Periods": ps, "Metrics": metrics, "Report": rep, "Errors": errs, "Message": msg})
}

// pageProviderPost is POST /provider: a metrics file from the form, as
// PUT /api/v1/periods/{period}/metrics does it.
func (s *Server) pageProviderPost(w http.ResponseWriter, r *http.Request) {
	per, name, data, status, msg := formUpload(r, "choose a CSV file")
	if status != 0 {
		s.renderProvider(w, r, status, nil, nil, msg)
		return
	}
	rep, errs, status, msg := s.submit(r, accountOf(r), per, name, data, r.PostFormValue("dry_run") == "1")
	if status == 0 {
		status = http.StatusOK
	}
	s.renderProvider(w, r, status, rep, errs, msg)
}

// pageMe is GET /me (subject): the subject's explanation in the latest
// published batch.
func (s *Server) pageMe(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	periods, err := s.db.PublishedPeriods(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if len(periods) == 0 {
		s.render(w, r, http.StatusOK, "error", "my_result", tr(langOf(r), "not_published"))
		return
	}
	http.Redirect(w, r, "/p/"+periods[0]+"/s/"+url.PathEscape(a.Subject), http.StatusSeeOther)
}
