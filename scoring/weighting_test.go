package scoring

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
)

// noneLeaf is a leaf whose value is its raw value (normalize: none).
func noneLeaf(id string, opts ...opt) *indicators.Node {
	return leaf(id, append([]opt{method(indicators.NormNone)}, opts...)...)
}

// withAggregate sets a composite's aggregation method.
func withAggregate(a indicators.Aggregate) opt { return func(n *indicators.Node) { n.Aggregate = a } }

// withWeighting sets a composite's weighting spec.
func withWeighting(w *indicators.Weighting) opt { return func(n *indicators.Node) { n.Weighting = w } }

func TestTOPSISAndGRA(t *testing.T) {
	// Values (100, 100), (0, 0), (60, 20) with weights 3 : 1 on [0, 100].
	raw := [][]float64{{100, 0, 60}, {100, 0, 20}}
	// TOPSIS: y = (75, 25), (0, 0), (45, 5); A⁺ = (75, 25), A⁻ = (0, 0).
	d3p, d3m := math.Sqrt(30*30+20*20), math.Sqrt(45*45+5*5)
	// GRA: x = (1, 1), (0, 0), (.6, .2); Δ = 0, 1, (.4, .8); Δmin 0, Δmax 1.
	g3 := 0.75*0.5/0.9 + 0.25*0.5/1.3
	tests := []struct {
		name string
		agg  indicators.Aggregate
		want []float64
	}{
		{"topsis", indicators.TOPSIS, []float64{100, 0, 100 * d3m / (d3p + d3m)}},
		{"gra", indicators.GRA, []float64{100, 100.0 / 3, 100 * g3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(comp("d", []*indicators.Node{noneLeaf("a", weight(3)), noneLeaf("b")}, withAggregate(tc.agg)))
			res := mustScore(t, Input{Set: set, Subjects: subjects("s1", "s2", "s3"), Raw: raw})
			got := make([]float64, 3)
			for i := range got {
				got[i] = res.Subjects[i].Nodes[0]
			}
			checkFloats(t, "d", got, tc.want)
			checkFloats(t, "weights", []float64{res.Subjects[2].NodeWeights[1], res.Subjects[2].NodeWeights[2]}, []float64{0.75, 0.25})
			checkFloats(t, "group weights", res.Groups[0].Weights[0], []float64{0.75, 0.25})
		})
	}
}

func TestTOPSISMissingChild(t *testing.T) {
	// s3 lacks b: it is missing at the TOPSIS node (and takes no part in the
	// ideal points), but stays rated through the other dimension; with
	// `missing: mean` the node is imputed instead.
	for _, tc := range []struct {
		name    string
		policy  indicators.MissingPolicy
		wantS3  float64
		imputed bool
	}{
		{"exclude", indicators.Exclude, nan, false},
		{"mean", indicators.ImputeMean, 50, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(
				comp("d", []*indicators.Node{noneLeaf("a"), noneLeaf("b")}, withAggregate(indicators.TOPSIS), missing(tc.policy, "")),
				comp("e", []*indicators.Node{noneLeaf("c")}))
			raw := [][]float64{{100, 0, 100}, {100, 0, nan}, {1, 2, 3}}
			res := mustScore(t, Input{Set: set, Subjects: subjects("s1", "s2", "s3"), Raw: raw})
			got := []float64{res.Subjects[0].Nodes[0], res.Subjects[1].Nodes[0], res.Subjects[2].Nodes[0]}
			checkFloats(t, "d", got, []float64{100, 0, tc.wantS3})
			if !res.Subjects[2].Rated || res.Subjects[2].NodeImputed[0] != tc.imputed {
				t.Errorf("s3 rated %v imputed %v", res.Subjects[2].Rated, res.Subjects[2].NodeImputed[0])
			}
		})
	}
}

// entropyRef is an independent transcription of SPEC §6's entropy weights.
func entropyRef(cols [][]float64) []float64 {
	n := float64(len(cols[0]))
	d := make([]float64, len(cols))
	var sd float64
	for j, c := range cols {
		lo, hi := minMax(c)
		if hi == lo {
			continue
		}
		var sx float64
		for _, v := range c {
			sx += (v - lo) / (hi - lo)
		}
		var e float64
		for _, v := range c {
			if p := (v - lo) / (hi - lo) / sx; p > 0 {
				e -= p * math.Log(p) / math.Log(n)
			}
		}
		d[j] = 1 - e
		sd += d[j]
	}
	for j := range d {
		d[j] /= sd
	}
	return d
}

