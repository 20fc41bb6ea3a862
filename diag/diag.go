// Package diag holds the diagnostics that govscore reports to a person:
// positioned errors (file:line:col) collected into sorted, capped lists, and
// warnings, which are values attached to a result rather than failures.
//
// The error list follows go/scanner.ErrorList: callers Add every problem they
// find, then return List.Err(), which sorts the problems by position and
// yields nil when there are none.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// MaxErrors is the number of errors List.Error prints before summarising
// the rest as "and N more errors".
const MaxErrors = 50

// MaxCollected is the number of errors a List keeps: Add and Append count
// the errors past it without storing them (nor formatting their messages),
// so that an input with millions of bad rows costs bounded memory while
// Len and the "and N more errors" line stay exact.
const MaxCollected = 1000

// Pos is a position in an input file. Line and Col are 1-based; a zero Line
// means the position names only the file, a zero Col only file and line.
//
// In a workbook, Sheet names the worksheet, Line is the row and Col the
// column (1 = A): the position prints as Excel names a cell,
// file.xlsx:Sheet!C12 (file.xlsx:Sheet!12 for a whole row, file.xlsx:Sheet
// for the sheet). Sheet is empty for every other file.
type Pos struct {
	File  string
	Sheet string
	Line  int
	Col   int
}

