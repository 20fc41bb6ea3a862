package assess

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// refResample is the bootstrap written plainly: the same draws from rng as
// Resample (items, subjects, roles in order; no draw for a constant role),
// then sort, trim and mean.
func refResample(items []Item, subjects []string, res *Result, rng *rand.Rand) map[string][]float64 {
	out := map[string][]float64{}
	for k, it := range items {
		ir := res.Items[k]
		col := make([]float64, len(subjects))
		for s := range subjects {
			if math.IsNaN(ir.Score[s]) {
				col[s] = math.NaN()
				continue
			}
			sumW, num := 0.0, 0.0
			for r, rw := range it.Roles {
				st := ir.Stat(s, r)
				if rw.Weight <= 0 || !st.Present {
					continue
				}
				vals := groupValues(it, subjects[s], rw.Role, res)
				var m float64
				if vals[0] == vals[len(vals)-1] {
					m = vals[0]
				} else {
					n := len(vals)
					draw := make([]float64, n)
					for i := range draw {
						draw[i] = vals[rng.IntN(n)]
					}
					slices.Sort(draw)
					if n > 2*it.Trim+2 {
						draw = draw[it.Trim : n-it.Trim]
					}
					for _, x := range draw {
						m += x
					}
					m /= float64(len(draw))
				}
				sumW += rw.Weight
				num += rw.Weight * m
			}
			col[s] = num / sumW
		}
		out[it.ID] = col
	}
	return out
}

// bootRatings is the table the reference test uses: its raw scores per
// (item, subject, role), sorted.
var bootRatings = concat(
	many("sat", "s1", "public", "p", 50, 60, 70, 80, 90, 100),
	many("sat", "s1", "third_party", "t", 70, 80, 90),
	many("sat", "s1", "superior", "u", 70, 90),
	many("sat", "s1", "peer", "q", 60, 60, 70, 90),
	many("sat", "s2", "public", "p", 40, 45, 90, 95, 20),
	many("sat", "s2", "third_party", "t", 66, 66, 66),
	many("sat", "s3", "superior", "u", 80, 85, 90),
	many("two", "s1", "peer", "x", 10, 20, 30),
	many("two", "s2", "peer", "x", 5),
)

func bootItems() []Item {
	two := Item{ID: "two", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"peer", 1}, {"public", 0}}, MissingRole: Fail}
	return []Item{satItem(), two}
}

// groupValues returns the raw scores of one (item, subject, role), sorted.
func groupValues(it Item, subject, role string, _ *Result) []float64 {
	var v []float64
	for _, r := range bootRatings {
		if r.Item == it.ID && r.Subject == subject && r.Role == role {
			v = append(v, r.Score)
		}
	}
	slices.Sort(v)
	return v
}

func TestBootstrapMatchesReference(t *testing.T) {
	subjects := []string{"s1", "s2", "s3", "s4"}
	items := bootItems()
	boot, nominal, err := NewBootstrap(items, subjects, bootRatings)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Combine(items, subjects, bootRatings)
	if err != nil {
		t.Fatal(err)
	}
	for k := range want.Items {
		for s := range subjects {
			if a, b := nominal.Items[k].Score[s], want.Items[k].Score[s]; a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Errorf("nominal %s[%d] = %v, Combine gives %v", want.Items[k].ID, s, a, b)
			}
		}
	}
	for rep := range 50 {
		got := boot.Resample(rand.New(rand.NewPCG(3, uint64(rep))))
		ref := refResample(items, subjects, want, rand.New(rand.NewPCG(3, uint64(rep))))
		for id, col := range ref {
			for s, x := range col {
				y := got[id][s]
				if math.IsNaN(x) != math.IsNaN(y) || math.Abs(x-y) > 1e-9 {
					t.Fatalf("replicate %d: %s[%s] = %v, want %v", rep, id, subjects[s], y, x)
				}
			}
		}
	}
}

