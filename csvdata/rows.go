package csvdata

// Rows of any input: a CSV file, a worksheet, a mapped file (SPEC §3.1).

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/workbook"
)

// rowReader reads the records of a file. encoding/csv's Reader is one;
// FieldPos gives the line and (byte, for CSV) column of field j of the
// record last read. A column 0 names the line only (a constant of the
// mapping, not in the file).
type rowReader interface {
	Read() ([]string, error)
	FieldPos(j int) (line, col int)
}

// cellProblem is an error found by a rowReader at a cell of its file,
// reported without stopping the reading.
type cellProblem struct {
	line, col int
	msg       diag.Text
	byteCol   bool // col is a byte column of a CSV line
}

// problemReader is a rowReader that finds problems of its own (a mapped
// header that is not there, an unmapped survey label); the loader drains
// them after every Read.
type problemReader interface {
	drain() []cellProblem
}

// problems collects cellProblems for a rowReader.
type problems struct{ list []cellProblem }

func (p *problems) add(line, col int, format string, args ...any) {
	p.list = append(p.list, cellProblem{line: line, col: col, msg: diag.Textf(format, clipArgs(args)...)})
}

func (p *problems) drain() []cellProblem {
	l := p.list
	p.list = nil
	return l
}

// sheetRows reads a worksheet as records: every row from 1 (empty ones as
// empty records, which are blank rows). From the header row (headerRow)
// on, records have the header's width: trailing empty cells are added, and
// a value right of the last header is a problem at its cell.
type sheetRows struct {
	problems
	rows      *workbook.Rows
	headerRow int
	width     int
	rec       []string
}

// openSheet opens the sheet of source s and checks it (merged cells at or
// below the header row, formulas without values). Invalid input is
// recorded in errs and yields a nil reader.
func openSheet(s *source, errs *diag.List) (*sheetRows, io.Closer, error) {
	fail := func(err error) (*sheetRows, io.Closer, error) {
		if e, ok := err.(*diag.Error); ok {
			errs.Append(e)
			return nil, nil, nil
		}
		return nil, nil, err
	}
	b, err := workbook.Open(s.path, s.name)
	if err != nil {
		return fail(err)
	}
	sheet, err := b.Sheet(s.sheet)
	if err != nil {
		b.Close()
		return fail(err)
	}
	s.sheet = sheet
	if !s.checked {
		s.checked = true
		bad, err := b.Check(sheet, s.headerRow(), diag.MaxCollected)
		if err != nil {
			b.Close()
			return fail(err)
		}
		errs.Append(bad)
	}
	rows, err := b.Rows(sheet)
	if err != nil {
		b.Close()
		return fail(err)
	}
	return &sheetRows{rows: rows, headerRow: s.headerRow()}, closers{rows, b}, nil
}

type closers []io.Closer

