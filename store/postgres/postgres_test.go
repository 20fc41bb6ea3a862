package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// testURL returns the server of the integration tests: skip without one,
// unless CI=true.
func testURL(t testing.TB) string {
	u := os.Getenv("GOVSCORE_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GOVSCORE_TEST_DATABASE_URL is empty and CI=true: the PostgreSQL tests must run")
		}
		t.Skip("GOVSCORE_TEST_DATABASE_URL is empty: skipping PostgreSQL tests (scripts/test sets it)")
	}
	return u
}

// newDatabase creates an empty database govscore_test_<random> for one
// test, dropped when the test ends, and returns its URL.
func newDatabase(t testing.TB) string {
	base := testURL(t)
	var b [6]byte
	rand.Read(b[:])
	name := "govscore_test_" + hex.EncodeToString(b[:])
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Fatalf("GOVSCORE_TEST_DATABASE_URL must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// open opens a fresh, migrated test database.
func open(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// writeFiles writes name → content into a temporary directory and
// returns the paths by name.
func writeFiles(t testing.TB, files map[string]string) map[string]string {
	dir := t.TempDir()
	out := map[string]string{}
	for n, c := range files {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		out[n] = p
	}
	return out
}

const subjectsCSV = "id,name,kind,parent,region\nc1,City,gov,,north\nd1,District,gov,c1,north\nd2,Other,gov,c1,south\n"

const metricsCSV = "subject,period,metric,value,source\nc1,2024,x,1,stats\nd1,2024,x,2,stats\nd2,2024,x,NA,\nc1,2023,x,0.5,\nd1,2024,y,10%,survey\n"

func count(t *testing.T, db *DB, q string) int {
	t.Helper()
	var n int
	if err := db.x.Get(&n, q); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateConcurrentAndCheckSchema(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); !errors.Is(err, ErrSchemaMissing) {
		t.Fatalf("CheckSchema before migrate = %v, want ErrSchemaMissing", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	applied := make([][]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
	}
	if len(applied[0])+len(applied[1]) != len(migrations()) {
		t.Errorf("applied %v and %v, want every migration exactly once", applied[0], applied[1])
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after migrate: %v", err)
	}
	if _, err := db.x.Exec(`INSERT INTO govscore_migrations (version, name) VALUES (9999, 'future')`); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSchema(ctx); !errors.Is(err, ErrSchemaNew) {
		t.Errorf("CheckSchema with a newer schema = %v, want ErrSchemaNew", err)
	}
	if _, err := db.Migrate(ctx); !errors.Is(err, ErrSchemaNew) {
		t.Errorf("Migrate with a newer schema = %v, want ErrSchemaNew", err)
	}
}

func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		name      string
		have      int
		want      error
		mentioned string
	}{
		{"missing", 0, ErrSchemaMissing, "govscore db migrate"},
		{"old", 1, ErrSchemaOld, "govscore db migrate"},
		{"current", 2, nil, ""},
		{"new", 3, ErrSchemaNew, "upgrade govscore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkVersion("db", tc.have, 2)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("checkVersion(%d, 2) = %v, want %v", tc.have, err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.mentioned) {
				t.Errorf("message %q does not say %q", err, tc.mentioned)
			}
		})
	}
}

func TestImportIdempotentAndReportsChanges(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	files := testFiles{f["subjects.csv"], []string{f["metrics.csv"]}}
	rep, err := importFiles(ctx, db, files.subjects, files.metrics)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SubjectsAdded != 3 || rep.MetricsAdded != 5 || rep.MetricsChanged != 0 || rep.MetricsUnchanged != 0 {
		t.Errorf("first import: %+v", rep)
	}
	rep, err = importFiles(ctx, db, files.subjects, files.metrics)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SubjectsUnchanged != 3 || rep.SubjectsAdded+rep.SubjectsUpdated != 0 || rep.MetricsUnchanged != 5 || rep.MetricsAdded+rep.MetricsChanged != 0 {
		t.Errorf("re-import: %+v, want everything unchanged", rep)
	}
	if n := count(t, db, `SELECT count(*) FROM metrics`); n != 5 {
		t.Errorf("metrics rows = %d, want 5", n)
	}
	// A corrected value, a new row and a renamed subject.
	f2 := writeFiles(t, map[string]string{
		"subjects.csv": strings.Replace(subjectsCSV, "Other", "Other (renamed)", 1),
		"metrics.csv":  "subject,period,metric,value\nd1,2024,x,3\nd2,2024,z,7\n",
	})
	rep, err = importFiles(ctx, db, f2["subjects.csv"], []string{f2["metrics.csv"]})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SubjectsUpdated != 1 || rep.SubjectsUnchanged != 2 || rep.MetricsChanged != 1 || rep.MetricsAdded != 1 || rep.MetricsUnchanged != 0 {
		t.Errorf("corrections: %+v", rep)
	}
	// Values the second import did not give are kept.
	p, _ := dataset.ParsePeriod("2024")
	ds, err := db.LoadDataset(ctx, p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{"x": {1, 3, math.NaN()}, "y": {math.NaN(), 0.1, math.NaN()}, "z": {math.NaN(), math.NaN(), 7}}
	for m, w := range want {
		got := ds.Column(m, p)
		for i := range w {
			if !(math.IsNaN(w[i]) && math.IsNaN(got[i])) && math.Abs(got[i]-w[i]) > 1e-12 {
				t.Errorf("%s[%s] = %v, want %v", m, ds.Subjects[i].ID, got[i], w[i])
			}
		}
	}
	if prev := ds.Column("x", p.Prev()); prev == nil || prev[0] != 0.5 {
		t.Errorf("previous period x = %v, want c1 = 0.5", prev)
	}
	if ds.Subjects[2].Name != "Other (renamed)" || ds.Subjects[1].Parent != "c1" || attr(ds.Subjects[2], "region") != "south" {
		t.Errorf("subjects read back: %+v", ds.Subjects)
	}
}

func TestImportInvalidWritesNothing(t *testing.T) {
	db := open(t)
	f := writeFiles(t, map[string]string{
		"subjects.csv": subjectsCSV,
		"metrics.csv":  "subject,period,metric,value\nc1,2024,x,1\nzz,2024,x,12,5\nd1,2024,x,abc\n",
	})
	_, err := importFiles(context.Background(), db, f["subjects.csv"], []string{f["metrics.csv"]})
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("err = %v, want a diag.List", err)
	}
	msg := err.Error()
	for _, want := range []string{"metrics.csv:3:1: row has 5 fields", "metrics.csv:4:11: metric \"x\": unparseable number \"abc\""} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors %q lack %q", msg, want)
		}
	}
	for _, tbl := range []string{"imports", "subjects", "metrics"} {
		if n := count(t, db, "SELECT count(*) FROM "+tbl); n != 0 {
			t.Errorf("%s has %d rows after a failed import", tbl, n)
		}
	}
}

