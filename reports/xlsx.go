package reports

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// XLSXOptions tune WriteXLSX.
type XLSXOptions struct {
	// Lang is the language of the sheet names and headers: "zh" (the
	// default) or "en".
	Lang string
}

// Excel's limits on a worksheet: 1,048,576 rows (the header included) and
// 16,384 columns.
const (
	xlsxMaxRows = excelize.TotalRows
	xlsxMaxCols = excelize.MaxColumns
)

// WriteXLSX writes results.xlsx, a workbook of plain tables, each on its own
// sheet with a header row:
//
//   - one ranking sheet per peer group: rank, subject, score, grade,
//     coverage, veto, the change since the previous batch when v has one,
//     the rank band and statistically tied subjects when the uncertainty
//     analysis ran, and the dimension scores;
//   - the node values: one row per subject, one column per node of the tree
//     (composites and the leaves' normalised values) in tree order; a leaf
//     value resting on an imputed raw value is highlighted;
//   - the raw values: one row per subject, one column per leaf;
//   - with assessments, the assessment results (per subject, item and role;
//     a role mean under min_raters is never written) and their
//     reliability;
//   - the methodology: the tree, the normalisation bounds used per group,
//     the grades, the adjustments, the data sources, the rules and the
//     provenance;
//   - the warnings.
//
// Every number is stored as a number, with a number format; every table has
// an autofilter and a frozen header row (and frozen key columns), and prints
// on A4, fitted to the page width (landscape when wide) with the header row
// repeated on every page. A table larger than Excel's limits (1,048,576
// rows, 16,384 columns) continues on further sheets named with a suffix
// " (2)", " (3)"…, each repeating the header row and the key columns.
//
// Rows are streamed (excelize's StreamWriter) and the package parts are
// deflated in parallel blocks into spools that go to temporary files past a
// few megabytes, so memory does not grow with the number of subjects. The
// document properties and the zip entries take their times from
// v.Meta.GeneratedAt: the same view gives the same bytes.
func WriteXLSX(w io.Writer, v *View, opt XLSXOptions) error {
	L, err := labelsFor(opt.Lang)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f, v: v, L: L, X: xlsxLabels[langOrDefault(opt.Lang)], used: map[string]bool{},
		maxRows: xlsxMaxRows, maxCols: xlsxMaxCols}
	return x.write(w)
}

func langOrDefault(lang string) string {
	if lang == "" {
		return "zh"
	}
	return lang
}

func (x *xlsxWriter) write(w io.Writer) error {
	defer func() { // the data rows' spools, on error too
		for _, p := range x.parts {
			p.rows.spool.release()
		}
	}()
	if err := x.styles(); err != nil {
		return err
	}
	steps := []func() error{x.rankingSheets, x.nodeValuesSheet, x.rawValuesSheet, x.assessSheet, x.reliabilitySheet,
		x.treeSheet, x.boundsSheet, x.gradesSheet, x.adjustmentsSheet, x.metricsSheet, x.rulesSheet, x.warningsSheet}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	v := x.v
	at := v.generatedAt()
	stamp := at.Format(time.RFC3339)
	if err := x.f.SetDocProps(&excelize.DocProperties{
		Title: v.Meta.SetName + " " + v.Meta.Period, Subject: v.Meta.SetID, Creator: "govscore",
		LastModifiedBy: "govscore", Created: stamp, Modified: stamp, Version: v.Meta.EngineVersion, Language: x.L["lang"],
	}); err != nil {
		return err
	}
	// The sink writes to w itself (excelize's own buffer stays empty) and
	// splices each sheet's data rows into excelize's stream of the sheet.
	sink := newZipSink(w, at)
	defer sink.release()
	ids := map[string]int{}
	for id, name := range x.f.GetSheetMap() {
		ids[name] = id
	}
	for _, p := range x.parts {
		// excelize keeps sheet n (its sheetId) in xl/worksheets/sheetn.xml.
		sink.splice["xl/worksheets/sheet"+strconv.Itoa(ids[p.name])+".xml"] = &p.rows.spool
	}
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return sink })
	return x.f.Write(io.Discard)
}

type xlsxWriter struct {
	f      *excelize.File
	v      *View
	L, X   labels          // the report's labels and the workbook's own
	used   map[string]bool // sheet names taken (case-insensitive)
	sheets int

	// maxRows and maxCols are Excel's limits (lowered in tests).
	maxRows, maxCols int
	parts            []*tablePart // every sheet written, for the zip sink

	head, score, pct, weight, num, num3, text int // style ids
	imputed                                   int // imputed leaf values
}

