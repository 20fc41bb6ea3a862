package assess

import (
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/diag"
)

// Result is the outcome of Combine: per item, the combined scores of every
// subject and the statistics behind them. A Result is read-only after
// Combine returns and safe for concurrent use.
type Result struct {
	// Subjects are the subject ids every column is indexed by, as given to
	// Combine.
	Subjects []string
	// Items holds one result per item, in the order the items were given.
	Items []ItemResult
	// Scores maps an item id to its combined score column A (same slice as
	// the item's ItemResult.Score): what `assess.<item>` evaluates to.
	Scores map[string][]float64
}

// Item returns the result of the item with the given id, or nil.
func (r *Result) Item(id string) *ItemResult {
	for i := range r.Items {
		if r.Items[i].ID == id {
			return &r.Items[i]
		}
	}
	return nil
}

// RoleStats summarises the ratings one subject received in one role of an
// item (after standardisation when the item standardises).
type RoleStats struct {
	// N is the number of ratings before trimming (what min_raters counts).
	N int
	// Kept is nᵣ, the number of ratings after trimming; 0 when the role is
	// not present.
	Kept int
	// Mean is the trimmed mean mᵣ; NaN when the role is not present.
	Mean float64
	// SD is the sample standard deviation sᵣ of the kept ratings, 0 when
	// Kept == 1; NaN when the role is not present.
	SD float64
	// Present reports whether N ≥ max(1, min_raters).
	Present bool
}

// ItemResult holds the combination of one item for every subject, indexed
// like Result.Subjects.
type ItemResult struct {
	ID, Name string
	Roles    []RoleWeight // the item's roles, in declaration order
	// Score is the combined score A per subject, NaN = missing.
	Score []float64
	// SE is the standard error of A per subject, NaN when A is missing.
	SE []float64
	// Low and High bound the 90% interval A ± Z90·SE, NaN when A is missing.
	Low, High []float64
	// Stats holds the per-role statistics, subject-major:
	// Stats[s*len(Roles)+r] is subject s in role r. See Stat.
	Stats []RoleStats
	// Reliability describes the agreement of the item's raters.
	Reliability Reliability
}

// Stat returns the statistics of subject index s in role index r.
func (ir *ItemResult) Stat(s, r int) RoleStats { return ir.Stats[s*len(ir.Roles)+r] }

// Reliability describes an item's raw ratings in the period (see the
// package documentation for the formulas).
type Reliability struct {
	// Raters is the number of distinct raters of the item.
	Raters int
	// Ratings is the number of ratings of the item.
	Ratings int
	// RoleRatings is the number of ratings per role (Roles order).
	RoleRatings []int
	// RoleMeans is the mean raw rating per role over all subjects, NaN when
	// the role has fewer than max(1, min_raters) ratings.
	RoleMeans []float64
	// ICC1 is Shrout & Fleiss ICC(1,1) with subjects as targets (unbalanced
	// k₀ adjustment), NaN when undefined.
	ICC1 float64
	// Alpha is Krippendorff's alpha for interval data with subjects as units,
	// NaN when undefined.
	Alpha float64
	// Reciprocity measures mutual rating between subjects (two-way items).
	Reciprocity Reciprocity
}

// Reciprocity is the dyadic analysis of subjects that rate each other.
type Reciprocity struct {
	// Dyads is the number of pairs of distinct subjects that rated each
	// other on the item.
	Dyads int
	// R is the double-entry Pearson correlation of the rater-centred dyad
	// ratings; NaN with fewer than 2 dyads or no variation.
	R float64
	// Flagged lists the dyads where both centred ratings exceed 1.5 times the
	// rater's own sd (possible collusion), sorted by A then B.
	Flagged []Pair
}

// Pair is a dyad of subjects, A < B (by id).
type Pair struct {
	A, B string
	// AB is A's rating of B centred on A's mean rating of the item; BA is
	// B's rating of A centred on B's mean.
	AB, BA float64
}

// rec is one valid rating reduced to integer keys.
type rec struct {
	key   int32 // subject*len(roles) + role index, within the item
	rater int32 // global rater index
	score float64
}

