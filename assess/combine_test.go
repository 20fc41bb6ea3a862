package assess

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// many returns one rating per score, each from its own rater prefix1,
// prefix2, ….
func many(item, subject, role, prefix string, scores ...float64) []Rating {
	out := make([]Rating, len(scores))
	for i, x := range scores {
		out[i] = Rating{Item: item, Subject: subject, Rater: fmt.Sprintf("%s%d", prefix, i+1), Role: role, Score: x}
	}
	return out
}

func concat(parts ...[]Rating) []Rating {
	var out []Rating
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// satItem is the SPEC §5 example item.
func satItem() Item {
	return Item{
		ID: "sat", Name: "群众满意度", Scale: [2]float64{0, 100},
		Roles:     []RoleWeight{{"public", 40}, {"third_party", 30}, {"superior", 20}, {"peer", 10}},
		Trim:      1,
		MinRaters: 3,
	}
}

// satRatings gives subject s1: public 50…100 (6, trimmed to 60…90: mean 75,
// sd √(500/3)), third_party 70, 80, 90 (3, untrimmed: mean 80, sd 10),
// superior 70, 90 (2 < min_raters: missing), peer 60, 60, 70, 90 (4 =
// 2·trim + 2, untrimmed: mean 70, sd √200). s2 has no rating.
func satRatings() []Rating {
	return concat(
		many("sat", "s1", "public", "p", 50, 60, 70, 80, 90, 100),
		many("sat", "s1", "third_party", "t", 70, 80, 90),
		many("sat", "s1", "superior", "u", 70, 90),
		many("sat", "s1", "peer", "q", 60, 60, 70, 90),
	)
}

type roleWant struct {
	role     int
	n, kept  int
	mean, sd float64
	present  bool
}

type scoreWant struct {
	subject int
	a, se   float64
	roles   []roleWant
}

func TestCombine(t *testing.T) {
	// s1 reweighted over public, third_party, peer (Σw = 80):
	// A = (40·75 + 30·80 + 10·70)/80 = 76.25,
	// SE² = (1/2)²(500/3)/4 + (3/8)²·100/3 + (1/8)²·200/4.
	seS1 := math.Sqrt(0.25*(500.0/3)/4 + 0.140625*100.0/3 + 0.015625*200.0/4)
	std := Item{ID: "k", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"public", 1}}, Standardize: true}
	tests := []struct {
		name     string
		items    []Item
		subjects []string
		ratings  []Rating
		want     []scoreWant // for items[0]
	}{
		{
			name: "trim-weights-reweight", items: []Item{satItem()}, subjects: []string{"s1", "s2"}, ratings: satRatings(),
			want: []scoreWant{
				{subject: 0, a: 76.25, se: seS1, roles: []roleWant{
					{role: 0, n: 6, kept: 4, mean: 75, sd: math.Sqrt(500.0 / 3), present: true},
					{role: 1, n: 3, kept: 3, mean: 80, sd: 10, present: true},
					{role: 2, n: 2, kept: 0, mean: nan, sd: nan, present: false},
					{role: 3, n: 4, kept: 4, mean: 70, sd: math.Sqrt(200), present: true},
				}},
				{subject: 1, a: nan, se: nan, roles: []roleWant{{role: 0, mean: nan, sd: nan}}},
			},
		},
		{
			name: "missing-role-fail",
			items: func() []Item {
				it := satItem()
				it.MissingRole = Fail
				return []Item{it}
			}(),
			subjects: []string{"s1"}, ratings: satRatings(),
			want: []scoreWant{{subject: 0, a: nan, se: nan}},
		},
		{
			// min_raters 0 counts superior's 2 ratings (mean 80, sd √200):
			// A = (3000 + 2400 + 1600 + 700)/100 = 77.
			name: "min-raters-zero",
			items: func() []Item {
				it := satItem()
				it.MinRaters = 0
				it.MissingRole = Fail
				return []Item{it}
			}(),
			subjects: []string{"s1"}, ratings: satRatings(),
			want: []scoreWant{{subject: 0, a: 77, se: math.Sqrt(0.16*(500.0/3)/4 + 0.09*100.0/3 + 0.04*200.0/2 + 0.01*200.0/4),
				roles: []roleWant{{role: 2, n: 2, kept: 2, mean: 80, sd: math.Sqrt(200), present: true}}}},
		},
		{
			// A weight-0 role that is missing does not fail the item.
			name: "zero-weight-role-ignored-by-fail",
			items: []Item{{ID: "k", Scale: [2]float64{0, 10}, MissingRole: Fail,
				Roles: []RoleWeight{{"public", 1}, {"audit", 0}}}},
			subjects: []string{"a"}, ratings: many("k", "a", "public", "p", 4, 6),
			want: []scoreWant{{subject: 0, a: 5, se: math.Sqrt(2) / math.Sqrt(2),
				roles: []roleWant{{role: 1, mean: nan, sd: nan}}}},
		},
		{
			name:     "single-rating-sd-zero",
			items:    []Item{{ID: "k", Scale: [2]float64{0, 10}, Roles: []RoleWeight{{"public", 1}}}},
			subjects: []string{"a"}, ratings: many("k", "a", "public", "p", 7),
			want: []scoreWant{{subject: 0, a: 7, se: 0, roles: []roleWant{{role: 0, n: 1, kept: 1, mean: 7, sd: 0, present: true}}}},
		},
		{
			// n = 5 > 2·1 + 2: 1 and 100 dropped.
			name:     "trim-five",
			items:    []Item{{ID: "k", Scale: [2]float64{0, 100}, Trim: 1, Roles: []RoleWeight{{"public", 1}}}},
			subjects: []string{"a"}, ratings: many("k", "a", "public", "p", 100, 1, 5, 6, 7),
			want: []scoreWant{{subject: 0, a: 6, se: 1 / math.Sqrt(3), roles: []roleWant{{role: 0, n: 5, kept: 3, mean: 6, sd: 1, present: true}}}},
		},
		{
			// μ = 70, σ = 15.6347…; r1 (85 ± 5) and r2 (50 ± 10) are rescaled,
			// r4 (always 75) maps to μ, r3 (one rating) is unchanged.
			name: "standardize", items: []Item{std}, subjects: []string{"a", "b", "c"},
			ratings: []Rating{
				{"k", "a", "r1", "public", 90}, {"k", "b", "r1", "public", 80}, {"k", "c", "r1", "public", 85},
				{"k", "a", "r2", "public", 60}, {"k", "b", "r2", "public", 40}, {"k", "c", "r2", "public", 50},
				{"k", "a", "r3", "public", 70},
				{"k", "a", "r4", "public", 75}, {"k", "b", "r4", "public", 75}, {"k", "c", "r4", "public", 75},
			},
			want: []scoreWant{
				{subject: 0, a: 77.81735959970572, se: 4.513354669242201, roles: []roleWant{{role: 0, n: 4, kept: 4, mean: 77.81735959970572, sd: 9.026709338484402, present: true}}},
				{subject: 1, a: 59.57685386705904, se: 5.2115730664704785},
				{subject: 2, a: 70, se: 0},
			},
		},
		{
			name:     "self-rating-allowed",
			items:    []Item{{ID: "k", Scale: [2]float64{0, 10}, Roles: []RoleWeight{{"self", 1}, {"peer", 1}}}},
			subjects: []string{"a", "b"},
			ratings:  []Rating{{"k", "a", "a", "self", 9}, {"k", "a", "b", "peer", 5}},
			want:     []scoreWant{{subject: 0, a: 7, se: 0}, {subject: 1, a: nan, se: nan}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Combine(tc.items, tc.subjects, tc.ratings)
			if err != nil {
				t.Fatal(err)
			}
			ir := &res.Items[0]
			if got := res.Scores[tc.items[0].ID]; &got[0] != &ir.Score[0] {
				t.Error("Scores[item] is not ItemResult.Score")
			}
			if res.Item(tc.items[0].ID) != ir || res.Item("nope") != nil {
				t.Error("Result.Item lookup wrong")
			}
			for _, w := range tc.want {
				s := w.subject
				if !near(ir.Score[s], w.a, tol) || !near(ir.SE[s], w.se, tol) {
					t.Errorf("subject %d: A = %v, SE = %v; want %v, %v", s, ir.Score[s], ir.SE[s], w.a, w.se)
				}
				if !near(ir.Low[s], w.a-Z90*w.se, tol) || !near(ir.High[s], w.a+Z90*w.se, tol) {
					t.Errorf("subject %d: interval [%v, %v]", s, ir.Low[s], ir.High[s])
				}
				for _, rw := range w.roles {
					st := ir.Stat(s, rw.role)
					if st.N != rw.n || st.Kept != rw.kept || st.Present != rw.present ||
						!near(st.Mean, rw.mean, tol) || !near(st.SD, rw.sd, tol) {
						t.Errorf("subject %d role %d: got %+v, want %+v", s, rw.role, st, rw)
					}
				}
			}
		})
	}
}

