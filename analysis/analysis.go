package analysis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
	"github.com/govscore/govscore/scoring"
)

// Thresholds of the flags (see the package doc).
const (
	// Collinear is the |r| above which two siblings are flagged.
	Collinear = 0.9
	// LowSD is the sample sd, as a share of the scale's span, below which a
	// leaf has low variance.
	LowSD = 0.01
	// LowModal is the share of subjects holding one value at or above which
	// a leaf has low variance.
	LowModal = 0.9
)

// Num is a float64 that marshals NaN and ±Inf as JSON null and other
// values in their shortest round-tripping form.
type Num float64

// MarshalJSON writes null for NaN and ±Inf.
func (x Num) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// Report is the analysis of one batch.
type Report struct {
	Groups []Group `json:"groups"`
	// Uncertainty is nil unless Options.Replications > 0.
	Uncertainty *Uncertainty `json:"uncertainty,omitempty"`
	// Warnings are the methodology warnings (see Methodology), sorted.
	Warnings []diag.Warning `json:"-"`
}

// Group is the analysis of one peer group.
type Group struct {
	Label string `json:"peer_group"`
	Rated int    `json:"rated"`
	// Leaves are the ids of the leaves that apply to some rated subject of
	// the group, in tree order: the rows and columns of Pearson and
	// Spearman.
	Leaves   []string `json:"leaves"`
	Pearson  [][]Num  `json:"pearson"`
	Spearman [][]Num  `json:"spearman"`
	// Nodes holds every node that applies to some rated subject of the
	// group, in tree order.
	Nodes []Node `json:"nodes"`
	// Collinear lists the sibling pairs with |r| > 0.9.
	Collinear []Pair `json:"collinear"`
}

// Node is one node's statistics in a peer group.
type Node struct {
	ID     string `json:"node"`
	Parent string `json:"parent"` // "" for a top-level node (its parent is the score)
	Leaf   bool   `json:"leaf"`
	// ParentPearson and ParentSpearman correlate the node's value with its
	// parent's over the rated subjects with both.
	ParentPearson  Num `json:"parent_pearson"`
	ParentSpearman Num `json:"parent_spearman"`
	// EffectiveWeight is the mean effective weight of the node over the
	// rated subjects it applies to.
	EffectiveWeight Num `json:"effective_weight"`
	// Composite fields: Cronbach's alpha of the children, the children's
	// weights in effect (in children order) and the number of complete
	// cases a statistical weighting used (0 otherwise).
	Alpha       *Num  `json:"cronbach_alpha,omitempty"`
	Weights     []Num `json:"weights,omitempty"`
	WeightCases int   `json:"weight_cases,omitempty"`
	// Leaf fields.
	Uninformative bool       `json:"uninformative,omitempty"`
	LowVariance   bool       `json:"low_variance,omitempty"`
	LeaveOneOut   *RankShift `json:"leave_one_out,omitempty"`
}

// RankShift summarises how ranks move when a leaf is left out.
type RankShift struct {
	Max  int `json:"max_abs_rank_change"`
	Mean Num `json:"mean_abs_rank_change"`
}

// Pair is a pair of siblings with correlated values.
type Pair struct {
	Parent string `json:"parent"`
	A      string `json:"a"`
	B      string `json:"b"`
	R      Num    `json:"r"`
}

// Options tune Analyse.
type Options struct {
	// Replications is the number of uncertainty-analysis replications;
	// 0 skips the uncertainty analysis.
	Replications int
	// Seed seeds the uncertainty analysis.
	Seed uint64
	// Workers bounds the goroutines (0 = GOMAXPROCS).
	Workers int
	// Resampler, when not nil, adds the rater bootstrap to each
	// uncertainty replication (see Resampler and the package doc).
	Resampler Resampler
}

