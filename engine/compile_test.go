package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
)

func TestCompileErrors(t *testing.T) {
	schema := Schema{Metrics: []string{"disputes_received", "disputes_resolved", "population"}, Attrs: []string{"region"}, Assess: []string{"satisfaction"}}
	tests := []struct {
		name string
		sp   spec
		want []string // every error, in order
	}{
		{"unknown metric with suggestion",
			spec{leaves: []string{"dispute_rate: disputes_resolved / dispute_recieved"}},
			[]string{"indicators.yaml:3:31: leaf \"dispute_rate\": unknown metric \"dispute_recieved\" (did you mean \"disputes_received\"?)\n" +
				" |     expr: disputes_resolved / dispute_recieved\n" +
				" |                               ^"}},
		{"unknown metric without suggestion",
			spec{leaves: []string{"x: zzzzzzzz + 1"}},
			[]string{`indicators.yaml:3:11: leaf "x": unknown metric "zzzzzzzz"`}},
		{"all unknown names at once",
			spec{leaves: []string{"x: foo + bar", "y: prev.populaton + subject.regoin + assess.satisfactoin"}},
			[]string{`3:11: leaf "x": unknown metric "foo"`, `3:17: leaf "x": unknown metric "bar"`,
				`5:16: leaf "y": unknown metric "populaton" in prev.populaton (did you mean "population"?)`,
				`5:36: leaf "y": unknown subject attribute "regoin" (did you mean "region"?)`,
				`5:52: leaf "y": unknown assessment item "satisfactoin" (did you mean "satisfaction"?)`}},
		{"syntax error",
			spec{leaves: []string{"x: population * (1 +"}},
			[]string{"indicators.yaml:3:27: leaf \"x\": syntax error: unexpected token EOF\n" +
				" |     expr: population * (1 +\n" +
				" |                           ^"}},
		{"leaf must be a number",
			spec{leaves: []string{"x: population > 3"}},
			[]string{`3:11: leaf "x": expression must produce a number, got bool`}},
		{"leaf string",
			spec{leaves: []string{"x: subject.kind"}},
			[]string{`3:11: leaf "x": expression must produce a number, got string`}},
		{"when must be bool",
			spec{when: []string{"veto: population * 2"}},
			[]string{`2:11: adjustment "veto": when: expression must produce a bool, got number`}},
		{"points must be number",
			spec{points: []string{"bonus: population > 2"}},
			[]string{`2:11: adjustment "bonus": points: expression must produce a number, got bool`}},
		{"derived must be number",
			spec{derived: []string{"big: population > 2"}},
			[]string{`3:11: metric "big": expression must produce a number, got bool`}},
		{"derived cycle",
			spec{derived: []string{"a: b + 1", "b: c * 2", "c: a + population", "d: prev.d + 1"}},
			[]string{`indicators.yaml:2:3: derived metrics form a cycle: a → b → c → a`}},
		{"self cycle",
			spec{derived: []string{"a: a + 1"}},
			[]string{`derived metrics form a cycle: a → a`}},
		{"type error from checker",
			spec{leaves: []string{"x: population + (population > 1)"}},
			[]string{`leaf "x": invalid operation: + (mismatched types float64 and bool)`}},
		{"string number ordering",
			spec{leaves: []string{`x: subject.kind < population ? 1 : 0`}},
			[]string{`3:24: leaf "x": invalid operation: < (mismatched types string and float64)`}},
		{"mixed ternary",
			spec{leaves: []string{`x: population > 1 ? 1 : true`}},
			[]string{`leaf "x": both branches of ?: must be numbers or both bools, got number and bool`}},
		{"string plus",
			spec{leaves: []string{`x: subject.kind + "a"`}},
			[]string{`leaf "x": operator + needs numbers, got string and string`}},
		{"in list mixed",
			spec{leaves: []string{`x: subject.kind in ["a", 1] ? 1 : 0`}},
			[]string{`leaf "x": list after in holds a number, want strings like its left operand`}},
		{"in list variable",
			spec{leaves: []string{`x: population in [population] ? 1 : 0`}},
			[]string{`leaf "x": a list after in must hold constants`}},
		{"in over non-list",
			spec{leaves: []string{`x: "a" in subject.kind ? 1 : 0`}},
			[]string{`in over anything but a literal list`}},
		{"unknown function", spec{leaves: []string{"x: lg(population)"}},
			[]string{`leaf "x": unknown function "lg" (did you mean "log"?)`}},
		{"builtin not supported", spec{leaves: []string{"x: len(population)"}},
			[]string{`leaf "x": function "len" not supported`}},
		{"predicate", spec{leaves: []string{"x: filter([1], # > 0)"}},
			[]string{`function "filter" not supported`}},
		{"wrong arity", spec{leaves: []string{"x: clamp(population, 1)", "y: log(1, 2)", "z: min()"}},
			[]string{`leaf "x": clamp takes 3 arguments, got 2`, `leaf "y": log takes 1 argument, got 2`, `leaf "z": min takes at least 1 arguments, got 0`}},
		{"function used as value", spec{leaves: []string{"x: log + 1"}},
			[]string{`function log must be called, as in log(…)`}},
		{"bare prev", spec{leaves: []string{"x: prev"}},
			[]string{`prev must be followed by a name, as in prev.<metric>`}},
		{"array", spec{leaves: []string{"x: [1, 2]"}}, []string{`a list outside`}},
		{"map", spec{leaves: []string{"x: {a: 1}"}}, []string{`a map is not supported`}},
		{"nil as condition", spec{leaves: []string{"x: nil ? 1 : 2"}}, []string{`3:11: leaf "x": nil is the missing number and cannot stand where a bool is needed`}},
		{"nil beside a bool", spec{when: []string{"veto: population > 1 ? nil : false"}}, []string{`2:28: adjustment "veto": when: nil is the missing number and cannot stand where a bool is needed`}},
		{"nil as when", spec{when: []string{"veto: nil"}}, []string{`2:11: adjustment "veto": when: nil is the missing number`}},
		{"nil and", spec{when: []string{"veto: population > 1 and nil"}}, []string{`2:30: adjustment "veto": when: nil is the missing number`}},
		{"not nil", spec{when: []string{"veto: not nil"}}, []string{`adjustment "veto": when: nil is the missing number`}},
		{"nil compared", spec{leaves: []string{"x: population == nil ? 1 : 0"}}, []string{`3:25: leaf "x": a comparison with nil is always missing`}},
		{"group of expression", spec{leaves: []string{"x: group.median(population * 2)"}}, []string{`3:11: leaf "x": group.median takes a metric or derived-metric name (or prev.<metric>), not an expression`}},
		{"group of unknown", spec{leaves: []string{"x: group.mean(populaton)"}}, []string{`3:22: leaf "x": group.mean: unknown metric "populaton" (did you mean "population"?)`}},
		{"group unknown stat", spec{leaves: []string{"x: group.avg(population)"}}, []string{`leaf "x": unknown group statistic "avg"`}},
		{"group arity", spec{leaves: []string{"x: group.sd(population, population)"}}, []string{`leaf "x": group.sd takes 1 argument`}},
		{"group bare", spec{leaves: []string{"x: group + 1"}}, []string{`leaf "x": group must be followed by a name`}},
		{"group cycle", spec{derived: []string{"a: b - group.mean(b)", "b: group.median(a) + population"}},
			[]string{`indicators.yaml:2:3: derived metrics form a cycle: a → b → a`}},
		{"let", spec{leaves: []string{"x: let y = 1; y"}}, []string{`let is not supported`}},
		{"sequence", spec{leaves: []string{"x: 1; 2"}}, []string{`a sequence (;) is not supported`}},
		{"member of metric", spec{leaves: []string{"x: population.total"}}, []string{`member access other than`}},
		{"index", spec{leaves: []string{"x: prev[population]"}}, []string{`this member access is not supported`}},
		{"optional chaining", spec{leaves: []string{"x: prev?.population"}}, []string{`optional chaining (?.) is not supported`}},
		{"slice", spec{leaves: []string{"x: population[1:2]"}}, []string{`slicing is not supported`}},
		{"method call", spec{leaves: []string{"x: subject.kind.upper()"}}, []string{`not supported`}},
		{"matches operator", spec{leaves: []string{`x: subject.kind matches "a" ? 1 : 0`}}, []string{`operator matches is not supported`}},
		{"number out of range", spec{leaves: []string{"x: 1e999"}}, []string{`syntax error: invalid float literal`}},
		{"reserved metric name", spec{declared: []string{"log"}, leaves: []string{"x: 1"}},
			[]string{`indicators.yaml:2:3: metric name "log" is reserved`}},
		{"string condition", spec{leaves: []string{`x: subject.kind ? 1 : 0`}}, []string{`non-bool expression`}},
		{"not a number", spec{leaves: []string{`x: not population`}}, []string{`invalid operation: not (mismatched type float64)`}},
		{"neg bool", spec{leaves: []string{`x: -(population > 1)`}}, []string{`invalid operation: - (mismatched type bool)`}},
		{"coalesce strings", spec{leaves: []string{`x: subject.kind ?? "a"`}}, []string{`operator ?? needs two numbers or two bools`}},
		{"function string arg", spec{leaves: []string{`x: abs(subject.kind)`}}, []string{`cannot use string as argument`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.sp.build(), schema)
			if err == nil {
				t.Fatalf("Compile succeeded (%v), want errors %q", p, tc.want)
			}
			var list diag.List
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not a diag.List", err)
			}
			if len(list) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(list), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.Contains(list[i].Error(), w) {
					t.Errorf("error %d:\n%s\nwant it to contain:\n%s", i, list[i].Error(), w)
				}
			}
		})
	}
}

