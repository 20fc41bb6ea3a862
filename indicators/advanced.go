package indicators

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/govscore/govscore/diag"
)

// This file holds the keys of the later issues: assessments (SPEC §5),
// weighting, TOPSIS/GRA aggregation, JRC outlier treatment and uncertainty
// analysis (SPEC §6).

// Aggregation methods of SPEC §6.
const (
	TOPSIS Aggregate = "topsis" // closeness to the ideal solution
	GRA    Aggregate = "gra"    // grey relational analysis, ρ = 0.5
)

// AssessmentItem is an item of `assessments:` (SPEC §5): ratings of
// subjects by raters in roles, combined into the score A available to
// expressions as assess.<ID>.
type AssessmentItem struct {
	ID          string
	Name        string       // defaults to ID
	Scale       [2]float64   // ratings outside are data errors; default [0, 100]
	Roles       []RoleWeight // in file order; weights > 0
	Trim        int          // per role, drop the Trim highest and lowest ratings when n > 2·Trim + 2
	MinRaters   int          // per role, counted before trimming; ≥ 1, default 1 (`default:` of the per-role form)
	MissingRole MissingRole  // default reweight
	Standardize bool         // rater leniency correction
	Pos         diag.Pos
}

// RoleWeight is a rater role, its relative weight in an assessment item and
// its own min_raters (`min_raters: {role: n}`; 0 = the item's MinRaters).
type RoleWeight struct {
	Role      string
	Weight    float64
	MinRaters int
}

// RoleMinRaters returns the number of ratings role index r needs: its own
// MinRaters when set, else the item's.
func (a *AssessmentItem) RoleMinRaters(r int) int {
	if m := a.Roles[r].MinRaters; m > 0 {
		return m
	}
	return a.MinRaters
}

// MissingRole says what a missing role does to the combined score A.
type MissingRole string

// Missing-role policies.
const (
	Reweight  MissingRole = "reweight" // A over the roles present
	FailRoles MissingRole = "fail"     // A is missing if any weighted role is
)

// WeightMethod is a composite's weighting method (SPEC §6).
type WeightMethod string

// Weighting methods.
const (
	AHPWeights     WeightMethod = "ahp"
	EntropyWeights WeightMethod = "entropy"
	CRITICWeights  WeightMethod = "critic"
	PCAWeights     WeightMethod = "pca"
	CombineWeights WeightMethod = "combine"
)

// Statistical reports whether the weights come from the data (entropy,
// critic, pca, or a combine that uses one of them).
func (w *Weighting) Statistical() bool {
	switch w.Method {
	case EntropyWeights, CRITICWeights, PCAWeights:
		return true
	case CombineWeights:
		return w.Of[0].Statistical() || w.Of[1].Statistical()
	}
	return false
}

// Weighting is a composite's `weighting:`. For ahp, Matrix is the pairwise
// comparison matrix (rows and columns in children order) and Weights,
// LambdaMax, CI and CR are computed by Parse (see AHP); CR ≤ MaxCR. For
// combine, w = Alpha·w(Of[0]) + (1 − Alpha)·w(Of[1]), each part normalised
// to sum 1. The statistical methods carry no parameters: their weights are
// computed per peer group from the data.
type Weighting struct {
	Method WeightMethod

	Matrix    [][]float64
	MaxCR     float64 // default 0.1
	Weights   []float64
	LambdaMax float64
	CI, CR    float64

	Of    [2]*Weighting
	Alpha float64

	Pos diag.Pos
}

// Treat is a leaf's JRC/COIN outlier treatment (SPEC §6): winsorise up to
// WinMax points while |skew| ≥ Skew and kurtosis ≥ Kurtosis, else take logs.
type Treat struct {
	Method   string  // "jrc"
	WinMax   int     // default 5
	Skew     float64 // default 2
	Kurtosis float64 // default 3.5
}

