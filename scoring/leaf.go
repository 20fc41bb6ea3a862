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
// treated value of subject idx[p]. Its working slices come from sc.
func (s *scorer) leafGroup(g, l int, sc *leafScratch) leafOutput {
	leaf := s.set.Leaves[l]
	k := leaf.Index
	grp := &s.res.Groups[g]
	st := &grp.Leaves[l]
	raw := s.in.Raw[l]
	cells := &s.res.Cells[l]
	flags := cells.flags
	nan := math.NaN()
	var out leafOutput

	// Rated applicable members; every member's cell starts empty (Value
	// is NaN until set below; Imputed and Treated are NaN unless scored).
	idx := sc.idx[:0]
	defer func() { sc.idx = idx }()
	for _, i := range grp.Members {
		switch {
		case !s.applies[s.kindOf[i]][k]:
			flags[i] = 0
		case !s.rated[i]:
			flags[i] = flagApplies | statusFlags(StatusUnrated)
		default:
			flags[i] = flagApplies | flagScored
			idx = append(idx, i)
		}
	}

	// Raw statistics over the present raw values (the values are sorted
	// only when the median needs it).
	pol := leaf.Missing.Policy
	buf := sc.buf[:0]
	defer func() { sc.buf = buf }()
	for _, i := range idx {
		if !math.IsNaN(raw[i]) {
			buf = append(buf, raw[i])
		}
	}
	st.N, st.Missing = len(buf), len(idx)-len(buf)
	st.Min, st.Max = minMax(buf)
	st.Mean, st.SD = meanSD(buf)

	// Impute: the pool value for the whole group, or per `by` value.
	fill := func(int) float64 { return nan }
	if leaf.Missing.Imputes() {
		if leaf.Missing.By == "" {
			var v float64
			switch pol {
			case indicators.ImputeMean:
				v = st.Mean
			case indicators.ImputeMin:
				v = st.Min
			default:
				slices.Sort(buf)
				v = median(buf)
			}
			fill = func(int) float64 { return v }
		} else {
			pools := map[string][]float64{}
			for _, i := range idx {
				if !math.IsNaN(raw[i]) {
					a := attrOf(&s.in.Subjects[i], leaf.Missing.By)
					pools[a] = append(pools[a], raw[i])
				}
			}
			byVal := make(map[string]float64, len(pools))
			for a, p := range pools {
				slices.Sort(p)
				byVal[a] = poolValue(pol, p)
			}
			fill = func(i int) float64 {
				if v, ok := byVal[attrOf(&s.in.Subjects[i], leaf.Missing.By)]; ok {
					return v
				}
				return nan
			}
		}
	}

	// Impute and transform; collect the present treated values.
	buf = buf[:0]
	tv := slices.Grow(sc.tv[:0], len(idx))[:len(idx)]
	sc.tv = tv
	for p, i := range idx {
		x := raw[i]
		if math.IsNaN(x) {
			switch {
			case pol == indicators.Zero:
				flags[i].setStatus(StatusImputed)
				tv[p] = nan
				continue
			case leaf.Missing.Imputes():
				x = fill(i)
				if !math.IsNaN(x) {
					flags[i].setStatus(StatusImputed)
					flags[i] |= flagFilled
					out.fillAt = append(out.fillAt, i)
					out.fillVal = append(out.fillVal, x)
				}
			}
		}
		tv[p] = transform(leaf.Transform, x)
		if !math.IsNaN(tv[p]) {
			buf = append(buf, tv[p])
		} else if flags[i].status() == StatusImputed {
			// SPEC §4.4 step 3: a value the transform cannot take is
			// missing from here on, imputed at step 2 or not.
			flags[i].setStatus(StatusMissing)
		}
	}
	method := leaf.Normalize.Method
	if method == "" {
		method = indicators.MinMax
	}
	logShift := nan
	if leaf.Treat != nil && len(buf) > 0 {
		st.Treat, logShift = s.treatJRC(leaf.Treat, idx, tv, flags)
		buf = buf[:0]
		for _, t := range tv {
			if !math.IsNaN(t) {
				buf = append(buf, t)
			}
		}
	}
	if leaf.Winsorize != nil || method == indicators.Rank || (method == indicators.Target && leaf.Normalize.TargetMedian) {
		slices.Sort(buf)
	}

	// Winsorise: clamp to the R type 7 quantiles of the present values.
	st.WinsorLow, st.WinsorHigh = nan, nan
	if w := leaf.Winsorize; w != nil && len(buf) > 0 {
		qlo, qhi := mcda.Quantile7(buf, w.Lower), mcda.Quantile7(buf, w.Upper) // R type 7, SPEC §4.4 step 4
		st.WinsorLow, st.WinsorHigh = qlo, qhi
		for p, t := range tv {
			if !math.IsNaN(t) {
				tv[p] = min(max(t, qlo), qhi)
			}
		}
		for j, t := range buf {
			buf[j] = min(max(t, qlo), qhi)
		}
	}

	// Normalisation statistics.
	nrm := len(buf)
	st.NormN = nrm
	st.NormMean, st.NormSD = meanSD(buf)
	st.NormMin, st.NormMax = minMax(buf)

	var warns []diag.Warning
	gl, gh := leaf.Normalize.Low, leaf.Normalize.High
	if method == indicators.Goalpost {
		gl, gh = transform(leaf.Transform, gl), transform(leaf.Transform, gh)
		if !math.IsNaN(logShift) {
			gl, gh = logShifted(gl, logShift), logShifted(gh, logShift)
		}
	}
	// Target: the band [ta, tb] (transformed like the values, or the
	// median of the treated values) and the largest distances below (dlo)
	// and above (dhi) it in the group.
	var ta, tb, dlo, dhi float64
	if method == indicators.Target {
		ta, tb, dlo, dhi = targetBand(leaf, buf, logShift)
	}
	if len(idx) > 0 {
		switch {
		case method == indicators.Target && (math.IsNaN(ta) || math.IsNaN(tb)) && len(buf) > 0:
			st.Uninformative = true
			warns = append(warns, diag.Warning{Pos: leaf.Pos, Group: grp.Label, Node: leaf.ID,
				Msg: fmt.Sprintf("target [%v, %v] is outside the domain of transform %s%s; the indicator is uninformative",
					leaf.Normalize.TargetLow, leaf.Normalize.TargetHigh, leaf.Transform, logNote(logShift))})
		case method == indicators.Goalpost && (math.IsNaN(gl) || math.IsNaN(gh) || !(gl < gh)):
			st.Uninformative = true
			warns = append(warns, diag.Warning{Pos: leaf.Pos, Group: grp.Label, Node: leaf.ID,
				Msg: fmt.Sprintf("goalposts [%v, %v] are outside the domain of transform %s%s; the indicator is uninformative",
					leaf.Normalize.Low, leaf.Normalize.High, leaf.Transform, logNote(logShift))})
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
			warns = append(warns, diag.Warning{Pos: leaf.Pos, Group: grp.Label, Node: leaf.ID,
				Msg: fmt.Sprintf("%s normalisation is uninformative: %s; the indicator is left out of the group's aggregation", method, why)})
		case nrm == 0:
			// Whatever the normalisation: a leaf no subject of the group
			// has a value for is missing for all of them (SPEC §3.1: a
			// file nothing read must not make an indicator vanish
			// silently).
			warns = append(warns, diag.Warning{Pos: leaf.Pos, Group: grp.Label, Node: leaf.ID,
				Msg: "no subject of the group has a value (is the metric in the data for this period?); the indicator is missing for every subject of the group"})
		}
	}

	lo, hi := leaf.Normalize.Range(s.set.Scale)
	span := hi - lo
	zm, zs := leaf.Normalize.Mean, leaf.Normalize.SD
	if zm == 0 && zs == 0 {
		zm, zs = 50, 10
	}
	lower := leaf.Direction == indicators.Lower
	if cells.treated != nil {
		for p, i := range idx {
			cells.treated[i] = tv[p]
		}
	}
	for p, i := range idx {
		f := &flags[i]
		if st.Uninformative {
			f.setStatus(StatusUninformative)
			continue
		}
		var v float64
		x := tv[p]
		switch {
		case pol == indicators.Zero && math.IsNaN(raw[i]):
			v = lo
		case math.IsNaN(x):
			v = nan
		case method == indicators.MinMax:
			if lower {
				v = lo + span*(st.NormMax-x)/(st.NormMax-st.NormMin)
			} else {
				v = lo + span*(x-st.NormMin)/(st.NormMax-st.NormMin)
			}
		case method == indicators.ZScore:
			z := (x - st.NormMean) / st.NormSD
			if lower {
				v = zm - zs*z
			} else {
				v = zm + zs*z
			}
		case method == indicators.Goalpost:
			var f float64
			if lower {
				f = (gh - x) / (gh - gl)
			} else {
				f = (x - gl) / (gh - gl)
			}
			v = lo + span*min(max(f, 0), 1)
		case method == indicators.Target:
			v = targetValue(x, ta, tb, dlo, dhi, lo, hi)
		case method == indicators.Rank:
			r := fractionalRank(buf, x)
			if lower {
				v = lo + span*(float64(nrm)-r)/float64(nrm-1)
			} else {
				v = lo + span*(r-1)/float64(nrm-1)
			}
		default: // none
			v = x
			if leaf.Normalize.Clip {
				v = min(max(v, lo), hi)
			}
		}
		if leaf.Round >= 0 {
			v = s.round(v, leaf.Round)
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
	out.warns = warns
	return out
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
