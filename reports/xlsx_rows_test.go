package reports

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestTableAddEachEqualsAdd: rows added by addEach, formatted in parallel
// chunks, are byte for byte the rows add writes one at a time — across
// chunk boundaries (3,000 rows, chunks of 1,024), row blocks continued on
// further sheets (maxRows) and column parts (maxCols), with every kind of
// cell: text, numbers, integers, styled cells, no cell (nil, NaN, ±Inf,
// values missing at the end of a row).
func TestTableAddEachEqualsAdd(t *testing.T) {
	const n = 3000
	row := func(k int, vals []any) []any {
		vals = append(vals[:0], "s"+strconv.Itoa(k), " name <&> "+strconv.Itoa(k), float64(k)/3, k)
		switch k % 7 {
		case 0:
			vals = append(vals, nil, math.NaN())
		case 1:
			vals = append(vals, math.Inf(1), excelize.Cell{StyleID: 1, Value: float64(k) * 1e-9})
		case 2: // the rest of the row is empty
			return vals
		default:
			vals = append(vals, -float64(k), "_x0041_")
		}
		return append(vals, 0.1*float64(k), math.Copysign(0, -1), strconv.Itoa(k%3))
	}
	for _, lim := range []struct{ rows, cols int }{{xlsxMaxRows, xlsxMaxCols}, {1500, 5}, {1025, 3}} {
		build := func(each bool) [][]byte {
			f := excelize.NewFile()
			defer f.Close()
			L, _ := labelsFor("en")
			x := &xlsxWriter{f: f, v: smallView(t, false), L: L, X: xlsxLabels["en"], used: map[string]bool{}, maxRows: lim.rows, maxCols: lim.cols}
			if err := x.styles(); err != nil {
				t.Fatal(err)
			}
			cols := make([]column, 9)
			for i := range cols {
				cols[i] = column{"c" + strconv.Itoa(i), 10, []int{0, x.score}[i%2]}
			}
			defer func() {
				for _, p := range x.parts {
					p.rows.spool.release()
				}
			}()
			tb, err := x.newTable("T", cols, 2)
			if err != nil {
				t.Fatal(err)
			}
			if each {
				ks := make([]int, n)
				for k := range ks {
					ks[k] = k
				}
				err = tb.addEach(ks, func(ks []int, emit func([]any)) {
					var vals []any
					for _, k := range ks {
						vals = row(k, vals)
						emit(vals)
					}
				})
			} else {
				var vals []any
				for k := 0; k < n && err == nil; k++ {
					vals = row(k, vals)
					err = tb.add(vals...)
				}
			}
			if err == nil {
				err = tb.close()
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts [][]byte
			for _, p := range x.parts {
				r, err := p.rows.spool.reader()
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				parts = append(parts, b)
			}
			return parts
		}
		want, got := build(false), build(true)
		if len(got) != len(want) {
			t.Fatalf("limits %v: %d sheets, want %d", lim, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("limits %v: sheet %d's rows differ (%d bytes, want %d)", lim, i+1, len(got[i]), len(want[i]))
			}
		}
		if lim.rows == xlsxMaxRows && (len(want) != 1 || !bytes.Contains(want[0], []byte(`<row r="3001">`))) {
			t.Errorf("one sheet of 3,000 data rows expected, got %d sheets", len(want))
		}
	}
}
