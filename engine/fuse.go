package engine

import "math"

// Fusion of instructions.
//
// A typical expression applies an operation to two columns and then a few
// constant operations to the result: `a / b * 100`, `(a - b) / b * 100`,
// `clamp((a / b - 0.6) / 0.38, 0, 1)`, `a / b > 1.1 ? 0 : 100`. Run one
// instruction at a time, each of those is a pass over the block; fused,
// they are one loop that keeps the value in a register, as a hand-written
// loop would.
//
// A fused instruction is a head, an operation on two registers (+ - * /)
// or just a register, followed by a pipeline of optional constant stages
// in a fixed order:
//
//	r = head(a, b)
//	r = r*m1 + c1        A1: affine (x*k, x+k, x-k, k-x, x*k+c, …)
//	r = r / q            Q:  division by a constant
//	r = r*m2 + c2        A2
//	r = min(max(r, lo), hi)   CL: min, max, clamp with constants
//	r = r*m3 + c3        A3
//	r = sel[r <=> k]     CMP: comparison with a constant, optionally
//	                     followed by c ? k1 : k2 with constant branches
//
// Every stage reproduces the original operations bit for bit: an affine
// stage is a multiplication followed by an addition, each rounded (x*k is
// x*k + (-0), which is exact for every x, signed zeros included; x+k is
// x*1 + k; x-k is x*1 + (-k); k-x is x*(-1) + k; (x*k)+c keeps both
// roundings; k-(x*m) is x*(-m) + k because negation is exact).
//
// The fast path does not fix non-finite results: it only detects whether
// the block might hold one — a zero divisor of a division head, or an
// infinite value before the clamp or after A3 (with finite non-zero
// multipliers and divisors and finite addends an infinity, once produced,
// stays infinite through the affine and division stages) — and then
// re-runs the block through the original instructions, which turn such
// results into missing values and mark their rows. That path is rare: it
// happens only in blocks where an operation actually fails.

// affine is one affine stage r*m + c. An unused stage has on false; m is
// 1 until a multiplication is merged, c is -0 until an addition is.
type affine struct {
	on, hasMul, hasAdd bool
	m, c               float64
}

// fusion is the part of an instruction that describes a fused pipeline.
type fusion struct {
	head   op // opNone: r = a; opAdd, opSub, opMul, opDiv: r = a op b
	a, b   int
	st     [3]affine // A1, A2, A3
	hasQ   bool
	q      float64
	hasCL  bool
	clMin  bool // CL holds a min (hi set): no later max or min may join it
	lo, hi float64
	hasCmp bool
	cmpK   float64
	sel    [4]float64 // result for r < k, r == k, r > k, r missing
	hasSel bool       // a ?: with constant branches was merged after the comparison
	orig   []instr    // the instructions replaced, run when the fast path fails
	pos    int        // last stage filled: -1 none, or stA1 … stCmp
}

// Stage positions in the pipeline.
const (
	stA1 = iota
	stQ
	stA2
	stCL
	stA3
	stCmp
)

// affinePos are the positions of the affine stages A1, A2, A3.
var affinePos = [3]int{stA1, stA2, stA3}

var negZero = math.Copysign(0, -1)

// Kinds of affine operations merged by addAffine.
const (
	affMul  = iota // r * k
	affAdd         // r + k (r - k is r + (-k))
	affRsub        // k - r
)

// addAffine merges an affine operation with constant k into the current
// affine stage when it can absorb it, else into the next unused one; it
// reports false when no stage is left.
func (f *fusion) addAffine(kind int, k float64) bool {
	for s, p := range affinePos {
		if p < f.pos {
			continue
		}
		st := &f.st[s]
		if p == f.pos {
			switch {
			case kind == affMul && !st.hasMul && !st.hasAdd:
				st.m, st.hasMul = k, true
				return true
			case kind == affAdd && !st.hasAdd:
				st.c, st.hasAdd = k, true
				return true
			case kind == affRsub && !st.hasAdd:
				// k - r*m = r*(-m) + k: negation is exact.
				st.m, st.c, st.hasMul, st.hasAdd = -st.m, k, true, true
				return true
			}
			continue
		}
		*st = affine{on: true, m: 1, c: negZero}
		switch kind {
		case affMul:
			st.m, st.hasMul = k, true
		case affAdd:
			st.c, st.hasAdd = k, true
		default:
			st.m, st.c, st.hasMul, st.hasAdd = -1, k, true, true
		}
		f.pos = p
		return true
	}
	return false
}

