package scoring_test

import (
	"fmt"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

func ExampleScore() {
	// One dimension over two indicators: a resolution rate (higher is
	// better, minmax) weighted 3 and a complaint count (lower is better)
	// weighted 1.
	rate := &indicators.Node{ID: "rate", Weight: 3, Round: -1, Expr: &indicators.Expr{Text: "resolved / received"},
		Normalize: indicators.Normalize{Method: indicators.MinMax}, Missing: indicators.Missing{Policy: indicators.Exclude}}
	complaints := &indicators.Node{ID: "complaints", Weight: 1, Round: -1, Expr: &indicators.Expr{Text: "complaints"},
		Direction: indicators.Lower, Normalize: indicators.Normalize{Method: indicators.MinMax},
		Missing: indicators.Missing{Policy: indicators.Exclude}}
	dim := &indicators.Node{ID: "rule_of_law", Weight: 1, Round: 1, Children: []*indicators.Node{rate, complaints},
		Aggregate: indicators.Arithmetic}
	root := &indicators.Node{Round: -1, Index: -1, LeafIndex: -1, Children: []*indicators.Node{dim}, Aggregate: indicators.Arithmetic}
	dim.Parent, rate.Parent, complaints.Parent = root, dim, dim
	dim.Index, rate.Index, complaints.Index = 0, 1, 2
	dim.LeafIndex, rate.LeafIndex, complaints.LeafIndex = -1, 0, 1
	set := &indicators.Set{Scale: [2]float64{0, 100}, Root: root,
		Nodes: []*indicators.Node{dim, rate, complaints}, Leaves: []*indicators.Node{rate, complaints},
		Grades:  []*indicators.Grade{{Name: "优秀", Min: ptr(80)}, {Name: "合格", Min: ptr(50)}, {Name: "不合格"}},
		Ranking: indicators.Ranking{Method: indicators.Competition, Desc: true, Digits: 9}}

	subjects := []dataset.Subject{{ID: "east", Kind: "gov"}, {ID: "north", Kind: "gov"}, {ID: "west", Kind: "gov"}}
	res, err := scoring.Score(scoring.Input{
		Set:      set,
		Subjects: subjects,
		Raw: [][]float64{
			{0.9, 0.6, 0.8}, // rate: minmax 100, 0, 66.67
			{4, 10, 12},     // complaints (lower): 100, 25, 0
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, i := range res.Order {
		s := res.Subjects[i]
		fmt.Printf("%d %-5s %5.1f %s (%s)\n", s.Rank, subjects[i].ID, s.Score, s.Grade, s.GradeReason)
	}
	// Output:
	// 1 east  100.0 优秀 (score 100 ≥ 80 → 优秀)
	// 2 west   50.0 合格 (score 50 ≥ 50 → 合格)
	// 3 north   6.3 不合格 (score 6.3 < 50 → 不合格)
}

func ptr(x float64) *float64 { return &x }
