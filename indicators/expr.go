package indicators

import "github.com/govscore/govscore/diag"

// Expr is an expression as written in the indicator set: its source text and
// where each of its lines starts in the YAML file, so that an error at a
// line and column of the expression can be reported at its place in the file.
type Expr struct {
	Text string
	// Pos is the position in the file of the expression's first character.
	Pos diag.Pos
	// LineStarts[i] is the file position of the first character of line i+1
	// of Text. For a single-line scalar it is {Pos}. Filled by Parse; when
	// empty, At falls back to Pos plus the column.
	LineStarts []diag.Pos
}

// At maps a position inside the expression — line 1-based, column 0-based
// counted in runes, as expr-lang's file.Location reports it — to the
// position in the YAML file. For quoted scalars with escape sequences the
// column is approximate (the escapes are counted as one character).
func (e *Expr) At(line, column int) diag.Pos {
	if line < 1 {
		line = 1
	}
	if column < 0 {
		column = 0
	}
	if line-1 < len(e.LineStarts) {
		p := e.LineStarts[line-1]
		p.Col += column
		return p
	}
	p := e.Pos
	p.Col += column
	return p
}