// String formats the position as file:line:col, leaving out the parts that
// are zero, or as file:Sheet!C12 for a cell of a workbook.
func (p Pos) String() string {
	if p.Sheet != "" {
		s := p.File + ":" + p.Sheet
		switch {
		case p.Line == 0:
			return s
		case p.Col == 0:
			return fmt.Sprintf("%s!%d", s, p.Line)
		}
		return fmt.Sprintf("%s!%s%d", s, ColumnName(p.Col), p.Line)
	}
	switch {
	case p.File == "" && p.Line == 0:
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Less orders positions by file, line and column.
func (p Pos) Less(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Sheet != q.Sheet {
		return p.Sheet < q.Sheet
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// ColumnName returns the letters Excel names column col (1-based) with: 1
// is A, 26 Z, 27 AA, 16384 XFD. It returns "" for col < 1.
func ColumnName(col int) string {
	var b []byte
	for col > 0 {
		col--
		b = append(b, byte('A'+col%26))
		col /= 26
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Error is one problem in the input at a position. Msg says what is wrong
// and, where possible, how to fix it; it may span several lines (a source
// snippet with a caret, for instance).
//
// Subject, Indicator and Period are the domain coordinates of the problem,
// when it concerns them, for programs (a server answering with the cell at
// fault); Msg names them for people. Err is the underlying error, if any.
type Error struct {
	Pos Pos
	Msg string
	// Subject is the id of the subject concerned, "" when none.
	Subject string
	// Indicator is the id of the indicator, node, metric or assessment
	// item concerned, "" when none.
	Indicator string
	// Period is the period concerned (as written, e.g. "2024-Q1"), ""
	// when none.
	Period string
	// Err is the error this one wraps, nil when none.
	Err error
	// Format and Args are the English format and arguments Msg was made
	// of, when it was made by List.Add: a display in another language
	// translates Format (the key of the i18n catalogue) and formats Args
	// with it. Format is "" for a message written otherwise.
	Format string
	Args   []any

	// omitted > 0 marks the last element of a List that stopped
	// collecting: the number of errors counted but not kept.
	omitted int
}

// Error formats the problem as "file:line:col: message". An Error without
// a message shows its wrapped error's.
func (e *Error) Error() string {
	if e.omitted > 0 {
		if e.Msg != "" { // translated for display
			return e.Msg
		}
		return fmt.Sprintf(OmittedFormat, e.omitted)
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if s := e.Pos.String(); s != "" {
		return s + ": " + msg
	}
	return msg
}

// Unwrap returns the wrapped error (errors.Is and errors.As see through
// an Error).
func (e *Error) Unwrap() error { return e.Err }

// Omitted is the number of errors counted but not kept when e is the last
// element of a List that stopped collecting (its message is OmittedFormat
// with that number, unless Msg was set to a translation of it); else 0.
func (e *Error) Omitted() int { return e.omitted }

// List collects errors. The zero value is an empty list ready to use. It
// keeps at most MaxCollected errors; the ones past it are only counted,
// in a last element that Len, Sort and Error account for.
type List []*Error

// OmittedFormat is the message format (with the number) of the last
// element of a List that counts the errors not kept (Error.Omitted).
const OmittedFormat = "(%d more errors not kept: fix the ones above and run again)"

// MoreFormat is the line (with the number) that List.Error prints after
// the errors it shows, for the ones it leaves out.
const MoreFormat = "(and %d more errors)"

// split returns the kept errors and the number of omitted ones.
func (l List) split() (List, int) {
	if n := len(l); n > 0 && l[n-1].omitted > 0 {
		return l[:n-1], l[n-1].omitted
	}
	return l, 0
}

// Kept returns the errors the list keeps, each with its position, and the
// number of errors it only counted (the last element that counts them,
// Error.Omitted, has no position and is not among the kept ones).
func (l List) Kept() (List, int) { return l.split() }

// add appends e, or counts it once MaxCollected errors are kept.
func (l *List) add(e *Error, omitted int) {
	kept, n := l.split()
	if e != nil && len(kept) < MaxCollected {
		// Insert before the counting element, if any.
		kept = append(kept, e)
		if n > 0 {
			kept = append(kept, &Error{omitted: n})
		}
		*l = kept
		return
	}
	if e != nil {
		omitted++
	}
	if omitted == 0 {
		return
	}
	if n > 0 {
		(*l)[len(*l)-1].omitted += omitted
		return
	}
	*l = append(kept, &Error{omitted: omitted})
}

// full reports whether the list keeps no more errors (Add only counts).
func (l List) full() bool {
	kept, _ := l.split()
	return len(kept) >= MaxCollected
}

// Add appends an error at pos (or only counts it, past MaxCollected).
func (l *List) Add(pos Pos, format string, args ...any) {
	if l.full() {
		l.add(nil, 1)
		return
	}
	l.add(Textf(format, args...).At(pos), 0)
}

// AddOmitted counts n errors found but not kept (a collector that capped
// its own list).
func (l *List) AddOmitted(n int) {
	if n > 0 {
		l.add(nil, n)
	}
}

// Append appends every error of err: a List, an *Error or any other error
// (recorded without position).
func (l *List) Append(err error) {
	switch e := err.(type) {
	case nil:
	case List:
		for _, x := range e {
			if x.omitted > 0 {
				l.add(nil, x.omitted)
			} else {
				l.add(x, 0)
			}
		}
	case *Error:
		l.add(e, 0)
	default:
		l.add(&Error{Msg: err.Error(), Err: err}, 0)
	}
}

// Unwrap returns the errors of the list (errors.Is and errors.As look
// into every one).
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Len reports the number of errors, the ones only counted included.
func (l List) Len() int {
	kept, n := l.split()
	return len(kept) + n
}

// Sort orders the errors by position (stable, so errors at one position keep
// the order they were found in) and removes exact duplicates. The count of
// errors not kept stays last.
func (l *List) Sort() {
	s, n := l.split()
	sort.SliceStable(s, func(i, j int) bool { return s[i].Pos.Less(s[j].Pos) })
	out := s[:0]
	for i, e := range s {
		if i > 0 && e.Pos == s[i-1].Pos && e.Msg == s[i-1].Msg {
			continue
		}
		out = append(out, e)
	}
	if n > 0 {
		out = append(out, &Error{omitted: n})
	}
	*l = out
}

// Err sorts the list and returns it as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

// Error prints one error per line, at most MaxErrors of them, then the
// number of the others ("and N more errors", exact even past MaxCollected).
func (l List) Error() string { return l.Format(MaxErrors) }

// Format is Error with a cap of max errors printed instead of MaxErrors;
// max <= 0 prints every error kept (at most MaxCollected, the others are
// counted on a last line).
func (l List) Format(max int) string { return l.FormatMore(max, MoreFormat) }

// FormatMore is Format with the last line, counting the errors not shown,
// made from more (a format with one %d: MoreFormat, or its translation).
func (l List) FormatMore(max int, more string) string {
	kept, n := l.split()
	if max <= 0 {
		max = len(kept)
	}
	var b strings.Builder
	for i, e := range kept {
		if i == max {
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	if left := len(kept) + n - min(len(kept), max); left > 0 {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, more, left)
	}
	return b.String()
}

// Warning is a non-fatal finding attached to a batch: a division by zero in
// one subject's expression, an uninformative indicator in a peer group, a
// GB18030 file. Warnings never stop a batch.
type Warning struct {
	Pos     Pos    // where in the input, when known
	Group   string // peer group label, when it concerns one
	Subject string // subject id, when it concerns one
	Node    string // indicator, node or adjustment id, when it concerns one
	Msg     string
}

// String formats the warning for a terminal.
func (w Warning) String() string {
	var b strings.Builder
	if s := w.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	var ctx []string
	if w.Group != "" {
		ctx = append(ctx, "group "+w.Group)
	}
	if w.Subject != "" {
		ctx = append(ctx, "subject "+w.Subject)
	}
	if w.Node != "" {
		ctx = append(ctx, w.Node)
	}
	if len(ctx) > 0 {
		b.WriteString(strings.Join(ctx, ", "))
		b.WriteString(": ")
	}
	b.WriteString(w.Msg)
	return b.String()
}

// SortWarnings orders warnings deterministically (position, group, subject,
// node, message) and drops exact duplicates.
func SortWarnings(ws []Warning) []Warning {
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		return a.Msg < b.Msg
	})
	out := ws[:0]
	for i, w := range ws {
		if i > 0 && w == ws[i-1] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// Text is a message made of an English format and its arguments, kept
// apart so that a display in another language can translate it: as an
// argument of List.Add (a part of a message built in several steps), it
// prints as the English text and the catalogue translates its format.
type Text struct {
	Format string
	Args   []any
}

// Textf returns the Text of format and args.
func Textf(format string, args ...any) Text { return Text{Format: format, Args: args} }

// String formats the English text.
func (t Text) String() string { return fmt.Sprintf(t.Format, t.Args...) }

// Parts returns the format and the arguments (for the catalogue).
func (t Text) Parts() (string, []any) { return t.Format, t.Args }

// At returns the error at pos with the message t: its English text, and
// its format and arguments for the catalogue.
func (t Text) At(pos Pos) *Error {
	return &Error{Pos: pos, Msg: t.String(), Format: t.Format, Args: t.Args}
}
