package postgres

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
)

// serverDB opens a migrated test database holding the subjects of
// subjectsCSV, an admin account and an open period 2024.
func serverDB(t *testing.T) (*DB, int64) {
	t.Helper()
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV})
	if _, err := importFiles(ctx, db, f["subjects.csv"], nil); err != nil {
		t.Fatal(err)
	}
	id, err := db.AddAccount(ctx, Account{Name: "office", Role: "admin"}, "hash", "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPeriodStatus(ctx, "2024", "open", "office"); err != nil {
		t.Fatal(err)
	}
	return db, id
}

func TestMigrationsApplyInAnyNumberingOrder(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	// A database that has the top version but lacks a lower one (a
	// migration merged after a higher-numbered one) is old, and Migrate
	// fills the gap.
	if _, err := db.x.Exec(`DELETE FROM govscore_migrations WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSchema(ctx); !errors.Is(err, ErrSchemaOld) {
		t.Fatalf("CheckSchema with a gap = %v, want ErrSchemaOld", err)
	}
	if err := checkGaps("u", []int{1, 3}); len(migrations()) > 2 && err == nil {
		t.Errorf("checkGaps accepted a missing migration")
	}
}

// TestLateColumnRepaired: a database migrated with the earlier form of
// migration 0004 (without batch_subjects.explain) is reported old by
// CheckSchema, and Migrate adds the column.
func TestLateColumnRepaired(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.x.Exec(`ALTER TABLE batch_subjects DROP COLUMN explain`); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSchema(ctx); !errors.Is(err, ErrSchemaOld) || !strings.Contains(err.Error(), "batch_subjects.explain") {
		t.Fatalf("CheckSchema without the column = %v, want ErrSchemaOld naming it", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
}

func TestAccountsAndSessions(t *testing.T) {
	db, id := serverDB(t)
	ctx := context.Background()
	if _, err := db.AddAccount(ctx, Account{Name: "office", Role: "admin"}, "h", "test"); !errors.Is(err, ErrExists) {
		t.Errorf("second account of the same name: %v, want ErrExists", err)
	}
	if _, err := db.AddAccount(ctx, Account{Name: "p", Role: "provider"}, "h", "test"); err == nil {
		t.Errorf("a provider account without --provider was stored")
	}
	a, hash, err := db.AccountByName(ctx, "office")
	if err != nil || a.ID != id || a.Role != "admin" || hash != "hash" {
		t.Fatalf("AccountByName = %+v, %q, %v", a, hash, err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	if err := db.AddSession(ctx, key, id, "cookie", "tok", a.CreatedAt.Add(1e12)); err != nil {
		t.Fatal(err)
	}
	s, err := db.SessionByHash(ctx, key)
	if err != nil || s.Account.Name != "office" || s.CSRF != "tok" {
		t.Fatalf("SessionByHash = %+v, %v", s, err)
	}
	if err := db.DeleteSession(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after delete: %v, want ErrNotFound", err)
	}
	// An expired session is not found.
	if err := db.AddSession(ctx, key, id, "cookie", "tok", a.CreatedAt.Add(-1e9)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session: %v, want ErrNotFound", err)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	db, _ := serverDB(t)
	ctx := context.Background()
	log, err := db.AuditLog(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].Action != "period.open" || log[1].Action != "account.add" || log[1].After == "" {
		t.Fatalf("audit log = %+v", log)
	}
	refused(t, db, `UPDATE audit_log SET actor = 'x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`)
}

// refused checks that the database refuses each statement as append-only.
func refused(t *testing.T, db *DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		_, err := db.x.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
}

func TestSubmitKeepsEveryVersion(t *testing.T) {
	db, id := serverDB(t)
	ctx := context.Background()
	sub := func(file string, cells ...Cell) *SubmitReport {
		t.Helper()
		rep, err := db.Submit(ctx, Submission{AccountID: id, Actor: "office", Period: "2024", File: file, SHA256: "s", Cells: cells}, false)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	r1 := sub("a.csv", Cell{"c1", "x", 1}, Cell{"d1", "x", math.NaN()})
	if r1.Added != 2 || r1.Changed != 0 || r1.Version == 0 {
		t.Errorf("first submission: %+v", r1)
	}
	r2 := sub("b.csv", Cell{"c1", "x", 2}, Cell{"d1", "x", math.NaN()}, Cell{"d2", "x", 5})
	if r2.Added != 1 || r2.Changed != 1 || r2.Unchanged != 1 {
		t.Errorf("second submission: %+v", r2)
	}
	r3 := sub("c.csv", Cell{"c1", "x", 2})
	if r3.Unchanged != 1 || r3.Version != 0 {
		t.Errorf("same values again: %+v, want unchanged and no new version", r3)
	}
	h, err := db.History(ctx, "2024", "c1", "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Value.Float64 != 2 || h[1].Value.Float64 != 1 || h[0].Replaces.Int64 != h[1].ID ||
		h[0].File != "b.csv" || h[0].By != "office" || h[1].Replaces.Valid {
		t.Errorf("history = %+v", h)
	}
	refused(t, db, `UPDATE metric_versions SET value = 1`, `DELETE FROM metric_versions`, `TRUNCATE metric_versions CASCADE`,
		`UPDATE submissions SET file = 'x'`)
	// Dry run: reports, stores nothing.
	rep, err := db.Submit(ctx, Submission{AccountID: id, Actor: "office", Period: "2024", File: "d.csv", Cells: []Cell{{"c1", "x", 9}}}, true)
	if err != nil || rep.Changed != 1 || rep.Version != 0 {
		t.Errorf("dry run = %+v, %v", rep, err)
	}
	if n := count(t, db, `SELECT count(*) FROM metric_versions`); n != 4 {
		t.Errorf("versions = %d, want 4", n)
	}
	// Locked and unknown periods take nothing.
	if err := db.SetPeriodStatus(ctx, "2024", "locked", "office"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Submit(ctx, Submission{AccountID: id, Period: "2024", Cells: []Cell{{"c1", "x", 9}}}, false); !errors.Is(err, ErrLocked) {
		t.Errorf("submit to a locked period: %v, want ErrLocked", err)
	}
	if _, err := db.Submit(ctx, Submission{AccountID: id, Period: "2031", Cells: []Cell{{"c1", "x", 9}}}, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("submit to an unknown period: %v, want ErrNotFound", err)
	}
}

// TestConcurrentSubmissionsChainVersions submits different values of the
// same cells from many goroutines: every submission is stored, each cell's
// versions form one chain, nothing is lost or stored twice.
func TestConcurrentSubmissionsChainVersions(t *testing.T) {
	db, id := serverDB(t)
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.Submit(ctx, Submission{AccountID: id, Actor: "office", Period: "2024", File: "f",
				Cells: []Cell{{"c1", "x", float64(i + 1)}, {"d1", "x", float64(i + 100)}}}, false)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM metric_versions`); n != 2*16 {
		t.Errorf("versions = %d, want 32", n)
	}
	if n := count(t, db, `SELECT count(*) FROM metric_versions WHERE replaces IS NULL`); n != 2 {
		t.Errorf("first versions = %d, want 2 (one chain per cell)", n)
	}
	cur, err := db.CurrentValues(ctx, "2024", nil)
	if err != nil || len(cur) != 2 {
		t.Fatalf("current = %+v, %v", cur, err)
	}
}
