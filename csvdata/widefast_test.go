package csvdata

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
)

// wideFile is a wide metrics file of n subjects (ids s1000000…, as
// wideData's subjects file) over two periods, with missing cells,
// percentages, CRLF line ends and spaces around cells; with quoteLast its
// last cell is quoted (the same value), which the parallel reading leaves
// to the row-by-row one.
func wideFile(n int, quoteLast bool) []byte {
	var b strings.Builder
	b.WriteString("subject,period,a,b,c\r\n")
	for i := range n {
		for _, per := range []string{"2023", "2024"} {
			c := fmt.Sprint(i % 13)
			if quoteLast && i == n-1 && per == "2024" {
				c = `"` + c + `"`
			}
			fmt.Fprintf(&b, "s%d, %s ,%d.25,%s,%s\r\n", 1000000+i, per, i, []string{"NA", "", "12.5%", " 7 "}[i%4], c)
		}
	}
	return []byte(b.String())
}

// parseWide loads subj and the metrics files with blocks of block bytes.
func parseWide(t *testing.T, block int, subj []byte, metrics ...NamedData) (*dataset.Dataset, error) {
	t.Helper()
	saved := wideBlockBytes
	wideBlockBytes = block
	defer func() { wideBlockBytes = saved }()
	return Parse(NamedData{"subjects.csv", subj}, metrics, Options{Kinds: []string{"party_org", "gov_department"}})
}

// TestWideParallelSameValues: the parallel reading of a wide file (cut
// into many blocks) stores the values the row-by-row reading stores, bit
// for bit (the quoted last cell makes the parallel reading give up at the
// last block and undo what it stored).
func TestWideParallelSameValues(t *testing.T) {
	subj, _ := wideData(500, 1)
	for _, block := range []int{64, 1000, 4 << 20} {
		fast, err := parseWide(t, block, subj, NamedData{"m.csv", wideFile(500, false)})
		if err != nil {
			t.Fatal(err)
		}
		slow, err := parseWide(t, block, subj, NamedData{"m.csv", wideFile(500, true)})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range []string{"a", "b", "c"} {
			for _, y := range []int{2023, 2024} {
				p := dataset.Period{Kind: dataset.Year, Year: y}
				a, b := fast.Column(m, p), slow.Column(m, p)
				if len(a) != 500 || len(b) != 500 {
					t.Fatalf("block %d: column %s %v: %d and %d values", block, m, p, len(a), len(b))
				}
				for i := range a {
					if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
						t.Fatalf("block %d: %s %v subject %d: %v != %v", block, m, p, i, a[i], b[i])
					}
					if !math.IsNaN(a[i]) {
						n++
					}
				}
			}
		}
		if want := 500*2*3 - 2*250; n != want {
			t.Errorf("block %d: %d values present, want %d", block, n, want)
		}
		if got := fast.Column("b", dataset.Period{Kind: dataset.Year, Year: 2024})[2]; got != 0.125 {
			t.Errorf("block %d: 12.5%% read as %v", block, got)
		}
	}
}

// TestWideParallelErrorsInPlace: problems in the files are reported as the
// row-by-row reading reports them, with their places, including those that
// refer back to a place the parallel reading stored (the first period of
// the data's format) and duplicates across files. The reference is the
// same files with a.csv's last cell quoted, which a.csv's parallel reading
// leaves to the row-by-row one.
func TestWideParallelErrorsInPlace(t *testing.T) {
	subj, _ := wideData(50, 1)
	aFile := func(quoteLast bool) []byte {
		var a strings.Builder
		a.WriteString("subject,period,x\n")
		for i := range 50 {
			c := fmt.Sprint(i)
			if quoteLast && i == 49 {
				c = `"` + c + `"`
			}
			fmt.Fprintf(&a, "s%d,  2024,%s\n", 1000000+i, c)
		}
		return []byte(a.String())
	}
	b := []byte("subject,period,x\ns1000003,2024-Q1,1\ns1000007,2024,8\ns1000008,2024,bad\n")
	_, got := parseWide(t, 100, subj, NamedData{"a.csv", aFile(false)}, NamedData{"b.csv", b})
	_, want := parseWide(t, 100, subj, NamedData{"a.csv", aFile(true)}, NamedData{"b.csv", b})
	if got == nil || want == nil || got.Error() != want.Error() {
		t.Fatalf("got\n%v\nwant\n%v", got, want)
	}
	for _, part := range []string{`(first "2024" at a.csv:2:10)`, `"s1000007", metric "x", period 2024 (first given at a.csv:9:`, `b.csv:4:15: metric "x": unparseable number "bad"`} {
		if !strings.Contains(got.Error(), part) {
			t.Errorf("the errors do not say %s:\n%v", part, got)
		}
	}
}