// addStage tries to merge constant instruction in (whose register operand
// is the pipeline's current value) into the pipeline; it reports false when
// the instruction does not fit.
func (f *fusion) addStage(in *instr) bool {
	if f.hasCmp {
		// Only a ?: with constant branches may follow the comparison.
		if in.op != opCond || in.mode != mVK || f.hasSel {
			return false
		}
		for i := 0; i < 3; i++ {
			if f.sel[i] != 0 {
				f.sel[i] = in.k
			} else {
				f.sel[i] = in.k2
			}
		}
		f.hasSel = true
		return true
	}
	k := in.k
	if in.mode == mKV {
		if in.op == opSub {
			return f.addAffine(affRsub, k)
		}
		return false
	}
	if in.mode != mVK {
		return false
	}
	switch in.op {
	case opMul:
		if k == 0 { // Inf*0 would hide an infinity from the check
			return false
		}
		return f.addAffine(affMul, k)
	case opAdd:
		return f.addAffine(affAdd, k)
	case opSub:
		return f.addAffine(affAdd, -k)
	case opDiv:
		if k == 0 || f.pos >= stQ {
			return false
		}
		f.hasQ, f.q, f.pos = true, k, stQ
		return true
	case opMax, opMin, opClamp:
		if f.pos > stCL || f.pos == stCL && (in.op != opMin || f.clMin) {
			return false
		}
		if f.pos < stCL {
			f.hasCL, f.lo, f.hi = true, math.Inf(-1), math.Inf(1)
		}
		switch in.op {
		case opMax:
			f.lo = k
		case opMin:
			f.hi, f.clMin = k, true
		default:
			f.lo, f.hi, f.clMin = k, in.k2, true
		}
		f.pos = stCL
		return true
	case opLt, opLe, opGt, opGe, opEq, opNe:
		f.hasCmp, f.cmpK, f.pos = true, k, stCmp
		lt, eq, gt := 0.0, 0.0, 0.0
		switch in.op {
		case opLt:
			lt = 1
		case opLe:
			lt, eq = 1, 1
		case opGt:
			gt = 1
		case opGe:
			eq, gt = 1, 1
		case opEq:
			eq = 1
		case opNe:
			lt, gt = 1, 1
		}
		f.sel = [4]float64{lt, eq, gt, nan}
		return true
	}
	return false
}

// constInput returns the register operand of a constant instruction that
// could join a pipeline, or -1.
func constInput(in *instr) int {
	switch in.mode {
	case mVK:
		if in.args == nil {
			return in.a
		}
	case mKV:
		return in.b
	}
	return -1
}

// fuse rewrites runs of instructions of c into fused pipelines. uses[r]
// counts the instructions reading register r.
func (c *code) fuse() {
	uses := make([]int, len(c.regs))
	for i := range c.instrs {
		for _, r := range readRegs(&c.instrs[i]) {
			uses[r]++
		}
	}
	uses[c.out]++
	var out []instr
	for i := 0; i < len(c.instrs); {
		f, n := c.pipeline(i, uses)
		if f == nil {
			out = append(out, c.instrs[i])
			i++
			continue
		}
		last := c.instrs[i+n-1]
		f.orig = append([]instr(nil), c.instrs[i:i+n]...)
		// The slow path re-reads the head's operands after the fast path
		// wrote the destination: they must not share a buffer.
		if d := &c.regs[last.dst]; d.kind == rScratch {
			for _, r := range []int{f.a, f.b} {
				if r >= 0 && c.regs[r].kind == rScratch && c.regs[r].buf == d.buf {
					d.buf = c.nbuf
					c.nbuf++
					break
				}
			}
		}
		out = append(out, instr{op: last.op, dst: last.dst, fz: f})
		i += n
	}
	c.instrs = out
}

// pipeline builds the longest fused pipeline starting at instruction i; it
// returns nil when fewer than two instructions would fuse.
func (c *code) pipeline(i int, uses []int) (*fusion, int) {
	in := &c.instrs[i]
	f := &fusion{head: opNone, a: -1, b: -1, pos: -1}
	j := i
	switch {
	case in.fz == nil && in.mode == mVV && in.args == nil &&
		(in.op == opAdd || in.op == opSub || in.op == opMul || in.op == opDiv):
		f.head, f.a, f.b = in.op, in.a, in.b
		j++
	case constInput(in) >= 0:
		f.a = constInput(in)
	default:
		return nil, 0
	}
	prev := -1
	if j > i {
		prev = in.dst
	} else {
		prev = f.a
	}
	for ; j < len(c.instrs); j++ {
		nx := &c.instrs[j]
		if nx.fz != nil || constInput(nx) != prev || j > i && uses[prev] != 1 {
			break
		}
		if !f.addStage(nx) {
			break
		}
		prev = nx.dst
	}
	if j-i < 2 {
		return nil, 0
	}
	return f, j - i
}

