package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/govscore/govscore/dataset"
)

// benchFormulas are realistic governance indicators: rates, ratios per 10k
// population, year-on-year change, goalposts, ternaries, defaults.
var benchFormulas = []string{
	"disputes_resolved / disputes_received",
	"complaints / population * 10000",
	"(disputes_received - prev.disputes_received) / prev.disputes_received * 100",
	"clamp((disputes_resolved / disputes_received - 0.6) / (0.98 - 0.6), 0, 1) * 100",
	"spend / budget > 1.1 ? 0 : 100",
	"awards ?? 0",
	"coalesce(awards, prev.awards, 0) * 1.5",
	"log(population)",
	"min(training_hours / staff, 40)",
	"max(0, 100 - incidents / population * 100000)",
	"services_online / services_total * 100",
	"petitions_ontime / petitions * 100",
	"cases_closed / cases_total >= 0.9 ? 100 : cases_closed / cases_total * 100",
	"satisfaction - prev.satisfaction",
	"spend / population",
	"log10(budget / population + 1)",
	"round(attendance / meetings * 100)",
	"has(awards) ? 1 : 0",
	"abs(spend - budget) / budget",
	"complaints_closed / complaints * 0.7 + disputes_resolved / disputes_received * 0.3",
	"sqrt(area) / population * 1000",
	"min(max((staff / population * 10000 - 2) / 8, 0), 1)",
}

var benchMetrics = []string{"population", "disputes_received", "disputes_resolved", "complaints", "complaints_closed",
	"budget", "spend", "staff", "training_hours", "incidents", "awards", "satisfaction", "services_online",
	"services_total", "petitions", "petitions_ontime", "cases_closed", "cases_total", "attendance", "meetings", "area"}

// benchData makes n subjects with every metric in 2024 and some in 2023;
// awards is missing for about a third of the subjects.
func benchData(n int) *dataset.Dataset {
	r := rand.New(rand.NewPCG(7, 8))
	subs := make([]dataset.Subject, n)
	for i := range subs {
		subs[i] = dataset.Subject{ID: fmt.Sprintf("s%06d", i), Kind: "gov"}
	}
	ds := dataset.New(subs, nil)
	y24, y23 := mustPeriod("2024"), mustPeriod("2023")
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	for i := 0; i < n; i++ {
		pop := u(1000, 500000)
		recv := u(10, 2000)
		budget := u(1e5, 1e8)
		staff := u(5, 500)
		vals := map[string]float64{
			"population": pop, "disputes_received": recv, "disputes_resolved": recv * u(0.4, 1),
			"complaints": u(1, 5000), "budget": budget, "spend": budget * u(0.7, 1.3), "staff": staff,
			"training_hours": staff * u(0, 80), "incidents": u(0, 50), "satisfaction": u(50, 100),
			"services_online": u(0, 200), "services_total": u(200, 300), "petitions": u(10, 900),
			"cases_total": u(10, 1000), "attendance": u(10, 100), "meetings": u(100, 120), "area": u(1, 5000),
			"awards": math.NaN(),
		}
		vals["complaints_closed"] = vals["complaints"] * u(0.3, 1)
		vals["petitions_ontime"] = vals["petitions"] * u(0.5, 1)
		vals["cases_closed"] = vals["cases_total"] * u(0.5, 1)
		if r.IntN(3) > 0 {
			vals["awards"] = float64(r.IntN(4))
		}
		for m, v := range vals {
			ds.MutableColumn(m, y24)[i] = v
		}
		ds.MutableColumn("disputes_received", y23)[i] = recv * u(0.8, 1.2)
		ds.MutableColumn("satisfaction", y23)[i] = u(50, 100)
		prevAwards := math.NaN()
		if r.IntN(2) == 0 {
			prevAwards = float64(r.IntN(3))
		}
		ds.MutableColumn("awards", y23)[i] = prevAwards
	}
	return ds
}

