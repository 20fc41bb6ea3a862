package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/govscore/govscore/assess"
)

func keyOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// TestRoundQuestionnaires: saved answers come back until submission; a
// questionnaire is submitted once, also under 20 concurrent attempts; the
// sealed answers name no key; closing stores them as ratings in one
// submission, deletes them, and refuses answers after; too few
// questionnaires do not close.
func TestRoundQuestionnaires(t *testing.T) {
	db, admin := serverDB(t)
	ctx := context.Background()
	id, err := db.AddRound(ctx, Round{Item: "sat", Role: "public", Period: "2024", Subjects: []string{"c1", "d1"}}, "office")
	if err != nil {
		t.Fatal(err)
	}
	keys := [][]byte{keyOf("t1"), keyOf("t2"), keyOf("t3")}
	if err := db.AddTokens(ctx, id, keys, "office"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAnswers(ctx, keys[0], map[string]float64{"c1": 70}); err != nil {
		t.Fatal(err)
	}
	k, err := db.RaterKeyByHash(ctx, keys[0])
	if err != nil || k.Pending["c1"] != 70 || k.Submitted || k.Round != id {
		t.Fatalf("saved key = %+v, %v", k, err)
	}
	if err := db.SubmitAnswers(ctx, keys[0], map[string]float64{"c1": 71, "d1": 60}, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SubmitAnswers(ctx, keys[0], map[string]float64{"c1": 10}, "", nil); !errors.Is(err, ErrSubmitted) {
		t.Errorf("second submission: %v, want ErrSubmitted", err)
	}
	if k, _ := db.RaterKeyByHash(ctx, keys[0]); k.Pending != nil || !k.Submitted {
		t.Errorf("submitted key keeps %+v", k)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.SubmitAnswers(ctx, keys[1], map[string]float64{"c1": float64(50 + i)}, "", nil)
		}()
	}
	wg.Wait()
	stored := 0
	for _, err := range errs {
		switch {
		case err == nil:
			stored++
		case !errors.Is(err, ErrSubmitted):
			t.Errorf("concurrent submission: %v", err)
		}
	}
	if stored != 1 {
		t.Errorf("%d of 20 concurrent submissions stored, want 1", stored)
	}
	if n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM sealed_answers WHERE round_id = %d`, id)); n != 2 {
		t.Errorf("%d sealed questionnaires, want 2", n)
	}
	toRatings := func(r *Round, sealed []Sealed) ([]assess.Rating, error) {
		var out []assess.Rating
		for i, s := range sealed {
			var subs []string
			for sub := range s.Answers {
				subs = append(subs, sub)
			}
			sort.Strings(subs)
			for _, sub := range subs {
				out = append(out, assess.Rating{Item: r.Item, Subject: sub, Rater: fmt.Sprintf("q%d", i), Role: r.Role, Score: s.Answers[sub]})
			}
		}
		return out, nil
	}
	if _, err := db.CloseRound(ctx, id, admin, "office", 3, toRatings); !errors.Is(err, ErrTooFew) {
		t.Errorf("closing 2 questionnaires with min 3: %v, want ErrTooFew", err)
	}
	if err := db.SaveAnswers(ctx, keys[2], map[string]float64{"d1": 1}); err != nil {
		t.Errorf("the round refused answers after a refused closing: %v", err)
	}
	rep, err := db.CloseRound(ctx, id, admin, "office", 2, toRatings)
	if err != nil || rep.Added != 3 {
		t.Fatalf("close: %+v, %v", rep, err)
	}
	if n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM sealed_answers WHERE round_id = %d`, id)); n != 0 {
		t.Errorf("%d sealed questionnaires after closing, want 0", n)
	}
	if n := count(t, db, `SELECT count(DISTINCT submission_id) FROM rating_versions`); n != 1 {
		t.Errorf("the ratings are in %d submissions, want 1", n)
	}
	if err := db.SubmitAnswers(ctx, keys[2], map[string]float64{"c1": 1}, "", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("submission after closing: %v, want ErrClosed", err)
	}
	if _, err := db.CloseRound(ctx, id, admin, "office", 2, toRatings); !errors.Is(err, ErrClosed) {
		t.Errorf("closing twice: %v, want ErrClosed", err)
	}
	r, err := db.RoundByID(ctx, id)
	if err != nil || r.Status != "closed" || r.ClosedAt == nil || r.Ratings != 3 || r.Keys != 3 || r.Submitted != 2 {
		t.Errorf("closed round = %+v, %v", r, err)
	}
}

// TestKeysInRound: every hash must be a token of the round (repeats
// allowed); one of another round, an account key or an unknown hash
// fails the whole list; an empty list passes.
func TestKeysInRound(t *testing.T) {
	db, _ := serverDB(t)
	ctx := context.Background()
	a, err := db.AddRound(ctx, Round{Item: "sat", Role: "public", Period: "2024", Subjects: []string{"c1"}}, "office")
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.AddRound(ctx, Round{Item: "sat", Role: "public", Period: "2024", Subjects: []string{"c1"}}, "office")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddTokens(ctx, a, [][]byte{keyOf("a1"), keyOf("a2")}, "office"); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTokens(ctx, b, [][]byte{keyOf("b1")}, "office"); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureAccountKey(ctx, keyOf("acct"), a, "c1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		hashes [][]byte
		want   bool
	}{
		{"none", nil, true},
		{"all", [][]byte{keyOf("a1"), keyOf("a2")}, true},
		{"repeated", [][]byte{keyOf("a1"), keyOf("a1"), keyOf("a2")}, true},
		{"other round", [][]byte{keyOf("a1"), keyOf("b1")}, false},
		{"account key", [][]byte{keyOf("a1"), keyOf("acct")}, false},
		{"unknown", [][]byte{keyOf("forged")}, false},
		{"repeated unknown", [][]byte{keyOf("a1"), keyOf("a1"), keyOf("forged")}, false},
	} {
		got, err := db.KeysInRound(ctx, a, tc.hashes)
		if err != nil || got != tc.want {
			t.Errorf("%s: KeysInRound = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
