package scoring

import (
	"fmt"
	"math"
	"slices"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
)

// leafGroup runs the leaf pipeline (SPEC §4.4) of leaf l over the members of
// group g: raw → impute → transform → winsorise → normalise → round. It
// fills the cells of the group's members, the leaf's node-value column and
// the group's LeafStats, and returns its warnings and imputed values.
//
// The pipeline works on the rated applicable members idx; tv[p] is the
// treated value of subject idx[p]. Its working slices come from sc. Each
// stage is a method of leafRun, in the order below.
func (s *scorer) leafGroup(g, l int, sc *leafScratch) leafOutput {
	leaf := s.set.Leaves[l]
	grp := &s.res.Groups[g]
	r := &leafRun{s: s, leaf: leaf, grp: grp, st: &grp.Leaves[l], raw: s.in.Raw[l], cells: &s.res.Cells[l], radix: &sc.radix}
	r.flags = r.cells.flags
	r.method = leaf.Normalize.Method
	if r.method == "" {
		r.method = indicators.MinMax
	}
	r.idx, r.buf, r.ranks = sc.idx[:0], sc.buf[:0], sc.ranks[:0]
	defer func() { sc.idx, sc.buf, sc.ranks = r.idx, r.buf, r.ranks }()

	r.members()
	r.rawStats()
	r.tv = slices.Grow(sc.tv[:0], len(r.idx))[:len(r.idx)]
	sc.tv = r.tv
	r.imputeTransform(r.imputer())
	r.treat()
	r.winsorise()
	nz := r.normalizer()
	r.checkInformative(&nz)
	r.normalise(&nz)
	return r.out
}

// leafRun is the state of one leafGroup call: the leaf, its group, and the
// working slices of the stages.
type leafRun struct {
	s      *scorer
	leaf   *indicators.Node
	grp    *Group
	st     *LeafStats
	raw    []float64 // the leaf's raw values, by subject
	cells  *LeafCells
	flags  []cellFlags
	method indicators.NormMethod

	idx      []int     // the rated applicable members
	tv       []float64 // tv[p]: the treated value of idx[p], NaN = missing
	buf      []float64 // present values (raw, then treated; sorted when a stage needs it)
	logShift float64   // the JRC log fallback's shift, NaN when not used
	radix    *radixScratch
	ranks    []float64 // rank: the fractional rank of tv[p] (normalise)
	out      leafOutput
}

// members selects the rated applicable members idx; every member's cell
// starts empty (Value is NaN until set below; Imputed and Treated are NaN
// unless scored).
func (r *leafRun) members() {
	s, k := r.s, r.leaf.Index
	for _, i := range r.grp.Members {
		switch {
		case !s.applies[s.kindOf[i]][k]:
			r.flags[i] = 0
		case !s.rated[i]:
			r.flags[i] = flagApplies | statusFlags(StatusUnrated)
		default:
			r.flags[i] = flagApplies | flagScored
			r.idx = append(r.idx, i)
		}
	}
}

// rawStats computes N, Missing, Min, Max, Mean and SD (n−1) of the present
// raw values into buf (sorted only when the median needs it).
func (r *leafRun) rawStats() {
	for _, i := range r.idx {
		if !math.IsNaN(r.raw[i]) {
			r.buf = append(r.buf, r.raw[i])
		}
	}
	st := r.st
	st.N, st.Missing = len(r.buf), len(r.idx)-len(r.buf)
	st.Min, st.Max = minMax(r.buf)
	st.Mean, st.SD = meanSD(r.buf)
}

// imputer returns the value a missing raw value of subject i is imputed
// with (SPEC §4.4 step 2): the pool value (mean, min or median of the
// present raw values) of the whole group, or of the members sharing i's
// `by` attribute; NaN when the policy does not impute or i's pool is empty.
func (r *leafRun) imputer() func(i int) float64 {
	nan := math.NaN()
	leaf, pol := r.leaf, r.leaf.Missing.Policy
	if !leaf.Missing.Imputes() {
		return func(int) float64 { return nan }
	}
	if leaf.Missing.By == "" {
		var v float64
		switch pol {
		case indicators.ImputeMean:
			v = r.st.Mean
		case indicators.ImputeMin:
			v = r.st.Min
		default:
			sortFloats(r.buf, r.radix)
			v = median(r.buf)
		}
		return func(int) float64 { return v }
	}
	if ac := r.s.attrCodes[leaf.Missing.By]; ac != nil {
		return r.imputerByCode(ac)
	}
	subs := r.s.in.Subjects
	pools := map[string][]float64{}
	for _, i := range r.idx {
		if !math.IsNaN(r.raw[i]) {
			a := attrOf(&subs[i], leaf.Missing.By)
			pools[a] = append(pools[a], r.raw[i])
		}
	}
	byVal := make(map[string]float64, len(pools))
	for a, p := range pools {
		slices.Sort(p)
		byVal[a] = poolValue(pol, p)
	}
	return func(i int) float64 {
		if v, ok := byVal[attrOf(&subs[i], leaf.Missing.By)]; ok {
			return v
		}
		return nan
	}
}