func TestCombineReliabilitySummary(t *testing.T) {
	res, err := Combine([]Item{satItem()}, []string{"s1", "s2"}, satRatings())
	if err != nil {
		t.Fatal(err)
	}
	rel := res.Items[0].Reliability
	if rel.Raters != 15 || rel.Ratings != 15 {
		t.Errorf("raters, ratings = %d, %d; want 15, 15", rel.Raters, rel.Ratings)
	}
	wantN := []int{6, 3, 2, 4}
	wantM := []float64{75, 80, nan, 70} // superior: 2 < min_raters, not shown
	for r := range wantN {
		if rel.RoleRatings[r] != wantN[r] || !near(rel.RoleMeans[r], wantM[r], tol) {
			t.Errorf("role %d: n = %d, mean = %v; want %d, %v", r, rel.RoleRatings[r], rel.RoleMeans[r], wantN[r], wantM[r])
		}
	}
	// One rated subject: ICC(1) needs two targets; alpha with a single unit
	// is 0 (D_o = D_e); no dyads.
	if !math.IsNaN(rel.ICC1) || !near(rel.Alpha, 0, tol) || !math.IsNaN(rel.Reciprocity.R) {
		t.Errorf("ICC1, Alpha, R = %v, %v, %v; want NaN, 0, NaN", rel.ICC1, rel.Alpha, rel.Reciprocity.R)
	}
}

