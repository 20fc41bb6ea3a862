package engine

// scalarEnv supplies the inputs of one subject to the scalar evaluator.
type scalarEnv interface {
	num(in int) float64 // numeric input, NaN = missing
	str(in int) string  // subject attribute or period
}

// scalar evaluates the typed tree for one subject by walking it. It is the
// reference semantics of the language: the column evaluator must give the
// same values, and it decides which warning a subject gets. It follows the
// short-circuit rules: a ternary evaluates only the chosen branch (neither
// when the condition is missing), ?? and coalesce stop at the first present
// operand. ev and evOp record the first event in evaluation order.
type scalar struct {
	env  scalarEnv
	ev   event
	evOp op
}

func (s *scalar) eval(n *node) float64 {
	switch n.kind {
	case nConst:
		return n.val
	case nInput:
		return s.env.num(n.in)
	}
	if isStrCmp(n.op) {
		return b2f(strCmp(n.op, s.str(n.args[0]), s.str(n.args[1])))
	}
	switch n.op {
	case opCond:
		c := s.eval(n.args[0])
		switch {
		case c != c:
			return nan
		case c != 0:
			return s.eval(n.args[1])
		}
		return s.eval(n.args[2])
	case opCoalesce:
		for _, a := range n.args {
			if v := s.eval(a); v == v {
				return v
			}
		}
		return nan
	case opNPresent:
		cnt := 0.0
		for _, a := range n.args {
			if v := s.eval(a); v == v {
				cnt++
			}
		}
		return cnt
	case opStrIn:
		x := s.str(n.args[0])
		for _, k := range n.strs {
			if x == k {
				return 1
			}
		}
		return 0
	}
	var buf [4]float64
	args := buf[:0]
	for _, a := range n.args {
		args = append(args, s.eval(a))
	}
	r, ev := applyN(n, args)
	if ev != evNone && s.ev == evNone {
		s.ev, s.evOp = ev, n.op
	}
	return r
}

func (s *scalar) str(n *node) string {
	if n.kind == nStrConst {
		return n.str
	}
	return s.env.str(n.in)
}
