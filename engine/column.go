package engine

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
)

// blockSize is the number of subjects a column program processes at a
// time: small enough for a program's scratch registers to stay in the CPU
// cache, large enough to make the per-instruction dispatch negligible.
const blockSize = 1024

// regKind says what a register of a column program holds.
type regKind uint8

const (
	rInput   regKind = iota // a window of an input column
	rConst                  // a constant, materialised in a buffer
	rScratch                // an intermediate result in a scratch buffer
	rOut                    // a window of the result column
)

// reg is a register: a []float64 window of blockSize or fewer values.
type reg struct {
	kind regKind
	in   int     // rInput: plan input
	val  float64 // rConst
	buf  int     // rConst, rScratch: buffer number
}

// Operand modes of an instruction.
const (
	mVV uint8 = iota // both operands are registers
	mVK              // the second operand is the constant k (clamp, ?: with constant branches: k and k2)
	mKV              // the first operand is the constant k
)

// strArg is a string operand: a literal, or a subject attribute or the
// period (input in).
type strArg struct {
	isLit bool
	lit   string
	in    int
}

// instr is one instruction: dst = op(a, b, c | args) over a block.
type instr struct {
	op      op
	mode    uint8
	dst     int
	a, b, c int
	k, k2   float64
	args    []int
	nums    []float64
	sa, sb  strArg
	strs    []string
	fz      *fusion // a fused pipeline (see fuse.go); op and operands above unused
}

// code is the column program of one expression.
type code struct {
	instrs []instr
	regs   []reg
	nbuf   int // scratch and constant buffers
	out    int // register holding the result
}

// gen generates a column program from a typed tree.
type gen struct {
	c      *code
	free   []int
	inRegs map[int]int
	kRegs  map[float64]int
	keys   map[*node]string // structural key of each operation node
	uses   map[string]int   // how many operands read each distinct operation
	cse    map[string]int   // register of each distinct operation emitted
	left   map[int]int      // reads left of a scratch register before its buffer is free
}

// generate compiles the typed tree n into a column program. Repeated
// subexpressions (the same operation on the same operands, anywhere in the
// tree) are computed once: the column evaluator computes every branch
// anyway, so sharing changes no value, and warnings are decided by the
// scalar evaluator, which walks the tree as written.
func generate(n *node) *code {
	g := &gen{c: &code{}, inRegs: map[int]int{}, kRegs: map[float64]int{},
		keys: map[*node]string{}, uses: map[string]int{}, cse: map[string]int{}, left: map[int]int{}}
	n = simplify(n)
	g.countUses(n)
	r := g.emit(n)
	c := g.c
	if c.regs[r].kind == rScratch {
		c.regs[r].kind = rOut
	}
	c.out = r
	c.fuse()
	return c
}

func (g *gen) newReg(r reg) int {
	g.c.regs = append(g.c.regs, r)
	return len(g.c.regs) - 1
}

func (g *gen) buffer() int {
	if n := len(g.free); n > 0 {
		b := g.free[n-1]
		g.free = g.free[:n-1]
		return b
	}
	g.c.nbuf++
	return g.c.nbuf - 1
}

// simplify returns the tree with column-program rewrites applied; it
// leaves n itself unchanged, as the scalar evaluator walks it. The only
// rewrite: c ? 1 : 0 is c, since a bool is stored as 1, 0 (never -0) or
// NaN, which is what the ternary gives (the usual way of turning a
// condition into a number).
func simplify(n *node) *node {
	if n.kind != nOp {
		return n
	}
	if a := n.args; n.op == opCond && a[1].isConst() && a[2].isConst() &&
		math.Float64bits(a[1].val) == math.Float64bits(1) && math.Float64bits(a[2].val) == 0 {
		return simplify(a[0])
	}
	var args []*node
	for i, a := range n.args {
		if s := simplify(a); s != a {
			if args == nil {
				args = append([]*node(nil), n.args...)
			}
			args[i] = s
		}
	}
	if args == nil {
		return n
	}
	c := *n
	c.args = args
	return &c
}

// release records that an operand read register r; a scratch buffer is
// free once every read of a shared subexpression is done.
func (g *gen) release(r int) {
	if g.c.regs[r].kind != rScratch {
		return
	}
	g.left[r]--
	if g.left[r] <= 0 {
		g.free = append(g.free, g.c.regs[r].buf)
	}
}

