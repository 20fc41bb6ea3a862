package engine

import (
	"fmt"
	"strings"

	"github.com/govscore/govscore/diag"

	"github.com/expr-lang/expr/ast"
)

// perr is a problem at a rune offset of an expression's text.
type perr struct {
	from int
	msg  diag.Text
}

// builder turns one parsed expression into the typed tree, checking names
// and supported constructs (nameErrs: all of them are reported) and types
// (typeErrs: reported when expr-lang's checker found nothing).
type builder struct {
	c        *compiler
	nameErrs []perr
	typeErrs []perr
	used     []int // inputs in order of first use
	// subjectOnly, when set, names the key (applies_when, rated_when) whose
	// expression may read only subject.<attribute> and period.
	subjectOnly string
}

const supported = "supported: numbers, strings, true/false, metrics, prev.<metric>, subject.<attribute>, " +
	"assess.<item>, period, arithmetic, comparisons, and/or/not, ?:, ??, in [list] and the functions " +
	"abs, ceil, clamp, coalesce, exp, floor, has, log, log10, max, min, n_present, pow, ratio, round, sqrt, " +
	"group.mean|median|min|max|sd|count(<metric>), and nil (the missing number)"

func (b *builder) nameErr(from int, format string, args ...any) *node {
	b.nameErrs = append(b.nameErrs, perr{from, diag.Textf(format, args...)})
	return nil
}

func (b *builder) typeErr(from int, format string, args ...any) *node {
	b.typeErrs = append(b.typeErrs, perr{from, diag.Textf(format, args...)})
	return nil
}

func (b *builder) unsupported(from int, what string) *node {
	return b.nameErr(from, "%s not supported (%s)", what, supported)
}

// input returns a node reading input ref, recording its use.
func (b *builder) input(ref inputRef, from int) *node {
	if b.subjectOnly != "" && ref.kind != inAttr && ref.kind != inPeriod {
		return b.nameErr(from, "it may read only subject.<attribute> and period, not %s: %s is decided before any data is scored; put a condition on data in a leaf expression or an adjustment", ref, b.subjectOnly)
	}
	i := b.c.plan.inputID(ref)
	seen := false
	for _, u := range b.used {
		if u == i {
			seen = true
		}
	}
	if !seen {
		b.used = append(b.used, i)
	}
	k, t := nInput, tNum
	if ref.kind == inAttr || ref.kind == inPeriod {
		k, t = nStrInput, tStr
	}
	return &node{kind: k, typ: t, in: i, from: from}
}

// build converts *np. It may patch the AST (a % operator becomes a call of
// modFunc) so that expr-lang's checker accepts float operands.
func (b *builder) build(np *ast.Node) *node {
	n := *np
	from := n.Location().From
	switch x := n.(type) {
	case *ast.IntegerNode:
		return &node{kind: nConst, typ: tNum, val: float64(x.Value), from: from}
	case *ast.FloatNode:
		return &node{kind: nConst, typ: tNum, val: x.Value, from: from}
	case *ast.BoolNode:
		return &node{kind: nConst, typ: tBool, val: b2f(x.Value), from: from}
	case *ast.StringNode:
		return &node{kind: nStrConst, typ: tStr, str: x.Value, from: from}
	case *ast.IdentifierNode:
		return b.ident(x.Value, from)
	case *ast.MemberNode:
		return b.member(x, from)
	case *ast.ChainNode:
		return b.unsupported(from, "optional chaining (?.) is")
	case *ast.UnaryNode:
		return b.unary(x, from)
	case *ast.BinaryNode:
		return b.binary(np, x, from)
	case *ast.ConditionalNode:
		c, l, r := b.build(&x.Cond), b.build(&x.Exp1), b.build(&x.Exp2)
		if c == nil || l == nil || r == nil {
			return nil
		}
		if c.typ == tNil {
			return b.nilInBool(c)
		}
		if c.typ != tBool {
			return b.typeErr(c.from, "condition must be bool, got %s", c.typ)
		}
		if l, r = b.unifyNil(l, r); l == nil || r == nil {
			return nil
		}
		if l.typ != r.typ || l.typ == tStr {
			return b.typeErr(from, "both branches of ?: must be numbers or both bools, got %s and %s", l.typ, r.typ)
		}
		return fold(&node{kind: nOp, op: opCond, typ: l.typ, args: []*node{c, l, r}, from: from})
	case *ast.CallNode:
		return b.call(np, x, from)
	case *ast.BuiltinNode:
		return b.nameErr(from, "function %q not supported (functions: %s)", x.Name, strings.Join(funcNames(), ", "))
	case *ast.ArrayNode:
		return b.unsupported(from, "a list outside `x in [...]` is")
	case *ast.MapNode, *ast.PairNode:
		return b.unsupported(from, "a map is")
	case *ast.NilNode:
		// expr-lang's checker accepts nil in few places: it checks a
		// number in its stead, and the builder checks where nil stands.
		f := &ast.FloatNode{Value: 0}
		f.SetLocation(x.Location())
		ast.Patch(np, f)
		return &node{kind: nConst, typ: tNil, val: nan, from: from}
	case *ast.SliceNode:
		return b.unsupported(from, "slicing is")
	case *ast.PredicateNode, *ast.PointerNode:
		return b.unsupported(from, "a closure is")
	case *ast.VariableDeclaratorNode:
		return b.unsupported(from, "let is")
	case *ast.SequenceNode:
		return b.unsupported(from, "a sequence (;) is")
	}
	return b.unsupported(from, fmt.Sprintf("%T is", n))
}

