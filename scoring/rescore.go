package scoring

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/govscore/govscore/indicators"
)

// Variant is an alternative model under which a Rescorer re-scores a
// result: the robustness analyses of SPEC §6 (leave-one-out, uncertainty)
// are built from variants. The zero Variant is the nominal model.
type Variant struct {
	// Normalize, when not "", replaces the method of every leaf normalised
	// by a relative method (minmax, zscore, rank). Goalpost and none leaves
	// keep theirs: their bounds are the evaluator's targets, not a
	// modelling choice. It must be one of the Rescorer's methods.
	Normalize indicators.NormMethod
	// Aggregate, when not "", replaces the aggregation method of every
	// composite and of the root.
	Aggregate indicators.Aggregate
	// Factors, when not nil, multiplies the weight in effect of each node at
	// its parent: Factors[k] for Set.Nodes[k] (len(Set.Nodes) entries).
	Factors []float64
	// Drop, when not nil, leaves out the leaves with Drop[l] (by leaf
	// index) from every subject's aggregation, as if uninformative.
	Drop []bool
}

// Rescorer re-aggregates and re-ranks a scored Result under a Variant
// without redoing what a variant cannot change: coverage and rated status,
// imputation, transforms, winsorisation and JRC treatment of the leaves,
// their normalisation statistics, adjustments' points, and statistical or
// AHP weights (held at their nominal per-group values and, with Factors,
// perturbed like explicit ones). Only the nominally rated subjects are
// ranked; the others get rank 0.
//
// A Rescorer is immutable after NewRescorer and safe for concurrent use;
// each goroutine needs its own Workspace.
type Rescorer struct {
	set     *indicators.Set
	res     *Result
	subs    int
	nn      int
	stride  int
	lo, hi  float64
	groupOf []int
	rated   []bool   // rated in the result
	pre     []bool   // rated by coverage: those Score aggregated
	applies [][]bool // [subject][node row], root included
	ids     []string
	// base[m] is the subject-major working array with every leaf's value
	// under normalisation m ("" = nominal) and NaN elsewhere.
	base map[indicators.NormMethod][]float64
	// weights[g][k] are the weights composite row k uses in group g, as
	// Score used them; nil when the node has no rated member there.
	weights [][][]float64
	// byKey[k][i] is subject i's value of node row k's `missing.by`
	// attribute as a small integer (nil when the node has no `by`).
	byKey  [][]int
	adjust []float64                  // Σ points of the held adjustments, by subject
	order  []int                      // composite rows bottom-up, then the root
	round  func(float64, int) float64 // the set's rounding rule (Rounder)
	rmean  bool                       // `numerics: r`: R's mean for equal weights
}

// Workspace holds the buffers of one Rescore call; reuse it across calls
// from one goroutine.
type Workspace struct {
	vals   []float64
	imps   []bool
	scores []float64
	idx    []int
	pools  map[int][]float64
	rows   [][]float64
	cells  []float64
	kids   []int // child node indices of the node being aggregated
}

// NewWorkspace returns buffers sized for r.
func (r *Rescorer) NewWorkspace() *Workspace {
	return &Workspace{
		vals:   make([]float64, r.subs*r.stride),
		imps:   make([]bool, r.subs*r.stride),
		scores: make([]float64, r.subs),
		pools:  map[int][]float64{},
	}
}

