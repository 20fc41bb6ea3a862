package csvdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// Bounds is the declared range of a metric (SPEC §4.1): a value below Min or
// above Max is a data error. A nil bound is open.
type Bounds struct {
	Min, Max *float64
}

// Options says what the data must conform to; the indicator set provides
// it.
type Options struct {
	// Kinds are the allowed subject kinds. Nil or empty allows any
	// non-empty kind.
	Kinds []string
	// Bounds are the declared metric ranges, by metric name.
	Bounds map[string]Bounds
}

// NamedData is the content of a file held in memory. Name is the file name
// used in error positions.
type NamedData struct {
	Name string
	Data []byte
}

// Load reads subjects.csv and the metric files (merged, in the given order)
// into a dataset.
//
// Invalid data makes Load return a nil dataset and a diag.List holding every
// problem found, each at file:line:col. A file that cannot be read makes it
// return the error from the file system (an *fs.PathError) instead, so a
// caller can tell invalid input from I/O failure.
//
// Load streams the files: memory grows with the dataset (8 bytes per
// subject × metric × period, plus a bit per cell for duplicate detection),
// not with the size of the files.
func Load(subjectsFile string, metricFiles []string, opt Options) (*dataset.Dataset, error) {
	return load(fileSources(subjectsFile, metricFiles), opt)
}

// fileSources returns the sources of the subjects file and the metric
// files, in that order.
func fileSources(subjectsFile string, metricFiles []string) []*source {
	srcs := make([]*source, 0, 1+len(metricFiles))
	srcs = append(srcs, fileSource(subjectsFile))
	for _, f := range metricFiles {
		srcs = append(srcs, fileSource(f))
	}
	return srcs
}

// LoadGiven is Load that also records which cells the metric files give
// and the source column of each (dataset.Given): what an import into a
// store of record needs besides the dataset.
func LoadGiven(subjectsFile string, metricFiles []string, opt Options) (*dataset.Dataset, *dataset.Given, error) {
	return loadGiven(fileSources(subjectsFile, metricFiles), opt, true)
}

// Parse is Load for files held in memory. It returns the dataset, or nil and
// a diag.List holding every problem found.
func Parse(subjects NamedData, metrics []NamedData, opt Options) (*dataset.Dataset, error) {
	srcs := make([]*source, 0, 1+len(metrics))
	srcs = append(srcs, dataSource(subjects))
	for _, m := range metrics {
		srcs = append(srcs, dataSource(m))
	}
	return load(srcs, opt)
}

// bpos is a position whose column is a byte offset in its decoded line, as
// encoding/csv reports it; finish turns it into a rune column.
type bpos struct {
	file, line, col int
	exact           bool // col is already in runes
}

// refMark stands, as an argument of a message, for the position held in
// rawErr.ref.
const refMark = "\x00ref\x00"

// rawErr is an error before its positions are resolved to rune columns.
type rawErr struct {
	pos    bpos
	msg    diag.Text
	ref    bpos // replaces the argument refMark of msg
	hasRef bool
}

// loader holds the state of one Load or Parse.
type loader struct {
	opt       Options
	srcs      []*source // srcs[0] is subjects.csv
	encFailed []bool    // by file: neither UTF-8 nor GB18030
	errs      []rawErr
	omitted   int // errors past diag.MaxCollected: counted, not kept
	warnings  []diag.Warning
	ds        *dataset.Dataset
	ids       []string // sorted subject ids, for suggestions
	budget    int      // candidate comparisons left for suggestions
	suggest   map[string]string
	// unknown counts the rows naming each unknown subject id after the
	// first, which alone carries the error (one typo, one message).
	unknown map[string]*unknownSubject

	metrics metricState
	// direct holds the errors whose positions need no resolving (a
	// workbook that is not one, a missing sheet, merged cells).
	direct diag.List
	// mapFailed is set when the last read found problems.
	mapFailed bool
	// names indexes subjects by name, built on first use (subject_by:
	// name).
	names *nameIndex
	// given records the given cells when LoadGiven asked for them.
	given *dataset.Given
	// pending marks the files whose encoding is not detected yet: read
	// as UTF-8 until metricFile knows (the parallel reading found every
	// byte of the file UTF-8) or detects it (resolve).
	pending []bool
}

