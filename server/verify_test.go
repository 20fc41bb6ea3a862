package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/govscore/govscore/store/postgres"
	"github.com/jmoiron/sqlx"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tamper runs SQL on the test database as its owner with the user
// triggers of table disabled (what the owner or a superuser can still do),
// $1 standing for the batch id.
func (e *env) tamper(table, q string, batch int64) {
	e.t.Helper()
	x, err := sqlx.Open("postgres", e.db.URL())
	if err != nil {
		e.t.Fatal(err)
	}
	defer x.Close()
	tx := x.MustBegin()
	for _, s := range []string{`ALTER TABLE ` + table + ` DISABLE TRIGGER USER`, strings.ReplaceAll(q, "$1", fmt.Sprint(batch)),
		`ALTER TABLE ` + table + ` ENABLE TRIGGER USER`} {
		if _, err := tx.Exec(s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

// TestPublishedBatchVerification: a published batch changed behind
// govscore's back (triggers disabled) is found by the periodic check and
// no longer served — its pages, API and downloads answer 409 with an
// integrity message — the failure is logged and audited; restored, it is
// served again.
func TestPublishedBatchVerification(t *testing.T) {
	for _, tc := range []struct {
		name, table, sql string
	}{
		{"score changed", "batch_subjects", `UPDATE batch_subjects SET score = score + 1 WHERE batch_id = $1 AND ord = 0`},
		{"download replaced", "batch_files", `UPDATE batch_files SET data = (SELECT data FROM batch_files WHERE batch_id = $1 AND name = 'indicators.csv' ORDER BY chunk LIMIT 1) WHERE batch_id = $1 AND name = 'results.csv'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			e := newEnvLog(t, Config{}, true, &logs)
			ctx := context.Background()
			run := e.cycle()
			info, err := e.db.Run(ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			paths := []string{"/p/2024", "/p/2024/s/a1", "/p/2024/files/results.csv", "/p/2024/diff",
				"/api/v1/published/2024", "/api/v1/published/2024/subjects/a1", "/api/v1/published/2024/diff"}
			for _, p := range paths {
				e.must(e.do("GET", p, "", nil), 200)
			}
			before, err := e.s.verifier.verifyAll(ctx)
			if err != nil || before != 0 {
				t.Fatalf("verifying the untouched batch: %d failed, %v", before, err)
			}

			e.tamper(tc.table, tc.sql, info.BatchID)
			if n, err := e.s.verifier.verifyAll(ctx); err != nil || n != 1 {
				t.Fatalf("verifying the tampered batch: %d failed, %v", n, err)
			}
			for _, p := range paths {
				r := e.do("GET", p, "", nil)
				if r.status != 409 || !strings.Contains(string(r.body), "integrity check") {
					t.Errorf("GET %s of a tampered batch: %d %.200s", p, r.status, r.body)
				}
			}
			r := e.must(e.do("GET", "/api/v1/published/2024", "", nil), 409)
			if !strings.Contains(string(r.body), `"error": "integrity"`) {
				t.Errorf("API error code: %s", r.body)
			}
			// The lists of periods say it is withheld instead of failing.
			if r := e.must(e.do("GET", "/", "", nil), 200); !strings.Contains(string(r.body), "integrity check") {
				t.Errorf("the home page does not say the batch is withheld")
			}
			if r := e.must(e.do("GET", "/api/v1/published", "", nil), 200); !strings.Contains(string(r.body), `"withheld"`) {
				t.Errorf("the published list does not say the batch is withheld: %s", r.body)
			}
			if !strings.Contains(logs.String(), "published batch failed verification") {
				t.Errorf("no log line of the failure:\n%s", logs.String())
			}
			// Audited once, however many checks find it.
			if _, err := e.s.verifier.verifyAll(ctx); err != nil {
				t.Fatal(err)
			}
			log, err := e.db.AuditLog(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, a := range log {
				if a.Action == "batch.verify_failed" && a.Object == fmt.Sprintf("batch/%d", info.BatchID) && a.Actor == verifyActor {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d batch.verify_failed audit entries, want 1", n)
			}
			// A new server checks at start: still withheld.
			s2, err := New(ctx, e.db, slog.New(slog.NewTextHandler(&logs, nil)), Config{VerifyEvery: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			if err := s2.verifier.check(ctx, info.BatchID); !isIntegrity(err) {
				t.Errorf("a new server's check of the tampered batch: %v", err)
			}
		})
	}
}

// TestVerificationRestored: once the stored rows match their digest again,
// the next check serves the batch and audits it.
func TestVerificationRestored(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	run := e.cycle()
	info, _ := e.db.Run(ctx, run)
	e.tamper("batch_subjects", `UPDATE batch_subjects SET score = score + 1 WHERE batch_id = $1 AND ord = 0`, info.BatchID)
	e.s.verifier.verifyAll(ctx)
	e.must(e.do("GET", "/p/2024", "", nil), 409)
	e.tamper("batch_subjects", `UPDATE batch_subjects SET score = score - 1 WHERE batch_id = $1 AND ord = 0`, info.BatchID)
	if n, err := e.s.verifier.verifyAll(ctx); err != nil || n != 0 {
		t.Fatalf("after the restore: %d failed, %v", n, err)
	}
	e.must(e.do("GET", "/p/2024", "", nil), 200)
	log, _ := e.db.AuditLog(ctx, 0, 10)
	if len(log) == 0 || log[0].Action != "batch.verify_restored" {
		t.Errorf("latest audit entry = %+v, want batch.verify_restored", log[0])
	}
}

// TestStandingBatches: of a period's publications, newest first, the first
// two are checked every --verify-every (the results in force and what the
// diff compares them with); the others only in the full checks.
func TestStandingBatches(t *testing.T) {
	bs := []postgres.BatchInfo{
		{ID: 9, Period: "2025"}, {ID: 8, Period: "2025"}, {ID: 7, Period: "2025"},
		{ID: 6, Period: "2024"},
		{ID: 5, Period: "2023"}, {ID: 4, Period: "2023"}, {ID: 3, Period: "2023"}, {ID: 2, Period: "2023"},
	}
	var got []int64
	for _, b := range standing(bs) {
		got = append(got, b.ID)
	}
	if want := []int64{9, 8, 6, 5, 4}; !slices.Equal(got, want) {
		t.Errorf("standing = %v, want %v", got, want)
	}
	if len(standing(nil)) != 0 {
		t.Error("standing(nil) is not empty")
	}
}

// TestSupersededVerifiedDaily: a superseded publication that is neither
// in force nor the diff's base is not re-read on the frequent checks, and
// is withheld once a full check finds it altered.
func TestSupersededVerifiedDaily(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.cycle()
	republish := func(cases string) int64 { // a corrected value, a new publication
		e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=police.csv", e.token("police"),
			strings.Replace(policeCSV, "a1,2024,120", "a1,2024,"+cases, 1)), 200)
		id := e.runBatch("2024")
		e.publish(id)
		return id
	}
	second, third := republish("110"), republish("100")
	if n, err := e.s.verifier.verifyAll(ctx); err != nil || n != 0 {
		t.Fatalf("verifying the untouched batches: %d failed, %v", n, err)
	}
	e.tamper("batch_subjects", `UPDATE batch_subjects SET score = score + 1 WHERE batch_id = $1 AND ord = 0`, first)
	if n, err := e.s.verifier.verifyStanding(ctx); err != nil || n != 0 {
		t.Fatalf("the frequent check: %d failed, %v", n, err)
	}
	if e.s.verifier.withheld(first) != nil {
		t.Error("the frequent check read the superseded batch")
	}
	if n, err := e.s.verifier.verifyAll(ctx); err != nil || n != 1 {
		t.Fatalf("the full check: %d failed, %v", n, err)
	}
	if e.s.verifier.withheld(first) == nil || e.s.verifier.withheld(second) != nil || e.s.verifier.withheld(third) != nil {
		t.Error("the full check did not withhold exactly the altered batch")
	}
}
