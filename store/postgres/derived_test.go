package postgres

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// cutAll runs doc through a cellCutter of kind in the pieces given by the
// cut points, and returns what it stored and the cut.
func cutAll(t *testing.T, kind cellsKind, doc []byte, points []int) ([]byte, cellsCut) {
	t.Helper()
	var stored bytes.Buffer
	c := newCellCutter(kind, &stored)
	at := 0
	for _, p := range append(points, len(doc)) {
		if n, err := c.Write(doc[at:p]); err != nil || n != p-at {
			t.Fatalf("wrote %d of %d bytes: %v", n, p-at, err)
		}
		at = p
	}
	cut, err := c.finish("test")
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	return stored.Bytes(), cut
}

// TestCellCutter checks that the cells are found and left out whatever
// the pieces an output is written in: split at every point, byte by byte
// and at random.
func TestCellCutter(t *testing.T) {
	jsonCells := "\n      {\"subject\": \"a\", \"raw\": [1]},\n      {\"subject\": \"b\\n    ]},\", \"raw\": [null]}"
	cases := []struct {
		name  string
		kind  cellsKind
		head  string
		cells string
		tail  string
		whole bool // stored whole: no cells found
	}{
		{"json", cellsJSON, "{\n  \"groups\": [{\"subjects\": 3}],\n  \"indicators\": {\"leaves\": [\"x\"],\n    \"subjects\": [", jsonCells, "\n    ]},\n  \"warnings\": [\n  ]\n}\n", false},
		{"json, no subjects", cellsJSON, "{\n  \"indicators\": {\"leaves\": [],\n    \"subjects\": [", "", "\n    ]},\n}\n", false},
		{"json without cells", cellsJSON, "{\"format\": \"x\"}\n", "", "", true},
		{"csv", cellsCSV, csvHeader, "a,x,1,1,ok,0.5\nb,x,,,missing,0\n", "", false},
		{"csv with BOM", cellsCSV, csvBOMHeader, "a,x,1,1,ok,0.5\n", "", false},
		{"csv, header only", cellsCSV, csvHeader, "", "", false},
		{"csv, another header", cellsCSV, "subject,other\n", "a,1\n", "", true},
		{"csv, no newline", cellsCSV, "subject,indicator", "", "", true},
		{"csv, long first line", cellsCSV, "subject,indicator,raw,value,status,weight,and,more,columns,here\n", "a\n", "", true},
	}
	for _, tc := range cases {
		doc := []byte(tc.head + tc.cells + tc.tail)
		var splits [][]int
		for i := 0; i <= len(doc); i++ {
			splits = append(splits, []int{i})
		}
		bytewise := make([]int, 0, len(doc))
		for i := 1; i < len(doc); i++ {
			bytewise = append(bytewise, i)
		}
		splits = append(splits, bytewise)
		r := rand.New(rand.NewPCG(1, 2))
		for range 50 {
			var pts []int
			for at := r.IntN(8); at < len(doc); at += 1 + r.IntN(8) {
				pts = append(pts, at)
			}
			splits = append(splits, pts)
		}
		for _, pts := range splits {
			stored, cut := cutAll(t, tc.kind, doc, pts)
			if tc.whole {
				if cut.valid || !bytes.Equal(stored, doc) {
					t.Fatalf("%s, split %v: cut %+v, stored %q; want the whole file", tc.name, pts, cut, stored)
				}
				continue
			}
			if !cut.valid || cut.at != int64(len(tc.head)) || cut.n != int64(len(tc.cells)) {
				t.Fatalf("%s, split %v: cut %+v, want at %d, %d bytes", tc.name, pts, cut, len(tc.head), len(tc.cells))
			}
			if want := tc.head + tc.tail; string(stored) != want {
				t.Fatalf("%s, split %v: stored %q, want %q", tc.name, pts, stored, want)
			}
		}
	}
}

