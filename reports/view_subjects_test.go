package reports

import (
	"bytes"
	"math"
	"testing"
)

// TestViewSubjectsOfBatch checks the subjects a view of a batch assembles
// when asked (Subject, NodeState, NodeRank) against the batch itself and
// against the view read back from its results.json, which holds its
// subjects.
func TestViewSubjectsOfBatch(t *testing.T) {
	b := imputedTrustBatch(t) // ranks, an imputed composite, unrated subjects
	v := NewView(b)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	read, err := ReadView(&buf, b.Project.Set)
	if err != nil {
		t.Fatal(err)
	}
	res, set := b.Result, b.Project.Set
	if v.NumSubjects() != len(res.Order) || read.NumSubjects() != len(res.Order) {
		t.Fatalf("%d and %d subjects (read), want %d", v.NumSubjects(), read.NumSubjects(), len(res.Order))
	}
	ranks, imputed, unrated := 0, 0, 0
	for k, si := range res.Order {
		s, r, d := v.Subject(k), &res.Subjects[si], &b.Project.Data.Subjects[si]
		if s.ID != d.ID || s.Name != d.Name || s.Kind != d.Kind || s.Group != r.Group || s.Rated != r.Rated || s.Rank != r.Rank ||
			s.Grade != r.Grade || s.GradeReason != r.GradeReason || !near(s.Root, r.RootValue, 0) || !near(s.Coverage, r.Coverage, 0) {
			t.Errorf("position %d: %+v, want the batch's subject %d (%s)", k, s, si, d.ID)
		}
		if want := r.Score; !r.Rated && !math.IsNaN(s.Score) || r.Rated && !near(s.Score, want, 0) {
			t.Errorf("%s: score %v, want %v (NaN when unrated)", s.ID, s.Score, want)
		}
		if !r.Rated {
			unrated++
		}
		if len(s.Nodes) != len(set.Nodes) || &s.Nodes[0] != &r.Nodes[0] {
			t.Errorf("%s: Nodes is not the batch's row", s.ID)
		}
		rs := read.Subject(k)
		if rs.ID != s.ID || rs.Name != s.Name || rs.Kind != s.Kind || rs.Group != s.Group || rs.Rated != s.Rated ||
			rs.UnratedReason != s.UnratedReason || rs.Rank != s.Rank || !near(rs.Score, s.Score, 0) || rs.Grade != s.Grade ||
			rs.Vetoed != s.Vetoed || rs.GradeByScore != s.GradeByScore || rs.GradeReason != s.GradeReason {
			t.Errorf("position %d: read %+v, want %+v", k, rs, s)
		}
		for i, n := range set.Nodes {
			st := v.NodeState(k, i)
			if want := NodeStatus(b, si, n); n.IsLeaf() && st != NodeStateNone || !n.IsLeaf() && st.String() != want {
				t.Errorf("%s node %s: state %q, want %q", s.ID, n.ID, st, want)
			}
			if got := read.NodeState(k, i); got != st {
				t.Errorf("%s node %s: read state %q, want %q", s.ID, n.ID, got, st)
			}
			if st == NodeStateImputed {
				imputed++
			}
			want := 0
			if res.NodeRanks != nil && res.NodeRanks[i] != nil {
				want = int(res.NodeRanks[i][si])
			}
			if got, gotRead := v.NodeRank(k, i), read.NodeRank(k, i); got != want || gotRead != want {
				t.Errorf("%s node %s: rank %d (read %d), want %d", s.ID, n.ID, got, gotRead, want)
			}
			if want > 0 {
				ranks++
			}
		}
	}
	if ranks == 0 || imputed == 0 || unrated == 0 {
		t.Errorf("%d ranks, %d imputed composites, %d unrated subjects: the test data should have each", ranks, imputed, unrated)
	}
}

// TestViewSubjectsPrevious checks SetPrevious on a view of a batch: a
// subject of both batches gets its previous rank, score and grade, one
// absent from the previous batch none.
func TestViewSubjectsPrevious(t *testing.T) {
	v, prev := NewView(loadBatch(t, smallDir, "2024")), NewView(loadBatch(t, smallDir, "2023"))
	if v.Subject(0).Prev != nil {
		t.Fatal("a previous outcome before SetPrevious")
	}
	v.SetPrevious(prev)
	byID := map[string]ViewSubject{}
	for k := range prev.NumSubjects() {
		byID[prev.Subject(k).ID] = prev.Subject(k)
	}
	found := 0
	for k := range v.NumSubjects() {
		s := v.Subject(k)
		p, ok := byID[s.ID]
		switch {
		case !ok && s.Prev != nil:
			t.Errorf("%s: previous outcome %+v, but it is not in the previous batch", s.ID, *s.Prev)
		case ok && s.Prev == nil:
			t.Errorf("%s: no previous outcome", s.ID)
		case ok:
			found++
			if s.Prev.Rated != p.Rated || s.Prev.Rank != p.Rank || !near(s.Prev.Score, p.Score, 0) || s.Prev.Grade != p.Grade || s.Prev.SameGroup != (p.Group == s.Group) {
				t.Errorf("%s: previous %+v, want that of %+v", s.ID, *s.Prev, p)
			}
		}
	}
	if found == 0 || !v.HasPrevious || v.PrevPeriod != prev.Meta.Period {
		t.Errorf("%d subjects found in the previous batch, HasPrevious %v, PrevPeriod %q", found, v.HasPrevious, v.PrevPeriod)
	}
}
