package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/conf"

	"github.com/govscore/govscore/dataset"
)

// exprGen writes random well-typed expressions over the metrics a, b, c, d.
// In safe mode it writes only expressions that cannot meet a missing value
// or a non-finite result on positive data, so that expr-lang's VM (which
// knows no missing values) computes the same numbers.
type exprGen struct {
	r    *rand.Rand
	safe bool
}

var genMetrics = []string{"a", "b", "c", "d", "prev.a", "prev.b"}

func (g *exprGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *exprGen) num(depth int) string {
	if depth <= 0 || g.r.IntN(5) == 0 {
		if g.r.IntN(3) == 0 {
			return g.pick("0.5", "2", "3", "1.5", "10")
		}
		return g.pick(genMetrics...)
	}
	d := depth - 1
	pos := func() string { return "(abs(" + g.num(d) + ") + 1)" }
	if g.safe {
		switch g.r.IntN(14) {
		case 0, 1:
			return "(" + g.num(d) + " " + g.pick("+", "-", "*") + " " + g.num(d) + ")"
		case 2:
			return "(" + g.num(d) + " / " + pos() + ")"
		case 3:
			return "-" + g.num(d)
		case 4:
			return "(" + g.boolean(d) + " ? " + g.num(d) + " : " + g.num(d) + ")"
		case 5:
			return g.pick("log", "log10", "sqrt") + "(" + pos() + ")"
		case 6:
			return g.pick("min", "max") + "(" + g.num(d) + ", " + g.num(d) + ", " + g.num(d) + ")"
		case 7:
			return "clamp(" + g.num(d) + ", " + g.num(d) + ", " + g.num(d) + ")"
		case 8:
			return g.pick("abs", "floor", "ceil", "round") + "(" + g.num(d) + ")"
		case 9:
			return "ratio(" + g.num(d) + ", " + pos() + ")"
		case 10:
			return "(" + g.num(d) + " ?? " + g.num(d) + ")"
		case 11:
			return "coalesce(" + g.num(d) + ", " + g.num(d) + ")"
		case 12:
			return "pow(" + pos() + ", " + g.pick("0.5", "2", "-1") + ")"
		default:
			return "(" + pos() + " ** " + g.pick("0.5", "2", "3") + ")"
		}
	}
	switch g.r.IntN(15) {
	case 0, 1:
		return "(" + g.num(d) + " " + g.pick("+", "-", "*", "/", "%", "**") + " " + g.num(d) + ")"
	case 2:
		return "-" + g.num(d)
	case 3:
		return "(" + g.boolean(d) + " ? " + g.num(d) + " : " + g.num(d) + ")"
	case 4:
		return g.pick("log", "log10", "sqrt", "exp", "abs", "floor", "ceil", "round") + "(" + g.num(d) + ")"
	case 5:
		return g.pick("min", "max") + "(" + g.num(d) + ", " + g.num(d) + ")"
	case 6:
		return "clamp(" + g.num(d) + ", " + g.num(d) + ", " + g.num(d) + ")"
	case 7:
		return "clamp(" + g.num(d) + ", 0, 1)"
	case 8:
		return g.pick("ratio", "pow") + "(" + g.num(d) + ", " + g.num(d) + ")"
	case 9:
		return "(" + g.num(d) + " ?? " + g.num(d) + ")"
	case 10:
		return "coalesce(" + g.num(d) + ", " + g.num(d) + ", " + g.num(d) + ")"
	case 11:
		return "(" + g.num(d) + " " + g.pick("+", "-", "*", "/") + " " + g.pick("0", "2", "0.5") + ")"
	case 12:
		return "(" + g.pick("0", "1", "2") + " " + g.pick("-", "/") + " " + g.num(d) + ")"
	case 13:
		return g.pick("min", "max") + "(" + g.num(d) + ", 1)"
	default:
		return "(" + g.num(d) + " " + g.pick("+", "-", "*", "/") + " " + g.num(d) + ")"
	}
}

