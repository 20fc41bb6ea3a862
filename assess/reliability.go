package assess

import (
	"math"
	"slices"
	"sort"
)

// ICC1 returns Shrout & Fleiss (1979) ICC(1,1), the one-way random-effects
// intraclass correlation for a single rater, of units[i] = the ratings of
// target i. NaN entries are missing ratings and are skipped; targets with no
// rating take no part. With t targets, nᵢ ratings of target i, N = Σnᵢ:
//
//	BMS = Σ nᵢ(ȳᵢ − ȳ)² / (t − 1)
//	WMS = Σᵢ Σⱼ (yᵢⱼ − ȳᵢ)² / (N − t)
//	k₀  = (N − Σnᵢ²/N) / (t − 1)
//	ICC(1,1) = (BMS − WMS) / (BMS + (k₀ − 1)·WMS)
//
// k₀ is the unbalanced one-way ANOVA adjustment; it equals k when every
// target has k ratings. The result is NaN when t < 2, N − t < 1 or the
// denominator is 0.
func ICC1(units [][]float64) float64 {
	vals, off := flatten(units, 1)
	return iccOneWay(vals, off)
}

// AlphaInterval returns Krippendorff's alpha for interval data (Krippendorff
// 2011, "Computing Krippendorff's Alpha-Reliability") of units[u] = the
// values the observers assigned to unit u. NaN entries are missing values;
// units with fewer than 2 values are not pairable and are dropped. With mᵤ
// values in unit u and n pairable values in all:
//
//	D_o = (1/n) Σᵤ 1/(mᵤ − 1) · Σ_{i≠j∈u} (vᵢ − vⱼ)²
//	D_e = 1/(n(n − 1)) · Σ_{i≠j} (vᵢ − vⱼ)²
//	alpha = 1 − D_o/D_e
//
// The result is NaN when fewer than 2 values are pairable or D_e = 0.
func AlphaInterval(units [][]float64) float64 {
	vals, off := flatten(units, 2)
	return alphaInterval(vals, off)
}

// flatten concatenates the non-NaN values of the units that have at least
// minN of them; off[u]..off[u+1] bounds unit u in vals.
func flatten(units [][]float64, minN int) (vals []float64, off []int) {
	off = []int{0}
	for _, u := range units {
		start := len(vals)
		for _, v := range u {
			if !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
		if len(vals)-start < minN {
			vals = vals[:start]
			continue
		}
		off = append(off, len(vals))
	}
	return vals, off
}

// iccOneWay computes ICC(1,1) over the units vals[off[u]:off[u+1]]; empty
// units are skipped.
func iccOneWay(vals []float64, off []int) float64 {
	t, N, sumN2, total := 0, 0, 0.0, 0.0
	for u := 0; u+1 < len(off); u++ {
		n := off[u+1] - off[u]
		if n == 0 {
			continue
		}
		t++
		N += n
		sumN2 += float64(n) * float64(n)
		for _, v := range vals[off[u]:off[u+1]] {
			total += v
		}
	}
	if t < 2 || N-t < 1 {
		return math.NaN()
	}
	grand := total / float64(N)
	bss, wss := 0.0, 0.0
	for u := 0; u+1 < len(off); u++ {
		x := vals[off[u]:off[u+1]]
		if len(x) == 0 {
			continue
		}
		m := 0.0
		for _, v := range x {
			m += v
		}
		m /= float64(len(x))
		d := m - grand
		bss += float64(len(x)) * d * d
		for _, v := range x {
			e := v - m
			wss += e * e
		}
	}
	bms := bss / float64(t-1)
	wms := wss / float64(N-t)
	k0 := (float64(N) - sumN2/float64(N)) / float64(t-1)
	den := bms + (k0-1)*wms
	if den == 0 {
		return math.NaN()
	}
	return (bms - wms) / den
}

// alphaInterval computes Krippendorff's interval alpha over the units
// vals[off[u]:off[u+1]]; units with fewer than 2 values are skipped.
func alphaInterval(vals []float64, off []int) float64 {
	n, total := 0, 0.0
	do := 0.0 // Σᵤ Σ_{i≠j∈u}(vᵢ − vⱼ)²/(mᵤ − 1) = Σᵤ 2mᵤ·SSᵤ/(mᵤ − 1)
	for u := 0; u+1 < len(off); u++ {
		x := vals[off[u]:off[u+1]]
		m := len(x)
		if m < 2 {
			continue
		}
		n += m
		s := 0.0
		for _, v := range x {
			s += v
		}
		total += s
		mean := s / float64(m)
		ss := 0.0
		for _, v := range x {
			d := v - mean
			ss += d * d
		}
		do += 2 * float64(m) * ss / float64(m-1)
	}
	if n < 2 {
		return math.NaN()
	}
	grand := total / float64(n)
	ss := 0.0
	for u := 0; u+1 < len(off); u++ {
		x := vals[off[u]:off[u+1]]
		if len(x) < 2 {
			continue
		}
		for _, v := range x {
			d := v - grand
			ss += d * d
		}
	}
	de := 2 * float64(n) * ss / (float64(n) * float64(n-1))
	if de == 0 {
		return math.NaN()
	}
	return 1 - (do/float64(n))/de
}

// dyadRec is one two-way rating: subject a rated the other member of the
// pair {lo, hi}; c is the rating centred on a's mean, sd a's sample sd.
type dyadRec struct {
	lo, hi, a int32
	c, sd     float64
}

// flagFactor is the multiple of a rater's sd both centred ratings of a dyad
// must exceed to be flagged.
const flagFactor = 1.5

// reciprocity pairs the two-way ratings into dyads and computes the
// double-entry correlation and the flagged pairs (see Reciprocity).
func reciprocity(recs []dyadRec, subjects []string) Reciprocity {
	slices.SortFunc(recs, func(x, y dyadRec) int {
		switch {
		case x.lo != y.lo:
			return int(x.lo) - int(y.lo)
		case x.hi != y.hi:
			return int(x.hi) - int(y.hi)
		}
		return int(x.a) - int(y.a)
	})
	var u, v []float64
	out := Reciprocity{R: math.NaN()}
	for i := 0; i+1 < len(recs); i++ {
		p, q := recs[i], recs[i+1]
		if p.lo != q.lo || p.hi != q.hi || p.a == q.a {
			continue
		}
		i++ // p is lo's rating of hi, q is hi's rating of lo
		u = append(u, p.c)
		v = append(v, q.c)
		if p.c > flagFactor*p.sd && q.c > flagFactor*q.sd {
			a, b, ab, ba := subjects[p.lo], subjects[p.hi], p.c, q.c
			if b < a {
				a, b, ab, ba = b, a, ba, ab
			}
			out.Flagged = append(out.Flagged, Pair{A: a, B: b, AB: ab, BA: ba})
		}
	}
	out.Dyads = len(u)
	sort.Slice(out.Flagged, func(i, j int) bool {
		if out.Flagged[i].A != out.Flagged[j].A {
			return out.Flagged[i].A < out.Flagged[j].A
		}
		return out.Flagged[i].B < out.Flagged[j].B
	})
	if len(u) < 2 {
		return out
	}
	m := 0.0
	for i := range u {
		m += u[i] + v[i]
	}
	m /= float64(2 * len(u))
	num, den := 0.0, 0.0
	for i := range u {
		du, dv := u[i]-m, v[i]-m
		num += 2 * du * dv
		den += du*du + dv*dv
	}
	if den == 0 {
		return out
	}
	out.R = num / den
	return out
}
