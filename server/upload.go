package server

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/store/postgres"
	"github.com/govscore/govscore/workbook"
)

// isXLSX reports whether data is a zip archive (an .xlsx workbook).
func isXLSX(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// xlsxSheet is the first sheet of an uploaded workbook rendered as the CSV
// text the metrics parser reads, with the way back from a (line, rune
// column) of that text to the sheet's cell.
type xlsxSheet struct {
	sheet  string
	rows   []int   // CSV line i+1 → sheet row
	starts [][]int // CSV line i+1 → the rune column where each field starts
}

// cell returns the sheet cell of a CSV position: the row and 1-based
// column, and its A1 reference.
func (x *xlsxSheet) cell(line, col int) (row, c int, ref string) {
	if line < 1 || line > len(x.rows) {
		return 0, 0, x.sheet
	}
	row = x.rows[line-1]
	c = 1
	for i, st := range x.starts[line-1] {
		if col >= st {
			c = i + 1
		}
	}
	name, _ := excelize.CoordinatesToCellName(c, row)
	return row, c, x.sheet + "!" + name
}

// remap moves the positions of parse errors from the CSV text to the sheet:
// line is the sheet row, column the sheet column, cell Sheet!C12.
func (x *xlsxSheet) remap(errs []cellError) []cellError {
	for i := range errs {
		if errs[i].Line == 0 {
			continue
		}
		errs[i].Line, errs[i].Column, errs[i].Cell = x.cell(errs[i].Line, errs[i].Column)
	}
	return errs
}

// csvField quotes f for CSV when it needs it.
func csvField(f string) string {
	if strings.ContainsAny(f, ",\"\r\n") || strings.TrimSpace(f) != f {
		return `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
	}
	return f
}

// readXLSX renders the first sheet of an uploaded workbook (the layout
// `govscore template` writes, or any §3 metrics layout) as CSV text. A
// workbook that cannot be read, merged cells over the data and formulas
// without a cached value are problems at their cells.
func readXLSX(name string, data []byte) ([]byte, *xlsxSheet, []cellError) {
	tmp, err := os.CreateTemp("", "govscore-upload-*.xlsx")
	if err != nil {
		return nil, nil, []cellError{{File: name, Message: "the server cannot store the upload: " + err.Error()}}
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, []cellError{{File: name, Message: "the server cannot store the upload: " + err.Error()}}
	}
	fromDiag := func(l diag.List) []cellError {
		var out []cellError
		for _, e := range l {
			ce := cellError{File: name, Line: e.Pos.Line, Column: e.Pos.Col, Message: e.Msg}
			if e.Pos.Sheet != "" {
				ce.Cell = e.Pos.Sheet
				if e.Pos.Line > 0 {
					ref, _ := excelize.CoordinatesToCellName(max(e.Pos.Col, 1), e.Pos.Line)
					ce.Cell += "!" + ref
				}
			}
			out = append(out, ce)
		}
		return out
	}
	asList := func(err error) diag.List {
		var l diag.List
		var e *diag.Error
		switch {
		case errors.As(err, &l):
			return l
		case errors.As(err, &e):
			return diag.List{e}
		}
		return diag.List{{Pos: diag.Pos{File: name}, Msg: err.Error()}}
	}
	b, err := workbook.Open(tmp.Name(), name)
	if err != nil {
		return nil, nil, fromDiag(asList(err))
	}
	defer b.Close()
	sheets := b.Sheets()
	if len(sheets) == 0 {
		return nil, nil, []cellError{{File: name, Message: "the workbook has no sheet"}}
	}
	x := &xlsxSheet{sheet: sheets[0]}
	if l, err := b.Check(x.sheet, 1, 100); err != nil {
		return nil, nil, fromDiag(asList(err))
	} else if len(l) > 0 {
		return nil, nil, fromDiag(l)
	}
	rows, err := b.Rows(x.sheet)
	if err != nil {
		return nil, nil, fromDiag(asList(err))
	}
	defer rows.Close()
	var out bytes.Buffer
	width := 0
	for rows.Next() {
		cells, err := rows.Cells()
		if err != nil {
			return nil, nil, fromDiag(asList(err))
		}
		if strings.TrimSpace(strings.Join(cells, "")) == "" && len(x.rows) > 0 {
			continue // a blank row below the header
		}
		if len(x.rows) == 0 {
			width = len(cells)
		}
		for len(cells) < width {
			cells = append(cells, "") // trailing blank cells
		}
		starts := make([]int, len(cells))
		col := 1
		for i, c := range cells {
			c = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(c)
			if i > 0 {
				out.WriteByte(',')
				col++
			}
			starts[i] = col
			f := csvField(c)
			out.WriteString(f)
			col += utf8.RuneCountInString(f)
		}
		out.WriteByte('\n')
		x.rows = append(x.rows, rows.Row())
		x.starts = append(x.starts, starts)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fromDiag(asList(err))
	}
	return out.Bytes(), x, nil
}

// maxPreviewRows is the most cells a preview lists (changed first, then
// added, then unchanged); the counts cover every cell.
const maxPreviewRows = 2000

// previewRow is one cell of an upload preview.
type previewRow struct {
	Subject, Metric string
	Old, New        string
	Status          string // added, changed or unchanged
}

// preview compares cells with the current values of the period.
func (s *Server) preview(r *http.Request, per dataset.Period, cells []postgres.Cell) ([]previewRow, map[string]int, error) {
	var metrics []string
	for _, c := range cells {
		if !slices.Contains(metrics, c.Metric) {
			metrics = append(metrics, c.Metric)
		}
	}
	cur, err := s.db.CurrentValues(r.Context(), per.String(), metrics)
	if err != nil {
		return nil, nil, err
	}
	have := map[[2]string]postgres.MetricVersion{}
	for _, v := range cur {
		have[[2]string{v.Subject, v.Metric}] = v
	}
	show := func(x float64, valid bool) string {
		if !valid || math.IsNaN(x) {
			return "NA"
		}
		return formatNumber(x)
	}
	counts := map[string]int{}
	out := make([]previewRow, 0, len(cells))
	for _, c := range cells {
		p := previewRow{Subject: c.Subject, Metric: c.Metric, New: show(c.Value, true)}
		old, ok := have[[2]string{c.Subject, c.Metric}]
		switch {
		case !ok:
			p.Status = "added"
		default:
			p.Old = show(old.Value.Float64, old.Value.Valid)
			same := (!old.Value.Valid && math.IsNaN(c.Value)) || (old.Value.Valid && old.Value.Float64 == c.Value)
			if same {
				p.Status = "unchanged"
			} else {
				p.Status = "changed"
			}
		}
		counts[p.Status]++
		out = append(out, p)
	}
	order := map[string]int{"changed": 0, "added": 1, "unchanged": 2}
	slices.SortStableFunc(out, func(a, b previewRow) int {
		if d := order[a.Status] - order[b.Status]; d != 0 {
			return d
		}
		if d := strings.Compare(a.Subject, b.Subject); d != 0 {
			return d
		}
		return strings.Compare(a.Metric, b.Metric)
	})
	return out, counts, nil
}

// pageTemplate is GET /provider/template?period=P: the caller's fill-in
// workbook (SPEC §3.1, `govscore template`): a provider's own metrics, a
// row per subject they apply to.
func (s *Server) pageTemplate(w http.ResponseWriter, r *http.Request) {
	per, err := formPeriod(r.URL.Query().Get("period"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	set, err := s.currentSet(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	subjects, err := s.db.ServerSubjects(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	a := accountOf(r)
	provider := ""
	if a.Role == "provider" {
		provider = a.Provider
	}
	t, err := batch.Template(set, subjects, provider, per.String())
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "not_found", err.Error())
		return
	}
	var b bytes.Buffer
	if err := workbook.WriteTemplate(&b, t); err != nil {
		s.failErr(w, r, err)
		return
	}
	file := "template-" + per.String() + ".xlsx"
	if provider != "" {
		file = "template-" + per.String() + "-" + provider + ".xlsx"
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"template.xlsx\"; filename*=UTF-8''"+urlPathEscape(file))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

// pageUpload is POST /provider/upload: a CSV or XLSX file from the form.
// Its problems are shown at their cells; a good file is shown as a
// preview against the current values and kept as a draft that
// POST /provider/confirm stores.
func (s *Server) pageUpload(w http.ResponseWriter, r *http.Request) {
	per, name, data, status, msg := formUpload(r, tr(langOf(r), "choose_file"))
	if status != 0 {
		s.renderProvider(w, r, status, nil, nil, msg)
		return
	}
	acct := accountOf(r)
	cells, errs, status, msg := s.prepare(r, acct, per, name, data)
	if status != 0 {
		s.renderProvider(w, r, status, nil, errs, msg)
		return
	}
	rows, counts, err := s.preview(r, per, cells)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	id, err := s.db.AddDraft(r.Context(), postgres.UploadDraft{AccountID: acct.ID, Period: per.String(), File: name,
		SHA256: digest(data), Bytes: int64(len(data)), Cells: cells})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	more := 0
	if len(rows) > maxPreviewRows {
		more, rows = len(rows)-maxPreviewRows, rows[:maxPreviewRows]
	}
	s.render(w, r, http.StatusOK, "preview", "preview", map[string]any{"Draft": id, "Period": per.String(), "File": name,
		"Rows": rows, "More": more, "Added": counts["added"], "Changed": counts["changed"], "Unchanged": counts["unchanged"]})
}

// pageConfirm is POST /provider/confirm: stores a previewed draft (the
// caller's own, once) as a new version.
func (s *Server) pageConfirm(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PostFormValue("draft"), 10, 64)
	if err != nil {
		s.renderProvider(w, r, http.StatusBadRequest, nil, nil, "no such upload: upload the file again")
		return
	}
	acct := accountOf(r)
	d, err := s.db.TakeDraft(r.Context(), id, acct.ID)
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		s.renderProvider(w, r, http.StatusNotFound, nil, nil, "no such upload: upload the file again")
		return
	case errors.Is(err, postgres.ErrSubmitted):
		s.renderProvider(w, r, http.StatusConflict, nil, nil, tr(langOf(r), "draft_used"))
		return
	case err != nil:
		s.failErr(w, r, err)
		return
	}
	rep, err := s.db.Submit(r.Context(), postgres.Submission{AccountID: acct.ID, Actor: acct.Name, Period: d.Period, File: d.File,
		SHA256: d.SHA256, Bytes: d.Bytes, Cells: d.Cells}, false)
	switch {
	case errors.Is(err, postgres.ErrLocked):
		s.renderProvider(w, r, http.StatusConflict, nil, nil, fmt.Sprintf(tr(langOf(r), "period_locked"), d.Period))
		return
	case err != nil:
		s.failErr(w, r, err)
		return
	}
	s.renderProvider(w, r, http.StatusOK, rep, nil, "")
}
