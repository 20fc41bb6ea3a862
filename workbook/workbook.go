// Package workbook reads Excel workbooks (.xlsx) for govscore's data files
// (SPEC §3.1), row by row, with the checks a person needs before the data
// are trusted.
//
// Open refuses, as invalid input (a *diag.Error naming the file), a file
// that is not a workbook: an Excel 97-2003 .xls (or an encrypted workbook,
// which is stored the same way), a CSV or other text file renamed .xlsx, a
// corrupt zip archive, and a workbook whose parts expand to more than
// MaxExpanded bytes — decided from the sizes recorded in the zip central
// directory, before anything is expanded.
//
// Rows streams a sheet with github.com/xuri/excelize/v2: memory stays
// bounded whatever the number of rows (a sheet part larger than 16 MB is
// expanded to a temporary file and decoded as a stream). Cells read as
// what they hold: text as written, numbers as their stored value (not as
// formatted: a number shown as "2,465" reads 2465, a percentage shown as
// "95%" reads 0.95), a formula as its cached result. Dates stored as
// numbers read as Excel's serial number; dates stored as text as the text.
//
// Check scans a sheet for what would make its rows lie: a merged range at
// or below a given row (only its top-left cell holds the value, the others
// read empty) and a formula cell without a cached value (a workbook written
// by a program that did not compute it: its value is unknown). Both are
// errors at the cell.
package workbook

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/govscore/govscore/diag"
)

// MaxExpanded is the largest total expanded size of a workbook's parts (1
// GiB): a larger one is refused before it is expanded.
const MaxExpanded = 1 << 30

// Book is an open workbook. It is not safe for concurrent use.
type Book struct {
	name   string // for positions
	f      *excelize.File
	zr     *zip.ReadCloser
	sheets []string
	parts  map[string]string // sheet name → zip part
}

// Open opens the workbook at file; name is used in positions. Invalid
// input is a *diag.Error; a file that cannot be read is the *fs.PathError.
func Open(file, name string) (*Book, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(fh, head)
	fh.Close()
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	head = head[:n]
	if msg := notZip(head); msg != "" {
		return nil, invalid(name, msg)
	}
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, invalid(name, fmt.Sprintf("corrupt workbook (%v): open it in Excel and save it again as .xlsx", err))
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > MaxExpanded {
		zr.Close()
		return nil, invalid(name, fmt.Sprintf("the workbook expands to %s, more than the %s allowed: split it, or delete unused sheets and images", size(total), size(MaxExpanded)))
	}
	b := &Book{name: name, zr: zr}
	if err := b.readParts(); err != nil {
		zr.Close()
		return nil, err
	}
	fh, err = os.Open(file)
	if err != nil {
		zr.Close()
		return nil, err
	}
	defer fh.Close()
	b.f, err = openExcelize(fh)
	if err != nil {
		zr.Close()
		return nil, invalid(name, fmt.Sprintf("corrupt workbook (%v): open it in Excel and save it again as .xlsx", err))
	}
	b.sheets = b.f.GetSheetList()
	if len(b.sheets) == 0 {
		b.Close()
		return nil, invalid(name, "the workbook has no worksheet")
	}
	return b, nil
}

// openExcelize opens the workbook with excelize, a panic inside it (a
// malformed part it does not expect) turned into an error.
func openExcelize(r io.Reader) (f *excelize.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("%v", p)
		}
	}()
	return excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: MaxExpanded})
}

// notZip returns why head (the first bytes of a file) is not the start of
// a workbook, or "".
func notZip(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return ""
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "not an .xlsx workbook but an Excel 97-2003 (.xls) or a password-protected one: open it in Excel, remove any password and save it as \"Excel Workbook (*.xlsx)\""
	case len(head) == 0:
		return "the file is empty, not a workbook"
	}
	text := head
	if i := bytes.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	if utf8.Valid(bytes.TrimPrefix(text, []byte("\uFEFF"))) && !bytes.ContainsAny(text, "\x00") {
		line := strings.TrimPrefix(string(text), "\uFEFF")
		if len([]rune(line)) > 40 {
			line = string([]rune(line)[:40]) + "…"
		}
		return fmt.Sprintf("not a workbook but a text file (it starts with %q): a CSV file renamed .xlsx? name it .csv, or open it in Excel and save it as .xlsx", line)
	}
	return "not a workbook (an .xlsx file is a zip archive; this one is not): open it in Excel and save it as .xlsx"
}

func invalid(name, msg string) *diag.Error {
	return &diag.Error{Pos: diag.Pos{File: name}, Msg: msg}
}