// ident resolves a bare identifier: a metric or period.
func (b *builder) ident(name string, from int) *node {
	switch name {
	case "period":
		return b.input(inputRef{kind: inPeriod, name: "period"}, from)
	case "prev", "subject", "assess", "group":
		return b.nameErr(from, "%s must be followed by a name, as in %s.%s", name, name, map[string]string{
			"prev": "<metric>", "subject": "kind", "assess": "<item>", "group": "median(<metric>)"}[name])
	}
	if _, ok := funcs[name]; ok {
		return b.nameErr(from, "function %s must be called, as in %s(…)", name, name)
	}
	if !b.c.isMetric(name) {
		return b.nameErr(from, "unknown metric %q%s", name, didYouMean(name, b.c.metricNames))
	}
	return b.input(inputRef{kind: inMetric, name: name}, from)
}

// member resolves prev.<metric>, subject.<attr> and assess.<item>.
func (b *builder) member(x *ast.MemberNode, from int) *node {
	base, ok1 := x.Node.(*ast.IdentifierNode)
	prop, ok2 := x.Property.(*ast.StringNode)
	if !ok1 || !ok2 || x.Optional || x.Method {
		return b.unsupported(from, "this member access is")
	}
	at := x.Property.Location().From
	name := prop.Value
	switch base.Value {
	case "prev":
		if !b.c.isMetric(name) {
			return b.nameErr(at, "unknown metric %q in prev.%s%s", name, name, didYouMean(name, b.c.metricNames))
		}
		return b.input(inputRef{kind: inPrev, name: name}, from)
	case "subject":
		if !b.c.attrs[name] {
			return b.nameErr(at, "unknown subject attribute %q%s", name, didYouMean(name, b.c.attrNames))
		}
		return b.input(inputRef{kind: inAttr, name: name}, from)
	case "assess":
		if !b.c.assess[name] {
			return b.nameErr(at, "unknown assessment item %q%s", name, didYouMean(name, b.c.schema.Assess))
		}
		return b.input(inputRef{kind: inAssess, name: name}, from)
	}
	if base.Value == "group" {
		return b.nameErr(at, "group.%s must be called on a metric, as in group.median(<metric>)", name)
	}
	return b.unsupported(from, "member access other than prev.<metric>, subject.<attribute> and assess.<item> is")
}

// nilInBool reports the literal nil where a bool is needed.
func (b *builder) nilInBool(n *node) *node {
	return b.nameErr(n.from, "nil is the missing number and cannot stand where a bool is needed; a condition that may be missing is written with has(x) or x ?? false")
}

// asNum types a nil literal as the missing number.
func asNum(n *node) *node {
	if n.typ != tNil {
		return n
	}
	c := *n
	c.typ = tNum
	return &c
}

// unifyNil types the nil literals among two alternatives (?: branches, ??
// operands) as missing numbers; a nil beside a bool is an error.
func (b *builder) unifyNil(l, r *node) (*node, *node) {
	switch {
	case l.typ == tNil && r.typ == tBool:
		return b.nilInBool(l), r
	case r.typ == tNil && l.typ == tBool:
		return l, b.nilInBool(r)
	}
	return asNum(l), asNum(r)
}

