package scoring

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// scorer holds the working state of one Score call.
type scorer struct {
	in     Input
	set    *indicators.Set
	n      int // subjects
	nn     int // nodes; index nn is the root in the node-major columns
	lo, hi float64

	kindOf  []int    // subject → applicability profile, an index into applies
	applies [][]bool // [profile][node index] (see applicability)
	groupOf []int    // subject → group index
	rated   []bool

	// Subject-major working arrays: subject i's node k is at i·stride + k
	// (see at); k = nn is the root. SubjectResult.Nodes and NodeImputed
	// are windows onto them until shareRows replaces the flags by shared
	// rows.
	stride int
	vals   []float64 // node value (rounded where the node rounds), NaN = none
	imps   []bool    // value filled by the missing policy
	// The normalised weights at the parent (0 = took no part) by
	// composite row (nil for a leaf; nn is the root): see kidWeights.
	// shareRows builds SubjectResult.NodeWeights from them.
	kw []*kidWeights

	rounded []float64 // scores rounded to Ranking.Digits, by subject (sortByScore)
	byScore [][]int   // by group: the rated members, best first (sortByScore)

	round func(float64, int) float64 // the set's rounding rule (Rounder)
	rmean bool                       // `numerics: r`: R's mean for equal weights

	res   *Result
	warns []diag.Warning

	// The `by` attributes of the leaves' imputation, coded by subject
	// (codeAttrs); an attribute with too many values is not coded.
	attrCodes map[string]*attrCodes

	workers int   // goroutines for the work split by peer group (see parallel)
	order   []int // group indices, largest first: the order of the tasks
}

// Score treats, normalises, weights, aggregates, adjusts, grades and ranks
// the subjects of in (SPEC §4.4–§4.10, §6). It returns a *MissingError when a
// `missing: fail` node lacks a value for a rated subject, a *WeightingError
// when a statistical weighting lacks complete cases, and a plain error
// when in is inconsistent (columns of the wrong length, unknown methods,
// a cap_grade that names no grade). Score does no I/O and does not modify
// in. It uses up to GOMAXPROCS goroutines; the result does not depend on
// their number.
func Score(in Input) (*Result, error) { return score(in, runtime.GOMAXPROCS(0)) }

// score is Score on at most workers goroutines.
func score(in Input, workers int) (*Result, error) {
	if err := validate(in); err != nil {
		return nil, err
	}
	s := newScorer(in, max(1, workers))
	s.order = bySize(s.res.Groups)
	s.coverage()
	if err := s.checkLeafFail(); err != nil {
		return nil, err
	}
	s.leaves()
	if err := s.aggregate(); err != nil {
		return nil, err
	}
	if err := s.checkNodeFail(); err != nil {
		return nil, err
	}
	s.finishSubjects()
	s.adjust()
	s.sortByScore()
	s.grade()
	s.rank()
	s.nodeRanks()
	s.shareRows()
	s.res.Warnings = diag.SortWarnings(s.warns)
	return s.res, nil
}

