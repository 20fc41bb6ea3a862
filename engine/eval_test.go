package engine

import (
	"context"
	"math"
	"strings"
	"testing"
)

// evalOne compiles expr as a leaf and evaluates it for one subject of kind
// "gov" in 2024 with the given 2024 metric values and prev (2023) values.
func evalOne(t *testing.T, expr string, cur, prev map[string]float64) (float64, []string) {
	t.Helper()
	cols := map[string][]float64{}
	for k, v := range cur {
		cols[k+"@2024"] = []float64{v}
	}
	for k, v := range prev {
		cols[k+"@2023"] = []float64{v}
	}
	ds := testData(1, []string{"gov"}, cols)
	set := spec{declared: []string{"a", "b", "c", "m", "z", "neg"}, leaves: []string{"x: " + expr}}.build()
	p, err := Compile(set, Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames, Assess: []string{"sat"}})
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	v, err := p.EvaluateWith(context.Background(), ds, mustPeriod("2024"), Options{Assess: map[string][]float64{"sat": {80}}})
	if err != nil {
		t.Fatalf("Evaluate(%q): %v", expr, err)
	}
	var ws []string
	for _, w := range v.Warnings {
		ws = append(ws, w.String())
	}
	return v.Leaves[0][0], ws
}

func TestEvaluateOperatorsAndFunctions(t *testing.T) {
	cur := map[string]float64{"a": 6, "b": 4, "c": 0.5, "m": nanv, "z": 0, "neg": -2}
	prev := map[string]float64{"a": 3, "b": nanv}
	tests := []struct {
		name string
		expr string
		want float64
		warn string // substring of the only warning, "" = none
	}{
		{"add", "a + b", 10, ""},
		{"sub", "a - b", 2, ""},
		{"mul", "a * b", 24, ""},
		{"div", "a / b", 1.5, ""},
		{"int division is float", "7 / 2 + a * 0", 3.5, ""},
		{"mod", "a % b", 2, ""},
		{"mod float", "a % c + 0", 0, ""},
		{"mod negative dividend", "-7 % b", -3, ""},
		{"pow **", "b ** 2", 16, ""},
		{"pow ^", "b ^ 0.5", 2, ""},
		{"pow func", "pow(b, 3)", 64, ""},
		{"neg", "-a", -6, ""},
		{"unary plus", "+a", 6, ""},
		{"precedence", "a + b * 2 - 8 / b", 12, ""},
		{"const fold", "2 * 3 + a", 12, ""},
		{"lt true", "a < b ? 1 : 0", 0, ""},
		{"le", "a <= 6 ? 1 : 0", 1, ""},
		{"gt const left", "5 > b ? 1 : 0", 1, ""},
		{"ge", "b >= a ? 1 : 0", 0, ""},
		{"eq", "a == 6 ? 1 : 0", 1, ""},
		{"ne", "a != b ? 1 : 0", 1, ""},
		{"and", "a > 1 and b > 1 ? 1 : 0", 1, ""},
		{"&&", "a > 1 && b > 10 ? 1 : 0", 0, ""},
		{"or", "a > 10 or b > 1 ? 1 : 0", 1, ""},
		{"||", "a > 10 || b > 10 ? 1 : 0", 0, ""},
		{"not", "not (a > 1) ? 1 : 0", 0, ""},
		{"!", "!(a > 10) ? 1 : 0", 1, ""},
		{"bool eq", "(a > 1) == (b > 1) ? 1 : 0", 1, ""},
		{"ternary", "a > b ? a : b", 6, ""},
		{"if else", "if a > b { 1 } else { 2 }", 1, ""},
		{"coalesce op present", "a ?? 0", 6, ""},
		{"coalesce op missing", "m ?? 7", 7, ""},
		{"coalesce op bool", "(m > 1) ?? true ? 1 : 0", 1, ""},
		{"in numbers", "a in [1, 6, 9] ? 1 : 0", 1, ""},
		{"in negative numbers", "neg in [-2] ? 1 : 0", 1, ""},
		{"not in", "a not in [1, 9] ? 1 : 0", 1, ""},
		{"in strings", `subject.kind in ["gov", "party"] ? 1 : 0`, 1, ""},
		{"string eq", `subject.kind == "gov" ? 1 : 0`, 1, ""},
		{"string ne", `subject.region != "r0" ? 1 : 0`, 0, ""},
		{"string eq attr attr", `subject.id == subject.name ? 1 : 0`, 0, ""},
		{"period", `period == "2024" ? 1 : 0`, 1, ""},
		{"string lt", `subject.region < "r1" ? 1 : 0`, 1, ""},
		{"string ge", `period >= "2025" ? 1 : 0`, 0, ""},
		{"string le const", `"a" <= "b" ? 1 : 0`, 1, ""},
		{"string gt", `subject.id > subject.name ? 1 : 0`, 1, ""},
		{"abs", "abs(neg)", 2, ""},
		{"floor", "floor(c + 1)", 1, ""},
		{"ceil", "ceil(c)", 1, ""},
		{"round half up", "round(c)", 1, ""},
		{"round half away from zero", "round(-c)", -1, ""},
		{"min", "min(a, b, 5)", 4, ""},
		{"max", "max(a, b)", 6, ""},
		{"max const", "max(a, 10)", 10, ""},
		{"min single", "min(a)", 6, ""},
		{"ratio", "ratio(a, b)", 1.5, ""},
		{"ratio zero", "ratio(a, z) ?? -1", -1, ""},
		{"clamp", "clamp(a, 0, 5)", 5, ""},
		{"clamp low", "clamp(neg, 0, 5)", 0, ""},
		{"clamp vars", "clamp(a, b, 10)", 6, ""},
		{"log", "log(b)", math.Log(4), ""},
		{"log10", "log10(100 * a / a)", 2, ""},
		{"sqrt", "sqrt(b)", 2, ""},
		{"exp", "exp(c)", math.Exp(0.5), ""},
		{"has present", "has(a) ? 1 : 0", 1, ""},
		{"has missing", "has(m) ? 1 : 0", 0, ""},
		{"coalesce func", "coalesce(m, prev.b, b)", 4, ""},
		{"coalesce all missing", "coalesce(m, prev.b) ?? 9", 9, ""},
		{"coalesce of five", "coalesce(m, prev.b, m, b, 1)", 4, ""},
		{"min of four", "min(a, b, 5, c)", 0.5, ""},
		{"max of four", "max(a, b, 5, neg)", 6, ""},
		{"prev", "(a - prev.a) / prev.a", 1, ""},
		{"assess", "assess.sat / 100", 0.8, ""},
		{"absent metric column", "z + 1", 1, ""},
		// Missing propagation.
		{"missing add", "m + 1", nanv, ""},
		{"missing mul zero", "m * 0", nanv, ""},
		{"missing div", "a / m", nanv, ""},
		{"missing prev", "prev.b - 1", nanv, ""},
		{"missing comparison", "m > 1 ? 1 : 0", nanv, ""},
		{"missing and", "false and m > 1 ? 1 : 0", nanv, ""},
		{"missing or", "true or m > 1 ? 1 : 0", nanv, ""},
		{"missing not", "not (m > 1) ? 1 : 0", nanv, ""},
		{"missing in", "m in [1] ? 1 : 0", nanv, ""},
		{"missing min", "min(a, m)", nanv, ""},
		{"missing clamp", "clamp(m, 0, 1)", nanv, ""},
		{"missing function", "log(m)", nanv, ""},
		{"missing round", "round(m)", nanv, ""},
		{"missing ratio", "ratio(m, z)", nanv, ""},
		{"missing condition", "m > 1 ? 1 : 2", nanv, ""},
		{"missing chosen branch", "a > 1 ? m : 2", nanv, ""},
		{"missing other branch", "a > 1 ? 2 : m", 2, ""},
		// Non-finite results.
		{"division by zero", "a / z", nanv, "division by zero"},
		{"division by zero defaulted", "(a / z) ?? 0", 0, "division by zero"},
		{"zero by zero", "z / z", nanv, "division by zero"},
		{"division by const zero", "a / 0", nanv, "division by zero"},
		{"const divided by zero", "1 / z", nanv, "division by zero"},
		{"modulo by zero", "a % z", nanv, "modulo by zero"},
		{"log zero", "log(z)", nanv, "logarithm of zero"},
		{"log negative", "log10(neg)", nanv, "logarithm of a negative number"},
		{"sqrt negative", "sqrt(neg)", nanv, "square root of a negative number"},
		{"exp overflow", "exp(a * 1000)", nanv, "overflow in exp"},
		{"mul overflow", "a * 1e308", nanv, "overflow in multiplication"},
		{"add overflow", "a * 1e307 + 1.7e308", nanv, "overflow in addition"},
		{"pow zero negative", "pow(z, -1)", nanv, "zero raised to a negative power"},
		{"pow negative fraction", "neg ** 0.5", nanv, "negative number raised to a fractional power"},
		{"pow overflow", "a ** 1000", nanv, "overflow in power"},
		{"no warning when operand missing", "m / z", nanv, ""},
		{"no warning in branch not taken", "z != 0 ? a / z : 0", 0, ""},
		{"no warning in ?? right when left present", "a ?? (a / z)", 6, ""},
		{"no warning in coalesce after present", "coalesce(a, log(z))", 6, ""},
		{"warning in taken branch", "z == 0 ? a / z : 0", nanv, "division by zero"},
		{"first failing operation", "log(z) + a / z", nanv, "logarithm of zero"},
		{"const non-finite kept", "a + 1 / 0", nanv, "division by zero"},
		// nil, the missing number, and n_present.
		{"nil chosen", `subject.kind == "gov" ? nil : a`, nanv, ""},
		{"nil not chosen", `subject.kind == "x" ? nil : a`, 6, ""},
		{"nil first branch number", "a > 1 ? a : nil", 6, ""},
		{"nil alone", "nil", nanv, ""},
		{"nil coalesced", "nil ?? 3", 3, ""},
		{"coalesce to nil", "m ?? nil", nanv, ""},
		{"coalesce skips nil", "coalesce(nil, m, b)", 4, ""},
		{"nil propagates", "abs(nil) ?? 5", 5, ""},
		{"has nil", "has(nil) ? 1 : 0", 0, ""},
		{"n_present", "n_present(a, m, prev.b, b)", 2, ""},
		{"n_present none", "n_present(m, prev.b)", 0, ""},
		{"n_present nil const", "n_present(nil, 1, a)", 2, ""},
		{"n_present one", "n_present(m)", 0, ""},
		{"n_present warns nothing", "n_present(a / z)", 0, "division by zero"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ws := evalOne(t, tc.expr, cur, prev)
			if !close(got, tc.want) {
				t.Errorf("%s = %v, want %v", tc.expr, got, tc.want)
			}
			switch {
			case tc.warn == "" && len(ws) > 0:
				t.Errorf("%s: unexpected warnings %q", tc.expr, ws)
			case tc.warn != "" && (len(ws) != 1 || !strings.Contains(ws[0], tc.warn)):
				t.Errorf("%s: warnings %q, want one containing %q", tc.expr, ws, tc.warn)
			}
		})
	}
}