// Uncertainty holds the `uncertainty:` settings of the uncertainty analysis
// (SPEC §6). Each replication scales every explicit weight by a factor drawn
// uniformly from [1 − WeightNoise, 1 + WeightNoise] and draws a
// normalisation and an aggregation method from the alternatives (empty = the
// set's own methods only).
type Uncertainty struct {
	WeightNoise float64 // 0 ≤ δ < 1, default 0.25
	Normalize   []NormMethod
	Aggregate   []Aggregate
	Pos         diag.Pos // position of the `uncertainty:` key; zero when absent
}

var (
	assessmentKeys  = []string{"id", "name", "scale", "roles", "trim", "min_raters", "missing_role", "standardize"}
	uncertaintyKeys = []string{"weight_noise", "alternatives"}
	treatKeys       = []string{"method", "winmax", "skew", "kurtosis"}
	weightingKeys   = map[WeightMethod][]string{
		AHPWeights:     {"method", "matrix", "max_cr"},
		EntropyWeights: {"method"},
		CRITICWeights:  {"method"},
		PCAWeights:     {"method"},
		CombineWeights: {"method", "of", "alpha"},
	}
	weightingChoices = []string{"ahp", "entropy", "critic", "pca", "combine"}
)

// advanced reads the top-level keys of the later issues.
func (r *reader) advanced(s *Set, m *mapping) {
	s.Assessments = r.assessments(m.get("assessments"))
	s.Uncertainty = r.uncertainty(m.get("uncertainty"))
}

// assessments reads `assessments:`.
func (r *reader) assessments(f *field) []*AssessmentItem {
	if f == nil {
		return nil
	}
	items, ok := r.list(f)
	if !ok {
		return nil
	}
	ids := map[string]diag.Pos{}
	var out []*AssessmentItem
	for i, it := range items {
		m := r.mapping(it, fmt.Sprintf("assessment item %d", i+1), r.pos(it))
		if m == nil {
			continue
		}
		a := &AssessmentItem{Scale: [2]float64{0, 100}, MinRaters: 1, MissingRole: Reweight, Pos: m.pos}
		r.require(m, "id", "roles")
		if g := m.get("id"); g != nil {
			if id, ok := r.str(g); ok {
				a.ID = id
				r.checkID(id, g, ids)
				m.what = fmt.Sprintf("assessment item %q", id)
			}
		}
		a.Name = a.ID
		if g := m.get("name"); g != nil {
			if v, ok := r.text(g); ok && v != "" {
				a.Name = v
			}
		}
		if g := m.get("scale"); g != nil {
			a.Scale = r.scale(g)
		}
		if g := m.get("roles"); g != nil {
			a.Roles = r.roles(g)
		}
		if g := m.get("trim"); g != nil {
			if v, ok := r.integer(g); ok {
				if v < 0 {
					r.errorf(g.valuePos(r), "trim: want the number of highest and lowest ratings to drop per role, ≥ 0, got %d", v)
				}
				a.Trim = v
			}
		}
		if g := m.get("min_raters"); g != nil {
			r.minRaters(g, a)
		}
		if g := m.get("missing_role"); g != nil {
			if v, ok := r.enum(g, string(Reweight), string(FailRoles)); ok {
				a.MissingRole = MissingRole(v)
			}
		}
		if g := m.get("standardize"); g != nil {
			a.Standardize, _ = r.boolean(g)
		}
		r.unknown(m, assessmentKeys)
		out = append(out, a)
	}
	return out
}

// roles reads `roles: {role: weight, ...}`, keeping the order.
func (r *reader) roles(f *field) []RoleWeight {
	m := r.mapping(f.raw, "roles", f.keyPos)
	if m == nil {
		return nil
	}
	if len(m.fields) == 0 {
		r.errorf(f.valuePos(r), "roles: give at least one role with its weight, e.g. {public: 40, superior: 20}")
	}
	var out []RoleWeight
	for _, g := range m.fields {
		g.used = true
		if strings.TrimSpace(g.key) == "" {
			r.errorf(g.keyPos, "roles: empty role name")
			continue
		}
		v, ok := r.number(g)
		if !ok {
			continue
		}
		if v <= 0 {
			r.errorf(g.valuePos(r), "roles: weight of %q must be > 0, got %g; remove the role to ignore it", g.key, v)
			continue
		}
		out = append(out, RoleWeight{Role: g.key, Weight: v})
	}
	return out
}