// ready detects the encoding of file i, if pending, before its rows are
// read one by one (see resolve).
func (l *loader) ready(i int) error {
	if !l.pending[i] {
		return nil
	}
	return l.resolve(i)
}

// resolve detects the encoding of pending file i, which was read as
// UTF-8: nil when it is UTF-8 (nothing read differs from what detecting
// first would have read), errDetectFirst when it is not, or an I/O error.
func (l *loader) resolve(i int) error {
	l.pending[i] = false
	gb, bad, err := l.srcs[i].detect()
	switch {
	case err != nil:
		return err
	case gb || bad != nil:
		return errDetectFirst
	}
	return nil
}

// unknownSubject is the error of an unknown subject id and the number of
// further rows that name it.
type unknownSubject struct {
	err  int // index in loader.errs
	more int
}

func load(srcs []*source, opt Options) (*dataset.Dataset, error) {
	ds, _, err := loadGiven(srcs, opt, false)
	return ds, err
}

// loadGiven reads the files; with wantGiven it records the given cells.
//
// When every metrics file is a CSV file read without mapping (what the
// parallel wide reading reads), their encodings are not detected first:
// each is read as UTF-8 and the parallel reading checks that it is (see
// pending). When one is not, or its detection cannot be left to that
// reading, everything is read again, detecting every file's encoding
// first, as when a metrics file is mapped: the result, errors and their
// order included, is always that of the reading that detects first.
func loadGiven(srcs []*source, opt Options, wantGiven bool) (*dataset.Dataset, *dataset.Given, error) {
	lazy := detectLater && len(srcs) > 1
	for _, s := range srcs[1:] {
		lazy = lazy && !s.isSheet() && s.m.Plain()
	}
	if !lazy {
		return newLoader(srcs, opt).run(wantGiven, false)
	}
	saved := make([]source, len(srcs))
	for i, s := range srcs {
		saved[i] = *s
	}
	ds, given, err := newLoader(srcs, opt).run(wantGiven, true)
	if err != errDetectFirst {
		return ds, given, err
	}
	for i, s := range srcs {
		*s = saved[i]
	}
	return newLoader(srcs, opt).run(wantGiven, false)
}

// detectLater allows loadGiven to leave the metrics files' encodings to
// the parallel reading; a variable so that the tests can compare with
// detecting first.
var detectLater = true

// errDetectFirst stops a reading that left the detection of the metrics
// files' encodings to the parallel reading when one of them is not UTF-8:
// loadGiven reads the files again, detecting first. It is returned as soon
// as that is known, before the file's rows are read one by one; the files
// before it are read twice (a metrics file in GB18030 whose first 64 KiB
// are ASCII).
var errDetectFirst = errors.New("csvdata: read again, detecting the encodings first")

// newLoader returns the loader of one reading of srcs.
func newLoader(srcs []*source, opt Options) *loader {
	l := &loader{opt: opt, srcs: srcs, budget: suggestBudget, suggest: map[string]string{}, encFailed: make([]bool, len(srcs)),
		unknown: map[string]*unknownSubject{}, pending: make([]bool, len(srcs))}
	l.metrics.init()
	return l
}