// NewRescorer prepares re-scoring of res, the Result of Score(in), under the
// nominal model and under the alternative normalisation methods (each one
// of minmax, zscore, rank). It precomputes every leaf column under each
// method. It returns an error when res does not come from in, or a method
// is not relative.
func NewRescorer(in Input, res *Result, methods ...indicators.NormMethod) (*Rescorer, error) {
	if err := validate(in); err != nil {
		return nil, err
	}
	set := in.Set
	n, nn := len(in.Subjects), len(set.Nodes)
	if res == nil || len(res.Subjects) != n || len(res.Cells) != len(set.Leaves) {
		return nil, errors.New("scoring: the result does not match the input")
	}
	r := &Rescorer{set: set, res: res, subs: n, nn: nn, stride: nn + 1, lo: set.Scale[0], hi: set.Scale[1], round: Rounder(set), rmean: set.Numerics == indicators.NumericsR,
		groupOf: make([]int, n), rated: make([]bool, n), pre: make([]bool, n), applies: make([][]bool, n), ids: make([]string, n),
		base: map[indicators.NormMethod][]float64{}, adjust: make([]float64, n)}
	for g, grp := range res.Groups {
		for _, i := range grp.Members {
			r.groupOf[i] = g
		}
	}
	profileOf, rows := applicability(in)
	for i := range in.Subjects {
		sub := &in.Subjects[i]
		r.ids[i] = sub.ID
		ap := rows[profileOf[i]]
		r.applies[i] = ap
		sr := &res.Subjects[i]
		r.rated[i] = sr.Rated
		// Score aggregates every subject rated by rated_when and coverage
		// (SPEC §4.7); those whose root then proves missing become unrated
		// only at the end, so their node values still feed composite
		// imputation pools.
		r.pre[i] = sr.Rated || sr.Unrated == UnratedMissingAggregate
		for a := range sr.Adjustments {
			r.adjust[i] += sr.Adjustments[a].Points
		}
	}
	for k := nn - 1; k >= 0; k-- {
		if !set.Nodes[k].IsLeaf() {
			r.order = append(r.order, k)
		}
	}
	r.order = append(r.order, nn)

	r.weights = make([][][]float64, len(res.Groups))
	for g := range res.Groups {
		r.weights[g] = make([][]float64, nn+1)
		for _, k := range r.order {
			if use := res.Groups[g].use; use != nil {
				r.weights[g][k] = use[k]
			}
		}
	}

	r.byKey = make([][]int, nn+1)
	for _, k := range r.order {
		by := r.nodeAt(k).Missing.By
		if by == "" {
			continue
		}
		keys := map[string]int{}
		col := make([]int, n)
		for i := range in.Subjects {
			a := attrOf(&in.Subjects[i], by)
			v, ok := keys[a]
			if !ok {
				v = len(keys)
				keys[a] = v
			}
			col[i] = v
		}
		r.byKey[k] = col
	}

	r.base[""] = r.leafBase(in, "")
	for _, m := range methods {
		if !m.Relative() {
			return nil, fmt.Errorf("scoring: rescoring: normalisation %q is not a relative method (minmax, zscore, rank)", m)
		}
		if _, ok := r.base[m]; !ok {
			r.base[m] = r.leafBase(in, m)
		}
	}
	return r, nil
}

// nodeAt returns the node of row k (nn = the root).
func (r *Rescorer) nodeAt(k int) *indicators.Node {
	if k == r.nn {
		return r.set.Root
	}
	return r.set.Nodes[k]
}

// leafBase builds the subject-major array of leaf values under method m
// ("" = the nominal values of the result's cells). Under m, a leaf with a
// relative method is renormalised from its cells' treated values with the
// group's normalisation statistics, exactly as Score normalises (zero-policy
// cells stay at lo, uninformative leaves stay out, rounding applies).
func (r *Rescorer) leafBase(in Input, m indicators.NormMethod) []float64 {
	vals := make([]float64, r.subs*r.stride)
	nanFill(vals)
	for l, leaf := range r.set.Leaves {
		k := leaf.Index
		cells := &r.res.Cells[l]
		renorm := m != "" && leaf.Normalize.Method.Relative() && leaf.Normalize.Method != m
		if !renorm {
			for i := range cells.Len() {
				if r.pre[i] {
					vals[i*r.stride+k] = r.res.Subjects[i].Nodes[k]
				}
			}
			continue
		}
		zero := leaf.Missing.Policy == indicators.Zero
		for _, grp := range r.res.Groups {
			st := &grp.Leaves[l]
			if st.Uninformative {
				continue
			}
			nz := newNormalizer(leaf, m, r.set.Scale, st)
			if m == indicators.Rank {
				for _, i := range grp.Members {
					if c := cells.At(i); r.pre[i] && c.Applies && !math.IsNaN(c.Treated) {
						nz.sorted = append(nz.sorted, c.Treated)
					}
				}
				slices.Sort(nz.sorted)
			}
			nz.n = float64(st.NormN)
			for _, i := range grp.Members {
				c := cells.At(i)
				if !r.pre[i] || !c.Applies {
					continue
				}
				v := nz.value(c.Treated, zero && math.IsNaN(c.Raw))
				if leaf.Round >= 0 {
					v = r.round(v, leaf.Round)
				}
				vals[i*r.stride+k] = v
			}
		}
	}
	return vals
}

