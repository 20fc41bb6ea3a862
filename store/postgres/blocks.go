package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// blockShift sets the subject ids of a metric_blocks row (migration
// 0011): those with the same id >> blockShift, 65,536 of them.
const blockShift = 16

// blockIDs is the number of subject ids a block spans.
const blockIDs = 1 << blockShift

// oidInt8 is bigint's type OID, of import_ids' elements.
const oidInt8 = 20

// metricBlock is one metric_blocks row: the cells of one (period, metric)
// column for the subject ids first … first+len(vals)−1, all in block
// first >> blockShift. imports[k] is the import that gave cell k, 0 where
// the subject has no cell (vals[k] is then unused); a given missing value
// is NaN. sources[k] is the cell's source when hasSource[k]. The slices
// are reused from block to block (reset).
type metricBlock struct {
	first     int32
	vals      []float64
	imports   []int64
	sources   []string
	hasSource []bool
}

// reset empties b for the ids from first on.
func (b *metricBlock) reset(first int32) {
	b.first = first
	b.vals, b.imports = b.vals[:0], b.imports[:0]
	b.sources, b.hasSource = b.sources[:0], b.hasSource[:0]
}

// block is the block number of b's ids.
func (b *metricBlock) block() int32 { return b.first >> blockShift }

// set gives subject id the cell (v, source when has, import imp),
// replacing the one it had: id must be within b's block, from b.first on;
// b grows to reach it, the ids added having no cell.
func (b *metricBlock) set(id int32, v float64, imp int64, source string, has bool) {
	k := int(id - b.first)
	for len(b.vals) <= k {
		b.vals = append(b.vals, math.NaN())
		b.imports = append(b.imports, 0)
		b.sources = append(b.sources, "")
		b.hasSource = append(b.hasSource, false)
	}
	b.vals[k], b.imports[k], b.sources[k], b.hasSource[k] = v, imp, source, has
}

// trim drops the ids without a cell at both ends (first moves up); it
// reports whether a cell is left.
func (b *metricBlock) trim() bool {
	lo, hi := 0, len(b.imports)
	for lo < hi && b.imports[lo] == 0 {
		lo++
	}
	for hi > lo && b.imports[hi-1] == 0 {
		hi--
	}
	if lo == hi {
		b.vals, b.imports, b.sources, b.hasSource = b.vals[:0], b.imports[:0], b.sources[:0], b.hasSource[:0]
		return false
	}
	b.first += int32(lo)
	b.vals, b.imports = b.vals[lo:hi], b.imports[lo:hi]
	b.sources, b.hasSource = b.sources[lo:hi], b.hasSource[lo:hi]
	return true
}

// anySource reports whether a cell of b has a source.
func (b *metricBlock) anySource() bool {
	for k, has := range b.hasSource {
		if has && b.imports[k] != 0 {
			return true
		}
	}
	return false
}

// cells counts b's cells.
func (b *metricBlock) cells() int {
	n := 0
	for _, imp := range b.imports {
		if imp != 0 {
			n++
		}
	}
	return n
}

// appendBinary appends b as a tuple of COPY's binary format for
// metric_blocks (period, metric_id, block, first_id, vals, import_ids,
// sources); period is the period's text, metricID the metric's id. b must
// be trimmed. A given missing value goes as NaN's bits.
func (b *metricBlock) appendBinary(buf []byte, period string, metricID int32) []byte {
	buf = appendInt16(buf, 7)
	buf = binText(buf, period)
	buf = binInt32(buf, metricID)
	buf = binInt32(buf, b.block())
	buf = binInt32(buf, b.first)
	n := len(b.vals)
	buf, at := binArrayStart(buf, n, oidFloat8)
	for k, v := range b.vals {
		if b.imports[k] == 0 {
			buf = binNull(buf)
			continue
		}
		if v != v {
			v = math.NaN() // one NaN for every missing value
		}
		buf = appendInt32(buf, 8)
		buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(v))
	}
	buf = binArrayEnd(buf, at)
	buf, at = binArrayStart(buf, n, oidInt8)
	for _, imp := range b.imports {
		if imp == 0 {
			buf = binNull(buf)
		} else {
			buf = binInt64(buf, imp)
		}
	}
	buf = binArrayEnd(buf, at)
	if !b.anySource() {
		return binNull(buf)
	}
	buf, at = binArrayStart(buf, n, oidText)
	for k, s := range b.sources {
		if b.imports[k] == 0 || !b.hasSource[k] {
			buf = binNull(buf)
		} else {
			buf = binText(buf, s)
		}
	}
	return binArrayEnd(buf, at)
}