// TestCombineICCFromRatings feeds the Shrout & Fleiss and Krippendorff
// matrices through Combine (subjects = targets/units, raters = judges).
func TestCombineICCFromRatings(t *testing.T) {
	item := Item{ID: "k", Scale: [2]float64{0, 10}, Roles: []RoleWeight{{"public", 1}}}
	build := func(m [][]float64) ([]string, []Rating) {
		var subjects []string
		var rs []Rating
		for i, row := range m {
			s := fmt.Sprintf("t%02d", i)
			subjects = append(subjects, s)
			for j, x := range row {
				if !math.IsNaN(x) {
					rs = append(rs, Rating{"k", s, fmt.Sprintf("j%d", j), "public", x})
				}
			}
		}
		return subjects, rs
	}
	subjects, rs := build(shroutFleiss)
	res, err := Combine([]Item{item}, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Items[0].Reliability.ICC1; !near(got, 0.16574176840547544, tol) {
		t.Errorf("ICC1 = %v, want 0.1657", got)
	}
	subjects, rs = build(krippendorff)
	res, err = Combine([]Item{item}, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Items[0].Reliability.Alpha; !near(got, 0.8491071428571428, tol) {
		t.Errorf("Alpha = %v, want 0.849", got)
	}
}

func TestReciprocity(t *testing.T) {
	// Rater means a 70, b 60, c 80; every centred rating is ±10; dyads
	// (u, v): (10, 10), (−10, 10), (−10, −10); m = 0, r = 200/600.
	item := Item{ID: "k", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"peer", 1}}}
	rs := []Rating{
		{"k", "b", "a", "peer", 80}, {"k", "c", "a", "peer", 60},
		{"k", "a", "b", "peer", 70}, {"k", "c", "b", "peer", 50},
		{"k", "a", "c", "peer", 90}, {"k", "b", "c", "peer", 70},
		{"k", "a", "outsider", "peer", 10},
	}
	res, err := Combine([]Item{item}, []string{"c", "b", "a"}, rs)
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Items[0].Reliability.Reciprocity
	if rec.Dyads != 3 || !near(rec.R, 1.0/3, tol) || len(rec.Flagged) != 0 {
		t.Errorf("got %+v, want 3 dyads, r = 1/3, none flagged", rec)
	}
}

