package postgres

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govscore/govscore/dataset"
)

// genGiven builds a dataset of n subjects and its given cells: columns of
// three periods, with cells not given, given missing cells, extreme and
// inexact values, and sources absent, constant or varying within a column
// (some in need of escaping).
func genGiven(n int, seed uint64) (*dataset.Dataset, *dataset.Given) {
	r := rand.New(rand.NewPCG(seed, 1))
	subj := make([]dataset.Subject, n)
	for i := range subj {
		// Ids out of sorted order, so that dataset.New sorts them.
		subj[i] = dataset.Subject{ID: fmt.Sprintf("s%06d", (i*7919)%n), Name: "S", Kind: "k"}
	}
	ds := dataset.New(subj, nil)
	given := dataset.NewGiven(n)
	sources := []string{"", "bureau", "tab\there", `back\slash \N`, "new\nline", "统计局"}
	values := []float64{0, 1, -1.5e-7, 0.1, 0.30000000000000004, math.MaxFloat64, -4.9e-324, 1e300, math.NaN()}
	for _, ps := range []string{"2023", "2024", "2026"} {
		p, err := dataset.ParsePeriod(ps)
		if err != nil {
			panic(err)
		}
		for m := range 6 {
			metric := fmt.Sprintf("m%d", m)
			vals := ds.MutableColumn(metric, p)
			g := given.Column(metric, p)
			for i := range n {
				if r.IntN(10) == 0 { // not given
					continue
				}
				v := values[r.IntN(len(values))]
				if r.IntN(2) == 0 {
					v = r.NormFloat64() * 1000
				}
				vals[i] = v
				src := ""
				switch m % 3 {
				case 1:
					src = "bureau"
				case 2:
					src = sources[r.IntN(len(sources))]
				}
				g.Mark(i, src)
			}
		}
	}
	return ds, given
}

// TestImportColumnsEncodeAsColCells: the COPY text importColumn writes,
// reading the dataset through one permutation of the subjects, is byte
// for byte the text the cell lists of the previous importer (colCells,
// sorted by subject id column by column) wrote, for subject ids in
// dataset order (every subject new) and in another order (subjects added
// by earlier imports).
func TestImportColumnsEncodeAsColCells(t *testing.T) {
	const n = 3000
	ds, given := genGiven(n, 1)
	r := rand.New(rand.NewPCG(2, 2))
	shuffled := make([]int32, n)
	for i, p := range r.Perm(n) {
		shuffled[i] = int32(3*p + 5)
	}
	inOrder := make([]int32, n)
	for i := range inOrder {
		inOrder[i] = int32(i + 1)
	}
	metricIDs := map[string]int32{"m0": 6, "m1": 2, "m2": 40, "m3": 1, "m4": 5, "m5": 3}
	end := []byte("\t7\t2026-12-06 20:00:00Z\n")
	for name, subjIDs := range map[string][]int32{"ids in dataset order": inOrder, "ids shuffled": shuffled} {
		t.Run(name, func(t *testing.T) {
			capture := func(buf *bytes.Buffer) *copyWriter {
				return &copyWriter{buf: make([]byte, 0, 1024), send: func(b []byte) error {
					buf.Write(b)
					return nil
				}}
			}
			var old, cur bytes.Buffer
			var oldRows, curRows int
			wo := capture(&old)
			cells := columnCells(ds, given)
			for _, c := range cells {
				c.metricID = metricIDs[c.metric]
			}
			sortCells(cells, subjIDs)
			for _, c := range cells {
				if err := c.encode(wo, subjIDs, end, func() { oldRows++ }); err != nil {
					t.Fatal(err)
				}
			}
			if err := wo.flush(); err != nil {
				t.Fatal(err)
			}

			wc := capture(&cur)
			cols := importColumns(ds, given)
			for _, c := range cols {
				c.metricID = metricIDs[c.given.Metric]
			}
			sortColumns(cols)
			order := importOrder(subjIDs)
			sources := copySources(given)
			for _, c := range cols {
				if err := c.encode(wc, order, subjIDs, sources, end, func() { curRows++ }); err != nil {
					t.Fatal(err)
				}
			}
			if err := wc.flush(); err != nil {
				t.Fatal(err)
			}
			if oldRows < n*18*8/10 || curRows != oldRows {
				t.Fatalf("rows: %d sent, the cell lists %d (want about %d)", curRows, oldRows, n*18*9/10)
			}
			if !bytes.Equal(cur.Bytes(), old.Bytes()) {
				a, b := cur.Bytes(), old.Bytes()
				i := 0
				for i < len(a) && i < len(b) && a[i] == b[i] {
					i++
				}
				t.Errorf("the COPY text differs from the cell lists' at byte %d of %d/%d: %q vs %q",
					i, len(a), len(b), a[max(0, i-40):min(len(a), i+40)], b[max(0, i-40):min(len(b), i+40)])
			}
		})
	}
}