// validate checks that in is complete and consistent.
func validate(in Input) error {
	set := in.Set
	if set == nil || set.Root == nil {
		return errors.New("scoring: input has no indicator set (or its root is nil)")
	}
	n := len(in.Subjects)
	if !(set.Scale[0] < set.Scale[1]) {
		return fmt.Errorf("scoring: scale [%v, %v] must have lo < hi", set.Scale[0], set.Scale[1])
	}
	for i, nd := range set.Nodes {
		if nd == nil || nd.Index != i {
			return fmt.Errorf("scoring: Set.Nodes[%d] is nil or has Index != %d", i, i)
		}
		if err := validateNode(nd); err != nil {
			return err
		}
	}
	if err := validateNode(set.Root); err != nil {
		return err
	}
	for i, l := range set.Leaves {
		if l == nil || l.LeafIndex != i || !l.IsLeaf() {
			return fmt.Errorf("scoring: Set.Leaves[%d] is nil, not a leaf, or has LeafIndex != %d", i, i)
		}
	}
	if len(in.Raw) != len(set.Leaves) {
		return fmt.Errorf("scoring: %d raw columns for %d leaves", len(in.Raw), len(set.Leaves))
	}
	for i, c := range in.Raw {
		if len(c) != n {
			return fmt.Errorf("scoring: raw column of leaf %q has %d values for %d subjects", set.Leaves[i].ID, len(c), n)
		}
	}
	if in.RatedWhen != nil && len(in.RatedWhen) != n {
		return fmt.Errorf("scoring: rated_when column has %d values for %d subjects", len(in.RatedWhen), n)
	}
	if in.AppliesWhen != nil && len(in.AppliesWhen) != len(set.Nodes) {
		return fmt.Errorf("scoring: %d applies_when columns for %d nodes", len(in.AppliesWhen), len(set.Nodes))
	}
	for k, c := range in.AppliesWhen {
		if c != nil && len(c) != n {
			return fmt.Errorf("scoring: applies_when column of node %q has %d values for %d subjects", set.Nodes[k].ID, len(c), n)
		}
	}
	for _, cols := range []struct {
		name string
		c    [][]float64
	}{{"points", in.Points}, {"when", in.When}} {
		if cols.c == nil {
			continue
		}
		if len(cols.c) != len(set.Adjustments) {
			return fmt.Errorf("scoring: %d %s columns for %d adjustments", len(cols.c), cols.name, len(set.Adjustments))
		}
		for i, c := range cols.c {
			if c != nil && len(c) != n {
				return fmt.Errorf("scoring: %s column of adjustment %q has %d values for %d subjects", cols.name, set.Adjustments[i].ID, len(c), n)
			}
		}
	}
	for _, a := range set.Adjustments {
		if a.CapGrade != "" && gradeIndex(set.Grades, a.CapGrade) < 0 {
			return fmt.Errorf("scoring: adjustment %q: cap_grade %q is not a grade", a.ID, a.CapGrade)
		}
	}
	for i, g := range set.Grades {
		if g.Min == nil && i != len(set.Grades)-1 {
			return fmt.Errorf("scoring: grade %q has no min but is not the last grade", g.Name)
		}
	}
	switch set.Ranking.Method {
	case "", indicators.Competition, indicators.Ordinal:
	default:
		return fmt.Errorf("scoring: unknown ranking method %q", set.Ranking.Method)
	}
	return nil
}

// validateNode rejects methods and policies Score does not know.
func validateNode(nd *indicators.Node) error {
	switch nd.Missing.Policy {
	case "", indicators.Exclude, indicators.Zero, indicators.ImputeMean,
		indicators.ImputeMedian, indicators.ImputeMin, indicators.Fail:
	default:
		return fmt.Errorf("scoring: node %q: unknown missing policy %q", nd.ID, nd.Missing.Policy)
	}
	if !nd.IsLeaf() {
		switch nd.Aggregate {
		case "", indicators.Arithmetic, indicators.Geometric, indicators.TOPSIS, indicators.GRA:
		default:
			return fmt.Errorf("scoring: node %q: unknown aggregate %q", nd.ID, nd.Aggregate)
		}
		if nd.Weighting != nil {
			return validateWeighting(nd, nd.Weighting, 0)
		}
		return nil
	}
	if t := nd.Treat; t != nil && t.Method != "jrc" {
		return fmt.Errorf("scoring: indicator %q: unknown treat method %q", nd.ID, t.Method)
	}
	switch nd.Normalize.Method {
	case "", indicators.MinMax, indicators.ZScore, indicators.Rank, indicators.NormNone:
	case indicators.Target:
		if nz := nd.Normalize; !nz.TargetMedian && !(nz.TargetLow <= nz.TargetHigh) {
			return fmt.Errorf("scoring: indicator %q: target band [%v, %v] needs A ≤ B", nd.ID, nz.TargetLow, nz.TargetHigh)
		}
	case indicators.Goalpost:
		if !(nd.Normalize.Low < nd.Normalize.High) {
			return fmt.Errorf("scoring: indicator %q: goalpost low %v must be below high %v", nd.ID, nd.Normalize.Low, nd.Normalize.High)
		}
	default:
		return fmt.Errorf("scoring: indicator %q: unknown normalisation %q", nd.ID, nd.Normalize.Method)
	}
	if to := nd.Normalize.To; to != nil && !(to[0] < to[1]) {
		return fmt.Errorf("scoring: indicator %q: to [%v, %v] needs a < b", nd.ID, to[0], to[1])
	}
	switch nd.Transform {
	case indicators.TransformNone, indicators.TransformLog, indicators.TransformLog1p, indicators.TransformSqrt:
	default:
		return fmt.Errorf("scoring: indicator %q: unknown transform %q", nd.ID, nd.Transform)
	}
	if w := nd.Winsorize; w != nil && !(0 <= w.Lower && w.Lower <= w.Upper && w.Upper <= 1) {
		return fmt.Errorf("scoring: indicator %q: winsorize bounds [%v, %v] must satisfy 0 ≤ lower ≤ upper ≤ 1", nd.ID, w.Lower, w.Upper)
	}
	return nil
}