// genLikert generates n subjects that all rate each other (role peer).
// Honest rater a rates on a coarse scale around its own baseline (leniency
// between 50 and 80): exactly a third of its ratings each at baseline − 5,
// baseline and baseline + 5, in random order. Its centred ratings are then
// within ±5 while 1.5 times its sd is about 6.2: no honest pair can be
// flagged. When collude is set, s03 and s17 give each other 100.
func genLikert(seed uint64, n int, collude bool) ([]string, []Rating) {
	rng := rand.New(rand.NewPCG(seed, 1))
	subjects := make([]string, n)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("s%02d", i)
	}
	var rs []Rating
	for a := range n {
		base := 50 + 30*rng.Float64()
		steps := make([]float64, 0, n-1)
		for j := range n - 1 {
			steps = append(steps, float64(j%3-1)*5)
		}
		rng.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
		k := 0
		for b := range n {
			if a == b {
				continue
			}
			x := base + steps[k]
			k++
			if collude && (a == 3 && b == 17 || a == 17 && b == 3) {
				x = 100
			}
			rs = append(rs, Rating{"k", subjects[b], subjects[a], "peer", x})
		}
	}
	return subjects, rs
}

// genGaussian is like genLikert with score = 60 + quality(b) + leniency(a)
// + Gaussian noise.
func genGaussian(seed uint64, n int, collude bool) ([]string, []Rating) {
	rng := rand.New(rand.NewPCG(seed, 1))
	subjects := make([]string, n)
	quality := make([]float64, n)
	leniency := make([]float64, n)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("s%02d", i)
		quality[i] = 4 * rng.NormFloat64()
		leniency[i] = 3 * rng.NormFloat64()
	}
	var rs []Rating
	for a := range n {
		for b := range n {
			if a == b {
				continue
			}
			x := 60 + quality[b] + leniency[a] + 6*rng.NormFloat64()
			if collude && (a == 3 && b == 17 || a == 17 && b == 3) {
				x = 100
			}
			rs = append(rs, Rating{"k", subjects[b], subjects[a], "peer", x})
		}
	}
	return subjects, rs
}

func TestCollusionFlagged(t *testing.T) {
	item := Item{ID: "k", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"peer", 1}}}
	for _, tc := range []struct {
		name    string
		gen     func(uint64, int, bool) ([]string, []Rating)
		collude bool
		want    []string
	}{
		{"likert-honest", genLikert, false, nil},
		{"likert-planted-pair", genLikert, true, []string{"s03/s17"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			subjects, rs := tc.gen(7, 31, tc.collude)
			res, err := Combine([]Item{item}, subjects, rs)
			if err != nil {
				t.Fatal(err)
			}
			rec := res.Items[0].Reliability.Reciprocity
			var got []string
			for _, p := range rec.Flagged {
				got = append(got, p.A+"/"+p.B)
				if p.AB <= 0 || p.BA <= 0 {
					t.Errorf("flagged pair %+v has a non-positive centred rating", p)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("flagged %v, want %v", got, tc.want)
			}
			if rec.Dyads != 31*30/2 {
				t.Errorf("dyads = %d, want %d", rec.Dyads, 31*30/2)
			}
		})
	}
}