func (x *xlsxWriter) styles() error {
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	digits := scoreDigits(x.v)
	scoreFmt := "0"
	if digits > 0 {
		scoreFmt = "0." + strings.Repeat("0", digits)
	}
	x.head = mk(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	x.score = mk(&excelize.Style{CustomNumFmt: &scoreFmt})
	x.pct = mk(&excelize.Style{NumFmt: 10}) // 0.00%
	wf := "0.0000"
	x.weight = mk(&excelize.Style{CustomNumFmt: &wf})
	nf := "0.00"
	x.num = mk(&excelize.Style{CustomNumFmt: &nf})
	nf3 := "0.000"
	x.num3 = mk(&excelize.Style{CustomNumFmt: &nf3})
	x.text = mk(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	x.imputed = mk(&excelize.Style{CustomNumFmt: &nf, Font: &excelize.Font{Italic: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}})
	return err
}

// sheetName makes a valid, unique sheet name (≤ 31 characters, none of
// []:*?/\') from s.
func (x *xlsxWriter) sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\'`, r) {
			return '_'
		}
		return r
	}, s)
	if strings.Trim(s, "_") == "" {
		s = "_"
	}
	base := []rune(s)
	if len(base) > 31 {
		base = base[:31]
	}
	name := string(base)
	for i := 2; x.used[strings.ToLower(name)]; i++ {
		name = withSuffix(base, "~"+strconv.Itoa(i))
	}
	x.used[strings.ToLower(name)] = true
	return name
}

// withSuffix appends suffix to base, shortening base so that the result has
// at most 31 characters.
func withSuffix(base []rune, suffix string) string {
	if n := 31 - len([]rune(suffix)); len(base) > n {
		base = base[:n]
	}
	return string(base) + suffix
}

// column describes one column of a table: header, width and cell style.
type column struct {
	head  string
	width float64
	style int
}

// table streams one table: a header row, then the rows added. A table
// with more rows or columns than a sheet holds continues on further
// sheets: the rows in blocks of maxRows−1, each block's columns in parts
// of maxCols−keys after the key columns, which every part repeats.
type table struct {
	x     *xlsxWriter
	name  string // base sheet name
	cols  []column
	keys  int // leading key columns: frozen, and repeated on column parts
	parts []*tablePart
	sheet int // sheets started
	rows  int // data rows in the current block
}

// tablePart is one sheet of a table's current row block: excelize's
// stream holds the sheet and its header row, rows the data rows.
type tablePart struct {
	name string
	sw   *excelize.StreamWriter
	rows *rowWriter
	cols []int // indices into table.cols
}

// newTable starts the table name (a sheet name before uniquifying) with
// the given columns, of which the first keys are key columns.
func (x *xlsxWriter) newTable(name string, cols []column, keys int) (*table, error) {
	t := &table{x: x, name: name, cols: cols, keys: keys}
	return t, t.startBlock()
}

// startBlock opens the sheets of a new row block.
func (t *table) startBlock() error {
	t.parts = t.parts[:0]
	t.rows = 0
	width := t.x.maxCols - t.keys
	for start := t.keys; ; start += width {
		end := min(start+width, len(t.cols))
		idx := make([]int, 0, t.keys+end-start)
		for i := 0; i < t.keys; i++ {
			idx = append(idx, i)
		}
		for i := start; i < end; i++ {
			idx = append(idx, i)
		}
		p, err := t.openPart(idx)
		if err != nil {
			return err
		}
		t.parts = append(t.parts, p)
		if end >= len(t.cols) {
			return nil
		}
	}
}

// openPart creates a sheet for the columns idx and writes its header row.
func (t *table) openPart(idx []int) (*tablePart, error) {
	x := t.x
	t.sheet++
	name := t.name
	if t.sheet > 1 {
		name = withSuffix([]rune(t.name), " ("+strconv.Itoa(t.sheet)+")")
	}
	name = x.sheetName(name)
	if x.sheets == 0 { // the new file's default sheet becomes the first
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return nil, err
	}
	x.sheets++
	// The sheet properties are written when the stream starts.
	fit := true
	if err := x.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return nil, err
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	styles := make([]int, len(idx))
	for i, c := range idx {
		styles[i] = t.cols[c].style
	}
	p := &tablePart{name: name, sw: sw, rows: newRowWriter(styles), cols: idx}
	x.parts = append(x.parts, p)
	// Widths and styles by runs of equal columns: excelize looks a cell's
	// column style up in this list.
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && t.cols[idx[j]].width == t.cols[idx[i]].width && t.cols[idx[j]].style == t.cols[idx[i]].style {
			j++
		}
		if err := sw.SetColWidth(i+1, j, t.cols[idx[i]].width); err != nil {
			return nil, err
		}
		if s := t.cols[idx[i]].style; s != 0 {
			if err := sw.SetColStyle(i+1, j, s); err != nil {
				return nil, err
			}
		}
		i = j
	}
	freeze := min(t.keys, len(idx))
	top, _ := excelize.CoordinatesToCellName(freeze+1, 2)
	pane := "bottomLeft"
	if freeze > 0 {
		pane = "bottomRight"
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: freeze, YSplit: 1, TopLeftCell: top, ActivePane: pane}); err != nil {
		return nil, err
	}
	head := make([]any, len(idx))
	for i, c := range idx {
		head[i] = excelize.Cell{StyleID: x.head, Value: t.cols[c].head}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 30}); err != nil {
		return nil, err
	}
	return p, nil
}

