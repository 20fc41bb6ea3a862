package indicators

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// powerLambda is an independent reference for AHP: power iteration on a,
// returning the normalised principal eigenvector and its eigenvalue.
func powerLambda(a [][]float64) ([]float64, float64) {
	n := len(a)
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	lambda := 0.0
	for it := 0; it < 10000; it++ {
		next := make([]float64, n)
		sum := 0.0
		for i := range a {
			for j := range a[i] {
				next[i] += a[i][j] * w[j]
			}
			sum += next[i]
		}
		lambda = sum // since Σw = 1, Σ(Aw) = λ at convergence
		for i := range next {
			next[i] /= sum
		}
		w = next
	}
	return w, lambda
}

// TestAHP checks weights, λmax, CI and CR against closed forms and Saaty's
// textbook examples.
func TestAHP(t *testing.T) {
	// 3×3 reciprocal matrix with a12 = a, a13 = b, a23 = c has
	// λmax = 1 + d^(1/3) + d^(−1/3), d = ac/b.
	closed3 := func(a, b, c float64) float64 {
		d := a * c / b
		return 1 + math.Cbrt(d) + 1/math.Cbrt(d)
	}
	tests := []struct {
		name    string
		m       [][]float64
		weights []float64 // nil: check against power iteration only
		lambda  float64   // NaN: do not check
		cr      float64   // NaN: do not check
		crTol   float64
	}{
		{name: "order 1", m: [][]float64{{1}}, weights: []float64{1}, lambda: 1, cr: 0},
		{name: "order 2", m: [][]float64{{1, 3}, {1.0 / 3, 1}}, weights: []float64{0.75, 0.25}, lambda: 2, cr: 0},
		{name: "consistent 3", m: [][]float64{{1, 5.0 / 3, 2.5}, {0.6, 1, 1.5}, {0.4, 2.0 / 3, 1}},
			weights: []float64{0.5, 0.3, 0.2}, lambda: 3, cr: 0},
		{name: "consistent 4", m: [][]float64{{1, 2, 4, 8}, {0.5, 1, 2, 4}, {0.25, 0.5, 1, 2}, {0.125, 0.25, 0.5, 1}},
			weights: []float64{8.0 / 15, 4.0 / 15, 2.0 / 15, 1.0 / 15}, lambda: 4, cr: 0},
		{name: "closed form 3", m: [][]float64{{1, 2, 5}, {0.5, 1, 3}, {0.2, 1.0 / 3, 1}},
			lambda: closed3(2, 5, 3), cr: (closed3(2, 5, 3) - 3) / 2 / 0.58},
		{name: "closed form 3 inconsistent", m: [][]float64{{1, 9, 1.0 / 9}, {1.0 / 9, 1, 9}, {9, 1.0 / 9, 1}},
			weights: []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, lambda: closed3(9, 1.0/9, 9), cr: (closed3(9, 1.0/9, 9) - 3) / 2 / 0.58},
		// Saaty (1980) / Saaty & Vargas: the 4×4 example with λmax ≈ 4.117,
		// CR ≈ 0.043 (RI = 0.90).
		{name: "Saaty 4x4", m: [][]float64{{1, 5, 3, 7}, {0.2, 1, 1.0 / 3, 3}, {1.0 / 3, 3, 1, 5}, {1.0 / 7, 1.0 / 3, 0.2, 1}},
			lambda: math.NaN(), cr: 0.044, crTol: 0.002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, lambda, ci, cr, err := AHP(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			refW, refLambda := powerLambda(tt.m)
			sum := 0.0
			for i := range w {
				sum += w[i]
				if math.Abs(w[i]-refW[i]) > 1e-9 {
					t.Errorf("w[%d] = %.12g, power iteration %.12g", i, w[i], refW[i])
				}
				if tt.weights != nil && math.Abs(w[i]-tt.weights[i]) > 1e-9 {
					t.Errorf("w[%d] = %.12g, want %.12g", i, w[i], tt.weights[i])
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("Σw = %.15g", sum)
			}
			if math.Abs(lambda-refLambda) > 1e-9 {
				t.Errorf("λmax = %.12g, power iteration %.12g", lambda, refLambda)
			}
			if !math.IsNaN(tt.lambda) && math.Abs(lambda-tt.lambda) > 1e-9 {
				t.Errorf("λmax = %.12g, want %.12g", lambda, tt.lambda)
			}
			n := float64(len(tt.m))
			if len(tt.m) > 2 && math.Abs(ci-(lambda-n)/(n-1)) > 1e-12 {
				t.Errorf("CI = %g, want (λmax−n)/(n−1)", ci)
			}
			tol := tt.crTol
			if tol == 0 {
				tol = 1e-9
			}
			if math.Abs(cr-tt.cr) > tol {
				t.Errorf("CR = %.12g, want %.12g", cr, tt.cr)
			}
		})
	}
}

// TestAHPErrors covers AHP's own checks.
func TestAHPErrors(t *testing.T) {
	big := make([][]float64, 16)
	for i := range big {
		big[i] = make([]float64, 16)
	}
	tests := []struct {
		name string
		m    [][]float64
	}{
		{"empty", nil},
		{"too large", big},
		{"not square", [][]float64{{1, 2}, {0.5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, _, err := AHP(tt.m); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestAdvancedGood checks the values read from testdata/advanced.good.yaml.
func TestAdvancedGood(t *testing.T) {
	s := mustParse(t, "testdata/advanced.good.yaml")
	if len(s.Assessments) != 2 {
		t.Fatalf("assessments: %d", len(s.Assessments))
	}
	a := s.Assessments[0]
	var roles []string
	for _, r := range a.Roles {
		roles = append(roles, fmt.Sprintf("%s=%g", r.Role, r.Weight))
	}
	if a.ID != "satisfaction" || a.Name != "群众满意度" || a.Scale != [2]float64{0, 10} || a.Trim != 1 || a.MinRaters != 3 ||
		a.MissingRole != FailRoles || !a.Standardize || strings.Join(roles, ",") != "public=40,third_party=30,superior=20,peer=10" {
		t.Errorf("item: %+v roles %v", a, roles)
	}
	b := s.Assessments[1]
	if b.Name != "peer_review" || b.Scale != [2]float64{0, 100} || b.Trim != 0 || b.MinRaters != 1 || b.MissingRole != Reweight || b.Standardize {
		t.Errorf("defaults: %+v", b)
	}
	u := s.Uncertainty
	if !near(u.WeightNoise, 0.2) || fmt.Sprint(u.Normalize) != "[minmax rank]" || fmt.Sprint(u.Aggregate) != "[arithmetic geometric]" || u.Pos.Line != 18 {
		t.Errorf("uncertainty: %+v", u)
	}

	ahp := nodeByID(t, s, "ahp_group").Weighting
	if ahp == nil || ahp.Method != AHPWeights || ahp.MaxCR != 0.1 || len(ahp.Weights) != 3 || ahp.Statistical() {
		t.Fatalf("ahp: %+v", ahp)
	}
	if !near(ahp.Matrix[1][0], 1.0/3) || !near(ahp.Matrix[2][0], 0.2) {
		t.Errorf("fractions: %v", ahp.Matrix)
	}
	w, lambda, _, cr, _ := AHP(ahp.Matrix)
	if !near(ahp.LambdaMax, lambda) || !near(ahp.CR, cr) || !near(ahp.Weights[0], w[0]) || !(ahp.Weights[0] > ahp.Weights[1] && ahp.Weights[1] > ahp.Weights[2]) {
		t.Errorf("ahp results: %+v", ahp)
	}
	comb := nodeByID(t, s, "stats_group")
	if comb.Aggregate != TOPSIS || comb.Weighting.Method != CombineWeights || !near(comb.Weighting.Alpha, 0.4) ||
		comb.Weighting.Of[0].Method != EntropyWeights || comb.Weighting.Of[1].Method != CRITICWeights || !comb.Weighting.Statistical() {
		t.Errorf("combine: %+v", comb.Weighting)
	}
	gra := nodeByID(t, s, "gra_group")
	if gra.Aggregate != GRA || gra.Weighting.Method != PCAWeights || !gra.Weighting.Statistical() {
		t.Errorf("gra: %+v", gra)
	}
	tests := []struct {
		id   string
		want *Treat
	}{
		{"a", &Treat{Method: "jrc", WinMax: 4, Skew: 2, Kurtosis: 3.5}},
		{"b", nil},
		{"c", &Treat{Method: "jrc", WinMax: 5, Skew: 2.5, Kurtosis: 4}},
		{"f", &Treat{Method: "jrc", WinMax: 5, Skew: 2, Kurtosis: 3.5}},
		{"g", nil},
	}
	for _, tt := range tests {
		t.Run("treat "+tt.id, func(t *testing.T) {
			got := nodeByID(t, s, tt.id).Treat
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("treat = %+v, want %+v", got, tt.want)
			}
		})
	}
	if d := mustParse(t, "testdata/minimal.good.yaml").Uncertainty; d.WeightNoise != 0.25 || d.Normalize != nil {
		t.Errorf("default uncertainty %+v", d)
	}
}

// TestAdvancedErrors covers error paths of the later-issue keys.
func TestAdvancedErrors(t *testing.T) {
	head := "govscore: 1\nid: e\nkinds: [a]\n"
	two := "    children:\n      - {id: x, expr: x}\n      - {id: y, expr: y}\n"
	tests := []struct {
		name, src, want string
	}{
		{"weighting not a mapping", head + "tree:\n  - id: g\n    weighting: ahp\n" + two, "weighting: want a mapping"},
		{"weighting without method", head + "tree:\n  - id: g\n    weighting: {matrix: []}\n" + two, `weighting: missing required key "method"`},
		{"ahp without matrix", head + "tree:\n  - id: g\n    weighting: {method: ahp}\n" + two, `weighting: missing required key "matrix"`},
		{"matrix not a list", head + "tree:\n  - id: g\n    weighting: {method: ahp, matrix: 3}\n" + two, "matrix: want a list"},
		{"row not a list", head + "tree:\n  - id: g\n    weighting: {method: ahp, matrix: [1, [1, 1]]}\n" + two, "AHP matrix row 1: want a list of 2 judgements"},
		{"zero judgement", head + "tree:\n  - id: g\n    weighting: {method: ahp, matrix: [[1, 0], [\"1/0\", 1]]}\n" + two, "judgements must be positive"},
		{"bad fraction", head + "tree:\n  - id: g\n    weighting: {method: ahp, matrix: [[1, \"1/0\"], [1, 1]]}\n" + two, `got string "1/0"`},
		{"entry a list", head + "tree:\n  - id: g\n    weighting: {method: ahp, matrix: [[1, [2]], [1, 1]]}\n" + two, "want a number or a fraction"},
		{"combine without of", head + "tree:\n  - id: g\n    weighting: {method: combine, alpha: 0.5}\n" + two, `missing required key "of"`},
		{"combine of not a list", head + "tree:\n  - id: g\n    weighting: {method: combine, of: entropy, alpha: 0.5}\n" + two, "of: want a list"},
		{"combine part bad", head + "tree:\n  - id: g\n    weighting: {method: combine, of: [{method: entropy}, {method: ahp, matrix: [[1]]}], alpha: 0.5}\n" + two, "AHP matrix has 1 rows"},
		{"entropy unknown key", head + "tree:\n  - id: g\n    weighting: {method: entropy, base: 2}\n" + two, `unknown key "base" in weighting`},
		{"weighting on leaf", head + "tree:\n  - {id: g, expr: x, weighting: {method: pca}}\n", `"weighting" is a composite field`},
		{"treat on composite", head + "tree:\n  - id: g\n    treat: jrc\n" + two, `"treat" is a leaf field`},
		{"treat wrong type", head + "tree:\n  - {id: x, expr: x, treat: [jrc]}\n", "treat: want a string, got a list"},
		{"treat bad kurtosis", head + "tree:\n  - {id: x, expr: x, treat: {method: jrc, kurtosis: k}}\n", "kurtosis: want a number"},
		{"treat winmax type", head + "tree:\n  - {id: x, expr: x, treat: {method: jrc, winmax: 2.5}}\n", "winmax: want an integer"},
		{"treat unknown key", head + "tree:\n  - {id: x, expr: x, treat: {method: jrc, skewness: 1}}\n", `unknown key "skewness" in treat (did you mean "skew"?)`},
		{"default treat with own winsorize", head + "defaults: {treat: jrc}\ntree:\n  - {id: x, expr: x, winsorize: {upper: 0.9}}\n", "has both winsorize and treat"},
		{"assessments not a list", head + "assessments: {id: a}\ntree:\n  - {id: x, expr: x}\n", "assessments: want a list"},
		{"assessment not a mapping", head + "assessments: [a]\ntree:\n  - {id: x, expr: x}\n", "assessment item 1: want a mapping"},
		{"assessment bad id", head + "assessments: [{id: 1a, roles: {p: 1}}]\ntree:\n  - {id: x, expr: x}\n", `id "1a" is not an identifier`},
		{"assessment bad scale", head + "assessments: [{id: a, roles: {p: 1}, scale: [5, 1]}]\ntree:\n  - {id: x, expr: x}\n", "scale: lo 5 must be < hi 1"},
		{"assessment roles not mapping", head + "assessments: [{id: a, roles: [p]}]\ntree:\n  - {id: x, expr: x}\n", "roles: want a mapping"},
		{"assessment unknown key", head + "assessments: [{id: a, roles: {p: 1}, trimm: 1}]\ntree:\n  - {id: x, expr: x}\n", `unknown key "trimm" in assessment item "a" (did you mean "trim"?)`},
		{"assessment trim type", head + "assessments: [{id: a, roles: {p: 1}, trim: x}]\ntree:\n  - {id: x, expr: x}\n", "trim: want an integer"},
		{"assessment min_raters type", head + "assessments: [{id: a, roles: {p: 1}, min_raters: x}]\ntree:\n  - {id: x, expr: x}\n", "min_raters: want an integer"},
		{"uncertainty not a mapping", head + "uncertainty: 0.25\ntree:\n  - {id: x, expr: x}\n", "uncertainty: want a mapping"},
		{"uncertainty unknown key", head + "uncertainty: {noise: 0.1}\ntree:\n  - {id: x, expr: x}\n", `unknown key "noise" in uncertainty`},
		{"uncertainty noise type", head + "uncertainty: {weight_noise: x}\ntree:\n  - {id: x, expr: x}\n", "weight_noise: want a number"},
		{"alternatives not a mapping", head + "uncertainty: {alternatives: [minmax]}\ntree:\n  - {id: x, expr: x}\n", "alternatives: want a mapping"},
		{"alternatives not a list", head + "uncertainty: {alternatives: {normalize: minmax}}\ntree:\n  - {id: x, expr: x}\n", "normalize: want a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("e.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestParseFraction checks AHP judgement strings.
func TestParseFraction(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1/5", 0.2, true},
		{" 1 / 3 ", 1.0 / 3, true},
		{"7", 7, true},
		{"0.5/2", 0.25, true},
		{"1/0", 0, false},
		{"a/2", 0, false},
		{"1/b", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseFraction(tt.in)
			if ok != tt.ok || ok && !near(got, tt.want) {
				t.Errorf("parseFraction(%q) = %g, %v; want %g, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