func (g *exprGen) boolean(depth int) string {
	d := depth - 1
	if depth <= 0 {
		return "(" + g.pick(genMetrics...) + " > " + g.pick("0", "1", "2") + ")"
	}
	n := 9
	if g.safe {
		n = 8 // has() is not meaningful without missing values in the VM
	}
	switch g.r.IntN(n) {
	case 0, 1:
		return "(" + g.num(d) + " " + g.pick("<", "<=", ">", ">=", "==", "!=") + " " + g.num(d) + ")"
	case 2:
		return "(" + g.boolean(d) + " " + g.pick("and", "or", "&&", "||", "==", "!=") + " " + g.boolean(d) + ")"
	case 3:
		return "not " + g.boolean(d)
	case 4:
		return "(" + g.num(d) + " in [1, 2, 3.5])"
	case 5:
		return `(subject.kind ` + g.pick("==", "!=") + ` "gov")`
	case 6:
		return `(subject.region in ["r0", "x"])`
	case 7:
		return "(" + g.boolean(d) + " ? " + g.boolean(d) + " : " + g.boolean(d) + ")"
	default:
		return "has(" + g.num(d) + ")"
	}
}

// randomData makes n subjects with metrics a, b, c, d in 2024 and a, b in
// 2023. Unsafe data holds zeros, negatives, huge values and missing ones.
func randomData(r *rand.Rand, n int, safe bool) map[string][]float64 {
	vals := []float64{0, 1, -1, 2, 2.5, -3, 0.5, -0.5, 7, 100, 1e308, -1e308, nanv, nanv, 1e-300}
	if safe {
		vals = []float64{1, 2, 2.5, 3, 0.5, 7, 100, 1.25}
	}
	cols := map[string][]float64{}
	for _, k := range []string{"a@2024", "b@2024", "c@2024", "d@2024", "a@2023", "b@2023"} {
		col := make([]float64, n)
		for i := range col {
			col[i] = vals[r.IntN(len(vals))]
		}
		cols[k] = col
	}
	return cols
}

// TestColumnMatchesScalar evaluates random expressions over random data
// with the column evaluator and the scalar one: values must be identical,
// and a subject must get a warning exactly when the scalar evaluation
// records an event.
func TestColumnMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = blockSize + 300
	for round := 0; round < 40; round++ {
		g := &exprGen{r: r}
		ds := testData(n, []string{"gov", "party"}, randomData(r, n, false))
		var leaves []string
		for i := 0; i < 10; i++ {
			x := g.num(4)
			if i%3 == 2 {
				x = "(" + g.boolean(4) + " ? 1 : 0)"
			}
			leaves = append(leaves, fmt.Sprintf("l%d: %s", i, x))
		}
		checkColumnVsScalar(t, fmt.Sprint("round ", round), ds, leaves, "w: "+g.boolean(4))
	}
}

// checkColumnVsScalar compiles leaves ("id: expr") and a condition
// ("id: expr", may be "") and evaluates them over ds in 2024 with the column
// evaluator and the scalar one: values must be identical, and a subject
// must get a warning exactly when the scalar evaluation records an event.
// It returns the plan.
func checkColumnVsScalar(t *testing.T, label string, ds *dataset.Dataset, leaves []string, when string) *Plan {
	t.Helper()
	sp := spec{leaves: leaves}
	if when != "" {
		sp.when = []string{when}
	}
	p, err := Compile(sp.build(), Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames})
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	v, err := p.Evaluate(context.Background(), ds, mustPeriod("2024"))
	if err != nil {
		t.Fatal(err)
	}
	compareColumnScalar(t, label, p, ds, v)
	return p
}

// compareColumnScalar checks the evaluation v of plan p over ds in 2024
// (leaves and conditions) against the scalar evaluator, value by value
// and warning by warning.
func compareColumnScalar(t *testing.T, label string, p *Plan, ds *dataset.Dataset, v *Values) {
	t.Helper()
	n := ds.Len()
	period := mustPeriod("2024")
	warned := map[string]bool{}
	for _, w := range v.Warnings {
		warned[w.Node+"/"+w.Subject] = true
	}
	e := &evaluation{plan: p, ds: ds, n: n, attrs: map[string][]string{}, period: period,
		memo: map[derivedKey][]float64{}, groupMemo: map[groupKey][]float64{}}
	e.setGroups(v.RatedWhen)
	e.nanCol = make([]float64, n)
	for i := range e.nanCol {
		e.nanCol[i] = nanv
	}
	all := make([]int, len(p.inputs))
	for i := range all {
		all[i] = i
	}
	env, err := e.env(context.Background(), period, all)
	if err != nil {
		t.Fatal(err)
	}
	progs := append([]*program(nil), p.leaves...)
	cols := append([][]float64(nil), v.Leaves...)
	for i, w := range p.when {
		if w != nil {
			progs, cols = append(progs, w), append(cols, v.When[i])
		}
	}
	for k, pr := range progs {
		for s := 0; s < n; s++ {
			sc := &scalar{env: rowEnv{env, s}}
			want := sc.eval(pr.root)
			got := cols[k][s]
			if math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
				t.Fatalf("%s, %s = %s, subject %d: column %v, scalar %v", label, pr.id, pr.text, s, got, want)
			}
			if (sc.ev != evNone) != warned[pr.id+"/"+ds.Subjects[s].ID] {
				t.Fatalf("%s, %s = %s, subject %d: scalar event %q, warned %v", label, pr.id, pr.text, s,
					sc.ev.message(sc.evOp), warned[pr.id+"/"+ds.Subjects[s].ID])
			}
		}
	}
}