// appendText appends b as a line of COPY's text format for the columns
// appendBinary sends, newline included: the arrays as their literals,
// values in the shortest form that reads back as the same float64.
func (b *metricBlock) appendText(buf []byte, period string, metricID int32) []byte {
	buf = appendCopyText(buf, period)
	buf = fmt.Appendf(buf, "\t%d\t%d\t%d\t{", metricID, b.block(), b.first)
	for k, v := range b.vals {
		if k > 0 {
			buf = append(buf, ',')
		}
		switch {
		case b.imports[k] == 0:
			buf = append(buf, "NULL"...)
		case v != v:
			buf = append(buf, "NaN"...)
		case math.IsInf(v, 1):
			buf = append(buf, "Infinity"...)
		case math.IsInf(v, -1):
			buf = append(buf, "-Infinity"...)
		default:
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		}
	}
	buf = append(buf, "}\t{"...)
	for k, imp := range b.imports {
		if k > 0 {
			buf = append(buf, ',')
		}
		if imp == 0 {
			buf = append(buf, "NULL"...)
		} else {
			buf = strconv.AppendInt(buf, imp, 10)
		}
	}
	buf = append(buf, "}\t"...)
	if !b.anySource() {
		return append(buf, `\N`+"\n"...)
	}
	var lit []byte
	lit = append(lit, '{')
	for k, s := range b.sources {
		if k > 0 {
			lit = append(lit, ',')
		}
		if b.imports[k] == 0 || !b.hasSource[k] {
			lit = append(lit, "NULL"...)
			continue
		}
		// An element in double quotes, with " and \ escaped, so that
		// NULL, braces, commas and spaces are its text.
		lit = append(lit, '"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' || s[i] == '\\' {
				lit = append(lit, '\\')
			}
			lit = append(lit, s[i])
		}
		lit = append(lit, '"')
	}
	lit = append(lit, '}')
	buf = appendCopyText(buf, lit)
	return append(buf, '\n')
}

// arrayLen returns the number of entries of a one-dimensional array in
// array_send's form (0 for an empty one), checking that its element type
// is oid and its lower bound 1.
func arrayLen(a []byte, oid uint32) (int, error) {
	if len(a) == 12 && binary.BigEndian.Uint32(a) == 0 && binary.BigEndian.Uint32(a[8:]) == oid {
		return 0, nil
	}
	if len(a) < 20 || binary.BigEndian.Uint32(a) != 1 || binary.BigEndian.Uint32(a[8:]) != oid {
		return 0, errors.New("not a one-dimensional array of the stored type")
	}
	if binary.BigEndian.Uint32(a[16:]) != 1 {
		return 0, errors.New("the array does not start at 1")
	}
	n := int(int32(binary.BigEndian.Uint32(a[12:])))
	if n < 0 || n > blockIDs {
		return 0, fmt.Errorf("%d entries in a block", n)
	}
	return n, nil
}

// decodeBlock reads a stored block into b: first its first_id, vals,
// imports and sources its arrays in array_send's form (sources nil for
// NULL). The arrays must have the same length, within one block.
func decodeBlock(b *metricBlock, first int32, vals, imports, sources []byte) error {
	n, err := arrayLen(vals, oidFloat8)
	if err != nil {
		return fmt.Errorf("vals: %w", err)
	}
	if first < 0 || int(first&(blockIDs-1))+n > blockIDs {
		return fmt.Errorf("first_id %d with %d entries crosses its block", first, n)
	}
	b.reset(first)
	for range n {
		b.vals = append(b.vals, math.NaN())
		b.imports = append(b.imports, 0)
		b.sources = append(b.sources, "")
		b.hasSource = append(b.hasSource, false)
	}
	var isNull []bool
	if err := readArray(vals, n, oidFloat8, func(k int, e []byte, null bool) error {
		switch {
		case null:
		case len(e) == 8:
			b.vals[k] = math.Float64frombits(binary.BigEndian.Uint64(e))
		default:
			return errors.New("an entry is not a float8")
		}
		isNull = append(isNull, null)
		return nil
	}); err != nil {
		return fmt.Errorf("vals: %w", err)
	}
	if err := readArray(imports, n, oidInt8, func(k int, e []byte, null bool) error {
		switch {
		case null != isNull[k]:
			return errors.New("import_ids and vals disagree on which subjects have a cell")
		case null:
		case len(e) == 8 && int64(binary.BigEndian.Uint64(e)) > 0:
			b.imports[k] = int64(binary.BigEndian.Uint64(e))
		default:
			return errors.New("an entry is not a positive bigint")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("import_ids: %w", err)
	}
	if sources == nil {
		return nil
	}
	if err := readArray(sources, n, oidText, func(k int, e []byte, null bool) error {
		if !null {
			b.sources[k], b.hasSource[k] = string(e), true
		}
		return nil
	}); err != nil {
		return fmt.Errorf("sources: %w", err)
	}
	return nil
}

// readBlockValues calls cell with the subject id and value of every cell
// of a stored block's vals (first: its first_id; array_send's form),
// NaN for a given missing value; it returns the number of cells. It reads
// the entries itself rather than through readArray, on the path of every
// value a run reads: 0.17 instead of 0.43 ms a full block
// (BenchmarkReadBlockValues).
func readBlockValues(first int32, vals []byte, cell func(id int32, v float64) error) (int64, error) {
	n, err := arrayLen(vals, oidFloat8)
	if err != nil {
		return 0, err
	}
	if first < 0 || int(first&(blockIDs-1))+n > blockIDs {
		return 0, fmt.Errorf("first_id %d with %d entries crosses its block", first, n)
	}
	var e []byte // the entries
	if n > 0 {
		e = vals[20:]
	}
	var cells int64
	for k := range n {
		if len(e) < 4 {
			return 0, errors.New("the array is cut short")
		}
		size := int32(binary.BigEndian.Uint32(e))
		e = e[4:]
		switch {
		case size == -1:
			continue
		case size != 8 || len(e) < 8:
			return 0, errors.New("an entry is not a float8")
		}
		cells++
		if err := cell(first+int32(k), math.Float64frombits(binary.BigEndian.Uint64(e))); err != nil {
			return 0, err
		}
		e = e[8:]
	}
	if len(e) != 0 {
		return 0, errors.New("the array has trailing bytes")
	}
	return cells, nil
}
