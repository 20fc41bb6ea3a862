package scoring

import (
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// docExample returns the ```yaml block of docs/yaml-reference.md whose
// `id:` is id, parsed.
func docExample(t *testing.T, id string) *indicators.Set {
	t.Helper()
	doc, err := os.ReadFile("../docs/yaml-reference.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("(?ms)^```yaml\\n(.*?)^```").FindAllSubmatch(doc, -1) {
		if strings.Contains(string(m[1]), "\nid: "+id+"\n") {
			set, err := indicators.Parse("yaml-reference.md", m[1])
			if err != nil {
				t.Fatal(err)
			}
			return set
		}
	}
	t.Fatalf("no example with id %s", id)
	return nil
}

// TestDocTargets scores the `with-targets` example of the YAML reference
// and checks each leaf against SPEC §4.4 step 5 by hand.
func TestDocTargets(t *testing.T) {
	set := docExample(t, "with-targets")
	raw := [][]float64{
		{1.05, 0.95, 1.25, 1.15},     // sex_ratio, T = 1.05: D⁻ = 0.1, D⁺ = 0.2
		{0.2, 0.5, 0.9, 0.75},        // debt_ratio in [0.3, 0.6]: D⁻ = 0.1, D⁺ = 0.3
		{20, 30, 45, 35},             // class_size, median 32.5: D⁻ = D⁺ = 12.5
		{0.5, 1.2, -0.1, 0.8},        // published on [0, 0.8], clipped
		{10000, 30000, 80000, 60000}, // income, ln band [ln 2e4, ln 4e4] on [0, 10]: D∓ = ln 2
	}
	subs := []dataset.Subject{subj("a", "township"), subj("b", "township"), subj("c", "township"), subj("d", "township")}
	res := mustScore(t, Input{Set: set, Subjects: subs, Raw: raw})
	want := [][]float64{
		{100, 0, 0, 100 - 100*0.1/0.2},
		{0, 100, 0, 100 - 100*0.15/0.3},
		{0, 100 - 100*2.5/12.5, 0, 100 - 100*2.5/12.5},
		{0.5, 0.8, 0, 0.8},
		{0, 10, 0, 10 - 10*math.Log(1.5)/math.Log(2)},
	}
	for l := range want {
		checkFloats(t, set.Leaves[l].ID, cellValues(res, l), want[l])
	}
}

// TestDocComputedInR scores the `computed-in-r` example: node rounding by
// R's rule.
func TestDocComputedInR(t *testing.T) {
	set := docExample(t, "computed-in-r")
	if set.Numerics != indicators.NumericsR {
		t.Fatalf("numerics = %q", set.Numerics)
	}
	// life 72.8 → (72.8−20)/65 = 0.81230769…; care 0.4; health = R mean
	// of the two, rounded to 3 digits: 0.606.
	in := Input{Set: set, Subjects: []dataset.Subject{subj("x", "country"), subj("y", "country")},
		Raw: [][]float64{{72.8, 50}, {0.4, 0.2}, {12000, 500}}}
	res := mustScore(t, in)
	health := set.Nodes[0].Index
	life := 100 * (72.8 - 20) / 65
	if got, want := res.Subjects[0].Nodes[health], RoundR((life+0.4)/2, 3); got != want {
		t.Errorf("health = %v, want %v", got, want)
	}
}
