package engine

import (
	"context"
	"testing"
)

// FuzzCompile feeds arbitrary expression text to Compile: it must return a
// plan or a diag.List, never panic, and a plan must evaluate.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"a / b", "prev.a ?? 0", `subject.kind in ["gov"] ? 1 : 0`, "clamp(a, 0, 1)", "a % 2",
		"coalesce(a, b, 1)", "has(a) and a > 1", "let x = 1; x", "filter([1], # > 0)", "a ? : 1",
		"min()", "a.b.c", "(((", "1e999", "$env.a", "nil ?? 1", `"x" + "y"`, "a[1:2]", "-(-a)",
	} {
		f.Add(s)
	}
	ds := testData(3, []string{"gov"}, map[string][]float64{"a@2024": {1, 0, nanv}, "b@2024": {0, 2, 3}, "a@2023": {1, 2, 3}})
	schema := Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames, Assess: []string{"sat"}}
	f.Fuzz(func(t *testing.T, text string) {
		set := spec{leaves: []string{"x: " + text}}.build()
		set.Leaves[0].Expr.Text = text
		p, err := Compile(set, schema)
		if err != nil {
			return
		}
		if _, err := p.Evaluate(context.Background(), ds, mustPeriod("2024")); err != nil {
			t.Fatalf("Evaluate(%q): %v", text, err)
		}
	})
}
