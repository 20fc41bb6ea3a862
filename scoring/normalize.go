package scoring

import (
	"math"

	"github.com/govscore/govscore/indicators"
)

// normalizer maps a leaf's treated value onto its scale [lo, hi] (SPEC §4.4
// step 5) with the group's statistics. Score (leafRun.normalise) and the
// rescorer's renormalisation (Rescorer.leafBase) share it.
type normalizer struct {
	method       indicators.NormMethod
	lower        bool // direction: lower is better
	clip         bool // method none: clamp to the scale
	lo, hi, span float64
	zm, zs       float64    // z-score mean and sd on the scale
	st           *LeafStats // NormMin, NormMax, NormMean, NormSD
	gl, gh       float64    // goalposts in treated units
	// Target band [ta, tb] in treated units and the largest distances
	// below and above it (targetBand).
	ta, tb, dlo, dhi float64
	sorted           []float64 // rank: the sorted present treated values
	n                float64   // rank: their number
}

// newNormalizer returns leaf's normalizer for method with the group
// statistics st: its range (the scale or the leaf's own `to`), the z-score
// mean and sd (50 and 10 by default) and the goalposts as given; the caller
// fills the transformed goalposts, the target band and the rank's values.
func newNormalizer(leaf *indicators.Node, method indicators.NormMethod, scale [2]float64, st *LeafStats) normalizer {
	nz := normalizer{method: method, lower: leaf.Direction == indicators.Lower, clip: leaf.Normalize.Clip, st: st,
		zm: leaf.Normalize.Mean, zs: leaf.Normalize.SD, gl: leaf.Normalize.Low, gh: leaf.Normalize.High}
	nz.lo, nz.hi = leaf.Normalize.Range(scale)
	nz.span = nz.hi - nz.lo
	if nz.zm == 0 && nz.zs == 0 {
		nz.zm, nz.zs = 50, 10
	}
	return nz
}

// value normalises the treated value x; zeroFilled is a missing raw value
// under `missing: zero`, which gets lo. With d = direction:
//
//	minmax    lo + (hi−lo)·(x − min)/(max − min)      lower: (max − x)
//	zscore    zm ± zs·(x − mean)/sd
//	goalpost  lo + (hi−lo)·clamp((x − gl)/(gh − gl), 0, 1)   lower: (gh − x)
//	target    targetValue
//	rank      lo + (hi−lo)·(r − 1)/(n − 1)            lower: (n − r); r the fractional rank
//	none      x (clamped to [lo, hi] with clip)
//
// NaN when x is missing.
func (nz *normalizer) value(x float64, zeroFilled bool) float64 {
	lo, span, st := nz.lo, nz.span, nz.st
	switch {
	case zeroFilled:
		return lo
	case math.IsNaN(x):
		return math.NaN()
	}
	switch nz.method {
	case indicators.MinMax:
		if nz.lower {
			return lo + span*(st.NormMax-x)/(st.NormMax-st.NormMin)
		}
		return lo + span*(x-st.NormMin)/(st.NormMax-st.NormMin)
	case indicators.ZScore:
		z := (x - st.NormMean) / st.NormSD
		if nz.lower {
			return nz.zm - nz.zs*z
		}
		return nz.zm + nz.zs*z
	case indicators.Goalpost:
		var f float64
		if nz.lower {
			f = (nz.gh - x) / (nz.gh - nz.gl)
		} else {
			f = (x - nz.gl) / (nz.gh - nz.gl)
		}
		return lo + span*min(max(f, 0), 1)
	case indicators.Target:
		return targetValue(x, nz.ta, nz.tb, nz.dlo, nz.dhi, lo, nz.hi)
	case indicators.Rank:
		return nz.rankValue(fractionalRank(nz.sorted, x))
	}
	v := x // none
	if nz.clip {
		v = min(max(v, lo), nz.hi)
	}
	return v
}

// rankValue normalises the fractional rank r of a value (method rank):
// lo + (hi−lo)·(r − 1)/(n − 1), lower: (n − r).
func (nz *normalizer) rankValue(r float64) float64 {
	if nz.lower {
		return nz.lo + nz.span*(nz.n-r)/(nz.n-1)
	}
	return nz.lo + nz.span*(r-1)/(nz.n-1)
}
