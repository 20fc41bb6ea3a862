package scoring

import (
	"fmt"
	"math"
	"slices"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
)

// at is the position of node row k of subject i in the flat working
// arrays (vals, imps).
func (s *scorer) at(k, i int) int { return i*s.stride + k }

// nodeApplies reports whether node row k (nn = root) applies to subject i.
func (s *scorer) nodeApplies(k, i int) bool {
	return k == s.nn || s.applies[s.kindOf[i]][k]
}

// nodeID names node row k in warnings and errors ("score" for the root).
func (s *scorer) nodeID(k int) string {
	if k == s.nn {
		return "score"
	}
	return s.set.Nodes[k].ID
}

// nodeAt returns the node of row k.
func (s *scorer) nodeAt(k int) *indicators.Node {
	if k == s.nn {
		return s.set.Root
	}
	return s.set.Nodes[k]
}

// aggregate computes every composite, bottom-up (reverse tree order, so all
// of a node's children — imputed ones included — are final before it), and
// then the root (SPEC §4.5). Nothing in it reads across peer groups (the
// weights, the MCDA ideal points and the composites' imputation pools are
// the group's), so the groups are aggregated in parallel, each by one
// worker, each subject's values written only by its group's. It returns
// the error the sequential order (composite by composite, group by group)
// would have met first: the first composite whose statistical weights
// cannot be computed (*WeightingError).
func (s *scorer) aggregate() error {
	var rows []int // composite rows in the order they are computed
	for k := s.nn - 1; k >= 0; k-- {
		if !s.set.Nodes[k].IsLeaf() {
			rows = append(rows, k)
		}
	}
	rows = append(rows, s.nn)
	type groupOut struct {
		warns []diag.Warning
		err   error
		at    int // the position in rows of err's composite
	}
	out := make([]groupOut, len(s.res.Groups))
	scratch := make([]aggScratch, s.workers)
	parallel(s.workers, len(s.order), func(w, t int) {
		g, sc, o := s.order[t], &scratch[w], &out[s.order[t]]
		if sc.wrow == nil {
			sc.wrow, sc.wtmp, sc.key = make([]float64, s.stride), make([]float64, s.stride), make([]byte, 8*s.stride)
		}
		for p, k := range rows {
			if err := s.aggregateGroup(k, g, sc, &o.warns); err != nil {
				o.err, o.at = err, p
				return
			}
		}
	})
	var err error
	at := len(rows)
	for _, o := range out {
		if o.err != nil && o.at < at {
			err, at = o.err, o.at
		}
		s.warns = append(s.warns, o.warns...)
	}
	if err != nil {
		return err
	}
	for _, kw := range s.kw {
		if kw != nil {
			kw.merge(s.res.Groups)
		}
	}
	return nil
}

// aggScratch is one aggregation worker's scratch, reused from group to
// group and composite to composite: nothing keeps it.
type aggScratch struct {
	members    []int
	wrow, wtmp []float64 // a subject's row of weights and put's scratch (see kidWeights.put)
	key        []byte    // put's scratch
}

// aggregateGroup computes composite row k for the rated members of group g
// it applies to, with the group's weights in effect, then fills the missing
// ones by the node's missing policy. Its warnings go to warns.
func (s *scorer) aggregateGroup(k, g int, sc *aggScratch, warns *[]diag.Warning) error {
	node := s.nodeAt(k)
	kids := s.kw[k].kids
	sc.members = s.nodeMembers(k, g, sc.members[:0])
	if members := sc.members; len(members) > 0 {
		use, report, cases, err := s.groupWeights(k, g, kids, members)
		if err != nil {
			return err
		}
		grp := &s.res.Groups[g]
		grp.Weights[k], grp.WeightCases[k], grp.use[k] = report, cases, use
		switch node.Aggregate {
		case indicators.TOPSIS, indicators.GRA:
			s.aggregateMCDA(k, g, kids, members, use, sc)
		default:
			s.aggregateMean(k, g, kids, members, use, sc, warns)
		}
	}
	if pol := node.Missing.Policy; pol == indicators.Zero || node.Missing.Imputes() {
		s.imputeNode(k, g)
	}
	return nil
}

