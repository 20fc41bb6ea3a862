package assess

import (
	"math"
	"slices"

	"github.com/govscore/govscore/diag"
)

// combiner holds what every item's computation shares (read-only).
type combiner struct {
	subjects   []string
	nRaters    int
	raterSubj  []int32    // subject index of each rater, -1 when not a subject
	raterNames []string   // rater ids by index
	keep       []bootItem // when not nil, item k's groups go to keep[k]
}

// item computes item k's result from its ratings in, using buf (same
// length) as scratch. It returns the duplicate-rating errors it finds. The
// stages, in order, are the methods of itemRun below; the package
// documentation has every formula.
func (c *combiner) item(k int, it *Item, in, buf []rec) (ItemResult, diag.List) {
	nS, nR := len(c.subjects), len(it.Roles)
	nG := nS * nR
	ir := ItemResult{
		ID: it.ID, Name: it.Name, Roles: slices.Clone(it.Roles),
		Score: make([]float64, nS), SE: make([]float64, nS),
		Low: make([]float64, nS), High: make([]float64, nS),
		Stats: make([]RoleStats, nG),
	}
	r := &itemRun{c: c, it: it, ir: &ir, nS: nS, nR: nR, nG: nG}
	r.group(in, buf)
	r.raterView()
	r.standardise()
	r.roleStats()
	if c.keep != nil {
		c.keep[k] = newBootItem(it, r.goff, r.adj, ir.Stats)
	}
	r.combineRoles()
	r.reliability()
	return ir, r.errs
}

// itemRun is the state of one item's computation: its ratings grouped by
// (subject, role) g = s·nR + r, and what the stages derive from them.
type itemRun struct {
	c          *combiner
	it         *Item
	ir         *ItemResult
	nS, nR, nG int

	sorted []rec     // the ratings in canonical order: by group, then score, then rater
	goff   []int     // group g is sorted[goff[g]:goff[g+1]]
	raw    []float64 // raw[i] = sorted[i].score
	roff   []int32   // rater j's ratings are byRater[roff[j]:roff[j+1]]
	// byRater holds positions in sorted, each rater's in subject order.
	byRater []int32
	raters  int       // raters with at least one rating
	adj     []float64 // the ratings after standardisation (raw when none)
	dyads   []dyadRec // the ratings of a subject by a rater who is a subject
	minN    []int     // the ratings a role needs to be present (Item.MinPresent)
	errs    diag.List
}

// group groups the ratings by (subject, role) with a counting sort into
// buf, then orders each group by score (ties by rater): the canonical
// order every sum below runs in.
func (r *itemRun) group(in, buf []rec) {
	nG := r.nG
	goff := make([]int, nG+1)
	for _, x := range in {
		goff[x.key+1]++
	}
	for g := 0; g < nG; g++ {
		goff[g+1] += goff[g]
	}
	pos := slices.Clone(goff[:nG])
	for _, x := range in {
		buf[pos[x.key]] = x
		pos[x.key]++
	}
	sorted := buf
	for g := 0; g < nG; g++ {
		grp := sorted[goff[g]:goff[g+1]]
		if len(grp) > 1 {
			slices.SortFunc(grp, func(a, b rec) int {
				switch {
				case a.score < b.score:
					return -1
				case a.score > b.score:
					return 1
				}
				return int(a.rater) - int(b.rater)
			})
		}
	}
	r.raw = make([]float64, len(sorted))
	for i, x := range sorted {
		r.raw[i] = x.score
	}
	r.sorted, r.goff = sorted, goff
}

// raterView sorts the canonical order by rater (a stable counting sort),
// so each rater's ratings are contiguous and in subject order, and counts
// the raters.
func (r *itemRun) raterView() {
	nRaters := r.c.nRaters
	roff := make([]int32, nRaters+1)
	for _, x := range r.sorted {
		roff[x.rater+1]++
	}
	for j := 0; j < nRaters; j++ {
		if roff[j+1] > 0 {
			r.raters++
		}
		roff[j+1] += roff[j]
	}
	byRater := make([]int32, len(r.sorted))
	rpos := slices.Clone(roff[:nRaters])
	for i, x := range r.sorted {
		byRater[rpos[x.rater]] = int32(i)
		rpos[x.rater]++
	}
	r.roff, r.byRater = roff, byRater
}

