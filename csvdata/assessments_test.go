package csvdata_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

var asmtItems = []assess.Item{
	{ID: "satisfaction", Scale: [2]float64{0, 100},
		Roles: []assess.RoleWeight{{Role: "public", Weight: 40}, {Role: "third_party", Weight: 30}, {Role: "peer", Weight: 10}, {Role: "self", Weight: 5}}},
	{ID: "efficiency", Scale: [2]float64{1, 5},
		Roles: []assess.RoleWeight{{Role: "peer", Weight: 1}, {Role: "superior", Weight: 2}}},
}

var asmtSubjects = []string{"gov_a", "gov_b", "village_c"}

func TestParseAssessmentsGood(t *testing.T) {
	const file = "\uFEFFitem, period ,subject,rater,role,score,note\r\n" +
		"satisfaction,2024,gov_a,p1,public,87.5,\r\n" +
		"satisfaction,2024,gov_a,gov_b,peer,70,\"two-way, quoted\"\r\n" +
		"satisfaction,2024,gov_a,gov_a,self,95,\r\n" +
		"satisfaction,2024,gov_b,p1,public,NA,did not answer\r\n" +
		"\r\n" +
		"efficiency,2023,village_c,张三,superior, 4 ,\r\n" +
		"efficiency,2024,village_c,张三,superior,1e0,\r\n"
	a, err := csvdata.ParseAssessments("a.csv", []byte(file), asmtItems, asmtSubjects)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		period string
		r      assess.Rating
		line   int
	}{
		{"2024", assess.Rating{Item: "satisfaction", Subject: "gov_a", Rater: "p1", Role: "public", Score: 87.5}, 2},
		{"2024", assess.Rating{Item: "satisfaction", Subject: "gov_a", Rater: "gov_b", Role: "peer", Score: 70}, 3},
		{"2024", assess.Rating{Item: "satisfaction", Subject: "gov_a", Rater: "gov_a", Role: "self", Score: 95}, 4},
		{"2023", assess.Rating{Item: "efficiency", Subject: "village_c", Rater: "张三", Role: "superior", Score: 4}, 7},
		{"2024", assess.Rating{Item: "efficiency", Subject: "village_c", Rater: "张三", Role: "superior", Score: 1}, 8},
	}
	if len(a.Rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(a.Rows), len(want), a.Rows)
	}
	for i, w := range want {
		g := a.Rows[i]
		if g.Period.String() != w.period || g.Rating != w.r || g.Pos != (diag.Pos{File: "a.csv", Line: w.line, Col: 1}) {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0].Msg, "1 row(s) without a score") || a.Warnings[0].Pos.Line != 5 {
		t.Errorf("warnings = %v", a.Warnings)
	}
	ps := a.Periods()
	if len(ps) != 2 || ps[0].String() != "2023" || ps[1].String() != "2024" {
		t.Errorf("Periods = %v", ps)
	}
	p24, _ := dataset.ParsePeriod("2024")
	if rs := a.Ratings(p24); len(rs) != 4 || rs[3].Score != 1 {
		t.Errorf("Ratings(2024) = %v", rs)
	}
}

func TestParseAssessmentsGB18030(t *testing.T) {
	utf := "period,item,subject,rater,role,score,note\n2024,satisfaction,gov_a,李四,public,80,很好\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	a, err := csvdata.ParseAssessments("gb.csv", []byte(gb), asmtItems, asmtSubjects)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Rows) != 1 || a.Rows[0].Rater != "李四" {
		t.Errorf("rows = %+v", a.Rows)
	}
	if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0].Msg, "GB18030") {
		t.Errorf("warnings = %v", a.Warnings)
	}
}

func TestParseAssessmentsEmptyBody(t *testing.T) {
	a, err := csvdata.ParseAssessments("e.csv", []byte("period,item,subject,rater,role,score\n"), asmtItems, asmtSubjects)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Rows) != 0 || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0].Msg, "no rows") {
		t.Errorf("got %+v", a)
	}
}

const asmtHeader = "period,item,subject,rater,role,score\n"