// Combine combines the ratings of one period into one score per item and
// subject, with per-role statistics, standard errors, 90% intervals and
// reliability measures (see the package documentation for every formula).
//
// items must have unique, valid definitions; subjects are unique ids and
// index every output column. Each rating must name a known item, a known
// subject and a role of the item, carry a non-empty rater and a score
// inside the item's scale, use role "self" when the rater is the subject,
// and be the only rating of its (item, subject, rater). Every violation is
// reported at once in a diag.List and no result is returned.
//
// Combine runs in O(N log g + S·R) for N ratings, groups of at most g
// ratings, S subjects and R roles, grouping by integer keys; items are
// processed concurrently.
func Combine(items []Item, subjects []string, ratings []Rating) (*Result, error) {
	return combine(items, subjects, ratings, nil)
}

// combine is Combine; when keep is not nil (len(items) entries), it also
// records each item's grouped ratings there for a Bootstrap.
func combine(items []Item, subjects []string, ratings []Rating, keep []bootItem) (*Result, error) {
	var errs diag.List
	itemIdx := make(map[string]int32, len(items))
	for i := range items {
		it := &items[i]
		it.validate(&errs)
		if it.ID == "" {
			continue
		}
		if _, dup := itemIdx[it.ID]; dup {
			errs.Add(it.Pos, "assessment item %q defined twice", it.ID)
			continue
		}
		itemIdx[it.ID] = int32(i)
	}
	subjIdx := make(map[string]int32, len(subjects))
	for i, s := range subjects {
		if s == "" {
			errs.Add(diag.Pos{}, "subject %d has an empty id", i)
			continue
		}
		if _, dup := subjIdx[s]; dup {
			errs.Add(diag.Pos{}, "subject %q listed twice", s)
			continue
		}
		subjIdx[s] = int32(i)
	}
	for i := range items {
		if int64(len(subjects))*int64(len(items[i].Roles)) >= math.MaxInt32 {
			errs.Add(items[i].Pos, "assessment item %q: too many subjects × roles", items[i].ID)
		}
	}
	if len(ratings) >= math.MaxInt32 {
		errs.Add(diag.Pos{}, "too many ratings (%d)", len(ratings))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}

	roleNames := make([][]string, len(items))
	for k := range items {
		for _, r := range items[k].Roles {
			roleNames[k] = append(roleNames[k], r.Role)
		}
	}

	// Pass 1: validate and reduce every rating to integer keys.
	n := len(ratings)
	recs := make([]rec, n)
	itemOf := make([]int32, n)
	off := make([]int, len(items)+1)
	raterIdx := make(map[string]int32)
	var raterSubj []int32 // subject index of each rater, -1 when not a subject
	var raterNames []string
	var bad badRatings
	for i := range ratings {
		rt := &ratings[i]
		itemOf[i] = -1
		k, ok := itemIdx[rt.Item]
		if !ok {
			bad.count(&bad.items, rt.Item)
			continue
		}
		s, ok := subjIdx[rt.Subject]
		if !ok {
			bad.count(&bad.subjects, rt.Subject)
			continue
		}
		roles := roleNames[k]
		ro := -1
		for j, name := range roles {
			if name == rt.Role {
				ro = j
				break
			}
		}
		if ro < 0 {
			bad.count(&bad.roles, rt.Item+"\x00"+rt.Role)
			continue
		}
		it := &items[k]
		if x := rt.Score; !(x >= it.Scale[0] && x <= it.Scale[1]) {
			bad.list.Add(diag.Pos{}, "assessment item %q, subject %q, rater %q: score %v outside the scale [%v, %v]",
				rt.Item, rt.Subject, rt.Rater, x, it.Scale[0], it.Scale[1])
			continue
		}
		if rt.Rater == "" {
			bad.list.Add(diag.Pos{}, "assessment item %q, subject %q: empty rater", rt.Item, rt.Subject)
			continue
		}
		r, ok := raterIdx[rt.Rater]
		if !ok {
			r = int32(len(raterSubj))
			raterIdx[rt.Rater] = r
			rs, isSubj := subjIdx[rt.Rater]
			if !isSubj {
				rs = -1
			}
			raterSubj = append(raterSubj, rs)
			raterNames = append(raterNames, rt.Rater)
		}
		if raterSubj[r] == s && rt.Role != SelfRole {
			bad.list.Add(diag.Pos{}, "assessment item %q: subject %q rates itself with role %q (only %q allowed)",
				rt.Item, rt.Subject, rt.Role, SelfRole)
			continue
		}
		recs[i] = rec{key: s*int32(len(roles)) + int32(ro), rater: r, score: rt.Score}
		itemOf[i] = k
		off[k+1]++
	}
	bad.flush(&errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}

	// Pass 2: bucket by item (stable); recs becomes scratch space.
	for k := range items {
		off[k+1] += off[k]
	}
	byItem := make([]rec, off[len(items)])
	next := slices.Clone(off[:len(items)])
	for i, k := range itemOf {
		if k >= 0 {
			byItem[next[k]] = recs[i]
			next[k]++
		}
	}
	itemOf = nil

	c := &combiner{subjects: subjects, nRaters: len(raterSubj), raterSubj: raterSubj, raterNames: raterNames, keep: keep}
	res := &Result{Subjects: subjects, Items: make([]ItemResult, len(items)), Scores: make(map[string][]float64, len(items))}
	itemErrs := make([]diag.List, len(items))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for k := range items {
		g.Go(func() error {
			res.Items[k], itemErrs[k] = c.item(k, &items[k], byItem[off[k]:off[k+1]], recs[off[k]:off[k+1]])
			return nil
		})
	}
	_ = g.Wait() // the workers never fail; their errors are in itemErrs
	for k := range items {
		errs = append(errs, itemErrs[k]...)
		res.Scores[items[k].ID] = res.Items[k].Score
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// badRatings collects invalid ratings, one message per distinct unknown
// item, subject and (item, role).
type badRatings struct {
	list                   diag.List
	items, subjects, roles map[string]int
}

func (b *badRatings) count(m *map[string]int, key string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[key]++
}

func (b *badRatings) flush(errs *diag.List) {
	times := func(n int) string {
		if n == 1 {
			return "1 rating"
		}
		return fmt.Sprintf("%d ratings", n)
	}
	for _, k := range slices.Sorted(maps.Keys(b.items)) {
		errs.Add(diag.Pos{}, "unknown assessment item %q (%s)", k, times(b.items[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(b.subjects)) {
		errs.Add(diag.Pos{}, "assessment of unknown subject %q (%s)", k, times(b.subjects[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(b.roles)) {
		var item, role string
		for i := 0; i < len(k); i++ {
			if k[i] == 0 {
				item, role = k[:i], k[i+1:]
				break
			}
		}
		errs.Add(diag.Pos{}, "assessment item %q has no role %q (%s)", item, role, times(b.roles[k]))
	}
	*errs = append(*errs, b.list...)
}

// combiner holds what every item's computation shares (read-only).
type combiner struct {
	subjects   []string
	nRaters    int
	raterSubj  []int32    // subject index of each rater, -1 when not a subject
	raterNames []string   // rater ids by index
	keep       []bootItem // when not nil, item k's groups go to keep[k]
}

// item computes item k's result from its ratings in, using buf (same
// length) as scratch. It returns the duplicate-rating errors it finds.
func (c *combiner) item(k int, it *Item, in, buf []rec) (ItemResult, diag.List) {
	nS, nR := len(c.subjects), len(it.Roles)
	nG := nS * nR
	ir := ItemResult{
		ID: it.ID, Name: it.Name, Roles: slices.Clone(it.Roles),
		Score: make([]float64, nS), SE: make([]float64, nS),
		Low: make([]float64, nS), High: make([]float64, nS),
		Stats: make([]RoleStats, nG),
	}

	// Group by (subject, role) with a counting sort, then order each group
	// by score: the canonical order every sum below runs in.
	goff := make([]int, nG+1)
	for _, r := range in {
		goff[r.key+1]++
	}
	for g := 0; g < nG; g++ {
		goff[g+1] += goff[g]
	}
	pos := slices.Clone(goff[:nG])
	for _, r := range in {
		buf[pos[r.key]] = r
		pos[r.key]++
	}
	pos = nil
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
	N := len(sorted)
	raw := make([]float64, N)
	for i, r := range sorted {
		raw[i] = r.score
	}

	// Rater view: a stable counting sort by rater of the canonical order,
	// so each rater's ratings are contiguous and in subject order.
	roff := make([]int32, c.nRaters+1)
	for _, r := range sorted {
		roff[r.rater+1]++
	}
	raters := 0
	for j := 0; j < c.nRaters; j++ {
		if roff[j+1] > 0 {
			raters++
		}
		roff[j+1] += roff[j]
	}
	byRater := make([]int32, N) // positions in sorted
	rpos := slices.Clone(roff[:c.nRaters])
	for i, r := range sorted {
		byRater[rpos[r.rater]] = int32(i)
		rpos[r.rater]++
	}
	rpos = nil

	mu, sigma := meanSD(raw)
	adj := raw
	if it.Standardize {
		adj = make([]float64, N)
		copy(adj, raw)
	}
	var errs diag.List
	var dyads []dyadRec
	for j := 0; j < c.nRaters; j++ {
		idx := byRater[roff[j]:roff[j+1]]
		if len(idx) == 0 {
			continue
		}
		sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
		prevS := int32(-1)
		for _, p := range idx {
			x := raw[p]
			sum += x
			lo, hi = min(lo, x), max(hi, x)
			s := sorted[p].key / int32(nR)
			if s == prevS {
				errs.Add(it.Pos, "assessment item %q: subject %q rated more than once by rater %q",
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
					adj[p] = mu
				} else {
					adj[p] = mu + sigma*(raw[p]-m)/sd
				}
			}
		}
		if a := c.raterSubj[j]; a >= 0 {
			for _, p := range idx {
				b := sorted[p].key / int32(nR)
				if b == a {
					continue
				}
				d := dyadRec{lo: min(a, b), hi: max(a, b), a: a, c: raw[p] - m, sd: sd}
				dyads = append(dyads, d)
			}
		}
	}

	// Per (subject, role) statistics and the combination.
	minN := make([]int, nR)
	for r := range minN {
		minN[r] = it.MinPresent(r)
	}
	var vals []float64
	for g := 0; g < nG; g++ {
		st := &ir.Stats[g]
		st.N = goff[g+1] - goff[g]
		if st.N < minN[g%nR] {
			st.Mean, st.SD = math.NaN(), math.NaN()
			continue
		}
		vals = append(vals[:0], adj[goff[g]:goff[g+1]]...)
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
	if c.keep != nil {
		c.keep[k] = newBootItem(it, goff, adj, ir.Stats)
	}
	fail := it.MissingRole == Fail
	for s := 0; s < nS; s++ {
		sumW, num, missing := 0.0, 0.0, false
		for r, rw := range it.Roles {
			if rw.Weight <= 0 {
				continue
			}
			st := &ir.Stats[s*nR+r]
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
		for r, rw := range it.Roles {
			st := &ir.Stats[s*nR+r]
			if rw.Weight <= 0 || !st.Present {
				continue
			}
			w := rw.Weight / sumW
			v += w * w * st.SD * st.SD / float64(st.Kept)
		}
		se := math.Sqrt(v)
		ir.Score[s], ir.SE[s], ir.Low[s], ir.High[s] = a, se, a-Z90*se, a+Z90*se
	}

	// Reliability on the raw ratings.
	rel := &ir.Reliability
	rel.Raters, rel.Ratings = raters, N
	rel.RoleRatings = make([]int, nR)
	rel.RoleMeans = make([]float64, nR)
	for g := 0; g < nG; g++ {
		r := g % nR
		rel.RoleRatings[r] += goff[g+1] - goff[g]
		for _, x := range raw[goff[g]:goff[g+1]] {
			rel.RoleMeans[r] += x
		}
	}
	for r := range rel.RoleMeans {
		if rel.RoleRatings[r] < minN[r] {
			rel.RoleMeans[r] = math.NaN()
		} else {
			rel.RoleMeans[r] /= float64(rel.RoleRatings[r])
		}
	}
	uoff := make([]int, nS+1)
	for s := 0; s <= nS; s++ {
		uoff[s] = goff[s*nR]
	}
	rel.ICC1 = iccOneWay(raw, uoff)
	rel.Alpha = alphaInterval(raw, uoff)
	rel.Reciprocity = reciprocity(dyads, c.subjects)
	return ir, errs
}

// meanSD returns the mean and the sample standard deviation (n − 1) of x,
// computed in two passes; sd is NaN when len(x) < 2 and exactly 0 when all
// values are equal.
func meanSD(x []float64) (mean, sd float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	sum, lo, hi := 0.0, x[0], x[0]
	for _, v := range x {
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	mean = sum / float64(len(x))
	if len(x) < 2 {
		return mean, math.NaN()
	}
	if lo == hi {
		return mean, 0
	}
	ss := 0.0
	for _, v := range x {
		d := v - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}