// Rescore computes every nominally rated subject's score under v into
// scores (len = number of subjects; NaN for a subject unrated nominally or
// whose aggregate is missing under v) and its rank within its peer group
// into ranks (0 when unrated nominally; a subject without a score under v
// ranks after every subject with one). It mirrors Score's aggregation,
// composite imputation, adjustments, clamping, rounding to Ranking.Digits
// and ranking method. Either output may be nil.
func (r *Rescorer) Rescore(v Variant, ws *Workspace, scores []float64, ranks []int) error {
	base, ok := r.base[v.Normalize]
	if !ok {
		return fmt.Errorf("scoring: rescoring: normalisation %q was not prepared by NewRescorer", v.Normalize)
	}
	if v.Factors != nil && len(v.Factors) != r.nn {
		return fmt.Errorf("scoring: rescoring: %d weight factors for %d nodes", len(v.Factors), r.nn)
	}
	if v.Drop != nil && len(v.Drop) != len(r.set.Leaves) {
		return fmt.Errorf("scoring: rescoring: %d drop flags for %d leaves", len(v.Drop), len(r.set.Leaves))
	}
	switch v.Aggregate {
	case "", indicators.Arithmetic, indicators.Geometric, indicators.TOPSIS, indicators.GRA:
	default:
		return fmt.Errorf("scoring: rescoring: unknown aggregate %q", v.Aggregate)
	}
	copy(ws.vals, base)
	clear(ws.imps)
	for g := range r.res.Groups {
		for _, k := range r.order {
			r.aggregate(k, g, v, ws)
		}
	}
	digits := r.set.Ranking.Digits
	for i := 0; i < r.subs; i++ {
		sc := math.NaN()
		if r.rated[i] {
			if root := ws.vals[i*r.stride+r.nn]; !math.IsNaN(root) {
				sc = root + r.adjust[i]
				if r.set.ClampTotal {
					sc = min(max(sc, r.lo), r.hi)
				}
			}
		}
		ws.scores[i] = sc
		if scores != nil {
			scores[i] = sc
		}
	}
	if ranks == nil {
		return nil
	}
	desc := r.set.Ranking.Desc
	ordinal := r.set.Ranking.Method == indicators.Ordinal
	rounded := ws.scores
	for i := range rounded {
		rounded[i] = r.round(rounded[i], digits)
	}
	for _, grp := range r.res.Groups {
		idx := ws.idx[:0]
		for _, i := range grp.Members {
			if r.rated[i] {
				idx = append(idx, i)
			}
		}
		slices.SortFunc(idx, func(a, b int) int {
			ra, rb := rounded[a], rounded[b]
			na, nb := math.IsNaN(ra), math.IsNaN(rb)
			switch {
			case na || nb:
				if na == nb {
					return strings.Compare(r.ids[a], r.ids[b])
				}
				if na {
					return 1
				}
				return -1
			case ra == rb:
				return strings.Compare(r.ids[a], r.ids[b])
			case (ra > rb) == desc:
				return -1
			}
			return 1
		})
		for p, i := range idx {
			switch {
			case ordinal || p == 0:
				ranks[i] = p + 1
			case rounded[i] == rounded[idx[p-1]] || (math.IsNaN(rounded[i]) && math.IsNaN(rounded[idx[p-1]])):
				ranks[i] = ranks[idx[p-1]]
			default:
				ranks[i] = p + 1
			}
		}
		for _, i := range grp.Members {
			if !r.rated[i] {
				ranks[i] = 0
			}
		}
		ws.idx = idx
	}
	return nil
}