// benchGovscore compiles the formulas as leaves.
func benchGovscore(tb testing.TB, ds *dataset.Dataset) *Plan {
	var leaves []string
	for i, f := range benchFormulas {
		leaves = append(leaves, fmt.Sprintf("f%02d: %s", i, f))
	}
	p, err := Compile(spec{leaves: leaves}.build(), Schema{Metrics: ds.Metrics()})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// vmEnv is the environment of expr-lang's VM: one struct per subject.
type vmEnv struct {
	Population       float64 `expr:"population"`
	DisputesReceived float64 `expr:"disputes_received"`
	DisputesResolved float64 `expr:"disputes_resolved"`
	Complaints       float64 `expr:"complaints"`
	ComplaintsClosed float64 `expr:"complaints_closed"`
	Budget           float64 `expr:"budget"`
	Spend            float64 `expr:"spend"`
	Staff            float64 `expr:"staff"`
	TrainingHours    float64 `expr:"training_hours"`
	Incidents        float64 `expr:"incidents"`
	Awards           any     `expr:"awards"` // nil = missing
	Satisfaction     float64 `expr:"satisfaction"`
	ServicesOnline   float64 `expr:"services_online"`
	ServicesTotal    float64 `expr:"services_total"`
	Petitions        float64 `expr:"petitions"`
	PetitionsOntime  float64 `expr:"petitions_ontime"`
	CasesClosed      float64 `expr:"cases_closed"`
	CasesTotal       float64 `expr:"cases_total"`
	Attendance       float64 `expr:"attendance"`
	Meetings         float64 `expr:"meetings"`
	Area             float64 `expr:"area"`
	Prev             vmPrev  `expr:"prev"`
}

type vmPrev struct {
	DisputesReceived float64 `expr:"disputes_received"`
	Satisfaction     float64 `expr:"satisfaction"`
	Awards           any     `expr:"awards"`
}

// benchVM compiles the formulas for expr-lang's VM and returns a function
// running them for every subject into out.
func benchVM(tb testing.TB, ds *dataset.Dataset) func(out [][]float64) {
	progs := make([]*vm.Program, len(benchFormulas))
	for i, f := range benchFormulas {
		p, err := expr.Compile(f, vmOptions(vmEnv{})...)
		if err != nil {
			tb.Fatal(err)
		}
		progs[i] = p
	}
	y24, y23 := mustPeriod("2024"), mustPeriod("2023")
	col := func(m string, p dataset.Period) []float64 { return ds.Column(m, p) }
	c := map[string][]float64{}
	for _, m := range benchMetrics {
		c[m] = col(m, y24)
	}
	prevRecv, prevSat, prevAwards := col("disputes_received", y23), col("satisfaction", y23), col("awards", y23)
	opt := func(x float64) any {
		if x != x {
			return nil
		}
		return x
	}
	return func(out [][]float64) {
		var machine vm.VM
		env := &vmEnv{}
		for s := 0; s < ds.Len(); s++ {
			*env = vmEnv{
				Population: c["population"][s], DisputesReceived: c["disputes_received"][s],
				DisputesResolved: c["disputes_resolved"][s], Complaints: c["complaints"][s],
				ComplaintsClosed: c["complaints_closed"][s], Budget: c["budget"][s], Spend: c["spend"][s],
				Staff: c["staff"][s], TrainingHours: c["training_hours"][s], Incidents: c["incidents"][s],
				Awards: opt(c["awards"][s]), Satisfaction: c["satisfaction"][s],
				ServicesOnline: c["services_online"][s], ServicesTotal: c["services_total"][s],
				Petitions: c["petitions"][s], PetitionsOntime: c["petitions_ontime"][s],
				CasesClosed: c["cases_closed"][s], CasesTotal: c["cases_total"][s],
				Attendance: c["attendance"][s], Meetings: c["meetings"][s], Area: c["area"][s],
				Prev: vmPrev{DisputesReceived: prevRecv[s], Satisfaction: prevSat[s], Awards: opt(prevAwards[s])},
			}
			for i, p := range progs {
				r, err := machine.Run(p, env)
				if err != nil {
					panic(err)
				}
				out[i][s] = vmValue(r)
			}
		}
	}
}

// native computes the formulas with hand-written loops.
func native(ds *dataset.Dataset, out [][]float64) {
	y24, y23 := mustPeriod("2024"), mustPeriod("2023")
	col := func(m string) []float64 { return ds.Column(m, y24) }
	pop, recv, res := col("population"), col("disputes_received"), col("disputes_resolved")
	compl, complC, budget, spend := col("complaints"), col("complaints_closed"), col("budget"), col("spend")
	staff, train, inc, awards, sat := col("staff"), col("training_hours"), col("incidents"), col("awards"), col("satisfaction")
	sOn, sTot, pet, petOn := col("services_online"), col("services_total"), col("petitions"), col("petitions_ontime")
	cC, cT, att, meet, area := col("cases_closed"), col("cases_total"), col("attendance"), col("meetings"), col("area")
	pRecv, pSat, pAwards := ds.Column("disputes_received", y23), ds.Column("satisfaction", y23), ds.Column("awards", y23)
	n := ds.Len()
	for s := 0; s < n; s++ {
		out[0][s] = res[s] / recv[s]
	}
	for s := 0; s < n; s++ {
		out[1][s] = compl[s] / pop[s] * 10000
	}
	for s := 0; s < n; s++ {
		out[2][s] = (recv[s] - pRecv[s]) / pRecv[s] * 100
	}
	for s := 0; s < n; s++ {
		out[3][s] = min(max((res[s]/recv[s]-0.6)/(0.98-0.6), 0), 1) * 100
	}
	for s := 0; s < n; s++ {
		if spend[s]/budget[s] > 1.1 {
			out[4][s] = 0
		} else {
			out[4][s] = 100
		}
	}
	for s := 0; s < n; s++ {
		a := awards[s]
		if a != a {
			a = 0
		}
		out[5][s] = a
	}
	for s := 0; s < n; s++ {
		a := awards[s]
		if a != a {
			a = pAwards[s]
		}
		if a != a {
			a = 0
		}
		out[6][s] = a * 1.5
	}
	for s := 0; s < n; s++ {
		out[7][s] = math.Log(pop[s])
	}
	for s := 0; s < n; s++ {
		out[8][s] = min(train[s]/staff[s], 40)
	}
	for s := 0; s < n; s++ {
		out[9][s] = max(0, 100-inc[s]/pop[s]*100000)
	}
	for s := 0; s < n; s++ {
		out[10][s] = sOn[s] / sTot[s] * 100
	}
	for s := 0; s < n; s++ {
		out[11][s] = petOn[s] / pet[s] * 100
	}
	for s := 0; s < n; s++ {
		r := cC[s] / cT[s]
		if r >= 0.9 {
			out[12][s] = 100
		} else {
			out[12][s] = r * 100
		}
	}
	for s := 0; s < n; s++ {
		out[13][s] = sat[s] - pSat[s]
	}
	for s := 0; s < n; s++ {
		out[14][s] = spend[s] / pop[s]
	}
	for s := 0; s < n; s++ {
		out[15][s] = math.Log10(budget[s]/pop[s] + 1)
	}
	for s := 0; s < n; s++ {
		out[16][s] = math.Round(att[s] / meet[s] * 100)
	}
	for s := 0; s < n; s++ {
		out[17][s] = b2f(awards[s] == awards[s])
	}
	for s := 0; s < n; s++ {
		out[18][s] = math.Abs(spend[s]-budget[s]) / budget[s]
	}
	for s := 0; s < n; s++ {
		out[19][s] = complC[s]/compl[s]*0.7 + res[s]/recv[s]*0.3
	}
	for s := 0; s < n; s++ {
		out[20][s] = math.Sqrt(area[s]) / pop[s] * 1000
	}
	for s := 0; s < n; s++ {
		out[21][s] = min(max((staff[s]/pop[s]*10000-2)/8, 0), 1)
	}
}

func newOut(k, n int) [][]float64 {
	out := make([][]float64, k)
	for i := range out {
		out[i] = make([]float64, n)
	}
	return out
}

// TestBenchFormulasAgree checks that the evaluator, expr-lang's VM and the
// hand-written loops compute the same numbers.
func TestBenchFormulasAgree(t *testing.T) {
	const n = 3000
	ds := benchData(n)
	p := benchGovscore(t, ds)
	v, err := p.Evaluate(context.Background(), ds, mustPeriod("2024"))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Warnings) > 0 {
		t.Fatalf("warnings: %v", v.Warnings)
	}
	vmOut, natOut := newOut(len(benchFormulas), n), newOut(len(benchFormulas), n)
	benchVM(t, ds)(vmOut)
	native(ds, natOut)
	for i, f := range benchFormulas {
		for s := 0; s < n; s++ {
			g, x, y := v.Leaves[i][s], vmOut[i][s], natOut[i][s]
			if !close(g, x) || !close(g, y) {
				t.Fatalf("%s, subject %d: govscore %v, exprvm %v, native %v", f, s, g, x, y)
			}
		}
	}
}

// BenchmarkEval compares, over 100k subjects and the formulas above, this
// package's evaluator (in parallel as Evaluate runs, and on one goroutine),
// expr-lang's VM run per subject, and hand-written Go loops.
func BenchmarkEval(b *testing.B) {
	const n = 100_000
	ds := benchData(n)
	period := mustPeriod("2024")
	p := benchGovscore(b, ds)
	b.Run("govscore", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.Evaluate(context.Background(), ds, period); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("govscore-serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.EvaluateWith(context.Background(), ds, period, Options{Parallelism: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("exprvm", func(b *testing.B) {
		run := benchVM(b, ds)
		out := newOut(len(benchFormulas), n)
		for b.Loop() {
			run(out)
		}
	})
	b.Run("native", func(b *testing.B) {
		for b.Loop() {
			native(ds, newOut(len(benchFormulas), n))
		}
	})
}
