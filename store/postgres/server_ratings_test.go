package postgres

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/govscore/govscore/assess"
)

func rating(item, subject, rater, role string, score float64) assess.Rating {
	return assess.Rating{Item: item, Subject: subject, Rater: rater, Role: role, Score: score}
}

// TestSubmitRatingsVersions: a submission stores a new version only for
// the ratings that changed, each naming the one it replaces; history and
// the current ratings follow; a withdrawal removes the current rating; a
// locked period refuses, unless AllowLocked.
func TestSubmitRatingsVersions(t *testing.T) {
	db, admin := serverDB(t)
	ctx := context.Background()
	sub := func(rs ...assess.Rating) RatingSubmission {
		return RatingSubmission{AccountID: admin, Actor: "office", Period: "2024", File: "a.csv", SHA256: "x", Ratings: rs}
	}
	rep, err := db.SubmitRatings(ctx, sub(rating("sat", "c1", "r1", "public", 80), rating("sat", "d1", "r1", "public", 70)), false)
	if err != nil || rep.Added != 2 || rep.Changed != 0 || rep.Version == 0 {
		t.Fatalf("first submission: %+v, %v", rep, err)
	}
	first := rep.Version
	// Dry run: reports, stores nothing.
	rep, err = db.SubmitRatings(ctx, sub(rating("sat", "c1", "r1", "public", 81)), true)
	if err != nil || rep.Changed != 1 || rep.Version != 0 {
		t.Fatalf("dry run: %+v, %v", rep, err)
	}
	// Same again: nothing new, no submission row.
	rep, err = db.SubmitRatings(ctx, sub(rating("sat", "c1", "r1", "public", 80), rating("sat", "d1", "r1", "public", 70)), false)
	if err != nil || rep.Unchanged != 2 || rep.Version != 0 {
		t.Fatalf("resubmission: %+v, %v", rep, err)
	}
	if n := count(t, db, `SELECT count(*) FROM rating_versions`); n != 2 {
		t.Errorf("%d rating versions after an unchanged resubmission, want 2", n)
	}
	// One score and one role change, one new rating.
	rep, err = db.SubmitRatings(ctx, sub(rating("sat", "c1", "r1", "public", 85), rating("sat", "d1", "r1", "peer", 70),
		rating("sat", "d2", "r2", "public", 60)), false)
	if err != nil || rep.Changed != 2 || rep.Added != 1 || rep.Unchanged != 0 {
		t.Fatalf("changes: %+v, %v", rep, err)
	}
	h, err := db.RatingHistory(ctx, "2024", "sat", "c1", "r1")
	if err != nil || len(h) != 2 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if h[0].Score.Float64 != 85 || h[1].Score.Float64 != 80 || !h[0].Replaces.Valid || h[0].Replaces.Int64 != h[1].ID ||
		h[1].Submission != first || h[0].By != "office" || h[0].File != "a.csv" {
		t.Errorf("history of c1/r1 = %+v", h)
	}
	// Withdraw d2/r2: it leaves the current ratings, its history keeps it.
	rep, err = db.SubmitRatings(ctx, sub(rating("sat", "d2", "r2", "public", math.NaN())), false)
	if err != nil || rep.Changed != 1 {
		t.Fatalf("withdrawal: %+v, %v", rep, err)
	}
	cur, err := db.CurrentRatings(ctx, "2024")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range cur {
		got = append(got, v.Subject+"/"+v.Rater+"/"+v.Role+"="+formatScore(v))
	}
	if strings.Join(got, " ") != "c1/r1/public=85 d1/r1/peer=70" {
		t.Errorf("current ratings = %v", got)
	}
	if h, _ := db.RatingHistory(ctx, "2024", "sat", "d2", ""); len(h) != 2 || h[0].Score.Valid {
		t.Errorf("history of a withdrawn rating = %+v", h)
	}
	// A key twice in one submission is refused.
	if _, err := db.SubmitRatings(ctx, sub(rating("sat", "c1", "r9", "public", 1), rating("sat", "c1", "r9", "public", 2)), false); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("duplicate key: %v, want ErrDuplicateKey", err)
	}
	// Locked and unknown periods.
	if err := db.SetPeriodStatus(ctx, "2024", "locked", "office"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SubmitRatings(ctx, sub(rating("sat", "c1", "r1", "public", 1)), false); !errors.Is(err, ErrLocked) {
		t.Errorf("locked period: %v, want ErrLocked", err)
	}
	s := sub(rating("sat", "c1", "r1", "public", 90))
	s.AllowLocked = true
	s.AccountID, s.Actor = 0, "appeal/1"
	if rep, err := db.SubmitRatings(ctx, s, false); err != nil || rep.Changed != 1 {
		t.Errorf("AllowLocked correction: %+v, %v", rep, err)
	}
	if h, _ := db.RatingHistory(ctx, "2024", "sat", "c1", "r1"); len(h) != 3 || h[0].By != "appeal/1" {
		t.Errorf("history after a correction by a non-account = %+v", h)
	}
	s.Period = "2031"
	if _, err := db.SubmitRatings(ctx, s, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown period: %v, want ErrNotFound", err)
	}
	// The audit log records the submissions that stored something.
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'ratings.submit'`); n != 4 {
		t.Errorf("%d ratings.submit audit entries, want 4", n)
	}
}

// TestSubmitRatingsInTx: InTx runs in the submission's transaction; its
// error stores nothing.
func TestSubmitRatingsInTx(t *testing.T) {
	db, admin := serverDB(t)
	ctx := context.Background()
	boom := errors.New("token already used")
	s := RatingSubmission{AccountID: admin, Actor: "token/1", Period: "2024", File: "questionnaire", SHA256: "x",
		Ratings: []assess.Rating{rating("sat", "c1", "t1", "public", 50)},
		InTx: func(ctx context.Context, tx *sqlx.Tx, rep *SubmitReport) error {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM rating_versions`); err != nil {
				return err
			}
			if n != 1 || rep.Added != 1 {
				t.Errorf("InTx sees %d versions and %+v, want 1 and 1 added", n, rep)
			}
			return boom
		}}
	if _, err := db.SubmitRatings(ctx, s, false); !errors.Is(err, boom) {
		t.Fatalf("SubmitRatings with a failing InTx: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM rating_versions`) + count(t, db, `SELECT count(*) FROM rating_submissions`); n != 0 {
		t.Errorf("%d rows stored although InTx failed", n)
	}
}

