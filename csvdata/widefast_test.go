package csvdata

import (
	"fmt"
	"math"
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
