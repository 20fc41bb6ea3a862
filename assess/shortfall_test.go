package assess

import (
	"math"
	"strings"
	"testing"
)

// TestRoleMinRaters: per-role min_raters (SPEC §5) decide which roles are
// present, and a weighted role missing for more than half of the rated
// subjects is a warning naming role, count and min_raters.
func TestRoleMinRaters(t *testing.T) {
	item := Item{ID: "sat", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"public", 80}, {"superior", 20}},
		MinRaters: 3, RoleMinRaters: map[string]int{"superior": 1}}
	subjects := []string{"a", "b", "c"}
	var rs []Rating
	add := func(s, role string, xs ...float64) {
		for j, x := range xs {
			rs = append(rs, Rating{"sat", s, role + s + string(rune('0'+j)), role, x})
		}
	}
	add("a", "public", 60, 70, 80) // 3 ≥ 3: present, mean 70
	add("a", "superior", 90)       // 1 ≥ 1: present
	add("b", "public", 50, 60)     // 2 < 3: missing
	add("b", "superior", 40)
	add("c", "public", 80, 80, 80)
	res, err := Combine([]Item{item}, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	ir := &res.Items[0]
	want := []float64{(80*70 + 20*90) / 100.0, 40, 80}
	for s, w := range want {
		if got := ir.Score[s]; math.Abs(got-w) > 1e-9 {
			t.Errorf("A[%s] = %v, want %v", subjects[s], got, w)
		}
	}
	if !ir.Stat(0, 1).Present || ir.Stat(1, 0).Present || ir.Stat(2, 1).Present {
		t.Errorf("present flags wrong: %+v", ir.Stats)
	}
	// superior is missing for c only (1 of 3), public for b only: no
	// warning.
	if ws := res.RoleWarnings([]Item{item}, nil); len(ws) != 0 {
		t.Errorf("warnings %v, want none", ws)
	}
	// Only c rated: superior is missing for all of them.
	ws := res.RoleWarnings([]Item{item}, []bool{false, false, true})
	if len(ws) != 1 || !strings.Contains(ws[0].Msg, `role "superior" (weight 20) is missing for all 1 rated subjects`) ||
		!strings.Contains(ws[0].Msg, "min_raters 1 rating") {
		t.Errorf("warnings %v", ws)
	}
	// superior needing 2 ratings is missing for every subject.
	item.RoleMinRaters = map[string]int{"superior": 2}
	res, err = Combine([]Item{item}, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	ws = res.RoleWarnings([]Item{item}, nil)
	if len(ws) != 1 || !strings.Contains(ws[0].Msg, `role "superior" (weight 20) is missing for all 3 rated subjects`) ||
		!strings.Contains(ws[0].Msg, "fewer than its min_raters 2 ratings") || ws[0].Node != "sat" {
		t.Errorf("warnings %v", ws)
	}
}

// TestRoleMinRatersValidate: a per-role min_raters naming no role of the
// item is an error.
func TestRoleMinRatersValidate(t *testing.T) {
	item := Item{ID: "sat", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"public", 1}},
		RoleMinRaters: map[string]int{"boss": 2}}
	_, err := Combine([]Item{item}, []string{"a"}, nil)
	if err == nil || !strings.Contains(err.Error(), `min_raters names role "boss"`) {
		t.Errorf("err = %v", err)
	}
}
