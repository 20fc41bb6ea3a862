package csvdata_test

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

var kinds = []string{"party_org", "gov_department", "autonomous_org", "social_org"}

const subjectsCSV = `id,name,kind,parent,region
city,市,party_org,,东
s1,一,gov_department,city,东
s2,二,gov_department,city,西
s3,三,autonomous_org,s1,西
`

func f64(v float64) *float64 { return &v }

func nd(name, data string) csvdata.NamedData {
	return csvdata.NamedData{Name: name, Data: []byte(data)}
}

// cell is an expected value: metric in period for subject; NaN = missing.
type cell struct {
	subject, metric, period string
	want                    float64
}

func checkCells(t *testing.T, ds *dataset.Dataset, cells []cell) {
	t.Helper()
	for _, c := range cells {
		p, err := dataset.ParsePeriod(c.period)
		if err != nil {
			t.Fatal(err)
		}
		col := ds.Column(c.metric, p)
		if col == nil {
			t.Errorf("no column %s %s", c.metric, c.period)
			continue
		}
		i, ok := ds.SubjectIndex(c.subject)
		if !ok {
			t.Errorf("no subject %q", c.subject)
			continue
		}
		got := col[i]
		switch {
		case math.IsNaN(c.want):
			if !math.IsNaN(got) {
				t.Errorf("%s %s %s = %v, want missing", c.subject, c.metric, c.period, got)
			}
		case math.IsNaN(got) || math.Abs(got-c.want) > 1e-12:
			t.Errorf("%s %s %s = %v, want %v", c.subject, c.metric, c.period, got, c.want)
		}
	}
}

