package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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
		{"zh", "zh", true, []string{"排名 community", "排名 department", "各维度得分", "指标 标准化值", "方法说明", "提示"}},
		{"en", "en", false, []string{"Ranking community", "Ranking department", "Dimension scores", "indicator Normalised value", "Methodology", "Warnings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openXLSX(t, writeXLSX(t, smallView(t, tt.prev), XLSXOptions{Lang: tt.lang}))
			if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("sheets %q, want %q", got, tt.want)
			}
			for _, s := range tt.want {
				panes, err := f.GetPanes(s)
				if err != nil {
					t.Fatal(err)
				}
				if !panes.Freeze || panes.YSplit != 1 {
					t.Errorf("%s: header row not frozen: %+v", s, panes)
				}
			}
		})
	}
}

func TestWriteXLSXContent(t *testing.T) {
	v := smallView(t, true)
	f := openXLSX(t, writeXLSX(t, v, XLSXOptions{Lang: "zh"}))
	rows, err := f.GetRows("排名 community", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	wantHead := []string{"名次", "编号", "名称", "类别", "得分", "等级", "数据完整率", "一票否决", "上期 名次", "名次变化", "得分变化", "服务效能", "群众信任", "信息公开"}
	if strings.Join(rows[0], "|") != strings.Join(wantHead, "|") {
		t.Fatalf("header %q, want %q", rows[0], wantHead)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want header + 5 subjects", len(rows))
	}
	// Every rated row matches the view, in output order; numbers within 1e-9.
	g := v.Group("community")
	for i, k := range g.Members {
		s := &v.Subjects[k]
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
		{"indicator name", "指标 标准化值", "E2", "人均服务人次"},
		{"methodology tree", "方法说明", "B2", "服务效能"},
		{"dimension header", "各维度得分", "H1", "服务效能 (service)"},
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
	// The indicators sheet has one row per applicable cell.
	ind, err := f.GetRows("指标 标准化值")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range v.Subjects {
		for _, c := range s.Cells {
			if c.Applies {
				n++
			}
		}
	}
	if len(ind)-1 != n {
		t.Errorf("indicators sheet has %d rows, want %d", len(ind)-1, n)
	}
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
	}
	for _, tt := range tests {
		if got := x.sheetName(tt.in); got != tt.want {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkWriteXLSX10k writes results.xlsx for 10,000 subjects × 50
// indicators.
func BenchmarkWriteXLSX10k(b *testing.B) {
	v := synthView(b, 10000, 50)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var cw countWriter
		if err := WriteXLSX(&cw, v, XLSXOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cw)/1e6, "MB")
	}
}
