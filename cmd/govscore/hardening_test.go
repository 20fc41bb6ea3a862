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

// TestDBRunAfterRatingCorrection: after 20 ratings are corrected by a new
// import, `run --db` stores the recomputed batch (issue 12: the data
// SHA-256 ignored ratings, so it was refused as "batch already exists"),
// and its data SHA-256 is the one a file run of the corrected files gives.
func TestDBRunAfterRatingCorrection(t *testing.T) {
	db := testDatabase(t)
	ex := filepath.Join("..", "..", "examples", "inner-mongolia-2024")
	mustGov(t, "db", "migrate", "--db", db)
	mustGov(t, "db", "import", ex, "--db", db)
	mustGov(t, "run", ex, "-q", "--db", db)

	raw, err := os.ReadFile(filepath.Join(ex, "data", "assessments_2024.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	for i := 1; i <= 20; i++ {
		c := strings.Split(lines[i*50], ",")
		c[5] = "55"
		lines[i*50] = strings.Join(c, ",")
	}
	fixed := filepath.Join(t.TempDir(), "assessments_2024.csv")
	if err := os.WriteFile(fixed, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--indicators", filepath.Join(ex, "indicators.yaml"), "--subjects", filepath.Join(ex, "data", "subjects.csv"),
		"--metrics", filepath.Join(ex, "data", "metrics_2023.csv") + "," + filepath.Join(ex, "data", "metrics_2024.csv"),
		"--assessments", fixed}
	out := mustGov(t, append([]string{"db", "import", "--db", db}, flags...)...)
	if !strings.Contains(out, "ratings 0 added, 20 changed") {
		t.Fatalf("import of the corrected ratings: %q", out)
	}
	code, out, errs := gov(t, "run", ex, "-q", "--db", db)
	if code != exitOK || !strings.Contains(out, "batch 2 (draft)") {
		t.Fatalf("run --db after the correction: exit %d, %q, %q", code, out, errs)
	}
	files := filepath.Join(t.TempDir(), "files")
	mustGov(t, append([]string{"run", "-q", "-o", files}, flags...)...)
	j, err := os.ReadFile(filepath.Join(files, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	show := mustGov(t, "batch", "show", "2", "--db", db)
	i := strings.Index(show, "data sha256:")
	if i < 0 || !strings.Contains(string(j), `"data_sha256": "`+strings.TrimSpace(strings.SplitN(show[i+len("data sha256:"):], "\n", 2)[0])+`"`) {
		t.Errorf("the database batch's data SHA-256 differs from the file run's:\n%s", show)
	}
}