// imputerByCode is imputer's pools by attribute for an attribute coded by
// subject (ac): the pools are indexed by code instead of keyed by value,
// with the same values.
//
// The pools are windows onto one slab, sized by a first counting pass.
func (r *leafRun) imputerByCode(ac *attrCodes) func(i int) float64 {
	count := make([]int, len(ac.vals))
	total := 0
	for _, i := range r.idx {
		if !math.IsNaN(r.raw[i]) {
			count[ac.code[i]]++
			total++
		}
	}
	slab := make([]float64, total)
	pools := make([][]float64, len(ac.vals))
	for c, m := range count {
		pools[c], slab = slab[:0:m], slab[m:]
	}
	for _, i := range r.idx {
		if x := r.raw[i]; !math.IsNaN(x) {
			c := ac.code[i]
			pools[c] = append(pools[c], x)
		}
	}
	byVal := make([]float64, len(ac.vals))
	for c, p := range pools {
		byVal[c] = math.NaN()
		if len(p) > 0 {
			sortFloats(p, r.radix)
			byVal[c] = poolValue(r.leaf.Missing.Policy, p)
		}
	}
	return func(i int) float64 { return byVal[ac.code[i]] }
}

// imputeTransform imputes each missing raw value with fill (a zero-policy
// cell stays missing here and gets the scale's low end at normalisation)
// and applies the leaf's transform (SPEC §4.4 step 3), tv[p] =
// transform(raw or fill); buf collects the present treated values. A value
// the transform cannot take is missing from here on, imputed or not.
func (r *leafRun) imputeTransform(fill func(int) float64) {
	nan := math.NaN()
	leaf, flags := r.leaf, r.flags
	r.buf = r.buf[:0]
	for p, i := range r.idx {
		x := r.raw[i]
		if math.IsNaN(x) {
			switch {
			case leaf.Missing.Policy == indicators.Zero:
				flags[i].setStatus(StatusImputed)
				r.tv[p] = nan
				continue
			case leaf.Missing.Imputes():
				x = fill(i)
				if !math.IsNaN(x) {
					flags[i].setStatus(StatusImputed)
					flags[i] |= flagFilled
					r.out.fillAt = append(r.out.fillAt, i)
					r.out.fillVal = append(r.out.fillVal, x)
				}
			}
		}
		r.tv[p] = transform(leaf.Transform, x)
		if !math.IsNaN(r.tv[p]) {
			r.buf = append(r.buf, r.tv[p])
		} else if flags[i].status() == StatusImputed {
			flags[i].setStatus(StatusMissing)
		}
	}
}

// treat applies the JRC/COIN outlier treatment when the leaf has one
// (treatJRC), recollects buf, and sorts buf when winsorising, the rank
// method or a median target needs it.
func (r *leafRun) treat() {
	r.logShift = math.NaN()
	if r.leaf.Treat != nil && len(r.buf) > 0 {
		r.st.Treat, r.logShift = r.s.treatJRC(r.leaf.Treat, r.idx, r.tv, r.flags)
		r.buf = r.buf[:0]
		for _, t := range r.tv {
			if !math.IsNaN(t) {
				r.buf = append(r.buf, t)
			}
		}
	}
	if r.leaf.Winsorize != nil || r.method == indicators.Rank || (r.method == indicators.Target && r.leaf.Normalize.TargetMedian) {
		sortFloats(r.buf, r.radix)
	}
}

// winsorise clamps the present treated values to [Q(lower), Q(upper)], the
// R type 7 quantiles of the present values (SPEC §4.4 step 4), and sets the
// normalisation statistics (NormN, NormMean, NormSD, NormMin, NormMax) over
// the result.
func (r *leafRun) winsorise() {
	st := r.st
	st.WinsorLow, st.WinsorHigh = math.NaN(), math.NaN()
	if w := r.leaf.Winsorize; w != nil && len(r.buf) > 0 {
		qlo, qhi := mcda.Quantile7(r.buf, w.Lower), mcda.Quantile7(r.buf, w.Upper)
		st.WinsorLow, st.WinsorHigh = qlo, qhi
		for p, t := range r.tv {
			if !math.IsNaN(t) {
				r.tv[p] = min(max(t, qlo), qhi)
			}
		}
		for j, t := range r.buf {
			r.buf[j] = min(max(t, qlo), qhi)
		}
	}
	st.NormN = len(r.buf)
	st.NormMean, st.NormSD = meanSD(r.buf)
	st.NormMin, st.NormMax = minMax(r.buf)
}