// nodeMembers appends to out the rated members of group g that node row k
// applies to, in the group's (id) order.
func (s *scorer) nodeMembers(k, g int, out []int) []int {
	for _, i := range s.res.Groups[g].Members {
		if s.rated[i] && s.nodeApplies(k, i) {
			out = append(out, i)
		}
	}
	return out
}

// aggregateMean computes the arithmetic or geometric aggregate of node row k
// for the subjects members, with children weights w (in children order, not
// necessarily normalised), members of group g; its warnings go to warns.
//
// The children that take part for a subject are those that apply, have a
// value and have weight > 0; their normalised weights are wᵢ/Σw over them.
// arithmetic: Σ wᵢvᵢ; geometric: exp(Σ wᵢ ln vᵢ), missing (with a warning)
// when some vᵢ ≤ 0. No participating child → missing.
func (s *scorer) aggregateMean(k, g int, kids, members []int, w []float64, sc *aggScratch, warns *[]diag.Warning) {
	node := s.nodeAt(k)
	geo := node.Aggregate == indicators.Geometric
	for _, i := range members {
		base := i * s.stride
		vals := s.vals[base : base+s.stride]
		acc, bad := weightedMean(w, vals, kids, geo, s.rmean, sc.wrow)
		s.kw[k].put(g, i, sc.wrow, sc.wtmp, sc.key)
		if bad >= 0 {
			ch := node.Children[bad]
			*warns = append(*warns, diag.Warning{Pos: node.Pos, Group: s.res.Groups[g].Label,
				Subject: s.in.Subjects[i].ID, Node: s.nodeID(k),
				Msg: fmt.Sprintf("geometric aggregate over %q = %v ≤ 0; the node is missing", ch.ID, vals[ch.Index])})
			continue
		}
		if math.IsNaN(acc) {
			continue
		}
		if node.Round >= 0 {
			acc = s.round(acc, node.Round)
		}
		vals[k] = acc
	}
}

// weightedMean aggregates the children kids[j] (indices into vals) with
// relative weights w[j] over those that take part (weight > 0, value
// present), SPEC §4.5:
//
//	arithmetic  Σ wⱼvⱼ / Σ wⱼ
//	geometric   exp(Σ wⱼ ln vⱼ / Σ wⱼ)
//
// which is Σ ŵⱼvⱼ with the normalised weights ŵⱼ = wⱼ/Σw; dividing once at
// the end keeps exact results exact (children all at 100 give 100, not
// 99.99999999999999). With rmean (`numerics: r`, SPEC §4.6) an arithmetic
// mean whose participating weights are all equal is R's mean.default over
// the n values in children order: s = (Σ vⱼ)/n, then s + (Σ (vⱼ − s))/n.
// It returns NaN when no child takes part, and for a
// geometric mean over a value ≤ 0 NaN and that child's index j (else -1).
// When wts is not nil it receives the normalised weights of the children
// that took part (all 0 on failure).
func weightedMean(w, vals []float64, kids []int, geo, rmean bool, wts []float64) (float64, int) {
	var sumw, acc, w0 float64
	n, equal := 0, true
	for j, c := range kids {
		wj, v := w[j], vals[c]
		if !(wj > 0) || math.IsNaN(v) {
			continue
		}
		if geo && v <= 0 {
			if wts != nil {
				for _, c := range kids {
					wts[c] = 0
				}
			}
			return math.NaN(), j
		}
		sumw += wj
		if n == 0 {
			w0 = wj
		} else if wj != w0 {
			equal = false
		}
		n++
		if geo {
			acc += wj * math.Log(v)
		} else {
			acc += wj * v
		}
	}
	if sumw == 0 {
		return math.NaN(), -1
	}
	if wts != nil {
		for j, c := range kids {
			if wj := w[j]; wj > 0 && !math.IsNaN(vals[c]) {
				wts[c] = wj / sumw
			}
		}
	}
	if rmean && equal && !geo {
		return rMean(w, vals, kids, n), -1
	}
	acc /= sumw
	if geo {
		acc = math.Exp(acc)
	}
	return acc, -1
}

