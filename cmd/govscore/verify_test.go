package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestBatchVerifyAndTampering: a stored batch verifies (`batch verify`,
// `batch show`); once its files are changed with the triggers disabled,
// `batch verify` and `batch show` exit 3 and `report --batch` writes
// nothing and leaves the earlier output directory alone.
func TestBatchVerifyAndTampering(t *testing.T) {
	db := testDatabase(t)
	ex := filepath.Join("..", "..", "examples", "inner-mongolia-2024")
	mustGov(t, "db", "migrate", "--db", db)
	mustGov(t, "db", "import", ex, "--db", db)
	mustGov(t, "run", ex, "-q", "--db", db)
	out := mustGov(t, "batch", "verify", "1", "--db", db)
	if !strings.Contains(out, "batch 1 verified: digest ") || !strings.Contains(out, "results.csv: ") {
		t.Errorf("batch verify: %q", out)
	}
	out = mustGov(t, "batch", "show", "1", "--db", db)
	if !strings.Contains(out, "(verified)") {
		t.Errorf("batch show: %q", out)
	}
	keep := filepath.Join(t.TempDir(), "keep")
	mustGov(t, "report", "--batch", "1", "--db", db, "-o", keep)
	before, err := os.ReadFile(filepath.Join(keep, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}

	x, err := sqlx.Open("postgres", db)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, q := range []string{
		`ALTER TABLE batch_files DISABLE TRIGGER USER`,
		`TRUNCATE batch_files`,
		`ALTER TABLE batch_files ENABLE TRIGGER USER`,
	} {
		if _, err := x.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errs := gov(t, "batch", "verify", "1", "--db", db)
	if code != exitFailure || !strings.Contains(errs, "changed outside govscore") {
		t.Errorf("batch verify after tampering: exit %d, %q", code, errs)
	}
	code, _, errs = gov(t, "report", "--batch", "1", "--db", db, "-o", keep)
	if code != exitFailure || !strings.Contains(errs, "changed outside govscore") {
		t.Errorf("report after tampering: exit %d, %q", code, errs)
	}
	after, err := os.ReadFile(filepath.Join(keep, "results.csv"))
	if err != nil || string(after) != string(before) {
		t.Errorf("report after tampering changed %s: %v", keep, err)
	}
	if _, err := x.Exec(`ALTER TABLE batch_subjects DISABLE TRIGGER USER; UPDATE batch_subjects SET score = score + 1 WHERE batch_id = 1; ALTER TABLE batch_subjects ENABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	code, out, errs = gov(t, "batch", "show", "1", "--db", db)
	if code != exitFailure || !strings.Contains(out, "MISMATCH") || !strings.Contains(errs, "changed outside govscore") {
		t.Errorf("batch show after tampering: exit %d, %q, %q", code, out, errs)
	}
	code, _, errs = gov(t, "batch", "verify", "--db", db)
	if code != exitUsage || !strings.Contains(errs, "batch verify takes 1 batch id") {
		t.Errorf("batch verify without id: exit %d, %q", code, errs)
	}
}
