package csvdata

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/govscore/govscore/dataset"
)

// wideBlockBytes is the size of the blocks the parallel reading of a wide
// metrics file cuts its data rows into (at line ends; more than
// MaxRowBytes); a variable so that the tests can cut small files into many
// blocks.
var wideBlockBytes = 2 << 20

// wideBlocksPerWorker is the number of blocks read at once per goroutine:
// more than one, so that a goroutine that gets less CPU (the machine is
// shared) leaves its next block to the others.
const wideBlocksPerWorker = 2

// wideParallel reads the data rows of a wide-layout metrics file (metric
// names[k] in column cols[k], nf fields a row) on GOMAXPROCS goroutines:
// it reopens the file after the header the csv reader r has read, cuts the
// rest into blocks at line ends, parses the blocks' rows in parallel into
// per-block column blocks and stores them into the columns in file order.
//
// It reads only regular files: rows without quotes, blank rows or empty
// lines, each with nf fields, a known subject, a valid period of the
// data's format, parseable values within their bounds and no value given
// twice. At the first row that is not, it undoes what it stored and
// returns done = false without having touched r or recorded anything:
// wide then reads the file row by row, as it always did, and reports every
// problem with its place. With done, rows is the number of data rows.
func (f *metricFile) wideParallel(r rowReader, nf, sc, pc int, names []string, cols []int) (done bool, rows int, err error) {
	l := f.l
	src := l.srcs[f.i]
	cr, isCSV := r.(*csv.Reader)
	if !isCSV || src.isSheet() || !src.m.Plain() || l.given != nil || l.ds == nil || len(cols) == 0 {
		return false, 0, nil
	}
	br, closer, err := src.reader()
	if err != nil {
		return false, 0, err
	}
	defer closer.Close()
	// Skip the header, counting its lines: the first data row's line.
	// When the file's encoding is pending, the header and every block
	// must be UTF-8 (the blocks start after a line end, so the file is
	// UTF-8 if and only if they all are).
	checkUTF8 := l.pending[f.i]
	var header []byte
	line := 1
	for skip := cr.InputOffset(); skip > 0; {
		b, err := br.Peek(int(min(skip, int64(br.Size()))))
		switch {
		case err == io.EOF:
			return false, 0, nil // shorter than the csv reader saw: leave it to wide
		case err != nil:
			return false, 0, err
		}
		line += bytes.Count(b, []byte{'\n'})
		if checkUTF8 {
			header = append(header, b...)
		}
		_, _ = br.Discard(len(b))
		skip -= int64(len(b))
	}
	if checkUTF8 && !utf8.Valid(header) {
		return false, 0, errDetectFirst
	}

	workers := runtime.GOMAXPROCS(0)
	lo, hi := make([]float64, len(names)), make([]float64, len(names))
	for k, n := range names {
		lo[k], hi[k] = math.Inf(-1), math.Inf(1)
		if b, ok := l.opt.Bounds[n]; ok {
			if b.Min != nil {
				lo[k] = *b.Min
			}
			if b.Max != nil {
				hi[k] = *b.Max
			}
		}
	}
	parsers := make([]wideParser, workers)
	for w := range parsers {
		parsers[w] = wideParser{ds: l.ds, nf: nf, sc: sc, pc: pc, cols: cols, lo: lo, hi: hi, utf8: checkUTF8}
	}
	st := wideStore{f: f, ncol: len(cols), names: names, refs: map[dataset.Period]int{}, firstLine: line}
	defer st.fillFresh(workers) // whether the rows stay or are taken back
	m := &l.metrics
	st.kind, st.kindFirst, st.kindText = m.kind, m.kindFirst, m.kindText

	round := workers * wideBlocksPerWorker
	bufs := make([][]byte, round)
	outs := make([]wideOut, round)
	var tail []byte
	eof := false
	for !eof {
		// Read up to a round of blocks, each cut after its last line end.
		nb := 0
		for ; nb < round && !eof; nb++ {
			buf := append(bufs[nb][:0], tail...)
			if cap(buf) < wideBlockBytes {
				buf = append(make([]byte, 0, wideBlockBytes+len(buf)), buf...)
			}
			n, err := io.ReadFull(br, buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			switch err {
			case nil:
			case io.EOF, io.ErrUnexpectedEOF:
				eof = true
			default:
				st.undo()
				return false, 0, err
			}
			cut := len(buf)
			if !eof {
				cut = bytes.LastIndexByte(buf, '\n') + 1
				if cut == 0 {
					st.undo() // a row longer than a block: over MaxRowBytes
					return false, 0, nil
				}
			}
			tail = append(tail[:0], buf[cut:]...)
			bufs[nb] = buf[:cut]
		}
		// Each goroutine parses the next block not taken yet.
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range min(workers, nb) {
			wg.Go(func() {
				for b := int(next.Add(1)) - 1; b < nb; b = int(next.Add(1)) - 1 {
					parsers[w].parse(bufs[b], &outs[b])
				}
			})
		}
		wg.Wait()
		for b := range nb {
			if outs[b].notUTF8 {
				st.undo()
				return false, 0, errDetectFirst
			}
		}
		if !st.store(outs[:nb], workers) {
			st.undo()
			return false, 0, nil
		}
	}
	m.kind, m.kindFirst, m.kindText = st.kind, st.kindFirst, st.kindText
	l.pending[f.i] = false // every byte read, all UTF-8
	return true, len(st.subj), nil
}

// wideOut is the parse of one block: the regular rows before the first
// irregular one (bad), each row's subject and period, and its values by
// metric (NaN for a missing cell): vals[k][r] is metric k of row r.
type wideOut struct {
	subj    []int32
	per     []dataset.Period
	vals    [][]float64
	pcol    int // the first row's period column (1-based, in bytes)
	bad     bool
	notUTF8 bool // the block is not UTF-8 (bad too)
}

// wideParser parses blocks of rows; one per goroutine.
type wideParser struct {
	ds         *dataset.Dataset
	nf, sc, pc int
	cols       []int
	lo, hi     []float64 // bounds by metric
	vp         valueParser
	at         []int // field boundaries of the current row
	next       int   // the subject after the last row's: the likely next one
	lastText   string
	last       periodEntry
	utf8       bool // a block that is not UTF-8 is not regular
}

// parse parses the rows of block (whole lines) into out.
func (p *wideParser) parse(block []byte, out *wideOut) {
	out.subj, out.per, out.bad, out.notUTF8 = out.subj[:0], out.per[:0], false, false
	if len(out.vals) != len(p.cols) {
		out.vals = make([][]float64, len(p.cols))
	}
	for k := range out.vals {
		out.vals[k] = out.vals[k][:0]
	}
	if p.utf8 && !utf8.Valid(block) {
		out.bad, out.notUTF8 = true, true
		return
	}
	if bytes.IndexByte(block, '"') >= 0 {
		out.bad = true
		return
	}
	for len(block) > 0 {
		end := bytes.IndexByte(block, '\n')
		row := block
		if end >= 0 {
			row, block = block[:end], block[end+1:]
		} else {
			block = nil
		}
		if n := len(row); n > 0 && row[n-1] == '\r' {
			row = row[:n-1]
		}
		if !p.row(row, out) {
			out.bad = true
			return
		}
	}
}

// row parses one line into out, or returns false when it is not regular.
func (p *wideParser) row(row []byte, out *wideOut) bool {
	if len(row) == 0 || len(row) >= MaxRowBytes-2 || bytes.IndexByte(row, '\r') >= 0 {
		return false
	}
	p.at = append(p.at[:0], -1)
	for j, c := range row {
		if c == ',' {
			p.at = append(p.at, j)
		}
	}
	p.at = append(p.at, len(row))
	if len(p.at)-1 != p.nf {
		return false
	}
	field := func(j int) string {
		b := row[p.at[j]+1 : p.at[j+1]]
		if len(b) == 0 {
			return ""
		}
		// A view of the block, read before the block is reused and never
		// kept: map look-ups, ParsePeriod and valueParser.parse copy
		// nothing out of it (the period cache clones its key).
		return unsafe.String(&b[0], len(b))
	}
	blank := true
	for j := range p.nf {
		if strings.TrimSpace(field(j)) != "" {
			blank = false
			break
		}
	}
	if blank {
		return false
	}
	id := strings.TrimSpace(field(p.sc))
	subj := p.next
	if subj >= len(p.ds.Subjects) || p.ds.Subjects[subj].ID != id {
		// Not the subject after the last row's (files usually list the
		// subjects in the order of subjects.csv): look it up. The ids in
		// the dataset are unique, so both ways find the same index.
		var ok bool
		if subj, ok = p.ds.SubjectIndex(id); !ok {
			return false
		}
	}
	p.next = subj + 1
	text := strings.TrimSpace(field(p.pc))
	if text != p.lastText || p.lastText == "" {
		per, err := dataset.ParsePeriod(text)
		p.last, p.lastText = periodEntry{per, err == nil}, strings.Clone(text)
	}
	if !p.last.ok {
		return false
	}
	for k, j := range p.cols {
		v, kind := p.vp.parse(field(j))
		switch {
		case kind == valueMissing:
			v = math.NaN()
		case kind != valueOK:
			return false
		case v < p.lo[k] || v > p.hi[k]:
			return false
		}
		out.vals[k] = append(out.vals[k], v) // a row cut short makes the block bad
	}
	if len(out.subj) == 0 {
		out.pcol = p.at[p.pc] + 2
	}
	out.subj = append(out.subj, int32(subj))
	out.per = append(out.per, p.last.p)
	return true
}

// wideStore stores parsed blocks into the columns in file order, keeping
// what undo needs.
type wideStore struct {
	f         *metricFile
	ncol      int
	names     []string
	pers      []dataset.Period       // the periods met, in order
	cols      [][]*column            // their columns, by metric
	refs      map[dataset.Period]int // index in pers
	subj      []int32                // the rows stored: subject
	pidx      []int32                // and period index
	firstLine int                    // the line of the first data row
	// The data's period format as it will be once the rows are stored.
	kind      dataset.PeriodKind
	kindFirst bpos
	kindText  string
	lastPer   dataset.Period // the last row's period, index lastQ in pers
	lastQ     int32
	stop      []int // by metric: the cells of the round stored
	// fresh are the columns created with 0 in every cell, not NaN: the
	// cells no row gives are set to NaN at the end (fillFresh).
	fresh []*column
}

// fillFresh sets the cells of the fresh columns that no row has given to
// NaN, on up to parts goroutines (a column each): after it, the columns
// are what MutableColumn would have created and the rows stored.
func (s *wideStore) fillFresh(parts int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(parts, len(s.fresh))) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(s.fresh); i = int(next.Add(1)) - 1 {
				s.fresh[i].fillMissing()
			}
		})
	}
	wg.Wait()
	s.fresh = nil
}