func TestParseAssessmentsBlankRows(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		rows     int
		warnings []string
	}{
		{"Excel blank rows", asmtHeader + ",,,,,\n2024,satisfaction,gov_a,p1,public,50\n , ,,\t,,\n,,,,,\n", 1,
			[]string{"f.csv: 3 blank rows skipped (lines 2, 4, 5)"}},
		{"one blank row", "note," + asmtHeader + ",2024,satisfaction,gov_a,p1,public,50\n,,,,,,\n", 1,
			[]string{"f.csv: 1 blank row skipped (line 3)"}},
		{"only blank rows", asmtHeader + ",,,,,\n", 0,
			[]string{"f.csv: 1 blank row skipped (line 2)", "f.csv: assessments file has no rows"}},
		{"many blank rows", asmtHeader + "2024,satisfaction,gov_a,p1,public,50\n" + strings.Repeat(",,,,,\n", 6), 1,
			[]string{"f.csv: 6 blank rows skipped (lines 3, 4, 5, 6, 7, …)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := csvdata.ParseAssessments("f.csv", []byte(tc.data), asmtItems, asmtSubjects)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Rows) != tc.rows {
				t.Errorf("got %d rows, want %d", len(a.Rows), tc.rows)
			}
			var ws []string
			for _, w := range a.Warnings {
				ws = append(ws, w.String())
			}
			if got, want := strings.Join(ws, "\n"), strings.Join(tc.warnings, "\n"); got != want {
				t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestParseAssessmentsBad(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // the whole error: file:line:col: message
	}{
		{"empty-file", "", "f.csv:1:1: file is empty"},
		{"missing-column", "period,item,subject,rater,score\n", "f.csv:1:1: header lacks the column(s) role"},
		{"unknown-column", "period,item,subject,rater,role,scroe,score\n", `f.csv:1:32: unknown column "scroe": an assessments file has the columns period, item, subject, rater, role, score and optionally note (did you mean "score"?)`},
		{"empty-column-name", "period,item,subject,rater,role,score,\n", "f.csv:1:38: empty column name"},
		{"duplicate-column", "period,item,subject,rater,role,score,item\n", `f.csv:1:38: duplicate column "item" (also column 2)`},
		{"bad-period", asmtHeader + "2024-13,satisfaction,gov_a,p1,public,50\n", `f.csv:2:1: invalid period "2024-13"`},
		{"mixed-periods", asmtHeader + "2024,satisfaction,gov_a,p1,public,50\n2024-Q1,satisfaction,gov_a,p2,public,50\n",
			"f.csv:3:1: period 2024-Q1 is in the format YYYY-Qn but line 2 has 2024 (format YYYY)"},
		{"unknown-item", asmtHeader + "2024,satisfacton,gov_a,p1,public,50\n", `f.csv:2:6: unknown assessment item "satisfacton" (did you mean "satisfaction"?)`},
		{"unknown-item-no-suggestion", asmtHeader + "2024,quality,gov_a,p1,public,50\n", `f.csv:2:6: unknown assessment item "quality"`},
		{"empty-item", asmtHeader + "2024,,gov_a,p1,public,50\n", `f.csv:2:6: empty item: name one of the assessment items "satisfaction", "efficiency"`},
		{"unknown-subject", asmtHeader + "2024,satisfaction,gov_x,p1,public,50\n", `f.csv:2:19: unknown subject "gov_x" (did you mean "gov_a"?)`},
		{"empty-subject", asmtHeader + "2024,satisfaction,,p1,public,50\n", "f.csv:2:19: empty subject"},
		{"empty-rater", asmtHeader + "2024,satisfaction,gov_a, ,public,50\n", "f.csv:2:25: empty rater"},
		{"unknown-role", asmtHeader + "2024,efficiency,gov_a,p1,publik,3\n", `f.csv:2:26: item "efficiency" has no role "publik": its roles are "peer", "superior"`},
		{"role-suggestion", asmtHeader + "2024,efficiency,gov_a,p1,superor,3\n", `f.csv:2:26: item "efficiency" has no role "superor" (did you mean "superior"?)`},
		{"self-wrong-role", asmtHeader + "2024,satisfaction,gov_a,gov_a,peer,50\n", `f.csv:2:31: subject "gov_a" rates itself with role "peer": a self-assessment must have role "self"`},
		{"score-not-number", asmtHeader + "2024,satisfaction,gov_a,p1,public,8O\n", `f.csv:2:35: score "8O" is not a number`},
		{"score-comma", asmtHeader + "2024,satisfaction,gov_a,p1,public,\"87,5\"\n", `f.csv:2:35: score "87,5" is not a number`},
		{"score-nan", asmtHeader + "2024,satisfaction,gov_a,p1,public,NaN\n", `f.csv:2:35: score "NaN" is not a number`},
		{"score-hex", asmtHeader + "2024,satisfaction,gov_a,p1,public,0x10\n", `f.csv:2:35: score "0x10" is not a number`},
		{"score-overflow", asmtHeader + "2024,satisfaction,gov_a,p1,public,1e400\n", `f.csv:2:35: score "1e400" is out of range`},
		{"score-outside-scale", asmtHeader + "2024,efficiency,gov_a,p1,peer,6\n", `f.csv:2:31: score 6 is outside the scale [1, 5] of item "efficiency"`},
		{"score-below-scale", asmtHeader + "2024,satisfaction,gov_a,p1,public,-0.5\n", `f.csv:2:35: score -0.5 is outside the scale [0, 100]`},
		{"duplicate", asmtHeader + "2024,satisfaction,gov_a,p1,public,50\n2024,satisfaction,gov_a,p1,third_party,60\n",
			`f.csv:3: duplicate rating: rater "p1" already rated subject "gov_a" on item "satisfaction" in 2024 at f.csv:2`},
		{"field-count", asmtHeader + "2024,satisfaction,gov_a,p1,public\n", "f.csv:2: row has 5 fields but the header has 6"},
		{"bare-quote", asmtHeader + "2024,satisfaction,gov_a,p\"1,public,50\n", `f.csv:2:26: bare " in an unquoted cell`},
		{"open-quote", asmtHeader + "2024,satisfaction,gov_a,\"p1,public,50\n", `f.csv:2:39: extraneous or missing " in a quoted cell (starting on line 2)`},
		{"header-bare-quote", "per\"iod,item\n", `f.csv:1:4: bare " in an unquoted cell`},
		{"score-full-width-digits", asmtHeader + "2024,satisfaction,gov_a,p1,public,８７\n",
			`f.csv:2:35: score "８７" is not a number: full-width digits (U+FF18); type the number with ASCII digits`},
		{"score-full-width-period", asmtHeader + "2024,satisfaction,gov_a,p1,public,87．5\n",
			`f.csv:2:35: score "87．5" is not a number: full-width period "．" (U+FF0E); type the ASCII period "." as the decimal point`},
		{"blank-row-then-error", asmtHeader + ",,,,,\n2024,satisfaction,gov_a,p1,public,x\n", `f.csv:3:35: score "x" is not a number`},
		{"rune-columns", asmtHeader + "2024,satisfaction,gov_a,张三丰,public,x\n", `f.csv:2:36: score "x" is not a number`},
		{"not-utf8-nor-gb18030", asmtHeader + "2024,satisfaction,gov_a,p1,public,50\n2024,sat\xff", "f.csv:3:9: file is neither UTF-8 nor GB18030"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := csvdata.ParseAssessments("f.csv", []byte(tc.data), asmtItems, asmtSubjects)
			if err == nil {
				t.Fatalf("no error; rows %+v", a.Rows)
			}
			if a != nil {
				t.Error("result returned with an error")
			}
			var l diag.List
			if !errors.As(err, &l) {
				t.Fatalf("error %T is not a diag.List", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n%s\nwant prefix\n%s", err, tc.want)
			}
		})
	}
}

// TestParseAssessmentsAllErrors: every problem of a file is reported at
// once, in position order.
func TestParseAssessmentsAllErrors(t *testing.T) {
	data := asmtHeader +
		"2024,satisfaction,nobody,p1,public,50\n" +
		"2024,efficiency,gov_a,p1,peer,9\n" +
		"bad,satisfaction,gov_a,p2,boss,x\n" +
		"2024,satisfaction,nobody,p3,public,50\n"
	_, err := csvdata.ParseAssessments("f.csv", []byte(data), asmtItems, asmtSubjects)
	var l diag.List
	if !errors.As(err, &l) {
		t.Fatalf("got %v", err)
	}
	want := []string{"f.csv:2:19", "f.csv:3:31", "f.csv:4:1", "f.csv:4:27", "f.csv:4:32", "f.csv:5:19"}
	if len(l) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(l), len(want), err)
	}
	for i, w := range want {
		if got := l[i].Pos.String(); got != w {
			t.Errorf("error %d at %s, want %s (%s)", i, got, w, l[i].Msg)
		}
	}
}

