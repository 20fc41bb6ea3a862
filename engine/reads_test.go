package engine

import (
	"testing"

	"github.com/govscore/govscore/indicators"
)

func TestReadsAssess(t *testing.T) {
	set, err := indicators.Parse("indicators.yaml", []byte(`govscore: 1
id: reads-assess
kinds: [community]
metrics:
  reassessed: {min: 0}
  via_derived: {expr: "assess.review * 2"}
  deeper: {expr: "via_derived + 1"}
assessments:
  - id: review
    scale: [0, 100]
    roles: {peer: 1}
tree:
  - {id: direct, expr: assess.review, normalize: none}
  - {id: derived, expr: deeper, normalize: none}
  - {id: prev, expr: prev.via_derived ?? 0, normalize: none}
  - {id: plain, expr: reassessed, normalize: none}
  - {id: grouped, expr: "reassessed - group.median(via_derived)", normalize: none}
  - {id: group_plain, expr: "reassessed - group.median(reassessed)", normalize: none}
adjustments:
  - {id: bonus, when: "reassessed > 1", points: "1"}
  - {id: rated, when: "assess.review > 50", points: "1"}
`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Compile(set, Schema{Metrics: []string{"reassessed"}, Assess: []string{"review"}})
	if err != nil {
		t.Fatal(err)
	}
	for l, want := range []bool{true, true, true, false, true, false} {
		if got := plan.ReadsAssess(l); got != want {
			t.Errorf("ReadsAssess(%s) = %v, want %v", set.Leaves[l].ID, got, want)
		}
	}
	for a, want := range []bool{false, true} {
		if got := plan.AdjustmentReadsAssess(a); got != want {
			t.Errorf("AdjustmentReadsAssess(%s) = %v, want %v", set.Adjustments[a].ID, got, want)
		}
	}
}