// group builds group.<stat>(m) and group.<stat>(prev.m): an input whose
// column is the statistic over each subject's peer group (SPEC §4.3). The
// call is renamed to the function "group.<stat>" for expr-lang's checker.
func (b *builder) group(np *ast.Node, x *ast.CallNode, m *ast.MemberNode) *node {
	from := m.Node.Location().From // the call's own location is its dot
	prop, ok := m.Property.(*ast.StringNode)
	if !ok {
		return b.unsupported(from, "this member access is")
	}
	stat, ok := groupStats[prop.Value]
	if !ok {
		return b.nameErr(m.Property.Location().From, "unknown group statistic %q%s; group statistics are mean, median, min, max, sd, count",
			prop.Value, didYouMean(prop.Value, []string{"mean", "median", "min", "max", "sd", "count"}))
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "group." + prop.Value}, Arguments: x.Arguments}
	call.Callee.SetLocation(x.Callee.Location())
	call.SetLocation(x.Location())
	defer ast.Patch(np, call)
	what := "group." + prop.Value
	if len(x.Arguments) != 1 {
		return b.nameErr(from, "%s takes 1 argument, a metric name, got %d", what, len(x.Arguments))
	}
	arg := x.Arguments[0]
	ref := inputRef{kind: inGroup, stat: stat}
	switch a := arg.(type) {
	case *ast.IdentifierNode:
		ref.name = a.Value
	case *ast.MemberNode:
		base, ok1 := a.Node.(*ast.IdentifierNode)
		p, ok2 := a.Property.(*ast.StringNode)
		if ok1 && ok2 && base.Value == "prev" && !a.Optional && !a.Method {
			ref.name, ref.prev = p.Value, true
		}
	}
	at := arg.Location().From
	if ref.name == "" || !b.c.isMetric(ref.name) {
		if id, ok := arg.(*ast.IdentifierNode); ok && !reserved[id.Value] {
			return b.nameErr(at, "%s: unknown metric %q%s", what, id.Value, didYouMean(id.Value, b.c.metricNames))
		}
		if ref.name != "" {
			return b.nameErr(at, "%s: unknown metric %q in prev.%s%s", what, ref.name, ref.name, didYouMean(ref.name, b.c.metricNames))
		}
		return b.nameErr(from, "%s takes a metric or derived-metric name (or prev.<metric>), not an expression; declare the expression as a derived metric under metrics: and pass its name", what)
	}
	b.c.plan.hasGroup = true
	return b.input(ref, from)
}

func (b *builder) unary(x *ast.UnaryNode, from int) *node {
	a := b.build(&x.Node)
	if a == nil {
		return nil
	}
	if a.typ == tNil {
		if x.Operator == "!" || x.Operator == "not" {
			return b.nilInBool(a)
		}
		a = asNum(a)
	}
	switch x.Operator {
	case "-", "+":
		if a.typ != tNum {
			return b.typeErr(from, "operator %s needs a number, got %s", x.Operator, a.typ)
		}
		if x.Operator == "+" {
			return a
		}
		return fold(&node{kind: nOp, op: opNeg, typ: tNum, args: []*node{a}, from: from})
	case "!", "not":
		if a.typ != tBool {
			return b.typeErr(from, "operator %s needs a bool, got %s", x.Operator, a.typ)
		}
		return fold(&node{kind: nOp, op: opNot, typ: tBool, args: []*node{a}, from: from})
	}
	return b.unsupported(from, "operator "+x.Operator+" is")
}

var binOps = map[string]op{
	"+": opAdd, "-": opSub, "*": opMul, "/": opDiv, "%": opMod, "**": opPow, "^": opPow,
	"<": opLt, "<=": opLe, ">": opGt, ">=": opGe, "==": opEq, "!=": opNe,
	"and": opAnd, "&&": opAnd, "or": opOr, "||": opOr, "??": opCoalesce,
}

func (b *builder) binary(np *ast.Node, x *ast.BinaryNode, from int) *node {
	if x.Operator == "in" {
		return b.in(x, from)
	}
	o, ok := binOps[x.Operator]
	if !ok {
		return b.unsupported(from, "operator "+x.Operator+" is")
	}
	l, r := b.build(&x.Left), b.build(&x.Right)
	if o == opMod {
		call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: modFunc}, Arguments: []ast.Node{x.Left, x.Right}}
		call.Callee.SetLocation(x.Location())
		ast.Patch(np, call)
	}
	if l == nil || r == nil {
		return nil
	}
	switch o {
	case opLt, opLe, opGt, opGe, opEq, opNe:
		for _, a := range []*node{l, r} {
			if a.typ == tNil {
				return b.nameErr(a.from, "a comparison with nil is always missing: test a missing value with has(x), x ?? default or n_present(…)")
			}
		}
	case opAnd, opOr:
		for _, a := range []*node{l, r} {
			if a.typ == tNil {
				return b.nilInBool(a)
			}
		}
	case opCoalesce:
		if l, r = b.unifyNil(l, r); l == nil || r == nil {
			return nil
		}
	default:
		l, r = asNum(l), asNum(r)
	}
	mk := func(o op, t typ) *node {
		return fold(&node{kind: nOp, op: o, typ: t, args: []*node{l, r}, from: from})
	}
	switch o {
	case opAdd, opSub, opMul, opDiv, opMod, opPow:
		if l.typ != tNum || r.typ != tNum {
			return b.typeErr(from, "operator %s needs numbers, got %s and %s", x.Operator, l.typ, r.typ)
		}
		return mk(o, tNum)
	case opLt, opLe, opGt, opGe:
		if l.typ == tStr && r.typ == tStr {
			return mk(map[op]op{opLt: opStrLt, opLe: opStrLe, opGt: opStrGt, opGe: opStrGe}[o], tBool)
		}
		if l.typ != tNum || r.typ != tNum {
			return b.typeErr(from, "operator %s needs numbers, got %s and %s (or two strings)", x.Operator, l.typ, r.typ)
		}
		return mk(o, tBool)
	case opEq, opNe:
		if l.typ != r.typ {
			return b.typeErr(from, "operator %s needs operands of one type, got %s and %s", x.Operator, l.typ, r.typ)
		}
		if l.typ == tStr {
			if o == opEq {
				return mk(opStrEq, tBool)
			}
			return mk(opStrNe, tBool)
		}
		return mk(o, tBool)
	case opAnd, opOr:
		if l.typ != tBool || r.typ != tBool {
			return b.typeErr(from, "operator %s needs bools, got %s and %s", x.Operator, l.typ, r.typ)
		}
		return mk(o, tBool)
	case opCoalesce:
		if l.typ != r.typ || l.typ == tStr {
			return b.typeErr(from, "operator ?? needs two numbers or two bools, got %s and %s", l.typ, r.typ)
		}
		return mk(o, l.typ)
	}
	return b.unsupported(from, "operator "+x.Operator+" is")
}