// validateWeighting checks a composite's weighting spec: a known method, an
// AHP priority vector with one weight per child, combine parts present
// (nested at most 8 deep, as the parser allows) and alpha in [0, 1].
func validateWeighting(nd *indicators.Node, w *indicators.Weighting, depth int) error {
	if w == nil || depth > 8 {
		return fmt.Errorf("scoring: node %q: incomplete weighting spec", nd.ID)
	}
	switch w.Method {
	case indicators.AHPWeights:
		if len(w.Weights) != len(nd.Children) {
			return fmt.Errorf("scoring: node %q: AHP has %d weights for %d children", nd.ID, len(w.Weights), len(nd.Children))
		}
		for _, x := range w.Weights {
			if !(x >= 0) || math.IsInf(x, 0) {
				return fmt.Errorf("scoring: node %q: AHP weight %v is not a finite non-negative number", nd.ID, x)
			}
		}
	case indicators.EntropyWeights, indicators.CRITICWeights, indicators.PCAWeights:
	case indicators.CombineWeights:
		if !(w.Alpha >= 0 && w.Alpha <= 1) {
			return fmt.Errorf("scoring: node %q: combine alpha %v is outside [0, 1]", nd.ID, w.Alpha)
		}
		for _, p := range w.Of {
			if err := validateWeighting(nd, p, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("scoring: node %q: unknown weighting method %q", nd.ID, w.Method)
	}
	return nil
}

// newScorer allocates the result and sets up kinds and peer groups.
func newScorer(in Input, workers int) *scorer {
	set := in.Set
	n, nn := len(in.Subjects), len(set.Nodes)
	s := &scorer{workers: workers, in: in, set: set, n: n, nn: nn, lo: set.Scale[0], hi: set.Scale[1], round: Rounder(set),
		rmean: set.Numerics == indicators.NumericsR}

	// Applicability per distinct profile (kind and applies_when outcomes).
	s.kindOf, s.applies = applicability(in)

	// Peer groups: label = attribute values joined by "/".
	labels, groupOf := dataset.PeerGroups(in.Subjects, set.PeerGroups)
	groups := make([]Group, len(labels))
	for g, l := range labels {
		groups[g].Label = l
	}
	s.groupOf = groupOf
	for i, g := range groupOf {
		groups[g].Members = append(groups[g].Members, i)
	}
	for g := range groups {
		m := groups[g].Members
		byID := func(a, b int) int { return strings.Compare(in.Subjects[a].ID, in.Subjects[b].ID) }
		// The members are in subject order, which is usually id order
		// already (a dataset's subjects are sorted by id): the check is one
		// comparison per member, the stable sort a merge sort's many.
		if !slices.IsSortedFunc(m, byID) {
			slices.SortStableFunc(m, byID)
		}
		groups[g].Leaves = make([]LeafStats, len(set.Leaves))
		groups[g].Weights = make([][]float64, nn+1)
		groups[g].WeightCases = make([]int, nn+1)
		groups[g].use = make([][]float64, nn+1)
	}

	s.rated = make([]bool, n)
	s.stride = nn + 1
	s.vals = make([]float64, s.stride*n)
	s.kw = make([]*kidWeights, nn+1)
	for k := 0; k <= nn; k++ {
		node := set.Root
		if k < nn {
			node = set.Nodes[k]
		}
		if node.IsLeaf() {
			continue
		}
		kids := make([]int, len(node.Children))
		for j, ch := range node.Children {
			kids[j] = ch.Index
		}
		s.kw[k] = newKidWeights(kids, n, len(groups))
	}
	s.imps = make([]bool, s.stride*n)
	// The large arrays are touched for the first time here: filled on
	// every worker, their page faults are shared by the cores.
	inRanges(workers, len(s.vals), func(lo, hi int) { nanFill(s.vals[lo:hi]) })

	res := &Result{Groups: groups, Subjects: make([]SubjectResult, n), Cells: make([]LeafCells, len(set.Leaves)),
		parent: make([]int, nn)}
	for k, node := range set.Nodes {
		res.parent[k] = -1
		if p := node.Parent; p != nil && p.Index >= 0 {
			res.parent[k] = p.Index
		}
	}
	flags := make([]cellFlags, len(set.Leaves)*n)
	for l, leaf := range set.Leaves {
		c := &res.Cells[l]
		c.k, c.raw, c.subj, c.parent = leaf.Index, in.Raw[l], res.Subjects, res.parent
		c.flags, flags = flags[:n:n], flags[n:]
		if leaf.Transform != indicators.TransformNone || leaf.Winsorize != nil || leaf.Treat != nil {
			c.treated = make([]float64, n)
			nanFill(c.treated)
		}
	}
	na := len(set.Adjustments)
	adjBack := make([]AdjustmentResult, na*n)
	inRanges(workers, n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := &res.Subjects[i]
			r.Group = labels[groupOf[i]]
			b := i * s.stride
			r.Nodes = s.vals[b : b+nn : b+nn]
			r.NodeImputed = s.imps[b : b+nn : b+nn]
			r.Adjustments = adjBack[i*na : (i+1)*na : (i+1)*na]
			r.RootValue, r.Score = math.NaN(), math.NaN()
		}
	})
	res.profileOf, res.applies = s.kindOf, s.applies
	s.res = res
	s.codeAttrs()
	return s
}