// wideRows is a wide metrics file with the given header (subject, period
// and metric columns) and one row per subject index in subjs for each
// period; quoteFirst quotes the first row's first metric cell (the same
// value), which leaves the whole file to the row-by-row reading: the
// reference. cell gives the text of a cell.
func wideRows(header string, subjs []int, periods []string, quoteFirst bool, cell func(i, k int, per string) string) []byte {
	var b strings.Builder
	b.WriteString(header + "\n")
	nm := strings.Count(header, ",") - 1
	first := true
	for _, i := range subjs {
		for _, per := range periods {
			fmt.Fprintf(&b, "s%d,%s", 1000000+i, per)
			for k := range nm {
				c := cell(i, k, per)
				if first && quoteFirst && k == 0 {
					c = `"` + c + `"`
				}
				b.WriteString("," + c)
			}
			first = false
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

func span(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// withProcs runs f with GOMAXPROCS set to n: the parallel reading parses
// and stores on that many goroutines.
func withProcs(n int, f func()) {
	saved := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(saved)
	f()
}

// TestWideParallelStoreUndo: a file whose parallel reading stores many
// rounds of blocks, on several goroutines by parts of the columns, and
// then gives up (a quoted cell near its end) takes back exactly what it
// stored: the values an earlier file gave to the same columns stay, and
// the dataset equals the one read row by row, bit for bit.
func TestWideParallelStoreUndo(t *testing.T) {
	subj, _ := wideData(600, 1)
	val := func(i, k int, per string) string {
		if (i+k)%11 == 0 {
			return "NA"
		}
		return fmt.Sprintf("%d.%d", i*7+k, len(per)+k)
	}
	a := wideRows("subject,period,a,b,c", span(0, 300), []string{"2024"}, false, val)
	bHeader := "subject,period,a,b,c,d,e"
	bSubj := append(span(300, 600), 0) // s1000000 2023 last: quoted below
	b := []byte(strings.Replace(string(wideRows(bHeader, bSubj, []string{"2023", "2024"}, false, func(i, k int, per string) string {
		if i == 0 && per == "2024" {
			return "1" // replaced below: subject 0, 2024 is a's
		}
		return val(i, k, per)
	})), "s1000000,2024,1,1,1,1,1\n", "", 1))
	b = []byte(strings.Replace(string(b), "s1000000,2023,", `s1000000,2023,"1",`, 1))
	b = []byte(strings.Replace(string(b), `s1000000,2023,"1",`+val(0, 0, "2023")+",", `s1000000,2023,"1",`, 1))
	ref := wideRows(bHeader, bSubj[:len(bSubj)-1], []string{"2023", "2024"}, true, val)
	ref = append(ref, b[strings.LastIndex(string(b[:len(b)-1]), "\n")+1:]...)
	if tail := string(b[len(b)-120:]); !strings.HasSuffix(tail, "\ns1000599,2024,4193.4,4194.5,4195.6,4196.7,4197.8\ns1000000,2023,\"1\",1.5,2.6,3.7,4.8\n") {
		t.Fatalf("b.csv ends with %q", tail)
	}
	for _, procs := range []int{1, 2, 3, 7} {
		for _, block := range []int{100, 1000, 4 << 20} {
			withProcs(procs, func() {
				got, err := parseWide(t, block, subj, NamedData{"a.csv", a}, NamedData{"b.csv", b})
				if err != nil {
					t.Fatal(err)
				}
				want, err := parseWide(t, block, subj, NamedData{"a.csv", a}, NamedData{"b.csv", ref})
				if err != nil {
					t.Fatal(err)
				}
				sameColumns(t, fmt.Sprintf("procs %d, block %d", procs, block), got, want, []string{"a", "b", "c", "d", "e"}, []int{2023, 2024})
				if v := got.Column("a", dataset.Period{Kind: dataset.Year, Year: 2024})[5]; v != 35.4 {
					t.Errorf("procs %d, block %d: a.csv's a for subject 5 is %v, want 35.4", procs, block, v)
				}
			})
		}
	}
}

// sameColumns fails unless the datasets hold the same columns, bit for bit.
func sameColumns(t *testing.T, what string, got, want *dataset.Dataset, metrics []string, years []int) {
	t.Helper()
	if g, w := fmt.Sprint(got.Metrics()), fmt.Sprint(want.Metrics()); g != w {
		t.Fatalf("%s: metrics %s, want %s", what, g, w)
	}
	for _, m := range metrics {
		for _, y := range years {
			p := dataset.Period{Kind: dataset.Year, Year: y}
			g, w := got.Column(m, p), want.Column(m, p)
			if len(g) != len(w) {
				t.Fatalf("%s: %s %v: %d values, want %d", what, m, p, len(g), len(w))
			}
			for i := range g {
				if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
					t.Fatalf("%s: %s %v subject %d: %v, want %v", what, m, p, i, g[i], w[i])
				}
			}
		}
	}
}

// TestWideParallelProblemsInBlocks: problems the parallel reading meets in
// several blocks, on several goroutines (a value given twice in one part
// of the columns only, two unparseable values in blocks read at once, a
// duplicate row in a later round, a period of another format) are all
// reported, in the same order, with the places and words of the row-by-row
// reading, whatever the number of goroutines and the block size.
func TestWideParallelProblemsInBlocks(t *testing.T) {
	subj, _ := wideData(400, 1)
	val := func(i, k int, per string) string { return fmt.Sprintf("%d.5", i+k) }
	a := wideRows("subject,period,e", []int{7, 8, 390}, []string{"2024"}, false, val)
	cases := map[string]func(s string) string{
		// e (the last part of the columns) given for s1000390 in a.csv too.
		"one part": func(s string) string { return s },
		"two bad values": func(s string) string {
			s = strings.Replace(s, "s1000020,2024,20.5,", "s1000020,2024,x20,", 1)
			return strings.Replace(s, "s1000350,2024,350.5,", "s1000350,2024,35o.5,", 1)
		},
		"duplicate row later": func(s string) string {
			return s + "s1000010,2024,1,2,3,4,5\n"
		},
		"other period format": func(s string) string {
			return strings.Replace(s, "s1000300,2024,", "s1000300,2024-Q1,", 1)
		},
	}
	for name, edit := range cases {
		b := edit(string(wideRows("subject,period,a,b,c,d,e", span(9, 400), []string{"2024"}, false, val)))
		ref := edit(string(wideRows("subject,period,a,b,c,d,e", span(9, 400), []string{"2024"}, true, val)))
		var want string
		for _, procs := range []int{1, 2, 3, 7} {
			for _, block := range []int{64, 500, 4096, 4 << 20} {
				withProcs(procs, func() {
					_, got := parseWide(t, block, subj, NamedData{"a.csv", a}, NamedData{"b.csv", []byte(b)})
					_, w := parseWide(t, block, subj, NamedData{"a.csv", a}, NamedData{"b.csv", []byte(ref)})
					if got == nil || w == nil {
						t.Fatalf("%s, procs %d, block %d: no error (%v, %v)", name, procs, block, got, w)
					}
					if want == "" {
						want = w.Error()
					}
					if got.Error() != want || w.Error() != want {
						t.Fatalf("%s, procs %d, block %d: got\n%v\nwant\n%v", name, procs, block, got, want)
					}
				})
			}
		}
		if name == "two bad values" && (!strings.Contains(want, "b.csv:13:15:") || !strings.Contains(want, "b.csv:343:15:")) {
			t.Errorf("%s: not both bad values:\n%s", name, want)
		}
	}
}

// TestWideParallelMissingSubjects: the columns the parallel reading
// creates (with 0 in every cell, see fillFresh) hold NaN for the subjects
// the file does not give, as the row-by-row reading's do, including those
// past the last multiple of 64 and whole words of the seen bits.
func TestWideParallelMissingSubjects(t *testing.T) {
	subj, _ := wideData(700, 1)
	var some []int
	for i := range 700 {
		if i%3 == 1 || i >= 200 && i < 330 || i == 699 {
			some = append(some, i)
		}
	}
	val := func(i, k int, per string) string { return fmt.Sprintf("%d", i-k) }
	fast := wideRows("subject,period,a,b,c", some, []string{"2023", "2024"}, false, val)
	slow := wideRows("subject,period,a,b,c", some, []string{"2023", "2024"}, true, val)
	for _, procs := range []int{1, 2, 5} {
		for _, block := range []int{100, 4 << 20} {
			withProcs(procs, func() {
				got, err := parseWide(t, block, subj, NamedData{"m.csv", fast})
				if err != nil {
					t.Fatal(err)
				}
				want, err := parseWide(t, block, subj, NamedData{"m.csv", slow})
				if err != nil {
					t.Fatal(err)
				}
				sameColumns(t, fmt.Sprintf("procs %d, block %d", procs, block), got, want, []string{"a", "b", "c"}, []int{2023, 2024})
				if v := got.Column("b", dataset.Period{Kind: dataset.Year, Year: 2024}); !math.IsNaN(v[0]) || v[1] != 0 || v[698] == v[698] {
					t.Errorf("procs %d, block %d: b 2024 is %v, %v, …, %v", procs, block, v[0], v[1], v[698])
				}
			})
		}
	}
}

// FuzzWideSameAsRowByRow: for any metrics file after one that gives some
// cells, the parallel reading (blocks of 64 or 300 bytes, 3 goroutines)
// gives what the row-by-row reading gives (blocks of one byte, which hold
// no row): the same values bit for bit, or the same errors.
func FuzzWideSameAsRowByRow(f *testing.F) {
	subj, _ := wideData(40, 1)
	f.Add([]byte("subject,period,a,b\ns1000001,2024,1,95%\ns1000002,2024,NA,2\ns1000003,2024,2,3\n"))
	f.Add([]byte("subject,period,a,c\ns1000001,2024,1,2\ns1000005,2024,2,3\ns1000009,2024,1,1\n"))
	f.Add([]byte("subject,period,a,b\ns1000001,2024,1,2\ns1000001,2024,3,4\n"))
	f.Add([]byte("subject,period,a,b\ns1000001,2024,1,2\ns1000002,2024-Q1,3,4\ns1000003,2024,x,5\n"))
	f.Add([]byte("subject,period,a,b\r\ns1000001, 2023 , 7 ,12.5%\r\n\r\ns1000002,2023,-0,1e3\r\n"))
	aFile := []byte("subject,period,c\ns1000005,2024,4\ns1000006,2023,5\n")
	show := func(t *testing.T, block int, data []byte) string {
		var out string
		withProcs(3, func() {
			ds, err := parseWide(t, block, subj, NamedData{"a.csv", aFile}, NamedData{"m.csv", data})
			if err != nil {
				out = "error: " + err.Error()
				return
			}
			var b strings.Builder
			for _, w := range ds.Warnings {
				fmt.Fprintln(&b, "warning:", w)
			}
			for _, m := range ds.Metrics() {
				for _, p := range ds.Periods() {
					for _, v := range ds.Column(m, p) {
						fmt.Fprintf(&b, "%x ", math.Float64bits(v))
					}
					fmt.Fprintln(&b, m, p)
				}
			}
			out = b.String()
		})
		return out
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := show(t, 1, data)
		for _, block := range []int{64, 300} {
			if got := show(t, block, data); got != want {
				t.Fatalf("block %d: the parallel reading gives\n%.2000s\nthe row-by-row reading\n%.2000s", block, got, want)
			}
		}
	})
}
