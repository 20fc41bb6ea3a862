package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// cellError is one problem of a submitted file (SPEC §9's 422 body).
type cellError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Cell    string `json:"cell"`
	Message string `json:"message"`
}

// submission is a parsed metrics file: its cells by period, or its
// problems.
type submission struct {
	periods map[dataset.Period][]postgres.Cell
	metrics []string // the metric names it gives, sorted
	errs    []cellError
}

// parseSubmission reads a metrics file in a §3 layout (long or wide CSV)
// against the subject register and the set's kinds and bounds, with the
// same parser as `govscore run` (csvdata), and lists the cells it gives
// by period. With only set (not the zero Period), a row of another period
// is an error.
func parseSubmission(name string, data []byte, subjects *dataset.Dataset, set *indicators.Set, only dataset.Period) *submission {
	sub := &submission{periods: map[dataset.Period][]postgres.Cell{}}
	cells, at := scanCells(csvText(data))
	ds, err := csvdata.Parse(subjectsCSV(subjects), []csvdata.NamedData{{Name: name, Data: data}}, batch.LoadOptions(set))
	if err != nil {
		sub.errs = append(sub.errs, cellErrors(name, err, at)...)
		return sub
	}
	seen := map[string]bool{}
	for _, c := range cells {
		per, err := dataset.ParsePeriod(c.period)
		if err != nil {
			continue // reported by the parser
		}
		if only != (dataset.Period{}) && per != only {
			sub.errs = append(sub.errs, cellError{File: name, Line: c.line, Column: c.col, Cell: c.period,
				Message: fmt.Sprintf("period %q in a submission to period %s: send each period to its own URL", c.period, only)})
			continue
		}
		i, ok := ds.SubjectIndex(c.subject)
		if !ok {
			continue // reported by the parser
		}
		v := math.NaN()
		if col := ds.Column(c.metric, per); col != nil {
			v = col[i]
		}
		sub.periods[per] = append(sub.periods[per], postgres.Cell{Subject: c.subject, Metric: c.metric, Value: v})
		if !seen[c.metric] {
			seen[c.metric] = true
			sub.metrics = append(sub.metrics, c.metric)
		}
	}
	slices.Sort(sub.metrics)
	return sub
}

// givenCell is a cell a metrics file gives, with the position of its
// period cell.
type givenCell struct {
	subject, period, metric string
	line, col               int
}

// scanCells lists the (subject, period, metric) cells of a metrics file in
// the long or wide layout, and the text of every cell by (line, rune
// column) for error messages. It stops at the first CSV syntax error,
// cellErrors are the positioned problems of a parse error of file name
// (a diag.List, a *diag.Error, or any other error, placed at the file),
// each with the text of its cell from at (by line and column).
func cellErrors(name string, err error, at map[[2]int]string) []cellError {
	var l diag.List
	var e *diag.Error
	switch {
	case errors.As(err, &l):
	case errors.As(err, &e):
		l = diag.List{e}
	default:
		l = diag.List{{Pos: diag.Pos{File: name}, Msg: err.Error()}}
	}
	out := make([]cellError, 0, len(l))
	for _, e := range l {
		out = append(out, cellError{File: e.Pos.File, Line: e.Pos.Line, Column: e.Pos.Col,
			Cell: at[[2]int{e.Pos.Line, e.Pos.Col}], Message: e.Msg})
	}
	return out
}

// which csvdata reports.
func scanCells(text []byte) ([]givenCell, map[[2]int]string) {
	at := map[[2]int]string{}
	r := newCSVCells(text)
	header, err := r.Read()
	if err != nil {
		return nil, at
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	sc, okS := idx["subject"]
	pc, okP := idx["period"]
	if !okS || !okP {
		return nil, at
	}
	mc, long := idx["metric"]
	vc, hasV := idx["value"]
	long = long && hasV
	var out []givenCell
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, at
		}
		for i, f := range rec {
			l, c := r.pos(i)
			at[[2]int{l, c}] = f
		}
		if len(rec) <= max(sc, pc) || strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		l, c := r.pos(pc)
		g := givenCell{subject: strings.TrimSpace(rec[sc]), period: strings.TrimSpace(rec[pc]), line: l, col: c}
		if long {
			if len(rec) > max(mc, vc) {
				g.metric = strings.TrimSpace(rec[mc])
				out = append(out, g)
			}
			continue
		}
		for i, h := range header {
			if h := strings.TrimSpace(h); i == sc || i == pc || i >= len(rec) || h == "note" || h == "source" || h == "" {
				continue
			}
			g.metric = strings.TrimSpace(h)
			out = append(out, g)
		}
	}
	return out, at
}