// uncertainty reads `uncertainty:`; absent, it yields the defaults.
func (r *reader) uncertainty(f *field) Uncertainty {
	u := Uncertainty{WeightNoise: 0.25}
	if f == nil {
		return u
	}
	u.Pos = f.keyPos
	m := r.mapping(f.raw, "uncertainty", f.keyPos)
	if m == nil {
		return u
	}
	if g := m.get("weight_noise"); g != nil {
		if v, ok := r.number(g); ok {
			if v < 0 || v >= 1 {
				r.errorf(g.valuePos(r), "weight_noise: %g is outside [0, 1); weights are scaled by a factor in [1 − δ, 1 + δ] and must stay positive", v)
			}
			u.WeightNoise = v
		}
	}
	if g := m.get("alternatives"); g != nil {
		if am := r.mapping(g.raw, "alternatives", g.keyPos); am != nil {
			if h := am.get("normalize"); h != nil {
				for _, it := range r.enumList(h, "minmax", "zscore", "rank") {
					u.Normalize = append(u.Normalize, NormMethod(it))
				}
			}
			if h := am.get("aggregate"); h != nil {
				for _, it := range r.enumList(h, aggregateChoices...) {
					u.Aggregate = append(u.Aggregate, Aggregate(it))
				}
			}
			r.unknown(am, []string{"normalize", "aggregate"})
		}
	}
	r.unknown(m, uncertaintyKeys)
	return u
}

// enumList reads a list of distinct words from choices.
func (r *reader) enumList(f *field, choices ...string) []string {
	items, _ := r.strList(f)
	var out []string
	for _, it := range items {
		if v, ok := r.oneOf(f.key, it.s, it.pos, choices); ok {
			out = append(out, v)
		}
	}
	return out
}

// treat reads a leaf's `treat:`: `jrc`, `none` or {method: jrc, ...}.
func (r *reader) treat(f *field) *Treat {
	t := &Treat{Method: "jrc", WinMax: 5, Skew: 2, Kurtosis: 3.5}
	if _, isMap := f.value.(*ast.MappingNode); !isMap {
		v, ok := r.enum(f, "jrc", "none")
		if !ok || v == "none" {
			return nil
		}
		return t
	}
	m := r.mapping(f.raw, "treat", f.keyPos)
	if m == nil {
		return nil
	}
	r.require(m, "method")
	if g := m.get("method"); g != nil {
		r.enum(g, "jrc")
	}
	if g := m.get("winmax"); g != nil {
		if v, ok := r.integer(g); ok {
			if v < 0 {
				r.errorf(g.valuePos(r), "treat: winmax is the most points to winsorise, ≥ 0, got %d", v)
			}
			t.WinMax = v
		}
	}
	for _, k := range []string{"skew", "kurtosis"} {
		g := m.get(k)
		if g == nil {
			continue
		}
		v, ok := r.number(g)
		if !ok {
			continue
		}
		if v <= 0 {
			r.errorf(g.valuePos(r), "treat: %s threshold must be > 0, got %g", k, v)
		}
		if k == "skew" {
			t.Skew = v
		} else {
			t.Kurtosis = v
		}
	}
	r.unknown(m, treatKeys)
	return t
}

// weighting reads a composite's `weighting:` for n children.
func (r *reader) weighting(f *field, n int) *Weighting {
	return r.weightingNode(f.raw, f.keyPos, n, 0)
}

