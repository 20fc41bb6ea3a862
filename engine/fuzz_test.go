package engine

import (
	"context"
	"testing"
)

// FuzzCompile feeds arbitrary expression text to Compile: it must return a
// plan or a diag.List, never panic, and a plan must evaluate to the values
// and warnings of the scalar evaluator (which checks the column program:
// fused pipelines, shared subexpressions).
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"a / b", "prev.a ?? 0", `subject.kind in ["gov"] ? 1 : 0`, "clamp(a, 0, 1)", "a % 2",
		"coalesce(a, b, 1)", "has(a) and a > 1", "let x = 1; x", "filter([1], # > 0)", "a ? : 1",
		"min()", "a.b.c", "(((", "1e999", "$env.a", "nil ?? 1", `"x" + "y"`, "a[1:2]", "-(-a)",
		"clamp((a / b - 0.6) / 0.38, 0, 1) * 100", "a / b > 1.1 ? 0 : 100", "(a - prev.a) / prev.a * 100",
		"a / b >= 0.9 ? 100 : a / b * 100", "max(0, 100 - a / b * 100000)", "2 - a * 3 - 4",
		`subject.kind == "gov" ? nil : a`, "a > 1 ? a : nil", "coalesce(nil, a, nil)", "n_present(a, b, nil)",
		"a - group.median(a)", "group.sd(prev.a) ?? 0", "group.count(b) / n_present(a)", `period < "2025" ? 1 : 0`,
	} {
		f.Add(s)
	}
	ds := testData(6, []string{"gov"}, map[string][]float64{"a@2024": {1, 0, nanv, 1e308, -2, 0.5},
		"b@2024": {0, 2, 3, 1e-300, -0.5, 7}, "a@2023": {1, 2, 3, 0, nanv, -1}})
	schema := Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames, Assess: []string{"sat"}}
	f.Fuzz(func(t *testing.T, text string) {
		set := spec{leaves: []string{"x: " + text}}.build()
		set.Leaves[0].Expr.Text = text
		p, err := Compile(set, schema)
		if err != nil {
			return
		}
		v, err := p.Evaluate(context.Background(), ds, mustPeriod("2024"))
		if err != nil {
			t.Fatalf("Evaluate(%q): %v", text, err)
		}
		compareColumnScalar(t, text, p, ds, v)
	})
}
