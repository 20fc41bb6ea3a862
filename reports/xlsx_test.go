package reports

import (
	"archive/zip"
	"bytes"
	"encoding/csv"

	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/synth"
)

func writeXLSX(t testing.TB, v *View, opt XLSXOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, v, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openXLSX(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWriteXLSXSheets(t *testing.T) {
	tests := []struct {
		name string
		lang string
		prev bool
		want []string
	}{
		{"zh", "zh", true, []string{"排名 community", "排名 department", "各指标得分", "原始值", "方法说明", "标准化参数", "等级标准",
			"加减分与一票否决", "数据来源（指标数据项）", "规则与来源", "提示"}},
		{"en", "en", false, []string{"Ranking community", "Ranking department", "Node values", "Raw values", "Methodology",
			"Normalisation bounds", "Grades", "Adjustments and vetoes", "Data sources (metrics)", "Rules and provenance", "Warnings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := writeXLSX(t, smallView(t, tt.prev), XLSXOptions{Lang: tt.lang})
			f := openXLSX(t, b)
			if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("sheets %q, want %q", got, tt.want)
			}
			checkSheetSetup(t, f, b)
		})
	}
}

// checkSheetSetup checks that every sheet of the workbook is a table with a
// frozen header row, an autofilter over its used range, and a print setup:
// A4, fitted to one page wide, header row repeated.
func checkSheetSetup(t *testing.T, f *excelize.File, b []byte) {
	t.Helper()
	names, err := f.GetDefinedName(), error(nil)
	filters, titles := map[string]string{}, map[string]string{}
	for _, d := range names {
		switch d.Name {
		case "_xlnm._FilterDatabase":
			filters[d.Scope] = d.RefersTo
		case "_xlnm.Print_Titles":
			titles[d.Scope] = d.RefersTo
		}
	}
	for _, s := range f.GetSheetList() {
		panes, err := f.GetPanes(s)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: header row not frozen: %+v", s, panes)
		}
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		cols := 0
		for _, r := range rows {
			cols = max(cols, len(r))
		}
		last, _ := excelize.CoordinatesToCellName(cols, len(rows))
		if want := "'" + s + "'!$A$1:$" + strings.TrimRight(last, "0123456789") + "$" + strconv.Itoa(len(rows)); filters[s] != want {
			t.Errorf("%s: autofilter %q, want %q", s, filters[s], want)
		}
		if want := "'" + s + "'!$1:$1"; titles[s] != want {
			t.Errorf("%s: print titles %q, want %q", s, titles[s], want)
		}
		lay, err := f.GetPageLayout(s)
		if err != nil {
			t.Fatal(err)
		}
		if lay.Size == nil || *lay.Size != 9 || lay.FitToWidth == nil || *lay.FitToWidth != 1 || lay.FitToHeight == nil || *lay.FitToHeight != 0 {
			t.Errorf("%s: page layout %+v, want A4 (9), fit to 1 page wide", s, lay)
		}
		props, err := f.GetSheetProps(s)
		if err != nil {
			t.Fatal(err)
		}
		if props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s: fit to page is off", s)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	// Every sheet's XML holds its autofilter element.
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			if data := readZipFile(t, zf); bytes.Contains(data, []byte("<autoFilter ref=")) {
				n++
			}
		}
	}
	if n != len(f.GetSheetList()) {
		t.Errorf("%d sheets have an <autoFilter>, want all %d", n, len(f.GetSheetList()))
	}
}

