package engine

import (
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
)

// TestHostileExpressions: expressions over the limits get a positioned
// error (before issue 12 a 700,000-deep one overflowed the stack and
// killed the process); brackets in string literals do not count.
func TestHostileExpressions(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("(", n) + "population" + strings.Repeat(")", n) }
	tests := []struct {
		name, expr string
		want       string // "" = compiles
	}{
		{"700,000 deep", deep(700_000), `3:11: leaf "x": expression is 1400010 bytes long, more than 10000`},
		{"65 deep", deep(MaxExprNesting + 1), `3:75: leaf "x": brackets nested more than 64 deep`},
		{"64 deep", deep(MaxExprNesting), ""},
		{"brackets in a string", `subject.region == "` + strings.Repeat("(", 100) + `" ? 1 : population`, ""},
		{"long", "population" + strings.Repeat(" + population", 1000), "more than 10000"},
	}
	schema := Schema{Metrics: []string{"population"}, Attrs: []string{"region"}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(spec{leaves: []string{"x: " + tc.expr}}.build(), schema)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error: %.500v", err)
				}
				return
			}
			list, ok := err.(diag.List)
			if !ok || list.Len() != 1 || !strings.Contains(list[0].Error(), tc.want) {
				t.Fatalf("error %.500v, want one containing %q", err, tc.want)
			}
			if n := len(err.Error()); n > 1000 {
				t.Errorf("the message is %d bytes long: the snippet must be clipped", n)
			}
		})
	}
}