func TestStatisticalWeights(t *testing.T) {
	a := []float64{10, 20, 30, 40, 95}
	b := []float64{50, 52, 49, 51, 50}
	c := []float64{5, 60, 20, 90, 40}
	cols := [][]float64{a, b, c}
	rows := make([][]float64, len(a))
	for i := range rows {
		rows[i] = []float64{a[i], b[i], c[i]}
	}
	critic, err := mcda.CRITIC(rows)
	if err != nil {
		t.Fatal(err)
	}
	pca, err := mcda.PCA(rows)
	if err != nil {
		t.Fatal(err)
	}
	ahp := []float64{0.6, 0.3, 0.1}
	ent := entropyRef(cols)
	comb := make([]float64, 3)
	for j := range comb {
		comb[j] = 0.4*ahp[j] + 0.6*ent[j]
	}
	tests := []struct {
		name string
		w    *indicators.Weighting
		want []float64
	}{
		{"entropy", &indicators.Weighting{Method: indicators.EntropyWeights}, ent},
		{"critic", &indicators.Weighting{Method: indicators.CRITICWeights}, critic},
		{"pca", &indicators.Weighting{Method: indicators.PCAWeights}, pca},
		{"ahp", &indicators.Weighting{Method: indicators.AHPWeights, Weights: ahp}, ahp},
		{"combine", &indicators.Weighting{Method: indicators.CombineWeights, Alpha: 0.4,
			Of: [2]*indicators.Weighting{{Method: indicators.AHPWeights, Weights: ahp}, {Method: indicators.EntropyWeights}}}, comb},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Leaf weights 5, 1, 1 are replaced by the method's weights.
			set := newSet(comp("d", []*indicators.Node{noneLeaf("a", weight(5)), noneLeaf("b"), noneLeaf("c")}, withWeighting(tc.w)))
			res := mustScore(t, Input{Set: set, Subjects: subjects("s1", "s2", "s3", "s4", "s5"), Raw: cols})
			checkFloats(t, "weights", res.Groups[0].Weights[0], tc.want)
			wantCases := 5
			if tc.name == "ahp" {
				wantCases = 0
			}
			if res.Groups[0].WeightCases[0] != wantCases {
				t.Errorf("cases = %d, want %d", res.Groups[0].WeightCases[0], wantCases)
			}
			for i := range a {
				want := tc.want[0]*a[i] + tc.want[1]*b[i] + tc.want[2]*c[i]
				if got := res.Subjects[i].Nodes[0]; !near(got, want) {
					t.Errorf("s%d: d = %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

func TestStatisticalWeightsPerGroup(t *testing.T) {
	// Two peer groups, each with its own entropy weights; an uninformative
	// child (constant minmax leaf in group b) gets weight 0 there and the
	// complete cases are counted without it.
	set := newSet(comp("d", []*indicators.Node{noneLeaf("x"), leaf("y")},
		withWeighting(&indicators.Weighting{Method: indicators.EntropyWeights})))
	set.PeerGroups = []string{"kind"}
	subs := subjects("a1", "a2", "a3", "b1", "b2", "b3")
	for i := 3; i < 6; i++ {
		subs[i].Kind = "b"
	}
	raw := [][]float64{{10, 20, 90, 10, 20, 90}, {1, 5, 2, 7, 7, 7}}
	res := mustScore(t, Input{Set: set, Subjects: subs, Raw: raw})
	// Group a: y minmax (0, 100, 25).
	checkFloats(t, "a", res.Groups[0].Weights[0], entropyRef([][]float64{{10, 20, 90}, {0, 100, 25}}))
	checkFloats(t, "b", res.Groups[1].Weights[0], []float64{1, 0})
	if res.Groups[1].WeightCases[0] != 3 {
		t.Errorf("group b cases = %d, want 3", res.Groups[1].WeightCases[0])
	}
}

func TestWeightingErrors(t *testing.T) {
	set := newSet(comp("d", []*indicators.Node{noneLeaf("x"), noneLeaf("y")},
		withWeighting(&indicators.Weighting{Method: indicators.CRITICWeights, Pos: diagPos()})))
	tests := []struct {
		name  string
		raw   [][]float64
		cases int
		is    error
	}{
		{"two complete cases", [][]float64{{1, 2, 3, 4}, {1, nan, 3, nan}}, 2, mcda.ErrTooFewCases},
		{"none complete", [][]float64{{1, nan, 3, nan}, {nan, 2, nan, 4}}, 0, mcda.ErrTooFewCases},
		{"infinite", [][]float64{{1, 2, 3, 4}, {1, math.Inf(1), 3, 4}}, 4, mcda.ErrNotFinite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Score(Input{Set: set, Subjects: subjects("s1", "s2", "s3", "s4"), Raw: tc.raw})
			var we *WeightingError
			if !errors.As(err, &we) {
				t.Fatalf("err = %v, want *WeightingError", err)
			}
			if we.Node != "d" || we.Group != "all" || we.Method != "critic" || we.Cases != tc.cases || !errors.Is(err, tc.is) {
				t.Errorf("got %+v", we)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "set.yaml:3:5: composite \"d\"") || !strings.Contains(msg, "use explicit weights") {
				t.Errorf("message %q", msg)
			}
		})
	}
	root := (&WeightingError{Method: "pca", Err: mcda.ErrShape}).Error()
	if !strings.HasPrefix(root, `composite "score"`) {
		t.Errorf("root message %q", root)
	}
}

func TestAHPSaatyThroughParse(t *testing.T) {
	// Saaty's 3×3 example: priorities ≈ (0.637, 0.258, 0.105), λmax ≈ 3.039,
	// CR ≈ 0.033 (RI = 0.58).
	src := `govscore: 1
id: ahp
kinds: [a]
tree:
  - id: d
    weighting: {method: ahp, matrix: [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]}
    children:
      - {id: x, expr: "x", normalize: none}
      - {id: y, expr: "y", normalize: none}
      - {id: z, expr: "z", normalize: none}
`
	set, err := indicators.Parse("ahp.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	w := set.Nodes[0].Weighting
	for j, want := range []float64{0.637, 0.258, 0.105} {
		if math.Abs(w.Weights[j]-want) > 1e-3 {
			t.Errorf("w[%d] = %v, want %v", j, w.Weights[j], want)
		}
	}
	if math.Abs(w.CR-0.033) > 1e-3 || math.Abs(w.LambdaMax-3.039) > 1e-3 {
		t.Errorf("λmax %v CR %v", w.LambdaMax, w.CR)
	}
	res := mustScore(t, Input{Set: set, Subjects: subjects("s1", "s2", "s3"),
		Raw: [][]float64{{100, 0, 50}, {0, 100, 50}, {0, 0, 50}}})
	checkFloats(t, "weights", res.Groups[0].Weights[0], w.Weights)
	checkFloats(t, "scores", scores(res), []float64{100 * w.Weights[0], 100 * w.Weights[1], 50})
}

func TestTreatJRC(t *testing.T) {
	// One far outlier: winsorised to the next value in one step.
	skewed := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 100}
	// Two-point heavy tail that winmax 1 cannot fix: log fallback.
	heavy := heavyTail
	tests := []struct {
		name     string
		raw      []float64
		treat    indicators.Treat
		outcome  string
		outliers []int
	}{
		{"winsorised", skewed, indicators.Treat{Method: "jrc", WinMax: 5, Skew: 2, Kurtosis: 3.5}, "winsorised", []int{9}},
		{"log", heavy, indicators.Treat{Method: "jrc", WinMax: 1, Skew: 2, Kurtosis: 3.5}, "log", nil},
		{"passed", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, indicators.Treat{Method: "jrc", WinMax: 5, Skew: 2, Kurtosis: 3.5}, "passed", nil},
		{"undefined", []float64{1, 2, 300, nan, nan, nan, nan, nan, nan, nan}, indicators.Treat{Method: "jrc", WinMax: 5, Skew: 2, Kurtosis: 3.5}, "undefined", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.treat
			set := newSet(leaf("x", func(n *indicators.Node) { n.Treat = &tr }), leaf("pad"))
			ids := idsN(len(tc.raw))
			pad := make([]float64, len(tc.raw))
			for i := range pad {
				pad[i] = float64(i)
			}
			res := mustScore(t, Input{Set: set, Subjects: subjects(ids...), Raw: [][]float64{tc.raw, pad}})
			st := res.Groups[0].Leaves[0].Treat
			if st == nil || st.Outcome != tc.outcome {
				t.Fatalf("treat = %+v, want outcome %s", st, tc.outcome)
			}
			if len(st.Points) != len(tc.outliers) {
				t.Fatalf("points %v, want %v", st.Points, tc.outliers)
			}
			ref := mcda.TreatJRC(tc.raw, tr.WinMax, tr.Skew, tr.Kurtosis)
			lo, hi := minMax(presentOnly(ref.Values))
			for i, c := range res.Cells[0].All() {
				if !near(c.Treated, ref.Values[i]) {
					t.Errorf("treated[%d] = %v, want %v", i, c.Treated, ref.Values[i])
				}
				want := 100 * (ref.Values[i] - lo) / (hi - lo)
				if !near(c.Value, want) {
					t.Errorf("value[%d] = %v, want %v", i, c.Value, want)
				}
				if c.Outlier != (len(tc.outliers) > 0 && i == tc.outliers[0]) {
					t.Errorf("outlier[%d] = %v", i, c.Outlier)
				}
			}
			if (tc.outcome == "log") == math.IsNaN(st.LogShift) {
				t.Errorf("log shift %v for outcome %s", st.LogShift, tc.outcome)
			}
		})
	}
}

func TestTreatJRCGoalpostLog(t *testing.T) {
	// The log fallback maps goalposts like the values: ln(x − shift).
	heavy := heavyTail
	tr := indicators.Treat{Method: "jrc", WinMax: 1, Skew: 2, Kurtosis: 3.5}
	for _, tc := range []struct {
		name          string
		low, high     float64
		uninformative bool
	}{
		{"inside", 1, 100, false},
		{"below the shift", -100, 300, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(leaf("x", norm(indicators.Normalize{Method: indicators.Goalpost, Low: tc.low, High: tc.high}),
				func(n *indicators.Node) { n.Treat = &tr }), leaf("pad"))
			pad := make([]float64, len(heavy))
			for i := range pad {
				pad[i] = float64(i)
			}
			res := mustScore(t, Input{Set: set, Subjects: subjects(idsN(len(heavy))...), Raw: [][]float64{heavy, pad}})
			st := res.Groups[0].Leaves[0]
			if st.Uninformative != tc.uninformative {
				t.Fatalf("uninformative = %v", st.Uninformative)
			}
			if tc.uninformative {
				if !strings.Contains(warningText(res), "JRC log fallback") {
					t.Errorf("warnings %q do not name the log fallback", warningText(res))
				}
				return
			}
			shift := st.Treat.LogShift
			gl, gh := math.Log(tc.low-shift), math.Log(tc.high-shift)
			for i, c := range res.Cells[0].All() {
				want := 100 * (math.Log(heavy[i]-shift) - gl) / (gh - gl)
				if !near(c.Value, want) {
					t.Errorf("value[%d] = %v, want %v", i, c.Value, want)
				}
			}
		})
	}
}

// heavyTail has skew 3.45 and kurtosis 12.0; winsorising one point leaves
// skew 2.6 and kurtosis 6.1, so with winmax 1 the JRC rule takes logs.
var heavyTail = []float64{1, 2, 1, 3, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 50, 100}

// presentOnly returns the non-NaN values of x.
func presentOnly(x []float64) []float64 {
	var out []float64
	for _, v := range x {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

// warningText joins the result's warnings.
func warningText(res *Result) string {
	var b strings.Builder
	for _, w := range res.Warnings {
		b.WriteString(w.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestPCAConstantChild (SPEC §6): a child constant over the complete cases
// gets PCA weight 0 and the eigenvector is taken over the others, so with
// two children, one constant, the other gets 1 (it used to be ½ each). A
// subject with only the constant child present is then missing and unrated,
// not rated through a weight of 0.
func TestPCAConstantChild(t *testing.T) {
	c := comp("c", []*indicators.Node{leaf("a", method(indicators.NormNone)), leaf("k", method(indicators.NormNone))})
	c.Weighting = &indicators.Weighting{Method: indicators.PCAWeights}
	set := newSet(c)
	in := Input{Set: set, Subjects: subjects("s1", "s2", "s3", "s4"),
		Raw: [][]float64{{10, 20, 40, nan}, {70, 70, 70, 70}}}
	res := mustScore(t, in)
	checkFloats(t, "weights", res.Groups[0].Weights[c.Index], []float64{1, 0})
	checkFloats(t, "scores", scores(res)[:3], []float64{10, 20, 40})
	if res.Subjects[3].Rated {
		t.Errorf("s4 (only the constant child present) is rated with score %v", res.Subjects[3].Score)
	}
}