func (c closers) Close() error {
	var first error
	for _, x := range c {
		if err := x.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (r *sheetRows) Read() ([]string, error) {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	cells, err := r.rows.Cells()
	if err != nil {
		return nil, err
	}
	row := r.rows.Row()
	r.rec = append(r.rec[:0], cells...)
	switch {
	case row < r.headerRow:
	case row == r.headerRow:
		r.width = len(cells)
	default:
		for j := r.width; j < len(r.rec); j++ {
			if strings.TrimSpace(r.rec[j]) != "" {
				r.add(row, j+1, "value %q in a column without a header: name the column in the header row (row %d) or delete the value", r.rec[j], r.headerRow)
			}
		}
		if len(r.rec) > r.width {
			r.rec = r.rec[:r.width]
		}
		for len(r.rec) < r.width {
			r.rec = append(r.rec, "")
		}
	}
	return r.rec, nil
}

func (r *sheetRows) FieldPos(j int) (int, int) { return r.rows.Row(), j + 1 }

// mappedRows applies a datamap.File to the records of a file: it skips the
// rows above the header, renames the mapped headers to govscore's column
// names (keeping only those, or every column when keep is set or nothing
// is mapped), adds the constant columns, maps cell values and, with
// thousands, strips thousands separators from the value columns.
type mappedRows struct {
	problems
	in     rowReader
	m      *datamap.File
	keep   bool
	consts [][2]string // constant columns: name, value
	// isValue tells the value columns (for thousands).
	isValue func(name string) bool

	inWidth int      // the input header's width
	header  []string // output header
	src     []int    // output column → input column, -1 for a constant
	cval    []string // constant value by output column
	values  []map[string]string
	thous   []bool
	rec     []string
	started bool
	line    int // of the current record
	inLen   int // the current record's number of fields
}

// FieldPos is the position of output column j's cell in the current
// record: its input field's, or the record's line for a constant column
// and for a field the record is too short to have.
func (r *mappedRows) FieldPos(j int) (int, int) {
	if j < len(r.src) && r.src[j] >= 0 && r.src[j] < r.inLen {
		return r.in.FieldPos(r.src[j])
	}
	return r.line, 0
}

func (r *mappedRows) drain() []cellProblem {
	l := r.problems.drain()
	if p, ok := r.in.(problemReader); ok {
		l = append(l, p.drain()...)
	}
	return l
}

// headerCells reads the input up to the header row and returns the header
// (trimmed) with its line, or nil at the end of the input.
func headerCells(in rowReader, p *problems, headerRow int) ([]string, int, error) {
	for {
		rec, err := in.Read()
		if err == io.EOF {
			if headerRow > 1 {
				p.add(1, 0, "no header row: header_row is %d but the file ends before it", headerRow)
			}
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, err
		}
		line, _ := in.FieldPos(0)
		if line < headerRow {
			continue
		}
		h := make([]string, len(rec))
		for j, c := range rec {
			h[j] = strings.TrimSpace(c)
		}
		return h, line, nil
	}
}

// findHeader returns the index of header h in hs, or -1 with a problem
// naming the closest header.
func findHeader(p *problems, hs []string, h string, line int, what string) int {
	for j, x := range hs {
		if x == h {
			return j
		}
	}
	var present []string
	for _, x := range hs {
		if x != "" {
			present = append(present, x)
		}
	}
	budget := 1 << 20
	hint := diag.DidYouMean(h, present, &budget)
	list := make([]string, 0, len(present))
	for i, x := range present {
		if i == 20 {
			list = append(list, "…")
			break
		}
		list = append(list, strconv.Quote(x))
	}
	p.add(line, 0, "%s: no column %q in the header row%s; the headers are %s", what, h, hint, strings.Join(list, ", "))
	return -1
}

func (r *mappedRows) start() error {
	r.started = true
	hs, line, err := headerCells(r.in, &r.problems, r.m.HeaderRow)
	if err != nil {
		return err
	}
	r.line = line
	r.inWidth = len(hs)
	mapped := map[int]string{}
	ok := true
	for _, c := range r.m.Columns {
		j := findHeader(&r.problems, hs, c.Header, line, fmt.Sprintf("column %q (mapped at %s)", c.Name, c.Pos))
		if j < 0 {
			ok = false
			continue
		}
		mapped[j] = c.Name
	}
	if !ok {
		return io.EOF
	}
	add := func(name string, src int, val string) {
		r.header = append(r.header, name)
		r.src = append(r.src, src)
		r.cval = append(r.cval, val)
		r.values = append(r.values, r.m.Values[name])
		r.thous = append(r.thous, r.m.Thousands && r.isValue != nil && r.isValue(name))
	}
	if r.keep || len(r.m.Columns) == 0 {
		for j, h := range hs {
			if n, ok := mapped[j]; ok {
				h = n
			}
			add(h, j, "")
		}
	} else {
		for _, c := range r.m.Columns {
			for j, n := range mapped {
				if n == c.Name {
					add(n, j, "")
				}
			}
		}
	}
	for _, c := range r.consts {
		add(c[0], -1, c[1])
	}
	return nil
}

func (r *mappedRows) Read() ([]string, error) {
	if !r.started {
		if err := r.start(); err != nil {
			return nil, err
		}
		return r.header, nil
	}
	in, err := r.in.Read()
	if err != nil {
		return nil, err
	}
	r.line, _ = r.in.FieldPos(0)
	r.inLen = len(in)
	r.rec = r.rec[:0]
	if isBlankRow(in) {
		for range r.header {
			r.rec = append(r.rec, "")
		}
		return r.rec, nil
	}
	if len(in) != r.inWidth {
		r.add(r.line, 0, "row has %d fields but the header has %d: quote cells that contain commas (\"a,b\") and check for missing or extra commas", len(in), r.inWidth)
	}
	for j := range r.header {
		v := r.cval[j]
		if s := r.src[j]; s >= 0 {
			v = ""
			if s < len(in) {
				v = in[s]
			}
		}
		if m := r.values[j]; m != nil {
			if x, ok := m[strings.TrimSpace(v)]; ok {
				v = x
			}
		}
		if r.thous[j] {
			v = stripThousands(v)
		}
		r.rec = append(r.rec, v)
	}
	return r.rec, nil
}

// stripThousands returns s without its thousands separators ("," or the
// full-width "，") when s reads as a number written with them ("2,465",
// "-1，234.5", "12,345%"), else s.
func stripThousands(s string) string {
	t := strings.TrimSpace(s)
	body := strings.TrimLeft(t, "+-")
	sign := t[:len(t)-len(body)]
	if len(sign) > 1 {
		return s
	}
	suffix := ""
	for _, p := range []string{"%", "％"} {
		if strings.HasSuffix(body, p) {
			body, suffix = strings.TrimSuffix(body, p), p
		}
	}
	intPart, frac, hasFrac := strings.Cut(body, ".")
	if hasFrac && (frac == "" || strings.Trim(frac, "0123456789") != "") {
		return s
	}
	groups := strings.FieldsFunc(intPart, func(r rune) bool { return r == ',' || r == '，' })
	if len(groups) < 2 || strings.Count(intPart, ",")+strings.Count(intPart, "，") != len(groups)-1 {
		return s
	}
	for i, g := range groups {
		if strings.Trim(g, "0123456789") != "" || g == "" || (i == 0 && len(g) > 3) || (i > 0 && len(g) != 3) {
			return s
		}
	}
	out := sign + strings.Join(groups, "")
	if hasFrac {
		out += "." + frac
	}
	return out + suffix
}

// raterPrefix is the prefix of the rater ids of a survey export: the
// file's base name without extension, and a colon.
func raterPrefix(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b)) + ":"
}