// normalizer returns the leaf's normalisation in the group: the goalposts
// passed through the transform (and the JRC log fallback) like the
// values, a target's band and distances (targetBand), the sorted values of
// the rank method.
func (r *leafRun) normalizer() normalizer {
	leaf := r.leaf
	nz := newNormalizer(leaf, r.method, r.s.set.Scale, r.st)
	if r.method == indicators.Goalpost {
		nz.gl, nz.gh = transform(leaf.Transform, nz.gl), transform(leaf.Transform, nz.gh)
		if !math.IsNaN(r.logShift) {
			nz.gl, nz.gh = logShifted(nz.gl, r.logShift), logShifted(nz.gh, r.logShift)
		}
	}
	if r.method == indicators.Target {
		nz.ta, nz.tb, nz.dlo, nz.dhi = targetBand(leaf, r.buf, r.logShift)
	}
	nz.sorted, nz.n = r.buf, float64(len(r.buf))
	return nz
}

// checkInformative marks the leaf uninformative in the group, with a
// warning, when its normalisation cannot tell the subjects apart: a target
// or goalposts outside the transform's domain, or a relative method with
// fewer than two distinct values. A leaf no subject of the group has a
// value for is missing for all of them, with a warning (SPEC §3.1: a file
// nothing read must not make an indicator vanish silently).
func (r *leafRun) checkInformative(nz *normalizer) {
	if len(r.idx) == 0 {
		return
	}
	leaf, st, method, nrm := r.leaf, r.st, r.method, len(r.buf)
	warn := func(msg string) {
		r.out.warns = append(r.out.warns, diag.Warning{Pos: leaf.Pos, Group: r.grp.Label, Node: leaf.ID, Msg: msg})
	}
	switch {
	case method == indicators.Target && (math.IsNaN(nz.ta) || math.IsNaN(nz.tb)) && nrm > 0:
		st.Uninformative = true
		warn(fmt.Sprintf("target [%v, %v] is outside the domain of transform %s%s; the indicator is uninformative",
			leaf.Normalize.TargetLow, leaf.Normalize.TargetHigh, leaf.Transform, logNote(r.logShift)))
	case method == indicators.Goalpost && (math.IsNaN(nz.gl) || math.IsNaN(nz.gh) || !(nz.gl < nz.gh)):
		st.Uninformative = true
		warn(fmt.Sprintf("goalposts [%v, %v] are outside the domain of transform %s%s; the indicator is uninformative",
			leaf.Normalize.Low, leaf.Normalize.High, leaf.Transform, logNote(r.logShift)))
	case method.Relative() && (nrm < 2 || st.NormMin == st.NormMax || !(st.NormSD > 0)):
		st.Uninformative = true
		var why string
		switch {
		case nrm == 0:
			why = "no subject of the group has a value (is the metric in the data for this period?)"
		case nrm == 1:
			why = "only one subject of the group has a value"
		default:
			why = fmt.Sprintf("all %d values are equal (%v)", nrm, st.NormMin)
		}
		warn(fmt.Sprintf("%s normalisation is uninformative: %s; the indicator is left out of the group's aggregation", method, why))
	case nrm == 0:
		warn("no subject of the group has a value (is the metric in the data for this period?); the indicator is missing for every subject of the group")
	}
}

// normalise maps each treated value onto the scale (normalizer.value),
// rounds it when the leaf rounds, stores it in the node-value column and
// sets each cell's final status (SPEC §4.4 steps 5–6).
func (r *leafRun) normalise(nz *normalizer) {
	s, k, cells := r.s, r.leaf.Index, r.cells
	if cells.treated != nil {
		for p, i := range r.idx {
			cells.treated[i] = r.tv[p]
		}
	}
	zero := r.leaf.Missing.Policy == indicators.Zero
	// Rank: the ranks of all values from one sort (midRanks) rather than
	// two searches per value among the sorted ones (same ranks).
	var ranks []float64
	if nz.method == indicators.Rank && !r.st.Uninformative && len(r.tv) >= radixMin {
		ranks = slices.Grow(r.ranks[:0], len(r.tv))[:len(r.tv)]
		r.ranks = ranks
		midRanks(r.tv, ranks, r.radix)
	}
	for p, i := range r.idx {
		f := &r.flags[i]
		if r.st.Uninformative {
			f.setStatus(StatusUninformative)
			continue
		}
		var v float64
		if zf := zero && math.IsNaN(r.raw[i]); ranks != nil && !zf && !math.IsNaN(r.tv[p]) {
			v = nz.rankValue(ranks[p])
		} else {
			v = nz.value(r.tv[p], zf)
		}
		if r.leaf.Round >= 0 {
			v = s.round(v, r.leaf.Round)
		}
		s.vals[s.at(k, i)] = v
		switch {
		case f.status() == StatusImputed:
			s.imps[s.at(k, i)] = true
		case math.IsNaN(v):
			f.setStatus(StatusMissing)
		default:
			f.setStatus(StatusOK)
		}
	}
}