// in builds `x in [k1, k2, …]`; the list holds constants of x's type.
func (b *builder) in(x *ast.BinaryNode, from int) *node {
	l := b.build(&x.Left)
	arr, ok := x.Right.(*ast.ArrayNode)
	if !ok {
		return b.unsupported(x.Right.Location().From, "in over anything but a literal list [...] is")
	}
	var elems []*node
	for i := range arr.Nodes {
		e := b.build(&arr.Nodes[i])
		if e == nil {
			continue
		}
		if e.kind != nConst && e.kind != nStrConst {
			b.nameErr(e.from, "a list after in must hold constants")
			continue
		}
		elems = append(elems, e)
	}
	if l == nil || len(elems) != len(arr.Nodes) {
		return nil
	}
	if l.typ == tNil {
		return b.nameErr(l.from, "nil in [...] is always missing: test a missing value with has(x)")
	}
	n := &node{kind: nOp, typ: tBool, args: []*node{l}, from: from}
	switch l.typ {
	case tNum:
		n.op = opInNum
		for _, e := range elems {
			if e.typ != tNum {
				return b.typeErr(e.from, "list after in holds a %s, want numbers like its left operand", e.typ)
			}
			n.nums = append(n.nums, e.val)
		}
	case tStr:
		n.op = opStrIn
		for _, e := range elems {
			if e.typ != tStr {
				return b.typeErr(e.from, "list after in holds a %s, want strings like its left operand", e.typ)
			}
			n.strs = append(n.strs, e.str)
		}
	default:
		return b.typeErr(from, "operator in needs a number or a string on its left, got %s", l.typ)
	}
	return fold(n)
}

func (b *builder) call(np *ast.Node, x *ast.CallNode, from int) *node {
	if m, ok := x.Callee.(*ast.MemberNode); ok {
		if base, ok := m.Node.(*ast.IdentifierNode); ok && base.Value == "group" {
			return b.group(np, x, m)
		}
	}
	id, ok := x.Callee.(*ast.IdentifierNode)
	if !ok {
		return b.unsupported(from, "calling a method is")
	}
	d, ok := funcs[id.Value]
	if !ok {
		return b.nameErr(from, "unknown function %q%s", id.Value, didYouMean(id.Value, funcNames()))
	}
	args := make([]*node, len(x.Arguments))
	bad := false
	for i := range x.Arguments {
		args[i] = b.build(&x.Arguments[i])
		bad = bad || args[i] == nil
	}
	if len(args) < d.minArgs || d.maxArgs >= 0 && len(args) > d.maxArgs {
		want := fmt.Sprint(d.minArgs)
		switch {
		case d.maxArgs < 0:
			want = fmt.Sprintf("at least %d", d.minArgs)
		case d.maxArgs == 1:
			want = "1 argument"
		}
		if d.maxArgs != 1 {
			want += " arguments"
		}
		return b.nameErr(from, "%s takes %s, got %d", id.Value, want, len(args))
	}
	if bad {
		return nil
	}
	for i, a := range args {
		args[i] = asNum(a)
		a = args[i]
		if a.typ != tNum {
			return b.typeErr(a.from, "%s needs number arguments, got %s", id.Value, a.typ)
		}
	}
	t := tNum
	if d.op == opHas {
		t = tBool
	}
	if (d.op == opMin || d.op == opMax || d.op == opCoalesce) && len(args) == 1 {
		return args[0]
	}
	return fold(&node{kind: nOp, op: d.op, typ: t, args: args, from: from})
}
