package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govscore/govscore/internal/splitstream"
	"github.com/govscore/govscore/reports"
)

// The cells of a batch — one (subject, leaf) entry with the raw value,
// normalised value, status and effective weight — are stored once, in the
// batch_subjects rows' arrays. Two outputs render them again as text:
// indicators.csv (every row after the header) and results.json (the
// subjects' list of its "indicators" section); together about 85% of the
// outputs' bytes, 5.8 of 6.8 GB at a million subjects of 50 leaves. Those
// bytes are left out of the outputs' chunks (cellCutter) and rendered from
// the rows when the file is read (renderCells), with the code the report
// writers use (reports.StoredCells): batch_outputs records where they were
// cut out (cells_at, cells_bytes, migration 0010) and, as before, the
// SHA-256 and size of the whole file, which reading checks.

// cellsKind tells which cells an output holds.
type cellsKind int

const (
	cellsNone cellsKind = iota
	cellsCSV            // indicators.csv: every line after the header
	cellsJSON           // results.json: the "indicators" subjects' list
)

// cellsKindOf is the kind of cells the output named name holds.
func cellsKindOf(name string) cellsKind {
	switch name {
	case "indicators.csv":
		return cellsCSV
	case "results.json":
		return cellsJSON
	}
	return cellsNone
}

// cellsCut is where an output's cells were left out of its chunks: bytes
// [at, at+n) of the file; valid false when it is stored whole.
type cellsCut struct {
	at, n int64
	valid bool
}

var (
	// jsonCellsStart ends the bytes before results.json's cells: the
	// "indicators" section's leaves, then its subjects' list opens.
	// JSON strings hold no raw newline, so the bytes occur once, there.
	jsonCellsStart = []byte(",\n    \"subjects\": [")
	// jsonCellsEnd begins the bytes after them: the list and the section
	// close (a subject's entry is one line indented by six spaces).
	jsonCellsEnd = []byte("\n    ]},\n")
	// csvHeader is indicators.csv's header line, csvBOMHeader the same
	// after a UTF-8 byte order mark.
	csvHeader    = strings.Join(reports.IndicatorsHeader, ",") + "\n"
	csvBOMHeader = "\ufeff" + csvHeader
)

// cellCutter sorts the bytes of an output, as they are written, into those
// stored (passed on to store) and those left out (the cells, only
// counted): indicators.csv's after its header line, when the header is
// the expected one; results.json's between jsonCellsStart and
// jsonCellsEnd (a splitstream.Splitter, the markers stored with the bytes
// around them). An output in which the cells are not found is stored
// whole.
type cellCutter struct {
	kind  cellsKind
	store io.Writer
	// indicators.csv
	head    []byte // its first line so far
	at      int64  // bytes stored before the cells
	inCells bool
	// results.json
	split         *splitstream.Splitter
	before, cells counter
}

// counter counts the bytes written through it to w.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// newCellCutter returns a cellCutter for an output of kind whose stored
// bytes go to store.
func newCellCutter(kind cellsKind, store io.Writer) *cellCutter {
	c := &cellCutter{kind: kind, store: store}
	if kind == cellsJSON {
		c.before.w, c.cells.w = store, io.Discard
		c.split = &splitstream.Splitter{
			Markers:  [][]byte{jsonCellsStart, jsonCellsEnd},
			Sinks:    []io.Writer{&c.before, &c.cells, store},
			MarkerTo: []int{0, 2},
		}
	}
	return c
}

func (c *cellCutter) Write(p []byte) (int, error) {
	switch {
	case c.kind == cellsJSON:
		return c.split.Write(p)
	case c.kind == cellsCSV && c.inCells:
		c.cells.n += int64(len(p))
		return len(p), nil
	case c.kind == cellsCSV:
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(c.head)+len(p) > len(csvBOMHeader) {
				c.kind = cellsNone // not the expected header
			} else {
				c.head = append(c.head, p...)
				c.at += int64(len(p))
			}
			return c.store.Write(p)
		}
		line := string(c.head) + string(p[:i+1])
		c.head = nil
		if line != csvHeader && line != csvBOMHeader {
			c.kind = cellsNone
			return c.store.Write(p)
		}
		if _, err := c.store.Write(p[:i+1]); err != nil {
			return 0, err
		}
		c.at += int64(i + 1)
		c.inCells = true
		c.cells.n += int64(len(p) - i - 1)
		return len(p), nil
	}
	return c.store.Write(p)
}

