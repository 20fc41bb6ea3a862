package csvdata

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// column is a metric column being filled: the dataset's values for one
// (metric, period) and a bit per subject saying a row has given it.
type column struct {
	metric string
	period dataset.Period
	vals   []float64
	seen   []uint64
	lo, hi float64              // declared bounds; ±Inf when open
	given  *dataset.GivenColumn // nil unless LoadGiven

	// locate holds, for the duplicate-locating pass, the subjects whose
	// first place is wanted and (once found) that place.
	locate map[int]bpos
}

type colKey struct {
	metric string
	period dataset.Period
}

// dupRec is a second (or later) value for a (subject, period, metric).
type dupRec struct {
	col  *column
	subj int
	pos  bpos
}

// metricState is what metric files share: the columns, the dataset's period
// format and the duplicates found.
type metricState struct {
	cols      map[colKey]*column
	kind      dataset.PeriodKind // period format of the dataset, 0 until the first period
	kindFirst bpos               // first place of that format
	kindText  string
	mixed     map[dataset.PeriodKind]bool // formats already reported as mixed in
	dups      []dupRec
	vp        valueParser
}

func (m *metricState) init() {
	m.cols = map[colKey]*column{}
	m.mixed = map[dataset.PeriodKind]bool{}
}

// column returns the column of metric in period p, creating it.
func (l *loader) column(metric string, p dataset.Period) *column {
	c, _ := l.columnOf(metric, p, false)
	return c
}

// columnOf returns the column of metric in period p, creating it. With
// zero, a column it creates (fresh) holds 0 in every cell instead of NaN:
// the caller sets every cell it does not give to NaN (fillMissing).
func (l *loader) columnOf(metric string, p dataset.Period, zero bool) (_ *column, fresh bool) {
	k := colKey{metric, p}
	if c, ok := l.metrics.cols[k]; ok {
		return c, false
	}
	metric = strings.Clone(metric)
	var vals []float64
	if zero {
		vals = l.ds.NewZeroColumn(metric, p)
		fresh = vals != nil
	}
	if vals == nil {
		vals = l.ds.MutableColumn(metric, p)
	}
	c := &column{
		metric: metric,
		period: p,
		vals:   vals,
		seen:   make([]uint64, (l.ds.Len()+63)/64),
		lo:     math.Inf(-1),
		hi:     math.Inf(1),
	}
	if b, ok := l.opt.Bounds[metric]; ok {
		if b.Min != nil {
			c.lo = *b.Min
		}
		if b.Max != nil {
			c.hi = *b.Max
		}
	}
	if l.given != nil {
		c.given = l.given.Column(metric, p)
	}
	l.metrics.cols[colKey{metric, p}] = c
	return c, fresh
}

// fillMissing sets the cells of c no row has given (seen) to NaN.
func (c *column) fillMissing() {
	nan := math.NaN()
	for w, seen := range c.seen {
		if seen == ^uint64(0) {
			continue
		}
		end := min(len(c.vals), (w+1)*64)
		for i := w * 64; i < end; i++ {
			if seen&(1<<(i&63)) == 0 {
				c.vals[i] = nan
			}
		}
	}
}

// periodEntry caches the reading of a period cell.
type periodEntry struct {
	p  dataset.Period
	ok bool // valid
}

// metricFile is the reading of one metrics file.
type metricFile struct {
	l      *loader
	i      int
	r      rowReader
	locate bool // the duplicate-locating pass: no errors, no values

	periods  map[string]periodEntry
	lastText string
	last     periodEntry
	blank    blankRows
	srcCol   int // the source column, -1 when none
}

func (f *metricFile) at(j int) bpos {
	line, col := f.r.FieldPos(j)
	return bpos{file: f.i, line: line, col: col}
}

