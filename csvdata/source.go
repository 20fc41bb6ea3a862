package csvdata

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"unicode/utf8"

	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/diag"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// bufSize is the read buffer of every pass over a file.
const bufSize = 64 << 10

// source is one input file. It can be opened several times: once to detect
// its encoding, once to parse it and, only when it holds errors, once more to
// turn byte columns into rune columns or to find the first place of a
// duplicate.
type source struct {
	name string
	open func() (io.ReadCloser, error)
	gb   bool // decode as GB18030

	// path is the file to open as a workbook; "" for a CSV source.
	path string
	// sheet is the worksheet read (set to the first sheet's name when
	// the mapping names none, once the workbook is open).
	sheet string
	// checked is set once the sheet has been scanned for merged cells
	// and formulas without values.
	checked bool
	// m is the mapping applied to the file (nil: none); kind says which
	// layout it maps onto.
	m    *datamap.File
	kind fileKind
	// lines is the number of lines of a UTF-8 CSV file, counted by
	// detect; 0 when unknown. It bounds the number of rows (a quoted cell
	// can span lines) for presizing.
	lines int
}

// fileKind is the layout a source is read as.
type fileKind int

const (
	subjectsFile fileKind = iota
	metricsFile
	assessmentsFile
)

// isSheet reports whether s is a worksheet, whose positions are cells.
func (s *source) isSheet() bool { return s.path != "" }

// headerRow is the row of the header (1 unless mapped).
func (s *source) headerRow() int {
	if s.m != nil && s.m.HeaderRow > 1 {
		return s.m.HeaderRow
	}
	return 1
}

// mappedSource is the source of a data file read through a `data:` entry
// (m may be nil: a file named without mapping); path is the file on disk
// and name the file in positions.
func mappedSource(path, name string, m *datamap.File, kind fileKind) *source {
	s := &source{name: name, m: m, kind: kind}
	if m != nil {
		s.sheet = m.Sheet
	}
	if datamap.IsWorkbook(path) {
		s.path = path
		return s
	}
	s.open = func() (io.ReadCloser, error) { return os.Open(path) }
	return s
}

// rows opens the records of s: a CSV reader, a worksheet, either wrapped
// in the mapping. A workbook that cannot be read as one is invalid input,
// recorded in errs, and yields a nil reader. The caller closes c.
func (s *source) rows(errs *diag.List) (r rowReader, c io.Closer, err error) {
	if s.isSheet() {
		sr, sc, err := openSheet(s, errs)
		if err != nil || sr == nil {
			return nil, nil, err
		}
		r, c = sr, sc
	} else {
		br, bc, err := s.reader()
		if err != nil {
			return nil, nil, err
		}
		cr := csv.NewReader(newLimitReader(br))
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		r, c = cr, bc
	}
	if s.m.Plain() {
		return r, c, nil
	}
	return s.mapped(r), c, nil
}

// mapped wraps r in the mapping of s.
func (s *source) mapped(r rowReader) *mappedRows {
	m := s.m
	mr := &mappedRows{in: r, m: m}
	switch s.kind {
	case subjectsFile:
		mr.keep = true
	case metricsFile:
		if m.Period != "" {
			mr.consts = append(mr.consts, [2]string{"period", m.Period})
		}
		mr.isValue = func(n string) bool {
			switch n {
			case "subject", "period", "metric", "source", "note":
				return false
			}
			return true
		}
	case assessmentsFile:
		if m.Period != "" {
			mr.consts = append(mr.consts, [2]string{"period", m.Period})
		}
		if m.Item != "" {
			mr.consts = append(mr.consts, [2]string{"item", m.Item})
		}
		if m.Role != "" {
			mr.consts = append(mr.consts, [2]string{"role", m.Role})
		}
		mr.isValue = func(n string) bool { return n == "score" }
	}
	return mr
}

func fileSource(path string) *source {
	return &source{name: path, open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

func dataSource(d NamedData) *source {
	return &source{name: d.Name, open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(d.Data)), nil
	}}
}

// reader opens the file decoded to UTF-8, without its byte order mark.
// The caller closes the returned closer.
func (s *source) reader() (*bufio.Reader, io.Closer, error) {
	f, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = f
	if s.gb {
		r = transform.NewReader(f, simplifiedchinese.GB18030.NewDecoder())
	}
	br := bufio.NewReaderSize(r, bufSize)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	return br, f, nil
}

// startsUTF8 reports whether the first bufSize bytes of s (without a
// byte order mark; an incomplete rune at the end left out) are UTF-8.
func (s *source) startsUTF8() (bool, error) {
	r, c, err := s.reader()
	if err != nil {
		return false, err
	}
	defer c.Close()
	b, err := r.Peek(bufSize)
	switch {
	case err == io.EOF:
		return utf8.Valid(b), nil
	case err != nil:
		return false, err
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b), nil
}