// add appends a row; vals are in column order (missing trailing values are
// empty cells). NaN and ±Inf are written as empty cells.
func (t *table) add(vals ...any) error {
	if t.rows == t.x.maxRows-1 {
		if err := t.closeBlock(); err != nil {
			return err
		}
		if err := t.startBlock(); err != nil {
			return err
		}
	}
	t.rows++
	for _, p := range t.parts {
		p.rows.line = p.rows.appendRow(p.rows.line[:0], t.rows+1, vals, p.cols)
		if _, err := p.rows.w.Write(p.rows.line); err != nil {
			return err
		}
	}
	return nil
}

// addEach appends a row for each view position of order, the same rows
// as add would one at a time, formatted on every CPU (writeChunkedTo):
// rows is called concurrently, each time for a run of consecutive
// positions ks of order, and calls emit with each position's values in
// turn (vals may be reused once emit returns). A workbook's largest
// sheets (a row and 50–150 cells per subject) take most of its time
// formatting numbers; one goroutine did it while the others waited.
func (t *table) addEach(order []int, rows func(ks []int, emit func(vals []any))) error {
	for len(order) > 0 {
		if t.rows == t.x.maxRows-1 {
			if err := t.closeBlock(); err != nil {
				return err
			}
			if err := t.startBlock(); err != nil {
				return err
			}
		}
		seg := order[:min(t.x.maxRows-1-t.rows, len(order))]
		order = order[len(seg):]
		first := t.rows + 2 // seg[0]'s row number
		ws := make([]io.Writer, len(t.parts))
		for i, p := range t.parts {
			ws[i] = p.rows.w
		}
		at := make([]int, len(seg)) // positions in seg, chunked by writeChunkedTo
		for i := range at {
			at[i] = i
		}
		err := writeChunkedTo(ws, at, func(chunk []int, bufs [][]byte) {
			r := first + chunk[0]
			rows(seg[chunk[0]:chunk[0]+len(chunk)], func(vals []any) {
				for i, p := range t.parts {
					bufs[i] = p.rows.appendRow(bufs[i], r, vals, p.cols)
				}
				r++
			})
		})
		if err != nil {
			return err
		}
		t.rows += len(seg)
	}
	return nil
}

// close ends the table.
func (t *table) close() error { return t.closeBlock() }

// closeBlock sets the autofilter and the print setup of the current
// block's sheets and ends their streams.
func (t *table) closeBlock() error {
	x := t.x
	for _, p := range t.parts {
		last, err := excelize.CoordinatesToCellName(len(p.cols), t.rows+1)
		if err != nil {
			return err
		}
		if err := x.f.AutoFilter(p.name, "A1:"+last, nil); err != nil {
			return err
		}
		width := 0.0
		for _, c := range p.cols {
			width += t.cols[c].width
		}
		orient := "portrait"
		if width > xlsxPortraitWidth {
			orient = "landscape"
		}
		a4, one, tall := 9, 1, 0
		if err := x.f.SetPageLayout(p.name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &orient, FitToWidth: &one, FitToHeight: &tall}); err != nil {
			return err
		}
		if err := x.f.SetHeaderFooter(p.name, &excelize.HeaderFooterOptions{
			OddHeader: "&L" + hfText(x.v.Meta.SetName+" "+x.v.Meta.Period, 100) + "&R" + hfText(p.name, 40),
			OddFooter: "&C&P / &N",
		}); err != nil {
			return err
		}
		if err := x.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + p.name + "'!$1:$1", Scope: p.name}); err != nil {
			return err
		}
		if err := p.sw.Flush(); err != nil {
			return err
		}
		if err := p.rows.flush(); err != nil {
			return err
		}
	}
	return nil
}

// xlsxPortraitWidth is the total column width (in character widths) above
// which a sheet prints in landscape: about what an A4 page holds upright.
const xlsxPortraitWidth = 110

// hfText quotes s for a page header or footer (& is a code there) and
// shortens it to max characters.
func hfText(s string, max int) string {
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return strings.ReplaceAll(s, "&", "&&")
}

// xlsxCell is val with the cell style style; NaN and ±Inf are empty.
func xlsxCell(style int, val float64) any {
	if math.IsNaN(val) || math.IsInf(val, 0) {
		return nil
	}
	return excelize.Cell{StyleID: style, Value: val}
}