func size(n uint64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// Close releases the workbook and its temporary files.
func (b *Book) Close() error {
	var err error
	if b.f != nil {
		err = b.f.Close()
	}
	if b.zr != nil {
		err = errors.Join(err, b.zr.Close())
	}
	return err
}

// Name returns the workbook's name as used in positions.
func (b *Book) Name() string { return b.name }

// Sheets returns the names of the worksheets in workbook order.
func (b *Book) Sheets() []string { return b.sheets }

// Sheet returns the worksheet called name, or the first one when name is
// "". A missing sheet is a *diag.Error listing the sheets (with a did you
// mean).
func (b *Book) Sheet(name string) (string, error) {
	if name == "" {
		return b.sheets[0], nil
	}
	for _, s := range b.sheets {
		if s == name {
			return s, nil
		}
	}
	for _, s := range b.sheets {
		a, n := strings.ToLower(strings.TrimSpace(s)), strings.ToLower(strings.TrimSpace(name))
		if a == n || strings.Contains(a, n) || strings.Contains(n, a) {
			return "", invalid(b.name, fmt.Sprintf("no sheet %q (did you mean %q?)", name, s))
		}
	}
	budget := 1 << 20
	hint := diag.DidYouMean(name, b.sheets, &budget)
	return "", invalid(b.name, fmt.Sprintf("no sheet %q%s; the sheets are %s", name, hint, quoteAll(b.sheets)))
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// Rows is a stream over the rows of a sheet, every row in order (empty ones
// included) from row 1.
type Rows struct {
	r   *excelize.Rows
	row int
	err error
}

// Rows starts streaming sheet (as returned by Sheet).
func (b *Book) Rows(sheet string) (rows *Rows, err error) {
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, invalid(b.name, fmt.Sprintf("sheet %q cannot be read (%v): open the workbook in Excel and save it again", sheet, p))
		}
	}()
	r, err := b.f.Rows(sheet)
	if err != nil {
		return nil, invalid(b.name, fmt.Sprintf("sheet %q cannot be read (%v): open the workbook in Excel and save it again", sheet, err))
	}
	return &Rows{r: r}, nil
}

// Next advances to the next row; false at the end or on an error (Err).
func (r *Rows) Next() (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			r.err, ok = fmt.Errorf("corrupt sheet: %v", p), false
		}
	}()
	if r.err != nil || !r.r.Next() {
		return false
	}
	r.row++
	return true
}

// Row returns the 1-based number of the current row.
func (r *Rows) Row() int { return r.row }

// Cells returns the current row's cells, index 0 being column A, trailing
// empty cells left out.
func (r *Rows) Cells() (c []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, fmt.Errorf("corrupt sheet: %v", p)
			r.err = err
		}
	}()
	c, err = r.r.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		r.err = err
	}
	return c, err
}

// Err returns the error that stopped the stream, if any.
func (r *Rows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.r.Error()
}

// Close ends the stream.
func (r *Rows) Close() error { return r.r.Close() }

// readParts maps sheet names to their zip parts (xl/workbook.xml and its
// relationships).
func (b *Book) readParts() error {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := b.decodePart("xl/workbook.xml", &wb); err != nil {
		return err
	}
	if err := b.decodePart("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return err
	}
	target := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		target[r.ID] = t
	}
	b.parts = map[string]string{}
	for _, s := range wb.Sheets {
		b.parts[s.Name] = target[s.RID]
	}
	return nil
}

// part returns the zip entry called name (case-insensitive), or nil.
func (b *Book) part(name string) *zip.File {
	for _, f := range b.zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), name) {
			return f
		}
	}
	return nil
}

func (b *Book) decodePart(name string, v any) error {
	f := b.part(name)
	if f == nil {
		return invalid(b.name, fmt.Sprintf("corrupt workbook (no %s): open it in Excel and save it again as .xlsx", name))
	}
	rc, err := f.Open()
	if err != nil {
		return invalid(b.name, fmt.Sprintf("corrupt workbook (%s: %v): open it in Excel and save it again as .xlsx", name, err))
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(v); err != nil {
		return invalid(b.name, fmt.Sprintf("corrupt workbook (%s: %v): open it in Excel and save it again as .xlsx", name, err))
	}
	return nil
}

// Check scans sheet for merged ranges reaching row from or below it and
// for formula cells without a cached value, returning one *diag.Error per
// problem (at most max; max <= 0 for all), sorted by position. The error is
// an I/O or format error.
func (b *Book) Check(sheet string, from, max int) (diag.List, error) {
	var errs diag.List
	f := b.part(b.parts[sheet])
	if f == nil {
		return nil, nil // excelize reads it; nothing to scan
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalid(b.name, fmt.Sprintf("sheet %q cannot be read (%v)", sheet, err))
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var cell string
	var inCell, hasF, hasV bool
	at := func(ref string) diag.Pos {
		col, row, err := excelize.CellNameToCoordinates(ref)
		if err != nil {
			return diag.Pos{File: b.name, Sheet: sheet}
		}
		return diag.Pos{File: b.name, Sheet: sheet, Line: row, Col: col}
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, invalid(b.name, fmt.Sprintf("sheet %q is corrupt (%v): open the workbook in Excel and save it again", sheet, err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				inCell, hasF, hasV, cell = true, false, false, attr(t, "r")
			case "f":
				hasF = hasF || inCell
			case "v":
				hasV = hasV || inCell
			case "mergeCell":
				ref := attr(t, "ref")
				first, last, _ := strings.Cut(ref, ":")
				p := at(first)
				_, lastRow, err := excelize.CellNameToCoordinates(last)
				if err != nil {
					lastRow = p.Line
				}
				if lastRow >= from && (max <= 0 || errs.Len() < max) {
					errs.Add(p, "merged cells %s over data: only %s holds a value, the others read empty; unmerge them and fill every cell", ref, first)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "c" {
				if hasF && !hasV && (max <= 0 || errs.Len() < max) {
					errs.Add(at(cell), "formula without a computed value (the file was saved by a program that did not calculate it): open the workbook in Excel, let it calculate and save it, or type the value")
				}
				inCell = false
			}
		}
	}
	errs.Sort()
	return errs, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