// store stores the rows of the blocks outs, on up to workers goroutines, and
// returns true, or returns false, having stored none of them, when one is
// not regular: a row a parser stopped at, a period of another format, a
// value already given. The caller then gives up and undoes the rounds
// before (a file that is not regular is read row by row from its start,
// so a round is stored whole or not at all).
//
// The periods are checked and their columns created first, on the calling
// goroutine, in row order; the values are then stored a metric at a time,
// each goroutine taking the next metric not taken yet: the metrics'
// columns are disjoint, so are their writes. A metric stops at its first
// value given twice, and the cells of the round stored are then taken
// back.
func (s *wideStore) store(outs []wideOut, workers int) bool {
	for b := range outs {
		if outs[b].bad {
			return false
		}
	}
	base := len(s.subj)
	for b := range outs {
		out := &outs[b]
		for _, per := range out.per {
			if len(s.pers) == 0 || per != s.lastPer {
				if s.kind == 0 {
					s.kind, s.kindText = per.Kind, per.String()
					s.kindFirst = bpos{file: s.f.i, line: s.firstLine, col: out.pcol}
				} else if per.Kind != s.kind {
					s.subj, s.pidx = s.subj[:base], s.pidx[:base] // nothing of the round stored
					return false
				}
				q, ok := s.refs[per]
				if !ok {
					q = len(s.pers)
					s.refs[per] = q
					s.pers = append(s.pers, per)
					cs := make([]*column, s.ncol)
					for k, n := range s.names {
						var fresh bool
						cs[k], fresh = s.f.l.columnOf(n, per, true)
						if fresh {
							s.fresh = append(s.fresh, cs[k])
						}
					}
					s.cols = append(s.cols, cs)
				}
				s.lastPer, s.lastQ = per, int32(q)
			}
			s.pidx = append(s.pidx, s.lastQ)
		}
		s.subj = append(s.subj, out.subj...)
	}
	rows := len(s.subj) - base
	s.stop = append(s.stop[:0], make([]int, s.ncol)...)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, s.ncol)) {
		wg.Go(func() {
			for k := int(next.Add(1)) - 1; k < s.ncol; k = int(next.Add(1)) - 1 {
				s.stop[k] = s.storePart(outs, base, k, k+1)
			}
		})
	}
	wg.Wait()
	ok := true
	for _, n := range s.stop {
		ok = ok && n == rows
	}
	if !ok {
		// Take back the cells of the round each metric stored, then
		// forget the round: undo takes back the rows of the rounds before.
		for k, n := range s.stop {
			s.undoPart(base, rows, k, k+1, n)
		}
		s.subj, s.pidx = s.subj[:base], s.pidx[:base]
	}
	return ok
}

