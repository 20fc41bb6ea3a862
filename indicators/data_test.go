package indicators

import (
	"strings"
	"testing"
)

func TestDataSection(t *testing.T) {
	head := "govscore: 1\nid: s\nkinds: [a]\ntree:\n  - {id: x, expr: x}\nassessments: [{id: sat, roles: {public: 1}}]\n"
	s, err := Parse("s.yaml", []byte(head+`data:
  subjects: {file: data/名单.xlsx, sheet: 名单, header_row: 2, columns: {id: 编码, name: 名称, kind: 类别}, values: {kind: {政府部门: a}}}
  metrics:
    - data/t.xlsx
    - {file: data/公安.xlsx, subject_by: name, period: "2024", thousands: true, columns: {subject: 名称, x: 案件数}}
  assessments:
    file: data/问卷.xlsx
    layout: survey
    item: sat
    period: "2024"
    role: public
    rater: 序号
    questions: {"1、满意吗": s1}
    labels: {满意: 80}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := s.Data
	if d == nil || d.Subjects == nil || len(d.Metrics) != 2 || len(d.Assessments) != 1 {
		t.Fatalf("data = %+v", d)
	}
	if d.Subjects.Header("kind") != "类别" || d.Subjects.HeaderRow != 2 || d.Subjects.Values["kind"]["政府部门"] != "a" {
		t.Errorf("subjects %+v", d.Subjects)
	}
	if !d.Metrics[0].Plain() || d.Metrics[0].Path != "data/t.xlsx" {
		t.Errorf("metrics[0] %+v", d.Metrics[0])
	}
	if m := d.Metrics[1]; !m.ByName() || m.Period != "2024" || !m.Thousands || m.Header("x") != "案件数" {
		t.Errorf("metrics[1] %+v", m)
	}
	if a := d.Assessments[0]; a.Layout != "survey" || a.Rater != "序号" || a.Labels["满意"] != 80 || a.Questions[0].Subject != "s1" {
		t.Errorf("assessments %+v", a)
	}

	cases := []struct{ name, data, want string }{
		{"unknown key", "data:\n  metrics: [{file: a.csv, thousand: true}]\n", `unknown key "thousand" in data.metrics[0] (did you mean "thousands"?)`},
		{"outside", "data:\n  subjects: {file: ../x.csv}\n", `data.subjects.file: "../x.csv" is outside the project`},
		{"xls", "data:\n  subjects: {file: data/x.xls}\n", `is an Excel 97-2003 workbook (.xls): open it in Excel and save it as .xlsx`},
		{"extension", "data:\n  metrics: [data/x.txt]\n", `"data/x.txt" is neither .csv nor .xlsx`},
		{"period", "data:\n  metrics: [{file: a.csv, period: 2024年}]\n", `data.metrics[0].period: `},
		{"survey keys", "data:\n  assessments: [{file: a.csv, layout: survey, item: sat}]\n", `a survey export needs "rater"`},
		{"unknown column", "data:\n  assessments: [{file: a.csv, columns: {scor: 分数}}]\n", `data.assessments[0].columns: unknown column "scor" (did you mean "score"?)`},
		{"header twice", "data:\n  metrics: [{file: a.csv, columns: {subject: 名称, x: 名称}}]\n", `header "名称" is mapped to both "subject" and "x"`},
		{"survey only", "data:\n  assessments: [{file: a.csv, labels: {好: 1}}]\n", `labels: only for a survey export`},
		{"header row", "data:\n  subjects: {file: a.csv, header_row: 0}\n", `header_row: 0 is not a row number`},
		{"layout", "data:\n  metrics: [{file: a.csv, layout: survey}]\n", `unknown value "survey"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(head+c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