// TestCellCutterUnclosed checks that results.json's cells that begin but
// never end are an error, not a file stored without them.
func TestCellCutterUnclosed(t *testing.T) {
	c := newCellCutter(cellsJSON, io.Discard)
	if _, err := c.Write([]byte("{\"indicators\": {\"leaves\": [],\n    \"subjects\": [\n      {}")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.finish("results.json"); err == nil {
		t.Fatal("no error for cells that are not closed")
	}
}

// TestLocalServer checks which connection strings name a server on this
// machine.
func TestLocalServer(t *testing.T) {
	for conn, want := range map[string]bool{
		"postgres://u@127.0.0.1:5432/db?sslmode=disable": true,
		"postgres://u@localhost/db":                      true,
		"postgresql://u@[::1]:5432/db":                   true,
		"postgres:///db":                                 true,
		"postgres:///db?host=/var/run/postgresql":        true,
		"postgres://u@db.example.org/db":                 false,
		"postgres://u@10.0.0.5/db":                       false,
		"postgres://u@localhost/db?host=db.example.org":  false,
		"host=/var/run/postgresql dbname=x":              true,
		"host=127.0.0.1 port=5432 dbname=x":              true,
		"dbname=x user=u":                                true,
		"host=db.example.org dbname=x":                   false,
		"host='db.example.org' dbname=x":                 false,
	} {
		if got := LocalServer(conn); got != want {
			t.Errorf("LocalServer(%q) = %v, want %v", conn, got, want)
		}
	}
}

// TestReadArrayMalformed checks that arrays govscore does not write are
// refused, each with its reason, and that well-formed ones read back.
func TestReadArrayMalformed(t *testing.T) {
	head := func(ndim, oid, n int) []byte {
		b := appendInt32(nil, int32(ndim))
		b = appendInt32(b, 0)
		b = appendInt32(b, int32(oid))
		if ndim > 0 {
			b = appendInt32(b, int32(n))
			b = appendInt32(b, 1)
		}
		return b
	}
	good := binFloat(binNull(head(1, oidFloat8, 2)), 2.5)
	out, isNull := make([]float64, 2), make([]bool, 2)
	if err := readFloatArray(good, out, isNull); err != nil || !isNull[0] || isNull[1] || out[1] != 2.5 {
		t.Fatalf("read %v %v, %v", out, isNull, err)
	}
	texts, textNull := make([]string, 2), make([]bool, 2)
	if err := readTextArray(binText(binNull(head(1, oidText, 2)), ""), texts, textNull); err != nil || !textNull[0] || textNull[1] || texts[1] != "" {
		t.Fatalf("read %q %v, %v", texts, textNull, err)
	}
	if err := readFloatArray(head(0, oidFloat8, 0), nil, nil); err != nil {
		t.Fatalf("empty array: %v", err)
	}
	for name, a := range map[string][]byte{
		"two dimensions":   binFloat(binFloat(head(2, oidFloat8, 2), 1), 1),
		"text, not float8": binText(binText(head(1, oidText, 2), "a"), "b"),
		"one entry short":  binFloat(head(1, oidFloat8, 1), 1),
		"cut short":        binFloat(head(1, oidFloat8, 2), 1),
		"entry cut short":  append(appendInt32(binFloat(head(1, oidFloat8, 2), 1), 8), 1, 2),
		"a float4":         append(appendInt32(binFloat(head(1, oidFloat8, 2), 1), 4), 1, 2, 3, 4),
		"trailing bytes":   append(good[:len(good):len(good)], 0),
		"no header":        {0, 0, 1},
	} {
		if err := readFloatArray(a, out, isNull); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
}

// TestChunkSpoolReadBackFails checks that a spool whose file cannot be
// read back reports it, and that chunks held in memory are given as they
// are.
func TestChunkSpoolReadBackFails(t *testing.T) {
	chunk := func(n int, data string) *zipChunk {
		out := outPool.Get().(*bytes.Buffer)
		out.Reset()
		out.WriteString(data)
		return &zipChunk{name: "f", n: n, out: out}
	}
	sp := &chunkSpool{}
	if !sp.add(chunk(0, "first")) || !sp.add(chunk(1, "second")) {
		t.Skip("no temporary directory for the spool")
	}
	var got []string
	collect := func(name string, n int, data []byte) error {
		got = append(got, fmt.Sprintf("%s %d %s", name, n, data))
		return nil
	}
	if err := sp.each(collect); err != nil || strings.Join(got, ";") != "f 0 first;f 1 second" {
		t.Fatalf("read back %q, %v", got, err)
	}
	sp.f.Close()
	if err := sp.each(collect); err == nil || !strings.Contains(err.Error(), "temporary file") {
		t.Errorf("read back from a closed spool: %v", err)
	}
	sp.f = nil
	sp.close()

	mem := &chunkSpool{entries: []spooled{{name: "g", n: 3, mem: chunk(3, "held")}}}
	got = nil
	if err := mem.each(collect); err != nil || len(got) != 1 || got[0] != "g 3 held" {
		t.Errorf("chunk held in memory: %q, %v", got, err)
	}
	mem.close()
}