func readZipFile(t *testing.T, zf *zip.File) []byte {
	t.Helper()
	rc, err := zf.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestWriteXLSXContent(t *testing.T) {
	v := smallView(t, true)
	f := openXLSX(t, writeXLSX(t, v, XLSXOptions{Lang: "zh"}))
	rows, err := f.GetRows("排名 community", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	wantHead := []string{"名次", "编号", "名称", "类别", "得分", "等级", "数据完整率", "一票否决", "未评级原因", "上期 名次", "名次变化", "得分变化",
		"服务效能", "服务效能名次", "群众信任", "信息公开", "办结率", "办结率名次"}
	if strings.Join(rows[0], "|") != strings.Join(wantHead, "|") {
		t.Fatalf("header %q, want %q", rows[0], wantHead)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want header + 5 subjects", len(rows))
	}
	// Every rated row matches the view, in output order; numbers within 1e-9.
	g := v.Group("community")
	for i, k := range g.Members {
		s := v.Subject(k)
		r := rows[i+1]
		if r[1] != s.ID || r[2] != s.Name {
			t.Errorf("row %d: %q %q, want %q %q", i+2, r[1], r[2], s.ID, s.Name)
		}
		if !s.Rated {
			if r[0] != "" || r[5] != "未评级" {
				t.Errorf("unrated row %d: rank %q grade %q", i+2, r[0], r[5])
			}
			continue
		}
		if got := parseF(t, r[4]); !near(got, s.Score, 1e-9) {
			t.Errorf("row %d score %v, want %v", i+2, got, s.Score)
		}
		if got := parseF(t, r[6]); !near(got, s.Coverage, 1e-9) {
			t.Errorf("row %d coverage %v, want %v", i+2, got, s.Coverage)
		}
		if r[5] != s.Grade {
			t.Errorf("row %d grade %q, want %q", i+2, r[5], s.Grade)
		}
	}
	// Chinese text intact, number formats applied.
	tests := []struct {
		name, sheet, cell, want string
	}{
		{"chinese subject name", "排名 community", "C4", "西城社区 <b>"},
		{"formatted score", "排名 community", "E2", "93.73"},
		{"formatted coverage", "排名 community", "G6", "20.00%"},
		{"veto marked", "排名 community", "H4", "一票否决"},
		{"node header", "各指标得分", "H1", "服务效能 (service)"},
		{"node rank header", "各指标得分", "I1", "服务效能名次 (service_rank)"},
		{"leaf header", "各指标得分", "J1", "人均服务人次 (served_pc)"},
		{"raw header", "原始值", "D1", "人均服务人次 (served_pc)"},
		{"methodology tree", "方法说明", "B2", "服务效能"},
		{"methodology leaf indented", "方法说明", "B3", "　人均服务人次"},
		{"grade minimum", "等级标准", "B2", "85"},
		{"layout documented", "规则与来源", "A8", "工作簿结构"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.GetCellValue(tt.sheet, tt.cell)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s!%s = %q, want %q", tt.sheet, tt.cell, got, tt.want)
			}
		})
	}
}

// TestWriteXLSXReadBack scores a synthetic project with missing and imputed
// values, writes results.csv, indicators.csv and results.xlsx, and reads
// the workbook back: every subject's row of the node values and raw values
// sheets holds, as numbers, exactly the values of the CSV files; an
// imputed value is highlighted.
func TestWriteXLSXReadBack(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: 300, Leaves: 12, Seed: 7, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	b := loadBatch(t, dir, "2024")
	v := NewView(b)
	f := openXLSX(t, writeXLSX(t, v, XLSXOptions{Lang: "en"}))

	results := readCSV(t, b, WriteResultsCSV)
	indicators := readCSV(t, b, WriteIndicatorsCSV)
	nodes := sheetRows(t, f, "Node values")
	raws := sheetRows(t, f, "Raw values")
	if len(nodes) != len(results) || len(raws) != len(results) {
		t.Fatalf("%d node rows, %d raw rows, want %d (results.csv)", len(nodes), len(raws), len(results))
	}
	// Column positions by id.
	nodeCol := map[string]int{}
	for i, h := range nodes[0] {
		if m := regexp.MustCompile(`\(([^()]+)\)$`).FindStringSubmatch(h); m != nil {
			nodeCol[m[1]] = i
		}
	}
	rawCol := map[string]int{}
	for i, h := range raws[0] {
		if m := regexp.MustCompile(`\(([^()]+)\)$`).FindStringSubmatch(h); m != nil {
			rawCol[m[1]] = i
		}
	}
	rowOf := map[string]int{}
	head := results[0]
	for i, r := range results[1:] {
		x := nodes[i+1]
		rowOf[r[1]] = i + 1
		// group, id, name; status; rank; score; then the composites.
		if x[0] != r[0] || x[1] != r[1] || x[2] != r[2] {
			t.Fatalf("row %d: %q, want %q", i+2, x[:3], r[:3])
		}
		checkNum(t, f, "Node values", i+2, 4, x, r[5])    // rank
		checkNum(t, f, "Node values", i+2, 5, x, r[6])    // score
		for c := len(ResultsHeader); c < len(head); c++ { // composite nodes
			checkNum(t, f, "Node values", i+2, nodeCol[head[c]], x, r[c])
		}
	}
	imputed := 0
	for _, r := range indicators[1:] { // subject,indicator,raw,value,status,weight
		row := rowOf[r[0]]
		checkNum(t, f, "Raw values", row+1, rawCol[r[1]], raws[row], r[2])
		checkNum(t, f, "Node values", row+1, nodeCol[r[1]], nodes[row], r[3])
		if r[4] == "imputed" && r[3] != "" {
			imputed++
			cell, _ := excelize.CoordinatesToCellName(nodeCol[r[1]]+1, row+1)
			style, err := f.GetCellStyle("Node values", cell)
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.GetStyle(style)
			if err != nil {
				t.Fatal(err)
			}
			if st.Font == nil || !st.Font.Italic {
				t.Errorf("imputed value %s not highlighted", cell)
			}
		}
	}
	if imputed == 0 {
		t.Error("the synthetic project imputed nothing: the highlighting is untested")
	}
}

