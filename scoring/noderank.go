package scoring

import (
	"math"

	"github.com/govscore/govscore/indicators"
)

// nodeRanks ranks every node with `rank: true` (SPEC §4.10, 分项排名): within
// each peer group, the rated subjects with a value for the node, by that
// value rounded to Ranking.Digits (a leaf by its normalised value), with the
// set's ranking method and order; ties under `ordinal` are broken by
// subject id. It fills Result.NodeRanks. The groups are ranked in parallel.
func (s *scorer) nodeRanks() {
	ranked := s.set.RankedNodes()
	if len(ranked) == 0 {
		return
	}
	s.res.NodeRanks = make([][]int32, s.nn)
	for _, n := range ranked {
		s.res.NodeRanks[n.Index] = make([]int32, s.n)
	}
	ordinal := s.set.Ranking.Method == indicators.Ordinal
	digits := s.set.Ranking.Digits
	rounded := make([]float64, s.n) // by subject: each group writes its members'
	idxs := make([][]int, s.workers)
	parallel(s.workers, len(s.order), func(w, t int) {
		members := s.res.Groups[s.order[t]].Members
		for _, n := range ranked {
			k, ranks := n.Index, s.res.NodeRanks[n.Index]
			idx := idxs[w][:0]
			for _, i := range members {
				rounded[i] = math.NaN()
				if s.rated[i] {
					if x := s.vals[s.at(k, i)]; !math.IsNaN(x) {
						rounded[i] = s.round(x, digits)
						idx = append(idx, i)
					}
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
			idxs[w] = idx
		}
	})
}