// workers returns the bound on goroutines.
func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Analyse computes the per-group analysis of res, the result of
// scoring.Score(in), the leave-one-out rank shifts, the methodology
// warnings and, when opt.Replications > 0, the uncertainty analysis.
func Analyse(ctx context.Context, in scoring.Input, res *scoring.Result, opt Options) (*Report, error) {
	var methods []indicators.NormMethod
	if opt.Replications > 0 {
		methods = in.Set.Uncertainty.Normalize
	}
	rs, err := scoring.NewRescorer(in, res, methods...)
	if err != nil {
		return nil, err
	}
	rep := &Report{Groups: make([]Group, len(res.Groups))}
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(opt.workers())
	for g := range res.Groups {
		eg.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			rep.Groups[g] = groupStats(in, res, g)
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	if err := leaveOneOut(ctx, rs, in, res, rep, opt.workers()); err != nil {
		return nil, err
	}
	if opt.Replications > 0 {
		u, err := runUncertainty(ctx, rs, in, res, opt)
		if err != nil {
			return nil, err
		}
		rep.Uncertainty = u
	}
	rep.Warnings = Methodology(in.Set, res, rep)
	return rep, nil
}

// JSON returns the report as indented JSON (the `analysis` member of
// results.json and the output of `govscore analyse --json`).
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// nodeColumn returns node row k's values (k = -1: RootValue) for the
// subjects idx.
func nodeColumn(res *scoring.Result, k int, idx []int) []float64 {
	out := make([]float64, len(idx))
	for p, i := range idx {
		if k < 0 {
			out[p] = res.Subjects[i].RootValue
		} else {
			out[p] = res.Subjects[i].Nodes[k]
		}
	}
	return out
}

// groupStats computes everything but the leave-one-out shifts for group g.
func groupStats(in scoring.Input, res *scoring.Result, g int) Group {
	set := in.Set
	grp := &res.Groups[g]
	out := Group{Label: grp.Label, Rated: grp.NRated, Collinear: []Pair{}}
	var rated []int
	for _, i := range grp.Members {
		if res.Subjects[i].Rated {
			rated = append(rated, i)
		}
	}
	applies := func(k int) bool {
		for _, i := range rated {
			if res.Applies(k, i) {
				return true
			}
		}
		return false
	}

	// Leaf correlation matrices.
	var cols [][]float64
	for _, leaf := range set.Leaves {
		if applies(leaf.Index) {
			out.Leaves = append(out.Leaves, leaf.ID)
			cols = append(cols, nodeColumn(res, leaf.Index, rated))
		}
	}
	out.Pearson = toNums(corrMatrix(cols, false))
	out.Spearman = toNums(corrMatrix(cols, true))

	span := set.Scale[1] - set.Scale[0]
	for k, nd := range set.Nodes {
		if !applies(k) {
			continue
		}
		var members []int
		for _, i := range rated {
			if res.Applies(k, i) {
				members = append(members, i)
			}
		}
		x := nodeColumn(res, k, members)
		pk := -1
		parent := ""
		if nd.Parent != nil && nd.Parent != set.Root {
			pk, parent = nd.Parent.Index, nd.Parent.ID
		}
		px := nodeColumn(res, pk, members)
		ns := Node{ID: nd.ID, Parent: parent, Leaf: nd.IsLeaf(),
			ParentPearson: Num(mcda.Pearson(x, px)), ParentSpearman: Num(mcda.Spearman(x, px))}
		var ew float64
		for _, i := range members {
			ew += res.Effective(i, k)
		}
		ns.EffectiveWeight = Num(ew / float64(len(members)))
		if nd.IsLeaf() {
			ns.Uninformative = grp.Leaves[nd.LeafIndex].Uninformative
			ns.LowVariance = ns.Uninformative || lowVariance(x, span)
		} else {
			out.Collinear = append(out.Collinear, composite(res, grp, nd, members, &ns)...)
		}
		out.Nodes = append(out.Nodes, ns)
	}
	return out
}

// composite fills a composite's alpha and weights and returns its
// collinear sibling pairs.
func composite(res *scoring.Result, grp *scoring.Group, nd *indicators.Node, members []int, ns *Node) []Pair {
	var kids [][]float64
	var ids []string
	for _, ch := range nd.Children {
		c := nodeColumn(res, ch.Index, members)
		for _, v := range c {
			if !math.IsNaN(v) {
				kids = append(kids, c)
				ids = append(ids, ch.ID)
				break
			}
		}
	}
	rows := make([][]float64, len(members))
	for p := range members {
		rows[p] = make([]float64, len(kids))
		for q := range kids {
			rows[p][q] = kids[q][p]
		}
	}
	alpha := Num(math.NaN())
	if len(kids) > 0 {
		alpha = Num(mcda.CronbachAlpha(rows))
	}
	ns.Alpha = &alpha
	if w := grp.Weights[nd.Index]; w != nil {
		ns.Weights = toNumsRow(w)
	}
	ns.WeightCases = grp.WeightCases[nd.Index]
	var pairs []Pair
	for a := range kids {
		for b := a + 1; b < len(kids); b++ {
			if r := mcda.Pearson(kids[a], kids[b]); math.Abs(r) > Collinear {
				pairs = append(pairs, Pair{Parent: nd.ID, A: ids[a], B: ids[b], R: Num(r)})
			}
		}
	}
	return pairs
}

// lowVariance reports whether the present values x have a sample sd below
// LowSD·span or a modal value held by at least LowModal of them.
func lowVariance(x []float64, span float64) bool {
	var v []float64
	for _, e := range x {
		if !math.IsNaN(e) {
			v = append(v, e)
		}
	}
	if len(v) < 2 {
		return true
	}
	var mean float64
	for _, e := range v {
		mean += e
	}
	mean /= float64(len(v))
	var ss float64
	for _, e := range v {
		ss += (e - mean) * (e - mean)
	}
	if math.Sqrt(ss/float64(len(v)-1)) < LowSD*span {
		return true
	}
	slices.Sort(v)
	best := 0
	for lo := 0; lo < len(v); {
		hi := lo
		for hi < len(v) && v[hi] == v[lo] {
			hi++
		}
		best = max(best, hi-lo)
		lo = hi
	}
	return float64(best) >= LowModal*float64(len(v))
}

// corrMatrix returns the Pearson (or, with spearman, Spearman) correlation
// matrix of cols, pairwise complete, equal to mcda.CorrMatrix. Columns
// without a missing value are centred (and ranked) once, so the matrix of
// m complete columns over n subjects costs O(m²n) without allocation per
// pair.
func corrMatrix(cols [][]float64, spearman bool) [][]float64 {
	m := len(cols)
	type prep struct {
		dev []float64 // centred values (or ranks); nil when the column has a NaN
		ss  float64
	}
	ps := make([]prep, m)
	for j, c := range cols {
		if slices.ContainsFunc(c, math.IsNaN) || len(c) < 2 {
			continue
		}
		x := c
		if spearman {
			x = mcda.FractionalRanks(c)
		}
		constant := true
		for _, v := range x[1:] {
			if v != x[0] {
				constant = false
				break
			}
		}
		if constant {
			continue
		}
		var mean float64
		for _, v := range x {
			mean += v
		}
		mean /= float64(len(x))
		d := make([]float64, len(x))
		var ss float64
		for i, v := range x {
			d[i] = v - mean
			ss += d[i] * d[i]
		}
		ps[j] = prep{dev: d, ss: ss}
	}
	// For Spearman over columns with missing values, each column's present
	// indices are sorted by value once; a pair then ranks within its
	// complete cases by a linear walk instead of two sorts.
	var orders [][]int
	var rj, rk []float64
	if spearman {
		orders = make([][]int, m)
		for j, c := range cols {
			o := make([]int, 0, len(c))
			for i, v := range c {
				if !math.IsNaN(v) {
					o = append(o, i)
				}
			}
			slices.SortStableFunc(o, func(a, b int) int { return cmp.Compare(c[a], c[b]) })
			orders[j] = o
		}
		if m > 0 {
			rj, rk = make([]float64, len(cols[0])), make([]float64, len(cols[0]))
		}
	}
	f := func(j, k int) float64 {
		if !spearman {
			return mcda.Pearson(cols[j], cols[k])
		}
		return pairSpearman(cols[j], cols[k], orders[j], orders[k], rj, rk)
	}
	out := make([][]float64, m)
	for j := range out {
		out[j] = make([]float64, m)
	}
	for j := range m {
		for k := j; k < m; k++ {
			var r float64
			switch {
			case ps[j].dev != nil && ps[k].dev != nil:
				var s float64
				dj, dk := ps[j].dev, ps[k].dev
				for i := range dj {
					s += dj[i] * dk[i]
				}
				r = max(-1, min(1, s/math.Sqrt(ps[j].ss*ps[k].ss)))
			default:
				r = f(j, k)
			}
			if j == k && !math.IsNaN(r) {
				r = 1
			}
			out[j][k], out[k][j] = r, r
		}
	}
	return out
}

// pairSpearman is mcda.Spearman(x, y) (bit for bit): the Pearson
// correlation of the fractional ranks of x and y within their complete
// pairs. ox and oy list the present indices of x and y sorted by value (nil
// for a column without NaN); rx and ry are scratch space of len(x).
func pairSpearman(x, y []float64, ox, oy []int, rx, ry []float64) float64 {
	both := func(i int) bool { return !math.IsNaN(x[i]) && !math.IsNaN(y[i]) }
	n := 0
	for i := range x {
		if both(i) {
			n++
		}
	}
	if n < 2 {
		return math.NaN()
	}
	rankWithin(x, ox, both, rx)
	rankWithin(y, oy, both, ry)
	// Pearson of the ranks over the complete pairs, in index order, as
	// mcda's pearsonComplete sums them.
	var sx, sy float64
	for i := range x {
		if both(i) {
			sx += rx[i]
			sy += ry[i]
		}
	}
	cx, cy := true, true
	first := -1
	for i := range x {
		if !both(i) {
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		cx = cx && rx[i] == rx[first]
		cy = cy && ry[i] == ry[first]
	}
	if cx || cy {
		return math.NaN()
	}
	mx, my := sx/float64(n), sy/float64(n)
	var sxy, sxx, syy float64
	for i := range x {
		if both(i) {
			dx, dy := rx[i]-mx, ry[i]-my
			sxy += dx * dy
			sxx += dx * dx
			syy += dy * dy
		}
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return max(-1, min(1, sxy/math.Sqrt(sxx*syy)))
}

// rankWithin writes into r[i], for each index i with keep(i), the
// fractional rank of x[i] among the kept values (ties share the mean of
// their ranks). order lists x's present indices sorted by value; nil means
// every index, which is then sorted here.
func rankWithin(x []float64, order []int, keep func(int) bool, r []float64) {
	if order == nil {
		order = make([]int, 0, len(x))
		for i := range x {
			order = append(order, i)
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	}
	kept := make([]int, 0, len(order))
	for _, i := range order {
		if keep(i) {
			kept = append(kept, i)
		}
	}
	mcda.RanksInOrder(x, kept, r)
}

// toNums converts a matrix to Num.
func toNums(x [][]float64) [][]Num {
	out := make([][]Num, len(x))
	for i, r := range x {
		out[i] = toNumsRow(r)
	}
	return out
}

// toNumsRow converts a vector to Num.
func toNumsRow(r []float64) []Num {
	out := make([]Num, len(r))
	for j, v := range r {
		out[j] = Num(v)
	}
	return out
}

// leaveOneOut fills each leaf's RankShift: the batch re-scored without the
// leaf, in parallel over leaves (at most workers at a time).
func leaveOneOut(ctx context.Context, rs *scoring.Rescorer, in scoring.Input, res *scoring.Result, rep *Report, workers int) error {
	nl := len(in.Set.Leaves)
	n := len(in.Subjects)
	shifts := make([][]RankShift, nl) // [leaf][group]
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(workers)
	for l := range nl {
		eg.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			drop := make([]bool, nl)
			drop[l] = true
			ranks := make([]int, n)
			if err := rs.Rescore(scoring.Variant{Drop: drop}, rs.NewWorkspace(), nil, ranks); err != nil {
				return err
			}
			shifts[l] = make([]RankShift, len(res.Groups))
			for g, grp := range res.Groups {
				var sum, cnt, mx int
				for _, i := range grp.Members {
					if !res.Subjects[i].Rated {
						continue
					}
					d := ranks[i] - res.Subjects[i].Rank
					if d < 0 {
						d = -d
					}
					sum += d
					cnt++
					mx = max(mx, d)
				}
				rs := RankShift{Max: mx, Mean: Num(math.NaN())}
				if cnt > 0 {
					rs.Mean = Num(float64(sum) / float64(cnt))
				}
				shifts[l][g] = rs
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return fmt.Errorf("analysis: leave-one-out: %w", err)
	}
	for g := range rep.Groups {
		for p := range rep.Groups[g].Nodes {
			ns := &rep.Groups[g].Nodes[p]
			if !ns.Leaf {
				continue
			}
			for l, leaf := range in.Set.Leaves {
				if leaf.ID == ns.ID {
					s := shifts[l][g]
					ns.LeaveOneOut = &s
				}
			}
		}
	}
	return nil
}