// readCSV renders a CSV writer's output and parses it.
func readCSV(t *testing.T, b *batch.Batch, write func(io.Writer, *View) error) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, NewView(b)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// checkNum checks that cell (row, col) (1-based row, 0-based column) of
// sheet, whose raw value is x[col], holds the CSV value want: empty for an
// empty field, else a number cell with the same float64.
func checkNum(t *testing.T, f *excelize.File, sheet string, row, col int, x []string, want string) {
	t.Helper()
	got := ""
	if col < len(x) {
		got = x[col]
	}
	cell, _ := excelize.CoordinatesToCellName(col+1, row)
	if want == "" {
		if got != "" {
			t.Errorf("%s!%s = %q, want empty", sheet, cell, got)
		}
		return
	}
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("%s!%s has type %v, want a number", sheet, cell, typ)
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	if err1 != nil || err2 != nil || g != w {
		t.Errorf("%s!%s = %q, want %q", sheet, cell, got, want)
	}
}

// TestWriteXLSXSplit lowers the sheet limits to 4 rows and 6 columns: the
// node values continue on further sheets, each with the header row and the
// key columns, and no value is lost.
func TestWriteXLSXSplit(t *testing.T) {
	v := smallView(t, false)
	L, _ := labelsFor("en")
	var buf bytes.Buffer
	f := excelize.NewFile()
	x := &xlsxWriter{f: f, v: v, L: L, X: xlsxLabels["en"], used: map[string]bool{}, maxRows: 4, maxCols: 6}
	if err := x.write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := openXLSX(t, buf.Bytes())
	// 7 fixed + len(v.Nodes) + one rank column per ranked node: keys (3) +
	// 3 per part.
	nparts := (4 + len(v.Nodes) + len(v.RankedNodes()) + 2) / 3
	nblocks := (v.NumSubjects() + 2) / 3
	var got [][]string // the reassembled table
	for b := 0; b < nblocks; b++ {
		var block [][]string
		for p := 0; p < nparts; p++ {
			name := "Node values"
			if i := b*nparts + p + 1; i > 1 {
				name += " (" + strconv.Itoa(i) + ")"
			}
			rows := sheetRows(t, r, name)
			if rows[0][0] != L["group"] || rows[0][1] != L["id"] || rows[0][2] != L["name"] || len(rows[0]) > 6 {
				t.Fatalf("%s: header %q, want the key columns first and at most 6 columns", name, rows[0])
			}
			if len(rows) > 4 {
				t.Fatalf("%s: %d rows, want at most 4", name, len(rows))
			}
			if p == 0 {
				block = rows
				continue
			}
			for i := range rows {
				if rows[i][1] != block[i][1] {
					t.Fatalf("%s row %d: key %q, want %q", name, i+1, rows[i][1], block[i][1])
				}
				block[i] = append(block[i], rows[i][3:]...)
			}
		}
		if b == 0 {
			got = block
		} else {
			got = append(got, block[1:]...)
		}
	}
	if len(got) != v.NumSubjects()+1 {
		t.Fatalf("%d rows reassembled, want %d", len(got), v.NumSubjects()+1)
	}
	for k := range v.NumSubjects() {
		s := v.Subject(k)
		row := got[k+1]
		if row[1] != s.ID {
			t.Errorf("row %d: %q, want %q", k+2, row[1], s.ID)
		}
		cell := func(c int) string { // GetRows drops trailing empty cells
			if c < len(row) {
				return row[c]
			}
			return ""
		}
		c := 7
		for i, want := range s.Nodes {
			if got := cell(c); got != "" && !near(parseF(t, got), want, 0) {
				t.Errorf("%s node %d: %s, want %v", s.ID, i, got, want)
			}
			c++
			if v.Nodes[i].Rank {
				wantRank := ""
				if r := v.NodeRank(k, i); r > 0 {
					wantRank = strconv.Itoa(r)
				}
				if got := cell(c); got != wantRank {
					t.Errorf("%s node %d rank: %q, want %q", s.ID, i, got, wantRank)
				}
				c++
			}
		}
	}
	checkSheetSetup(t, r, buf.Bytes())
}