// key returns the structural key of n: equal keys denote the same
// computation.
func (g *gen) key(n *node) string {
	if k, ok := g.keys[n]; ok {
		return k
	}
	var b strings.Builder
	switch n.kind {
	case nConst:
		fmt.Fprintf(&b, "k%x", math.Float64bits(n.val))
	case nStrConst:
		fmt.Fprintf(&b, "s%q", n.str)
	case nInput:
		fmt.Fprintf(&b, "i%d", n.in)
	case nStrInput:
		fmt.Fprintf(&b, "S%d", n.in)
	default:
		fmt.Fprintf(&b, "%d%v%q(", n.op, n.nums, n.strs)
		for _, a := range n.args {
			b.WriteString(g.key(a))
			b.WriteByte(',')
		}
		b.WriteByte(')')
	}
	k := b.String()
	g.keys[n] = k
	return k
}

// countUses counts, for each distinct operation reachable from root, the
// operands that will read it, visiting a repeated subexpression's own
// operands once, as emit will.
func (g *gen) countUses(root *node) {
	var visit func(n *node)
	visit = func(n *node) {
		for _, a := range n.args {
			if a.kind != nOp {
				continue
			}
			k := g.key(a)
			g.uses[k]++
			if g.uses[k] == 1 {
				visit(a)
			}
		}
	}
	if root.kind == nOp {
		g.uses[g.key(root)]++
		visit(root)
	}
}

func (g *gen) constReg(v float64) int {
	if r, ok := g.kRegs[v]; ok && math.Signbit(g.c.regs[r].val) == math.Signbit(v) {
		return r
	}
	g.c.nbuf++
	r := g.newReg(reg{kind: rConst, val: v, buf: g.c.nbuf - 1})
	g.kRegs[v] = r
	return r
}

func (g *gen) strArg(n *node) strArg {
	if n.kind == nStrConst {
		return strArg{isLit: true, lit: n.str}
	}
	return strArg{in: n.in}
}

// flip gives the comparison with swapped operands: k < x ⇔ x > k.
var flip = map[op]op{opLt: opGt, opLe: opGe, opGt: opLt, opGe: opLe, opEq: opEq, opNe: opNe,
	opAdd: opAdd, opMul: opMul, opMin: opMin, opMax: opMax}

func (g *gen) emit(n *node) int {
	switch n.kind {
	case nConst:
		return g.constReg(n.val)
	case nInput:
		if r, ok := g.inRegs[n.in]; ok {
			return r
		}
		r := g.newReg(reg{kind: rInput, in: n.in})
		g.inRegs[n.in] = r
		return r
	}
	k := g.key(n)
	if r, ok := g.cse[k]; ok {
		return r
	}
	r := g.emitOp(n)
	g.cse[k] = r
	g.left[r] = g.uses[k]
	return r
}

// emitOp emits the instruction of operation n and returns its register.
func (g *gen) emitOp(n *node) int {
	in := instr{op: n.op}
	switch {
	case isStrCmp(n.op):
		in.sa, in.sb = g.strArg(n.args[0]), g.strArg(n.args[1])
		in.dst = g.newReg(reg{kind: rScratch, buf: g.buffer()})
		g.c.instrs = append(g.c.instrs, in)
		return in.dst
	case n.op == opStrIn:
		in.sa, in.strs = g.strArg(n.args[0]), n.strs
		in.dst = g.newReg(reg{kind: rScratch, buf: g.buffer()})
		g.c.instrs = append(g.c.instrs, in)
		return in.dst
	}
	var used []int
	arg := func(m *node) int {
		r := g.emit(m)
		used = append(used, r)
		return r
	}
	switch n.op {
	case opAdd, opSub, opMul, opDiv, opLt, opLe, opGt, opGe, opEq, opNe, opMin, opMax:
		if len(n.args) != 2 {
			break
		}
		x, y := n.args[0], n.args[1]
		switch {
		case y.isConst():
			in.mode, in.k, in.a = mVK, y.val, arg(x)
		case x.isConst():
			if f, ok := flip[n.op]; ok {
				in.op, in.mode, in.k, in.a = f, mVK, x.val, arg(y)
			} else {
				in.mode, in.k, in.b = mKV, x.val, arg(y)
			}
		default:
			in.a, in.b = arg(x), arg(y)
		}
	case opClamp:
		if n.args[1].isConst() && n.args[2].isConst() {
			in.mode, in.a, in.k, in.k2 = mVK, arg(n.args[0]), n.args[1].val, n.args[2].val
		}
	case opCond:
		if n.args[1].isConst() && n.args[2].isConst() {
			in.mode, in.a, in.k, in.k2 = mVK, arg(n.args[0]), n.args[1].val, n.args[2].val
		}
	case opCoalesce:
		if len(n.args) == 2 && n.args[1].isConst() {
			in.mode, in.a, in.k = mVK, arg(n.args[0]), n.args[1].val
		}
	}
	if len(used) == 0 {
		switch len(n.args) {
		case 1:
			in.a = arg(n.args[0])
		case 2:
			in.a, in.b = arg(n.args[0]), arg(n.args[1])
		case 3:
			in.a, in.b, in.c = arg(n.args[0]), arg(n.args[1]), arg(n.args[2])
		default: // min, max, coalesce of four or more operands
			for _, m := range n.args {
				arg(m)
			}
		}
		if len(n.args) > 3 || n.op == opMin || n.op == opMax || n.op == opCoalesce || n.op == opNPresent {
			in.args = append([]int(nil), used...)
		}
	}
	in.nums = n.nums
	in.dst = g.newReg(reg{kind: rScratch, buf: g.buffer()})
	for _, r := range used {
		g.release(r)
	}
	g.c.instrs = append(g.c.instrs, in)
	return in.dst
}

