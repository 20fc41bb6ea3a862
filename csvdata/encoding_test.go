package csvdata_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govscore/govscore/csvdata"
)

// bigSubjects is a subjects file of n rows with Chinese names, larger than
// the 64 KiB read buffer for n ≳ 2000, so runes straddle buffer boundaries.
func bigSubjects(n int) string {
	var b strings.Builder
	b.WriteString("id,name,kind\n")
	for i := range n {
		fmt.Fprintf(&b, "s%d,%s%d,party_org\n", i, strings.Repeat("治理", i%5+1), i)
	}
	return b.String()
}

func TestEncodingAcrossBuffers(t *testing.T) {
	const n = 5000
	subj := bigSubjects(n)
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(subj)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     string
		warnings int
		want     string // error, "" for success
	}{
		{"UTF-8", subj, 0, ""},
		{"GB18030", gb, 1, ""},
		{"invalid byte on a late line", subj + "x,治理\xff,party_org\n", 0,
			fmt.Sprintf(`subjects.csv:%d:5: file is neither UTF-8 nor GB18030 (byte 0xFF cannot be decoded): save it as UTF-8 ("CSV UTF-8" in Excel)`, n+2)},
		{"UTF-8 with a stray GBK character reads as GB18030", subj + "x,y,party_org\xe6\xb2\n", 1, ""},
		{"truncated rune at the end", subj + "x,y,party_org\xe6", 0,
			fmt.Sprintf(`subjects.csv:%d:14: file is neither UTF-8 nor GB18030 (byte 0xE6 cannot be decoded): save it as UTF-8 ("CSV UTF-8" in Excel)`, n+2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := csvdata.Parse(nd("subjects.csv", tt.data), nil, csvdata.Options{})
			if tt.want != "" {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("err = %v, want %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() < n {
				t.Errorf("got %d subjects, want %d", ds.Len(), n)
			}
			if i, ok := ds.SubjectIndex("s4999"); !ok || (tt.warnings == 0 || tt.data == gb) && ds.Subjects[i].Name != strings.Repeat("治理", 5)+"4999" {
				t.Errorf("subject s4999 not read intact")
			}
			if len(ds.Warnings) != tt.warnings {
				t.Errorf("warnings = %v, want %d", ds.Warnings, tt.warnings)
			}
		})
	}
}

func TestRuneColumnsOnLongLine(t *testing.T) {
	// A note of 70 000 runes (210 000 bytes) makes the line longer than the
	// read buffer; the bad value after it must still get its rune column.
	note := strings.Repeat("注", 70_000)
	data := "subject,period,metric,value,note\ns1,2024,a,1,x\ns1,2023,a,\"" + note + "\",y\ns1,2022,a,1,\"" + note + "\"\n s1 ,2022,a,oops\n"
	_, err := csvdata.Parse(nd("subjects.csv", subjectsCSV), []csvdata.NamedData{nd("m.csv", data)}, csvdata.Options{})
	// The value is echoed clipped to 80 characters (issue 12).
	want := `m.csv:3:11: metric "a": unparseable number "` + strings.Repeat("注", 77) + `...": write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing
m.csv:5:1: row has 4 fields but the header has 5: quote cells that contain commas ("a,b") and check for missing or extra commas`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %.300v, want %.300s", err, want)
	}
	data = "subject,period,metric,value,note\ns1,2024,a,1,\"" + note + "\"\n" + "s1,2023,a,\"x" + note + "\"\n"
	_, err = csvdata.Parse(nd("subjects.csv", subjectsCSV), []csvdata.NamedData{nd("m.csv", data)}, csvdata.Options{})
	want = `m.csv:3:1: row has 4 fields but the header has 5: quote cells that contain commas ("a,b") and check for missing or extra commas`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %.300v, want %.300s", err, want)
	}
	data = "subject,period,metric,value,note\ns1,2024,a,1,\"" + note + "\"x\n"
	_, err = csvdata.Parse(nd("subjects.csv", subjectsCSV), []csvdata.NamedData{nd("m.csv", data)}, csvdata.Options{})
	want = fmt.Sprintf(`m.csv:2:%d: extraneous or missing " in a quoted cell: close the quote, and double every " inside the cell`, len("s1,2024,a,1,\"")+70_000+1)
	if err == nil || err.Error() != want {
		t.Fatalf("err = %.300v, want %.300s", err, want)
	}
}