// standardise walks each rater's ratings: it reports a subject the rater
// rated twice, replaces each rating x by x' = μ + σ·(x − μⱼ)/σⱼ (μ when
// σⱼ = 0) when the item standardises and the rater gave ≥ 3 ratings, and
// records the dyads (rater a rated subject b: x − μⱼ) of raters who are
// subjects for the reciprocity.
func (r *itemRun) standardise() {
	c, it, raw := r.c, r.it, r.raw
	mu, sigma := meanSD(raw)
	r.adj = raw
	if it.Standardize {
		r.adj = slices.Clone(raw)
	}
	for j := 0; j < c.nRaters; j++ {
		idx := r.byRater[r.roff[j]:r.roff[j+1]]
		if len(idx) == 0 {
			continue
		}
		sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
		prevS := int32(-1)
		for _, p := range idx {
			x := raw[p]
			sum += x
			lo, hi = min(lo, x), max(hi, x)
			s := r.sorted[p].key / int32(r.nR)
			if s == prevS {
				r.errs.Add(it.Pos, "assessment item %q: subject %q rated more than once by rater %q",
					it.ID, c.subjects[s], c.raterNames[j])
			}
			prevS = s
		}
		m := sum / float64(len(idx))
		ss := 0.0
		for _, p := range idx {
			d := raw[p] - m
			ss += d * d
		}
		sd := 0.0
		if len(idx) > 1 {
			sd = math.Sqrt(ss / float64(len(idx)-1))
		}
		if lo == hi {
			sd = 0
		}
		if it.Standardize && len(idx) >= 3 {
			for _, p := range idx {
				if sd == 0 {
					r.adj[p] = mu
				} else {
					r.adj[p] = mu + sigma*(raw[p]-m)/sd
				}
			}
		}
		if a := c.raterSubj[j]; a >= 0 {
			for _, p := range idx {
				b := r.sorted[p].key / int32(r.nR)
				if b == a {
					continue
				}
				r.dyads = append(r.dyads, dyadRec{lo: min(a, b), hi: max(a, b), a: a, c: raw[p] - m, sd: sd})
			}
		}
	}
}

// roleStats computes each (subject, role) group's statistics: present when
// nᵣ⁰ ≥ the role's minimum, then trimmed (when nᵣ⁰ > 2·trim + 2), mᵣ and
// sᵣ of the kept ratings (sᵣ = 0 when one is kept).
func (r *itemRun) roleStats() {
	it, ir := r.it, r.ir
	r.minN = make([]int, r.nR)
	for role := range r.minN {
		r.minN[role] = it.MinPresent(role)
	}
	var vals []float64
	for g := 0; g < r.nG; g++ {
		st := &ir.Stats[g]
		st.N = r.goff[g+1] - r.goff[g]
		if st.N < r.minN[g%r.nR] {
			st.Mean, st.SD = math.NaN(), math.NaN()
			continue
		}
		vals = append(vals[:0], r.adj[r.goff[g]:r.goff[g+1]]...)
		if it.Standardize {
			slices.Sort(vals)
		}
		if len(vals) > 2*it.Trim+2 {
			vals = vals[it.Trim : len(vals)-it.Trim]
		}
		st.Present = true
		st.Kept = len(vals)
		st.Mean, st.SD = meanSD(vals)
		if st.Kept == 1 {
			st.SD = 0
		}
	}
}

// combineRoles combines each subject's present roles of positive weight:
// A = Σ wᵣmᵣ / Σ wᵣ, SE = sqrt(Σ (wᵣ/Σw)²·sᵣ²/nᵣ), the 90% interval
// A ± 1.645·SE; missing when no such role is present or, with
// missing_role: fail, when one is missing.
func (r *itemRun) combineRoles() {
	it, ir, nR := r.it, r.ir, r.nR
	fail := it.MissingRole == Fail
	for s := 0; s < r.nS; s++ {
		sumW, num, missing := 0.0, 0.0, false
		for role, rw := range it.Roles {
			if rw.Weight <= 0 {
				continue
			}
			st := &ir.Stats[s*nR+role]
			if !st.Present {
				missing = true
				continue
			}
			sumW += rw.Weight
			num += rw.Weight * st.Mean
		}
		if sumW == 0 || (fail && missing) {
			ir.Score[s], ir.SE[s], ir.Low[s], ir.High[s] = math.NaN(), math.NaN(), math.NaN(), math.NaN()
			continue
		}
		a := num / sumW
		v := 0.0
		for role, rw := range it.Roles {
			st := &ir.Stats[s*nR+role]
			if rw.Weight <= 0 || !st.Present {
				continue
			}
			w := rw.Weight / sumW
			v += w * w * st.SD * st.SD / float64(st.Kept)
		}
		se := math.Sqrt(v)
		ir.Score[s], ir.SE[s], ir.Low[s], ir.High[s] = a, se, a-Z90*se, a+Z90*se
	}
}

// reliability measures the agreement on the raw ratings, pooling roles:
// the counts and each role's mean (NaN under the role's minimum), ICC(1),
// Cronbach's alpha and the reciprocity of the dyads.
func (r *itemRun) reliability() {
	nR, goff, raw := r.nR, r.goff, r.raw
	rel := &r.ir.Reliability
	rel.Raters, rel.Ratings = r.raters, len(raw)
	rel.RoleRatings = make([]int, nR)
	rel.RoleMeans = make([]float64, nR)
	for g := 0; g < r.nG; g++ {
		role := g % nR
		rel.RoleRatings[role] += goff[g+1] - goff[g]
		for _, x := range raw[goff[g]:goff[g+1]] {
			rel.RoleMeans[role] += x
		}
	}
	for role := range rel.RoleMeans {
		if rel.RoleRatings[role] < r.minN[role] {
			rel.RoleMeans[role] = math.NaN()
		} else {
			rel.RoleMeans[role] /= float64(rel.RoleRatings[role])
		}
	}
	uoff := make([]int, r.nS+1)
	for s := 0; s <= r.nS; s++ {
		uoff[s] = goff[s*nR]
	}
	rel.ICC1 = iccOneWay(raw, uoff)
	rel.Alpha = alphaInterval(raw, uoff)
	rel.Reciprocity = reciprocity(r.dyads, r.c.subjects)
}
