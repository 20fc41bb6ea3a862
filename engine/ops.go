package engine

import "math"

// op is an operation of the expression language. Both evaluators (column
// and scalar) implement every op; apply1, apply2 and the helpers below are
// the reference semantics that the column kernels reproduce bit for bit.
type op uint8

const (
	opNone op = iota
	opNeg
	opNot
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opPow
	opLt
	opLe
	opGt
	opGe
	opEq
	opNe
	opAnd
	opOr
	opCoalesce // a ?? b, coalesce(a, b, …)
	opHas
	opCond
	opAbs
	opFloor
	opCeil
	opRound
	opLog
	opLog10
	opSqrt
	opExp
	opRatio
	opClamp
	opMin
	opMax
	opInNum    // x in [k…]
	opStrEq    // string == string
	opStrNe    // string != string
	opStrIn    // string in ["…"]
	opNPresent // n_present(a, b, …): how many operands are present
	opStrLt    // string < string (byte order)
	opStrLe    // string <= string
	opStrGt    // string > string
	opStrGe    // string >= string
)

// strCmp applies the string comparison o (opStrEq … opStrGe) to a and b.
func strCmp(o op, a, b string) bool {
	switch o {
	case opStrEq:
		return a == b
	case opStrNe:
		return a != b
	case opStrLt:
		return a < b
	case opStrLe:
		return a <= b
	case opStrGt:
		return a > b
	}
	return a >= b
}

// isStrCmp reports whether o compares two strings.
func isStrCmp(o op) bool {
	return o == opStrEq || o == opStrNe || o >= opStrLt && o <= opStrGe
}

// opNames are the names used in messages.
var opNames = [...]string{
	opNeg: "-", opNot: "not", opAdd: "+", opSub: "-", opMul: "*", opDiv: "/",
	opMod: "%", opPow: "**", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
	opEq: "==", opNe: "!=", opAnd: "and", opOr: "or", opCoalesce: "coalesce",
	opHas: "has", opCond: "?:", opAbs: "abs", opFloor: "floor", opCeil: "ceil",
	opRound: "round", opLog: "log", opLog10: "log10", opSqrt: "sqrt", opExp: "exp",
	opRatio: "ratio", opClamp: "clamp", opMin: "min", opMax: "max", opInNum: "in",
	opStrEq: "==", opStrNe: "!=", opStrIn: "in", opNPresent: "n_present",
	opStrLt: "<", opStrLe: "<=", opStrGt: ">", opStrGe: ">=",
}

// event is why an operation on present operands gave no finite number. The
// result is then missing and a warning is recorded.
type event uint8

const (
	evNone event = iota
	evDivZero
	evModZero
	evOverflow
	evLogZero
	evLogNeg
	evSqrtNeg
	evPowZeroNeg
	evPowNegFrac
)

// message describes the event for a warning.
func (e event) message(o op) string {
	switch e {
	case evDivZero:
		return "division by zero"
	case evModZero:
		return "modulo by zero"
	case evOverflow:
		switch o {
		case opAdd:
			return "overflow in addition"
		case opSub:
			return "overflow in subtraction"
		case opMul:
			return "overflow in multiplication"
		case opDiv:
			return "overflow in division"
		case opRatio:
			return "overflow in ratio"
		case opExp:
			return "overflow in exp"
		case opPow:
			return "overflow in power"
		}
		return "overflow"
	case evLogZero:
		return "logarithm of zero"
	case evLogNeg:
		return "logarithm of a negative number"
	case evSqrtNeg:
		return "square root of a negative number"
	case evPowZeroNeg:
		return "zero raised to a negative power"
	case evPowNegFrac:
		return "negative number raised to a fractional power"
	}
	return ""
}

var nan = math.NaN()

func finite(x float64) bool { return x-x == 0 }

// b2i is 1 for true and 0 for false; it compiles to a SETcc, not a branch.
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}

// b2f is 1 for true and 0 for false, without a branch: column kernels use
// it on data whose outcome is unpredictable.
func b2f(b bool) float64 {
	return math.Float64frombits(-uint64(b2i(b)) & 0x3FF0000000000000)
}

// sel is a when c holds, else b. It selects the bits with a conditional
// move: Go compiles a float select to a branch, which mispredicts on data
// such as missing values scattered at random.
func sel(c bool, a, b float64) float64 {
	ab, bb := math.Float64bits(a), math.Float64bits(b)
	if c {
		bb = ab
	}
	return math.Float64frombits(bb)
}

// apply1 is the reference semantics of the one-operand ops.
func apply1(o op, x float64) (float64, event) {
	if x != x {
		if o == opHas {
			return 0, evNone
		}
		return nan, evNone
	}
	switch o {
	case opNeg:
		return -x, evNone
	case opNot:
		return 1 - x, evNone
	case opHas:
		return 1, evNone
	case opAbs:
		return math.Abs(x), evNone
	case opFloor:
		return math.Floor(x), evNone
	case opCeil:
		return math.Ceil(x), evNone
	case opRound:
		return math.Round(x), evNone
	case opLog, opLog10:
		switch {
		case x == 0:
			return nan, evLogZero
		case x < 0:
			return nan, evLogNeg
		}
		if o == opLog {
			return math.Log(x), evNone
		}
		return math.Log10(x), evNone
	case opSqrt:
		if x < 0 {
			return nan, evSqrtNeg
		}
		return math.Sqrt(x), evNone
	case opExp:
		r := math.Exp(x)
		if !finite(r) {
			return nan, evOverflow
		}
		return r, evNone
	}
	panic("engine: apply1: bad op " + opNames[o])
}

// apply2 is the reference semantics of the two-operand strict ops.
func apply2(o op, a, b float64) (float64, event) {
	if a != a || b != b {
		return nan, evNone
	}
	var r float64
	switch o {
	case opAdd:
		r = a + b
	case opSub:
		r = a - b
	case opMul:
		r = a * b
	case opDiv:
		r = a / b
		if !finite(r) && b == 0 {
			return nan, evDivZero
		}
	case opRatio:
		if b == 0 {
			return nan, evNone
		}
		r = a / b
	case opMod:
		if b == 0 {
			return nan, evModZero
		}
		r = math.Mod(a, b)
	case opPow:
		r = math.Pow(a, b)
		if !finite(r) {
			return nan, powEvent(a, b)
		}
	case opLt:
		return b2f(a < b), evNone
	case opLe:
		return b2f(a <= b), evNone
	case opGt:
		return b2f(a > b), evNone
	case opGe:
		return b2f(a >= b), evNone
	case opEq:
		return b2f(a == b), evNone
	case opNe:
		return b2f(a != b), evNone
	case opAnd:
		return a * b, evNone
	case opOr:
		return a + b - a*b, evNone
	case opMin:
		return min(a, b), evNone
	case opMax:
		return max(a, b), evNone
	default:
		panic("engine: apply2: bad op " + opNames[o])
	}
	if !finite(r) {
		return nan, evOverflow
	}
	return r, evNone
}

// powEvent classifies a non-finite power of present operands.
func powEvent(a, b float64) event {
	switch {
	case a == 0 && b < 0:
		return evPowZeroNeg
	case a < 0 && b != math.Trunc(b):
		return evPowNegFrac
	}
	return evOverflow
}

// clamp is clamp(x, lo, hi) = min(max(x, lo), hi), missing when any operand
// is missing.
func clamp(x, lo, hi float64) float64 { return min(max(x, lo), hi) }
