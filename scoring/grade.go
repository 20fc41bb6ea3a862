package scoring

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// quotaEps guards ⌊max_share · n⌋ against binary noise (0.2·10 must be 2,
// 0.7·10 = 6.999999999999999 must be 7).
const quotaEps = 1e-9

// quotaLimit is ⌊share·n⌋, guarded against binary noise: the product is
// nudged up by quotaEps (relative, at least absolute) before the floor.
func quotaLimit(share float64, n int) int {
	x := share * float64(n)
	return int(math.Floor(x + quotaEps*max(1, math.Abs(x))))
}

// gradeIndex returns the index of the grade called name, or −1.
func gradeIndex(grades []*indicators.Grade, name string) int {
	for i, g := range grades {
		if g.Name == name {
			return i
		}
	}
	return -1
}

// adjust applies the adjustments (SPEC §4.8) to every rated subject:
// score = root value + Σ points, each points value clamped to [min, max];
// a missing points value counts 0 and a missing condition false, both with
// a warning; clamp_total clamps the score to the scale.
func (s *scorer) adjust() {
	for i := 0; i < s.n; i++ {
		if !s.rated[i] {
			continue
		}
		r := &s.res.Subjects[i]
		sub := &s.in.Subjects[i]
		total := 0.0
		for a, adj := range s.set.Adjustments {
			ar := &r.Adjustments[a]
			if ar.Applies = adj.Applies(sub.Kind); !ar.Applies {
				continue
			}
			ar.Held = true
			if s.in.When != nil && s.in.When[a] != nil {
				switch v := s.in.When[a][i]; {
				case math.IsNaN(v):
					ar.Held = false
					s.warns = append(s.warns, diag.Warning{Pos: adj.Pos, Group: r.Group, Subject: sub.ID, Node: adj.ID,
						Msg: "the condition is missing and counts as false"})
				default:
					ar.Held = v != 0
				}
			}
			if !ar.Held {
				continue
			}
			if adj.CapGrade != "" {
				r.Vetoed = true
			}
			if s.in.Points == nil || s.in.Points[a] == nil {
				continue
			}
			p := s.in.Points[a][i]
			if math.IsNaN(p) {
				s.warns = append(s.warns, diag.Warning{Pos: adj.Pos, Group: r.Group, Subject: sub.ID, Node: adj.ID,
					Msg: "the points value is missing and counts 0"})
				continue
			}
			if adj.Min != nil {
				p = max(p, *adj.Min)
			}
			if adj.Max != nil {
				p = min(p, *adj.Max)
			}
			ar.Points = p
			total += p
		}
		r.Score = r.RootValue + total
		if s.set.ClampTotal {
			r.Score = min(max(r.Score, s.lo), s.hi)
		}
	}
}

// sortByScore rounds every score to Ranking.Digits (s.rounded, by subject)
// and sorts each group's rated members best first by it, ties by subject
// id (s.byScore, by group): the order grade and rank work in. The groups
// are sorted in parallel.
func (s *scorer) sortByScore() {
	groups := s.res.Groups
	s.rounded = make([]float64, s.n)
	s.byScore = make([][]int, len(groups))
	slab := make([]int, s.n)
	for g := range groups {
		m := len(groups[g].Members)
		s.byScore[g], slab = slab[:0:m], slab[m:]
	}
	parallel(s.workers, len(s.order), func(_, t int) {
		g := s.order[t]
		idx := s.byScore[g]
		for _, i := range groups[g].Members {
			s.rounded[i] = s.round(s.res.Subjects[i].Score, s.set.Ranking.Digits)
			if s.rated[i] {
				idx = append(idx, i)
			}
		}
		s.sortByRounded(idx, s.rounded)
		s.byScore[g] = idx
	})
}

