package csvdata

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govscore/govscore/dataset"
)

// loadBoth loads the files leaving the metrics files' encodings to the
// parallel reading (blocks of block bytes, procs goroutines) and detecting
// them first, and returns both results as text: the error, or the
// warnings and every value.
func loadBoth(t *testing.T, block, procs int, subj []byte, metrics ...NamedData) (later, first string) {
	t.Helper()
	show := func() string {
		ds, err := parseWide(t, block, subj, metrics...)
		if err != nil {
			return "error: " + err.Error()
		}
		var b strings.Builder
		for _, w := range ds.Warnings {
			fmt.Fprintln(&b, "warning:", w)
		}
		for _, m := range ds.Metrics() {
			for _, p := range ds.Periods() {
				fmt.Fprintln(&b, m, p, ds.Column(m, p))
			}
		}
		return b.String()
	}
	withProcs(procs, func() {
		later = show()
		detectLater = false
		defer func() { detectLater = true }()
		first = show()
	})
	return later, first
}

// TestDetectLaterSameAsFirst: leaving the detection of the metrics files'
// encodings to the parallel reading gives what detecting them first gives
// (warnings, errors with their places and order, values), for files that
// are UTF-8 (with a BOM, with quotes, in the long layout), GB18030 or
// neither, the byte that is not UTF-8 in the header, in the first or a
// later block, in the first or the second file, with other problems in
// the files, beyond diag.MaxCollected errors.
func TestDetectLaterSameAsFirst(t *testing.T) {
	subj, _ := wideData(300, 1)
	val := func(i, k int, per string) string { return fmt.Sprintf("%d.25", i*3+k) }
	plain := string(wideRows("subject,period,a,b", span(0, 300), []string{"2024"}, false, val))
	late := func(s, old, new string) string { // replace in the last part of s
		at := strings.LastIndex(s, old)
		return s[:at] + new + s[at+len(old):]
	}
	gb := func(s string) string {
		out, err := simplifiedchinese.GB18030.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	note := string(wideRows("subject,period,a,b,note", span(0, 300), []string{"2023"}, false, func(i, k int, per string) string {
		if k == 2 {
			return "说明" + fmt.Sprint(i)
		}
		return val(i, k, per)
	}))
	var manyBad strings.Builder
	manyBad.WriteString("subject,period,c\n")
	for i := range 1200 {
		fmt.Fprintf(&manyBad, "s%d,2024,bad%d\n", 1000000+i%300, i)
	}
	long := "subject,period,metric,value\ns1000001,2022,a,1\ns1000002,2022,b,2.5\n"
	files := map[string][]string{
		"UTF-8":                {plain},
		"UTF-8 with a BOM":     {"\uFEFF" + plain},
		"UTF-8 with a note":    {plain, note},
		"quoted, UTF-8":        {late(plain, ",99.25,", `,"99.25",`)},
		"long layout":          {long},
		"GB18030 late":         {plain, gb(note)},
		"GB18030 first":        {gb(note), plain},
		"GB18030 header":       {gb("subject,period,说明\ns1000001,2024,1\n")},
		"invalid late":         {late(plain, "\n", "\xff\n")},
		"invalid in 2nd file":  {plain, late(note, "说明", "\xff说明")},
		"invalid header":       {"subject,period,a\xff\n" + plain[strings.Index(plain, "\n")+1:]},
		"invalid header cell":  {"subject,period,a,b\xff\n" + plain[strings.Index(plain, "\n")+1:]},
		"GB18030 header cell":  {gb("subject,period,a,指标\n") + plain[strings.Index(plain, "\n")+1:]},
		"invalid, truncated":   {plain + "s1000001,2025,1,\xe6"},
		"invalid and bad data": {late(plain, ",7", ",x7"), late(note, "说明1", "\xfe说明1"), manyBad.String()},
		"too many errors":      {manyBad.String(), gb(note), late(plain, ",7", ",\xff7")},
		"empty second file":    {plain, ""},
	}
	for name, texts := range files {
		var ms []NamedData
		for i, s := range texts {
			ms = append(ms, NamedData{fmt.Sprintf("m%d.csv", i+1), []byte(s)})
		}
		for _, procs := range []int{1, 2, 3} {
			for _, block := range []int{200, 5000, 4 << 20} {
				later, first := loadBoth(t, block, procs, subj, ms...)
				if later != first {
					t.Errorf("%s, procs %d, block %d: detecting later gives\n%.3000s\ndetecting first\n%.3000s", name, procs, block, later, first)
				}
			}
		}
	}
}

// TestDetectLaterReadsOnce: a UTF-8 wide file that the parallel reading
// reads whole is not read again to detect its encoding.
func TestDetectLaterReadsOnce(t *testing.T) {
	subj, _ := wideData(100, 1)
	metrics := wideRows("subject,period,a", span(0, 100), []string{"2024"}, false, func(i, k int, per string) string { return "1" })
	opens := 0
	srcs := []*source{dataSource(NamedData{"subjects.csv", subj}), {name: "m.csv", open: func() (io.ReadCloser, error) {
		opens++
		return io.NopCloser(bytes.NewReader(metrics)), nil
	}}}
	ds, err := load(srcs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Column("a", dataset.Period{Kind: dataset.Year, Year: 2024}); len(got) != 100 || got[99] != 1 {
		t.Fatalf("column a = %v", got)
	}
	if opens != 3 { // its start, the header, the rows
		t.Errorf("m.csv opened %d times, want 3", opens)
	}
}

// TestDetectLaterGB18030: a metrics file in GB18030 whose start is not
// UTF-8 is detected first, as before; one whose first 64 KiB are ASCII is
// read again detecting first as soon as the parallel reading meets a block
// that is not UTF-8, without reading its rows one by one first. Both give
// what detecting first gives.
func TestDetectLaterGB18030(t *testing.T) {
	subj, _ := wideData(3000, 1)
	val := func(i, k int, per string) string {
		if k == 1 {
			return fmt.Sprint("第", i, "行")
		}
		return fmt.Sprint(i, ".5")
	}
	text := string(wideRows("subject,period,a,note", span(0, 3000), []string{"2024"}, false, val))
	early, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Index(text, "s1002900,")
	if cut < 70_000 {
		t.Fatalf("the ASCII start is only %d bytes", cut)
	}
	ascii := strings.NewReplacer("第", "", "行", "").Replace(text[:cut]) + early[strings.Index(early, "s1002900,"):]
	for _, c := range []struct {
		name, data string
		opens      int
	}{
		// Its start, detecting (two passes), the header, the rows.
		{"early", early, 5},
		// Its start, the header, the parallel reading up to the block
		// that is not UTF-8; then detecting first: 3 + 4.
		{"late", ascii, 7},
	} {
		opens := 0
		srcs := []*source{dataSource(NamedData{"subjects.csv", subj}), {name: "m.csv", open: func() (io.ReadCloser, error) {
			opens++
			return io.NopCloser(strings.NewReader(c.data)), nil
		}}}
		ds, err := load(srcs, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(ds.Warnings) != 1 || !strings.Contains(ds.Warnings[0].Msg, "read as GB18030") {
			t.Errorf("%s: warnings %v", c.name, ds.Warnings)
		}
		if opens != c.opens {
			t.Errorf("%s: m.csv opened %d times, want %d", c.name, opens, c.opens)
		}
		later, first := loadBoth(t, 4<<20, 2, subj, NamedData{"m.csv", []byte(c.data)})
		if later != first {
			t.Errorf("%s: detecting later gives\n%.2000s\ndetecting first\n%.2000s", c.name, later, first)
		}
	}
}

// FuzzDetectLater: for any second metrics file, leaving the detection of
// the encodings to the parallel reading (small blocks, several goroutines)
// gives what detecting first gives.
func FuzzDetectLater(f *testing.F) {
	subj, _ := wideData(20, 1)
	f.Add([]byte("subject,period,a,b\ns1000001,2024,1,95%\ns1000002,2024,NA,2\ns1000003,2024,2,3\n"))
	f.Add([]byte("subject,period,a,note\ns1000001,2024,1,\xd6\xd0\ns1000002,2024,2,x\n"))
	f.Add([]byte("subject,period,a\ns1000001,2024,1\ns1000002,2024,\xff\n"))
	f.Add([]byte("\xef\xbb\xbfsubject,period,a\xd6\xd0,b\ns1000001,2024,1,2\n"))
	f.Add([]byte("subject,period,metric,value\ns1000001,2024,a,1\ns1000001,2024,a,2\n"))
	aFile := []byte("subject,period,c\ns1000001,2024,1\ns1000005,2023,4\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, block := range []int{16, 64} {
			later, first := loadBoth(t, block, 3, subj, NamedData{"a.csv", aFile}, NamedData{"m.csv", data})
			if later != first {
				t.Fatalf("block %d: detecting later gives\n%.2000s\ndetecting first\n%.2000s", block, later, first)
			}
		}
	})
}