// subject returns the index of the subject in cell j, or false (with an
// error recorded) when there is none.
func (f *metricFile) subject(rec []string, j int) (int, bool) {
	l := f.l
	if l.ds == nil {
		return 0, false
	}
	id := strings.TrimSpace(rec[j])
	if l.srcs[f.i].m.ByName() {
		if l.names == nil {
			l.names = newNameIndex(l.ds.Subjects)
		}
		k, msg, ok := l.names.lookup(id)
		if ok || f.locate {
			return k, ok
		}
		if u := l.unknown["\x00name\x00"+id]; u != nil {
			u.more++
		} else if !l.full() {
			l.unknown["\x00name\x00"+id] = &unknownSubject{err: len(l.errs)}
			l.errorf(f.at(j), "%s", msg)
		}
		return 0, false
	}
	k, ok := l.ds.SubjectIndex(id)
	if ok || f.locate {
		return k, ok
	}
	if id == "" {
		l.errorf(f.at(j), "empty subject: give the id of a subject in subjects.csv")
	} else if u := l.unknown[id]; u != nil {
		u.more++
	} else if !l.full() {
		l.unknown[id] = &unknownSubject{err: len(l.errs)}
		l.errorf(f.at(j), "unknown subject %q%s: every subject must be listed in subjects.csv", id, l.didYouMean(id))
	}
	return 0, false
}

// period returns the period in cell j, or false (with an error recorded)
// when it is invalid or not in the dataset's period format.
func (f *metricFile) period(rec []string, j int) (dataset.Period, bool) {
	text := strings.TrimSpace(rec[j])
	e := f.last
	if text != f.lastText {
		var ok bool
		if e, ok = f.periods[text]; !ok {
			p, err := dataset.ParsePeriod(text)
			e = periodEntry{p, err == nil}
			f.periods[strings.Clone(text)] = e
		}
		f.last, f.lastText = e, text
	}
	if f.locate {
		return e.p, e.ok && e.p.Kind == f.l.metrics.kind
	}
	l := f.l
	m := &l.metrics
	switch {
	case !e.ok:
		if text == "" {
			l.errorf(f.at(j), "empty period: write YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM")
		} else {
			l.errorf(f.at(j), "invalid period %q: write YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM", text)
		}
		return e.p, false
	case m.kind == 0:
		m.kind, m.kindFirst, m.kindText = e.p.Kind, f.at(j), e.p.String()
	case e.p.Kind != m.kind:
		if !m.mixed[e.p.Kind] {
			m.mixed[e.p.Kind] = true
			l.errorRef(f.at(j), m.kindFirst, "period %q is %s but the data's periods are %s (first %q at %s): use one period format in all metric files",
				text, e.p.Kind, m.kind, m.kindText, refMark)
		}
		return e.p, false
	}
	return e.p, true
}

// metricPrefix is `metric "name": `, how an error about a value cell names
// its column, or "" when name is empty.
func metricPrefix(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf("metric %q: ", name)
}

// value parses cell j of a storable row into c (when c is not nil) for
// subject subj, recording errors and duplicates. metric names the cell's
// metric in error messages (the column header in a wide file, the row's
// metric cell in a long one); dupAt is the cell that names the duplicate.
func (f *metricFile) value(rec []string, j int, metric string, c *column, subj int, dupAt int) {
	l := f.l
	if f.locate {
		if c != nil && c.locate != nil {
			if p, want := c.locate[subj]; want && p.line == 0 {
				c.locate[subj] = f.at(dupAt)
			}
		}
		return
	}
	v, kind := l.metrics.vp.parse(rec[j])
	switch kind {
	case valueBad:
		cell := strings.TrimSpace(rec[j])
		l.errorf(f.at(j), "%sunparseable number %q: %s", metricPrefix(metric), cell, badNumberHint(cell))
	case valueRange:
		l.errorf(f.at(j), "%snumber %q is out of range (more than ±1.8e308)", metricPrefix(metric), strings.TrimSpace(rec[j]))
	}
	if c == nil {
		return
	}
	w, bit := subj>>6, uint64(1)<<(subj&63)
	if c.seen[w]&bit != 0 {
		l.metrics.dups = append(l.metrics.dups, dupRec{col: c, subj: subj, pos: f.at(dupAt)})
		return
	}
	c.seen[w] |= bit
	if c.given != nil {
		src := ""
		if f.srcCol >= 0 {
			src = strings.TrimSpace(rec[f.srcCol])
		}
		c.given.Mark(subj, src)
	}
	if kind != valueOK {
		return
	}
	if v < c.lo || v > c.hi {
		side, bound := "below the declared min", c.lo
		if v > c.hi {
			side, bound = "above the declared max", c.hi
		}
		l.errorf(f.at(j), "value %s of metric %q is %s %s: correct the value or the metric's bounds in the indicator set",
			diag.FormatNum(v, ""), c.metric, side, diag.FormatNum(bound, ""))
		return
	}
	c.vals[subj] = v
}