// encodingError is the position of the first byte of a file that is not
// UTF-8.
type encodingError struct {
	line, col int // col in runes
	b         byte
}

// detect decides how s is decoded. A valid UTF-8 file (with or without BOM)
// is read as is (bad is nil). A file that is not valid UTF-8 but decodes as
// GB18030 without a replacement character is read as GB18030: s.gb is set,
// gb is true and bad is the first byte that is not UTF-8. Otherwise gb is
// false and bad is that byte.
func (s *source) detect() (gb bool, bad *encodingError, err error) {
	r, c, err := s.reader()
	if err != nil {
		return false, nil, err
	}
	ok, line, col, b, err := checkUTF8(r)
	c.Close()
	if err != nil || ok {
		if ok {
			s.lines = line
		}
		return false, nil, err
	}
	s.gb = true
	r, c, err = s.reader()
	if err != nil {
		return false, nil, err
	}
	defer c.Close()
	clean, err := noReplacementChar(r)
	if err != nil {
		return false, nil, err
	}
	bad = &encodingError{line: line, col: col, b: b}
	if !clean {
		s.gb = false
		return false, bad, nil
	}
	return true, bad, nil
}

// checkUTF8 reports whether r holds valid UTF-8 and, when it does not, the
// line, rune column and value of the first invalid byte. When it does, line
// is the number of lines (line breaks + 1).
func checkUTF8(r io.Reader) (ok bool, line, col int, bad byte, err error) {
	buf := make([]byte, bufSize)
	carry := 0
	line, col = 1, 1
	for {
		n, rerr := io.ReadFull(r, buf[carry:])
		atEOF := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !atEOF {
			return false, 0, 0, 0, rerr
		}
		data := buf[:carry+n]
		end := len(data)
		if !atEOF {
			// Leave an incomplete final rune for the next chunk.
			for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
				if utf8.RuneStart(data[i]) {
					if !utf8.FullRune(data[i:]) {
						end = i
					}
					break
				}
			}
		}
		chunk := data[:end]
		if !utf8.Valid(chunk) {
			for i := 0; i < len(chunk); {
				r, size := utf8.DecodeRune(chunk[i:])
				if r == utf8.RuneError && size == 1 {
					return false, line, col, chunk[i], nil
				}
				if r == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
				i += size
			}
		}
		if nl := bytes.LastIndexByte(chunk, '\n'); nl >= 0 {
			line += bytes.Count(chunk, []byte{'\n'})
			col = 1 + utf8.RuneCount(chunk[nl+1:])
		} else {
			col += utf8.RuneCount(chunk)
		}
		if atEOF {
			return true, line, 0, 0, nil
		}
		carry = copy(buf, data[end:])
	}
}

// noReplacementChar reports whether the UTF-8 stream r has no U+FFFD, which
// the GB18030 decoder writes for every byte sequence it cannot decode.
func noReplacementChar(r io.Reader) (bool, error) {
	const repl = "\uFFFD"
	buf := make([]byte, bufSize)
	carry := 0
	for {
		n, rerr := io.ReadFull(r, buf[carry:])
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return false, rerr
		}
		data := buf[:carry+n]
		if bytes.Contains(data, []byte(repl)) {
			return false, nil
		}
		if rerr != nil {
			return true, nil
		}
		carry = copy(buf, data[len(data)-(len(repl)-1):])
	}
}

// runeColumns converts byte columns to rune columns. want maps a line
// number to the byte columns wanted on it; the result maps each (line, byte
// column) to its rune column. A column past the end of its line keeps
// counting one per byte.
func (s *source) runeColumns(want map[int][]int) (map[[2]int]int, error) {
	out := make(map[[2]int]int)
	maxLine := 0
	for l := range want {
		maxLine = max(maxLine, l)
	}
	r, c, err := s.reader()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var line []byte
	for n := 1; n <= maxLine; n++ {
		line = line[:0]
		for {
			part, err := r.ReadSlice('\n')
			line = append(line, part...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			break
		}
		for _, bc := range want[n] {
			k := min(bc-1, len(line))
			out[[2]int{n, bc}] = utf8.RuneCount(line[:k]) + 1 + (bc - 1 - k)
		}
	}
	return out, nil
}

// IsUTF8File reports whether the file at path is valid UTF-8. Load and Parse
// decode a file that is not as GB18030; a caller re-reading the file's bytes
// (the database import does) uses this to decode it the same way.
func IsUTF8File(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	ok, _, _, _, err := checkUTF8(f)
	return ok, err
}
