package engine

// typ is the type of an expression node.
type typ uint8

const (
	tNum typ = iota + 1
	tBool
	tStr
	tNil // the literal nil: the missing number, before its position types it
)

func (t typ) String() string {
	switch t {
	case tNum:
		return "number"
	case tBool:
		return "bool"
	case tStr:
		return "string"
	case tNil:
		return "nil"
	}
	return "invalid"
}

// nkind is the kind of a node of the typed tree.
type nkind uint8

const (
	nConst    nkind = iota + 1 // number or bool constant (val)
	nStrConst                  // string literal (str)
	nInput                     // numeric input (in)
	nStrInput                  // string input: subject attribute or period (in)
	nOp                        // operation op over args
)

// node is a node of the typed expression tree that both evaluators run.
// It is built from expr-lang's checked AST and constant-folded.
type node struct {
	kind nkind
	op   op
	typ  typ
	val  float64   // nConst
	str  string    // nStrConst
	in   int       // nInput, nStrInput: index into Plan.inputs
	args []*node   // nOp operands
	nums []float64 // opInNum list
	strs []string  // opStrIn list
	from int       // rune offset of the node in the expression text
}

// isConst reports whether n is a number or bool constant.
func (n *node) isConst() bool { return n.kind == nConst }

// fold replaces an operation whose operands are all constants by its value,
// unless the value is not finite: then the operation stays, so that every
// subject records the warning at run time as the scalar semantics demand.
func fold(n *node) *node {
	if n.kind != nOp {
		return n
	}
	if isStrCmp(n.op) {
		a, b := n.args[0], n.args[1]
		if a.kind == nStrConst && b.kind == nStrConst {
			return &node{kind: nConst, typ: tBool, val: b2f(strCmp(n.op, a.str, b.str)), from: n.from}
		}
		return n
	}
	switch n.op {
	case opStrIn:
		if a := n.args[0]; a.kind == nStrConst {
			v := 0.0
			for _, s := range n.strs {
				if s == a.str {
					v = 1
				}
			}
			return &node{kind: nConst, typ: tBool, val: v, from: n.from}
		}
		return n
	case opCond:
		// A constant condition selects its branch outright; a missing one
		// makes the ternary missing.
		if c := n.args[0]; c.isConst() {
			if c.val != c.val {
				return &node{kind: nConst, typ: n.typ, val: nan, from: n.from}
			}
			if c.val != 0 {
				return n.args[1]
			}
			return n.args[2]
		}
		return n
	case opCoalesce:
		// A present constant first operand wins; a missing one (nil) is
		// dropped.
		if a := n.args[0]; a.isConst() {
			if a.val == a.val || len(n.args) == 1 {
				return a
			}
			c := *n
			c.args = n.args[1:]
			if len(c.args) == 1 {
				return c.args[0]
			}
			return fold(&c)
		}
		return n
	case opNPresent:
		cnt := 0.0
		for _, a := range n.args {
			if !a.isConst() {
				return n
			}
			if a.val == a.val {
				cnt++
			}
		}
		return &node{kind: nConst, typ: tNum, val: cnt, from: n.from}
	case opHas:
	default:
		// Missing propagates: a strict operation with a missing constant
		// operand (nil) is missing, without a warning.
		for _, a := range n.args {
			if a.isConst() && a.val != a.val {
				return &node{kind: nConst, typ: n.typ, val: nan, from: n.from}
			}
		}
	}
	for _, a := range n.args {
		if !a.isConst() {
			return n
		}
	}
	v, ev := evalConstOp(n)
	if ev != evNone || !finite(v) {
		return n
	}
	return &node{kind: nConst, typ: n.typ, val: v, from: n.from}
}

// evalConstOp applies n's op to its constant operands.
func evalConstOp(n *node) (float64, event) {
	args := make([]float64, len(n.args))
	for i, a := range n.args {
		args[i] = a.val
	}
	return applyN(n, args)
}

// applyN applies the strict op of n to evaluated operands (not opCond,
// opCoalesce or the string ops, which the evaluators handle themselves).
func applyN(n *node, args []float64) (float64, event) {
	switch n.op {
	case opNeg, opNot, opHas, opAbs, opFloor, opCeil, opRound, opLog, opLog10, opSqrt, opExp:
		return apply1(n.op, args[0])
	case opMin, opMax:
		r := args[0]
		for _, a := range args[1:] {
			if n.op == opMin {
				r = min(r, a)
			} else {
				r = max(r, a)
			}
		}
		return r, evNone
	case opClamp:
		return clamp(args[0], args[1], args[2]), evNone
	case opInNum:
		x := args[0]
		if x != x {
			return nan, evNone
		}
		for _, k := range n.nums {
			if x == k {
				return 1, evNone
			}
		}
		return 0, evNone
	}
	return apply2(n.op, args[0], args[1])
}

// walk calls f for n and every node below it, parents first.
func (n *node) walk(f func(*node)) {
	f(n)
	for _, a := range n.args {
		a.walk(f)
	}
}