// TestRatingVersionsAppendOnly: the database refuses UPDATE, DELETE and
// TRUNCATE on the rating record, whoever connects.
func TestRatingVersionsAppendOnly(t *testing.T) {
	db, admin := serverDB(t)
	ctx := context.Background()
	if _, err := db.SubmitRatings(ctx, RatingSubmission{AccountID: admin, Actor: "office", Period: "2024", File: "a", SHA256: "x",
		Ratings: []assess.Rating{rating("sat", "c1", "r1", "public", 80)}}, false); err != nil {
		t.Fatal(err)
	}
	id, err := db.AddRun(ctx, "2024", "office")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := db.ReadRunSnapshot(ctx, mustPeriod(t, "2024"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordRunInputs(ctx, id, snap); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE rating_versions SET score = 1`,
		`DELETE FROM rating_versions`,
		`TRUNCATE rating_versions CASCADE`,
		`UPDATE rating_submissions SET actor = 'someone'`,
		`DELETE FROM rating_submissions`,
		`TRUNCATE rating_submissions CASCADE`,
		`DELETE FROM run_rating_inputs`,
		`TRUNCATE run_rating_inputs`,
		`TRUNCATE run_inputs`,
		`TRUNCATE submissions CASCADE`,
	} {
		_, err := db.x.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM run_rating_inputs`); n != 1 {
		t.Errorf("%d run_rating_inputs, want 1", n)
	}
}

// TestRunSnapshot: metric values and ratings come from one snapshot, the
// versions read are recorded with their digest, and the digest changes
// exactly when an input does.
func TestRunSnapshot(t *testing.T) {
	db, admin := serverDB(t)
	ctx := context.Background()
	if _, err := db.Submit(ctx, Submission{AccountID: admin, Actor: "office", Period: "2024", File: "m.csv", SHA256: "m",
		Cells: []Cell{{"c1", "x", 1}, {"d1", "x", 2}}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SubmitRatings(ctx, RatingSubmission{AccountID: admin, Actor: "office", Period: "2024", File: "a.csv", SHA256: "a",
		Ratings: []assess.Rating{rating("sat", "d1", "r1", "public", 70), rating("sat", "c1", "r1", "public", 80)}}, false); err != nil {
		t.Fatal(err)
	}
	p := mustPeriod(t, "2024")
	snap, err := db.ReadRunSnapshot(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if col := snap.Data.Column("x", p); col == nil || col[0] != 1 || col[1] != 2 || !math.IsNaN(col[2]) {
		t.Errorf("snapshot column x = %v", col)
	}
	if len(snap.Ratings) != 2 || snap.Ratings[0].Subject != "d1" || snap.Ratings[1].Subject != "c1" {
		t.Errorf("snapshot ratings (submission order) = %+v", snap.Ratings)
	}
	if len(snap.MetricVersions) != 2 || len(snap.RatingVersions) != 2 || len(snap.InputsSHA256) != 64 {
		t.Errorf("snapshot versions = %v %v %q", snap.MetricVersions, snap.RatingVersions, snap.InputsSHA256)
	}
	again, err := db.ReadRunSnapshot(ctx, p)
	if err != nil || again.InputsSHA256 != snap.InputsSHA256 {
		t.Errorf("the same inputs read twice give digests %q and %q (%v)", snap.InputsSHA256, again.InputsSHA256, err)
	}
	run, _ := db.AddRun(ctx, "2024", "office")
	if err := db.RecordRunInputs(ctx, run, snap); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordRunInputs(ctx, run, snap); err != nil {
		t.Fatalf("recording the same snapshot twice: %v", err)
	}
	if info, err := db.Run(ctx, run); err != nil || info.InputsSHA256 != snap.InputsSHA256 {
		t.Errorf("run's inputs digest = %+v, %v", info, err)
	}
	if n := count(t, db, `SELECT count(*) FROM run_inputs`) + count(t, db, `SELECT count(*) FROM run_rating_inputs`); n != 4 {
		t.Errorf("%d recorded inputs, want 4", n)
	}
	// A changed rating changes the digest; the metric versions stay.
	if _, err := db.SubmitRatings(ctx, RatingSubmission{AccountID: admin, Actor: "office", Period: "2024", File: "b.csv", SHA256: "b",
		Ratings: []assess.Rating{rating("sat", "c1", "r1", "public", 90)}}, false); err != nil {
		t.Fatal(err)
	}
	next, err := db.ReadRunSnapshot(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if next.InputsSHA256 == snap.InputsSHA256 || !equalIDs(next.MetricVersions, snap.MetricVersions) || equalIDs(next.RatingVersions, snap.RatingVersions) {
		t.Errorf("after a rating change: digest %q (was %q), versions %v %v", next.InputsSHA256, snap.InputsSHA256, next.MetricVersions, next.RatingVersions)
	}
	if next.Ratings[0].Subject != "d1" || next.Ratings[1].Score != 90 {
		t.Errorf("ratings after the change = %+v", next.Ratings)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func formatScore(v RatingVersion) string {
	if !v.Score.Valid {
		return "NA"
	}
	return strconv.FormatFloat(v.Score.Float64, 'g', -1, 64)
}

// TestSubmitRatingsOwnOnly: with OwnOnly a submitter changes only the
// ratings whose current version it made; an unchanged rating of another
// passes; without OwnOnly (the admin) anything changes.
func TestSubmitRatingsOwnOnly(t *testing.T) {
	db, admin := serverDB(t)
	ctx := context.Background()
	other, err := db.AddAccount(ctx, Account{Name: "firm2", Role: "assessor", Items: []string{"sat"}}, "h", "test")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := db.AddAccount(ctx, Account{Name: "firm1", Role: "assessor", Items: []string{"sat"}}, "h", "test")
	if err != nil {
		t.Fatal(err)
	}
	sub := func(acct int64, actor string, rs ...assess.Rating) RatingSubmission {
		return RatingSubmission{AccountID: acct, Actor: actor, Period: "2024", File: "f", SHA256: "x", Ratings: rs, OwnOnly: true}
	}
	if _, err := db.SubmitRatings(ctx, sub(mine, "firm1", rating("sat", "c1", "r1", "third_party", 80)), false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SubmitRatings(ctx, sub(mine, "firm1", rating("sat", "c1", "r1", "third_party", 81)), false); err != nil {
		t.Errorf("changing its own rating: %v", err)
	}
	if _, err := db.SubmitRatings(ctx, sub(other, "firm2", rating("sat", "c1", "r1", "third_party", 10)), true); !errors.Is(err, ErrNotOwner) {
		t.Errorf("changing another's rating (dry run): %v, want ErrNotOwner", err)
	}
	if rep, err := db.SubmitRatings(ctx, sub(other, "firm2", rating("sat", "c1", "r1", "third_party", 81), rating("sat", "d1", "r1", "third_party", 5)), false); err != nil || rep.Unchanged != 1 || rep.Added != 1 {
		t.Errorf("another's unchanged rating with a new one: %+v, %v", rep, err)
	}
	adm := sub(admin, "office", rating("sat", "c1", "r1", "third_party", 60))
	adm.OwnOnly = false
	if _, err := db.SubmitRatings(ctx, adm, false); err != nil {
		t.Errorf("the admin's correction: %v", err)
	}
	if _, err := db.SubmitRatings(ctx, sub(mine, "firm1", rating("sat", "c1", "r1", "third_party", 82)), false); !errors.Is(err, ErrNotOwner) {
		t.Errorf("changing a rating the admin corrected: %v, want ErrNotOwner", err)
	}
}
