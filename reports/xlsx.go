package reports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
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

// WriteXLSX writes results.xlsx: one ranking sheet per peer group (rank,
// subject, score, grade, coverage, veto, the change since the previous batch
// when v has one, the rank band and statistically tied subjects when the
// uncertainty analysis ran, and the dimension scores), a dimensions sheet
// (every subject's value of every composite node), an indicators sheet (one
// row per subject and applicable indicator, as indicators.csv, with names),
// with assessments an assessments sheet (per subject, item and role; a role
// mean under min_raters is never written) and a reliability sheet, a
// methodology sheet (rules, tree, grades, adjustments, normalisation bounds
// used per group) and a warnings sheet. Header rows are frozen, numbers
// carry number formats and columns have widths; text is written as UTF-8
// (Chinese names intact). Sheet data is streamed, so memory stays
// proportional to one row.
//
// The document properties take their times from v.Meta.GeneratedAt, so
// that the same view gives the same bytes.
func WriteXLSX(w io.Writer, v *View, opt XLSXOptions) error {
	L, err := labelsFor(opt.Lang)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f, v: v, L: L, used: map[string]bool{}}
	if err := x.styles(); err != nil {
		return err
	}
	steps := []func() error{x.rankingSheets, x.dimensionsSheet, x.indicatorsSheet, x.assessSheet, x.reliabilitySheet, x.methodologySheet, x.warningsSheet}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	at := v.generatedAt().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: v.Meta.SetName + " " + v.Meta.Period, Subject: v.Meta.SetID, Creator: "govscore",
		LastModifiedBy: "govscore", Created: at, Modified: at, Version: v.Meta.EngineVersion, Language: L["lang"],
	}); err != nil {
		return err
	}
	// excelize writes the zip entries in map order: write them sorted by
	// name, compressed data copied as is, for byte-identical files.
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	return sortZip(w, buf.Bytes())
}

// sortZip copies the zip archive b to w with its entries sorted by name.
func sortZip(w io.Writer, b []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	zw := zip.NewWriter(w)
	for _, f := range files {
		raw, err := f.OpenRaw()
		if err != nil {
			return err
		}
		h := f.FileHeader
		out, err := zw.CreateRaw(&h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, raw); err != nil {
			return err
		}
	}
	return zw.Close()
}

type xlsxWriter struct {
	f      *excelize.File
	v      *View
	L      labels
	used   map[string]bool // sheet names taken (case-insensitive)
	sheets int

	head, score, pct, weight, num, text int // style ids
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
	x.text = mk(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return err
}

// sheetName makes a valid, unique sheet name (≤ 31 characters, none of
// []:*?/\) from s.
func (x *xlsxWriter) sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, s)
	s = strings.Trim(s, "'")
	if s == "" {
		s = "_"
	}
	base := []rune(s)
	if len(base) > 31 {
		base = base[:31]
	}
	name := string(base)
	for i := 2; x.used[strings.ToLower(name)]; i++ {
		suffix := "~" + strconv.Itoa(i)
		b := base
		if len(b)+len([]rune(suffix)) > 31 {
			b = b[:31-len([]rune(suffix))]
		}
		name = string(b) + suffix
	}
	x.used[strings.ToLower(name)] = true
	return name
}

// column describes one column of a sheet: header, width and cell style.
type column struct {
	head  string
	width float64
	style int
}

// sheet creates a streamed sheet with a frozen header row (and frozen
// first freezeCols columns) and returns the writer and a row appender.
func (x *xlsxWriter) sheet(name string, cols []column, freezeCols int) (*excelize.StreamWriter, func(vals ...any) error, error) {
	if x.sheets == 0 { // the new file's default sheet becomes the first
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return nil, nil, err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return nil, nil, err
	}
	x.sheets++
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return nil, nil, err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, nil, err
		}
	}
	top, _ := excelize.CoordinatesToCellName(freezeCols+1, 2)
	pane := "bottomLeft"
	if freezeCols > 0 {
		pane = "bottomRight"
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: freezeCols, YSplit: 1, TopLeftCell: top, ActivePane: pane}); err != nil {
		return nil, nil, err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: x.head, Value: c.head}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: 30}); err != nil {
		return nil, nil, err
	}
	row := 1
	add := func(vals ...any) error {
		row++
		cells := make([]any, len(vals))
		for i, val := range vals {
			style := 0
			if i < len(cols) {
				style = cols[i].style
			}
			if f, ok := val.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				val = nil
			}
			if style != 0 && val != nil {
				cells[i] = excelize.Cell{StyleID: style, Value: val}
			} else {
				cells[i] = val
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, cells)
	}
	return sw, add, nil
}

