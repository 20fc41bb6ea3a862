package csvdata

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/diag"
)

func TestStripThousands(t *testing.T) {
	cases := map[string]string{
		"2,465": "2465", "2，465": "2465", "-1,234.5": "-1234.5", "12,345%": "12345%", "1,000,000": "1000000",
		"12,5": "12,5", "1,23,456": "1,23,456", "1234,567": "1234,567", "2465": "2465", ",465": ",465",
		"1,000.": "1,000.", "+-1,000": "+-1,000", "": "", "a,bcd": "a,bcd", "1,0001": "1,0001",
	}
	for in, want := range cases {
		if got := stripThousands(in); got != want {
			t.Errorf("stripThousands(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzStripThousands: the result is the cell itself or a number without
// separators.
func FuzzStripThousands(f *testing.F) {
	for _, s := range []string{"2,465", "-1，234.5", "12,345%", "1,23", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := stripThousands(s)
		if got == s {
			return
		}
		n := strings.TrimSuffix(strings.TrimSuffix(got, "%"), "％")
		if strings.ContainsAny(got, ",，") {
			t.Fatalf("%q → %q keeps a separator", s, got)
		}
		if _, err := strconv.ParseFloat(n, 64); err != nil {
			t.Fatalf("%q → %q is not a number", s, got)
		}
	})
}

const mappedSubjects = "标题\n编码,名称,类别\ns1,甲局,政府部门\ns2,乙村,村居委会\ns3,丙局,政府部门\n"

// mappedFixture writes the subjects and returns the subjects input.
func mappedFixture(t testing.TB, dir string) Input {
	p := filepath.Join(dir, "subjects.csv")
	if err := os.WriteFile(p, []byte(mappedSubjects), 0o644); err != nil {
		t.Fatal(err)
	}
	return Input{Path: p, Name: "subjects.csv", Map: &datamap.File{HeaderRow: 2,
		Columns: []datamap.Column{{Name: "id", Header: "编码"}, {Name: "name", Header: "名称"}, {Name: "kind", Header: "类别"}},
		Values:  map[string]map[string]string{"kind": {"政府部门": "gov", "村居委会": "village"}}}}
}

// checkMapped fails when a load's answer breaks the contract: a result, or
// a diag.List of positioned errors, never both.
func checkMapped(t *testing.T, ok bool, err error) {
	t.Helper()
	if err == nil {
		if !ok {
			t.Fatal("no result and no error")
		}
		return
	}
	if ok {
		t.Fatal("a result with an error")
	}
	var list diag.List
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("error %T %v is not a diag.List", err, err)
	}
	kept, _ := list.Kept() // the count of errors not kept has no position
	for _, e := range kept {
		if e.Pos.File == "" || e.Msg == "" {
			t.Fatalf("error without a file: %q", e.Error())
		}
	}
}

// FuzzMappedMetrics reads any metrics CSV through a mapping with a title
// row, subjects by name, a constant period and thousands separators.
func FuzzMappedMetrics(f *testing.F) {
	f.Add([]byte("报送表\n名称,案件数,备注\n甲局,\"2,465\",\n乙村,12,核实\n丙局,\"1，020\",\n"))
	f.Add([]byte("报送表\n名称,案件\n甲 局,1\n"))
	f.Add([]byte("x\n名称,案件数\n甲局,1\n甲局,2\n,\n\"\n"))
	m := &datamap.File{HeaderRow: 2, SubjectBy: "name", Period: "2024", Thousands: true,
		Columns: []datamap.Column{{Name: "subject", Header: "名称"}, {Name: "cases", Header: "案件数"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		subj := mappedFixture(t, dir)
		p := filepath.Join(dir, "m.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ds, err := LoadInputs(subj, []Input{{Path: p, Name: "m.csv", Map: m}}, Options{Kinds: []string{"gov", "village"}})
		checkMapped(t, ds != nil, err)
	})
}

// FuzzSurvey reads any survey export CSV.
func FuzzSurvey(f *testing.F) {
	f.Add([]byte("序号,时间,1、甲局,2、乙村\n1,t,非常满意,满意\n2,t,,一般\n3,t,90,较满意\n"))
	f.Add([]byte("序号,1、甲局\n,满意\n1\n"))
	m := &datamap.File{Layout: datamap.LayoutSurvey, Item: "sat", Period: "2024", Role: "public", Rater: "序号", SubjectBy: "name",
		Questions: []datamap.Question{{Header: "1、甲局", Subject: "甲局"}, {Header: "2、乙村", Subject: "乙村"}},
		Labels:    map[string]float64{"非常满意": 100, "满意": 80, "一般": 60}}
	items := []assess.Item{{ID: "sat", Scale: [2]float64{0, 100}, Roles: []assess.RoleWeight{{Role: "public", Weight: 1}}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		ds, err := LoadInputs(mappedFixture(t, dir), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "s.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := LoadAssessmentInputs([]Input{{Path: p, Name: "s.csv", Map: m}}, items, ds)
		checkMapped(t, a != nil, err)
		if a != nil {
			for _, r := range a.Rows {
				if !strings.HasPrefix(r.Rater, "s:") || r.Score < 0 || r.Score > 100 {
					t.Fatalf("rating %+v", r)
				}
			}
		}
	})
}

// TestMappedPositions: errors through a mapping are at the file's own
// cells; CSV columns count runes.
func TestMappedPositions(t *testing.T) {
	dir := t.TempDir()
	subj := mappedFixture(t, dir)
	p := filepath.Join(dir, "m.csv")
	if err := os.WriteFile(p, []byte("报送表\n名称,案件数\n甲局,\"2,465\"\n乙村,x\n丁局,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &datamap.File{HeaderRow: 2, SubjectBy: "name", Period: "2024",
		Columns: []datamap.Column{{Name: "subject", Header: "名称"}, {Name: "cases", Header: "案件数"}}}
	_, err := LoadInputs(subj, []Input{{Path: p, Name: "m.csv", Map: m}}, Options{})
	got := err.Error()
	for _, want := range []string{
		`m.csv:3:4: metric "cases": unparseable number "2,465": remove the thousands separators: 2465`,
		`m.csv:4:4: metric "cases": unparseable number "x"`,
		`m.csv:5:1: no subject is named "丁局"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("error\n%s\nwant %q", got, want)
		}
	}
}
