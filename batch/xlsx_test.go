package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/internal/xlsxtest"
	"github.com/govscore/govscore/workbook"
)

func loadDir(t testing.TB, dir string) (*Project, error) {
	t.Helper()
	files, err := FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return Load(files)
}

func TestLoadOfficeWorkbooks(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, nil)
	p, err := loadDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	ds := p.Data
	per, _ := dataset.ParsePeriod("2024")
	want := map[string][2]float64{"d1": {2465, 0.95}, "v1": {12, 0.8}, "d2": {1020, -1}}
	for id, w := range want {
		k, ok := ds.SubjectIndex(id)
		if !ok {
			t.Fatalf("no subject %s", id)
		}
		if got := ds.Column("cases", per)[k]; got != w[0] {
			t.Errorf("%s cases = %v, want %v", id, got, w[0])
		}
		got := ds.Column("resolved", per)[k]
		if w[1] < 0 {
			if got == got {
				t.Errorf("%s resolved = %v, want missing", id, got)
			}
		} else if diff := got - w[1]; diff > 1e-12 || diff < -1e-12 {
			t.Errorf("%s resolved = %v, want %v", id, got, w[1])
		}
	}
	if k, _ := ds.SubjectIndex("v1"); ds.Subjects[k].Kind != "village" || ds.Subjects[k].Name != "乙村" {
		t.Errorf("v1 = %+v", ds.Subjects[k])
	}
	rs := p.ratings.Ratings(per)
	got := map[string]float64{}
	for _, r := range rs {
		got[r.Rater+"→"+r.Subject] = r.Score
		if r.Role != "public" || r.Item != "sat" {
			t.Errorf("rating %+v", r)
		}
	}
	wantR := map[string]float64{"问卷星_满意度:1→d1": 100, "问卷星_满意度:1→v1": 80, "问卷星_满意度:2→d1": 60, "问卷星_满意度:3→d1": 90, "问卷星_满意度:3→v1": 40}
	if len(got) != len(wantR) {
		t.Errorf("ratings %v, want %v", got, wantR)
	}
	for k, v := range wantR {
		if got[k] != v {
			t.Errorf("rating %s = %v, want %v", k, got[k], v)
		}
	}
	for _, w := range p.Warnings {
		if strings.Contains(w.Msg, "file not read") {
			t.Errorf("unexpected warning %s", w)
		}
	}
}