// run reads the files. With lazy, the encodings of the metrics files that
// start as UTF-8 (their first 64 KiB) are left to metricFile (pending).
// A metrics file that cannot be read past its start then fails when
// metricFile reads it rather than before the subjects file is read: the
// error returned is the same, as the metrics files are still read in order
// and the subjects file first.
func (l *loader) run(wantGiven, lazy bool) (*dataset.Dataset, *dataset.Given, error) {
	srcs := l.srcs
	for i, s := range srcs {
		if s.isSheet() {
			continue
		}
		if lazy && i > 0 {
			// A file whose start is not UTF-8 is detected now, so that
			// it is not read twice (see errDetectFirst).
			ok, err := s.startsUTF8()
			if err != nil {
				return nil, nil, err
			}
			if ok {
				l.pending[i] = true
				continue
			}
		}
		gb, bad, err := s.detect()
		if err != nil {
			return nil, nil, err
		}
		switch {
		case gb:
			l.warnings = append(l.warnings, diag.Warning{
				Pos: diag.Pos{File: s.name, Line: bad.line, Col: bad.col},
				Msg: fmt.Sprintf("file is not UTF-8 (byte 0x%02X here is the first that is not); read as GB18030: save it as \"CSV UTF-8\" to silence this warning", bad.b),
			})
		case bad != nil:
			l.encFailed[i] = true
			l.errorf(bpos{i, bad.line, bad.col, true}, "file is neither UTF-8 nor GB18030 (byte 0x%02X cannot be decoded): save it as UTF-8 (\"CSV UTF-8\" in Excel)", bad.b)
		}
	}
	if err := l.subjects(); err != nil {
		return nil, nil, err
	}
	if wantGiven && l.ds != nil {
		l.given = dataset.NewGiven(l.ds.Len())
	}
	for i := 1; i < len(srcs); i++ {
		if l.encFailed[i] {
			continue
		}
		if err := l.metricFile(i, false); err != nil {
			return nil, nil, err
		}
	}
	if err := l.locateDuplicates(); err != nil {
		return nil, nil, err
	}
	if len(l.errs) > 0 || l.omitted > 0 || len(l.direct) > 0 {
		list, err := l.finish()
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, list
	}
	l.ds.Warnings = diag.SortWarnings(append(l.ds.Warnings, l.warnings...))
	return l.ds, l.given, nil
}

// errorf records an error at p.
func (l *loader) errorf(p bpos, format string, args ...any) {
	if l.full() {
		return
	}
	l.errs = append(l.errs, rawErr{pos: p, msg: diag.Textf(format, clipArgs(args)...)})
}

// full counts one more error and reports true when diag.MaxCollected
// errors are kept already (memory stays bounded, the count exact).
func (l *loader) full() bool {
	if len(l.errs) < diag.MaxCollected {
		return false
	}
	l.omitted++
	return true
}

// errorRef records an error at p whose message names the position ref
// where the argument refMark stands.
func (l *loader) errorRef(p, ref bpos, format string, args ...any) {
	if l.full() {
		return
	}
	l.errs = append(l.errs, rawErr{pos: p, msg: diag.Textf(format, args...), ref: ref, hasRef: true})
}

// csvError records an error returned by csv.Reader.Read in file i. It
// returns a non-nil error when reading must stop (an I/O error).
func (l *loader) csvError(i int, err error) error {
	var pe *csv.ParseError
	if le := (*limitError)(nil); errors.As(err, &le) {
		l.errorf(bpos{file: i, line: le.line, col: 1, exact: true}, "%v", le)
		return nil
	}
	if !errors.As(err, &pe) {
		return err
	}
	p := bpos{file: i, line: pe.Line, col: pe.Column}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		l.errorf(p, `bare " in an unquoted cell: quote the whole cell and double the quotes inside it ("say ""hi""")`)
	case errors.Is(pe.Err, csv.ErrQuote):
		if pe.StartLine != pe.Line {
			l.errorf(p, `extraneous or missing " in a quoted cell that starts on line %d: close the quote, and double every " inside the cell`, pe.StartLine)
		} else {
			l.errorf(p, `extraneous or missing " in a quoted cell: close the quote, and double every " inside the cell`)
		}
	default:
		l.errorf(p, "malformed CSV: %v", pe.Err)
	}
	return nil
}