// csvText is an uploaded CSV file as the text csvdata reads: decoded from
// GB18030 when it is not valid UTF-8, without a byte order mark.
func csvText(data []byte) []byte {
	text := data
	if !utf8.Valid(text) {
		if d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data); err == nil {
			text = d
		}
	}
	return bytes.TrimPrefix(text, []byte("\uFEFF"))
}

// csvCells reads the records of a CSV text and gives the position of a
// field of the last one as csvdata's errors do: line and rune column.
type csvCells struct {
	*csv.Reader
	lines [][]byte
}

func newCSVCells(text []byte) *csvCells {
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	return &csvCells{Reader: r, lines: bytes.Split(text, []byte("\n"))}
}

// pos is the line and rune column of field i of the record last read.
func (r *csvCells) pos(i int) (line, col int) {
	line, col = r.FieldPos(i)
	if line-1 < len(r.lines) && col-1 <= len(r.lines[line-1]) {
		col = utf8.RuneCount(r.lines[line-1][:col-1]) + 1
	}
	return line, col
}

// subjectsCSV renders the subject register as the subjects.csv the parser
// checks submitted rows against.
func subjectsCSV(ds *dataset.Dataset) csvdata.NamedData {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(append([]string{"id", "name", "kind", "parent"}, ds.AttrNames...))
	for _, s := range ds.Subjects {
		rec := []string{s.ID, s.Name, s.Kind, s.Parent}
		for _, a := range ds.AttrNames {
			v, _ := s.Attrs.Get(a)
			rec = append(rec, v)
		}
		w.Write(rec)
	}
	w.Flush()
	return csvdata.NamedData{Name: "subjects (register)", Data: b.Bytes()}
}

// providerMetrics returns the collected metrics a provider may submit and
// read: those whose declaration has provider: p.
func providerMetrics(set *indicators.Set, p string) []string {
	var out []string
	for _, m := range set.Metrics {
		if m.Expr == nil && m.Provider == p {
			out = append(out, m.Name)
		}
	}
	slices.Sort(out)
	return out
}

// allowedMetrics is nil (everything) for an admin, and the provider's
// own metrics for a provider.
func allowedMetrics(a *postgres.Account, set *indicators.Set) []string {
	if a.Role == "admin" {
		return nil
	}
	m := providerMetrics(set, a.Provider)
	if m == nil {
		m = []string{}
	}
	return m
}

// pathPeriod reads and checks the {period} of the URL; a malformed one is
// answered with 400.
func (s *Server) pathPeriod(w http.ResponseWriter, r *http.Request) (dataset.Period, bool) {
	raw := r.PathValue("period")
	p, err := dataset.ParsePeriod(raw)
	if err != nil || p.String() != raw {
		s.fail(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("period %q: want YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM", raw))
		return p, false
	}
	return p, true
}

// apiPutMetrics is PUT /api/v1/periods/{period}/metrics: a metrics file
// in a §3 layout → 200 {added, changed, unchanged, version}, or 422
// {errors} with nothing stored; ?dry_run=1 stores nothing.
func (s *Server) apiPutMetrics(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	acct := accountOf(r)
	name, data, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	if isXLSX(data) && !strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		name += ".xlsx"
	}
	rep, errs, status, msg := s.submit(r, acct, per, name, data, r.URL.Query().Get("dry_run") == "1")
	s.answerSubmission(w, r, name, rep, errs, status, msg)
}

// readUpload reads the body of an upload and the file name it is given
// (?file=, its base name; "request.csv" without one). A body too large
// (413) or unreadable (400) is answered, and ok is false.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (name string, data []byte, ok bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the file exceeds %d bytes", mbe.Limit))
			return "", nil, false
		}
		s.fail(w, r, http.StatusBadRequest, "bad_request", "reading the body: "+err.Error())
		return "", nil, false
	}
	name = "request.csv"
	if f := r.URL.Query().Get("file"); f != "" {
		name = path.Base(strings.ReplaceAll(f, "\\", "/"))
	}
	return name, data, true
}