func TestMergeAssessments(t *testing.T) {
	parse := func(name, body string) *csvdata.Assessments {
		t.Helper()
		a, err := csvdata.ParseAssessments(name, []byte(asmtHeader+body), asmtItems, asmtSubjects)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := parse("a.csv", "2024,satisfaction,gov_a,p1,public,50\n")
	b := parse("b.csv", "2024,satisfaction,gov_b,p1,public,60\n")
	m, err := csvdata.MergeAssessments(a, b)
	if err != nil || len(m.Rows) != 2 || m.Rows[1].Pos.File != "b.csv" {
		t.Fatalf("merge: %v, %+v", err, m)
	}
	tests := []struct {
		name  string
		parts []*csvdata.Assessments
		want  string
	}{
		{"duplicate-across-files", []*csvdata.Assessments{a, parse("c.csv", "\n2024,satisfaction,gov_a,p1,peer,70\n")},
			`c.csv:3:1: duplicate rating: rater "p1" already rated subject "gov_a" on item "satisfaction" in 2024 at a.csv:2:1`},
		{"period-formats-across-files", []*csvdata.Assessments{a, parse("d.csv", "2024-Q1,satisfaction,gov_b,p1,public,70\n")},
			"d.csv:2:1: period 2024-Q1 is in the format YYYY-Qn but a.csv:2:1 has 2024 (format YYYY)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := csvdata.MergeAssessments(tc.parts...)
			if err == nil || m != nil {
				t.Fatalf("got %+v, %v", m, err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n%s\nwant prefix\n%s", err, tc.want)
			}
		})
	}
}

func FuzzParseAssessments(f *testing.F) {
	f.Add([]byte(asmtHeader + "2024,satisfaction,gov_a,p1,public,50\n"))
	f.Add([]byte("\uFEFFitem,period,subject,rater,role,score,note\r\n2024-Q1,efficiency,gov_b,gov_a,peer,3,\"x,y\"\r\n"))
	f.Add([]byte(asmtHeader + "2024,satisfaction,gov_a,gov_a,self,NA\n2024,satisfaction,gov_a,gov_a,self,1e2\n"))
	f.Add([]byte(asmtHeader + "2024-13,x,,\"p,1\n"))
	f.Add([]byte("period,item\n\xff\xfe"))
	// More errors than a list keeps: the last element only counts the rest.
	f.Add([]byte(asmtHeader + strings.Repeat("2024,nope,gov_a,p1,public,50\n", diag.MaxCollected+2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := csvdata.ParseAssessments("fz.csv", data, asmtItems, asmtSubjects)
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error %v is not a non-empty diag.List", err)
			}
			kept, _ := l.Kept() // the count of errors not kept has no position
			for _, e := range kept {
				if e.Pos.File != "fz.csv" || e.Pos.Line < 1 {
					t.Fatalf("error without a position: %v", e)
				}
			}
			return
		}
		for _, r := range a.Rows {
			var it *assess.Item
			for i := range asmtItems {
				if asmtItems[i].ID == r.Item {
					it = &asmtItems[i]
				}
			}
			if it == nil || it.RoleIndex(r.Role) < 0 || r.Rater == "" || r.Period.IsZero() ||
				!(r.Score >= it.Scale[0] && r.Score <= it.Scale[1]) || (r.Rater == r.Subject && r.Role != "self") {
				t.Fatalf("invalid row accepted: %+v", r)
			}
		}
		// Accepted rows always combine.
		for _, p := range a.Periods() {
			if _, err := assess.Combine(asmtItems, asmtSubjects, a.Ratings(p)); err != nil {
				t.Fatalf("Combine rejected parsed rows: %v", err)
			}
		}
	})
}