// metricFile reads metrics file i. With locate set it only looks for the
// first places of the duplicates found by the first pass. The error is an
// I/O error, or errDetectFirst when the file, whose encoding was pending,
// is not UTF-8.
func (l *loader) metricFile(i int, locate bool) (err error) {
	if l.pending[i] {
		// The file is read as UTF-8: its rows are read once its encoding
		// is known (the parallel reading checks it, ready detects it);
		// when the file ends before its rows (a problem in the header),
		// detect it now.
		defer func() {
			if l.pending[i] && err == nil {
				err = l.resolve(i)
			}
		}()
	}
	if locate {
		// Every problem was reported by the first pass.
		saved := len(l.errs)
		defer func() { l.errs = l.errs[:saved] }()
	}
	r, c, header, hpos, _, err := l.newReader(i)
	if err != nil {
		return err
	}
	defer c.Close()
	if header == nil {
		return nil
	}
	f := &metricFile{l: l, i: i, r: r, locate: locate, periods: map[string]periodEntry{}, lastText: "\x00"}
	col := map[string]int{}
	for j, h := range header {
		if _, dup := col[h]; !dup && h != "" {
			col[h] = j
		}
	}
	f.srcCol = -1
	if j, ok := col["source"]; ok {
		f.srcCol = j
	}
	_, hasMetric := col["metric"]
	_, hasValue := col["value"]
	long := hasMetric || hasValue
	required := []string{"subject", "period"}
	if long {
		required = append(required, "metric", "value")
	}
	headerLine := bpos{file: i, line: hpos[0].line, col: 1}
	var missing []string
	for _, req := range required {
		if _, ok := col[req]; !ok {
			missing = append(missing, req)
		}
	}
	hint := ""
	if len(missing) == len(required) {
		hint = "; the first line must be a header row"
	}
	for _, m := range missing {
		l.errorf(headerLine, "missing required column %q: a metrics file has the columns subject, period, metric, value[, source][, note] (long layout) or subject, period and one column per metric (wide layout)%s", m, hint)
	}
	if len(missing) > 0 {
		return nil
	}
	sc, pc := col["subject"], col["period"]
	if long {
		for j, h := range header {
			switch h {
			case "subject", "period", "metric", "value", "source", "note", "":
				continue
			}
			if col[h] == j {
				l.errorf(hpos[j], "unexpected column %q in a long-layout metrics file (one with metric and value columns): allowed are subject, period, metric, value, source and note", h)
			}
		}
		if err := l.ready(i); err != nil {
			return err
		}
		return f.long(len(header), sc, pc, col["metric"], col["value"])
	}
	var names []string
	var cols []int
	bad := false
	for j, h := range header {
		switch h {
		case "subject", "period", "source", "note", "":
			continue
		}
		if col[h] != j {
			bad = true // a duplicate, reported
			continue
		}
		if !dataset.IsIdentifier(h) {
			l.errorf(hpos[j], "invalid metric name %q: use letters, digits and _, not starting with a digit", h)
			bad = true
			continue
		}
		names = append(names, h)
		cols = append(cols, j)
	}
	if len(names) == 0 && !bad {
		l.errorf(headerLine, "no metric columns: add one column per metric after subject and period (wide layout), or metric and value columns (long layout)")
	}
	if !f.locate {
		done, rows, err := f.wideParallel(r, len(header), sc, pc, names, cols)
		if err == errDetectFirst {
			return err
		}
		if done || err != nil {
			f.done(rows)
			return err
		}
	}
	if err := l.ready(i); err != nil {
		return err
	}
	return f.wide(len(header), sc, pc, names, cols)
}

// next reads the next row with the expected number of fields. It returns
// nil at the end of the file.
func (f *metricFile) next(nf int) ([]string, error) {
	for {
		rec, err := f.l.read(f.i, f.r)
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			if err := f.l.csvError(f.i, err); err != nil {
				return nil, err // I/O
			}
			continue // reported; in the locate pass, dropped
		}
		if isBlankRow(rec) {
			if !f.locate {
				line, _ := f.r.FieldPos(0)
				f.blank.add(line)
			}
			continue
		}
		if len(rec) != nf {
			if !f.locate {
				f.l.fieldCountError(f.i, f.r, len(rec), nf)
			}
			continue
		}
		return rec, nil
	}
}