// answerSubmission answers an upload of file name with what a submission
// of it gave: 422 with the file's problems, another status with its
// message, or 200 with the report.
func (s *Server) answerSubmission(w http.ResponseWriter, r *http.Request, name string, rep *postgres.SubmitReport, errs []cellError, status int, msg string) {
	switch {
	case status == http.StatusUnprocessableEntity:
		writeJSON(w, status, map[string]any{"error": "invalid", "message": fmt.Sprintf("%d problem(s) in %s; nothing was stored", len(errs), name), "errors": errs})
	case status != 0:
		s.fail(w, r, status, codeOf(status), msg)
	case rep == nil:
		return
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

// openForSubmission returns the set in force and the subjects when period
// per is open for submissions; otherwise a status with a message (409 with
// no set or a locked period, 404 for a period not opened, 500).
func (s *Server) openForSubmission(ctx context.Context, per dataset.Period) (*indicators.Set, *dataset.Dataset, int, string) {
	set, err := s.currentSet(ctx)
	if err != nil {
		if errors.Is(err, postgres.ErrNotFound) {
			return nil, nil, http.StatusConflict, "no indicator set is in force: the admin sets one first (PUT /api/v1/set)"
		}
		s.log.Error("reading the set", "err", err)
		return nil, nil, http.StatusInternalServerError, "internal error"
	}
	if st, err := s.db.ServerPeriod(ctx, per.String()); err != nil {
		if errors.Is(err, postgres.ErrNotFound) {
			return nil, nil, http.StatusNotFound, fmt.Sprintf("period %s is not open: the admin opens it first", per)
		}
		return nil, nil, http.StatusInternalServerError, "internal error"
	} else if st.Status != "open" {
		return nil, nil, http.StatusConflict, fmt.Sprintf("period %s is locked: no submission is taken", per)
	}
	subjects, err := s.db.ServerSubjects(ctx)
	if err != nil {
		s.log.Error("reading subjects", "err", err)
		return nil, nil, http.StatusInternalServerError, "internal error"
	}
	return set, subjects, 0, ""
}

// prepare parses a submission of acct for period per and checks what it
// may be taken for: a set in force, an open period, every cell well
// formed, only the metrics acct may submit. It returns the cells, or the
// file's problems with 422, or another status with a message.
func (s *Server) prepare(r *http.Request, acct *postgres.Account, per dataset.Period, name string, data []byte) ([]postgres.Cell, []cellError, int, string) {
	ctx := r.Context()
	set, subjects, status, msg := s.openForSubmission(ctx, per)
	if status != 0 {
		return nil, nil, status, msg
	}
	var sheet *xlsxSheet
	if isXLSX(data) {
		var errs []cellError
		if data, sheet, errs = readXLSX(name, data); errs != nil {
			return nil, errs, http.StatusUnprocessableEntity, ""
		}
	}
	sub := parseSubmission(name, data, subjects, set, per)
	if sheet != nil {
		sub.errs = sheet.remap(sub.errs)
	}
	if len(sub.errs) == 0 && len(sub.periods[per]) == 0 {
		return nil, []cellError{{File: name, Line: 1, Column: 1, Message: "the file gives no metric value: want a header subject,period,metric,value (long) or subject,period,<metric>… (wide) and rows"}}, http.StatusUnprocessableEntity, ""
	}
	if len(sub.errs) > 0 {
		return nil, sub.errs, http.StatusUnprocessableEntity, ""
	}
	if allowed := allowedMetrics(acct, set); allowed != nil {
		var not []string
		for _, m := range sub.metrics {
			if !slices.Contains(allowed, m) {
				not = append(not, m)
			}
		}
		if len(not) > 0 {
			return nil, nil, http.StatusForbidden, fmt.Sprintf("provider %q may not submit %s: only the metrics declaring provider: %s (%s)",
				acct.Provider, strings.Join(not, ", "), acct.Provider, strings.Join(allowed, ", "))
		}
	}
	return sub.periods[per], nil, 0, ""
}

// submit parses and stores a submission as acct. It returns the report,
// or the file's problems with 422, or another status with a message; an
// unexpected failure is returned as status 500.
func (s *Server) submit(r *http.Request, acct *postgres.Account, per dataset.Period, name string, data []byte, dry bool) (*postgres.SubmitReport, []cellError, int, string) {
	ctx := r.Context()
	cells, errs, status, msg := s.prepare(r, acct, per, name, data)
	if status != 0 {
		return nil, errs, status, msg
	}
	rep, err := s.db.Submit(ctx, postgres.Submission{AccountID: acct.ID, Actor: acct.Name, Period: per.String(), File: name,
		SHA256: digest(data), Bytes: int64(len(data)), Cells: cells}, dry)
	if status, msg := s.storeStatus(err, "storing a submission"); status != 0 {
		return nil, nil, status, msg
	}
	return rep, nil, 0, ""
}

// storeStatus is the status and message that answer err from storing a
// submission (409 for a locked period, 404, else 500, logged as what), or
// 0 for none.
func (s *Server) storeStatus(err error, what string) (int, string) {
	switch {
	case errors.Is(err, postgres.ErrLocked):
		return http.StatusConflict, err.Error()
	case errors.Is(err, postgres.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case err != nil:
		s.log.Error(what, "err", err)
		return http.StatusInternalServerError, "internal error"
	}
	return 0, ""
}

// apiGetMetrics is GET /api/v1/periods/{period}/metrics: the current
// values the caller may read, as a long-layout CSV.
func (s *Server) apiGetMetrics(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	set, err := s.currentSet(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	vals, err := s.db.CurrentValues(r.Context(), per.String(), allowedMetrics(accountOf(r), set))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"subject", "period", "metric", "value"})
	for _, v := range vals {
		val := "NA"
		if v.Value.Valid {
			val = formatNumber(v.Value.Float64)
		}
		cw.Write([]string{reports.NeutraliseFormula(v.Subject), reports.NeutraliseFormula(v.Period), reports.NeutraliseFormula(v.Metric), val})
	}
	cw.Flush()
}

// apiHistory is GET /api/v1/periods/{period}/history?subject=S&metric=M:
// every version of one cell, newest first (admin).
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	h, err := s.db.History(r.Context(), per.String(), q.Get("subject"), q.Get("metric"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	out := make([]map[string]any, len(h))
	for i, v := range h {
		m := map[string]any{"version": v.ID, "submission": v.Submission, "by": v.By, "file": v.File, "at": v.At, "value": nil}
		if v.Value.Valid {
			m["value"] = v.Value.Float64
		}
		if v.Replaces.Valid {
			m["replaces"] = v.Replaces.Int64
		}
		out[i] = m
	}
	writeJSON(w, http.StatusOK, map[string]any{"period": per.String(), "subject": q.Get("subject"), "metric": q.Get("metric"), "versions": out})
}

// parsePeriodExact parses a period written in its canonical form.
func parsePeriodExact(s string) (string, error) {
	p, err := dataset.ParsePeriod(s)
	if err != nil {
		return "", err
	}
	if p.String() != s {
		return "", fmt.Errorf("period %q: write it as %s", s, p)
	}
	return s, nil
}

// formUpload reads the period and the file of an upload form (the
// file's base name and bytes). A bad period or no file is 400 with the
// period's error or noFile; a file too large is 413 with the error.
func formUpload(r *http.Request, noFile string) (per dataset.Period, name string, data []byte, status int, msg string) {
	per, err := formPeriod(r.PostFormValue("period"))
	if err != nil {
		return per, "", nil, http.StatusBadRequest, err.Error()
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return per, "", nil, http.StatusBadRequest, noFile
	}
	defer f.Close()
	data, err = io.ReadAll(f)
	if err != nil {
		return per, "", nil, http.StatusRequestEntityTooLarge, err.Error()
	}
	name = strings.ReplaceAll(hdr.Filename, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return per, name, data, 0, ""
}

// formPeriod parses a period from a form.
func formPeriod(s string) (dataset.Period, error) {
	if _, err := parsePeriodExact(s); err != nil {
		return dataset.Period{}, err
	}
	return dataset.ParsePeriod(s)
}

// digest is the hex SHA-256 of data.
func digest(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