// TestImportOrder: the permutation puts the dataset indices in the order
// of their ids.
func TestImportOrder(t *testing.T) {
	for _, tc := range []struct {
		ids, want []int32
	}{
		{[]int32{}, []int32{}},
		{[]int32{1, 2, 9}, []int32{0, 1, 2}},
		{[]int32{30, 10, 20, 5}, []int32{3, 1, 2, 0}},
		{[]int32{math.MaxInt32, 1}, []int32{1, 0}},
	} {
		got := importOrder(tc.ids)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("importOrder(%v) = %v, want %v", tc.ids, got, tc.want)
		}
	}
}

// BenchmarkImportEncode: the client side of the COPY of the metric rows
// of 100,000 subjects × 18 columns (about 1.6 million cells), into a
// writer that discards the chunks, with subject ids in dataset order (as
// when every subject is new) and shuffled: the previous importer's cell
// lists (built, sorted, written as text), and the columns read from the
// dataset, written as text and in the binary format.
func BenchmarkImportEncode(b *testing.B) {
	const n = 100_000
	ds, given := genGiven(n, 1)
	shuffled := make([]int32, n)
	for i, p := range rand.New(rand.NewPCG(2, 2)).Perm(n) {
		shuffled[i] = int32(p + 1)
	}
	inOrder := make([]int32, n)
	for i := range inOrder {
		inOrder[i] = int32(i + 1)
	}
	metricIDs := map[string]int32{"m0": 6, "m1": 2, "m2": 40, "m3": 1, "m4": 5, "m5": 3}
	end := []byte("\t7\t2026-12-06 20:00:00Z\n")
	tail := binImportTail(7, time.Unix(1_800_000_000, 0))
	w := &copyWriter{buf: make([]byte, 0, copyChunk+4096), send: func([]byte) error { return nil }}
	for _, ids := range []struct {
		name string
		ids  []int32
	}{{"ids in order", inOrder}, {"ids shuffled", shuffled}} {
		subjIDs := ids.ids
		b.Run(ids.name+"/cell lists, text (before)", func(b *testing.B) {
			for range b.N {
				cells := columnCells(ds, given)
				for _, c := range cells {
					c.metricID = metricIDs[c.metric]
				}
				sortCells(cells, subjIDs)
				for _, c := range cells {
					if err := c.encode(w, subjIDs, end, func() {}); err != nil {
						b.Fatal(err)
					}
				}
				w.buf = w.buf[:0]
			}
		})
		for _, bin := range []bool{false, true} {
			b.Run(ids.name+"/columns, "+map[bool]string{false: "text", true: "binary"}[bin], func(b *testing.B) {
				for range b.N {
					cols := importColumns(ds, given)
					for _, c := range cols {
						c.metricID = metricIDs[c.given.Metric]
					}
					sortColumns(cols)
					order := importOrder(subjIDs)
					var err error
					if bin {
						sources := binSources(given)
						for _, c := range cols {
							err = errors.Join(err, c.encodeBinary(w, order, subjIDs, sources, 7, tail, func() {}))
						}
					} else {
						sources := copySources(given)
						for _, c := range cols {
							err = errors.Join(err, c.encode(w, order, subjIDs, sources, end, func() {}))
						}
					}
					if err != nil {
						b.Fatal(err)
					}
					w.buf = w.buf[:0]
				}
			})
		}
	}
}
