package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// fuseData makes n subjects with metrics a, b, c, d in 2024 and a, b in
// 2023. The first block holds finite values and missing ones only, so that
// fused pipelines take their fast path there; the rest also holds zeros,
// huge and tiny values, so that operations fail and blocks fall back to
// the original instructions.
func fuseData(r *rand.Rand, n int) map[string][]float64 {
	calm := []float64{1, -1, 2, 2.5, -3, 0.5, -0.5, 7, 100, 1.1, 0.9, nanv}
	wild := []float64{0, 1, -1, 2, -3, 0.5, 1.1, 100, 1e308, -1e308, 1e-300, nanv}
	cols := map[string][]float64{}
	for _, k := range []string{"a@2024", "b@2024", "c@2024", "d@2024", "a@2023", "b@2023"} {
		col := make([]float64, n)
		for i := range col {
			vals := calm
			if i >= blockSize {
				vals = wild
			}
			col[i] = vals[r.IntN(len(vals))]
		}
		cols[k] = col
	}
	return cols
}

// TestFusedPipelines checks which instruction runs fuse and that fused
// pipelines compute the values and warnings of the scalar evaluator, on
// their fast path and when a block falls back to the original
// instructions.
func TestFusedPipelines(t *testing.T) {
	tests := []struct {
		name   string
		expr   string
		instrs int // instructions after fusion
		fused  int // of which fused
	}{
		{"div then mul", "a / b * 100", 1, 1},
		{"growth", "(a - prev.a) / prev.a * 100", 2, 1},
		{"goalpost clamp", "clamp((a / b - 0.6) / (0.98 - 0.6), 0, 1) * 100", 1, 1},
		{"threshold select", "a / b > 1.1 ? 0 : 100", 1, 1},
		{"rsub after mul", "max(0, 100 - a / b * 100000)", 1, 1},
		{"max then min", "min(max((a / b * 10000 - 2) / 8, 0), 1)", 1, 1},
		{"min then max does not merge", "max(min(a / b, 1), 0)", 2, 1},
		{"register head", "2 - a * 3", 1, 1},
		{"add head", "(a + b) * 2", 1, 1},
		{"register head comparison", "a * 2 + 1 > 3 ? 1 : 0", 1, 1},
		{"comparison without affine stage", "a - b < 0 ? 1 : 0", 1, 1},
		{"overflowing add", "a * b + 1e308", 1, 1},
		{"mul by zero not fused", "a / b * 0", 2, 0},
		{"div by zero not fused", "a / b / 0", 2, 0},
		{"second division starts over", "a / b / 3 / 7", 2, 1},
		{"four additions", "a - 1 - 2 - 3 - 4", 2, 1},
		{"negative zero from mul", "(a - a) * -1", 1, 1},
		{"negative zero minus zero", "(a - a) * -1 - 0", 1, 1},
		{"zero minus zero", "0 - (a - a)", 1, 1},
		{"all stages", "min(a + b, 1) * 2 + 3 > 4 ? 5 : 6", 1, 1},
		{"lt", "a / b < 1 ? 1 : 0", 1, 1},
		{"le", "a * b <= 1 ? 1 : 0", 1, 1},
		{"ge", "a - b >= 1 ? 1 : 0", 1, 1},
		{"eq", "a + b == 3.5 ? 1 : 0", 1, 1},
		{"ne", "a / b != 0.5 ? 1 : 0", 1, 1},
		{"bool comparison", "(a / b > 1) == (c > 0) ? 1 : 0", 3, 1},
		{"ternary with register branch", "a / b > 1 ? a : 0", 2, 1},
		{"shared operand", "(a - b) / b * 100 + b", 3, 1},
		{"coalesce breaks the run", "((a / b) ?? 0) * 2", 3, 0},
		{"bool to number is the bool", "has(a) ? 1 : 0", 1, 0},
		{"comparison to number", "a > b ? 1 : 0", 1, 0},
		{"fused comparison to number", "a / b > 1 ? 1 : 0", 1, 1},
		{"not a conversion", "a > b ? 0 : 1", 2, 0},
	}
	r := rand.New(rand.NewPCG(5, 6))
	const n = 2*blockSize + 100
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := testData(n, []string{"gov"}, fuseData(r, n))
			p := checkColumnVsScalar(t, tc.name, ds, []string{"x: " + tc.expr}, "w: ("+tc.expr+") > 1")
			c := p.leaves[0].code
			fused := 0
			for _, in := range c.instrs {
				if in.fz != nil {
					fused++
				}
			}
			if len(c.instrs) != tc.instrs || fused != tc.fused {
				var ops []string
				for _, in := range c.instrs {
					ops = append(ops, fmt.Sprintf("%s/fused=%v", opNames[in.op], in.fz != nil))
				}
				t.Errorf("%s: %d instructions, %d fused, want %d and %d: %v", tc.expr, len(c.instrs), fused, tc.instrs, tc.fused, ops)
			}
		})
	}
}

// TestSharedSubexpressions checks that a repeated subexpression is
// computed once and that the program still computes the scalar
// evaluator's values and warnings, the shared register's buffer staying
// live until its last reader.
func TestSharedSubexpressions(t *testing.T) {
	tests := []struct {
		name   string
		expr   string
		instrs int
	}{
		{"threshold or rate", "a / b >= 0.9 ? 100 : a / b * 100", 4},
		{"square", "(a - b) * (a - b)", 2},
		{"three uses", "(a / b) + (a / b) * 2 - log(a / b)", 5},
		{"nested repeat", "max(a / b - c, 0) + max(a / b - c, 0) / (a / b)", 4},
		{"repeat in untaken branch warns nothing", "a > 0 ? 1 : (b / a + b / a)", 4},
		{"same text different operands", "a / b + b / a", 3},
		{"repeated condition", "(a > b ? a : b) + (a > b ? 1 : 2)", 4},
		{"repeated string test", `(subject.kind == "gov" ? a : b) + (subject.kind == "gov" ? 1 : 0)`, 3},
	}
	r := rand.New(rand.NewPCG(7, 8))
	const n = 2*blockSize + 100
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := testData(n, []string{"gov", "party"}, fuseData(r, n))
			p := checkColumnVsScalar(t, tc.name, ds, []string{"x: " + tc.expr}, "")
			if got := len(p.leaves[0].code.instrs); got != tc.instrs {
				t.Errorf("%s: %d instructions, want %d", tc.expr, got, tc.instrs)
			}
		})
	}
}

// TestSharedSubexpressionsRandom repeats random subexpressions inside
// random expressions and compares the column and scalar evaluators.
func TestSharedSubexpressionsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const n = blockSize + 200
	for round := 0; round < 20; round++ {
		g := &exprGen{r: r}
		ds := testData(n, []string{"gov", "party"}, fuseData(r, n))
		var leaves []string
		for i := 0; i < 6; i++ {
			e := g.num(2)
			x := fmt.Sprintf("(%s) %s (%s + %s)", e, g.pick("+", "-", "*", "/"), g.num(2), e)
			if i%2 == 1 {
				x = fmt.Sprintf("(%s > 1 ? %s : min(%s, 2))", e, g.num(1), e)
			}
			leaves = append(leaves, fmt.Sprintf("l%d: %s", i, x))
		}
		checkColumnVsScalar(t, fmt.Sprint("round ", round), ds, leaves, "")
	}
}
