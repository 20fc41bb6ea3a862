// Package xlsxtest writes workbooks and an evaluation office's project
// for tests of the workbook reading (SPEC §3.1).
package xlsxtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Sheet is the content of one worksheet for Write: its name and rows.
type Sheet struct {
	Name string
	Rows [][]any
}

// Write writes a workbook at path with the given sheets, in order.
func Write(t testing.TB, path string, sheets ...Sheet) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(s.Name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// OfficeSet is an indicator set reading an office's workbooks through data:.
const OfficeSet = `govscore: 1
id: office
kinds: [gov, village]
period: "2024"
metrics:
  cases: {name: 刑事案件数, unit: 件, provider: 公安局, min: 0}
  resolved: {name: 化解率, provider: 司法局, min: 0, max: 1}
tree:
  - {id: c, expr: cases, direction: lower}
  - {id: r, expr: resolved}
  - {id: s, expr: assess.sat}
assessments:
  - {id: sat, scale: [0, 100], roles: {public: 1}}
data:
  subjects:
    file: data/单位名单.xlsx
    sheet: 名单
    header_row: 2
    columns: {id: 单位编码, name: 单位名称, kind: 单位类别}
    values: {kind: {政府部门: gov, 村居委会: village}}
  metrics:
    - file: data/公安局报送.xlsx
      subject_by: name
      period: "2024"
      columns: {subject: 单位名称, cases: 刑事案件数}
      thousands: true
    - file: data/司法局报送.xlsx
      columns: {subject: 单位编码, period: 年度, resolved: 化解率}
  assessments:
    - file: data/问卷星_满意度.xlsx
      layout: survey
      item: sat
      period: "2024"
      role: public
      rater: 序号
      subject_by: name
      questions: {"1、您对甲局的工作是否满意": 甲局, "2、您对乙村的工作是否满意": 乙村}
      labels: {非常满意: 100, 满意: 80, 一般: 60, 不满意: 40, 非常不满意: 20}
`

// OfficeProject writes the office project into a new directory; edit
// changes the files before they are written (by base name).
func OfficeProject(t testing.TB, edit func(files map[string][]Sheet)) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]Sheet{
		"单位名单.xlsx": {{Name: "名单", Rows: [][]any{
			{"2024年度考核单位名单"},
			{"序号", "单位编码", "单位名称", "单位类别", "备注"},
			{1, "d1", "甲局", "政府部门"},
			{2, "v1", "乙村", "村居委会"},
			{3, "d2", "丙局", "政府部门", "新设"},
		}}},
		"公安局报送.xlsx": {{Name: "Sheet1", Rows: [][]any{
			{"序号", "单位名称", "刑事案件数", "备注"},
			{1, "甲局", "2,465"},
			{2, "乙村", 12, "核实"},
			{3, "丙局", "1，020"},
		}}},
		"司法局报送.xlsx": {{Name: "报送", Rows: [][]any{
			{"单位编码", "年度", "化解率"},
			{"d1", "2024", "95%"},
			{"v1", "2024", 0.8},
			{"d2", "2024", ""},
		}}},
		"问卷星_满意度.xlsx": {{Name: "Sheet1", Rows: [][]any{
			{"序号", "提交答卷时间", "1、您对甲局的工作是否满意", "2、您对乙村的工作是否满意"},
			{1, "2024/12/1 10:00", "非常满意", "满意"},
			{2, "2024/12/1 10:05", "一般", ""},
			{3, "2024/12/1 10:09", 90, "不满意"},
		}}},
	}
	if edit != nil {
		edit(files)
	}
	for name, sheets := range files {
		Write(t, filepath.Join(dir, "data", name), sheets...)
	}
	if err := os.WriteFile(filepath.Join(dir, "indicators.yaml"), []byte(OfficeSet), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