// sortByRounded sorts the subject indices idx best first by their rounded
// values (the ranking order: desc or asc), ties by subject id.
//
// idx comes in member order, which is id order (newScorer), so a stable
// sort by value alone gives the same order: without NaN (which the
// comparison below does not order) and from radixMin subjects on, that is
// an LSD radix sort of the values' keys (−0 as +0, complemented for desc).
func (s *scorer) sortByRounded(idx []int, rounded []float64) {
	desc := s.set.Ranking.Desc
	if len(idx) >= radixMin && s.radixByRounded(idx, rounded, desc) {
		return
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ra, rb := rounded[a], rounded[b]
		switch {
		case ra == rb:
			return strings.Compare(s.in.Subjects[a].ID, s.in.Subjects[b].ID)
		case (ra > rb) == desc:
			return -1
		}
		return 1
	})
}

// grade assigns grades per peer group (SPEC §4.9): by rounded score, then
// cap_grade vetoes (the worst cap wins), then quotas best grade first. The
// groups are graded in parallel: quotas count within a group.
func (s *scorer) grade() {
	if len(s.set.Grades) == 0 {
		return
	}
	gi := make([]int, s.n)
	steps := make([]string, s.n)
	reasons := make([][]string, s.n)
	parallel(s.workers, len(s.order), func(_, t int) {
		s.gradeGroup(s.order[t], gi, steps, reasons)
	})
}

// gradeGroup grades the rated members of group g; gi, steps and reasons
// are scratch by subject (the grade index, the grade step and the further
// steps that led to it: vetoes, quotas).
func (s *scorer) gradeGroup(g int, gi []int, steps []string, reasons [][]string) {
	grades := s.set.Grades
	idx, rounded := s.byScore[g], s.rounded
	// idx is in score order: subjects with the same rounded score and
	// grade follow one another and share one step string.
	prevBits, prevJ, prevStep := uint64(0), -1, ""
	for _, i := range idx {
		r := &s.res.Subjects[i]
		sc := rounded[i]
		j := 0
		for j < len(grades)-1 && !(grades[j].Min != nil && *grades[j].Min <= sc) {
			j++
		}
		switch {
		case j == prevJ && math.Float64bits(sc) == prevBits:
		case grades[j].Min != nil && *grades[j].Min > sc:
			// Only possible when the last grade has a min: keep it, say so.
			prevStep = fmt.Sprintf("score %s < %s but %s is the lowest grade", diag.FormatFloat(sc), diag.FormatFloat(*grades[j].Min), grades[j].Name)
		default:
			prevStep = gradeStep(grades, j, sc)
		}
		prevBits, prevJ, steps[i] = math.Float64bits(sc), j, prevStep
		r.GradeByScore = grades[j].Name
		// Caps: the worst held cap wins when it is worse than the grade.
		worst := -1
		for a, adj := range s.set.Adjustments {
			if ar := r.Adjustments[a]; ar.Held && adj.CapGrade != "" {
				worst = max(worst, gradeIndex(grades, adj.CapGrade))
			}
		}
		if worst > j {
			var ids []string
			for a, adj := range s.set.Adjustments {
				if ar := &r.Adjustments[a]; ar.Held && adj.CapGrade != "" && gradeIndex(grades, adj.CapGrade) == worst {
					ar.Capped = true
					ids = append(ids, adj.ID)
				}
			}
			j = worst
			reasons[i] = append(reasons[i], fmt.Sprintf("veto %s caps at %s", strings.Join(ids, ", "), grades[j].Name))
		}
		gi[i] = j
	}
	// Quotas, best grade first. The excess moves down lowest scores
	// first (SPEC §4.9) whatever the ranking order: holders are sorted
	// by rounded score, highest first, ties by id.
	nRated := len(idx)
	for q, gr := range grades {
		if gr.MaxShare == nil || q == len(grades)-1 {
			continue
		}
		var holders []int
		for _, i := range idx {
			if gi[i] == q {
				holders = append(holders, i)
			}
		}
		limit := quotaLimit(*gr.MaxShare, nRated)
		if len(holders) <= limit {
			continue
		}
		byScoreDesc := func(a, b int) int {
			switch ra, rb := rounded[a], rounded[b]; {
			case ra > rb:
				return -1
			case ra < rb:
				return 1
			}
			return strings.Compare(s.in.Subjects[a].ID, s.in.Subjects[b].ID)
		}
		// Holders come in ranking order, already this order when the
		// ranking is descending: one comparison per holder checks it.
		if !slices.IsSortedFunc(holders, byScoreDesc) {
			slices.SortStableFunc(holders, byScoreDesc)
		}
		cut := limit
		if cut > 0 && rounded[holders[cut]] == rounded[holders[cut-1]] {
			for cut > 0 && rounded[holders[cut-1]] == rounded[holders[limit]] {
				cut--
			}
		}
		msg := fmt.Sprintf("quota %s%% of %d = %d exceeded → %s", diag.FormatFloat(*gr.MaxShare*100), nRated, limit, grades[q+1].Name)
		for _, i := range holders[cut:] {
			gi[i] = q + 1
			reasons[i] = append(reasons[i], msg)
		}
	}
	for _, i := range idx {
		r := &s.res.Subjects[i]
		r.Grade = grades[gi[i]].Name
		r.GradeReason = steps[i]
		if reasons[i] != nil {
			r.GradeReason = strings.Join(append([]string{steps[i]}, reasons[i]...), "; ")
		}
	}
}

