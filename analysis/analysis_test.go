package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
	"github.com/govscore/govscore/scoring"
)

const tol = 1e-9

// near reports whether a and b agree within tol (NaN equals NaN).
func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// mustParse parses an indicator set or fails the test.
func mustParse(t testing.TB, src string) *indicators.Set {
	t.Helper()
	set, err := indicators.Parse("set.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// score scores raw columns for subjects s1…sn of kind a.
func score(t testing.TB, set *indicators.Set, raw [][]float64) (scoring.Input, *scoring.Result) {
	t.Helper()
	n := len(raw[0])
	in := scoring.Input{Set: set, Raw: raw}
	for i := range n {
		in.Subjects = append(in.Subjects, dataset.Subject{ID: fmt.Sprintf("s%d", i+1), Name: "x", Kind: "a"})
	}
	res, err := scoring.Score(in)
	if err != nil {
		t.Fatal(err)
	}
	return in, res
}

const smallSet = `govscore: 1
id: small
kinds: [a]
tree:
  - id: d
    weight: 2
    children:
      - {id: x, expr: "x"}
      - {id: y, expr: "y"}
      - {id: flat, expr: "flat", normalize: none}
  - id: e
    children:
      - {id: z, expr: "z", normalize: rank}
`

func smallRaw() [][]float64 {
	return [][]float64{
		{1, 2, 3, 4, 5, 6},       // x
		{2, 4, 6, 8, 10, 12.5},   // y ≈ 2x: collinear with x
		{50, 50, 50, 50, 50, 51}, // flat: low variance
		{6, 1, 5, 2, 4, 3},       // z
	}
}

func TestAnalyseSmall(t *testing.T) {
	set := mustParse(t, smallSet)
	in, res := score(t, set, smallRaw())
	rep, err := Analyse(context.Background(), in, res, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 1 || rep.Uncertainty != nil {
		t.Fatalf("report %+v", rep)
	}
	g := rep.Groups[0]
	if strings.Join(g.Leaves, ",") != "x,y,flat,z" || g.Rated != 6 {
		t.Fatalf("leaves %v rated %d", g.Leaves, g.Rated)
	}
	// The matrices equal mcda.CorrMatrix of the leaf values.
	var cols [][]float64
	for l := range set.Leaves {
		c := make([]float64, 6)
		for i := range c {
			c[i] = res.Cells[l].At(i).Value
		}
		cols = append(cols, c)
	}
	for _, m := range []struct {
		name string
		got  [][]Num
		want [][]float64
	}{
		{"pearson", g.Pearson, mcda.CorrMatrix(cols, mcda.CorrPearson)},
		{"spearman", g.Spearman, mcda.CorrMatrix(cols, mcda.CorrSpearman)},
	} {
		for i := range m.want {
			for j := range m.want[i] {
				if !near(float64(m.got[i][j]), m.want[i][j]) {
					t.Errorf("%s[%d][%d] = %v, want %v", m.name, i, j, m.got[i][j], m.want[i][j])
				}
			}
		}
	}
	byID := map[string]Node{}
	for _, n := range g.Nodes {
		byID[n.ID] = n
	}
	if len(g.Nodes) != 6 {
		t.Fatalf("nodes %+v", g.Nodes)
	}
	// Collinear x, y; flat has low variance, z does not.
	if len(g.Collinear) != 1 || g.Collinear[0].A != "x" || g.Collinear[0].B != "y" || !(g.Collinear[0].R > 0.99) {
		t.Errorf("collinear %+v", g.Collinear)
	}
	if !byID["flat"].LowVariance || byID["z"].LowVariance || byID["x"].LowVariance {
		t.Errorf("low variance flags wrong: %+v", g.Nodes)
	}
	// Cronbach's alpha of d over (x, y, flat) values.
	rows := make([][]float64, 6)
	for i := range rows {
		rows[i] = []float64{cols[0][i], cols[1][i], cols[2][i]}
	}
	if a := byID["d"].Alpha; a == nil || !near(float64(*a), mcda.CronbachAlpha(rows)) {
		t.Errorf("alpha %v, want %v", a, mcda.CronbachAlpha(rows))
	}
	// Weights and effective weights: d has 2/3 of the score, split equally.
	if w := byID["d"].Weights; len(w) != 3 || !near(float64(w[0]), 1.0/3) {
		t.Errorf("weights %v", w)
	}
	if !near(float64(byID["x"].EffectiveWeight), 2.0/9) || !near(float64(byID["e"].EffectiveWeight), 1.0/3) {
		t.Errorf("effective weights x %v e %v", byID["x"].EffectiveWeight, byID["e"].EffectiveWeight)
	}
	// Parent correlations: e is z's only child → r = 1 with e; e with score.
	if !near(float64(byID["z"].ParentPearson), 1) || byID["e"].Parent != "" || byID["z"].Parent != "e" {
		t.Errorf("z/e parent %+v %+v", byID["z"], byID["e"])
	}
	// Leave-one-out against re-scoring without the leaf (weight 0).
	for l, leaf := range set.Leaves {
		shift := byID[leaf.ID].LeaveOneOut
		if shift == nil {
			t.Fatalf("%s: no leave-one-out", leaf.ID)
		}
		orig := leaf.Weight
		leaf.Weight = 0
		alt, err := scoring.Score(in)
		leaf.Weight = orig
		if err != nil {
			t.Fatal(err)
		}
		mx, sum := 0, 0
		for i := range alt.Subjects {
			d := alt.Subjects[i].Rank - res.Subjects[i].Rank
			if !alt.Subjects[i].Rated {
				d = 7 - res.Subjects[i].Rank // missing ranks last
			}
			mx, sum = max(mx, abs(d)), sum+abs(d)
		}
		if shift.Max != mx || !near(float64(shift.Mean), float64(sum)/6) {
			t.Errorf("%s (leaf %d): shift %+v, want max %d mean %v", leaf.ID, l, *shift, mx, float64(sum)/6)
		}
	}
	// The collinear pair is a methodology warning.
	if !hasWarning(rep.Warnings, `"x" and "y" are collinear`) {
		t.Errorf("warnings %v", rep.Warnings)
	}
	js, err := rep.JSON()
	if err != nil || !bytes.Contains(js, []byte(`"collinear"`)) {
		t.Errorf("JSON: %v\n%s", err, js)
	}
}

// hasWarning reports whether a warning contains text.
func hasWarning(ws []diag.Warning, text string) bool {
	for _, w := range ws {
		if strings.Contains(w.String(), text) {
			return true
		}
	}
	return false
}

func TestNumJSON(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{{math.NaN(), "null"}, {math.Inf(1), "null"}, {0.1, "0.1"}, {-2, "-2"}, {1e21, "1e+21"}} {
		b, err := Num(tc.x).MarshalJSON()
		if err != nil || string(b) != tc.want {
			t.Errorf("%v → %s (%v), want %s", tc.x, b, err, tc.want)
		}
	}
}

func TestLowVariance(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		want bool
	}{
		{"spread", []float64{0, 50, 100}, false},
		{"tiny sd", []float64{50, 50.1, 50.2, math.NaN()}, true},
		{"modal", []float64{100, 100, 100, 100, 100, 100, 100, 100, 100, 0}, true},
		{"one value", []float64{3, math.NaN()}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lowVariance(tc.x, 100); got != tc.want {
				t.Errorf("lowVariance = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCorrMatrixMatchesMCDA(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cols := make([][]float64, 6)
	for j := range cols {
		cols[j] = make([]float64, 40)
		for i := range cols[j] {
			cols[j][i] = float64(r.IntN(10))
			if j%2 == 1 && r.IntN(8) == 0 {
				cols[j][i] = math.NaN()
			}
		}
	}
	for i := range cols[5] {
		cols[5][i] = 7 // constant
	}
	for _, sp := range []bool{false, true} {
		m := mcda.CorrPearson
		if sp {
			m = mcda.CorrSpearman
		}
		want := mcda.CorrMatrix(cols, m)
		got := corrMatrix(cols, sp)
		for i := range want {
			for j := range want[i] {
				if !near(got[i][j], want[i][j]) {
					t.Errorf("%v [%d][%d] = %v, want %v", m, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

const uncertainSet = `govscore: 1
id: unc
kinds: [a]
scale: [0, 100]
tree:
  - id: d
    weight: 2
    children:
      - {id: x, expr: "x"}
      - {id: y, expr: "y", weight: 3}
  - id: e
    children:
      - {id: z, expr: "z"}
      - {id: w, expr: "w", normalize: {method: goalpost, low: 0, high: 10}}
uncertainty:
  weight_noise: 0.3
  alternatives: {normalize: [minmax, rank, zscore], aggregate: [arithmetic, topsis, gra]}
`

func uncertainRaw(n int) [][]float64 {
	r := rand.New(rand.NewPCG(9, 9))
	raw := make([][]float64, 4)
	for l := range raw {
		raw[l] = make([]float64, n)
		for i := range raw[l] {
			raw[l][i] = r.Float64() * 10
		}
	}
	return raw
}

func TestUncertaintyDeterministic(t *testing.T) {
	set := mustParse(t, uncertainSet)
	in, res := score(t, set, uncertainRaw(60))
	var first []byte
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, procs := range []int{1, 2, 4} {
		for _, workers := range []int{0, 1, 3} {
			runtime.GOMAXPROCS(procs)
			rep, err := Analyse(context.Background(), in, res, Options{Replications: 64, Seed: 42, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			js, err := rep.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = js
				continue
			}
			if !bytes.Equal(js, first) {
				t.Fatalf("GOMAXPROCS %d, workers %d: report differs", procs, workers)
			}
		}
	}
	rep, err := Analyse(context.Background(), in, res, Options{Replications: 64, Seed: 43})
	if err != nil {
		t.Fatal(err)
	}
	if js, _ := rep.JSON(); bytes.Equal(js, first) {
		t.Error("another seed gives the same report")
	}
	u := rep.Uncertainty
	if u.Replications != 64 || len(u.Subjects) != 60 || u.WeightNoise != 0.3 || len(u.Aggregate) != 3 {
		t.Fatalf("uncertainty %+v", u)
	}
	spread := false
	for _, b := range u.Subjects {
		if !(b.P05 <= b.Median && b.Median <= b.P95) || b.P05 < 1 || b.P95 > 60 {
			t.Errorf("band %+v out of order", b)
		}
		spread = spread || b.P95 > b.P05
	}
	if !spread {
		t.Error("no subject's rank varies")
	}
}

func TestUncertaintyNominal(t *testing.T) {
	// No noise, no alternatives: every replication is the nominal model.
	set := mustParse(t, strings.Replace(uncertainSet, `  weight_noise: 0.3
  alternatives: {normalize: [minmax, rank, zscore], aggregate: [arithmetic, topsis, gra]}`, "  weight_noise: 0", 1))
	in, res := score(t, set, uncertainRaw(30))
	rep, err := Analyse(context.Background(), in, res, Options{Replications: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range rep.Uncertainty.Subjects {
		nom := Num(b.Nominal)
		if b.Median != nom || b.P05 != nom || b.P95 != nom || b.TiedCount != 0 || len(b.Tied) != 0 || b.Unscored != 0 {
			t.Errorf("band %+v, want the nominal rank with no tie", b)
		}
	}
}

func TestTied(t *testing.T) {
	// Four subjects with intervals [1,2], [1.5,3], [3,4], [5,5].
	set := mustParse(t, smallSet)
	in, res := score(t, set, smallRaw())
	u := &Uncertainty{}
	pos := map[int]int{}
	bounds := map[string][2]float64{"s1": {1, 2}, "s2": {1.5, 3}, "s3": {3, 4}, "s4": {5, 5}, "s5": {5, 6}, "s6": {10, 12}}
	for _, i := range res.Order {
		id := in.Subjects[i].ID
		bd := bounds[id]
		pos[i] = len(u.Subjects)
		u.Subjects = append(u.Subjects, Band{Group: res.Groups[0].Label, Subject: id, Nominal: res.Subjects[i].Rank, P05: Num(bd[0]), P95: Num(bd[1])})
	}
	tied(u, res, in, 0, pos)
	want := map[string]string{"s1": "s2", "s2": "s1,s3", "s3": "s2", "s4": "s5", "s5": "s4", "s6": ""}
	for _, b := range u.Subjects {
		got := map[string]bool{}
		for _, s := range b.Tied {
			got[s] = true
		}
		var exp []string
		if want[b.Subject] != "" {
			exp = strings.Split(want[b.Subject], ",")
		}
		if b.TiedCount != len(exp) || len(b.Tied) != len(exp) {
			t.Errorf("%s: tied %v (count %d), want %v", b.Subject, b.Tied, b.TiedCount, exp)
			continue
		}
		for _, s := range exp {
			if !got[s] {
				t.Errorf("%s: tied %v, want %v", b.Subject, b.Tied, exp)
			}
		}
	}
}

func TestAnalyseCancelled(t *testing.T) {
	set := mustParse(t, uncertainSet)
	in, res := score(t, set, uncertainRaw(20))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Analyse(ctx, in, res, Options{Replications: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := Analyse(context.Background(), scoring.Input{}, res, Options{}); err == nil {
		t.Error("invalid input accepted")
	}
}

func TestMethodology(t *testing.T) {
	src := `govscore: 1
id: meth
kinds: [a]
scale: [0, 100]
tree:
  - id: d
    weighting: {method: entropy}
    children:
      - {id: x, expr: "x"}
      - {id: y, expr: "y"}
  - id: e
    aggregate: geometric
    weighting: {method: ahp, max_cr: 0.04, matrix: [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]}
    children:
      - {id: z, expr: "z", normalize: {method: goalpost, low: -10, high: 10}}
      - {id: u, expr: "u", normalize: {method: goalpost, low: -10, high: 10}}
      - {id: v, expr: "v", normalize: {method: goalpost, low: -10, high: 10}}
uncertainty: {alternatives: {aggregate: [arithmetic, geometric]}}
`
	set := mustParse(t, src)
	raw := [][]float64{{1, 2, 3, 4, 5}, {5, 3, 4, 1, 2}, {1, 2, 3, 4, 5}, {2, 2, 3, 4, 5}, {3, 2, 3, 4, 5}}
	in, res := score(t, set, raw)
	ws := Methodology(set, res, nil)
	for _, want := range []string{
		"entropy weights computed from 5 subjects",
		"AHP consistency ratio CR = 0.033 is close to the limit max_cr = 0.04",
		"geometric aggregation over a scale starting at 0",
		"the uncertainty alternatives include geometric aggregation",
	} {
		if !hasWarning(ws, want) {
			t.Errorf("no warning %q in %v", want, ws)
		}
	}
	_ = in
	// A consistent AHP, arithmetic everywhere, enough subjects: no warning.
	quiet := mustParse(t, smallSet)
	_, res = score(t, quiet, smallRaw())
	if ws := Methodology(quiet, res, nil); len(ws) != 0 {
		t.Errorf("warnings %v", ws)
	}
}

// funcResampler adapts a function to Resampler.
type funcResampler func(ctx context.Context, rng *rand.Rand, in scoring.Input) (scoring.Input, error)

func (f funcResampler) Resample(ctx context.Context, rng *rand.Rand, in scoring.Input) (scoring.Input, error) {
	return f(ctx, rng, in)
}

// jitter returns a resampler that adds uniform noise in [-d, d] to leaf l's
// raw values (a stand-in for a resampled assessment).
func jitter(l int, d float64) Resampler {
	return funcResampler(func(_ context.Context, rng *rand.Rand, in scoring.Input) (scoring.Input, error) {
		out := in
		out.Raw = append([][]float64(nil), in.Raw...)
		col := make([]float64, len(in.Raw[l]))
		for i, x := range in.Raw[l] {
			col[i] = x + d*(2*rng.Float64()-1)
		}
		out.Raw[l] = col
		return out, nil
	})
}

func TestRaterBootstrap(t *testing.T) {
	noNoise := strings.Replace(uncertainSet, `  weight_noise: 0.3
  alternatives: {normalize: [minmax, rank, zscore], aggregate: [arithmetic, topsis, gra]}`, "  weight_noise: 0", 1)
	identity := funcResampler(func(_ context.Context, _ *rand.Rand, in scoring.Input) (scoring.Input, error) { return in, nil })
	tests := []struct {
		name   string
		set    string
		rsp    Resampler
		check  func(t *testing.T, u *Uncertainty)
		errMsg string
	}{
		{name: "identity-is-nominal", set: noNoise, rsp: identity, check: func(t *testing.T, u *Uncertainty) {
			if !u.RaterBootstrap {
				t.Error("RaterBootstrap not recorded")
			}
			for _, b := range u.Subjects {
				if nom := Num(b.Nominal); b.P05 != nom || b.P95 != nom || b.Unscored != 0 {
					t.Errorf("band %+v, want the nominal rank", b)
				}
			}
		}},
		{name: "resampled-values-spread-ranks", set: noNoise, rsp: jitter(0, 3), check: func(t *testing.T, u *Uncertainty) {
			spread := false
			for _, b := range u.Subjects {
				spread = spread || b.P95 > b.P05
				if !(b.P05 <= b.Median && b.Median <= b.P95) {
					t.Errorf("band %+v out of order", b)
				}
			}
			if !spread {
				t.Error("resampling a leaf moved no rank")
			}
		}},
		{name: "unrated-in-replication-is-unscored", set: strings.Replace(noNoise, "kinds: [a]", "kinds: [a]\nmin_coverage: 1", 1),
			rsp: funcResampler(func(_ context.Context, _ *rand.Rand, in scoring.Input) (scoring.Input, error) {
				out := in
				out.Raw = append([][]float64(nil), in.Raw...)
				out.Raw[0] = append([]float64(nil), in.Raw[0]...)
				out.Raw[0][0] = math.NaN() // s1 loses coverage
				return out, nil
			}), check: func(t *testing.T, u *Uncertainty) {
				for _, b := range u.Subjects {
					if b.Subject == "s1" && (b.Unscored != 10 || b.P05 != Num(len(u.Subjects))) {
						t.Errorf("s1: band %+v, want unscored and last in every replication", b)
					}
					if b.Subject != "s1" && b.Unscored != 0 {
						t.Errorf("band %+v unscored", b)
					}
				}
			}},
		{name: "error", set: uncertainSet, rsp: funcResampler(func(context.Context, *rand.Rand, scoring.Input) (scoring.Input, error) {
			return scoring.Input{}, errors.New("no ratings")
		}), errMsg: "no ratings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, res := score(t, mustParse(t, tc.set), uncertainRaw(30))
			rep, err := Analyse(context.Background(), in, res, Options{Replications: 10, Seed: 1, Resampler: tc.rsp})
			if tc.errMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("err = %v, want %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, rep.Uncertainty)
		})
	}
}

func TestRaterBootstrapDeterministic(t *testing.T) {
	set := mustParse(t, uncertainSet)
	in, res := score(t, set, uncertainRaw(60))
	// The resampler's generator comes after the variant's draws of
	// (seed, j): record what it draws first.
	want := map[uint64]bool{}
	for j := range 32 {
		rng := rand.New(rand.NewPCG(42, uint64(j)))
		replication(set, rng, make([]float64, len(set.Nodes)))
		want[rng.Uint64()] = true
	}
	var first []byte
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		seen := make(chan uint64, 32)
		base := jitter(1, 2)
		rsp := funcResampler(func(ctx context.Context, rng *rand.Rand, in scoring.Input) (scoring.Input, error) {
			seen <- rng.Uint64() // the first draw after the variant's

			return base.Resample(ctx, rng, in)
		})
		rep, err := Analyse(context.Background(), in, res, Options{Replications: 32, Seed: 42, Resampler: rsp})
		if err != nil {
			t.Fatal(err)
		}
		close(seen)
		for x := range seen {
			if !want[x] {
				t.Fatalf("GOMAXPROCS %d: the resampler's generator is not the replication's after its draws", procs)
			}
		}
		js, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = js
		} else if !bytes.Equal(js, first) {
			t.Fatalf("GOMAXPROCS %d: report differs", procs)
		}
	}
	plain, err := Analyse(context.Background(), in, res, Options{Replications: 32, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if js, _ := plain.JSON(); bytes.Equal(js, first) {
		t.Error("the bootstrap changed nothing")
	}
}

// TestAlphaConstantChildren: a composite whose children are constant has an
// undefined Cronbach's alpha (NaN, null in JSON), not 2 — the float mean of
// six totals of 123.16 used to leave a variance of 2.4e-28 instead of 0.
func TestAlphaConstantChildren(t *testing.T) {
	set := mustParse(t, `govscore: 1
id: flat
kinds: [a]
tree:
  - id: d
    children:
      - {id: p, expr: "p", normalize: none}
      - {id: q, expr: "q", normalize: none}
  - {id: z, expr: "z"}
`)
	in, res := score(t, set, [][]float64{
		{62.6, 62.6, 62.6, 62.6, 62.6, 62.6},
		{60.56, 60.56, 60.56, 60.56, 60.56, 60.56},
		{1, 2, 3, 4, 5, 6},
	})
	rep, err := Analyse(context.Background(), in, res, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Groups[0].Nodes {
		if n.ID == "d" {
			if n.Alpha == nil || !math.IsNaN(float64(*n.Alpha)) {
				t.Errorf("alpha of constant children = %v, want undefined", n.Alpha)
			}
			return
		}
	}
	t.Fatal("node d not reported")
}