// runEnv is what a column program reads: input columns by plan input
// (never nil: an absent column is an all-missing one), attribute columns,
// and the period's text.
type runEnv struct {
	cols   [][]float64
	strs   [][]string
	period string
}

// marks records the rows where an operation on present operands gave no
// finite number. The scalar evaluator then decides the warning.
type marks struct {
	rows []bool
	n    int
}

func (m *marks) mark(i int) {
	if m.rows == nil {
		m.rows = make([]bool, m.n)
	}
	m.rows[i] = true
}

var bufPool = sync.Pool{New: func() any { return new([blockSize]float64) }}

// run evaluates the program over every subject into out (len = subjects).
func (c *code) run(ctx context.Context, env *runEnv, out []float64) (*marks, error) {
	n := len(out)
	mk := &marks{n: n}
	bufs := make([]*[blockSize]float64, c.nbuf)
	for i := range bufs {
		bufs[i] = bufPool.Get().(*[blockSize]float64)
	}
	defer func() {
		for _, b := range bufs {
			bufPool.Put(b)
		}
	}()
	for _, r := range c.regs {
		if r.kind == rConst {
			b := bufs[r.buf]
			for i := range b {
				b[i] = r.val
			}
		}
	}
	v := make([][]float64, len(c.regs))
	for blk, lo := 0, 0; lo < n; blk, lo = blk+1, lo+blockSize {
		if blk%64 == 63 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		hi := min(lo+blockSize, n)
		m := hi - lo
		for i, r := range c.regs {
			switch r.kind {
			case rInput:
				v[i] = env.cols[r.in][lo:hi]
			case rConst, rScratch:
				v[i] = bufs[r.buf][:m]
			case rOut:
				v[i] = out[lo:hi]
			}
		}
		for i := range c.instrs {
			exec(&c.instrs[i], v, env, lo, mk)
		}
		if k := c.regs[c.out].kind; k != rOut {
			copy(out[lo:hi], v[c.out])
		}
	}
	return mk, nil
}

const maxf = math.MaxFloat64

// exec runs one instruction over one block starting at subject lo.
func exec(in *instr, v [][]float64, env *runEnv, lo int, mk *marks) {
	if in.fz != nil {
		execFused(in, v, env, lo, mk)
		return
	}
	d := v[in.dst]
	if isStrCmp(in.op) || in.op == opStrIn {
		execStr(in, d, env, lo)
		return
	}
	switch in.op {
	case opCoalesce:
		if in.mode == mVK {
			break
		}
		a := v[in.args[0]]
		copy(d, a)
		for _, r := range in.args[1:] {
			b := v[r][:len(d)]
			for i, x := range d {
				d[i] = sel(x != x, b[i], x)
			}
		}
		return
	case opNPresent:
		for i := range d {
			d[i] = 0
		}
		for _, r := range in.args {
			a := v[r][:len(d)]
			for i, x := range a {
				d[i] += b2f(x == x)
			}
		}
		return
	case opMin, opMax:
		if in.args != nil {
			copy(d, v[in.args[0]])
			for _, r := range in.args[1:] {
				b := v[r][:len(d)]
				if in.op == opMin {
					for i := range d {
						d[i] = min(d[i], b[i])
					}
				} else {
					for i := range d {
						d[i] = max(d[i], b[i])
					}
				}
			}
			return
		}
	}
	switch in.mode {
	case mVK:
		if execVK(in, d, v[in.a], lo, mk) {
			return
		}
	case mKV:
		execKV(in, d, v[in.b], lo, mk)
		return
	}
	execVV(in, d, v, lo, mk)
}