func TestImportPeriodFormatMismatch(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "m1.csv": "subject,period,x\nc1,2024,1\n", "m2.csv": "subject,period,x\nc1,2024-Q1,1\n"})
	if _, err := importFiles(ctx, db, f["subjects.csv"], []string{f["m1.csv"]}); err != nil {
		t.Fatal(err)
	}
	_, err := importFiles(ctx, db, f["subjects.csv"], []string{f["m2.csv"]})
	var de *diag.Error
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "YYYY-Qn") {
		t.Fatalf("err = %v, want a *diag.Error about the period format", err)
	}
}

func TestImportServerLostRollsBack(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	files := testFiles{f["subjects.csv"], []string{f["metrics.csv"]}}
	testHookBeforeCommit = func(ctx context.Context, tx *sqlx.Tx) {
		var pid int
		if err := tx.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
			t.Error(err)
			return
		}
		if _, err := db.x.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Error(err)
		}
	}
	_, err := importFiles(ctx, db, files.subjects, files.metrics)
	testHookBeforeCommit = nil
	if err == nil {
		t.Fatal("import succeeded although its connection was terminated")
	}
	for _, tbl := range []string{"imports", "subjects", "metrics", "metric_columns"} {
		if n := count(t, db, "SELECT count(*) FROM "+tbl); n != 0 {
			t.Errorf("%s has %d rows after the lost import", tbl, n)
		}
	}
	rep, err := importFiles(ctx, db, files.subjects, files.metrics)
	if err != nil {
		t.Fatalf("re-run after the failure: %v", err)
	}
	if rep.MetricsAdded != 5 {
		t.Errorf("re-run added %d metric rows, want 5", rep.MetricsAdded)
	}
}

