package gaming

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/govscore/govscore/assess"
)

// BenchmarkRun: 10,000 subjects with 20 metrics (current and previous
// period), 2,000 raters rating 25 subjects each on one item (50,000
// ratings), two grades and a veto.
func BenchmarkRun(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const subjects, metrics, raters, per = 10000, 20, 2000, 25
	var in Input
	for s := range subjects {
		id := fmt.Sprintf("s%05d", s)
		in.Scores = append(in.Scores, Score{Subject: id, Rated: true, Score: 100 * rng.Float64()})
		for m := range metrics {
			prev := 1 + 100*rng.Float64()
			in.Values = append(in.Values, Value{Subject: id, Metric: fmt.Sprintf("m%02d", m), Prev: prev, Value: prev * (0.8 + 0.5*rng.Float64())})
		}
	}
	for r := range raters {
		for k := range per {
			in.Ratings = append(in.Ratings, assess.Rating{Item: "k", Subject: fmt.Sprintf("s%05d", (r*per+k)%subjects),
				Rater: fmt.Sprintf("r%04d", r), Role: "public", Score: float64(60 + rng.IntN(5)*10)})
		}
	}
	in.Grades = []GradeMin{{"A", 80}, {"B", 60}}
	in.Vetoes = []Veto{{ID: "v", Metric: "m00", Op: ">", Threshold: 90}}
	b.ResetTimer()
	for b.Loop() {
		Run(in, Options{})
	}
}