// storePart stores the values of metrics k0 to k1 (excluded) of the rows
// of outs, whose subjects and period indexes are s.subj[base:] and
// s.pidx[base:], a metric after the other, and returns the number of
// cells it stored in that order: all of them, or those before the first
// value already given.
func (s *wideStore) storePart(outs []wideOut, base, k0, k1 int) int {
	n := 0
	for k := k0; k < k1; k++ {
		i := base
		q := int32(-1)
		var seen []uint64
		var dst []float64
		for b := range outs {
			out := &outs[b]
			vals := out.vals[k][:len(out.subj)]
			pidx := s.pidx[i : i+len(out.subj)]
			i += len(out.subj)
			for r, subj := range out.subj {
				if pidx[r] != q {
					q = pidx[r]
					c := s.cols[q][k]
					seen, dst = c.seen, c.vals
				}
				w, bit := subj>>6, uint64(1)<<(subj&63)
				if seen[w]&bit != 0 {
					return n
				}
				seen[w] |= bit
				dst[subj] = vals[r]
				n++
			}
		}
	}
	return n
}

// undoPart takes back the first n cells storePart stored (metrics k0 to
// k1 of the rows from base on, rows in all, a metric after the other).
func (s *wideStore) undoPart(base, rows, k0, k1, n int) {
	for k := k0; k < k1 && n > 0; k++ {
		m := min(n, rows)
		s.undoRows(base, base+m, k, k+1)
		n -= m
	}
}

// undoRows takes back the values of metrics k0 to k1 (excluded) of the
// stored rows from to to: their cells were missing and not given before
// (a value given twice is not stored).
func (s *wideStore) undoRows(from, to, k0, k1 int) {
	nan := math.NaN()
	for r := from; r < to; r++ {
		subj := s.subj[r]
		w, bit := subj>>6, uint64(1)<<(subj&63)
		for _, c := range s.cols[s.pidx[r]][k0:k1] {
			c.seen[w] &^= bit
			c.vals[subj] = nan
		}
	}
}

// undo takes back the values stored.
func (s *wideStore) undo() {
	s.undoRows(0, len(s.subj), 0, s.ncol)
	s.subj, s.pidx = s.subj[:0], s.pidx[:0]
}