// newReader returns a reader of the records of file i positioned after the
// header, the trimmed header names and their positions, or ok = false when
// the file has no usable header (an error is recorded). The caller closes
// c, which is never nil when err is nil.
func (l *loader) newReader(i int) (r rowReader, c io.Closer, header []string, pos []bpos, ok bool, err error) {
	r, c, err = l.srcs[i].rows(&l.direct)
	if err != nil {
		return nil, nil, nil, nil, false, err
	}
	if r == nil {
		return nil, nopCloser{}, nil, nil, false, nil
	}
	for {
		rec, rerr := l.read(i, r)
		if rerr == io.EOF {
			if !l.mapFailed {
				l.errorf(bpos{file: i, line: 1, col: 1}, "file is empty: the first line must be a header row naming the columns")
			}
			return r, c, nil, nil, false, nil
		}
		if rerr != nil {
			if err := l.csvError(i, rerr); err != nil {
				c.Close()
				return nil, nil, nil, nil, false, err
			}
			return r, c, nil, nil, false, nil
		}
		header = make([]string, len(rec))
		pos = make([]bpos, len(rec))
		first := map[string]int{}
		ok = true
		for j, h := range rec {
			line, col := r.FieldPos(j)
			header[j] = strings.Clone(strings.TrimSpace(h))
			pos[j] = bpos{file: i, line: line, col: col}
			if header[j] == "" {
				l.errorf(pos[j], "empty column name in the header: name the column or delete it")
				ok = false
				continue
			}
			if k, dup := first[header[j]]; dup {
				l.errorRef(pos[j], pos[k], "duplicate column %q (also at %s): rename or delete one of them", header[j], refMark)
				ok = false
				continue
			}
			first[header[j]] = j
		}
		return r, c, header, pos, ok, nil
	}
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// read reads the next record of file i and records the problems its
// reader found (a mapped header that is not there, a value right of the
// header). l.mapFailed says whether there were any.
func (l *loader) read(i int, r rowReader) ([]string, error) {
	rec, err := r.Read()
	l.mapFailed = false
	if p, ok := r.(problemReader); ok {
		for _, x := range p.drain() {
			l.mapFailed = true
			l.errorf(bpos{file: i, line: x.line, col: x.col, exact: !x.byteCol}, "%s", x.msg)
		}
	}
	return rec, err
}

// fieldCountError records a row whose number of fields differs from the
// header's.
func (l *loader) fieldCountError(i int, r rowReader, got, want int) {
	line, _ := r.FieldPos(0)
	l.errorf(bpos{file: i, line: line, col: 1}, "row has %d fields but the header has %d: quote cells that contain commas (\"a,b\") and check for missing or extra commas", got, want)
}

// suggestBudget bounds the work spent on "did you mean" suggestions for
// unknown subject ids (candidate comparisons in total).
const suggestBudget = 20_000_000

// didYouMean returns " (did you mean "x"?)" for the subject id nearest to
// id, or "".
func (l *loader) didYouMean(id string) string {
	if s, ok := l.suggest[id]; ok {
		return s
	}
	s := diag.DidYouMean(id, l.ids, &l.budget)
	l.suggest[id] = s
	return s
}

// finish resolves the byte columns of every error to rune columns and
// returns the sorted list.
func (l *loader) finish() (diag.List, error) {
	for _, u := range l.unknown {
		if u.more > 0 {
			format := "%s (%d more rows name it)"
			if u.more == 1 {
				format = "%s (%d more row names it)"
			}
			l.errs[u.err].msg = diag.Textf(format, l.errs[u.err].msg, u.more)
		}
	}
	want := make([]map[int][]int, len(l.srcs))
	add := func(p bpos) {
		if p.col <= 1 || p.exact || l.srcs[p.file].isSheet() {
			return
		}
		if want[p.file] == nil {
			want[p.file] = map[int][]int{}
		}
		want[p.file][p.line] = append(want[p.file][p.line], p.col)
	}
	for _, e := range l.errs {
		add(e.pos)
		if e.hasRef {
			add(e.ref)
		}
	}
	cols := make([]map[[2]int]int, len(l.srcs))
	for i, w := range want {
		if w == nil {
			continue
		}
		m, err := l.srcs[i].runeColumns(w)
		if err != nil {
			return nil, err
		}
		cols[i] = m
	}
	resolve := func(p bpos) diag.Pos {
		s := l.srcs[p.file]
		if s.isSheet() {
			return diag.Pos{File: s.name, Sheet: s.sheet, Line: p.line, Col: p.col}
		}
		c := p.col
		if c > 1 && !p.exact {
			c = cols[p.file][[2]int{p.line, p.col}]
		}
		return diag.Pos{File: s.name, Line: p.line, Col: c}
	}
	list := make(diag.List, 0, len(l.errs))
	for _, e := range l.errs {
		t := e.msg
		if e.hasRef {
			ref := resolve(e.ref).String()
			t.Args = slices.Clone(t.Args)
			for i, a := range t.Args {
				if a == refMark {
					t.Args[i] = ref
				}
			}
		}
		list = append(list, t.At(resolve(e.pos)))
	}
	list.Append(l.direct)
	list.AddOmitted(l.omitted)
	list.Sort()
	return list, nil
}