func TestParseGood(t *testing.T) {
	nan := math.NaN()
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("id,name,kind,区域\ng1,街道办,gov_department,北区\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		subjects csvdata.NamedData
		metrics  []csvdata.NamedData
		opt      csvdata.Options
		cells    []cell
		metricsN int
		warnings []string
		check    func(t *testing.T, ds *dataset.Dataset)
	}{
		{
			name:     "wide",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a,b\ns1,2024,1,2.5\ns2,2024,-3,1e3\n")},
			cells:    []cell{{"s1", "a", "2024", 1}, {"s1", "b", "2024", 2.5}, {"s2", "a", "2024", -3}, {"s2", "b", "2024", 1000}, {"s3", "a", "2024", nan}, {"city", "b", "2024", nan}},
			metricsN: 2,
		},
		{
			name:     "long with source and note in any order",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "note,value,metric,period,subject,source\n,4,a,2024-Q1,s1,audit\n\"x, y\",5,a,2024-Q2,s1,\n")},
			cells:    []cell{{"s1", "a", "2024-Q1", 4}, {"s1", "a", "2024-Q2", 5}, {"s2", "a", "2024-Q1", nan}},
			metricsN: 1,
		},
		{
			name:     "long and wide merged",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics: []csvdata.NamedData{
				nd("wide.csv", "subject,period,a,b\ns1,2023,1,2\ns1,2024,3,4\n"),
				nd("long.csv", "subject,period,metric,value\ns2,2024,a,5\ns1,2024,c,6\ns1,2023,b_prev,7\n"),
			},
			cells:    []cell{{"s1", "a", "2023", 1}, {"s1", "b", "2024", 4}, {"s2", "a", "2024", 5}, {"s1", "c", "2024", 6}, {"s1", "b_prev", "2023", 7}, {"s2", "b", "2024", nan}},
			metricsN: 4,
		},
		{
			name:     "percentages",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,rate\ns1,2024,95%\ns2,2024, 12.5 % \ns3,2024,-3%\ncity,2024,0.5%\n")},
			cells:    []cell{{"s1", "rate", "2024", 0.95}, {"s2", "rate", "2024", 0.125}, {"s3", "rate", "2024", -0.03}, {"city", "rate", "2024", 0.005}},
			metricsN: 1,
		},
		{
			name:     "full-width percent",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value\ns1,2024,rate,84.4％\ns2,2024,rate, 12.5 ％ \ns3,2024,rate,100%\n")},
			cells:    []cell{{"s1", "rate", "2024", 0.844}, {"s2", "rate", "2024", 0.125}, {"s3", "rate", "2024", 1}},
			metricsN: 1,
		},
		{
			name:     "missing tokens",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a,b,c,d\ns1,2024,,NA,N/A,-\ns2,2024,null,NULL,na,n/a\ns3,2024,Null, ,\"\",7\n")},
			cells:    []cell{{"s1", "a", "2024", nan}, {"s1", "b", "2024", nan}, {"s1", "c", "2024", nan}, {"s1", "d", "2024", nan}, {"s2", "a", "2024", nan}, {"s2", "d", "2024", nan}, {"s3", "a", "2024", nan}, {"s3", "d", "2024", 7}},
			metricsN: 4,
		},
		{
			name:     "BOM in every file",
			subjects: nd("subjects.csv", "\uFEFF"+subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "\uFEFFsubject,period,a\ns1,2024,1\n")},
			cells:    []cell{{"s1", "a", "2024", 1}},
			metricsN: 1,
			check: func(t *testing.T, ds *dataset.Dataset) {
				if got := strings.Join(ds.AttrNames, ","); got != "region" {
					t.Errorf("AttrNames = %q, want region", got)
				}
			},
		},
		{
			name:     "GB18030 subjects",
			subjects: nd("gbk.csv", gb),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\ng1,2024,1\n")},
			cells:    []cell{{"g1", "a", "2024", 1}},
			metricsN: 1,
			warnings: []string{`gbk.csv:1:14: file is not UTF-8 (byte 0xC7 here is the first that is not); read as GB18030: save it as "CSV UTF-8" to silence this warning`},
			check: func(t *testing.T, ds *dataset.Dataset) {
				s := ds.Subjects[0]
				if s.Name != "街道办" || attr(s, "区域") != "北区" {
					t.Errorf("subject = %+v, want name 街道办 and 区域 北区", s)
				}
			},
		},
		{
			name:     "subjects attributes, parents, positions and trimming",
			subjects: nd("subjects.csv", "id , name,kind,parent,level\n b ,,party_org, a ,2\na,A,party_org,,1\n\nc,C,social_org,b,\n"),
			opt:      csvdata.Options{Kinds: kinds},
			check: func(t *testing.T, ds *dataset.Dataset) {
				want := []dataset.Subject{
					{ID: "a", Name: "A", Kind: "party_org", Attrs: dataset.MakeAttrs(map[string]string{"level": "1"}), Pos: diag.Pos{File: "subjects.csv", Line: 3, Col: 1}},
					{ID: "b", Name: "b", Kind: "party_org", Parent: "a", Attrs: dataset.MakeAttrs(map[string]string{"level": "2"}), Pos: diag.Pos{File: "subjects.csv", Line: 2, Col: 1}},
					{ID: "c", Name: "C", Kind: "social_org", Parent: "b", Attrs: dataset.MakeAttrs(map[string]string{"level": ""}), Pos: diag.Pos{File: "subjects.csv", Line: 5, Col: 1}},
				}
				if len(ds.Subjects) != len(want) {
					t.Fatalf("got %d subjects, want %d", len(ds.Subjects), len(want))
				}
				for i, w := range want {
					g := ds.Subjects[i]
					if g.ID != w.ID || g.Name != w.Name || g.Kind != w.Kind || g.Parent != w.Parent || g.Pos != w.Pos || g.Attrs.Len() != w.Attrs.Len() || attr(g, "level") != attr(w, "level") {
						t.Errorf("subject %d = %+v, want %+v", i, g, w)
					}
				}
				if v, ok := ds.Subjects[2].Attr("level"); !ok || v != "" {
					t.Errorf("Attr(level) = %q, %v; want empty and present", v, ok)
				}
			},
		},
		{
			name:     "bounds inclusive",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,rate\ns1,2024,0\ns2,2024,100%\ns3,2024,NA\n")},
			opt:      csvdata.Options{Bounds: map[string]csvdata.Bounds{"rate": {Min: f64(0), Max: f64(1)}}},
			cells:    []cell{{"s1", "rate", "2024", 0}, {"s2", "rate", "2024", 1}, {"s3", "rate", "2024", nan}},
			metricsN: 1,
		},
		{
			name:     "monthly and half-year periods",
			subjects: nd("subjects.csv", subjectsCSV),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\ns1,2024-01,1\ns1,2023-12,2\n"), nd("h.csv", "subject,period,metric,value\n")},
			cells:    []cell{{"s1", "a", "2024-01", 1}, {"s1", "a", "2023-12", 2}},
			metricsN: 1,
			warnings: []string{"h.csv: metrics file has no data rows"},
		},
		{
			name:     "quoted cells with line breaks and commas",
			subjects: nd("subjects.csv", "id,name,kind\n\"s,1\",\"two\nlines\",party_org\n"),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\r\n\"s,1\",2024,\"1.5\"\r\n")},
			cells:    []cell{{"s,1", "a", "2024", 1.5}},
			metricsN: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := csvdata.Parse(tt.subjects, tt.metrics, tt.opt)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkCells(t, ds, tt.cells)
			if got := len(ds.Metrics()); got != tt.metricsN {
				t.Errorf("got %d metrics %v, want %d", got, ds.Metrics(), tt.metricsN)
			}
			var ws []string
			for _, w := range ds.Warnings {
				ws = append(ws, w.String())
			}
			if strings.Join(ws, "\n") != strings.Join(tt.warnings, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(ws, "\n"), strings.Join(tt.warnings, "\n"))
			}
			if tt.check != nil {
				tt.check(t, ds)
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	okSubjects := nd("subjects.csv", subjectsCSV)
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("subject,period,a\ns1,2024,1\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		subjects csvdata.NamedData
		metrics  []csvdata.NamedData
		opt      csvdata.Options
		want     string
	}{
		{
			name:     "bare quote",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\ns1,2024,1\"2\ns2,2024,3\n")},
			want:     `m.csv:2:10: bare " in an unquoted cell: quote the whole cell and double the quotes inside it ("say ""hi""")`,
		},
		{
			name:     "quote not closed before the next character",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\n\"甲\"x,2024,1\n")},
			want:     `m.csv:2:3: extraneous or missing " in a quoted cell: close the quote, and double every " inside the cell`,
		},
		{
			name:     "unterminated quote over lines",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\ns1,2024,\"1\ns2,2024,2\n")},
			want:     `m.csv:3:11: extraneous or missing " in a quoted cell that starts on line 2: close the quote, and double every " inside the cell`,
		},
		{
			name:     "wrong field count",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\ns1,2024,1,2\ns2,2024\ns3,2024,3\n")},
			want: `m.csv:2:1: row has 4 fields but the header has 3: quote cells that contain commas ("a,b") and check for missing or extra commas
m.csv:3:1: row has 2 fields but the header has 3: quote cells that contain commas ("a,b") and check for missing or extra commas`,
		},
		{
			name:     "duplicate in one file",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value\ns1,2024,a,1\ns2,2024,a,2\ns1,2024,a,NA\n")},
			want:     `m.csv:4:9: duplicate value for subject "s1", metric "a", period 2024 (first given at m.csv:2:9): give each subject, period and metric once across all metric files`,
		},
		{
			name:     "duplicate across two files",
			subjects: okSubjects,
			metrics: []csvdata.NamedData{
				nd("a.csv", "subject,period,x,y\ns2,2024,1,2\ns1,2024,3,\n"),
				nd("b.csv", "subject,period,metric,value\ns1,2024,y,5\ns1,2023,y,5\n"),
				nd("c.csv", "subject,period,y\ns1,2024,6\n"),
			},
			want: `b.csv:2:9: duplicate value for subject "s1", metric "y", period 2024 (first given at a.csv:3:11): give each subject, period and metric once across all metric files
c.csv:2:9: duplicate value for subject "s1", metric "y", period 2024 (first given at a.csv:3:11): give each subject, period and metric once across all metric files`,
		},
		{
			name:     "wide row pasted twice is one error",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a,b,c\ncity,2024,1,2,3\ncity,2024,1,2,3\n")},
			want:     `m.csv:3:11: duplicate values for subject "city", period 2024: 3 metrics ("a", "b", "c") were first given on the row at m.csv:2:11: give each subject, period and metric once across all metric files`,
		},
		{
			name:     "unknown subject",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\ncty,2024,1\nzzz,2024,2\n ,2024,3\ncty,2023,4\n")},
			want: `m.csv:2:1: unknown subject "cty" (did you mean "city"?): every subject must be listed in subjects.csv (1 more row names it)
m.csv:3:1: unknown subject "zzz": every subject must be listed in subjects.csv
m.csv:4:1: empty subject: give the id of a subject in subjects.csv`,
		},
		{
			name:     "bad header row",
			subjects: nd("subjects.csv", "id,name,kind\ns1,x,party_org,extra\ns2,y\n"),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,\"period\"x,a\n")},
			want: `m.csv:1:16: extraneous or missing " in a quoted cell: close the quote, and double every " inside the cell
subjects.csv:2:1: row has 4 fields but the header has 3: quote cells that contain commas ("a,b") and check for missing or extra commas
subjects.csv:3:1: row has 2 fields but the header has 3: quote cells that contain commas ("a,b") and check for missing or extra commas`,
		},
		{
			name:     "duplicate past an undecodable file",
			subjects: okSubjects,
			metrics: []csvdata.NamedData{
				nd("a.csv", "subject,period,a\ns1,2024,1\n"),
				nd("b.csv", "subject,period,a\ns1,2024,\xff\n"),
				nd("c.csv", "subject,period,a\ns1,2024,2\n"),
			},
			want: `b.csv:2:9: file is neither UTF-8 nor GB18030 (byte 0xFF cannot be decoded): save it as UTF-8 ("CSV UTF-8" in Excel)
c.csv:2:9: duplicate value for subject "s1", metric "a", period 2024 (first given at a.csv:2:9): give each subject, period and metric once across all metric files`,
		},
		{
			name:     "unparseable number",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,区a,b\n")},
			want:     `m.csv:1:16: invalid metric name "区a": use letters, digits and _, not starting with a digit`,
		},
		{
			name:     "unparseable numbers",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a,b,c\n一,2024,x,y,z\ns1,2024,\"12,5\",NaN,0x10\n")},
			want: `m.csv:2:1: unknown subject "一": every subject must be listed in subjects.csv
m.csv:2:8: metric "a": unparseable number "x": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:2:10: metric "b": unparseable number "y": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:2:12: metric "c": unparseable number "z": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:3:9: metric "a": unparseable number "12,5": use a dot as the decimal separator and no thousands separators
m.csv:3:16: metric "b": unparseable number "NaN": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:3:20: metric "c": unparseable number "0x10": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing`,
		},
		{
			name:     "thousands separators name the wide column",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("data/metrics_2024.csv", "subject,period,population,rate\ns1,2024,\"371,449\",\"1,234.5%\"\n")},
			want: `data/metrics_2024.csv:2:9: metric "population": unparseable number "371,449": remove the thousands separators: 371449
data/metrics_2024.csv:2:19: metric "rate": unparseable number "1,234.5%": remove the thousands separators: 1234.5%`,
		},
		{
			name:     "long file errors name the row's metric",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value\ns1,2024,population,1 000\n甲,2024,城市,x\ns2,2024,,y\ns3,2024,big,1e999%\n")},
			want: `m.csv:2:20: metric "population": unparseable number "1 000": remove the thousands separators: 1000
m.csv:3:1: unknown subject "甲": every subject must be listed in subjects.csv
m.csv:3:8: invalid metric name "城市": use letters, digits and _, not starting with a digit
m.csv:3:11: metric "城市": unparseable number "x": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:4:9: empty metric name: give the metric's identifier
m.csv:4:10: unparseable number "y": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:5:13: metric "big": number "1e999%" is out of range (more than ±1.8e308)`,
		},
		{
			name:     "full-width characters in numbers",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,率,rate,n\n区,2024,８４,－3,84．4％\ns1,2024,371，449,84。4,1ｅ3\n")},
			want: `m.csv:1:16: invalid metric name "率": use letters, digits and _, not starting with a digit
m.csv:2:1: unknown subject "区": every subject must be listed in subjects.csv
m.csv:2:11: metric "rate": unparseable number "－3": full-width minus "－" (U+FF0D); type the ASCII minus "-"
m.csv:2:14: metric "n": unparseable number "84．4％": full-width period "．" (U+FF0E); type the ASCII period "." as the decimal point
m.csv:3:17: metric "rate": unparseable number "84。4": ideographic full stop "。" (U+3002); type the ASCII period "." as the decimal point
m.csv:3:22: metric "n": unparseable number "1ｅ3": full-width character "ｅ" (U+FF45); type the ASCII "e"`,
		},
		{
			name:     "full-width digits",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value\ns1,2024,rate,８４\ns2,2024,rate,\"371，449\"\n")},
			want: `m.csv:2:14: metric "rate": unparseable number "８４": full-width digits (U+FF18); type the number with ASCII digits
m.csv:3:14: metric "rate": unparseable number "371，449": full-width comma "，" (U+FF0C); remove the thousands separators: 371449`,
		},
		{
			name:     "number out of range",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value\ns1,2024,a,-1e999\n")},
			want:     `m.csv:2:11: metric "a": number "-1e999" is out of range (more than ±1.8e308)`,
		},
		{
			name:     "subject parent cycle",
			subjects: nd("subjects.csv", "id,name,kind,parent\na,A,party_org,c\nb,B,party_org,a\nc,C,party_org,b\nd,D,party_org,d\ne,E,party_org,a\n"),
			want: `subjects.csv:2:15: parent cycle a → c → b → a: a subject cannot be its own ancestor; remove one of these parent links
subjects.csv:5:15: parent cycle d → d: a subject cannot be its own ancestor; remove one of these parent links`,
		},
		{
			name:     "parent cycle entered from outside",
			subjects: nd("subjects.csv", "id,name,kind,parent\nx,X,party_org,b\na,A,party_org,c\nb,B,party_org,a\nc,C,party_org,b\n"),
			want:     `subjects.csv:3:15: parent cycle a → c → b → a: a subject cannot be its own ancestor; remove one of these parent links`,
		},
		{
			name:     "unknown parent",
			subjects: nd("subjects.csv", "id,name,kind,parent\ncity,市,party_org,\nsub,区,party_org,ctiy\nx,X,party_org,nowhere\n"),
			want: `subjects.csv:3:17: unknown parent "ctiy" of subject "sub" (did you mean "city"?): parent must be the id of another subject, or empty
subjects.csv:4:15: unknown parent "nowhere" of subject "x": parent must be the id of another subject, or empty`,
		},
		{
			name:     "period format mix",
			subjects: okSubjects,
			metrics: []csvdata.NamedData{
				nd("a.csv", "subject,period,x\ns1,2024,1\ns1,2024-Q1,2\ns1,2024-Q2,2\n"),
				nd("b.csv", "subject,period,metric,value\ns2,2024-03,x,1\ns3,2024-Q3,x,1\n"),
			},
			want: `a.csv:3:4: period "2024-Q1" is YYYY-Qn but the data's periods are YYYY (first "2024" at a.csv:2:4): use one period format in all metric files
b.csv:2:4: period "2024-03" is YYYY-MM but the data's periods are YYYY (first "2024" at a.csv:2:4): use one period format in all metric files`,
		},
		{
			name:     "invalid period",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,x\ns1,2024-13,1\ns1,,2\ns1,24,3\n")},
			want: `m.csv:2:4: invalid period "2024-13": write YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM
m.csv:3:4: empty period: write YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM
m.csv:4:4: invalid period "24": write YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM`,
		},
		{
			name:     "missing required column in subjects",
			subjects: nd("subjects.csv", "id,名称,kind\ns1,x,party_org\n"),
			want:     `subjects.csv:1:1: missing required column "name": subjects.csv needs the columns id, name and kind (optional: parent, then any attributes)`,
		},
		{
			name:     "missing header in subjects",
			subjects: nd("subjects.csv", "s1,x,party_org\n"),
			want: `subjects.csv:1:1: missing required column "id": subjects.csv needs the columns id, name and kind (optional: parent, then any attributes); the first line must be a header row
subjects.csv:1:1: missing required column "name": subjects.csv needs the columns id, name and kind (optional: parent, then any attributes); the first line must be a header row
subjects.csv:1:1: missing required column "kind": subjects.csv needs the columns id, name and kind (optional: parent, then any attributes); the first line must be a header row`,
		},
		{
			name:     "missing required columns in metrics",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("long.csv", "subject,metric,value\n"), nd("wide.csv", "period,a\n")},
			want: `long.csv:1:1: missing required column "period": a metrics file has the columns subject, period, metric, value[, source][, note] (long layout) or subject, period and one column per metric (wide layout)
wide.csv:1:1: missing required column "subject": a metrics file has the columns subject, period, metric, value[, source][, note] (long layout) or subject, period and one column per metric (wide layout)`,
		},
		{
			name:     "missing header in metrics",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "s1,2024,1\n")},
			want: `m.csv:1:1: missing required column "subject": a metrics file has the columns subject, period, metric, value[, source][, note] (long layout) or subject, period and one column per metric (wide layout); the first line must be a header row
m.csv:1:1: missing required column "period": a metrics file has the columns subject, period, metric, value[, source][, note] (long layout) or subject, period and one column per metric (wide layout); the first line must be a header row`,
		},
		{
			name:     "value column without metric column",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,value\n")},
			want:     `m.csv:1:1: missing required column "metric": a metrics file has the columns subject, period, metric, value[, source][, note] (long layout) or subject, period and one column per metric (wide layout)`,
		},
		{
			name:     "unexpected column in long layout",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,metric,value,unit\ns1,2024,a,1,件\n")},
			want:     `m.csv:1:29: unexpected column "unit" in a long-layout metrics file (one with metric and value columns): allowed are subject, period, metric, value, source and note`,
		},
		{
			name:     "invalid metric names",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("w.csv", "subject,period,1a,ok\ns1,2024,1,2\n"), nd("l.csv", "subject,period,metric,value\ns1,2024,a-b,1\ns1,2024,,2\n")},
			want: `l.csv:2:9: invalid metric name "a-b": use letters, digits and _, not starting with a digit
l.csv:3:9: empty metric name: give the metric's identifier
w.csv:1:16: invalid metric name "1a": use letters, digits and _, not starting with a digit`,
		},
		{
			name:     "no metric columns",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,note\n")},
			want:     `m.csv:1:1: no metric columns: add one column per metric after subject and period (wide layout), or metric and value columns (long layout)`,
		},
		{
			name:     "duplicate and empty header names",
			subjects: nd("subjects.csv", "id,name,kind,region, region ,\ns1,x,party_org,a,b,c\n"),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a,a\ns1,2024,1,2\n")},
			want: `m.csv:1:18: duplicate column "a" (also at m.csv:1:16): rename or delete one of them
subjects.csv:1:21: duplicate column "region" (also at subjects.csv:1:14): rename or delete one of them
subjects.csv:1:30: empty column name in the header: name the column or delete it`,
		},
		{
			name:     "duplicate subject id",
			subjects: nd("subjects.csv", "id,name,kind\ns1,x,party_org\ns2,y,party_org\n s1 ,z,party_org\n"),
			want:     `subjects.csv:4:1: duplicate subject id "s1" (first defined at subjects.csv:2:1): ids must be unique`,
		},
		{
			name:     "empty subject id and kind",
			subjects: nd("subjects.csv", "id,name,kind\n,x,party_org\ns2,y,\n"),
			want: `subjects.csv:2:1: empty subject id: every subject needs a unique id
subjects.csv:3:6: empty kind for subject "s2": give one of the kinds the indicator set declares`,
		},
		{
			name:     "unknown kind",
			subjects: nd("subjects.csv", "name,id,kind\n甲,s1,gov_departmnt\n乙,s2,company\n"),
			opt:      csvdata.Options{Kinds: kinds},
			want: `subjects.csv:2:6: unknown kind "gov_departmnt"; the indicator set declares: party_org, gov_department, autonomous_org, social_org (did you mean "gov_department"?)
subjects.csv:3:6: unknown kind "company"; the indicator set declares: party_org, gov_department, autonomous_org, social_org`,
		},
		{
			name:     "no subjects",
			subjects: nd("subjects.csv", "id,name,kind\n"),
			want:     `subjects.csv:1:1: no subjects: add one row per subject below the header`,
		},
		{
			name:     "empty files",
			subjects: nd("subjects.csv", ""),
			metrics:  []csvdata.NamedData{nd("m.csv", "\uFEFF\n\n")},
			want: `m.csv:1:1: file is empty: the first line must be a header row naming the columns
subjects.csv:1:1: file is empty: the first line must be a header row naming the columns`,
		},
		{
			name:     "neither UTF-8 nor GB18030",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("latin1.csv", "subject,period,a\ns1,2024,caf\xe9,\n")},
			want:     `latin1.csv:2:12: file is neither UTF-8 nor GB18030 (byte 0xE9 cannot be decoded): save it as UTF-8 ("CSV UTF-8" in Excel)`,
		},
		{
			name:     "GB18030 file with an error",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("gb.csv", gb+"s2,2024,一\n")},
			want:     `gb.csv:3:9: metric "a": unparseable number "一": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing`,
		},
		{
			name:     "out of bounds",
			subjects: okSubjects,
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,rate,n\ns1,2024,101%,-1\ns2,2024,-0.5,5\n")},
			opt:      csvdata.Options{Bounds: map[string]csvdata.Bounds{"rate": {Min: f64(0), Max: f64(1)}, "n": {Min: f64(0)}}},
			want: `m.csv:2:9: value 1.01 of metric "rate" is above the declared max 1: correct the value or the metric's bounds in the indicator set
m.csv:2:14: value -1 of metric "n" is below the declared min 0: correct the value or the metric's bounds in the indicator set
m.csv:3:9: value -0.5 of metric "rate" is below the declared min 0: correct the value or the metric's bounds in the indicator set`,
		},
		{
			name:     "many errors at once",
			subjects: nd("subjects.csv", "id,name,kind,parent\ns1,x,party_org,s9\ns1,y,party_org,\ns2,z,corp,\n"),
			metrics: []csvdata.NamedData{
				nd("a.csv", "subject,period,a\ns1,2024,x\ns3,2024,1\ns1,2024,2\n"),
				nd("b.csv", "subject,period,metric,value\ns2,2024-Q1,a,1\ns2,2024,a,1\"\n"),
			},
			opt: csvdata.Options{Kinds: kinds},
			want: `a.csv:2:9: metric "a": unparseable number "x": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
a.csv:3:1: unknown subject "s3" (did you mean "s1"?): every subject must be listed in subjects.csv
a.csv:4:9: duplicate value for subject "s1", metric "a", period 2024 (first given at a.csv:2:9): give each subject, period and metric once across all metric files
b.csv:2:4: period "2024-Q1" is YYYY-Qn but the data's periods are YYYY (first "2024" at a.csv:2:4): use one period format in all metric files
b.csv:3:12: bare " in an unquoted cell: quote the whole cell and double the quotes inside it ("say ""hi""")
subjects.csv:2:16: unknown parent "s9" of subject "s1": parent must be the id of another subject, or empty
subjects.csv:3:1: duplicate subject id "s1" (first defined at subjects.csv:2:1): ids must be unique
subjects.csv:4:6: unknown kind "corp"; the indicator set declares: party_org, gov_department, autonomous_org, social_org`,
		},
		{
			name:     "metrics checked when subjects are unusable",
			subjects: nd("subjects.csv", "id,kind\n"),
			metrics:  []csvdata.NamedData{nd("m.csv", "subject,period,a\nnobody,2024,x\nnobody,2024,1\n")},
			want: `m.csv:2:13: metric "a": unparseable number "x": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
subjects.csv:1:1: missing required column "name": subjects.csv needs the columns id, name and kind (optional: parent, then any attributes)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := csvdata.Parse(tt.subjects, tt.metrics, tt.opt)
			if err == nil {
				t.Fatalf("Parse succeeded, want errors:\n%s", tt.want)
			}
			if ds != nil {
				t.Errorf("Parse returned a dataset with an error")
			}
			var list diag.List
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want diag.List", err)
			}
			kept, _ := list.Kept() // the count of errors not kept has no position
			for _, e := range kept {
				if e.Pos.File == "" || e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Errorf("error without full position: %v", e)
				}
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	subj := write("subjects.csv", subjectsCSV)
	m1 := write("m1.csv", "subject,period,a\ns1,2024,1\n")
	m2 := write("m2.csv", "subject,period,metric,value\ns2,2024,a,2\n")
	bad := write("bad.csv", "subject,period,metric,value\ns2,2024,a,3\n")

	t.Run("good", func(t *testing.T) {
		ds, err := csvdata.Load(subj, []string{m1, m2}, csvdata.Options{Kinds: kinds})
		if err != nil {
			t.Fatal(err)
		}
		checkCells(t, ds, []cell{{"s1", "a", "2024", 1}, {"s2", "a", "2024", 2}})
	})
	t.Run("duplicate names both files", func(t *testing.T) {
		_, err := csvdata.Load(subj, []string{m2, bad}, csvdata.Options{})
		want := bad + `:2:9: duplicate value for subject "s2", metric "a", period 2024 (first given at ` + m2 + `:2:9): give each subject, period and metric once across all metric files`
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})
	t.Run("missing file is an I/O error", func(t *testing.T) {
		_, err := csvdata.Load(subj, []string{filepath.Join(dir, "nope.csv")}, csvdata.Options{})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
		var list diag.List
		if errors.As(err, &list) {
			t.Errorf("I/O error reported as a diag.List")
		}
	})
}

// attr returns the attribute name of s, "" when it has none.
func attr(s dataset.Subject, name string) string {
	v, _ := s.Attr(name)
	return v
}