func TestSQLLookingStringsStoredVerbatim(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	evilID := `x'); DELETE FROM subjects; --`
	evilName := `Robert'); DROP TABLE metrics;--`
	evilRegion := `\N` + "\t" + `$1 \. ''`
	f := writeFiles(t, map[string]string{
		"subjects.csv": "id,name,kind,region\n\"" + evilID + "\",\"" + evilName + "\",gov,\"" + evilRegion + "\"\n",
		"metrics.csv":  "subject,period,metric,value,source\n\"" + evilID + "\",2024,x,1,\"'; TRUNCATE imports; --\"\n",
	})
	if _, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]}); err != nil {
		t.Fatal(err)
	}
	p, _ := dataset.ParsePeriod("2024")
	ds, err := db.LoadDataset(ctx, p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := ds.Subjects[0]
	if s.ID != evilID || s.Name != evilName || attr(s, "region") != strings.TrimSpace(evilRegion) {
		t.Errorf("read back %q %q %q", s.ID, s.Name, attr(s, "region"))
	}
	var src string
	if err := db.x.Get(&src, `SELECT source FROM metrics`); err != nil || src != "'; TRUNCATE imports; --" {
		t.Errorf("source = %q, %v", src, err)
	}
}

// exampleBatch scores the repository's example project.
func exampleBatch(t testing.TB) *batch.Batch {
	return scoreDir(t, "../../examples/inner-mongolia-2024", "")
}