// finish ends the output: the cut made (valid false when the cells were
// not found), or an error when its cells began but did not end.
func (c *cellCutter) finish(name string) (cellsCut, error) {
	switch c.kind {
	case cellsCSV:
		return cellsCut{at: c.at, n: c.cells.n, valid: c.inCells}, nil
	case cellsJSON:
		if err := c.split.Flush(); err != nil {
			return cellsCut{}, err
		}
		switch c.split.Found() {
		case 0:
			return cellsCut{}, nil
		case 1:
			return cellsCut{}, fmt.Errorf("%s: the cells' list is not closed", name)
		}
		return cellsCut{at: c.before.n, n: c.cells.n, valid: true}, nil
	}
	return cellsCut{}, nil
}

// sqlCellRows reads the cells of batch $1's subjects in output order.
const sqlCellRows = `SELECT subject, array_send(raw), array_send(value), array_send(status), array_send(weight)
	FROM batch_subjects WHERE batch_id = $1 ORDER BY ord, subject COLLATE "C"`

// renderCells writes the cells of batch id as an output of kind renders
// them — indicators.csv's rows, or results.json's subjects' list (its
// first entry without the comma) — to w, through q, and returns how many
// bytes it wrote. A stored array that govscore does not write wraps
// ErrIntegrity.
func renderCells(ctx context.Context, q sqlx.QueryerContext, id int64, kind cellsKind, w io.Writer) (int64, error) {
	var leaves []string
	if err := sqlx.GetContext(ctx, q, pq.Array(&leaves), `SELECT leaves FROM batches WHERE id = $1`, id); err != nil {
		return 0, err
	}
	rows, err := q.QueryContext(ctx, sqlCellRows, id)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	nl := len(leaves)
	cells := reports.NewStoredCells(leaves)
	applies, isNull := make([]bool, nl), make([]bool, nl)
	raw, value, weight := make([]float64, nl), make([]float64, nl), make([]float64, nl)
	status := make([]string, nl)
	var buf []byte
	var written int64
	first := true
	flush := func() error {
		buf = buf[:0]
		if kind == cellsCSV {
			buf = cells.AppendCSV(buf)
		} else {
			buf = cells.AppendJSON(buf)
		}
		cells.Reset()
		out := buf
		if first && kind == cellsJSON && len(out) > 0 {
			out = out[1:] // the first entry without its comma
		}
		first = false
		n, err := w.Write(out)
		written += int64(n)
		return err
	}
	var subject string
	var a [4][]byte
	for rows.Next() {
		if err := rows.Scan(&subject, &a[0], &a[1], &a[2], &a[3]); err != nil {
			return written, err
		}
		bad := func(what string, err error) error {
			return fmt.Errorf("batch %d, subject %q: %s: %v: %w", id, subject, what, err, ErrIntegrity)
		}
		if err := readTextArray(a[2], status, isNull); err != nil {
			return written, bad("status", err)
		}
		for l, null := range isNull {
			applies[l] = !null // a leaf that does not apply has a NULL status
		}
		for i, dst := range [...][]float64{raw, value, weight} {
			if err := readFloatArray(a[[...]int{0, 1, 3}[i]], dst, isNull); err != nil {
				return written, bad([...]string{"raw", "value", "weight"}[i], err)
			}
			// NULL where the leaf does not apply; where it does, NULL
			// is a number that is not finite (NaN: missing, or no part).
			for l := range isNull {
				if !isNull[l] && !applies[l] {
					return written, bad([...]string{"raw", "value", "weight"}[i], errors.New("a value where the status is NULL"))
				}
			}
		}
		cells.Add(subject, applies, raw, value, weight, status)
		if cells.Full() {
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return written, err
	}
	if cells.Len() > 0 {
		if err := flush(); err != nil {
			return written, err
		}
	}
	return written, nil
}

// arrayHeader checks the header of a one-dimensional array in array_send's
// form, of n elements of type oid, and returns its elements' bytes.
func arrayHeader(a []byte, n int, oid uint32) ([]byte, error) {
	if n == 0 && len(a) == 12 && binary.BigEndian.Uint32(a) == 0 {
		return nil, nil // an empty array has no dimension
	}
	if len(a) < 20 || binary.BigEndian.Uint32(a) != 1 || binary.BigEndian.Uint32(a[8:]) != oid {
		return nil, errors.New("not a one-dimensional array of the stored type")
	}
	if got := int(int32(binary.BigEndian.Uint32(a[12:]))); got != n {
		return nil, fmt.Errorf("%d entries for %d leaves", got, n)
	}
	return a[20:], nil
}

// readArray calls entry with each of the n entries of a one-dimensional
// array of type oid in array_send's form: its index, its bytes, and
// whether it is NULL.
func readArray(a []byte, n int, oid uint32, entry func(l int, b []byte, null bool) error) error {
	e, err := arrayHeader(a, n, oid)
	if err != nil {
		return err
	}
	for l := range n {
		if len(e) < 4 {
			return errors.New("the array is cut short")
		}
		size := int32(binary.BigEndian.Uint32(e))
		e = e[4:]
		if size < -1 || int(size) > len(e) {
			return errors.New("an entry is cut short")
		}
		if size == -1 {
			err = entry(l, nil, true)
		} else {
			err = entry(l, e[:size], false)
			e = e[size:]
		}
		if err != nil {
			return err
		}
	}
	if len(e) != 0 {
		return errors.New("the array has trailing bytes")
	}
	return nil
}

// readFloatArray reads a float8[] in array_send's form into out, isNull[l]
// true where the entry is NULL (out[l] NaN then).
func readFloatArray(a []byte, out []float64, isNull []bool) error {
	return readArray(a, len(out), oidFloat8, func(l int, b []byte, null bool) error {
		switch {
		case null:
			out[l], isNull[l] = math.NaN(), true
		case len(b) == 8:
			out[l], isNull[l] = math.Float64frombits(binary.BigEndian.Uint64(b)), false
		default:
			return errors.New("an entry is not a float8")
		}
		return nil
	})
}

// readTextArray reads a text[] in array_send's form into out, isNull[l]
// true where the entry is NULL (out[l] "" then).
func readTextArray(a []byte, out []string, isNull []bool) error {
	return readArray(a, len(out), oidText, func(l int, b []byte, null bool) error {
		out[l], isNull[l] = string(b), null
		return nil
	})
}

// chunkReader reads a stored file's chunks in chunk order, one query per
// chunk, so that the connection is free between them (renderCells runs its
// own query in the middle of a file).
type chunkReader struct {
	ctx  context.Context
	q    sqlx.QueryerContext
	id   int64
	name string
	next int32 // the lowest chunk number not read yet
	cur  []byte
	err  error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		var chunk int32
		err := r.q.QueryRowxContext(r.ctx, sqlFileChunk, r.id, r.name, r.next).Scan(&chunk, &r.cur)
		if errors.Is(err, sql.ErrNoRows) {
			r.err = io.EOF
			return 0, io.EOF
		}
		if err != nil {
			r.err = err
			return 0, err
		}
		r.next = chunk + 1
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// sqlFileChunk reads the first chunk numbered $3 or more of file $2 of
// batch $1, with its number.
const sqlFileChunk = `SELECT chunk, data FROM batch_files WHERE batch_id = $1 AND name = $2 AND chunk >= $3 ORDER BY chunk LIMIT 1`
