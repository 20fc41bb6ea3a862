package engine

import (
	"context"
	"math"
	"slices"

	"github.com/govscore/govscore/dataset"
)

// setGroups fixes the peer groups of the group statistics: each subject's
// group (Options.Groups, else dataset.PeerGroups over the set's
// peer_groups) and its pool, -1 when rated (the rated_when column, nil =
// every subject) excludes it. The pools are those of the batch period in
// every period a statistic is taken in.
func (e *evaluation) setGroups(rated []float64) {
	e.grp = e.opts.Groups
	if e.grp == nil {
		_, e.grp = dataset.PeerGroups(e.ds.Subjects, e.plan.set.PeerGroups)
	}
	e.gid = make([]int, e.n)
	e.ng = 0
	for i, g := range e.grp {
		e.ng = max(e.ng, g+1)
		if rated != nil && rated[i] != 1 {
			e.gid[i] = -1
		} else {
			e.gid[i] = g
		}
	}
}

// group returns the column of group-statistic input id in period q,
// computing it once: the statistic of the metric's present values over each
// pool, written to every subject of the group (SPEC §4.3).
func (e *evaluation) group(ctx context.Context, id int, q dataset.Period) ([]float64, error) {
	k := groupKey{id, q}
	if col, ok := e.groupMemo[k]; ok {
		return col, nil
	}
	ref := e.plan.inputs[id]
	per := q
	if ref.prev {
		per = q.Prev()
	}
	var src []float64
	if di, ok := e.plan.derivedIdx[ref.name]; ok {
		c, err := e.derived(ctx, di, per)
		if err != nil {
			return nil, err
		}
		src = c
	} else {
		src = e.ds.Column(ref.name, per)
	}
	if src == nil {
		src = e.missing()
	}
	stats := groupStatistic(ref.stat, src, e.gid, e.ng)
	out := make([]float64, e.n)
	for i, g := range e.grp {
		out[i] = stats[g]
	}
	e.groupMemo[k] = out
	return out, nil
}

// groupStatistic returns, for each of ng pools, statistic st of the present
// values x[i] of the subjects i with gid[i] == that pool (gid −1: none),
// NaN when the pool has no present value (and, for sd, fewer than two).
// Every statistic is a fixed number of passes over the column, whatever
// the number of pools:
//
//	mean   Σx / n
//	sd     √(Σ(x − mean)² / (n − 1))
//	min, max, count (n)
//	median R type 7 at q = ½: sorted x₀…xₙ₋₁, h = (n−1)/2,
//	       x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋)
func groupStatistic(st groupStat, x []float64, gid []int, ng int) []float64 {
	out := make([]float64, ng)
	cnt := make([]int, ng)
	switch st {
	case gMin, gMax:
		for g := range out {
			out[g] = math.NaN()
		}
		for i, v := range x {
			g := gid[i]
			if g < 0 || v != v {
				continue
			}
			if cnt[g] == 0 || st == gMin && v < out[g] || st == gMax && v > out[g] {
				out[g] = v
			}
			cnt[g]++
		}
		return out
	case gMedian:
		return groupMedian(x, gid, ng)
	}
	for i, v := range x {
		if g := gid[i]; g >= 0 && v == v {
			out[g] += v
			cnt[g]++
		}
	}
	if st == gCount {
		for g, c := range cnt {
			out[g] = float64(c)
			if c == 0 {
				out[g] = math.NaN()
			}
		}
		return out
	}
	for g, c := range cnt {
		out[g] /= float64(c) // 0/0 = NaN when the pool has no value
	}
	if st == gMean {
		return out
	}
	ss := make([]float64, ng)
	for i, v := range x {
		if g := gid[i]; g >= 0 && v == v {
			d := v - out[g]
			ss[g] += d * d
		}
	}
	for g, c := range cnt {
		if c < 2 {
			out[g] = math.NaN()
		} else {
			out[g] = math.Sqrt(ss[g] / float64(c-1))
		}
	}
	return out
}

// groupMedian is groupStatistic's median: the present values are bucketed
// by pool (a counting sort over the column), and in each bucket the
// ⌊h⌋-th smallest value is selected (selectKth) rather than the bucket
// sorted; the next order statistic is the smallest value above it.
func groupMedian(x []float64, gid []int, ng int) []float64 {
	start := make([]int, ng+1)
	for i, v := range x {
		if g := gid[i]; g >= 0 && v == v {
			start[g+1]++
		}
	}
	for g := range ng {
		start[g+1] += start[g]
	}
	vals := make([]float64, start[ng])
	next := slices.Clone(start[:ng])
	for i, v := range x {
		if g := gid[i]; g >= 0 && v == v {
			vals[next[g]] = v
			next[g]++
		}
	}
	out := make([]float64, ng)
	for g := range ng {
		b := vals[start[g]:start[g+1]]
		if len(b) == 0 {
			out[g] = math.NaN()
			continue
		}
		h := float64(len(b)-1) / 2
		lo := int(h)
		selectKth(b, lo)
		out[g] = b[lo]
		if f := h - float64(lo); f > 0 {
			out[g] = b[lo] + f*(slices.Min(b[lo+1:])-b[lo])
		}
	}
	return out
}

// selectKth reorders a so that a[k] is the value a sorted copy would hold
// there, every value before it ≤ a[k] and every value after it ≥ a[k]
// (quickselect with a median-of-three pivot and a three-way partition,
// which keeps runs of ties linear). a holds no NaN. After 64 rounds without
// converging, the remaining range is sorted.
func selectKth(a []float64, k int) {
	lo, hi := 0, len(a)-1
	for round := 0; hi > lo; round++ {
		if round == 64 {
			slices.Sort(a[lo : hi+1])
			return
		}
		mid := lo + (hi-lo)/2
		x, y, z := a[lo], a[mid], a[hi]
		p := max(min(x, y), min(max(x, y), z)) // median of three
		// Three-way partition: a[lo:lt] < p, a[lt:i] == p, a[gt+1:hi+1] > p.
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch v := a[i]; {
			case v < p:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case v > p:
				a[i], a[gt] = a[gt], a[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return
		}
	}
}
