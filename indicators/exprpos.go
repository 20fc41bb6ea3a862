package indicators

import (
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/govscore/govscore/diag"
)

// expr reads an expression value: a string in any scalar style, or a
// number (taken as its text). See exprFrom for the positions.
func (r *reader) expr(f *field) (*Expr, bool) {
	e := r.exprFrom(f.value)
	if e == nil {
		r.errorf(f.valuePos(r), "%s: want an expression (a string such as \"a / b\"), got %s", f.key, describe(f.value))
		return nil, false
	}
	if strings.TrimSpace(e.Text) == "" {
		r.errorf(f.valuePos(r), "%s: the expression is empty", f.key)
		return nil, false
	}
	return e, true
}

// exprFrom builds the Expr of a scalar node, or nil when n is not a string
// or number. Positions follow the scalar style:
//   - plain scalars and numbers start at the token;
//   - "double" and 'single' quoted scalars one column after the quote;
//   - block scalars (| and >) on the line after the header, at the content
//     indentation, with one LineStart per line of Text.
//
// A folded (>) block keeps its source line breaks in Text instead of
// folding them into spaces: expr-lang reads a line break as a space, so the
// expression means the same, and every position maps exactly.
func (r *reader) exprFrom(n ast.Node) *Expr {
	switch v := n.(type) {
	case *ast.StringNode:
		p := r.tokPos(v.Token)
		if v.Token != nil && (v.Token.Type == token.DoubleQuoteType || v.Token.Type == token.SingleQuoteType) {
			p.Col++
		}
		return &Expr{Text: v.Value, Pos: p, LineStarts: []diag.Pos{p}}
	case *ast.IntegerNode, *ast.FloatNode:
		p := r.tokPos(v.GetToken())
		return &Expr{Text: v.GetToken().Value, Pos: p, LineStarts: []diag.Pos{p}}
	case *ast.LiteralNode:
		return r.blockExpr(v)
	}
	return nil
}

// blockExpr builds the Expr of a | or > block scalar.
func (r *reader) blockExpr(v *ast.LiteralNode) *Expr {
	hdr := r.tokPos(v.Start)
	first := hdr.Line + 1
	var origin, value string
	if v.Value != nil {
		value = v.Value.Value
		if tk := v.Value.GetToken(); tk != nil {
			origin = tk.Origin
		}
	}
	olines := strings.Split(origin, "\n")
	for i, l := range olines {
		olines[i] = strings.TrimSuffix(l, "\r")
	}
	indent := -1
	for _, l := range olines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if k := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || k < indent {
			indent = k
		}
	}
	if indent < 0 {
		indent = 0
	}
	at := func(i, col int) diag.Pos { return diag.Pos{File: r.file, Line: first + i, Col: col} }

	if v.Start != nil && strings.HasPrefix(v.Start.Value, ">") {
		lines := make([]string, 0, len(olines))
		for _, l := range olines {
			k := min(indent, len(l)-len(strings.TrimLeft(l, " ")))
			lines = append(lines, l[k:])
		}
		for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
			lines = lines[:len(lines)-1]
		}
		e := &Expr{Text: strings.Join(lines, "\n")}
		for i := range lines {
			e.LineStarts = append(e.LineStarts, at(i, indent+1))
		}
		if len(e.LineStarts) == 0 {
			e.LineStarts = []diag.Pos{at(0, indent+1)}
		}
		e.Pos = e.LineStarts[0]
		return e
	}

	vlines := strings.Split(value, "\n")
	e := &Expr{Text: value}
	for i, vl := range vlines {
		col := indent + 1
		if i < len(olines) && vl != "" && strings.HasSuffix(olines[i], vl) {
			col = utf8.RuneCountInString(olines[i]) - utf8.RuneCountInString(vl) + 1
		}
		e.LineStarts = append(e.LineStarts, at(i, col))
	}
	e.Pos = e.LineStarts[0]
	return e
}