// wide reads the rows of a wide-layout file: metric names[k] is in column
// cols[k].
func (f *metricFile) wide(nf, sc, pc int, names []string, cols []int) error {
	refs := map[dataset.Period][]*column{}
	var cur []*column
	var curP dataset.Period
	rows := 0
	for {
		rec, err := f.next(nf)
		if rec == nil || err != nil {
			f.done(rows)
			return err
		}
		rows++
		subj, sok := f.subject(rec, sc)
		p, pok := f.period(rec, pc)
		store := sok && pok
		if store && (cur == nil || p != curP) {
			cur = refs[p]
			if cur == nil {
				cur = make([]*column, len(names))
				for k, n := range names {
					cur[k] = f.l.column(n, p)
				}
				refs[p] = cur
			}
			curP = p
		}
		for k, j := range cols {
			var c *column
			if store {
				c = cur[k]
			}
			f.value(rec, j, names[k], c, subj, j)
		}
	}
}

// long reads the rows of a long-layout file.
func (f *metricFile) long(nf, sc, pc, mc, vc int) error {
	valid := map[string]bool{}
	rows := 0
	for {
		rec, err := f.next(nf)
		if rec == nil || err != nil {
			f.done(rows)
			return err
		}
		rows++
		subj, sok := f.subject(rec, sc)
		p, pok := f.period(rec, pc)
		name := strings.TrimSpace(rec[mc])
		ok, seen := valid[name]
		if !seen {
			ok = dataset.IsIdentifier(name)
			valid[strings.Clone(name)] = ok
		}
		if !ok && !f.locate {
			if name == "" {
				f.l.errorf(f.at(mc), "empty metric name: give the metric's identifier")
			} else {
				f.l.errorf(f.at(mc), "invalid metric name %q: use letters, digits and _, not starting with a digit", name)
			}
		}
		var c *column
		if sok && pok && ok {
			c = f.l.column(name, p)
		}
		f.value(rec, vc, name, c, subj, mc)
	}
}

// done records the warnings of a file read to its end: blank rows skipped,
// no data rows (blank rows are not data rows).
func (f *metricFile) done(rows int) {
	if f.locate {
		return
	}
	name := f.l.srcs[f.i].name
	if w, ok := f.blank.warning(name, f.l.srcs[f.i].sheet); ok {
		f.l.warnings = append(f.l.warnings, w)
	}
	if rows == 0 {
		f.l.warnings = append(f.l.warnings, diag.Warning{Pos: diag.Pos{File: name}, Msg: "metrics file has no data rows"})
	}
}

// locateDuplicates finds the first place of every duplicate found and
// records the duplicate errors. The error is an I/O error.
func (l *loader) locateDuplicates() error {
	dups := l.metrics.dups
	if len(dups) == 0 {
		return nil
	}
	last := 0
	for _, d := range dups {
		if d.col.locate == nil {
			d.col.locate = map[int]bpos{}
		}
		d.col.locate[d.subj] = bpos{}
		last = max(last, d.pos.file)
	}
	for i := 1; i <= last; i++ {
		if l.encFailed[i] {
			continue
		}
		if err := l.metricFile(i, true); err != nil {
			return err
		}
	}
	// A row repeated whole (a wide row pasted twice) is one error naming its
	// metrics, not one per cell: duplicates on one line whose first places
	// share one line are grouped.
	type rowKey struct {
		file, line, firstFile, firstLine, subj int
		period                                 dataset.Period
	}
	groups := map[rowKey][]dupRec{}
	var order []rowKey
	for _, d := range dups {
		first := d.col.locate[d.subj]
		k := rowKey{d.pos.file, d.pos.line, first.file, first.line, d.subj, d.col.period}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], d)
	}
	for _, k := range order {
		g := groups[k]
		d := g[0]
		first := d.col.locate[d.subj]
		if len(g) == 1 {
			l.errorRef(d.pos, first, "duplicate value for subject %q, metric %q, period %s (first given at %s): give each subject, period and metric once across all metric files",
				l.ds.Subjects[d.subj].ID, d.col.metric, d.col.period, refMark)
			continue
		}
		var names []string
		for i, x := range g {
			if i == 5 {
				names = append(names, fmt.Sprintf("… %d more", len(g)-5))
				break
			}
			names = append(names, strconv.Quote(x.col.metric))
		}
		l.errorRef(d.pos, first, "duplicate values for subject %q, period %s: %d metrics (%s) were first given on the row at %s: give each subject, period and metric once across all metric files",
			l.ds.Subjects[d.subj].ID, d.col.period, len(g), strings.Join(names, ", "), refMark)
	}
	return nil
}
