package assess

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Bootstrap draws rater-bootstrap replicates of the combined scores (the
// uncertainty analysis of SPEC §6: "rater bootstrap when assessments
// exist"). It holds, for every item, subject and role, the ratings that
// Combine summarised — after standardisation when the item standardises —
// sorted by value, so that a replicate costs one uniform draw per rating and
// no sort.
//
// One replicate resamples, independently for each (item, subject, role) with
// a positive weight whose role is present, the role's nᵣ⁰ ratings with
// replacement (nᵣ⁰ draws), and recombines exactly as Combine does: the
// trimmed mean of the draws (trimming when nᵣ⁰ > 2·trim + 2), then
// A = Σ wᵣmᵣ / Σ wᵣ over the present roles. Because the counts do not change,
// the present roles, and so whether A is missing, are those of the nominal
// combination. Standardisation is not redone per replicate: a rater's
// leniency is estimated once from all its ratings of the period, and the
// standardised ratings are resampled (redoing it would need a rater's
// ratings in other cells, which a cell-wise resample does not define).
//
// A Bootstrap is immutable after NewBootstrap and safe for concurrent use.
type Bootstrap struct {
	subjects []string
	items    []bootItem
}

// bootItem is one item's grouped ratings.
type bootItem struct {
	id      string
	weights []float64 // role weights, Roles order
	trim    int
	// off[g]..off[g+1] bounds group g = subject·R + role in vals, which
	// holds each group's ratings sorted ascending.
	off  []int32
	vals []float64
	// present[g] is whether the role is present for the subject; missing[s]
	// whether the subject's combined score is missing (fixed under
	// resampling).
	present []bool
	missing []bool
	maxN    int // the largest group
}

// NewBootstrap validates and groups the ratings of one period as Combine
// does (same arguments, same errors) and returns the bootstrap together
// with the nominal combination.
func NewBootstrap(items []Item, subjects []string, ratings []Rating) (*Bootstrap, *Result, error) {
	keep := make([]bootItem, len(items))
	res, err := combine(items, subjects, ratings, keep)
	if err != nil {
		return nil, nil, err
	}
	return &Bootstrap{subjects: subjects, items: keep}, res, nil
}

// newBootItem records item it's groups: goff bounds group g in adj (the
// possibly standardised ratings in canonical order), stats holds each
// group's presence.
func newBootItem(it *Item, goff []int, adj []float64, stats []RoleStats) bootItem {
	nR := len(it.Roles)
	nG := len(stats)
	b := bootItem{id: it.ID, trim: it.Trim, off: make([]int32, nG+1), vals: slices.Clone(adj),
		present: make([]bool, nG), weights: make([]float64, nR)}
	for r, rw := range it.Roles {
		b.weights[r] = rw.Weight
	}
	for g := 0; g < nG; g++ {
		b.off[g+1] = int32(goff[g+1])
		b.present[g] = stats[g].Present
		grp := b.vals[goff[g]:goff[g+1]]
		if it.Standardize {
			slices.Sort(grp)
		}
		b.maxN = max(b.maxN, len(grp))
	}
	if nR == 0 {
		return b
	}
	nS := nG / nR
	b.missing = make([]bool, nS)
	fail := it.MissingRole == Fail
	for s := 0; s < nS; s++ {
		has, lost := false, false
		for r, w := range b.weights {
			if w <= 0 {
				continue
			}
			if b.present[s*nR+r] {
				has = true
			} else {
				lost = true
			}
		}
		b.missing[s] = !has || (fail && lost)
	}
	return b
}

// Resample draws one replicate from rng and returns the combined score of
// every item, keyed by item id, each column indexed like the subjects (NaN
// where the nominal combined score is missing). The draws are taken in a
// fixed order — items as given, subjects as given, roles in declaration
// order, nᵣ⁰ draws of rng.IntN(nᵣ⁰) per resampled role — so the same rng
// state gives the same replicate. A role whose ratings are all equal (one
// rating included) takes no draw: every resample has that mean.
func (b *Bootstrap) Resample(rng *rand.Rand) map[string][]float64 {
	out := make(map[string][]float64, len(b.items))
	var counts []int32
	for k := range b.items {
		it := &b.items[k]
		if cap(counts) < it.maxN {
			counts = make([]int32, it.maxN)
		}
		col := make([]float64, len(b.subjects))
		nR := len(it.weights)
		for s := range col {
			if nR == 0 || it.missing[s] {
				col[s] = math.NaN()
				continue
			}
			sumW, num := 0.0, 0.0
			for r, w := range it.weights {
				g := s*nR + r
				if w <= 0 || !it.present[g] {
					continue
				}
				sumW += w
				num += w * resampleMean(it.vals[it.off[g]:it.off[g+1]], it.trim, rng, counts)
			}
			col[s] = num / sumW
		}
		out[it.id] = col
	}
	return out
}

// resampleMean returns the trimmed mean of len(vals) draws with
// replacement from vals (sorted ascending): the draws are counted per
// position, so that trimming the trim lowest and highest draws (when
// n > 2·trim + 2) walks the counts from either end.
func resampleMean(vals []float64, trim int, rng *rand.Rand, counts []int32) float64 {
	n := len(vals)
	if vals[0] == vals[n-1] {
		return vals[0]
	}
	cnt := counts[:n]
	clear(cnt)
	for range n {
		cnt[rng.IntN(n)]++
	}
	t := 0
	if n > 2*trim+2 {
		t = trim
	}
	for i, lo := 0, int32(t); lo > 0; i++ {
		d := min(cnt[i], lo)
		cnt[i] -= d
		lo -= d
	}
	for i, hi := n-1, int32(t); hi > 0; i-- {
		d := min(cnt[i], hi)
		cnt[i] -= d
		hi -= d
	}
	sum := 0.0
	for i, c := range cnt {
		if c != 0 {
			sum += float64(c) * vals[i]
		}
	}
	return sum / float64(n-2*t)
}
