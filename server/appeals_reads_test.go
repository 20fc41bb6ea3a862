package server

import (
	"slices"
	"testing"

	"github.com/govscore/govscore/indicators"
)

func TestReadsOf(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"disputes_resolved / disputes_received", []string{"disputes_received", "disputes_resolved"}},
		{"x - prev.x + assess.q", []string{"assess.q", "x"}},
		{`subject.kind == "county" ? nil : pow(fish, 2) + exp(y)`, []string{"fish", "y"}},
		{"abs(tax - group.median(prev.tax)) + ratio(a, b) ?? 0", []string{"a", "b", "tax"}},
		{`period == "2024" and has(中文)`, []string{"中文"}},
		{"a +", nil},
	} {
		if got := readsOf(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("readsOf(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestCollectedAndAdjustmentMetrics(t *testing.T) {
	set, err := indicators.Parse("indicators.yaml", []byte(`govscore: 1
id: t
period: "2024"
kinds: [county, city]
metrics:
  received: {min: 0}
  rate: {expr: "resolved / received"}
  half: {expr: "rate / 2"}
tree:
  - id: l1
    expr: 'subject.kind == "county" ? nil : rate'
  - id: l2
    expr: "pow(awards, 2) + assess.q"
adjustments:
  - id: veto
    points: "-accidents"
    when: "half < 0.25"
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := collectedMetrics(set), []string{"accidents", "awards", "received", "resolved"}; !slices.Equal(got, want) {
		t.Errorf("collectedMetrics = %q, want %q", got, want)
	}
	if got, want := adjustmentMetrics(set, set.Adjustments[0]), []string{"accidents", "received", "resolved"}; !slices.Equal(got, want) {
		t.Errorf("adjustmentMetrics = %q, want %q", got, want)
	}
	for name, want := range map[string]bool{"resolved": true, "rate": false, "county": false, "pow": false, "assess.q": false, "received": true} {
		if got := collectedMetric(set, name); got != want {
			t.Errorf("collectedMetric(%q) = %v, want %v", name, got, want)
		}
	}
}
