package gaming

import (
	"math"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/batch"
)

// InputOf gathers the checks' input from a scored batch and the ratings of
// its period (nil when it has none): the reciprocity analysis of the
// batch's combined assessments, every subject's score and grade, the set's
// grades and the veto adjustments ParseVeto understands, and every metric
// value of the batch period with its value in the previous period.
func InputOf(b *batch.Batch, ratings []assess.Rating) Input {
	set, data := b.Project.Set, b.Project.Data
	in := Input{Period: b.Period.String(), Ratings: ratings}
	if b.Assess != nil {
		in.Reciprocity = map[string]assess.Reciprocity{}
		for _, it := range b.Assess.Items {
			in.Reciprocity[it.ID] = it.Reliability.Reciprocity
		}
	}
	for i, s := range b.Result.Subjects {
		in.Scores = append(in.Scores, Score{Subject: data.Subjects[i].ID, Rated: s.Rated, Score: s.Score, Grade: s.Grade})
	}
	for _, g := range set.Grades {
		if g.Min != nil {
			in.Grades = append(in.Grades, GradeMin{Name: g.Name, Min: *g.Min})
		}
	}
	for _, a := range set.Adjustments {
		if a.CapGrade == "" || a.When == nil {
			continue
		}
		v, ok := ParseVeto(a.ID, a.When.Text)
		if !ok {
			continue
		}
		if a.AppliesTo != nil {
			v.Subjects = []string{}
			for _, s := range data.Subjects {
				if a.Applies(s.Kind) {
					v.Subjects = append(v.Subjects, s.ID)
				}
			}
		}
		in.Vetoes = append(in.Vetoes, v)
	}
	prev := b.Period.Prev()
	for _, m := range data.Metrics() {
		cur, old := data.Column(m, b.Period), data.Column(m, prev)
		if cur == nil {
			continue
		}
		for i, s := range data.Subjects {
			p := math.NaN()
			if old != nil {
				p = old[i]
			}
			if math.IsNaN(cur[i]) && math.IsNaN(p) {
				continue
			}
			in.Values = append(in.Values, Value{Subject: s.ID, Metric: m, Value: cur[i], Prev: p})
		}
	}
	return in
}