// aggregate computes composite row k in group g under v, then imputes its
// missing values by the node's policy, as Score's aggregateNode does.
func (r *Rescorer) aggregate(k, g int, v Variant, ws *Workspace) {
	node := r.nodeAt(k)
	w0 := r.weights[g][k]
	if w0 == nil {
		return
	}
	grp := &r.res.Groups[g]
	w := make([]float64, len(node.Children))
	for j, ch := range node.Children {
		w[j] = w0[j]
		if v.Factors != nil {
			w[j] *= v.Factors[ch.Index]
		}
		if v.Drop != nil && ch.IsLeaf() && v.Drop[ch.LeafIndex] {
			w[j] = 0
		}
	}
	agg := node.Aggregate
	if v.Aggregate != "" {
		agg = v.Aggregate
	}
	switch agg {
	case indicators.TOPSIS, indicators.GRA:
		r.aggregateMCDA(k, g, agg, w, ws)
	default:
		geo := agg == indicators.Geometric
		kids := ws.kids[:0]
		for _, ch := range node.Children {
			kids = append(kids, ch.Index)
		}
		ws.kids = kids
		for _, i := range grp.Members {
			if !r.pre[i] || !r.applies[i][k] {
				continue
			}
			vals := ws.vals[i*r.stride : (i+1)*r.stride]
			acc, _ := weightedMean(w, vals, kids, geo, r.rmean, nil)
			if math.IsNaN(acc) {
				continue
			}
			if node.Round >= 0 {
				acc = r.round(acc, node.Round)
			}
			vals[k] = acc
		}
	}
	if pol := node.Missing.Policy; pol == indicators.Zero || node.Missing.Imputes() {
		r.impute(k, g, ws)
	}
}

// aggregateMCDA is Score's aggregateMCDA under a Rescorer.
func (r *Rescorer) aggregateMCDA(k, g int, agg indicators.Aggregate, w []float64, ws *Workspace) {
	node := r.nodeAt(k)
	members := ws.idx[:0]
	for _, i := range r.res.Groups[g].Members {
		if r.pre[i] && r.applies[i][k] {
			members = append(members, i)
		}
	}
	ws.idx = members
	var cols []int
	var wc []float64
	for j, ch := range node.Children {
		if !(w[j] > 0) {
			continue
		}
		for _, i := range members {
			if !math.IsNaN(ws.vals[i*r.stride+ch.Index]) {
				cols = append(cols, j)
				wc = append(wc, w[j])
				break
			}
		}
	}
	if len(cols) == 0 {
		return
	}
	nc := len(cols)
	if cap(ws.cells) < len(members)*nc {
		ws.cells = make([]float64, len(members)*nc)
	}
	back := ws.cells[:len(members)*nc]
	rows := ws.rows[:0]
	for p, i := range members {
		row := back[p*nc : (p+1)*nc]
		for q, j := range cols {
			row[q] = ws.vals[i*r.stride+node.Children[j].Index]
		}
		rows = append(rows, row)
	}
	ws.rows = rows
	out := mcdaValues(agg, rows, wc, r.lo, r.hi, node.Round, r.round)
	for p, i := range members {
		x := out[p]
		if math.IsNaN(x) {
			continue
		}
		ws.vals[i*r.stride+k] = x
	}
}

// impute is Score's imputeNode under a Rescorer.
func (r *Rescorer) impute(k, g int, ws *Workspace) {
	node := r.nodeAt(k)
	pol := node.Missing.Policy
	keys := r.byKey[k]
	key := func(i int) int {
		if keys == nil {
			return 0
		}
		return keys[i]
	}
	members := r.res.Groups[g].Members
	for a := range ws.pools {
		ws.pools[a] = ws.pools[a][:0]
	}
	if pol != indicators.Zero {
		for _, i := range members {
			at := i*r.stride + k
			if x := ws.vals[at]; r.pre[i] && r.applies[i][k] && !math.IsNaN(x) && !ws.imps[at] {
				ws.pools[key(i)] = append(ws.pools[key(i)], x)
			}
		}
		for a, p := range ws.pools {
			slices.Sort(p)
			ws.pools[a] = p
		}
	}
	for _, i := range members {
		at := i*r.stride + k
		if !r.pre[i] || !r.applies[i][k] || !math.IsNaN(ws.vals[at]) {
			continue
		}
		x := r.lo
		if pol != indicators.Zero {
			p := ws.pools[key(i)]
			if len(p) == 0 {
				continue
			}
			x = poolValue(pol, p)
		}
		if node.Round >= 0 {
			x = r.round(x, node.Round)
		}
		ws.vals[at] = x
		ws.imps[at] = true
	}
}