// weightingNode reads one weighting spec (combine nests them).
func (r *reader) weightingNode(raw ast.Node, at diag.Pos, n, depth int) *Weighting {
	m := r.mapping(raw, "weighting", at)
	if m == nil {
		return nil
	}
	w := &Weighting{Pos: m.pos}
	if !r.require(m, "method") {
		for _, g := range m.fields {
			g.used = true
		}
		return nil
	}
	mf := m.get("method")
	v, ok := r.enum(mf, weightingChoices...)
	if !ok {
		for _, g := range m.fields {
			g.used = true
		}
		return nil
	}
	w.Method = WeightMethod(v)
	allowed := weightingKeys[w.Method]
	for _, g := range m.fields {
		if !g.used && !contains(allowed, g.key) && (g.key == "matrix" || g.key == "max_cr" || g.key == "of" || g.key == "alpha") {
			r.errorf(g.keyPos, "weighting: %q does not apply to method %s", g.key, w.Method)
			g.used = true
		}
	}
	valid := true
	switch w.Method {
	case AHPWeights:
		w.MaxCR = 0.1
		if g := m.get("max_cr"); g != nil {
			if x, ok := r.number(g); ok {
				if x < 0 {
					r.errorf(g.valuePos(r), "weighting: max_cr must be ≥ 0, got %g", x)
				}
				w.MaxCR = x
			}
		}
		if !r.require(m, "matrix") {
			valid = false
			break
		}
		valid = r.ahpMatrix(w, m.get("matrix"), n)
	case CombineWeights:
		if !r.require(m, "of", "alpha") {
			valid = false
		}
		if g := m.get("alpha"); g != nil {
			if x, ok := r.number(g); ok {
				if x < 0 || x > 1 {
					r.errorf(g.valuePos(r), "weighting: alpha must be in [0, 1], got %g", x)
				}
				w.Alpha = x
			}
		}
		if g := m.get("of"); g != nil {
			items, ok := r.list(g)
			if ok && len(items) != 2 {
				r.errorf(g.valuePos(r), "weighting: combine takes two specs in of: [A, B], got %d", len(items))
				ok = false
			}
			if !ok || depth > 8 {
				valid = false
				break
			}
			for i, it := range items {
				w.Of[i] = r.weightingNode(it, r.pos(it), n, depth+1)
				if w.Of[i] == nil {
					valid = false
				}
			}
		}
	}
	r.unknown(m, allowed)
	if !valid {
		return nil
	}
	return w
}

// ahpMatrix reads and checks an AHP matrix, then computes its weights and
// consistency.
func (r *reader) ahpMatrix(w *Weighting, f *field, n int) bool {
	rows, ok := r.list(f)
	if !ok {
		return false
	}
	if len(rows) != n {
		r.errorf(f.valuePos(r), "AHP matrix has %d rows, but the composite has %d children; it must be %d×%d (children in order)", len(rows), n, n, n)
		return false
	}
	if n > MaxAHPOrder {
		r.errorf(f.valuePos(r), "AHP matrix of order %d: Saaty's random index is defined up to %d; group the children", n, MaxAHPOrder)
		return false
	}
	a := make([][]float64, n)
	pos := make([][]diag.Pos, n)
	for i, row := range rows {
		rr := r.resolve(row)
		seq, isSeq := rr.(*ast.SequenceNode)
		if !isSeq {
			r.errorf(r.pos(row), "AHP matrix row %d: want a list of %d judgements, got %s", i+1, n, describe(rr))
			ok = false
			continue
		}
		if len(seq.Values) != n {
			r.errorf(r.pos(row), "AHP matrix row %d has %d entries, want %d", i+1, len(seq.Values), n)
			ok = false
			continue
		}
		a[i] = make([]float64, n)
		pos[i] = make([]diag.Pos, n)
		for j, e := range seq.Values {
			pos[i][j] = r.pos(e)
			x, good := r.judgement(r.resolve(e), pos[i][j], i, j)
			if !good {
				ok = false
			}
			a[i][j] = x
		}
	}
	if !ok {
		return false
	}
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			if math.Abs(a[i][j]*a[j][i]-1) > 1e-6 {
				if i == j {
					r.errorf(pos[i][j], "AHP matrix: a[%d][%d] = %g must be 1 (an element compared with itself)", i+1, j+1, a[i][j])
				} else {
					r.errorf(pos[i][j], "AHP matrix is not reciprocal: a[%d][%d] = %g but a[%d][%d] = %g; a[%d][%d] must be 1/%g",
						i+1, j+1, a[i][j], j+1, i+1, a[j][i], i+1, j+1, a[j][i])
				}
				ok = false
			}
		}
	}
	if !ok {
		return false
	}
	weights, lambda, ci, cr, err := AHP(a)
	if err != nil {
		r.errorf(f.valuePos(r), "AHP matrix: %v", err)
		return false
	}
	w.Matrix, w.Weights, w.LambdaMax, w.CI, w.CR = a, weights, lambda, ci, cr
	if cr > w.MaxCR {
		r.errorf(f.valuePos(r), "AHP matrix is inconsistent: CR = %.3f > max_cr %g; revise the judgements", cr, w.MaxCR)
		return false
	}
	return true
}

