package scoring

import (
	"slices"
	"strings"
	"testing"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
)

// gradesABCD is A ≥ 90, B ≥ 80, C ≥ 60, D, with optional quotas on A and B.
func gradesABCD(shareA, shareB *float64) []*indicators.Grade {
	return []*indicators.Grade{
		{Name: "A", Min: fp(90), MaxShare: shareA},
		{Name: "B", Min: fp(80), MaxShare: shareB},
		{Name: "C", Min: fp(60)},
		{Name: "D"},
	}
}

// scored scores one `none` leaf whose raw values are the root values of
// subjects s00, s01, ….
func scored(t *testing.T, set *indicators.Set, root []float64, subs []dataset.Subject) *Result {
	t.Helper()
	if subs == nil {
		for i := range root {
			subs = append(subs, subj("s"+string(rune('0'+i/10))+string(rune('0'+i%10)), "a"))
		}
	}
	return mustScore(t, Input{Set: set, Subjects: subs, Raw: [][]float64{root}})
}

func TestAdjustments(t *testing.T) {
	set := newSet(none("x"))
	set.ClampTotal = true
	set.Grades = gradesABCD(nil, nil)
	set.Adjustments = []*indicators.Adjustment{
		{ID: "bonus", Max: fp(3)},
		{ID: "penalty", Min: fp(-5)},
		{ID: "veto", CapGrade: "D", AppliesTo: []string{"a"}},
		{ID: "kindb", AppliesTo: []string{"b"}},
	}
	subs := []dataset.Subject{subj("a", "a"), subj("b", "a"), subj("c", "a"), subj("d", "b")}
	in := Input{Set: set, Subjects: subs, Raw: [][]float64{{80, 60, 95, 50}},
		Points: [][]float64{{5, nan, 1, 2}, {-10, -1, -50, -50}, nil, {100, 100, 100, 100}},
		When:   [][]float64{nil, {1, 1, 0, nan}, {0, 1, 0, 1}, nil},
	}
	res := mustScore(t, in)
	// a: 80 + min(5, 3) + max(−10, −5) = 78
	// b: 60 + 0 (missing points) − 1 = 59, vetoed
	// c: 95 + 1 (penalty's when is false) = 96
	// d: 50 + 2 + 100 (kindb; penalty's when missing) = 152 → clamp_total 100;
	//    the veto does not apply to kind b.
	checkFloats(t, "score", scores(res), []float64{78, 59, 96, 100})
	if v := []bool{res.Subjects[0].Vetoed, res.Subjects[1].Vetoed, res.Subjects[2].Vetoed, res.Subjects[3].Vetoed}; !slices.Equal(v, []bool{false, true, false, false}) {
		t.Errorf("vetoed = %v", v)
	}
	// b: 59 < 60 → D already; the cap at D does not lower it.
	if b := res.Subjects[1]; b.GradeByScore != "D" || b.Grade != "D" || b.Adjustments[2].Capped {
		t.Errorf("b grade = %q by score %q, capped %v", b.Grade, b.GradeByScore, b.Adjustments[2].Capped)
	}
	ar := res.Subjects[0].Adjustments
	if !ar[0].Held || ar[0].Points != 3 || ar[1].Points != -5 || ar[2].Held || ar[3].Applies {
		t.Errorf("a adjustments = %+v", ar)
	}
	if d := res.Subjects[3].Adjustments; d[1].Held || d[2].Applies || !d[3].Applies || d[3].Points != 100 {
		t.Errorf("d adjustments = %+v", d)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.Subject+"/"+w.Node)
	}
	if want := []string{"b/bonus", "d/penalty"}; !slices.Equal(got, want) {
		t.Errorf("warnings = %v, want %v", got, want)
	}
}