func TestBootstrapProperties(t *testing.T) {
	subjects := []string{"s1", "s2", "s3", "s4"}
	items := bootItems()
	boot, nominal, err := NewBootstrap(items, subjects, bootRatings)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		item    string
		subject int
		check   func(t *testing.T, xs []float64)
	}{
		{"constant-role-is-fixed", "sat", 2, func(t *testing.T, xs []float64) { // s3: superior 80, 85, 90 only
			for _, x := range xs {
				if x < 80 || x > 90 {
					t.Fatalf("replicate %v outside [80, 90]", x)
				}
			}
		}},
		{"no-ratings-missing", "sat", 3, func(t *testing.T, xs []float64) {
			for _, x := range xs {
				if !math.IsNaN(x) {
					t.Fatalf("replicate %v, want missing", x)
				}
			}
		}},
		{"single-rating-exact", "two", 1, func(t *testing.T, xs []float64) {
			for _, x := range xs {
				if x != 5 {
					t.Fatalf("replicate %v, want 5", x)
				}
			}
		}},
		{"within-range-and-centred", "sat", 0, func(t *testing.T, xs []float64) {
			mean := 0.0
			for _, x := range xs {
				// Each role's trimmed mean lies within its ratings.
				lo := (40*50 + 30*70 + 10*60) / 80.0
				hi := (40*100 + 30*90 + 10*90) / 80.0
				if x < lo-1e-9 || x > hi+1e-9 {
					t.Fatalf("replicate %v outside [%v, %v]", x, lo, hi)
				}
				mean += x
			}
			mean /= float64(len(xs))
			if d := mean - nominal.Items[0].Score[0]; math.Abs(d) > 1.5 {
				t.Errorf("mean of replicates %v, nominal %v", mean, nominal.Items[0].Score[0])
			}
		}},
	}
	reps := make([]map[string][]float64, 2000)
	for j := range reps {
		reps[j] = boot.Resample(rand.New(rand.NewPCG(9, uint64(j))))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]float64, len(reps))
			for j, r := range reps {
				xs[j] = r[tc.item][tc.subject]
			}
			tc.check(t, xs)
		})
	}
	// Same rng state, same replicate.
	a := boot.Resample(rand.New(rand.NewPCG(1, 2)))
	b := boot.Resample(rand.New(rand.NewPCG(1, 2)))
	for id := range a {
		for s := range a[id] {
			if x, y := a[id][s], b[id][s]; x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				t.Fatalf("%s[%d]: %v then %v from the same seed", id, s, x, y)
			}
		}
	}
}

func TestBootstrapStandardized(t *testing.T) {
	// Every cell has one rating, so each replicate is the nominal
	// (standardised) score exactly: the bootstrap resamples the
	// standardised ratings, not the raw ones.
	it := Item{ID: "k", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"peer", 1}}, Standardize: true}
	var rs []Rating
	for s, sub := range []string{"a", "b", "c", "d"} {
		rs = append(rs, Rating{Item: "k", Subject: sub, Rater: "lenient", Role: "peer", Score: float64(80 + s*5)})
		rs = append(rs, Rating{Item: "k", Subject: sub, Rater: "harsh", Role: "peer", Score: float64(30 + s*10)})
	}
	subjects := []string{"a", "b", "c", "d"}
	boot, nominal, err := NewBootstrap([]Item{it}, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 20 {
		got := boot.Resample(rand.New(rand.NewPCG(5, uint64(j))))["k"]
		for s := range subjects {
			// Two standardised ratings per cell: the replicate is one of
			// them, both of them, or their mean; all within their range.
			if got[s] < nominal.Items[0].Score[s]-50 || math.IsNaN(got[s]) {
				t.Fatalf("replicate %d, %s: %v (nominal %v)", j, subjects[s], got[s], nominal.Items[0].Score[s])
			}
		}
	}
	// With one rating per cell the replicate equals the nominal score.
	one := []Rating{rs[0], rs[3], rs[4], rs[7]} // lenient a, harsh b, lenient c, harsh d
	boot, nominal, err = NewBootstrap([]Item{it}, subjects, one)
	if err != nil {
		t.Fatal(err)
	}
	got := boot.Resample(rand.New(rand.NewPCG(5, 0)))["k"]
	for s := range subjects {
		if got[s] != nominal.Items[0].Score[s] {
			t.Errorf("%s: replicate %v, nominal %v", subjects[s], got[s], nominal.Items[0].Score[s])
		}
	}
}

func TestBootstrapErrors(t *testing.T) {
	_, _, err := NewBootstrap([]Item{satItem()}, []string{"s1"}, many("sat", "nobody", "public", "p", 50))
	if err == nil {
		t.Fatal("NewBootstrap accepted a rating of an unknown subject")
	}
}

// BenchmarkBootstrapResample: one replicate of ~210k ratings over 2k
// subjects × 3 items (10 ratings per subject and role).
func BenchmarkBootstrapResample(b *testing.B) {
	items, subjects, ratings := genData(5, 2000, 3, 10)
	boot, _, err := NewBootstrap(items, subjects, ratings)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for b.Loop() {
		boot.Resample(rng)
	}
	b.ReportMetric(float64(len(ratings)), "ratings")
}