func TestCompileWideCharacterCaret(t *testing.T) {
	set := spec{leaves: []string{"x: 1"}}.build()
	set.Source = []byte("govscore: 1\n  - id: x\n    名称: 1 + foo\n")
	set.Leaves[0].Expr.Text = "1 + foo"
	set.Leaves[0].Expr.Pos.Col = 9
	set.Leaves[0].Expr.LineStarts[0].Col = 9
	_, err := Compile(set, Schema{})
	want := " |     名称: 1 + foo\n |               ^"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error:\n%v\nwant suffix:\n%s", err, want)
	}
}

func TestDidYouMean(t *testing.T) {
	cands := []string{"disputes_received", "population", "pop"}
	tests := []struct{ name, in, want string }{
		{"transposition", "dispute_recieved", ` (did you mean "disputes_received"?)`},
		{"short", "pp", ` (did you mean "pop"?)`},
		{"far", "zzzz", ""},
		{"none", "x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cands
			if tc.name == "none" {
				c = nil
			}
			if got := didYouMean(tc.in, c); got != tc.want {
				t.Errorf("didYouMean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestDerivedMetrics(t *testing.T) {
	// rate = resolved / received; growth uses prev.rate; cum accumulates
	// through prev.cum back to the first period of the data.
	ds := testData(2, []string{"gov"}, map[string][]float64{
		"resolved@2022": {1, 2}, "received@2022": {2, 4},
		"resolved@2023": {3, 1}, "received@2023": {4, 0},
		"resolved@2024": {9, 5}, "received@2024": {10, 10},
	})
	set := spec{
		declared: []string{"resolved", "received"},
		derived:  []string{"growth: rate - prev.rate", "rate: resolved / received", "cum: (prev.cum ?? 0) + resolved"},
		leaves:   []string{"g: growth", "pg: prev.growth ?? -1", "c: cum", "pc: prev.cum"},
	}.build()
	_, v := compileEval(t, set, Schema{Metrics: ds.Metrics()}, ds)
	checks := []struct {
		name string
		got  []float64
		want []float64
	}{
		{"rate", v.Derived["rate"], []float64{0.9, 0.5}},
		{"prev rate", v.PrevDerived["rate"], []float64{0.75, nanv}},
		{"growth", v.Leaves[0], []float64{0.9 - 0.75, nanv}},
		{"prev growth", v.Leaves[1], []float64{0.75 - 0.5, -1}},
		{"cum", v.Leaves[2], []float64{13, 8}},
		{"prev cum", v.Leaves[3], []float64{4, 3}},
		{"prev derived map", v.PrevDerived["cum"], []float64{4, 3}},
	}
	for _, c := range checks {
		for i := range c.want {
			if !close(c.got[i], c.want[i]) {
				t.Errorf("%s[%d] = %v, want %v", c.name, i, c.got[i], c.want[i])
			}
		}
	}
	// One warning: rate of s1 in 2023 divides by zero (named with its period).
	if len(v.Warnings) != 1 || !strings.Contains(v.Warnings[0].String(), "subject s1, rate: division by zero: value treated as missing (period 2023)") {
		t.Errorf("warnings = %v", v.Warnings)
	}
}

func TestInputsAndTrace(t *testing.T) {
	ds := testData(2, []string{"gov", "party"}, map[string][]float64{
		"disputes_resolved@2024": {5, 6}, "disputes_resolved@2023": {4, nanv}, "disputes_received@2024": {10, 12},
	})
	set := spec{
		derived: []string{"rate: disputes_resolved / disputes_received"},
		leaves: []string{
			`x: (disputes_resolved - prev.disputes_resolved) * (subject.kind == "gov" ? 1 : 2) + rate + assess.sat * 0 + (period == "2024" ? 0 : 1) + disputes_resolved`,
		},
	}.build()
	p, err := Compile(set, Schema{Metrics: ds.Metrics(), Assess: []string{"sat"}})
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"disputes_resolved", "prev.disputes_resolved", "subject.kind", "rate", "assess.sat", "period"}
	if got := p.Inputs(0); strings.Join(got, ",") != strings.Join(wantNames, ",") {
		t.Errorf("Inputs = %q, want %q", got, wantNames)
	}
	v, err := p.EvaluateWith(context.Background(), ds, mustPeriod("2024"), Options{Assess: map[string][]float64{"sat": {70, 80}}})
	if err != nil {
		t.Fatal(err)
	}
	tr := p.Trace(ds, v, 1, 0)
	want := []Input{
		{Name: "disputes_resolved", Value: 6},
		{Name: "prev.disputes_resolved", Value: nanv},
		{Name: "subject.kind", Value: nanv, Text: "party", IsText: true},
		{Name: "rate", Value: 0.5},
		{Name: "assess.sat", Value: 80},
		{Name: "period", Value: nanv, Text: "2024", IsText: true},
	}
	if len(tr) != len(want) {
		t.Fatalf("Trace = %+v", tr)
	}
	for i := range want {
		g, w := tr[i], want[i]
		if g.Name != w.Name || !close(g.Value, w.Value) || g.Text != w.Text || g.IsText != w.IsText {
			t.Errorf("Trace[%d] = %+v, want %+v", i, g, w)
		}
	}
}

func TestTraceAdjustment(t *testing.T) {
	ds := testData(2, []string{"gov", "party"}, map[string][]float64{
		"awards@2024": {1, nanv}, "accidents@2024": {0, 2},
	})
	set := spec{
		leaves: []string{"x: awards"},
		points: []string{"bonus: awards * 2"},
		when:   []string{"veto: accidents > 0 and awards >= 0"},
	}.build()
	p, v := compileEval(t, set, Schema{Metrics: ds.Metrics()}, ds)
	for _, tc := range []struct {
		adj, subject int
		want         []Input
	}{
		{0, 0, []Input{{Name: "awards", Value: 1}}},
		{1, 1, []Input{{Name: "accidents", Value: 2}, {Name: "awards", Value: nanv}}},
	} {
		got := p.TraceAdjustment(ds, v, tc.subject, tc.adj)
		if len(got) != len(tc.want) {
			t.Fatalf("TraceAdjustment(%d, %d) = %+v", tc.subject, tc.adj, got)
		}
		for i := range got {
			if got[i].Name != tc.want[i].Name || !close(got[i].Value, tc.want[i].Value) {
				t.Errorf("TraceAdjustment(%d, %d)[%d] = %+v, want %+v", tc.subject, tc.adj, i, got[i], tc.want[i])
			}
		}
	}
}
