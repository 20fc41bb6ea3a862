package csvdata_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/diag"
)

// TestManyErrorsCounted: 200,000 unknown subjects keep at most
// diag.MaxCollected errors in memory while the count stays exact (before
// issue 12 every one was kept: 3 M took 1.7 GB).
func TestManyErrorsCounted(t *testing.T) {
	const n = 200_000
	var b strings.Builder
	b.WriteString("subject,period,a\n")
	for i := range n {
		fmt.Fprintf(&b, "x%d,2024,1\n", i)
	}
	_, err := csvdata.Parse(nd("subjects.csv", subjectsCSV), []csvdata.NamedData{nd("m.csv", b.String())}, csvdata.Options{})
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	if list.Len() != n {
		t.Errorf("Len = %d, want %d", list.Len(), n)
	}
	if len(list) > diag.MaxCollected+1 {
		t.Errorf("%d errors kept, want at most %d and a count", len(list), diag.MaxCollected)
	}
	if want := fmt.Sprintf("(and %d more errors)", n-diag.MaxErrors); !strings.HasSuffix(err.Error(), want) {
		t.Errorf("message ends %q, want %q", err.Error()[max(0, len(err.Error())-80):], want)
	}
	if !strings.HasPrefix(err.Error(), `m.csv:2:1: unknown subject "x0"`) {
		t.Errorf("message starts %.80q", err.Error())
	}
}

// TestRowTooLong: a row (here one unterminated quoted cell) longer than
// MaxRowBytes stops the file with an error at the row's first line, and
// is never read whole; a huge value is echoed clipped.
func TestRowTooLong(t *testing.T) {
	huge := strings.Repeat("9", csvdata.MaxRowBytes+10)
	tests := []struct{ name, data, want string }{
		{"unclosed quote", "subject,period,a\ns1,2024,1\ns2,2024,\"" + huge + "\n", `m.csv:3:1: row longer than 1048576 bytes`},
		{"long line", "subject,period,a\ns1,2024," + huge + "\n", `m.csv:2:1: row longer than 1048576 bytes`},
		{"long quoted line break", "subject,period,a\ns1,2024,\"1\n" + huge[:csvdata.MaxRowBytes/2] + "\n" + huge[:csvdata.MaxRowBytes/2] + "\"\n", `m.csv:2:1: row longer`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csvdata.Parse(nd("subjects.csv", subjectsCSV), []csvdata.NamedData{nd("m.csv", tc.data)}, csvdata.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %.300v, want %q", err, tc.want)
			}
		})
	}
	// Under the limit: read, and the value echoed clipped.
	long := strings.Repeat("x", 100_000)
	_, err := csvdata.Parse(nd("subjects.csv", subjectsCSV), []csvdata.NamedData{nd("m.csv", "subject,period,a\ns1,2024,"+long+"\n")}, csvdata.Options{})
	if err == nil || !strings.Contains(err.Error(), `unparseable number "`+strings.Repeat("x", 77)+`..."`) || len(err.Error()) > 1000 {
		t.Fatalf("err = %.300v (%d bytes), want the value clipped", err, len(err.Error()))
	}
}

// TestControlCharactersInSubjects: NUL, ESC and line breaks in ids,
// kinds and parents, NUL and ESC in names, are rejected at the cell.
func TestControlCharactersInSubjects(t *testing.T) {
	subjects := "id,name,kind,parent,region\ncity,市,party_org,,东\n\"s\x001\",一,gov_department,city,东\ns2,\"二\x1b[2J\",gov_department,city,西\ns3,\"three\nlines\",gov_department,city,\"w\x07\"\n"
	_, err := csvdata.Parse(nd("subjects.csv", subjects), []csvdata.NamedData{nd("m.csv", "subject,period,a\ncity,2024,1\n")}, csvdata.Options{})
	want := []string{
		`subjects.csv:3:1: column "id": control character U+0000 (NUL) at character 2`,
		`subjects.csv:4:4: column "name": control character U+001B (ESC) at character 2`,
		`subjects.csv:6:28: column "region": control character U+0007 at character 2`,
	}
	if err == nil {
		t.Fatal("accepted")
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("errors:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d: %q, want prefix %q", i, got[i], want[i])
		}
	}
}

// TestControlCharactersInAssessments: a control character in an id or a
// role is an error at the cell; the note may hold a line break.
func TestControlCharactersInAssessments(t *testing.T) {
	data := asmtHeader + "2024,satisfaction,gov_a,p\x1b1,public,50\n"
	_, err := csvdata.ParseAssessments("a.csv", []byte(data), asmtItems, asmtSubjects)
	want := `a.csv:2:25: column "rater": control character U+001B (ESC) at character 2`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want prefix %q", err, want)
	}
	data = "period,item,subject,rater,role,score,note\n2024,satisfaction,gov_a,p1,public,50,\"two\nlines\"\n"
	if _, err := csvdata.ParseAssessments("a.csv", []byte(data), asmtItems, asmtSubjects); err != nil {
		t.Fatalf("a note over two lines: %v", err)
	}
}
