package indicators_test

import (
	"fmt"

	"github.com/govscore/govscore/indicators"
)

func ExampleParse() {
	src := []byte(`govscore: 1
id: demo
kinds: [gov_department]
tree:
  - id: rule_of_law
    weight: 30
    children:
      - id: dispute_resolution
        expr: disputes_resolved / disputes_received
        normalize: {method: goalpost, low: 0.6, high: 0.98}
grades:
  - {name: good, min: 80}
  - {name: fair}
`)
	s, err := indicators.Parse("indicators.yaml", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range s.Nodes {
		fmt.Printf("%d %s depth=%d leaf=%v weight=%g\n", n.Index, n.ID, n.Depth, n.IsLeaf(), n.Weight)
	}
	leaf := s.Leaves[0]
	fmt.Println(leaf.Normalize.Method, leaf.Normalize.Low, leaf.Normalize.High, leaf.Expr.Pos)

	// Every problem is reported at once, with its position.
	_, err = indicators.Parse("bad.yaml", []byte(`govscore: 1
id: demo
kinds: [gov_department]
tree:
  - id: a
    expr: x
    wieght: 0
    applies_to: [gov_departmnet]
`))
	fmt.Println(err)
	// Output:
	// 0 rule_of_law depth=1 leaf=false weight=30
	// 1 dispute_resolution depth=2 leaf=true weight=1
	// goalpost 0.6 0.98 indicators.yaml:9:15
	// bad.yaml:7:5: unknown key "wieght" in node "a" (did you mean "weight"?)
	// bad.yaml:8:18: applies_to: unknown kind "gov_departmnet" (did you mean "gov_department"?); kinds are: "gov_department"
}