func TestWarningNamesSubjectAndIndicator(t *testing.T) {
	_, ws := evalOne(t, "a / z", map[string]float64{"a": 1, "z": 0}, nil)
	want := "indicators.yaml:9:11: subject s0, x: division by zero: value treated as missing"
	if len(ws) != 1 || ws[0] != want {
		t.Errorf("warnings = %q, want [%q]", ws, want)
	}
}

func TestEvaluateBlocksAndParallel(t *testing.T) {
	// More subjects than one block, several leaves and adjustments.
	const n = 2*blockSize + 17
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = float64(i % 97)
		b[i] = float64(i % 13)
		if i%50 == 0 {
			a[i] = nanv
		}
	}
	ds := testData(n, []string{"gov", "party"}, map[string][]float64{"a@2024": a, "b@2024": b, "a@2023": b})
	set := spec{
		leaves: []string{"l1: a / b", "l2: ratio(a, b) ?? 0", "l3: (a - prev.a) * 2", "l4: subject.kind == \"gov\" ? a : -a"},
		points: []string{"bonus: clamp(a / 10, 0, 3)"},
		when:   []string{"veto: b == 0"},
	}.build()
	p, err := Compile(set, Schema{Metrics: ds.Metrics()})
	if err != nil {
		t.Fatal(err)
	}
	for _, par := range []int{1, 3} {
		v, err := p.EvaluateWith(context.Background(), ds, mustPeriod("2024"), Options{Parallelism: par})
		if err != nil {
			t.Fatal(err)
		}
		divZero := 0
		for i := 0; i < n; i++ {
			x, y := a[i], b[i]
			l1 := x / y
			if y == 0 {
				l1 = nanv
				if x == x {
					divZero++
				}
			}
			l2 := l1
			if l2 != l2 {
				l2 = 0
			}
			l4 := x
			if ds.Subjects[i].Kind != "gov" {
				l4 = -x
			}
			want := [][2]float64{{v.Leaves[0][i], l1}, {v.Leaves[1][i], l2}, {v.Leaves[2][i], (x - y) * 2},
				{v.Leaves[3][i], l4}, {v.Points[0][i], min(max(x/10, 0), 3)}, {v.When[1][i], b2f(y == 0)}}
			for k, w := range want {
				if !close(w[0], w[1]) {
					t.Fatalf("par %d: subject %d, column %d = %v, want %v", par, i, k, w[0], w[1])
				}
			}
		}
		if len(v.Warnings) != divZero {
			t.Errorf("par %d: %d warnings, want %d", par, len(v.Warnings), divZero)
		}
		if v.Points[1] != nil || v.When[0] != nil {
			t.Errorf("absent adjustment expressions should give nil columns")
		}
	}
}