func TestUnreadFileWarning(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, nil)
	xlsxtest.Write(t, filepath.Join(dir, "data", "第三方评估.xlsx"), xlsxtest.Sheet{Name: "Sheet1", Rows: [][]any{{"单位名称", "得分"}}})
	if err := os.WriteFile(filepath.Join(dir, "data", "~$单位名单.xlsx"), []byte("lock"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := loadDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	for _, w := range p.Warnings {
		if strings.Contains(w.Msg, "file not read") {
			hits = append(hits, w.String())
		}
	}
	if len(hits) != 1 || !strings.Contains(hits[0], "第三方评估.xlsx") {
		t.Errorf("unread warnings %q, want one for 第三方评估.xlsx", hits)
	}
}

// TestOfficeBadInput: each kind of bad workbook input is invalid input (a
// diag.List) naming the cell.
func TestOfficeBadInput(t *testing.T) {
	cases := []struct {
		name string
		edit func(map[string][]xlsxtest.Sheet)
		raw  func(dir string) // changes after writing
		want []string
	}{
		{name: "unknown name", edit: func(f map[string][]xlsxtest.Sheet) {
			f["公安局报送.xlsx"][0].Rows[1][1] = "甲 局"
		}, want: []string{`公安局报送.xlsx:Sheet1!B2: no subject is named "甲 局" (did you mean "甲局"?)`}},
		{name: "name of two subjects", edit: func(f map[string][]xlsxtest.Sheet) {
			f["单位名单.xlsx"][0].Rows[4][2] = "甲局"
		}, want: []string{`公安局报送.xlsx:Sheet1!B2: the name "甲局" is shared by subjects "d1" and "d2"`}},
		{name: "missing header", edit: func(f map[string][]xlsxtest.Sheet) {
			f["公安局报送.xlsx"][0].Rows[0][2] = "刑事案件"
		}, want: []string{`公安局报送.xlsx:Sheet1!1: column "cases" (mapped at `, `no column "刑事案件数" in the header row (did you mean "刑事案件"?)`}},
		{name: "missing sheet", edit: func(f map[string][]xlsxtest.Sheet) {
			f["单位名单.xlsx"][0].Name = "名单2024"
		}, want: []string{`单位名单.xlsx: no sheet "名单" (did you mean "名单2024"?)`}},
		{name: "unmapped label", edit: func(f map[string][]xlsxtest.Sheet) {
			f["问卷星_满意度.xlsx"][0].Rows[2][2] = "较满意"
		}, want: []string{`问卷星_满意度.xlsx:Sheet1!C3: answer "较满意" is neither a number nor a label`}},
		{name: "thousands off", edit: func(f map[string][]xlsxtest.Sheet) {
			f["司法局报送.xlsx"][0].Rows[1][2] = "1,5"
		}, want: []string{`司法局报送.xlsx:报送!C2: metric "resolved": unparseable number "1,5"`}},
		{name: "unmapped kind", edit: func(f map[string][]xlsxtest.Sheet) {
			f["单位名单.xlsx"][0].Rows[3][3] = "社会组织"
		}, want: []string{`单位名单.xlsx:名单!D4: `, `社会组织`}},
		{name: "renamed csv", raw: func(dir string) {
			write(t, filepath.Join(dir, "data", "司法局报送.xlsx"), "单位编码,年度,化解率\nd1,2024,1\n")
		}, want: []string{`司法局报送.xlsx: not a workbook but a text file (it starts with "单位编码,年度,化解率"): a CSV file renamed .xlsx?`}},
		{name: "corrupt zip", raw: func(dir string) {
			p := filepath.Join(dir, "data", "司法局报送.xlsx")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			write(t, p, string(b[:len(b)/2]))
		}, want: []string{`司法局报送.xlsx: corrupt workbook (zip: not a valid zip file)`}},
		{name: "xls", raw: func(dir string) {
			write(t, filepath.Join(dir, "data", "司法局报送.xlsx"), "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an OLE file")
		}, want: []string{`司法局报送.xlsx: not an .xlsx workbook but an Excel 97-2003 (.xls)`}},
		{name: "merged cells", raw: func(dir string) {
			p := filepath.Join(dir, "data", "公安局报送.xlsx")
			f, err := excelize.OpenFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.MergeCell("Sheet1", "C3", "C4"); err != nil {
				t.Fatal(err)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}, want: []string{`公安局报送.xlsx:Sheet1!C3: merged cells C3:C4 over data`}},
		{name: "formula without value", raw: func(dir string) {
			p := filepath.Join(dir, "data", "公安局报送.xlsx")
			f, err := excelize.OpenFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellValue("Sheet1", "C3", nil); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellFormula("Sheet1", "C3", "=10+2"); err != nil {
				t.Fatal(err)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}, want: []string{`公安局报送.xlsx:Sheet1!C3: formula without a computed value`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := xlsxtest.OfficeProject(t, c.edit)
			if c.raw != nil {
				c.raw(dir)
			}
			_, err := loadDir(t, dir)
			if _, ok := err.(diag.List); !ok {
				t.Fatalf("error %v (%T), want a diag.List", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTemplateRoundTrip: the template of a provider, filled in Excel's way
// (numbers typed into the metric cells), reads back with a data: entry
// that names only its file; its data validation carries the bounds.
func TestTemplateRoundTrip(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, nil)
	files, err := FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := LoadSubjects(files, p.Set)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Template(p.Set, ds, "司法局", "2024")
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Metrics) != 1 || tpl.Metrics[0].Name != "resolved" || len(tpl.Subjects) != 3 {
		t.Fatalf("template %+v", tpl)
	}
	if _, err := Template(p.Set, ds, "统计局", "2024"); err == nil || !strings.Contains(err.Error(), `no metric has provider "统计局"; the providers are "公安局", "司法局"`) {
		t.Errorf("unknown provider: %v", err)
	}
	path := filepath.Join(dir, "data", "司法局报送.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := workbook.WriteTemplate(out, tpl); err != nil {
		t.Fatal(err)
	}
	out.Close()

	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dvs, err := x.GetDataValidations(workbook.TemplateDataSheet)
	if err != nil || len(dvs) != 1 || dvs[0].Sqref != "D2:D4" || dvs[0].Formula1 != "0" || dvs[0].Formula2 != "1" || dvs[0].Type != "decimal" {
		t.Errorf("data validation %+v, %v", dvs, err)
	}
	fill := map[string]float64{"d1": 0.9, "v1": 0.7, "d2": 0.25}
	for row := 2; row <= 4; row++ {
		id, err := x.GetCellValue(workbook.TemplateDataSheet, fmt.Sprintf("A%d", row))
		if err != nil {
			t.Fatal(err)
		}
		if err := x.SetCellValue(workbook.TemplateDataSheet, fmt.Sprintf("D%d", row), fill[id]); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	x.Close()

	set := strings.Replace(xlsxtest.OfficeSet, "    - file: data/司法局报送.xlsx\n      columns: {subject: 单位编码, period: 年度, resolved: 化解率}\n", "    - data/司法局报送.xlsx\n", 1)
	write(t, filepath.Join(dir, "indicators.yaml"), set)
	p, err = loadDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	per, _ := dataset.ParsePeriod("2024")
	col := p.Data.Column("resolved", per)
	for id, want := range map[string]float64{"d1": 0.9, "v1": 0.7, "d2": 0.25} {
		k, _ := p.Data.SubjectIndex(id)
		if col[k] != want {
			t.Errorf("%s resolved = %v, want %v", id, col[k], want)
		}
	}
}

// TestLeafWithoutValueWarns: an indicator that no subject of a peer group
// has a value for is a warning whatever its normalisation (the office's
// third-party results read by nothing, with normalize: none).
func TestLeafWithoutValueWarns(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "indicators.yaml"), `govscore: 1
id: w
kinds: [a, b]
tree:
  - {id: x, expr: x}
  - {id: third, expr: third, normalize: {method: none}}
`)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "data", "subjects.csv"), "id,name,kind\ns1,S1,a\ns2,S2,a\ns3,S3,b\ns4,S4,b\n")
	write(t, filepath.Join(dir, "data", "metrics.csv"), "subject,period,x,third\ns1,2024,1,\ns2,2024,2,\ns3,2024,3,50\ns4,2024,4,60\n")
	b := runDir(t, dir)
	var hits []string
	for _, w := range b.Warnings {
		if w.Node == "third" && strings.Contains(w.Msg, "no subject of the group has a value") {
			hits = append(hits, w.Group)
		}
	}
	if len(hits) != 1 || hits[0] != "a" {
		t.Errorf("warnings for groups %q, want [a]; all: %v", hits, b.Warnings)
	}
}

// TestWorkbookBlankRows: an empty row inside a sheet is skipped with a
// warning at the sheet that counts rows.
func TestWorkbookBlankRows(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, func(f map[string][]xlsxtest.Sheet) {
		s := &f["司法局报送.xlsx"][0]
		s.Rows = append(s.Rows[:2], append([][]any{{}}, s.Rows[2:]...)...)
	})
	p, err := loadDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range p.Warnings {
		if strings.HasSuffix(w.Pos.File, "司法局报送.xlsx") {
			found = w.Pos.Sheet == "报送" && w.Msg == "1 blank row skipped (row 3)"
		}
	}
	if !found {
		t.Errorf("no blank-row warning at the sheet: %v", p.Warnings)
	}
}
