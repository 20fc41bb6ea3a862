package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/i18n"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
)

// testDatabase creates a database of its own for one test (dropped at the
// end) on the server of GOVSCORE_TEST_DATABASE_URL; without it the test is
// skipped, unless CI=true.
func testDatabase(t *testing.T) string {
	base := os.Getenv("GOVSCORE_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GOVSCORE_TEST_DATABASE_URL is empty and CI=true")
		}
		t.Skip("GOVSCORE_TEST_DATABASE_URL is empty: skipping PostgreSQL tests")
	}
	var b [6]byte
	rand.Read(b[:])
	name := "govscore_test_" + hex.EncodeToString(b[:])
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// gov runs the CLI with a fixed clock and SOURCE_DATE_EPOCH=0.
func gov(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, now: func() time.Time { return time.Unix(0, 0) },
		getenv: func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return "0"
			}
			if k == langEnv {
				return "en"
			}
			return ""
		}}
	code = mainEnv(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func mustGov(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := gov(t, args...)
	if code != 0 {
		t.Fatalf("govscore %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// TestDBRunEqualsFileRun imports the example project, runs it from the
// database and checks that every output file equals the file-based run's
// byte for byte, then that `report --batch` reproduces them.
func TestDBRunEqualsFileRun(t *testing.T) {
	db := testDatabase(t)
	ex := filepath.Join("..", "..", "examples", "inner-mongolia-2024")
	tmp := t.TempDir()
	mustGov(t, "db", "migrate", "--db", db)
	out := mustGov(t, "db", "import", ex, "--db", db)
	if !strings.Contains(out, "subjects 60 added") {
		t.Errorf("import output %q", out)
	}
	out = mustGov(t, "db", "import", ex, "--db", db)
	if !strings.Contains(out, "0 added, 0 updated, 60 unchanged") || !strings.Contains(out, "metric values 0 added, 0 changed") {
		t.Errorf("re-import output %q", out)
	}
	mustGov(t, "run", ex, "-q", "-o", filepath.Join(tmp, "files"))
	out = mustGov(t, "run", ex, "-q", "--db", db, "-o", filepath.Join(tmp, "db"))
	if !strings.Contains(out, "batch 1 (draft)") {
		t.Errorf("run --db output %q", out)
	}
	mustGov(t, "report", "--db", db, "--batch", "1", "-o", filepath.Join(tmp, "report"))
	for _, f := range []string{"results.csv", "indicators.csv", "results.json"} {
		want, err := os.ReadFile(filepath.Join(tmp, "files", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{"db", "report"} {
			got, err := os.ReadFile(filepath.Join(tmp, dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s differs from the file-based run", dir, f)
			}
		}
	}
	// Running the same batch again is refused clearly.
	code, _, errs := gov(t, "run", ex, "-q", "--db", db)
	if code != exitFailure || !strings.Contains(errs, "already holds") {
		t.Errorf("second run: exit %d, %q", code, errs)
	}
	mustGov(t, "batch", "approve", "1", "--db", db, "--by", "reviewer")
	mustGov(t, "batch", "publish", "1", "--db", db)
	out = mustGov(t, "batch", "show", "1", "--db", db)
	if !strings.Contains(out, "status:         published") || !strings.Contains(out, "by reviewer") {
		t.Errorf("batch show: %q", out)
	}
	out = mustGov(t, "batch", "list", "--db", db)
	if !strings.Contains(out, "published") {
		t.Errorf("batch list: %q", out)
	}
	out = mustGov(t, "batch", "diff", "1", "1", "--db", db)
	if !strings.Contains(out, "same score, rank and grade") {
		t.Errorf("batch diff: %q", out)
	}
	code, _, errs = gov(t, "batch", "approve", "1", "--db", db)
	if code != exitFailure || !strings.Contains(errs, "published and immutable") {
		t.Errorf("approve of a published batch: exit %d, %q", code, errs)
	}
}

func TestDBCommandErrors(t *testing.T) {
	db := testDatabase(t)
	ex := filepath.Join("..", "..", "examples", "inner-mongolia-2024")
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "subjects.csv"), []byte("id,name,kind\na,A,party_org\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "metrics.csv"), []byte("subject,period,x\na,2024,1,2\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"schema missing", []string{"batch", "list", "--db", db}, exitFailure, "govscore db migrate"},
		{"no database", []string{"batch", "list"}, exitUsage, "GOVSCORE_DATABASE_URL"},
		{"bad batch id", []string{"batch", "show", "x", "--db", db}, exitUsage, "invalid batch id"},
		{"unknown subcommand", []string{"db", "frobnicate"}, exitUsage, "unknown subcommand"},
		{"migrate", []string{"db", "migrate", "--db", db}, exitOK, ""},
		{"invalid import", []string{"db", "import", "--subjects", filepath.Join(bad, "subjects.csv"), "--metrics", filepath.Join(bad, "metrics.csv"), "--db", db}, exitInvalid, "metrics.csv:2:1: row has 4 fields"},
		{"run without data", []string{"run", ex, "--db", db}, exitInvalid, "the database holds no metric row for that period"},
		{"missing batch", []string{"batch", "show", "7", "--db", db}, exitFailure, "not found"},
		{"report of a missing batch", []string{"report", "--batch", "7", "--db", db}, exitFailure, "not found"},
		{"password hidden", []string{"batch", "list", "--db", "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, exitFailure, "xxxxx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := gov(t, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) || strings.Contains(errs, "hunter2") {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, errs, tc.want)
			}
		})
	}
}

// TestDBImportBlankRows: `db import` of a metrics file with Excel's blank
// ",,,," rows — which validate and run accept — imports the other rows and
// warns about the blank ones, as run does (it used to fail with "internal
// error: validated metrics name an unknown subject").
func TestDBImportBlankRows(t *testing.T) {
	db := testDatabase(t)
	dir := t.TempDir()
	files := map[string]string{
		"subjects.csv": "id,name,kind\na1,A1,k\na2,A2,k\n",
		"metrics.csv":  "subject,period,x,y\na1,2024,1,2\n,,,\n,,,\na2,2024,3,4\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustGov(t, "db", "migrate", "--db", db)
	code, out, errs := gov(t, "db", "import", "--db", db, "--subjects", filepath.Join(dir, "subjects.csv"), "--metrics", filepath.Join(dir, "metrics.csv"))
	if code != 0 {
		t.Fatalf("db import: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "subjects 2 added") || !strings.Contains(out, "metric values 4 added") {
		t.Errorf("stdout %q, want 2 subjects and 4 values added", out)
	}
	if !strings.Contains(errs, "2 blank rows skipped (lines 3, 4)") {
		t.Errorf("stderr %q, want the blank-rows warning", errs)
	}
}

// TestDBRunStoredOnlyEqualsFileRun: `run --db` without -o renders the
// outputs straight into the database, indicators.csv and results.json in
// one pass (postgres.Output.Joint); `report --batch` gives back the files
// of a file-based run byte for byte, for csv,json and for csv alone.
func TestDBRunStoredOnlyEqualsFileRun(t *testing.T) {
	db := testDatabase(t)
	ex := filepath.Join("..", "..", "examples", "inner-mongolia-2024")
	tmp := t.TempDir()
	mustGov(t, "db", "migrate", "--db", db)
	mustGov(t, "db", "import", ex, "--db", db)
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	mustGov(t, "run", ex, "-q", "--format", "csv,json", "-o", filepath.Join(tmp, "files"))
	out := mustGov(t, "run", ex, "-q", "--db", db, "--format", "csv,json")
	if !strings.Contains(out, "batch 1 (draft)") {
		t.Fatalf("run --db output %q", out)
	}
	mustGov(t, "report", "--db", db, "--batch", "1", "-o", filepath.Join(tmp, "report"))
	for _, f := range []string{"results.csv", "indicators.csv", "results.json"} {
		want, err := os.ReadFile(filepath.Join(tmp, "files", f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(tmp, "report", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("stored %s differs from the file-based run", f)
		}
	}
	if out := mustGov(t, "batch", "verify", "1", "--db", db); !strings.Contains(out, "batch 1 verified") {
		t.Errorf("batch verify: %q", out)
	}
}

// TestProgressLines: the progress of a long read prints at 1–9 million,
// then every ten million, then every hundred million, each count once, in
// the run's language.
func TestProgressLines(t *testing.T) {
	var errb bytes.Buffer
	e := &env{stdout: io.Discard, stderr: &errb, lang: i18n.En}
	p := progressLines(e, "run: %d metric rows read\n")
	for n := int64(0); n <= 515_000_000; n += 1_000_000 {
		p(n)
	}
	p(515_000_000) // the final count, repeated by the reader
	p(515_000_123)
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	var got []string
	for _, l := range lines {
		got = append(got, strings.TrimSuffix(strings.TrimPrefix(l, "run: "), " metric rows read"))
	}
	want := "1000000 2000000 3000000 4000000 5000000 6000000 7000000 8000000 9000000 " +
		"10000000 20000000 30000000 40000000 50000000 60000000 70000000 80000000 90000000 " +
		"100000000 200000000 300000000 400000000 500000000"
	if strings.Join(got, " ") != want {
		t.Errorf("progress lines %q, want %q", got, want)
	}
	errb.Reset()
	e.lang = i18n.Zh
	progressLines(e, "run: %d metric rows read\n")(3_000_000)
	if !strings.Contains(errb.String(), "3000000") || strings.Contains(errb.String(), "metric rows read") {
		t.Errorf("Chinese progress line %q", errb.String())
	}
}