// TestCollusionFlagRate: with Gaussian honest ratings the rule has a false
// positive rate (both centred ratings above 1.5σ: about 0.067² ≈ 0.45% of
// independent dyads, more between two excellent subjects). The planted pair
// must be flagged and honest flags must stay rare.
func TestCollusionFlagRate(t *testing.T) {
	item := Item{ID: "k", Scale: [2]float64{0, 100}, Roles: []RoleWeight{{"peer", 1}}}
	const n = 40
	honest := 0
	for seed := range uint64(5) {
		subjects, rs := genGaussian(seed, n, true)
		res, err := Combine([]Item{item}, subjects, rs)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range res.Items[0].Reliability.Reciprocity.Flagged {
			if p.A == "s03" && p.B == "s17" {
				found = true
			} else {
				honest++
			}
		}
		if !found {
			t.Errorf("seed %d: planted pair s03/s17 not flagged", seed)
		}
	}
	t.Logf("%d honest dyads flagged of %d", honest, 5*n*(n-1)/2)
	if dyads := 5 * n * (n - 1) / 2; float64(honest) > 0.02*float64(dyads) {
		t.Errorf("%d of %d honest dyads flagged", honest, dyads)
	}
}

func TestCombineErrors(t *testing.T) {
	good := Item{ID: "k", Scale: [2]float64{0, 10}, Roles: []RoleWeight{{"public", 1}, {"self", 1}}}
	with := func(f func(*Item)) []Item {
		it := good
		it.Roles = append([]RoleWeight(nil), good.Roles...)
		f(&it)
		return []Item{it}
	}
	subjects := []string{"a", "b"}
	one := []Rating{{"k", "a", "r", "public", 5}}
	tests := []struct {
		name     string
		items    []Item
		subjects []string
		ratings  []Rating
		want     string
	}{
		{"empty-item-id", with(func(it *Item) { it.ID = "" }), subjects, nil, "empty id"},
		{"bad-scale", with(func(it *Item) { it.Scale = [2]float64{5, 5} }), subjects, nil, "lo < hi"},
		{"nan-scale", with(func(it *Item) { it.Scale = [2]float64{nan, 5} }), subjects, nil, "lo < hi"},
		{"no-roles", with(func(it *Item) { it.Roles = nil }), subjects, nil, "no roles"},
		{"empty-role", with(func(it *Item) { it.Roles[0].Role = "" }), subjects, nil, "empty role name"},
		{"duplicate-role", with(func(it *Item) { it.Roles[1].Role = "public" }), subjects, nil, `duplicate role "public"`},
		{"negative-weight", with(func(it *Item) { it.Roles[0].Weight = -1 }), subjects, nil, "weight -1"},
		{"zero-weights", with(func(it *Item) { it.Roles[0].Weight, it.Roles[1].Weight = 0, 0 }), subjects, nil, "sum to 0"},
		{"negative-trim", with(func(it *Item) { it.Trim = -1 }), subjects, nil, "trim -1"},
		{"negative-min-raters", with(func(it *Item) { it.MinRaters = -2 }), subjects, nil, "min_raters -2"},
		{"bad-missing-role", with(func(it *Item) { it.MissingRole = "drop" }), subjects, nil, `missing_role "drop"`},
		{"duplicate-item", []Item{good, good}, subjects, nil, `"k" defined twice`},
		{"empty-subject", []Item{good}, []string{"a", ""}, nil, "subject 1 has an empty id"},
		{"duplicate-subject", []Item{good}, []string{"a", "a"}, nil, `subject "a" listed twice`},
		{"unknown-item", []Item{good}, subjects, []Rating{{"x", "a", "r", "public", 5}, {"x", "b", "r", "public", 5}}, `unknown assessment item "x" (2 ratings)`},
		{"unknown-subject", []Item{good}, subjects, []Rating{{"k", "z", "r", "public", 5}}, `unknown subject "z" (1 rating)`},
		{"unknown-role", []Item{good}, subjects, []Rating{{"k", "a", "r", "boss", 5}}, `item "k" has no role "boss"`},
		{"score-above-scale", []Item{good}, subjects, []Rating{{"k", "a", "r", "public", 11}}, "score 11 outside the scale [0, 10]"},
		{"score-nan", []Item{good}, subjects, []Rating{{"k", "a", "r", "public", nan}}, "score NaN outside"},
		{"empty-rater", []Item{good}, subjects, []Rating{{"k", "a", "", "public", 5}}, "empty rater"},
		{"self-wrong-role", []Item{good}, subjects, []Rating{{"k", "a", "a", "public", 5}}, `subject "a" rates itself with role "public"`},
		{"duplicate-rating", []Item{good}, subjects, append(one, Rating{"k", "a", "r", "self", 6}), `subject "a" rated more than once by rater "r"`},
		{"duplicate-rating-subject-rater", []Item{good}, subjects, []Rating{{"k", "a", "b", "public", 5}, {"k", "a", "b", "public", 6}}, `rated more than once by rater "b"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Combine(tc.items, tc.subjects, tc.ratings)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if res != nil {
				t.Error("result returned with an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestCombineAllErrorsAtOnce(t *testing.T) {
	item := Item{ID: "k", Scale: [2]float64{0, 10}, Roles: []RoleWeight{{"public", 1}}}
	_, err := Combine([]Item{item}, []string{"a"}, []Rating{
		{"x", "a", "r", "public", 5}, {"k", "z", "r", "public", 5}, {"k", "a", "r", "boss", 5}, {"k", "a", "r", "public", 50},
	})
	if err == nil || strings.Count(err.Error(), "\n") != 3 {
		t.Errorf("want 4 errors, got %v", err)
	}
}

// genData generates a period's ratings: nSubj subjects × nItems items with
// perGroup ratings per (subject, role) from rater pools of mixed sizes
// (peers are subjects, so two-way dyads exist).
func genData(seed uint64, nSubj, nItems, perGroup int) ([]Item, []string, []Rating) {
	rng := rand.New(rand.NewPCG(seed, 2))
	subjects := make([]string, nSubj)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("S%05d", i)
	}
	pools := []struct {
		role, prefix string
		size         int
	}{
		{"public", "P", 4 * nSubj}, {"third_party", "T", 50}, {"superior", "U", nSubj/20 + perGroup}, {"peer", "", nSubj},
	}
	var items []Item
	var rs []Rating
	for k := range nItems {
		it := Item{ID: fmt.Sprintf("item%d", k), Scale: [2]float64{0, 100},
			Roles: []RoleWeight{{"public", 40}, {"third_party", 30}, {"superior", 20}, {"peer", 10}},
			Trim:  k % 2, MinRaters: k % 4, MissingRole: []string{Reweight, Fail, Reweight}[k%3], Standardize: k%2 == 0}
		items = append(items, it)
		for s, subj := range subjects {
			for _, p := range pools {
				n := perGroup
				if p.role == "superior" {
					n = rng.IntN(perGroup + 1)
				}
				start := rng.IntN(p.size)
				for j := range n {
					r := (start + j) % p.size
					var rater string
					if p.prefix == "" {
						if r == s {
							continue
						}
						rater = subjects[r]
					} else {
						rater = fmt.Sprintf("%s%d", p.prefix, r)
					}
					x := math.Round((60+15*rng.NormFloat64())*10) / 10
					rs = append(rs, Rating{it.ID, subj, rater, p.role, math.Max(0, math.Min(100, x))})
				}
			}
		}
	}
	return items, subjects, rs
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestCombineOrderInvariant: shuffling the ratings changes no bit of the
// result.
func TestCombineOrderInvariant(t *testing.T) {
	items, subjects, rs := genData(1, 60, 4, 5)
	base, err := Combine(items, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 3 {
		rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		got, err := Combine(items, subjects, rs)
		if err != nil {
			t.Fatal(err)
		}
		for k := range items {
			a, b := &base.Items[k], &got.Items[k]
			for s := range subjects {
				if !sameFloat(a.Score[s], b.Score[s]) || !sameFloat(a.SE[s], b.SE[s]) {
					t.Fatalf("trial %d item %d subject %d: %v ± %v vs %v ± %v", trial, k, s, a.Score[s], a.SE[s], b.Score[s], b.SE[s])
				}
			}
			for g := range a.Stats {
				x, y := a.Stats[g], b.Stats[g]
				if x.N != y.N || x.Kept != y.Kept || x.Present != y.Present || !sameFloat(x.Mean, y.Mean) || !sameFloat(x.SD, y.SD) {
					t.Fatalf("trial %d item %d stats %d: %+v vs %+v", trial, k, g, x, y)
				}
			}
			ra, rb := a.Reliability, b.Reliability
			if ra.Raters != rb.Raters || !sameFloat(ra.ICC1, rb.ICC1) || !sameFloat(ra.Alpha, rb.Alpha) ||
				!sameFloat(ra.Reciprocity.R, rb.Reciprocity.R) || ra.Reciprocity.Dyads != rb.Reciprocity.Dyads ||
				fmt.Sprint(ra.Reciprocity.Flagged) != fmt.Sprint(rb.Reciprocity.Flagged) || fmt.Sprint(ra.RoleMeans) != fmt.Sprint(rb.RoleMeans) {
				t.Fatalf("trial %d item %d reliability differs:\n%+v\n%+v", trial, k, ra, rb)
			}
		}
	}
}

// TestCombineMatchesReference checks Combine against a naive,
// map-based transcription of SPEC §5 on generated data.
func TestCombineMatchesReference(t *testing.T) {
	items, subjects, rs := genData(3, 40, 6, 6)
	res, err := Combine(items, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	for k := range items {
		want := reference(&items[k], subjects, rs)
		ir := &res.Items[k]
		for s := range subjects {
			if !near(ir.Score[s], want.score[s], tol) || !near(ir.SE[s], want.se[s], tol) {
				t.Errorf("item %d subject %d: A = %v ± %v, reference %v ± %v", k, s, ir.Score[s], ir.SE[s], want.score[s], want.se[s])
			}
		}
		rel := ir.Reliability
		if rel.Raters != want.raters || rel.Ratings != want.ratings ||
			!near(rel.ICC1, want.icc, tol) || !near(rel.Alpha, want.alpha, tol) ||
			!near(rel.Reciprocity.R, want.recip, tol) || rel.Reciprocity.Dyads != want.dyads ||
			len(rel.Reciprocity.Flagged) != want.flagged {
			t.Errorf("item %d reliability %+v, reference %+v", k, rel, want)
		}
		for r := range items[k].Roles {
			if !near(rel.RoleMeans[r], want.roleMeans[r], tol) {
				t.Errorf("item %d role %d mean %v, reference %v", k, r, rel.RoleMeans[r], want.roleMeans[r])
			}
		}
	}
}

type refResult struct {
	score, se              []float64
	raters, ratings, dyads int
	icc, alpha, recip      float64
	flagged                int
	roleMeans              []float64
}

func refMeanSD(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	ss := 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(len(x)-1))
}

// reference computes one item from SPEC §5 as written, with maps and
// sorting per group.
func reference(it *Item, subjects []string, all []Rating) refResult {
	var rs []Rating
	for _, r := range all {
		if r.Item == it.ID {
			rs = append(rs, r)
		}
	}
	var xs []float64
	byRater := map[string][]float64{}
	for _, r := range rs {
		xs = append(xs, r.Score)
		byRater[r.Rater] = append(byRater[r.Rater], r.Score)
	}
	mu, sigma := refMeanSD(xs)
	groups := map[[2]string][]float64{}
	units := map[string][]float64{}
	roleSum := map[string][]float64{}
	for _, r := range rs {
		x := r.Score
		if v := byRater[r.Rater]; it.Standardize && len(v) >= 3 {
			m, sd := refMeanSD(v)
			if slicesAllEqual(v) {
				x = mu
			} else {
				x = mu + sigma*(x-m)/sd
			}
		}
		groups[[2]string{r.Subject, r.Role}] = append(groups[[2]string{r.Subject, r.Role}], x)
		units[r.Subject] = append(units[r.Subject], r.Score)
		roleSum[r.Role] = append(roleSum[r.Role], r.Score)
	}
	out := refResult{raters: len(byRater), ratings: len(rs)}
	minN := max(1, it.MinRaters)
	for _, s := range subjects {
		sumW, num, missing := 0.0, 0.0, false
		type st struct{ w, m, sd, n float64 }
		var present []st
		for _, rw := range it.Roles {
			v := append([]float64(nil), groups[[2]string{s, rw.Role}]...)
			if rw.Weight == 0 {
				continue
			}
			if len(v) < minN {
				missing = true
				continue
			}
			sortFloats(v)
			if len(v) > 2*it.Trim+2 {
				v = v[it.Trim : len(v)-it.Trim]
			}
			m, sd := refMeanSD(v)
			if len(v) == 1 {
				sd = 0
			}
			sumW += rw.Weight
			num += rw.Weight * m
			present = append(present, st{rw.Weight, m, sd, float64(len(v))})
		}
		if sumW == 0 || (missing && it.MissingRole == Fail) {
			out.score = append(out.score, nan)
			out.se = append(out.se, nan)
			continue
		}
		v := 0.0
		for _, p := range present {
			v += (p.w / sumW) * (p.w / sumW) * p.sd * p.sd / p.n
		}
		out.score = append(out.score, num/sumW)
		out.se = append(out.se, math.Sqrt(v))
	}
	for _, rw := range it.Roles {
		v := roleSum[rw.Role]
		if len(v) < minN {
			out.roleMeans = append(out.roleMeans, nan)
		} else {
			m, _ := refMeanSD(v)
			out.roleMeans = append(out.roleMeans, m)
		}
	}
	var us [][]float64
	for _, s := range subjects {
		us = append(us, units[s])
	}
	out.icc, out.alpha = ICC1(us), AlphaInterval(us)

	// Reciprocity, double-entry, straight from the definition.
	isSubj := map[string]bool{}
	for _, s := range subjects {
		isSubj[s] = true
	}
	given := map[[2]string]float64{}
	for _, r := range rs {
		if isSubj[r.Rater] && r.Rater != r.Subject {
			given[[2]string{r.Rater, r.Subject}] = r.Score
		}
	}
	var xu, xv []float64
	for i, a := range subjects {
		for _, b := range subjects[i+1:] {
			ab, ok1 := given[[2]string{a, b}]
			ba, ok2 := given[[2]string{b, a}]
			if !ok1 || !ok2 {
				continue
			}
			ma, sa := refMeanSD(byRater[a])
			mb, sb := refMeanSD(byRater[b])
			if len(byRater[a]) < 2 {
				sa = 0
			}
			if len(byRater[b]) < 2 {
				sb = 0
			}
			xu = append(xu, ab-ma, ba-mb)
			xv = append(xv, ba-mb, ab-ma)
			if ab-ma > 1.5*sa && ba-mb > 1.5*sb {
				out.flagged++
			}
		}
	}
	out.dyads = len(xu) / 2
	out.recip = nan
	if out.dyads >= 2 {
		mu, su := refMeanSD(xu)
		_, sv := refMeanSD(xv)
		c := 0.0
		for i := range xu {
			c += (xu[i] - mu) * (xv[i] - mu)
		}
		out.recip = c / float64(len(xu)-1) / (su * sv)
	}
	return out
}

func slicesAllEqual(v []float64) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

func sortFloats(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// BenchmarkCombine: 1M ratings over 10k subjects × 5 items (20 per subject
// and item in 4 roles), trimming and standardisation on.
func BenchmarkCombine(b *testing.B) {
	items, subjects, rs := genData(5, 10000, 5, 6)
	for k := range items {
		items[k].Standardize, items[k].Trim = true, 1
	}
	for b.Loop() {
		if _, err := Combine(items, subjects, rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rs)), "ratings")
}

func TestRoleIndex(t *testing.T) {
	it := satItem()
	for _, tc := range []struct {
		role string
		want int
	}{{"public", 0}, {"peer", 3}, {"self", -1}, {"", -1}} {
		t.Run(tc.role, func(t *testing.T) {
			if got := it.RoleIndex(tc.role); got != tc.want {
				t.Errorf("RoleIndex(%q) = %d, want %d", tc.role, got, tc.want)
			}
		})
	}
}