func (x *xlsxWriter) rankingSheets() error {
	v, L := x.v, x.L
	bands := newBandRenderer(v, L)
	for gi := range v.Groups {
		g := &v.Groups[gi]
		dims := v.GroupDimensions(g)
		cols := []column{{L["rank"], 7, 0}, {L["id"], 16, 0}, {L["name"], 28, 0}, {L["kind"], 16, 0},
			{L["score"], 10, x.score}, {L["grade"], 10, 0}, {L["coverage"], 11, x.pct}, {L["veto"], 9, 0}}
		if v.HasPrevious {
			cols = append(cols, column{L["prevPeriod"] + " " + L["rank"], 10, 0}, column{L["rankChange"], 10, 0}, column{L["scoreChange"], 11, x.score})
		}
		if bands.bands != nil {
			cols = append(cols, column{L["rankBand"], 12, 0}, column{L["tiedWith"], 30, x.text})
		}
		for _, ni := range dims {
			cols = append(cols, column{v.Nodes[ni].Name, 12, x.num})
		}
		sw, add, err := x.sheet(x.sheetName(L["ranking"]+" "+g.Label), cols, 3)
		if err != nil {
			return err
		}
		for _, k := range g.Members {
			s := &v.Subjects[k]
			var rank, score, grade, veto any
			if s.Rated {
				rank, score, grade = s.Rank, s.Score, s.Grade
				if s.Vetoed {
					veto = L["veto"]
				}
			} else {
				grade = L["unrated"]
			}
			vals := []any{rank, s.ID, s.Name, s.Kind, score, grade, s.Coverage, veto}
			if v.HasPrevious {
				var prank, dr, ds any
				switch {
				case s.Prev == nil:
					dr = L["new"]
				case s.Prev.Rated && s.Rated:
					prank, dr, ds = s.Prev.Rank, s.Prev.Rank-s.Rank, s.Score-s.Prev.Score
				case s.Prev.Rated:
					prank = s.Prev.Rank
				}
				vals = append(vals, prank, dr, ds)
			}
			if bands.bands != nil {
				var row htmlRow
				bands.band(k, &row)
				vals = append(vals, row.Band, row.Tied)
			}
			for _, ni := range dims {
				vals = append(vals, s.Nodes[ni])
			}
			if err := add(vals...); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func (x *xlsxWriter) dimensionsSheet() error {
	v, L := x.v, x.L
	cols := []column{{L["group"], 14, 0}, {L["id"], 16, 0}, {L["name"], 28, 0}, {L["status"], 9, 0}, {L["rank"], 7, 0}, {L["score"], 10, x.score}, {L["aggregate"], 10, x.score}}
	var comps []int
	for i, n := range v.Nodes {
		if !n.Leaf {
			comps = append(comps, i)
			cols = append(cols, column{n.Name + " (" + n.ID + ")", 14, x.num})
		}
	}
	sw, add, err := x.sheet(x.sheetName(L["dimensions"]), cols, 3)
	if err != nil {
		return err
	}
	for k := range v.Subjects {
		s := &v.Subjects[k]
		status, rank := L["unrated"], any(nil)
		if s.Rated {
			status, rank = L["rated"], s.Rank
		}
		vals := []any{s.Group, s.ID, s.Name, status, rank, s.Score, s.Root}
		for _, ni := range comps {
			vals = append(vals, s.Nodes[ni])
		}
		if err := add(vals...); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func (x *xlsxWriter) indicatorsSheet() error {
	v, L := x.v, x.L
	cols := []column{{L["group"], 14, 0}, {L["id"], 16, 0}, {L["name"], 24, 0}, {L["indicator"] + " id", 22, 0}, {L["indicator"], 30, 0},
		{L["raw"], 14, 0}, {L["value"], 12, x.num}, {L["status"], 13, 0}, {L["weight"], 12, x.weight}}
	// A worksheet holds at most excelize.TotalRows rows (Excel's limit,
	// 1,048,576): beyond that the cells continue on further sheets.
	name := L["leaf"] + " " + L["value"]
	sw, add, err := x.sheet(x.sheetName(name), cols, 3)
	if err != nil {
		return err
	}
	rows := 1 // the header
	for k := range v.Subjects {
		s := &v.Subjects[k]
		for l, c := range s.Cells {
			if !c.Applies {
				continue
			}
			if rows == excelize.TotalRows {
				if err := sw.Flush(); err != nil {
					return err
				}
				if sw, add, err = x.sheet(x.sheetName(name), cols, 3); err != nil {
					return err
				}
				rows = 1
			}
			n := &v.Nodes[v.Leaves[l]]
			if err := add(s.Group, s.ID, s.Name, n.ID, n.Name, c.Raw, c.Value, c.Status, c.Weight); err != nil {
				return err
			}
			rows++
		}
	}
	return sw.Flush()
}

func (x *xlsxWriter) methodologySheet() error {
	v, L := x.v, x.L
	cols := []column{{L["indicator"] + " id", 24, 0}, {L["name"], 30, x.text}, {L["type"], 10, 0}, {L["formula"], 40, x.text},
		{L["direction"], 12, 0}, {L["normalize"], 26, x.text}, {L["weight"], 9, 0}, {L["share"], 10, x.pct}, {L["nominalWeight"], 12, x.pct},
		{L["missing"], 16, 0}, {L["appliesTo"], 24, x.text}}
	sw, add, err := x.sheet(x.sheetName(L["methodology"]), cols, 1)
	if err != nil {
		return err
	}
	m := newHTMLMethod(v, L)
	for i, n := range v.Nodes {
		hn := m.Tree[i]
		if err := add(n.ID, hn.Indent+n.Name, hn.Type, hn.Formula, hn.Direction, hn.Normalize, n.Weight, n.Share, n.Nominal, hn.Missing, hn.AppliesTo); err != nil {
			return err
		}
	}
	var rows [][]any
	rows = append(rows, nil,
		[]any{L["rules"]},
		[]any{L["scale"], m.Scale + clampNote(v, L)},
		[]any{L["minCoverage"], v.MinCoverage},
		[]any{L["rankingRule"], m.Ranking},
		[]any{L["missing"], L["missingRules"]},
		[]any{L["weaknesses"], L["weaknessRule"]})
	if len(m.Grades) > 0 {
		rows = append(rows, nil, []any{L["grades"], L["min"], L["quota"]})
		for _, g := range m.Grades {
			rows = append(rows, []any{g.Name, g.Min, g.Quota})
		}
	}
	if len(m.Adjustments) > 0 {
		rows = append(rows, nil, []any{L["adjustments"], L["name"], L["rules"]})
		for _, a := range m.Adjustments {
			rows = append(rows, []any{a.ID, a.Name, a.Rule})
		}
	}
	if len(m.Metrics) > 0 {
		rows = append(rows, nil, []any{L["sources"], L["name"], L["unit"], L["derived"]})
		for _, mt := range m.Metrics {
			rows = append(rows, []any{mt.Name, mt.Title, mt.Unit, strings.TrimSpace(mt.Expr)})
		}
	}
	rows = append(rows, nil, []any{L["bounds"], L["indicator"], L["normalize"], L["n"], L["nMissing"], L["min"], L["max"], L["mean"], L["sd"], L["bounds"], L["winsor"]})
	for _, bg := range m.Bounds {
		for _, r := range bg.Rows {
			used := r.Used
			if r.Uninformative {
				used += " — " + L["uninformative"]
			}
			rows = append(rows, []any{bg.Label, r.ID, r.Method, r.N, r.Missing, r.Min, r.Max, r.Mean, r.SD, used, r.Winsor})
		}
	}
	rows = append(rows, nil, []any{L["provenance"]},
		[]any{L["indicatorSet"], v.Meta.SetID + " " + v.Meta.SetVersion},
		[]any{L["period"], v.Meta.Period},
		[]any{L["setSHA"], v.Meta.SetSHA256},
		[]any{L["dataSHA"], v.Meta.DataSHA256},
		[]any{L["engine"], v.Meta.EngineVersion},
		[]any{L["generated"], v.generatedAt().Format(time.RFC3339)})
	for _, r := range rows {
		if err := addPlain(add, r); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// addPlain appends a row of the methodology's free-form part, where the
// tree's column styles do not apply: every value is written as text.
func addPlain(add func(vals ...any) error, r []any) error {
	vals := make([]any, len(r))
	for i, val := range r {
		switch t := val.(type) {
		case float64:
			vals[i] = FormatFloat(t)
		case nil:
			vals[i] = nil
		default:
			vals[i] = fmt.Sprint(t)
		}
	}
	return add(vals...)
}

func clampNote(v *View, L labels) string {
	if v.ClampTotal {
		return " (" + L["clampTotal"] + ")"
	}
	return ""
}

func (x *xlsxWriter) warningsSheet() error {
	L := x.L
	cols := []column{{"file:line:col", 36, 0}, {L["group"], 14, 0}, {L["subject"], 16, 0}, {L["indicator"], 22, 0}, {L["warnings"], 90, x.text}}
	sw, add, err := x.sheet(x.sheetName(L["warnings"]), cols, 0)
	if err != nil {
		return err
	}
	for _, w := range x.v.Warnings {
		if err := add(w.Pos.String(), w.Group, w.Subject, w.Node, w.Msg); err != nil {
			return err
		}
	}
	return sw.Flush()
}