// maxAttrCodes bounds the distinct values of a coded attribute: each
// (group, leaf) imputation allocates a pool per value.
const maxAttrCodes = 1 << 12

// attrCodes numbers the values of one subject attribute: vals[code[i]] is
// subject i's value ("" when absent, as attrOf).
type attrCodes struct {
	code []int32
	vals []string
}

// codeAttrs codes, once for all groups and leaves, each attribute a leaf
// imputes by, so the imputation looks up no attribute per subject.
func (s *scorer) codeAttrs() {
	for _, leaf := range s.set.Leaves {
		by := leaf.Missing.By
		if !leaf.Missing.Imputes() || by == "" {
			continue
		}
		if _, done := s.attrCodes[by]; done {
			continue
		}
		if s.attrCodes == nil {
			s.attrCodes = map[string]*attrCodes{}
		}
		ac := &attrCodes{code: make([]int32, s.n)}
		seen := map[string]int32{}
		for i := range s.in.Subjects {
			a := attrOf(&s.in.Subjects[i], by)
			c, ok := seen[a]
			if !ok {
				if len(ac.vals) == maxAttrCodes {
					ac = nil
					break
				}
				c = int32(len(ac.vals))
				seen[a] = c
				ac.vals = append(ac.vals, a)
			}
			ac.code[i] = c
		}
		s.attrCodes[by] = ac // nil: too many values, imputer keys by value
	}
}

// nanFill sets every element of x to NaN.
func nanFill(x []float64) {
	nan := math.NaN()
	for i := range x {
		x[i] = nan
	}
}

// coverage computes each subject's coverage and whether it is rated
// (SPEC §4.7): rated_when false or missing → unrated; else coverage =
// present raw values / applicable leaves; no applicable leaf or coverage <
// MinCoverage → unrated. The coverage of a subject rated_when rejects is
// computed all the same, for the outputs.
func (s *scorer) coverage() {
	rw := s.in.RatedWhen
	for i := 0; i < s.n; i++ {
		ap := s.applies[s.kindOf[i]]
		var nApp, nPresent int
		for l, leaf := range s.set.Leaves {
			if !ap[leaf.Index] {
				continue
			}
			nApp++
			if !math.IsNaN(s.in.Raw[l][i]) {
				nPresent++
			}
		}
		r := &s.res.Subjects[i]
		if nApp > 0 {
			r.Coverage = float64(nPresent) / float64(nApp)
		}
		switch {
		case rw != nil && rw[i] != 1:
			r.Unrated = UnratedRatedWhen
		case nApp == 0:
			r.Unrated = UnratedNoLeaf
		case r.Coverage < s.set.MinCoverage:
			r.Unrated = UnratedCoverage
		default:
			s.rated[i] = true
		}
	}
}

