package postgres

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

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

// cellKey names a stored cell: column (period, metric id) and subject id.
type cellKey struct {
	period string
	metric int32
	id     int32
}

// storedCell is a cell of a block.
type storedCell struct {
	v      float64
	imp    int64
	source string
	has    bool
}

// blockFields splits a metric_blocks tuple of COPY's binary format into
// its fields (nil for NULL).
func blockFields(t *testing.T, tuple []byte) [][]byte {
	t.Helper()
	if len(tuple) < 2 || binary.BigEndian.Uint16(tuple) != 7 {
		t.Fatalf("tuple of %d bytes does not start with 7 fields", len(tuple))
	}
	e := tuple[2:]
	var out [][]byte
	for range 7 {
		size := int32(binary.BigEndian.Uint32(e))
		e = e[4:]
		if size < 0 {
			out = append(out, nil)
			continue
		}
		out = append(out, e[:size])
		e = e[size:]
	}
	if len(e) != 0 {
		t.Fatalf("%d bytes after the fields", len(e))
	}
	return out
}

// collectBlocks runs eachBlock over every column of ds (ids: the subjects'
// database ids by dataset index) and returns its cells, decoded back from
// the binary tuples, checking each block's shape.
func collectBlocks(t *testing.T, ds *dataset.Dataset, given *dataset.Given, ids []int32, importID int64,
	old map[cellKey]storedCell, counts *blockCounts) map[cellKey]storedCell {
	t.Helper()
	metricIDs := map[string]int32{"m0": 6, "m1": 2, "m2": 40, "m3": 1, "m4": 5, "m5": 3}
	cols := importColumns(ds, given)
	for _, c := range cols {
		c.metricID = metricIDs[c.given.Metric]
	}
	sortColumns(cols)
	order := importOrder(ids)
	out := map[cellKey]storedCell{}
	var sent int
	for _, c := range cols {
		var oldFn func(b int32, ob *metricBlock) (bool, error)
		if old != nil {
			oldFn = func(b int32, ob *metricBlock) (bool, error) {
				ob.reset(b << blockShift)
				found := false
				for id := b << blockShift; id < (b+1)<<blockShift && id >= 0; id++ {
					if sc, ok := old[cellKey{c.periodText, c.metricID, id}]; ok {
						ob.set(id, sc.v, sc.imp, sc.source, sc.has)
						found = true
					}
				}
				ob.trim()
				return found, nil
			}
		}
		lastBlock := int32(-1)
		err := c.eachBlock(order, ids, given.Sources(), importID, oldFn, counts, func() { sent++ }, func(b *metricBlock) error {
			f := blockFields(t, b.appendBinary(nil, c.periodText, c.metricID))
			if string(f[0]) != c.periodText || int32(binary.BigEndian.Uint32(f[1])) != c.metricID {
				t.Fatalf("block of %s/%d: fields %q %v", c.periodText, c.metricID, f[0], f[1])
			}
			blk, first := int32(binary.BigEndian.Uint32(f[2])), int32(binary.BigEndian.Uint32(f[3]))
			if blk <= lastBlock || first>>blockShift != blk {
				t.Fatalf("block %d (first id %d) after block %d", blk, first, lastBlock)
			}
			lastBlock = blk
			var d metricBlock
			if err := decodeBlock(&d, first, f[4], f[5], f[6]); err != nil {
				t.Fatal(err)
			}
			if len(d.imports) == 0 || d.imports[0] == 0 || d.imports[len(d.imports)-1] == 0 {
				t.Fatalf("block %d is not trimmed: %v", blk, d.imports)
			}
			n, err := readBlockValues(first, f[4], func(id int32, v float64) error {
				k := int(id - first)
				if math.Float64bits(v) != math.Float64bits(d.vals[k]) {
					t.Fatalf("readBlockValues: id %d = %v, decodeBlock %v", id, v, d.vals[k])
				}
				return nil
			})
			if err != nil || n != int64(d.cells()) {
				t.Fatalf("readBlockValues: %d cells, %v; decodeBlock: %d", n, err, d.cells())
			}
			for k, imp := range d.imports {
				if imp != 0 {
					out[cellKey{c.periodText, c.metricID, first + int32(k)}] = storedCell{d.vals[k], imp, d.sources[k], d.hasSource[k]}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, g := range given.Columns() {
		total += g.Len()
	}
	if sent != total {
		t.Errorf("sent called %d times for %d given cells", sent, total)
	}
	return out
}

// wantCell is the cell subject i of column c of the import should have.
func wantCell(ds *dataset.Dataset, given *dataset.Given, g *dataset.GivenColumn, i int, imp int64) storedCell {
	src := given.Sources()[g.SourceIndex(i)]
	return storedCell{ds.Column(g.Metric, g.Period)[i], imp, src, src != ""}
}

// sameCell compares two cells, NaN equal to NaN.
func sameCell(a, b storedCell) bool {
	return (a.v == b.v || (a.v != a.v && b.v != b.v)) && a.imp == b.imp && a.source == b.source && a.has == b.has
}

// TestEachBlockCells: the blocks of an import hold every given cell once,
// with its value (bit for bit), source and import, and no other; blocks
// come in order, within their 65,536 ids, trimmed; for subject ids in
// dataset order, shuffled, and spread over several blocks.
func TestEachBlockCells(t *testing.T) {
	const n = 3000
	ds, given := genGiven(n, 1)
	r := rand.New(rand.NewPCG(2, 2))
	idSets := map[string][]int32{"in order": make([]int32, n), "shuffled": make([]int32, n), "spread": make([]int32, n)}
	for i, p := range r.Perm(n) {
		idSets["in order"][i] = int32(i + 1)
		idSets["shuffled"][i] = int32(3*p + 5)
		idSets["spread"][i] = int32(p*97 + blockIDs - 1500) // across five blocks, from the end of the first
	}
	metricIDs := map[string]int32{"m0": 6, "m1": 2, "m2": 40, "m3": 1, "m4": 5, "m5": 3}
	for name, ids := range idSets {
		t.Run(name, func(t *testing.T) {
			var counts blockCounts
			got := collectBlocks(t, ds, given, ids, 7, nil, &counts)
			want := 0
			for _, g := range given.Columns() {
				for i := range n {
					k := cellKey{g.Period.String(), metricIDs[g.Metric], ids[i]}
					sc, ok := got[k]
					if !g.Has(i) {
						if ok {
							t.Fatalf("%v: a cell not given is stored: %+v", k, sc)
						}
						continue
					}
					want++
					if w := wantCell(ds, given, g, i, 7); !ok || !sameCell(sc, w) || math.Float64bits(sc.v) != math.Float64bits(w.v) && w.v == w.v {
						t.Fatalf("%v: stored %+v (%v), want %+v", k, sc, ok, w)
					}
				}
			}
			if len(got) != want || counts != (blockCounts{added: int64(want)}) {
				t.Errorf("%d cells stored, counts %+v; want %d added", len(got), counts, want)
			}
		})
	}
}

// TestEachBlockMerge: a second import over stored blocks keeps the cells
// it does not give, keeps a cell it gives unchanged (import id included),
// and replaces a changed one (another value, a missing one, another
// source) with its own; the counts say which.
func TestEachBlockMerge(t *testing.T) {
	const n = 2000
	ds1, given1 := genGiven(n, 1)
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i*53 + 11) // two blocks
	}
	var c1 blockCounts
	old := collectBlocks(t, ds1, given1, ids, 3, nil, &c1)

	// The second import: other draws from the same generator on the same
	// subjects, some cells copied from the first so that they are unchanged.
	ds2, given2 := genGiven(n, 5)
	r := rand.New(rand.NewPCG(9, 9))
	for _, g2 := range given2.Columns() {
		g1 := given1.Column(g2.Metric, g2.Period)
		col1, col2 := ds1.Column(g2.Metric, g2.Period), ds2.MutableColumn(g2.Metric, g2.Period)
		for i := range n {
			if g2.Has(i) && g1.Has(i) && r.IntN(2) == 0 {
				col2[i] = col1[i]
				src := given1.Sources()[g1.SourceIndex(i)]
				g2.Mark(i, src)
			}
		}
	}
	metricIDs := map[string]int32{"m0": 6, "m1": 2, "m2": 40, "m3": 1, "m4": 5, "m5": 3}
	var c2 blockCounts
	got := collectBlocks(t, ds2, given2, ids, 4, old, &c2)
	var want blockCounts
	for _, g2 := range given2.Columns() {
		g1 := given1.Column(g2.Metric, g2.Period)
		for i := range n {
			k := cellKey{g2.Period.String(), metricIDs[g2.Metric], ids[i]}
			sc, ok := got[k]
			var w storedCell
			switch {
			case g2.Has(i) && g1.Has(i):
				w = wantCell(ds2, given2, g2, i, 4)
				if o := old[k]; sameCell(o, storedCell{w.v, o.imp, w.source, w.has}) {
					want.unchanged++
					w = o
				} else {
					want.changed++
				}
			case g2.Has(i):
				want.added++
				w = wantCell(ds2, given2, g2, i, 4)
			case g1.Has(i):
				w = old[k]
			default:
				if ok {
					t.Fatalf("%v: a cell neither import gave: %+v", k, sc)
				}
				continue
			}
			if !ok || !sameCell(sc, w) {
				t.Fatalf("%v: %+v (%v), want %+v", k, sc, ok, w)
			}
		}
	}
	if c2 != want || want.unchanged == 0 || want.changed == 0 || want.added == 0 {
		t.Errorf("counts %+v, want %+v (each > 0)", c2, want)
	}
}

// TestDecodeBlockRejects: a stored block that is not as the importer
// writes it is an error, not a wrong column.
func TestDecodeBlockRejects(t *testing.T) {
	var b metricBlock
	b.reset(blockIDs + 10)
	b.set(blockIDs+10, 1.5, 2, "", false)
	b.set(blockIDs+12, math.NaN(), 2, "x", true)
	f := blockFields(t, b.appendBinary(nil, "2024", 1))
	first := int32(blockIDs + 10)
	var d metricBlock
	// import_ids arrays of three entries: one cut short after its header,
	// one whose cells are not vals' ([NULL, 2, 2] for [1.5, NULL, NaN]),
	// one with an import id 0.
	short, _ := binArrayStart(nil, 3, oidInt8)
	imports := func(ids ...int64) []byte {
		b, at := binArrayStart(nil, len(ids), oidInt8)
		for _, id := range ids {
			if id < 0 {
				b = binNull(b)
			} else {
				b = binInt64(b, id)
			}
		}
		return binArrayEnd(b, at)[4:]
	}
	if !bytes.Equal(f[5], imports(2, -1, 2)) {
		t.Fatalf("import_ids %x, want [2, NULL, 2]", f[5])
	}
	if err := decodeBlock(&d, first, f[4], f[5], f[6]); err != nil || d.cells() != 2 || !d.hasSource[2] || d.sources[2] != "x" {
		t.Fatalf("the well-formed block: %v, %+v", err, d)
	}
	for _, tc := range []struct {
		name                   string
		first                  int32
		vals, imports, sources []byte
	}{
		{"crosses its block", 2*blockIDs - 2, f[4], f[5], f[6]},
		{"vals not float8", first, f[5], f[5], f[6]},
		{"vals cut short", first, f[4][:len(f[4])-3], f[5], f[6]},
		{"vals with trailing bytes", first, append(append([]byte{}, f[4]...), 0), f[5], f[6]},
		{"import_ids cut short", first, f[4], short[4:], f[6]},
		{"import_ids disagree with vals", first, f[4], imports(-1, 2, 2), f[6]},
		{"import id 0", first, f[4], imports(0, -1, 2), f[6]},
		{"sources of another length", first, f[4], f[5], f[6][:20]},
	} {
		if err := decodeBlock(&d, tc.first, tc.vals, tc.imports, tc.sources); err == nil {
			t.Errorf("%s: decoded", tc.name)
		}
	}
	if _, err := readBlockValues(2*blockIDs-2, f[4], func(int32, float64) error { return nil }); err == nil {
		t.Error("readBlockValues: a block crossing its end was read")
	}
	if _, err := readBlockValues(first, f[4][:len(f[4])-1], func(int32, float64) error { return nil }); err == nil {
		t.Error("readBlockValues: a cut array was read")
	}
	empty, _ := binArrayStart(nil, 0, oidFloat8)
	if n, err := readBlockValues(0, empty[4:], func(int32, float64) error { return nil }); err != nil || n != 0 {
		t.Errorf("readBlockValues of an empty array: %d, %v", n, err)
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

// BenchmarkImportEncode: the client side of the COPY of the metric blocks
// of 100,000 subjects × 18 columns (about 1.6 million cells), into a
// writer that discards the chunks, with subject ids in dataset order (as
// when every subject is new) and shuffled, in the binary and the text
// format.
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
	w := &copyWriter{buf: make([]byte, 0, copyChunk+4096), send: func([]byte) error { return nil }}
	for _, ids := range []struct {
		name string
		ids  []int32
	}{{"ids in order", inOrder}, {"ids shuffled", shuffled}} {
		subjIDs := ids.ids
		for _, bin := range []bool{false, true} {
			b.Run(ids.name+"/"+map[bool]string{false: "text", true: "binary"}[bin], func(b *testing.B) {
				for range b.N {
					cols := importColumns(ds, given)
					for _, c := range cols {
						c.metricID = metricIDs[c.given.Metric]
					}
					sortColumns(cols)
					order := importOrder(subjIDs)
					var counts blockCounts
					var err error
					for _, c := range cols {
						err = errors.Join(err, c.eachBlock(order, subjIDs, given.Sources(), 7, nil, &counts, func() {}, func(blk *metricBlock) error {
							if bin {
								return w.endLine(blk.appendBinary(w.line(), c.periodText, c.metricID))
							}
							return w.endLine(blk.appendText(w.line(), c.periodText, c.metricID))
						}))
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkReadBlockValues: decoding one full block's values (65,536
// cells) as a column read does.
func BenchmarkReadBlockValues(b *testing.B) {
	var blk metricBlock
	blk.reset(0)
	for id := range int32(blockIDs) {
		blk.set(id, float64(id)/3, 1, "", false)
	}
	tuple := blk.appendBinary(nil, "2024", 1)
	// The vals field: after the field count and four fields (period,
	// metric_id, block, first_id).
	e := tuple[2:]
	for range 4 {
		e = e[4+binary.BigEndian.Uint32(e):]
	}
	vals := e[4 : 4+binary.BigEndian.Uint32(e)]
	col := make([]float64, blockIDs)
	b.SetBytes(int64(len(vals)))
	for range b.N {
		if _, err := readBlockValues(0, vals, func(id int32, v float64) error { col[id] = v; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