// rMean is R's mean of the n participating children's values (weight > 0,
// value present) in children order: s = (Σx)/n, then s + (Σ(x − s))/n
// (R's summary.c, real_mean; R accumulates in long double where the
// platform has one wider than double, SPEC §4.6 and docs/decisions.md take
// the double arithmetic).
func rMean(w, vals []float64, kids []int, n int) float64 {
	var s float64
	for j, c := range kids {
		if w[j] > 0 && !math.IsNaN(vals[c]) {
			s += vals[c]
		}
	}
	fn := float64(n)
	s /= fn
	if math.IsInf(s, 0) {
		return s
	}
	var t float64
	for j, c := range kids {
		if w[j] > 0 && !math.IsNaN(vals[c]) {
			t += vals[c] - s
		}
	}
	return s + t/fn
}

// mcdaValues is the TOPSIS or GRA aggregate (agg) of the rows with column
// weights w on the scale [lo, hi], each value rounded to round digits when
// round ≥ 0 by rnd; NaN where a row is missing.
func mcdaValues(agg indicators.Aggregate, rows [][]float64, w []float64, lo, hi float64, round int, rnd func(float64, int) float64) []float64 {
	var out []float64
	if agg == indicators.TOPSIS {
		out = mcda.TOPSIS(rows, w, lo, hi)
	} else {
		out = mcda.GRA(rows, w, lo, hi)
	}
	if round >= 0 {
		for p, v := range out {
			if !math.IsNaN(v) {
				out[p] = rnd(v, round)
			}
		}
	}
	return out
}

// aggregateMCDA computes the TOPSIS or GRA aggregate (SPEC §6) of node row k
// over the subjects members of peer group g, with children weights w.
// The columns are the children with weight > 0 that have a value for at
// least one of the members; a member without a value for every column is
// missing (for GRA as for TOPSIS), and takes no part in the ideal points,
// the reference series or Δmin/Δmax. The column weights are normalised to
// sum 1 and recorded as the members' normalised weights.
func (s *scorer) aggregateMCDA(k, g int, kids, members []int, w []float64, sc *aggScratch) {
	node := s.nodeAt(k)
	cols, wc := s.columns(kids, members, w)
	if len(cols) == 0 {
		return
	}
	var sum float64
	for _, x := range wc {
		sum += x
	}
	rows := make([][]float64, len(members))
	back := make([]float64, len(members)*len(cols))
	for p, i := range members {
		row := back[p*len(cols) : (p+1)*len(cols)]
		for q, c := range cols {
			row[q] = s.vals[s.at(kids[c], i)]
		}
		rows[p] = row
	}
	out := mcdaValues(node.Aggregate, rows, wc, s.lo, s.hi, node.Round, s.round)
	for p, i := range members {
		v := out[p]
		if math.IsNaN(v) {
			continue
		}
		s.vals[s.at(k, i)] = v
		for q, c := range cols {
			sc.wrow[kids[c]] = wc[q] / sum
		}
		s.kw[k].put(g, i, sc.wrow, sc.wtmp, sc.key)
	}
}

// columns returns the positions (in children order) of the children with
// weight > 0 that have a value for at least one of members, and their
// weights.
func (s *scorer) columns(kids, members []int, w []float64) (cols []int, wc []float64) {
	for j, c := range kids {
		if !(w[j] > 0) {
			continue
		}
		for _, i := range members {
			if !math.IsNaN(s.vals[s.at(c, i)]) {
				cols = append(cols, j)
				wc = append(wc, w[j])
				break
			}
		}
	}
	return cols, wc
}