func TestEvaluateCancelled(t *testing.T) {
	ds := testData(10, []string{"gov"}, map[string][]float64{"a@2024": make([]float64, 10)})
	p, err := Compile(spec{leaves: []string{"x: a + 1"}}.build(), Schema{Metrics: ds.Metrics()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Evaluate(ctx, ds, mustPeriod("2024")); err == nil {
		t.Error("Evaluate with a cancelled context: no error")
	}
}

func TestEvaluateAssessLength(t *testing.T) {
	ds := testData(3, []string{"gov"}, nil)
	p, err := Compile(spec{leaves: []string{"x: assess.sat"}}.build(), Schema{Assess: []string{"sat"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.EvaluateWith(context.Background(), ds, mustPeriod("2024"), Options{Assess: map[string][]float64{"sat": {1}}})
	if err == nil || !strings.Contains(err.Error(), `"sat" has 1 values`) {
		t.Errorf("err = %v, want a length error", err)
	}
	v, err := p.Evaluate(context.Background(), ds, mustPeriod("2024"))
	if err != nil {
		t.Fatal(err)
	}
	if x := v.Leaves[0][0]; x == x {
		t.Errorf("assess without columns = %v, want missing", x)
	}
}

func TestBareMetricLeafSharesColumn(t *testing.T) {
	a := []float64{1, nanv, 3, -4}
	inf := []float64{1, math.Inf(1), 2, 3}
	ds := testData(len(a), []string{"gov"}, map[string][]float64{"a@2024": a, "i@2024": inf})
	set := spec{
		derived:  []string{"d: a * 2"},
		leaves:   []string{"l1: a", "l2: a", "l3: a + 0", "l4: d", "l5: i", "l6: absent ?? 7"},
		declared: []string{"absent"},
	}.build()
	_, v := compileEval(t, set, Schema{Metrics: ds.Metrics()}, ds)
	col := ds.Column("a", mustPeriod("2024"))
	same := func(x, y []float64) bool { return len(x) > 0 && len(y) > 0 && &x[0] == &y[0] }
	if !same(v.Leaves[0], col) || !same(v.Leaves[1], col) {
		t.Errorf("bare metric leaves do not share the dataset's column")
	}
	if same(v.Leaves[2], col) {
		t.Errorf("leaf a + 0 shares the dataset's column")
	}
	if !same(v.Leaves[3], v.Derived["d"]) {
		t.Errorf("bare derived-metric leaf does not share the derived column")
	}
	// A column with ±Inf is evaluated (into a column of its own), not shared.
	if same(v.Leaves[4], ds.Column("i", mustPeriod("2024"))) || v.Leaves[4][2] != 2 {
		t.Errorf("leaf over a column with Inf = %v", v.Leaves[4])
	}
	for i, x := range a {
		if !close(v.Leaves[0][i], x) || !close(v.Leaves[2][i], x) || !close(v.Leaves[3][i], 2*x) || v.Leaves[5][i] != 7 {
			t.Errorf("subject %d: leaves %v %v %v %v", i, v.Leaves[0][i], v.Leaves[2][i], v.Leaves[3][i], v.Leaves[5][i])
		}
	}
}
