package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// TestImputerByCodeMatchesByValue: the pools by coded attribute give every
// subject the imputed value the pools keyed by attribute value give (mean,
// min, median; an absent attribute pools with ""; a value with no present
// raw value imputes NaN), and an attribute with more than maxAttrCodes
// values is left uncoded.
func TestImputerByCodeMatchesByValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 5))
	for _, tc := range []struct {
		pol    indicators.MissingPolicy
		values int
		coded  bool
	}{
		{indicators.ImputeMedian, 7, true}, {indicators.ImputeMean, 30, true},
		{indicators.ImputeMin, 3, true}, {indicators.ImputeMedian, maxAttrCodes + 1, false},
	} {
		n := max(2000, 2*tc.values)
		subs := make([]dataset.Subject, n)
		raw := make([]float64, n)
		for i := range subs {
			if i%97 == 0 {
				subs[i] = subj(fmt.Sprintf("s%06d", i), "a") // no region
			} else {
				subs[i] = subj(fmt.Sprintf("s%06d", i), "a", "region", fmt.Sprint("r", i%tc.values))
			}
			raw[i] = math.Round(rng.NormFloat64()*100) / 4
			if rng.IntN(4) == 0 || i%tc.values == tc.values-1 {
				raw[i] = math.NaN() // the last region has no value at all
			}
		}
		set := newSet(leaf("x", missing(tc.pol, "region")))
		s := newScorer(Input{Set: set, Subjects: subs, Raw: [][]float64{raw}}, 1)
		if got := s.attrCodes["region"] != nil; got != tc.coded {
			t.Fatalf("%s, %d values: coded = %v, want %v", tc.pol, tc.values, got, tc.coded)
		}
		for i := range s.rated {
			s.rated[i] = true
		}
		r := &leafRun{s: s, leaf: set.Leaves[0], grp: &s.res.Groups[0], st: &s.res.Groups[0].Leaves[0],
			raw: raw, cells: &s.res.Cells[0], flags: s.res.Cells[0].flags, radix: &radixScratch{}}
		r.members()
		r.rawStats()
		got := r.imputer()
		s.attrCodes = nil
		want := r.imputer()
		nanSeen := false
		for i := range subs {
			g, w := got(i), want(i)
			nanSeen = nanSeen || math.IsNaN(w)
			if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
				t.Fatalf("%s, %d values: subject %d imputes %v by code, %v by value", tc.pol, tc.values, i, g, w)
			}
		}
		if !nanSeen {
			t.Errorf("%s: no region without values was tested", tc.pol)
		}
	}
}