// imputeNode fills the missing values of composite row k in group g by its
// missing policy: zero → scale lo; mean | median | min of the present,
// non-imputed values of the group's rated subjects the node applies to
// (those sharing the subject's `by` attribute when set). An empty pool
// leaves the value missing.
func (s *scorer) imputeNode(k, g int) {
	node := s.nodeAt(k)
	pol, by := node.Missing.Policy, node.Missing.By
	members := s.res.Groups[g].Members
	pools := map[string][]float64{}
	if pol != indicators.Zero {
		for _, i := range members {
			if v := s.vals[s.at(k, i)]; s.rated[i] && s.nodeApplies(k, i) && !math.IsNaN(v) && !s.imps[s.at(k, i)] {
				a := ""
				if by != "" {
					a = attrOf(&s.in.Subjects[i], by)
				}
				pools[a] = append(pools[a], v)
			}
		}
	}
	fills := make(map[string]float64, len(pools))
	for a, p := range pools {
		slices.Sort(p)
		fills[a] = poolValue(pol, p)
	}
	for _, i := range members {
		if !s.rated[i] || !s.nodeApplies(k, i) || !math.IsNaN(s.vals[s.at(k, i)]) {
			continue
		}
		v := s.lo
		if pol != indicators.Zero {
			a := ""
			if by != "" {
				a = attrOf(&s.in.Subjects[i], by)
			}
			var ok bool
			if v, ok = fills[a]; !ok {
				continue
			}
		}
		if node.Round >= 0 {
			v = s.round(v, node.Round)
		}
		s.vals[s.at(k, i)] = v
		s.imps[s.at(k, i)] = true
	}
}

// checkNodeFail returns a *MissingError for the first composite (tree
// order, root last) with `missing: fail` that has no value for a rated
// subject it applies to.
func (s *scorer) checkNodeFail() error {
	for k := 0; k <= s.nn; k++ {
		node := s.nodeAt(k)
		if node.IsLeaf() || node.Missing.Policy != indicators.Fail {
			continue
		}
		var ids []string
		for i := 0; i < s.n; i++ {
			if s.rated[i] && s.nodeApplies(k, i) && math.IsNaN(s.vals[s.at(k, i)]) {
				ids = append(ids, s.in.Subjects[i].ID)
			}
		}
		if ids != nil {
			slices.Sort(ids)
			return &MissingError{Node: s.nodeID(k), Pos: node.Pos, Subjects: ids}
		}
	}
	return nil
}

// finishSubjects marks subjects whose final aggregate is missing unrated,
// copies the node columns into the subject results and computes effective
// weights: the product of the normalised weights from the root down, 0 when
// the node or an ancestor took no part (and for every node of an unrated
// subject). A cell's Weight is its leaf's effective weight.
func (s *scorer) finishSubjects() {
	for i := 0; i < s.n; i++ {
		r := &s.res.Subjects[i]
		root := s.vals[s.at(s.nn, i)]
		if s.rated[i] && math.IsNaN(root) {
			s.rated[i] = false
			r.Unrated = UnratedMissingAggregate
			s.warns = append(s.warns, diag.Warning{Group: r.Group, Subject: s.in.Subjects[i].ID,
				Msg: "the final aggregate is missing (no indicator took part); the subject is unrated"})
			for l, leaf := range s.set.Leaves {
				if f := &s.res.Cells[l].flags[i]; *f&flagApplies != 0 {
					f.setStatus(StatusUnrated)
					r.NodeImputed[leaf.Index] = false
				}
			}
		}
		r.Rated = s.rated[i]
		if !r.Rated {
			for _, kw := range s.kw {
				if kw != nil {
					kw.of[i] = 0 // the zero vector
				}
			}
			continue
		}
		s.res.Groups[s.groupOf[i]].NRated++
		r.RootValue = root
	}
}