// TestWriteXLSXNumbers checks that the counts and statistics of the
// assessment sheets are number cells (issue 11: they were text).
func TestWriteXLSXNumbers(t *testing.T) {
	v := NewView(assessedBatch(t, 20))
	f := openXLSX(t, writeXLSX(t, v, XLSXOptions{Lang: "en"}))
	rows := sheetRows(t, f, "Assessment reliability")
	if len(rows) < 2 {
		t.Fatalf("reliability sheet: %q", rows)
	}
	for c := 2; c <= 5; c++ { // raters, ratings, ICC(1), alpha
		cell, _ := excelize.CoordinatesToCellName(c+1, 2)
		typ, err := f.GetCellType("Assessment reliability", cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s (%s) has type %v, want a number", cell, rows[0][c], typ)
		}
		if _, err := strconv.ParseFloat(rows[1][c], 64); err != nil {
			t.Errorf("%s (%s) = %q, want a number", cell, rows[0][c], rows[1][c])
		}
	}
	for _, s := range f.GetSheetList() {
		if s == "Rules and provenance" { // the period (2024) is a label
			continue
		}
		rows := sheetRows(t, f, s)
		for r := 1; r < len(rows); r++ {
			for c, val := range rows[r] {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, err := f.GetCellType(s, cell)
				if err != nil {
					t.Fatal(err)
				}
				// A text cell never holds a plain number.
				if _, err := strconv.ParseFloat(val, 64); err == nil && typ == excelize.CellTypeInlineString {
					t.Errorf("%s!%s holds the number %s as text", s, cell, val)
				}
			}
		}
	}
	checkSheetSetup(t, f, writeXLSX(t, v, XLSXOptions{Lang: "en"}))
}

