package scoring

import (
	"slices"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// TestNodeRanks checks `rank: true` (SPEC §4.10): per peer group, rated
// subjects with a value only, a composite by its value and a leaf by its
// normalised value, with the set's method and order.
func TestNodeRanks(t *testing.T) {
	subs := []dataset.Subject{subj("a1", "a"), subj("a2", "a"), subj("a3", "a"), subj("a4", "a"), subj("b1", "b"), subj("b2", "b")}
	raw := [][]float64{
		{10, 30, 20.0000000001, 50, 5, 6}, // x
		{30, 10, nan, 50, 7, 6},           // y: a3 has none
	}
	// d = mean of the present children: a1 20, a2 20, a3 20.0000000001
	// (20 at 9 digits), a4 50 (unrated by rated_when), b1 6, b2 6.
	tests := []struct {
		name   string
		method indicators.RankMethod
		desc   bool
		d, y   []int32
	}{
		{"competition desc", indicators.Competition, true, []int32{1, 1, 1, 0, 1, 1}, []int32{1, 2, 0, 0, 1, 2}},
		{"ordinal desc", indicators.Ordinal, true, []int32{1, 2, 3, 0, 1, 2}, []int32{1, 2, 0, 0, 1, 2}},
		{"competition asc", indicators.Competition, false, []int32{1, 1, 1, 0, 1, 1}, []int32{2, 1, 0, 0, 2, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := none("y")
			y.Rank = true
			d := comp("d", []*indicators.Node{none("x"), y})
			d.Rank = true
			set := newSet(d)
			set.PeerGroups = []string{"kind"}
			set.Ranking = indicators.Ranking{Method: tc.method, Desc: tc.desc, Digits: 9}
			res := mustScore(t, Input{Set: set, Subjects: subs, Raw: raw, RatedWhen: []float64{1, 1, 1, 0, 1, 1}})
			if got := res.NodeRanks[d.Index]; !slices.Equal(got, tc.d) {
				t.Errorf("d ranks = %v, want %v", got, tc.d)
			}
			if got := res.NodeRanks[y.Index]; !slices.Equal(got, tc.y) {
				t.Errorf("y ranks = %v, want %v", got, tc.y)
			}
			if res.NodeRanks[set.Nodes[1].Index] != nil {
				t.Error("x is not ranked but has ranks")
			}
		})
	}
	set := newSet(none("x"))
	if res := mustScore(t, Input{Set: set, Subjects: subs[:2], Raw: [][]float64{{1, 2}}}); res.NodeRanks != nil {
		t.Errorf("no rank: true, NodeRanks = %v", res.NodeRanks)
	}
}