// gradeStep explains the grade j earned by the rounded score sc.
func gradeStep(grades []*indicators.Grade, j int, sc float64) string {
	if m := grades[j].Min; m != nil {
		return fmt.Sprintf("score %s ≥ %s → %s", diag.FormatFloat(sc), diag.FormatFloat(*m), grades[j].Name)
	}
	if j > 0 && grades[j-1].Min != nil {
		return fmt.Sprintf("score %s < %s → %s", diag.FormatFloat(sc), diag.FormatFloat(*grades[j-1].Min), grades[j].Name)
	}
	return fmt.Sprintf("score %s → %s", diag.FormatFloat(sc), grades[j].Name)
}

// rank ranks the rated subjects of each peer group (SPEC §4.10), the
// groups in parallel, and fills Result.Order: groups by label, rated
// subjects by rank then id, then the unrated ones by id.
func (s *scorer) rank() {
	groups := s.res.Groups
	s.res.Order = make([]int, s.n)
	seg := make([][]int, len(groups)) // each group's part of Order
	rest := s.res.Order
	for g := range groups {
		m := len(groups[g].Members)
		seg[g], rest = rest[:0:m], rest[m:]
	}
	ordinal := s.set.Ranking.Method == indicators.Ordinal
	parallel(s.workers, len(s.order), func(_, t int) {
		g := s.order[t]
		idx, rounded := s.byScore[g], s.rounded
		for p, i := range idx {
			r := &s.res.Subjects[i]
			switch {
			case ordinal || p == 0:
				r.Rank = p + 1
			case rounded[i] == rounded[idx[p-1]]:
				r.Rank = s.res.Subjects[idx[p-1]].Rank
			default:
				r.Rank = p + 1
			}
		}
		o := append(seg[g], idx...)
		for _, i := range groups[g].Members {
			if !s.rated[i] {
				o = append(o, i)
			}
		}
	})
}

// radixByRounded is sortByRounded's radix sort; it reports false, leaving
// idx as it was, when a value is NaN.
func (s *scorer) radixByRounded(idx []int, rounded []float64, desc bool) bool {
	n := len(idx)
	keys, tmpK := make([]uint64, n), make([]uint64, n)
	vals, tmpV := make([]int32, n), make([]int32, n)
	for p, i := range idx {
		v := rounded[i]
		if math.IsNaN(v) {
			return false
		}
		if v == 0 {
			v = 0 // −0 ties with +0
		}
		keys[p], vals[p] = floatKey(v), int32(i)
		if desc {
			keys[p] = ^keys[p]
		}
	}
	_, vals = radixSort(keys, tmpK, vals, tmpV)
	for p, i := range vals {
		idx[p] = int(i)
	}
	return true
}
