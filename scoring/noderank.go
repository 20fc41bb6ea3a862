package scoring

import (
	"math"

	"github.com/govscore/govscore/indicators"
)

// nodeRanks ranks every node with `rank: true` (SPEC §4.10, 分项排名): within
// each peer group, the rated subjects with a value for the node, by that
// value rounded to Ranking.Digits (a leaf by its normalised value), with the
// set's ranking method and order; ties under `ordinal` are broken by
// subject id. It fills Result.NodeRanks.
func (s *scorer) nodeRanks() {
	ranked := s.set.RankedNodes()
	if len(ranked) == 0 {
		return
	}
	s.res.NodeRanks = make([][]int32, s.nn)
	ordinal := s.set.Ranking.Method == indicators.Ordinal
	digits := s.set.Ranking.Digits
	rounded := make([]float64, s.n)
	var idx []int
	for _, n := range ranked {
		k := n.Index
		ranks := make([]int32, s.n)
		for i := 0; i < s.n; i++ {
			rounded[i] = math.NaN()
			if s.rated[i] {
				if x := s.vals[s.at(k, i)]; !math.IsNaN(x) {
					rounded[i] = s.round(x, digits)
				}
			}
		}
		for g := range s.res.Groups {
			idx = idx[:0]
			for _, i := range s.res.Groups[g].Members {
				if !math.IsNaN(rounded[i]) {
					idx = append(idx, i)
				}
			}
			s.sortByRounded(idx, rounded)
			for p, i := range idx {
				switch {
				case ordinal || p == 0 || rounded[i] != rounded[idx[p-1]]:
					ranks[i] = int32(p + 1)
				default:
					ranks[i] = ranks[idx[p-1]]
				}
			}
		}
		s.res.NodeRanks[k] = ranks
	}
}