// readRegs lists the registers instruction in reads.
func readRegs(in *instr) []int {
	if isStrCmp(in.op) || in.op == opStrIn {
		return nil
	}
	if in.args != nil {
		return in.args
	}
	switch in.mode {
	case mVK:
		return []int{in.a}
	case mKV:
		return []int{in.b}
	}
	switch in.op {
	case opCond, opClamp:
		return []int{in.a, in.b, in.c}
	case opNeg, opNot, opHas, opAbs, opFloor, opCeil, opRound, opLog, opLog10, opSqrt, opExp, opInNum:
		return []int{in.a}
	}
	return []int{in.a, in.b}
}

// execFused runs a fused instruction over a block; when the block may hold
// a non-finite result it runs the original instructions instead.
func execFused(in *instr, v [][]float64, env *runEnv, lo int, mk *marks) {
	f := in.fz
	d := v[in.dst]
	b := d // unused when the head has one operand
	if f.b >= 0 {
		b = v[f.b]
	}
	var bad bool
	switch {
	case f.affineOnly():
		bad = runAffine(f.head, d, v[f.a], b, f.st[0].m, f.st[0].c)
	case f.cmpOnly():
		m, c := 1.0, negZero // x*1 + (-0) == x
		if f.st[0].on {
			m, c = f.st[0].m, f.st[0].c
		}
		bad = runCmp(f.head, d, v[f.a], b, m, c, f.cmpK, &f.sel)
	default:
		bad = f.run(d, v[f.a], b)
	}
	if bad {
		for i := range f.orig {
			exec(&f.orig[i], v, env, lo, mk)
		}
	}
}

// affineOnly reports whether the pipeline is head(a, b)*m1 + c1: the most
// common shape (rates per 100 or per 10,000 people), which has a loop of
// its own.
func (f *fusion) affineOnly() bool {
	return f.st[0].on && !f.hasQ && !f.st[1].on && !f.hasCL && !f.st[2].on && !f.hasCmp
}

// cmpOnly reports whether the pipeline is head(a, b) [*m1 + c1] compared
// with a constant (`a / b > 1.1 ? 0 : 100`), which has a loop of its own.
func (f *fusion) cmpOnly() bool {
	return f.hasCmp && !f.hasQ && !f.st[1].on && !f.hasCL && !f.st[2].on
}

// runAffine is the fast path of d = head(a, b)*m + c, one loop per head so
// that nothing but the arithmetic and the check is left in it.
func runAffine(head op, d, a, b []float64, m, c float64) bool {
	a, b = a[:len(d)], b[:len(d)]
	bad := false
	switch head {
	case opNone:
		for i, x := range a {
			r := float64(x*m) + c
			d[i] = r
			bad = bad || math.Abs(r) > maxf
		}
	case opAdd:
		for i, x := range a {
			r := float64((x+b[i])*m) + c
			d[i] = r
			bad = bad || math.Abs(r) > maxf
		}
	case opSub:
		for i, x := range a {
			r := float64((x-b[i])*m) + c
			d[i] = r
			bad = bad || math.Abs(r) > maxf
		}
	case opMul:
		for i, x := range a {
			r := float64(x*b[i]*m) + c
			d[i] = r
			bad = bad || math.Abs(r) > maxf
		}
	case opDiv:
		for i, x := range a {
			y := b[i]
			r := float64(x/y*m) + c
			d[i] = r
			bad = bad || y == 0 || math.Abs(r) > maxf
		}
	}
	return bad
}

// runCmp is the fast path of d = table[head(a, b)*m + c <=> k]; an absent
// affine stage is m = 1, c = -0, which leaves every value unchanged.
func runCmp(head op, d, a, b []float64, m, c, k float64, table *[4]float64) bool {
	a, b = a[:len(d)], b[:len(d)]
	t := *table
	bad := false
	switch head {
	case opNone:
		for i, x := range a {
			r := float64(x*m) + c
			bad = bad || math.Abs(r) > maxf
			d[i] = t[(2*b2i(r > k)+b2i(r == k)+3*b2i(r != r))&3]
		}
	case opAdd:
		for i, x := range a {
			r := float64((x+b[i])*m) + c
			bad = bad || math.Abs(r) > maxf
			d[i] = t[(2*b2i(r > k)+b2i(r == k)+3*b2i(r != r))&3]
		}
	case opSub:
		for i, x := range a {
			r := float64((x-b[i])*m) + c
			bad = bad || math.Abs(r) > maxf
			d[i] = t[(2*b2i(r > k)+b2i(r == k)+3*b2i(r != r))&3]
		}
	case opMul:
		for i, x := range a {
			r := float64(x*b[i]*m) + c
			bad = bad || math.Abs(r) > maxf
			d[i] = t[(2*b2i(r > k)+b2i(r == k)+3*b2i(r != r))&3]
		}
	case opDiv:
		for i, x := range a {
			y := b[i]
			r := float64(x/y*m) + c
			bad = bad || y == 0 || math.Abs(r) > maxf
			d[i] = t[(2*b2i(r > k)+b2i(r == k)+3*b2i(r != r))&3]
		}
	}
	return bad
}

