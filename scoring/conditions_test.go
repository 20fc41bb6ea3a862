package scoring

import (
	"github.com/govscore/govscore/dataset"
	"testing"

	"github.com/govscore/govscore/indicators"
)

// TestRatedWhenAndUnratedReasons: a subject rated_when rejects is unrated
// before coverage and takes no part in any statistic; each unrated subject
// says which rule left it unrated.
func TestRatedWhenAndUnratedReasons(t *testing.T) {
	set := newSet(leaf("x"), leaf("y", appliesTo("a")))
	set.MinCoverage = 0.5
	subs := subjects("s0", "s1", "s2", "s3", "s4")
	subs[4].Kind = "b" // only x applies; x missing → coverage 0
	in := Input{Set: set, Subjects: subs,
		Raw: [][]float64{
			{0, 10, 1000, nan, nan},
			{0, 10, 5, nan, nan},
		},
		RatedWhen: []float64{1, 1, 0, nan, 1},
	}
	set.Kinds = []string{"a", "b"}
	set.PeerGroups = nil
	res := mustScore(t, in)
	wantReason := []UnratedReason{"", "", UnratedRatedWhen, UnratedRatedWhen, UnratedCoverage}
	for i, r := range res.Subjects {
		if r.Unrated != wantReason[i] || r.Rated != (wantReason[i] == "") {
			t.Errorf("s%d: Rated %v Unrated %q, want %q", i, r.Rated, r.Unrated, wantReason[i])
		}
	}
	// s2's 1000 is not in the minmax range: s0 and s1 span [0, 10].
	checkFloats(t, "x values", cellValues(res, 0), []float64{0, 100, nan, nan, nan})
	if st := cellStatuses(res, 0); st[2] != StatusUnrated {
		t.Errorf("s2 x status = %q, want unrated", st[2])
	}
	if !near(res.Subjects[2].Coverage, 1) {
		t.Errorf("s2 coverage = %v, want 1 (reported even when rated_when rejects)", res.Subjects[2].Coverage)
	}

	// No applicable leaf; a missing aggregate.
	set2 := newSet(leaf("x", appliesTo("a")))
	res2 := mustScore(t, Input{Set: set2, Subjects: []dataset.Subject{subj("p", "b"), subj("q", "a"), subj("r", "a")},
		Raw: [][]float64{{1, nan, 3}}})
	if got := res2.Subjects[0].Unrated; got != UnratedNoLeaf {
		t.Errorf("no leaf: Unrated = %q", got)
	}
	if got := res2.Subjects[1].Unrated; got != UnratedMissingAggregate {
		t.Errorf("missing aggregate: Unrated = %q", got)
	}
}

// TestAppliesWhenPerSubject: applies_when makes applicability per subject;
// a composite's condition restricts its subtree.
func TestAppliesWhenPerSubject(t *testing.T) {
	agri := comp("agri", []*indicators.Node{leaf("crops"), leaf("land")})
	set := newSet(leaf("x"), agri)
	subs := subjects("s0", "s1", "s2", "s3")
	cond := make([][]float64, len(set.Nodes))
	cond[agri.Index] = []float64{1, 0, nan, 1}
	in := Input{Set: set, Subjects: subs,
		Raw: [][]float64{
			{0, 10, 20, 30},
			{1, 2, 3, 5},
			{1, 1, 1, 3},
		},
		AppliesWhen: cond,
	}
	res := mustScore(t, in)
	for i, want := range []bool{true, false, false, true} {
		for _, k := range []int{agri.Index, agri.Index + 1, agri.Index + 2} {
			if got := res.Applies(k, i); got != want {
				t.Errorf("Applies(%s, s%d) = %v, want %v", set.Nodes[k].ID, i, got, want)
			}
		}
		if !res.Applies(0, i) {
			t.Errorf("x should apply to s%d", i)
		}
	}
	// crops over s0 and s3 only: 1 → 0, 5 → 100.
	checkFloats(t, "crops", cellValues(res, 1), []float64{0, nan, nan, 100})
	if st := cellStatuses(res, 1); st[1] != "" || st[2] != "" {
		t.Errorf("crops statuses = %q, want empty for s1 and s2", st)
	}
	// s1: only x (minmax over 0..30 → 33.3…) counts.
	checkFloats(t, "scores", scores(res)[1:3], []float64{100.0 / 3, 200.0 / 3})
}