// treatJRC applies the JRC/COIN outlier treatment t (SPEC §6, mcda.TreatJRC)
// to the treated values tv of the cells idx (the group's rated applicable
// subjects; missing ones are ignored) in place, marks the winsorised cells
// as outliers in flags, and returns the record and the log fallback's shift
// (NaN when the log fallback was not used).
func (s *scorer) treatJRC(t *indicators.Treat, idx []int, tv []float64, flags []cellFlags) (*TreatStats, float64) {
	x := slices.Clone(tv)
	tr := mcda.TreatJRC(x, t.WinMax, t.Skew, t.Kurtosis)
	ts := &TreatStats{Outcome: tr.Outcome.String(), SkewBefore: tr.SkewBefore, KurtBefore: tr.KurtBefore,
		SkewAfter: tr.SkewAfter, KurtAfter: tr.KurtAfter, LogShift: math.NaN()}
	copy(tv, tr.Values)
	for _, ps := range [][]int{tr.High, tr.Low} {
		for _, p := range ps {
			flags[idx[p]] |= flagOutlier
			ts.Points = append(ts.Points, idx[p])
		}
	}
	slices.Sort(ts.Points)
	if tr.Outcome == mcda.TreatLog {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range x {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		ts.LogShift = lo - 0.01*(hi-lo)
	}
	return ts, ts.LogShift
}

// logShifted maps a goalpost through the JRC log fallback, ln(x − shift);
// NaN when x ≤ shift (the goalpost is outside the fallback's domain).
func logShifted(x, shift float64) float64 {
	if !(x > shift) {
		return math.NaN()
	}
	return math.Log(x - shift)
}

// logNote names the JRC log fallback in the goalpost warning when it was used.
func logNote(shift float64) string {
	if math.IsNaN(shift) {
		return ""
	}
	return fmt.Sprintf(" and of the JRC log fallback ln(x − %v)", shift)
}

// targetBand returns the band [a, b] of a target leaf (SPEC §4.4 step 5) in
// treated units — the median of the sorted present treated values xs, or
// the given point or band passed through the leaf's transform (and the JRC
// log fallback ln(x − shift) when shift is not NaN) like the values — and
// the group's largest distances below and above it, D⁻ = max(a − x, 0) and
// D⁺ = max(x − b, 0) over xs. a or b is NaN when the transform cannot take
// the target.
func targetBand(leaf *indicators.Node, xs []float64, shift float64) (a, b, dlo, dhi float64) {
	nz := leaf.Normalize
	if nz.TargetMedian {
		if len(xs) == 0 {
			return math.NaN(), math.NaN(), 0, 0
		}
		a = median(xs)
		b = a
	} else {
		a, b = transform(leaf.Transform, nz.TargetLow), transform(leaf.Transform, nz.TargetHigh)
		if !math.IsNaN(shift) {
			a, b = logShifted(a, shift), logShifted(b, shift)
		}
	}
	for _, x := range xs {
		dlo, dhi = max(dlo, a-x), max(dhi, x-b)
	}
	return a, b, dlo, dhi
}

// targetValue normalises x against the band [a, b] on [lo, hi]:
//
//	x < a   hi − (hi−lo)·(a − x)/D⁻
//	x > b   hi − (hi−lo)·(x − b)/D⁺
//	else    hi
//
// A side whose D is 0 has no value on it (D⁻ ≥ a − x > 0 for any x below
// the band, as x is one of the values D⁻ is taken over), so the division is
// never by 0.
func targetValue(x, a, b, dlo, dhi, lo, hi float64) float64 {
	// The ratio first: it is exactly 1 at the farthest value, so that value
	// gets exactly lo.
	switch {
	case x < a:
		return hi - (hi-lo)*((a-x)/dlo)
	case x > b:
		return hi - (hi-lo)*((x-b)/dhi)
	}
	return hi
}