// vmOptions declares this package's environment and functions to
// expr-lang, for running expressions on its own VM.
func vmOptions(env any) []expr.Option {
	opts := []expr.Option{expr.Env(env)}
	opts = append(opts, func(c *conf.Config) { declareFuncs(c) })
	return opts
}

// TestMatchesExprVM runs random expressions without missing values or
// non-finite results through expr-lang's VM and through Evaluate.
func TestMatchesExprVM(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 50
	for round := 0; round < 30; round++ {
		g := &exprGen{r: r, safe: true}
		ds := testData(n, []string{"gov", "party"}, randomData(r, n, true))
		var leaves, texts []string
		for i := 0; i < 10; i++ {
			x := g.num(4)
			if i == 9 {
				x = "(" + g.boolean(3) + " ? 1 : 0)"
			}
			texts = append(texts, x)
			leaves = append(leaves, fmt.Sprintf("l%d: %s", i, x))
		}
		p, err := Compile(spec{leaves: leaves}.build(), Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames})
		if err != nil {
			t.Fatal(err)
		}
		period := mustPeriod("2024")
		v, err := p.Evaluate(context.Background(), ds, period)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Warnings) > 0 {
			t.Fatalf("unexpected warnings %v", v.Warnings)
		}
		for i, text := range texts {
			env := func(s int) map[string]any {
				col := func(m, per string) float64 { return ds.Column(m, mustPeriod(per))[s] }
				sub := ds.Subjects[s]
				return map[string]any{
					"a": col("a", "2024"), "b": col("b", "2024"), "c": col("c", "2024"), "d": col("d", "2024"),
					"prev":    map[string]float64{"a": col("a", "2023"), "b": col("b", "2023")},
					"subject": map[string]string{"kind": sub.Kind, "region": attrOf(sub, "region")},
					"period":  "2024",
				}
			}
			prog, err := expr.Compile(text, vmOptions(env(0))...)
			if err != nil {
				t.Fatalf("expr.Compile(%s): %v", text, err)
			}
			for s := 0; s < n; s++ {
				out, err := expr.Run(prog, env(s))
				if err != nil {
					t.Fatalf("expr.Run(%s): %v", text, err)
				}
				want := vmValue(out)
				if got := v.Leaves[i][s]; !close(got, want) {
					t.Fatalf("%s, subject %d: govscore %v, expr VM %v", text, s, got, want)
				}
			}
		}
	}
}

// TestGeneratorCoversOps makes sure the random expressions exercise every
// op of the language.
func TestGeneratorCoversOps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[op]bool{}
	g := &exprGen{r: r}
	var leaves []string
	for i := 0; i < 400; i++ {
		x := g.num(4)
		if i%2 == 1 {
			x = "(" + g.boolean(4) + " ? 1 : 0)"
		}
		leaves = append(leaves, fmt.Sprintf("l%d: %s", i, x))
	}
	p, err := Compile(spec{leaves: leaves}.build(), Schema{Metrics: []string{"a", "b", "c", "d"}, Attrs: []string{"region"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range p.leaves {
		pr.root.walk(func(n *node) {
			if n.kind == nOp {
				seen[n.op] = true
			}
		})
	}
	var missing []string
	for o := opNeg; o <= opStrIn; o++ {
		if !seen[o] {
			missing = append(missing, opNames[o]+fmt.Sprint(o))
		}
	}
	if len(missing) > 0 {
		t.Errorf("ops never generated: %s", strings.Join(missing, " "))
	}
}

// attrOf returns the attribute name of s, "" when it has none.
func attrOf(s dataset.Subject, name string) string {
	v, _ := s.Attr(name)
	return v
}