// scoreDir scores the project in dir for period ("": its default).
func scoreDir(t testing.TB, dir, period string) *batch.Batch {
	t.Helper()
	files, err := batch.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := batch.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{Period: period, At: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBatchLifecycleEnforcedByDatabase(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t)
	id, err := db.SaveBatch(ctx, batchRecord(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveBatch(ctx, batchRecord(b), nil); !errors.Is(err, ErrBatchExists) {
		t.Errorf("saving the same batch again = %v, want ErrBatchExists", err)
	}
	if err := db.Publish(ctx, id, "me"); !errors.Is(err, ErrTransition) {
		t.Errorf("publishing a draft = %v, want ErrTransition", err)
	}
	// The trigger refuses the skip too, whoever asks.
	if _, err := db.x.Exec(`UPDATE batches SET status = 'published' WHERE id = $1`, id); !errors.Is(db.mapError(ctx, "update", err), ErrTransition) {
		t.Errorf("raw draft → published = %v, want ErrTransition", err)
	}
	if err := db.Approve(ctx, id, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := db.Publish(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	info, err := db.Batch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != Published || info.ApprovedBy != "alice" || info.PublishedBy == "" || info.PublishedAt == nil {
		t.Errorf("batch info %+v", info)
	}
	for _, tc := range []struct{ name, sql string }{
		{"update batch", `UPDATE batches SET period = '1999' WHERE id = $1`},
		{"delete batch", `DELETE FROM batches WHERE id = $1`},
		{"update result", `UPDATE batch_subjects SET score = 0 WHERE batch_id = $1`},
		{"delete result", `DELETE FROM batch_subjects WHERE batch_id = $1`},
		{"insert result", `INSERT INTO batch_warnings (batch_id, seq, file, line, col, peer_group, subject, node, message) VALUES ($1, 99999, '', 0, 0, '', '', '', 'x')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.x.Exec(tc.sql, id)
			if err := db.mapError(ctx, tc.name, err); !errors.Is(err, ErrPublished) {
				t.Errorf("%s on a published batch = %v, want ErrPublished", tc.name, err)
			}
		})
	}
	if _, err := db.x.Exec(`TRUNCATE batch_subjects`); !errors.Is(db.mapError(ctx, "truncate", err), ErrPublished) {
		t.Errorf("truncate = %v, want ErrPublished", err)
	}
	if err := db.Approve(ctx, id, ""); !errors.Is(err, ErrPublished) {
		t.Errorf("approving a published batch = %v, want ErrPublished", err)
	}
	if err := db.Approve(ctx, 424242, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("approving a missing batch = %v, want ErrNotFound", err)
	}
	if n := count(t, db, `SELECT count(*) FROM batch_cells`); n == 0 {
		t.Error("batch_cells view is empty")
	}
}

func TestConcurrentSaveOfTheSameBatch(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.SaveBatch(ctx, batchRecord(b), nil)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrBusy), errors.Is(err, ErrBatchExists):
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of the concurrent saves succeeded, want 1 (errors %v)", ok, errs)
	}
	if n := count(t, db, `SELECT count(*) FROM batches`); n != 1 {
		t.Errorf("%d batches stored, want 1", n)
	}
}

func TestDiff(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t)
	a, err := db.SaveBatch(ctx, batchRecord(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A recomputation after an appeal: one subject's score and rank differ.
	b.Meta.DataSHA256 = strings.Repeat("0", 64)
	si := b.Result.Order[0]
	b.Result.Subjects[si].Score -= 1
	b.Result.Subjects[si].Rank = 2
	c, err := db.SaveBatch(ctx, batchRecord(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := db.Diff(ctx, a, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 1 || ch[0].Subject != b.Project.Data.Subjects[si].ID || ch[0].RankB != 2 || math.Abs(ch[0].ScoreA-ch[0].ScoreB-1) > 1e-9 {
		t.Errorf("diff = %+v", ch)
	}
	if _, err := db.Diff(ctx, a, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("diff with a missing batch = %v, want ErrNotFound", err)
	}
}

func TestContextCancelled(t *testing.T) {
	db := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, _ := dataset.ParsePeriod("2024")
	if _, err := db.LoadDataset(ctx, p, LoadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("LoadDataset with a cancelled context = %v, want context.Canceled", err)
	}
	tctx, cancel2 := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel2()
	time.Sleep(time.Millisecond)
	if _, err := db.Batches(tctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Batches after the deadline = %v, want context.DeadlineExceeded", err)
	}
}

func TestOpenErrorsHideThePassword(t *testing.T) {
	base := testURL(t)
	u, _ := url.Parse(base)
	for _, tc := range []struct{ name, url string }{
		{"unknown database", func() string {
			v := *u
			v.User = url.UserPassword("postgres", "s3cr3t-pw")
			v.Path = "/no_such_db_govscore"
			return v.String()
		}()},
		{"nothing listening", "postgres://bob:s3cr3t-pw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"},
		{"key=value", "host=127.0.0.1 port=1 user=bob password=s3cr3t-pw dbname=x sslmode=disable connect_timeout=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(context.Background(), tc.url)
			if !errors.Is(err, ErrConnect) {
				t.Fatalf("err = %v, want ErrConnect", err)
			}
			if strings.Contains(err.Error(), "s3cr3t-pw") {
				t.Errorf("message leaks the password: %v", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgresql://h/db?password=pw&user=u", "postgresql://h/db?password=xxxxx&user=u"},
		{"host=h password=pw user=u", "host=h password=xxxxx user=u"},
		{"host=h password='p w' user=u", "host=h password=xxxxx user=u"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestAllPublishedBatches: the one-query list is PublishedBatches of each
// of PublishedPeriods, in that order (periods newest first, within a
// period newest publication first); drafts are left out.
func TestAllPublishedBatches(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t)
	save := func(period, data string, publish bool) {
		t.Helper()
		rec := batchRecord(b)
		rec.Period, rec.DataSHA256 = period, data
		id, err := db.SaveBatch(ctx, rec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !publish {
			return
		}
		if err := db.Approve(ctx, id, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := db.Publish(ctx, id, "bob"); err != nil {
			t.Fatal(err)
		}
	}
	save("2023", "a", true)
	save("2024", "a", true)
	save("2023", "b", true)
	save("2024", "b", false)
	save("2022", "a", false)
	var want []int64
	periods, err := db.PublishedPeriods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range periods {
		bs, err := db.PublishedBatches(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range bs {
			want = append(want, x.ID)
		}
	}
	all, err := db.AllPublishedBatches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	var gotPeriods []string
	for _, x := range all {
		got = append(got, x.ID)
		gotPeriods = append(gotPeriods, x.Period)
	}
	if !slices.Equal(got, want) || len(got) != 3 {
		t.Errorf("AllPublishedBatches ids = %v, want %v (3 published)", got, want)
	}
	if !slices.Equal(gotPeriods, []string{"2024", "2023", "2023"}) {
		t.Errorf("AllPublishedBatches periods = %v, want [2024 2023 2023]", gotPeriods)
	}
}

// attr returns the attribute name of s, "" when it has none.
func attr(s dataset.Subject, name string) string {
	v, _ := s.Attr(name)
	return v
}
