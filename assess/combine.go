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
// records each item's grouped ratings there for a Bootstrap. Its stages:
// index the definitions, reduce the ratings to integer keys, bucket them
// by item, and compute the items concurrently (combiner.item).
func combine(items []Item, subjects []string, ratings []Rating, keep []bootItem) (*Result, error) {
	var errs diag.List
	itemIdx, subjIdx := indexDefinitions(items, subjects, len(ratings), &errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	red := reduceRatings(items, subjIdx, itemIdx, ratings)
	red.bad.flush(&errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	byItem := red.bucketByItem(len(items))

	c := &combiner{subjects: subjects, nRaters: len(red.raterSubj), raterSubj: red.raterSubj, raterNames: red.raterNames, keep: keep}
	res := &Result{Subjects: subjects, Items: make([]ItemResult, len(items)), Scores: make(map[string][]float64, len(items))}
	itemErrs := make([]diag.List, len(items))
	off, recs := red.off, red.recs
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

// indexDefinitions validates the items and the subjects and indexes them
// by id; a definition defined twice, an empty subject id and sizes beyond
// the int32 keys are errors in errs.
func indexDefinitions(items []Item, subjects []string, nRatings int, errs *diag.List) (itemIdx, subjIdx map[string]int32) {
	itemIdx = make(map[string]int32, len(items))
	for i := range items {
		it := &items[i]
		it.validate(errs)
		if it.ID == "" {
			continue
		}
		if _, dup := itemIdx[it.ID]; dup {
			errs.Add(it.Pos, "assessment item %q defined twice", it.ID)
			continue
		}
		itemIdx[it.ID] = int32(i)
	}
	subjIdx = make(map[string]int32, len(subjects))
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
	if nRatings >= math.MaxInt32 {
		errs.Add(diag.Pos{}, "too many ratings (%d)", nRatings)
	}
	return itemIdx, subjIdx
}

// reduced is every valid rating reduced to integer keys: recs[i] is
// rating i of item itemOf[i] (-1 when invalid), off[k+1] counts item k's
// valid ratings, raters are indexed in order of appearance.
type reduced struct {
	recs       []rec
	itemOf     []int32
	off        []int
	raterSubj  []int32 // subject index of each rater, -1 when not a subject
	raterNames []string
	bad        badRatings
}

// reduceRatings validates every rating (known item, subject and role, a
// score inside the item's scale, a rater, role "self" when the rater is
// the subject) and reduces it to rec{key: s·R + r, rater, score}.
func reduceRatings(items []Item, subjIdx, itemIdx map[string]int32, ratings []Rating) *reduced {
	roleNames := make([][]string, len(items))
	for k := range items {
		for _, r := range items[k].Roles {
			roleNames[k] = append(roleNames[k], r.Role)
		}
	}
	n := len(ratings)
	red := &reduced{recs: make([]rec, n), itemOf: make([]int32, n), off: make([]int, len(items)+1)}
	raterIdx := make(map[string]int32)
	bad := &red.bad
	for i := range ratings {
		rt := &ratings[i]
		red.itemOf[i] = -1
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
		ro := slices.Index(roles, rt.Role)
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
			r = int32(len(red.raterSubj))
			raterIdx[rt.Rater] = r
			rs, isSubj := subjIdx[rt.Rater]
			if !isSubj {
				rs = -1
			}
			red.raterSubj = append(red.raterSubj, rs)
			red.raterNames = append(red.raterNames, rt.Rater)
		}
		if red.raterSubj[r] == s && rt.Role != SelfRole {
			bad.list.Add(diag.Pos{}, "assessment item %q: subject %q rates itself with role %q (only %q allowed)",
				rt.Item, rt.Subject, rt.Role, SelfRole)
			continue
		}
		red.recs[i] = rec{key: s*int32(len(roles)) + int32(ro), rater: r, score: rt.Score}
		red.itemOf[i] = k
		red.off[k+1]++
	}
	return red
}

// bucketByItem returns the valid ratings grouped by item (stable): item k's
// are [off[k], off[k+1]) once off is turned into offsets. recs becomes
// scratch space for the items.
func (red *reduced) bucketByItem(nItems int) []rec {
	off := red.off
	for k := 0; k < nItems; k++ {
		off[k+1] += off[k]
	}
	byItem := make([]rec, off[nItems])
	next := slices.Clone(off[:nItems])
	for i, k := range red.itemOf {
		if k >= 0 {
			byItem[next[k]] = red.recs[i]
			next[k]++
		}
	}
	red.itemOf = nil
	return byItem
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
