package engine

import "github.com/govscore/govscore/diag"

// Limits on an expression's text, checked before expr-lang's parser sees
// it: the parser recurses once per bracket and per prefix operator, so a
// hostile expression 700,000 brackets deep overflowed the stack (issue 12).
const (
	// MaxExprBytes is the longest expression, in bytes.
	MaxExprBytes = 10_000
	// MaxExprNesting is the deepest nesting of brackets ( [ {.
	MaxExprNesting = 64
)

// checkExprLimits returns, for an expression over a limit, the rune offset
// to report and the message; ok is true when the text is within them.
// Brackets inside string literals ('…', "…" with \ escapes, `…`) do not
// count.
func checkExprLimits(text string) (from int, msg diag.Text, ok bool) {
	if len(text) > MaxExprBytes {
		return 0, diag.Textf("expression is %d bytes long, more than %d: split it into named metrics (metrics: {name: {expr: …}})", len(text), MaxExprBytes), false
	}
	depth := 0
	var quote rune // the open string literal's delimiter, or 0
	escaped := false
	i := 0
	for _, r := range text {
		switch {
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote != '`':
				escaped = true
			case r == quote:
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case r == '(' || r == '[' || r == '{':
			if depth++; depth > MaxExprNesting {
				return i, diag.Textf("brackets nested more than %d deep: simplify the expression or split it into named metrics", MaxExprNesting), false
			}
		case r == ')' || r == ']' || r == '}':
			depth = max(depth-1, 0)
		}
		i++
	}
	return 0, diag.Text{}, true
}