func TestGrades(t *testing.T) {
	tests := []struct {
		name   string
		shareA *float64
		shareB *float64
		root   []float64
		veto   []float64 // when column of a cap at C, nil = none
		want   []string
		reason map[int]string
	}{
		{"by score", nil, nil, []float64{95, 90, 89.99, 60, 59}, nil,
			[]string{"A", "A", "B", "C", "D"},
			map[int]string{0: "score 95 ≥ 90 → A", 4: "score 59 < 60 → D"}},
		// A: 95, 94, 93, 93, 91 hold A; ⌊0.2·10⌋ = 2 keep it; 93, 93, 91 move to
		// B, whose quota 2 keeps 93, 93 and moves 91, 85, 80 to C.
		{"quotas cascade", fp(0.2), fp(0.2), []float64{95, 94, 93, 93, 91, 85, 80, 70, 60, 50}, nil,
			[]string{"A", "A", "B", "B", "C", "C", "C", "C", "C", "D"},
			map[int]string{
				2: "score 93 ≥ 90 → A; quota 20% of 10 = 2 exceeded → B",
				4: "score 91 ≥ 90 → A; quota 20% of 10 = 2 exceeded → B; quota 20% of 10 = 2 exceeded → C",
				5: "score 85 ≥ 80 → B; quota 20% of 10 = 2 exceeded → C"}},
		// Tie at the cut: the 2nd and 3rd are both 93, so both move down.
		{"boundary tie", fp(0.2), nil, []float64{95, 93, 93, 91, 85, 80, 70, 60, 50, 40}, nil,
			[]string{"A", "B", "B", "B", "B", "B", "C", "C", "D", "D"}, nil},
		// The quota's cut lies inside a tie of three at the top: all of A moves.
		{"tie swallows all", fp(0.2), nil, []float64{93, 93, 93, 70, 60, 50, 40, 30, 20, 10}, nil,
			[]string{"B", "B", "B", "C", "C", "D", "D", "D", "D", "D"}, nil},
		// ⌊0.2·3⌋ = 0: nobody may hold A.
		{"zero quota", fp(0.2), nil, []float64{95, 91, 50}, nil, []string{"B", "B", "D"}, nil},
		// A veto caps at C: the first falls from A to C; the third (D) stays.
		{"cap", nil, nil, []float64{95, 85, 50}, []float64{1, 0, 1},
			[]string{"C", "B", "D"}, map[int]string{0: "score 95 ≥ 90 → A; veto cap caps at C", 2: "score 50 < 60 → D"}},
		// Capped subjects leave A's quota free for the next.
		{"cap then quota", fp(0.5), nil, []float64{95, 94, 93, 10}, []float64{1, 0, 0, 0},
			[]string{"C", "A", "A", "D"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(none("x"))
			set.Grades = gradesABCD(tc.shareA, tc.shareB)
			in := Input{Set: set, Raw: [][]float64{tc.root}}
			for i := range tc.root {
				in.Subjects = append(in.Subjects, subj("s"+string(rune('0'+i)), "a"))
			}
			if tc.veto != nil {
				set.Adjustments = []*indicators.Adjustment{{ID: "cap", CapGrade: "C"}}
				in.When = [][]float64{tc.veto}
			}
			res := mustScore(t, in)
			var got []string
			for _, s := range res.Subjects {
				got = append(got, s.Grade)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("grades = %v, want %v", got, tc.want)
			}
			if tc.veto != nil {
				for i, s := range res.Subjects {
					capped := s.GradeByScore != s.Grade && s.Grade == "C"
					if s.Adjustments[0].Capped != capped {
						t.Errorf("subject %d: Capped = %v, want %v", i, s.Adjustments[0].Capped, capped)
					}
				}
			}
			for i, want := range tc.reason {
				if r := res.Subjects[i].GradeReason; r != want {
					t.Errorf("reason %d = %q, want %q", i, r, want)
				}
			}
		})
	}
}

// TestQuotaAscendingOrder: with ranking order asc (lower is better) quotas
// still move the lowest scores down first (SPEC §4.9 step 3). Found by the
// independent reference in tools/refcheck.
func TestQuotaAscendingOrder(t *testing.T) {
	set := newSet(none("x"))
	set.Grades = gradesABCD(fp(0.25), nil)
	set.Ranking.Desc = false
	in := Input{Set: set, Raw: [][]float64{{91, 93, 10, 20}}}
	for i := range in.Raw[0] {
		in.Subjects = append(in.Subjects, subj("s"+string(rune('1'+i)), "a"))
	}
	res := mustScore(t, in)
	var got []string
	for _, s := range res.Subjects {
		got = append(got, s.Grade)
	}
	// ⌊0.25·4⌋ = 1: of the two A holders (91, 93) the lower, 91, moves to B.
	if want := []string{"B", "A", "D", "D"}; !slices.Equal(got, want) {
		t.Errorf("grades = %v, want %v", got, want)
	}
	if r := res.Subjects[0].Rank; r != 3 {
		t.Errorf("rank of 91 under asc = %d, want 3", r)
	}
}

func TestGradeDigits(t *testing.T) {
	// 89.95 rounds to 90.0 at one digit: A.
	set := newSet(none("x"))
	set.Grades = gradesABCD(nil, nil)
	set.Ranking.Digits = 1
	res := scored(t, set, []float64{89.95, 89.94}, nil)
	if res.Subjects[0].Grade != "A" || res.Subjects[1].Grade != "B" {
		t.Errorf("grades %q %q, want A B", res.Subjects[0].Grade, res.Subjects[1].Grade)
	}
}