// judgement reads an AHP matrix entry: a positive number or a fraction
// string "p/q".
func (r *reader) judgement(n ast.Node, at diag.Pos, i, j int) (float64, bool) {
	what := fmt.Sprintf("AHP matrix a[%d][%d]", i+1, j+1)
	x, ok := scalarNumber(n)
	if s, isStr := n.(*ast.StringNode); isStr && !ok {
		x, ok = parseFraction(s.Value)
		if !ok {
			r.errorf(at, "%s: want a number or a fraction such as \"1/5\", got %s", what, describe(n))
			return 0, false
		}
	} else if !ok {
		r.errorf(at, "%s: want a number or a fraction such as \"1/5\", got %s", what, describe(n))
		return 0, false
	}
	if !(x > 0) || math.IsInf(x, 0) {
		r.errorf(at, "%s: judgements must be positive and finite, got %g", what, x)
		return 0, false
	}
	return x, true
}

// parseFraction reads "p/q" or "p" with decimal p and q (q ≠ 0).
func parseFraction(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	num, den, isFrac := strings.Cut(s, "/")
	p, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return 0, false
	}
	if !isFrac {
		return p, true
	}
	q, err := strconv.ParseFloat(strings.TrimSpace(den), 64)
	if err != nil || q == 0 {
		return 0, false
	}
	return p / q, true
}

// minRaters reads an item's `min_raters:`: a count for every role, or per
// role {public: 30, superior: 1, default: 3} where each key is a role of
// `roles` or `default` (the count of the roles not named; 1 when absent).
func (r *reader) minRaters(f *field, a *AssessmentItem) {
	count := func(g *field) (int, bool) {
		v, ok := r.integer(g)
		if ok && v < 1 {
			r.errorf(g.valuePos(r), "min_raters must be ≥ 1, got %d", v)
			return 0, false
		}
		return v, ok
	}
	if _, isMap := r.resolve(f.value).(*ast.MappingNode); !isMap {
		if v, ok := count(f); ok {
			a.MinRaters = v
		}
		return
	}
	m := r.mapping(f.raw, "min_raters", f.keyPos)
	if m == nil {
		return
	}
	names := make([]string, len(a.Roles))
	for i, rw := range a.Roles {
		names[i] = rw.Role
	}
	for _, g := range m.fields {
		g.used = true
		v, ok := count(g)
		if g.key == "default" {
			if ok {
				a.MinRaters = v
			}
			continue
		}
		i := -1
		for j, n := range names {
			if n == g.key {
				i = j
			}
		}
		if i < 0 {
			if sg := suggest(g.key, names); sg != "" {
				r.errorf(g.keyPos, "min_raters: role %q is not in roles (did you mean %q?); roles are: %s, or default for the others", g.key, sg, quoteList(names))
			} else {
				r.errorf(g.keyPos, "min_raters: role %q is not in roles; roles are: %s, or default for the others", g.key, quoteList(names))
			}
			continue
		}
		if ok {
			a.Roles[i].MinRaters = v
		}
	}
}
