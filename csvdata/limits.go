package csvdata

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxRowBytes is the longest CSV row (record, quoted line breaks
// included) and so the longest cell, in bytes of UTF-8 (issue 12: a 1 GB
// cell was read whole into memory). A file breaking it stops being read
// there, with an error at the row's first line.
const MaxRowBytes = 1 << 20

// A string argument of a message longer than maxArg bytes (an echoed
// cell: hints are shorter) is clipped to maxEcho characters.
const (
	maxArg  = 256
	maxEcho = 80
)

// limitError is a row over MaxRowBytes, starting at line.
type limitError struct{ line int }

func (e *limitError) Error() string {
	return fmt.Sprintf("row longer than %d bytes (1 MiB): a row holds one subject's cells; look for a quote (\") opened in this row and never closed, or split the text", MaxRowBytes)
}

// limitReader passes a CSV stream through while counting the bytes of the
// current row (a line break inside quotes does not end it), and fails with
// a *limitError — once; io.EOF after it, so that a csv.Reader loop ends —
// when the row grows past max, before encoding/csv buffers it. Chunks
// without a quote are scanned with bytes.Count and bytes.LastIndexByte only.
type limitReader struct {
	r       io.Reader
	max     int
	inQuote bool
	row     int // bytes of the current row so far
	line    int // line of the next byte (1-based)
	rowLine int // line the current row starts on
	err     error
}

func newLimitReader(r io.Reader) *limitReader {
	return &limitReader{r: r, max: MaxRowBytes, line: 1, rowLine: 1}
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, io.EOF
	}
	n, err := l.r.Read(p)
	chunk := p[:n]
	if !l.inQuote && n <= l.max && bytes.IndexByte(chunk, '"') < 0 {
		// Every row ending inside the chunk is at most n ≤ max bytes
		// long, but the one it continues.
		last := bytes.LastIndexByte(chunk, '\n')
		if last < 0 {
			l.row += n
		} else {
			if l.row+bytes.IndexByte(chunk, '\n')+1 > l.max {
				return l.fail(0)
			}
			l.line += bytes.Count(chunk, []byte{'\n'})
			l.row, l.rowLine = n-last-1, l.line
		}
		if l.row > l.max {
			return l.fail(0)
		}
		return n, err
	}
	for i, b := range chunk {
		l.row++
		if l.row > l.max {
			return l.fail(i)
		}
		switch b {
		case '"':
			l.inQuote = !l.inQuote
		case '\n':
			l.line++
			if !l.inQuote {
				l.row, l.rowLine = 0, l.line
			}
		}
	}
	return n, err
}

func (l *limitReader) fail(n int) (int, error) {
	l.err = &limitError{line: l.rowLine}
	return n, l.err
}

// clipArgs shortens the string arguments of a message longer than maxArg
// bytes to maxEcho characters, so that a huge value is not echoed whole.
func clipArgs(args []any) []any {
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > maxArg {
			args[i] = clip(s)
		}
	}
	return args
}

// clip shortens s to maxEcho characters, marking the cut.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	n := 0
	for i := range s {
		if n == maxEcho-3 {
			return s[:i] + "..."
		}
		n++
	}
	return s
}
