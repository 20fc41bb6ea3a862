package scoring

import (
	"strings"
	"testing"

	"github.com/govscore/govscore/indicators"
)

func TestScoreInvalidInput(t *testing.T) {
	base := func() Input {
		set := newSet(leaf("x"))
		set.Grades = gradesABCD(nil, nil)
		set.Adjustments = []*indicators.Adjustment{{ID: "adj"}}
		return Input{Set: set, Subjects: subjects("a", "b"), Raw: [][]float64{{1, 2}}}
	}
	tests := []struct {
		name   string
		modify func(*Input)
		want   string
	}{
		{"no set", func(in *Input) { in.Set = nil }, "no indicator set"},
		{"no root", func(in *Input) { in.Set.Root = nil }, "no indicator set"},
		{"scale", func(in *Input) { in.Set.Scale = [2]float64{1, 1} }, "lo < hi"},
		{"raw columns", func(in *Input) { in.Raw = nil }, "0 raw columns for 1 leaves"},
		{"raw length", func(in *Input) { in.Raw[0] = []float64{1} }, `leaf "x" has 1 values for 2 subjects`},
		{"points columns", func(in *Input) { in.Points = [][]float64{nil, nil} }, "2 points columns for 1 adjustments"},
		{"when length", func(in *Input) { in.When = [][]float64{{1}} }, `when column of adjustment "adj" has 1 values`},
		{"cap grade", func(in *Input) { in.Set.Adjustments[0].CapGrade = "Z" }, `cap_grade "Z" is not a grade`},
		{"grade without min", func(in *Input) { in.Set.Grades[1].Min = nil }, `grade "B" has no min`},
		{"ranking", func(in *Input) { in.Set.Ranking.Method = "dense" }, `unknown ranking method "dense"`},
		{"node index", func(in *Input) { in.Set.Nodes[0].Index = 5 }, "Set.Nodes[0]"},
		{"leaf index", func(in *Input) { in.Set.Leaves[0].LeafIndex = 3 }, "Set.Leaves[0]"},
		{"missing policy", func(in *Input) { in.Set.Leaves[0].Missing.Policy = "guess" }, `unknown missing policy "guess"`},
		{"normalize", func(in *Input) { in.Set.Leaves[0].Normalize.Method = "softmax" }, `unknown normalisation "softmax"`},
		{"goalpost", func(in *Input) {
			in.Set.Leaves[0].Normalize = indicators.Normalize{Method: indicators.Goalpost, Low: 5, High: 5}
		}, "goalpost low 5 must be below high 5"},
		{"transform", func(in *Input) { in.Set.Leaves[0].Transform = "exp" }, `unknown transform "exp"`},
		{"winsorize", func(in *Input) { in.Set.Leaves[0].Winsorize = &indicators.Winsorize{Lower: 0.9, Upper: 0.1} }, "winsorize bounds"},
		{"aggregate", func(in *Input) { in.Set.Root.Aggregate = "electre" }, `unknown aggregate "electre"`},
		{"treat", func(in *Input) { in.Set.Leaves[0].Treat = &indicators.Treat{Method: "iqr"} }, `unknown treat method "iqr"`},
		{"weighting method", func(in *Input) {
			in.Set.Root.Weighting = &indicators.Weighting{Method: "swing"}
		}, `unknown weighting method "swing"`},
		{"ahp length", func(in *Input) {
			in.Set.Root.Weighting = &indicators.Weighting{Method: indicators.AHPWeights, Weights: []float64{0.5, 0.5}}
		}, "AHP has 2 weights for 1 children"},
		{"ahp weight", func(in *Input) {
			in.Set.Root.Weighting = &indicators.Weighting{Method: indicators.AHPWeights, Weights: []float64{nan}}
		}, "not a finite non-negative number"},
		{"combine alpha", func(in *Input) {
			in.Set.Root.Weighting = &indicators.Weighting{Method: indicators.CombineWeights, Alpha: 2,
				Of: [2]*indicators.Weighting{{Method: indicators.EntropyWeights}, {Method: indicators.PCAWeights}}}
		}, "combine alpha 2 is outside [0, 1]"},
		{"combine part", func(in *Input) {
			in.Set.Root.Weighting = &indicators.Weighting{Method: indicators.CombineWeights, Alpha: 0.5,
				Of: [2]*indicators.Weighting{{Method: indicators.EntropyWeights}}}
		}, "incomplete weighting spec"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			if _, err := Score(in); err != nil {
				t.Fatalf("base input: %v", err)
			}
			tc.modify(&in)
			_, err := Score(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestScoreEmpty(t *testing.T) {
	res := mustScore(t, Input{Set: newSet(leaf("x")), Raw: [][]float64{{}}})
	if len(res.Groups) != 0 || len(res.Subjects) != 0 || len(res.Order) != 0 {
		t.Errorf("empty input gave %+v", res)
	}
}