// Stage bits of the general pipeline loop: one register holds them all.
const (
	bitA1 = 1 << iota
	bitQ
	bitA2
	bitCL
	bitA3
	bitCmp
)

// stageBits returns the stages present as bits.
func (f *fusion) stageBits() uint {
	var m uint
	for i, b := range []uint{bitA1, bitA2, bitA3} {
		if f.st[i].on {
			m |= b
		}
	}
	if f.hasQ {
		m |= bitQ
	}
	if f.hasCL {
		m |= bitCL
	}
	if f.hasCmp {
		m |= bitCmp
	}
	return m
}

// run is the general fast path of a fused instruction: d =
// pipeline(head(a, b)). It reports whether the block may hold a result
// that needs fixing. A division head runs in the pipeline's loop, where
// the other stages overlap with the slow division; another head is
// computed into d first by a loop of its own.
func (f *fusion) run(d, a, b []float64) bool {
	a, b = a[:len(d)], b[:len(d)]
	switch f.head {
	case opDiv:
		return f.runDiv(d, a, b)
	case opAdd:
		for i, x := range a {
			d[i] = x + b[i]
		}
	case opSub:
		for i, x := range a {
			d[i] = x - b[i]
		}
	case opMul:
		for i, x := range a {
			d[i] = x * b[i]
		}
	default:
		return f.runTail(d, a)
	}
	return f.runTail(d, d)
}

// runTail applies the stages to a (the head's value) into d. The stage
// parameters are copied to locals so that they stay in registers; the
// tests of which stages are present are the same for every value and
// cost little once predicted.
func (f *fusion) runTail(d, a []float64) bool {
	a = a[:len(d)]
	bits := f.stageBits()
	m1, c1, q, m2, c2 := f.st[0].m, f.st[0].c, f.q, f.st[1].m, f.st[1].c
	lo, hi, m3, c3, k := f.lo, f.hi, f.st[2].m, f.st[2].c, f.cmpK
	table := f.sel
	bad := false
	for i, r := range a {
		if bits&bitA1 != 0 {
			r = float64(r*m1) + c1
		}
		if bits&bitQ != 0 {
			r = r / q
		}
		if bits&bitA2 != 0 {
			r = float64(r*m2) + c2
		}
		bad = bad || math.Abs(r) > maxf
		if bits&bitCL != 0 {
			r = min(max(r, lo), hi)
		}
		if bits&bitA3 != 0 {
			r = float64(r*m3) + c3
			bad = bad || math.Abs(r) > maxf
		}
		if bits&bitCmp != 0 {
			r = table[(2*b2i(r > k)+b2i(r == k)+3*b2i(r != r))&3]
		}
		d[i] = r
	}
	return bad
}

// runDiv is runTail with the division a / b as head.
func (f *fusion) runDiv(d, a, b []float64) bool {
	a, b = a[:len(d)], b[:len(d)]
	bits := f.stageBits()
	m1, c1, q, m2, c2 := f.st[0].m, f.st[0].c, f.q, f.st[1].m, f.st[1].c
	lo, hi, m3, c3, k := f.lo, f.hi, f.st[2].m, f.st[2].c, f.cmpK
	table := f.sel
	bad := false
	for i, x := range a {
		y := b[i]
		r := x / y
		bad = bad || y == 0
		if bits&bitA1 != 0 {
			r = float64(r*m1) + c1
		}
		if bits&bitQ != 0 {
			r = r / q
		}
		if bits&bitA2 != 0 {
			r = float64(r*m2) + c2
		}
		bad = bad || math.Abs(r) > maxf
		if bits&bitCL != 0 {
			r = min(max(r, lo), hi)
		}
		if bits&bitA3 != 0 {
			r = float64(r*m3) + c3
			bad = bad || math.Abs(r) > maxf
		}
		if bits&bitCmp != 0 {
			r = table[(2*b2i(r > k)+b2i(r == k)+3*b2i(r != r))&3]
		}
		d[i] = r
	}
	return bad
}