func TestQuotaLimit(t *testing.T) {
	tests := []struct {
		share float64
		n     int
		want  int
	}{
		{0.2, 10, 2},
		{0.29, 100, 29}, // 0.29·100 = 28.999999999999996
		{0.7, 10, 7},
		{0.07, 100000, 7000},
		{0.25, 3, 0},
		{1, 5, 5},
		{0, 5, 0},
	}
	for _, tc := range tests {
		if got := quotaLimit(tc.share, tc.n); got != tc.want {
			t.Errorf("quotaLimit(%v, %d) = %d, want %d", tc.share, tc.n, got, tc.want)
		}
	}
}

func TestRanking(t *testing.T) {
	root := []float64{10, 20, 20.0000000001, 5} // b and c tie at 9 digits
	tests := []struct {
		name   string
		method indicators.RankMethod
		desc   bool
		want   []int
		order  []int
	}{
		{"competition desc", indicators.Competition, true, []int{3, 1, 1, 4}, []int{1, 2, 0, 3}},
		{"ordinal desc", indicators.Ordinal, true, []int{3, 1, 2, 4}, []int{1, 2, 0, 3}},
		{"competition asc", indicators.Competition, false, []int{2, 3, 3, 1}, []int{3, 0, 1, 2}},
		{"ordinal asc", indicators.Ordinal, false, []int{2, 3, 4, 1}, []int{3, 0, 1, 2}},
		{"default method", "", true, []int{3, 1, 1, 4}, []int{1, 2, 0, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(none("x"))
			set.Ranking = indicators.Ranking{Method: tc.method, Desc: tc.desc, Digits: 9}
			res := mustScore(t, Input{Set: set, Subjects: subjects("a", "b", "c", "d"), Raw: [][]float64{root}})
			var got []int
			for _, s := range res.Subjects {
				got = append(got, s.Rank)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ranks = %v, want %v", got, tc.want)
			}
			if !slices.Equal(res.Order, tc.order) {
				t.Errorf("order = %v, want %v", res.Order, tc.order)
			}
		})
	}
}

func TestPeerGroups(t *testing.T) {
	subs := []dataset.Subject{
		subj("a1", "a", "region", "north"), subj("a2", "a", "region", "north"), subj("a3", "a"),
		subj("b1", "b", "region", "north"), subj("b2", "b", "region", "north"), subj("b3", "b", "region", "north"),
	}
	raw := [][]float64{{1, 3, 7, 10, 20, nan}}
	tests := []struct {
		name   string
		groups []string
		labels []string
		scores []float64
		ranks  []int
		order  []int
	}{
		// one group: minmax over 1, 3, 7, 10, 20.
		{"all", nil, []string{"all"},
			[]float64{0, 100 * 2.0 / 19, 100 * 6.0 / 19, 100 * 9.0 / 19, 100, nan},
			[]int{5, 4, 3, 2, 1, 0}, []int{4, 3, 2, 1, 0, 5}},
		// per kind: a over 1, 3, 7; b over 10, 20.
		{"kind", []string{"kind"}, []string{"a", "b"},
			[]float64{0, 100.0 / 3, 100, 0, 100, nan},
			[]int{3, 2, 1, 2, 1, 0}, []int{2, 1, 0, 4, 3, 5}},
		// kind/region; a3 has no region: label "a/"; a1, a2 and a3 split, a3 alone → uninformative → unrated.
		{"kind/region", []string{"kind", "region"}, []string{"a/", "a/north", "b/north"},
			[]float64{0, 100, nan, 0, 100, nan},
			[]int{2, 1, 0, 2, 1, 0}, []int{2, 1, 0, 4, 3, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(leaf("x"))
			set.PeerGroups = tc.groups
			res := mustScore(t, Input{Set: set, Subjects: subs, Raw: raw})
			var labels []string
			for _, g := range res.Groups {
				labels = append(labels, g.Label)
			}
			if !slices.Equal(labels, tc.labels) {
				t.Errorf("labels = %v, want %v", labels, tc.labels)
			}
			checkFloats(t, "score", scores(res), tc.scores)
			var ranks []int
			for _, s := range res.Subjects {
				ranks = append(ranks, s.Rank)
			}
			if !slices.Equal(ranks, tc.ranks) {
				t.Errorf("ranks = %v, want %v", ranks, tc.ranks)
			}
			if !slices.Equal(res.Order, tc.order) {
				t.Errorf("order = %v, want %v", res.Order, tc.order)
			}
			if !strings.HasPrefix(res.Subjects[0].Group, tc.labels[0][:1]) {
				t.Errorf("group of a1 = %q", res.Subjects[0].Group)
			}
		})
	}
}