// checkLeafFail returns a *MissingError for the first leaf (tree order)
// with `missing: fail` and a missing raw value for some rated subject.
func (s *scorer) checkLeafFail() error {
	for l, leaf := range s.set.Leaves {
		if leaf.Missing.Policy != indicators.Fail {
			continue
		}
		var ids []string
		for i := 0; i < s.n; i++ {
			if s.rated[i] && s.applies[s.kindOf[i]][leaf.Index] && math.IsNaN(s.in.Raw[l][i]) {
				ids = append(ids, s.in.Subjects[i].ID)
			}
		}
		if ids != nil {
			slices.Sort(ids)
			return &MissingError{Node: leaf.ID, Pos: leaf.Pos, Subjects: ids}
		}
	}
	return nil
}

// leaves runs the leaf pipeline for every (peer group, leaf) pair, in
// parallel (largest groups first); each task writes only its own cells and warnings. The imputed
// values of each leaf are then gathered from its groups' tasks.
func (s *scorer) leaves() {
	nl := len(s.set.Leaves)
	ng := len(s.res.Groups)
	nt := ng * nl
	out := make([]leafOutput, nt)
	scratch := make([]leafScratch, s.workers)
	parallel(s.workers, nt, func(w, t int) {
		g, l := s.order[t/nl], t%nl
		out[g*nl+l] = s.leafGroup(g, l, &scratch[w])
	})
	for _, o := range out {
		s.warns = append(s.warns, o.warns...)
	}
	for l := range s.res.Cells {
		c := &s.res.Cells[l]
		for g := range ng {
			o := &out[g*nl+l]
			c.fillAt = append(c.fillAt, o.fillAt...)
			c.fillVal = append(c.fillVal, o.fillVal...)
		}
		sortFills(c.fillAt, c.fillVal)
	}
}

// leafOutput is what one (peer group, leaf) task returns besides its cells:
// its warnings and the values it imputed, by subject (ascending within the
// group's id order, not by index).
type leafOutput struct {
	warns   []diag.Warning
	fillAt  []int
	fillVal []float64
}

// leafScratch holds one worker's working slices, reused from task to task
// (their lengths are group sizes: at 1M subjects a fresh set per task would
// allocate over a gigabyte of garbage).
type leafScratch struct {
	idx     []int
	buf, tv []float64
	ranks   []float64    // leafRun.ranks
	radix   radixScratch // sortFloats's and midRanks's keys
}

// sortFills sorts the imputed values by subject index.
func sortFills(at []int, val []float64) {
	if slices.IsSorted(at) {
		return
	}
	perm := make([]int, len(at))
	for j := range perm {
		perm[j] = j
	}
	slices.SortFunc(perm, func(a, b int) int { return at[a] - at[b] })
	a2, v2 := slices.Clone(at), slices.Clone(val)
	for j, p := range perm {
		at[j], val[j] = a2[p], v2[p]
	}
}

// attrOf returns a subject attribute, "" when absent.
func attrOf(sub *dataset.Subject, name string) string {
	v, _ := sub.Attr(name)
	return v
}

// shareRows gives the subjects their rows of node weights (weightRows:
// shared by the subjects whose weights are equal bit for bit) and replaces
// their rows of imputed flags by one shared row of false where no node was
// filled: most subjects of a peer group take part with every node and have
// its weights, and most have no node filled. At 1M subjects × 60 nodes
// that is 0.5 GB of weights and 60 MB of flags down to the rows that
// differ. The values (SubjectResult.Nodes) stay windows onto s.vals. Run
// last: nothing writes the rows afterwards.
func (s *scorer) shareRows() {
	nn, subs := s.nn, s.res.Subjects
	if len(subs) == 0 {
		return
	}
	// Imputed flags: one shared row of false, a copy of each other row.
	filled := 0
	for i := range subs {
		if slices.Contains(subs[i].NodeImputed, true) {
			filled++
		}
	}
	none := make([]bool, nn)
	imps := make([]bool, filled*nn)
	for i := range subs {
		r := &subs[i]
		if !slices.Contains(r.NodeImputed, true) {
			r.NodeImputed = none[:nn:nn]
			continue
		}
		row := imps[:nn:nn]
		imps = imps[nn:]
		copy(row, r.NodeImputed)
		r.NodeImputed = row
	}
	s.imps = nil

	weightRows(subs, s.groupOf, len(s.res.Groups), nn, s.kw)
	s.kw = nil
}