// fixInf turns infinite results into missing, marking their rows.
func fixInf(d []float64, lo int, mk *marks) {
	for i, x := range d {
		if math.IsInf(x, 0) {
			d[i] = nan
			mk.mark(lo + i)
		}
	}
}

// fixNonFinite turns non-finite results of present operands into missing,
// marking their rows.
func fixNonFinite(d, a, b []float64, lo int, mk *marks) {
	for i, x := range d {
		if !finite(x) && a[i] == a[i] && (b == nil || b[i] == b[i]) {
			d[i] = nan
			mk.mark(lo + i)
		}
	}
}

// execVK runs a register-constant instruction; it reports false when the
// op has no such kernel (then execVV runs it with a constant register).
func execVK(in *instr, d, a []float64, lo int, mk *marks) bool {
	a = a[:len(d)]
	k := in.k
	bad := false
	switch in.op {
	case opAdd:
		for i, x := range a {
			r := x + k
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
	case opSub:
		for i, x := range a {
			r := x - k
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
	case opMul:
		for i, x := range a {
			r := x * k
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
	case opDiv:
		bad = k == 0
		for i, x := range a {
			r := x / k
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
		if bad {
			fixNonFinite(d, a, nil, lo, mk)
		}
		return true
	case opLt:
		for i, x := range a {
			d[i] = cmpK(x < k, x)
		}
	case opLe:
		for i, x := range a {
			d[i] = cmpK(x <= k, x)
		}
	case opGt:
		for i, x := range a {
			d[i] = cmpK(x > k, x)
		}
	case opGe:
		for i, x := range a {
			d[i] = cmpK(x >= k, x)
		}
	case opEq:
		for i, x := range a {
			d[i] = cmpK(x == k, x)
		}
	case opNe:
		for i, x := range a {
			d[i] = cmpK(x != k, x)
		}
	case opMin:
		for i, x := range a {
			d[i] = min(x, k)
		}
	case opMax:
		for i, x := range a {
			d[i] = max(x, k)
		}
	case opClamp:
		k2 := in.k2
		for i, x := range a {
			d[i] = min(max(x, k), k2)
		}
	case opCond:
		k2 := in.k2
		for i, x := range a {
			d[i] = sel(x != x, nan, sel(x != 0, k, k2))
		}
	case opCoalesce:
		for i, x := range a {
			d[i] = sel(x != x, k, x)
		}
	default:
		return false
	}
	if bad {
		fixInf(d, lo, mk)
	}
	return true
}

// cmpK is a comparison result, missing when x is missing.
func cmpK(c bool, x float64) float64 {
	return sel(x != x, nan, b2f(c))
}

// cmp2 is a comparison result, missing when x or y is missing.
func cmp2(c bool, x, y float64) float64 {
	return sel(b2i(x != x)|b2i(y != y) != 0, nan, b2f(c))
}

// execKV runs k op b for the non-commutative ops.
func execKV(in *instr, d, b []float64, lo int, mk *marks) {
	b = b[:len(d)]
	k := in.k
	bad := false
	switch in.op {
	case opSub:
		for i, y := range b {
			r := k - y
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
		if bad {
			fixInf(d, lo, mk)
		}
	case opDiv:
		for i, y := range b {
			r := k / y
			d[i] = r
			if y == 0 || math.Abs(r) > maxf {
				bad = true
			}
		}
		if bad {
			fixNonFinite(d, b, nil, lo, mk)
		}
	default:
		panic("engine: no k-v kernel for " + opNames[in.op])
	}
}

// execVV runs an instruction whose operands are all registers.
func execVV(in *instr, d []float64, v [][]float64, lo int, mk *marks) {
	a := v[in.a][:len(d)]
	bad := false
	switch in.op {
	case opNeg:
		for i, x := range a {
			d[i] = -x
		}
	case opNot:
		for i, x := range a {
			d[i] = 1 - x
		}
	case opHas:
		for i, x := range a {
			d[i] = b2f(x == x)
		}
	case opAbs:
		for i, x := range a {
			d[i] = math.Abs(x)
		}
	case opFloor:
		for i, x := range a {
			d[i] = math.Floor(x)
		}
	case opCeil:
		for i, x := range a {
			d[i] = math.Ceil(x)
		}
	case opRound:
		for i, x := range a {
			d[i] = math.Round(x)
		}
	case opLog:
		for i, x := range a {
			d[i] = math.Log(x)
			if x <= 0 {
				bad = true
			}
		}
	case opLog10:
		for i, x := range a {
			d[i] = math.Log10(x)
			if x <= 0 {
				bad = true
			}
		}
	case opSqrt:
		for i, x := range a {
			d[i] = math.Sqrt(x)
			if x < 0 {
				bad = true
			}
		}
	case opExp:
		for i, x := range a {
			r := math.Exp(x)
			d[i] = r
			if r > maxf {
				bad = true
			}
		}
	case opInNum:
		for i, x := range a {
			r := 0.0
			for _, k := range in.nums {
				if x == k {
					r = 1
					break
				}
			}
			d[i] = cmpK(r == 1, x)
		}
	case opCond:
		b, c := v[in.b][:len(d)], v[in.c][:len(d)]
		for i, x := range a {
			d[i] = sel(x != x, nan, sel(x != 0, b[i], c[i]))
		}
	case opClamp:
		b, c := v[in.b][:len(d)], v[in.c][:len(d)]
		for i, x := range a {
			d[i] = min(max(x, b[i]), c[i])
		}
	default:
		execVV2(in, d, a, v[in.b][:len(d)], lo, mk)
		return
	}
	if !bad {
		return
	}
	if in.op == opExp {
		fixInf(d, lo, mk)
		return
	}
	for i, x := range a {
		if r, ev := apply1(in.op, x); ev != evNone {
			d[i] = r
			mk.mark(lo + i)
		}
	}
}

// execVV2 runs a two-register instruction.
func execVV2(in *instr, d, a, b []float64, lo int, mk *marks) {
	a, b = a[:len(d)], b[:len(d)]
	bad := false
	switch in.op {
	case opAdd:
		for i, x := range a {
			r := x + b[i]
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
	case opSub:
		for i, x := range a {
			r := x - b[i]
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
	case opMul:
		for i, x := range a {
			r := x * b[i]
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
	case opDiv:
		for i, x := range a {
			y := b[i]
			r := x / y
			d[i] = r
			if y == 0 || math.Abs(r) > maxf {
				bad = true
			}
		}
		if bad {
			fixNonFinite(d, a, b, lo, mk)
		}
		return
	case opRatio:
		for i, x := range a {
			y := b[i]
			r := x / y
			if y == 0 {
				r = nan
			}
			d[i] = r
			if math.Abs(r) > maxf {
				bad = true
			}
		}
	case opLt:
		for i, x := range a {
			d[i] = cmp2(x < b[i], x, b[i])
		}
	case opLe:
		for i, x := range a {
			d[i] = cmp2(x <= b[i], x, b[i])
		}
	case opGt:
		for i, x := range a {
			d[i] = cmp2(x > b[i], x, b[i])
		}
	case opGe:
		for i, x := range a {
			d[i] = cmp2(x >= b[i], x, b[i])
		}
	case opEq:
		for i, x := range a {
			d[i] = cmp2(x == b[i], x, b[i])
		}
	case opNe:
		for i, x := range a {
			d[i] = cmp2(x != b[i], x, b[i])
		}
	case opAnd:
		for i, x := range a {
			d[i] = x * b[i]
		}
	case opOr:
		for i, x := range a {
			y := b[i]
			d[i] = x + y - x*y
		}
	case opMin:
		for i, x := range a {
			d[i] = min(x, b[i])
		}
	case opMax:
		for i, x := range a {
			d[i] = max(x, b[i])
		}
	case opCoalesce:
		for i, x := range a {
			d[i] = sel(x != x, b[i], x)
		}
	case opMod, opPow:
		for i, x := range a {
			r, ev := apply2(in.op, x, b[i])
			d[i] = r
			if ev != evNone {
				mk.mark(lo + i)
			}
		}
	default:
		panic("engine: no kernel for " + opNames[in.op])
	}
	if bad {
		fixInf(d, lo, mk)
	}
}

// execStr runs the string comparisons.
func execStr(in *instr, d []float64, env *runEnv, lo int) {
	get := func(s strArg) (lit string, col []string) {
		switch {
		case s.isLit:
			return s.lit, nil
		case env.strs[s.in] == nil:
			return env.period, nil
		}
		return "", env.strs[s.in][lo : lo+len(d)]
	}
	la, ca := get(in.sa)
	at := func(i int) string {
		if ca != nil {
			return ca[i]
		}
		return la
	}
	if in.op == opStrIn {
		for i := range d {
			x, r := at(i), 0.0
			for _, k := range in.strs {
				if x == k {
					r = 1
					break
				}
			}
			d[i] = r
		}
		return
	}
	lb, cb := get(in.sb)
	for i := range d {
		y := lb
		if cb != nil {
			y = cb[i]
		}
		d[i] = b2f(strCmp(in.op, at(i), y))
	}
}