func TestWriteXLSXDeterministic(t *testing.T) {
	a := writeXLSX(t, smallView(t, true), XLSXOptions{})
	b := writeXLSX(t, smallView(t, true), XLSXOptions{})
	if !bytes.Equal(a, b) {
		t.Fatal("two workbooks of the same view differ")
	}
	f := openXLSX(t, a)
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Created != "2025-01-02T03:04:05Z" || props.Modified != props.Created {
		t.Errorf("doc props times %q %q, want generated_at", props.Created, props.Modified)
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	for i, zf := range zr.File {
		if i > 0 && zr.File[i-1].Name >= zf.Name {
			t.Errorf("zip entries out of order: %s before %s", zr.File[i-1].Name, zf.Name)
		}
		if !zf.Modified.Equal(testTime.Truncate(2 * time.Second)) { // MS-DOS time
			t.Errorf("%s: modified %v, want %v", zf.Name, zf.Modified, testTime)
		}
	}
}

func TestWriteXLSXErrors(t *testing.T) {
	v := smallView(t, false)
	tests := []struct {
		name string
		w    *failWriter
		opt  XLSXOptions
		want string
	}{
		{"unknown language", &failWriter{n: 1 << 30}, XLSXOptions{Lang: "fr"}, `unknown report language "fr"`},
		{"write failure", &failWriter{}, XLSXOptions{}, "disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteXLSX(tt.w, v, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSheetName(t *testing.T) {
	x := &xlsxWriter{used: map[string]bool{}}
	tests := []struct{ in, want string }{
		{"排名 a/b", "排名 a_b"},
		{"Ranking [x]:*?", "Ranking _x____"},
		{"ranking a_b", "ranking a_b"},
		{"RANKING A_B", "RANKING A_B~2"},
		{strings.Repeat("长", 40), strings.Repeat("长", 31)},
		{strings.Repeat("长", 40), strings.Repeat("长", 29) + "~2"},
		{"''", "_"},
		{"it's", "it_s"},
	}
	for _, tt := range tests {
		if got := x.sheetName(tt.in); got != tt.want {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestParallelDeflate compresses inputs around the block size and reads
// them back.
func TestParallelDeflate(t *testing.T) {
	for _, n := range []int{0, 1, deflateBlock - 1, deflateBlock, deflateBlock + 1, 5*deflateBlock + 17} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(i*7 + i/1000)
			}
			var zbuf bytes.Buffer
			z := newZipSink(&zbuf, testTime)
			w, err := z.Create("a.xml")
			if err != nil {
				t.Fatal(err)
			}
			for p := in; len(p) > 0; { // uneven writes
				k := min(len(p), 123457)
				if _, err := w.Write(p[:k]); err != nil {
					t.Fatal(err)
				}
				p = p[k:]
			}
			if err := z.Close(); err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			if got := readZipFile(t, zr.File[0]); !bytes.Equal(got, in) { // the CRC is checked too
				t.Fatalf("read back %d bytes, want %d", len(got), n)
			}
		})
	}
}

// BenchmarkWriteXLSX10k writes results.xlsx for 10,000 subjects × 50
// indicators.
func BenchmarkWriteXLSX10k(b *testing.B) { benchXLSX(b, 10000) }

// BenchmarkWriteXLSX100k writes results.xlsx for 100,000 subjects × 50
// indicators (the `govscore gen` shape of issue 13).
func BenchmarkWriteXLSX100k(b *testing.B) { benchXLSX(b, 100000) }

func benchXLSX(b *testing.B, n int) {
	v := synthView(b, n, 50)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var cw countWriter
		if err := WriteXLSX(&cw, v, XLSXOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cw)/1e6, "MB")
	}
}

// TestXLSXCellText writes awkward text through the row writer and reads it
// back with excelize.
func TestXLSXCellText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"markup", `a<b>&"c"`, `a<b>&"c"`},
		{"chinese", "西城社区", "西城社区"},
		{"literal escape", "_x0041_", "_x0041_"},
		{"control character", "a\x01b", "a\uFFFDb"},
		{"spaces kept", "  a  ", "  a  "},
		{"line break", "a\nb", "a\nb"},
		{"too long", strings.Repeat("长", excelize.TotalCellChars+5), strings.Repeat("长", excelize.TotalCellChars)},
	}
	v := smallView(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v.subjects.names[0].Name = tt.in
			f := openXLSX(t, writeXLSX(t, v, XLSXOptions{Lang: "en"}))
			got, err := f.GetCellValue("Node values", "C2")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("read back %q, want %q", clipTest(got), clipTest(tt.want))
			}
		})
	}
}

func clipTest(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…(" + strconv.Itoa(len(r)) + ")"
	}
	return s
}
