package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// TestRunLeftRunningIsFailedOnRestart: a run that a dead server left
// running is marked failed by the next server, and stored nothing.
func TestRunLeftRunningIsFailedOnRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.must(e.do("PUT", "/api/v1/periods/2024", e.token("office"), map[string]string{"status": "open"}), 200)
	id, err := e.db.AddRun(ctx, "2024", "office")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RunProgress(ctx, id, 0.4, "scoring"); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, e.db, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{}); err != nil {
		t.Fatal(err)
	}
	run, err := e.db.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "failed" || run.BatchID != 0 || run.Error == "" {
		t.Errorf("run after restart = %+v, want failed without a batch", run)
	}
}

// TestCancelledRunStoresNothing: a run cancelled before its batch is
// stored leaves no batch, even when the pipeline had finished.
func TestCancelledRunStoresNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.token("office")
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("police"), policeCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("stats"), statsCSV), 200)
	id, err := e.db.AddRun(ctx, "2024", "office")
	if err != nil {
		t.Fatal(err)
	}
	e.db.RunProgress(ctx, id, 0.1, "reading")
	set, _ := e.s.currentSet(ctx)
	snap, err := readInputs(ctx, e.db, id, "2024")
	if err != nil {
		t.Fatal(err)
	}
	b, err := pipeline(ctx, snap, set, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := e.db.FinishRun(ctx, id, "cancelled", "cancelled"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := e.db.SaveRunBatch(ctx, id, record(b), outputs(b), "office"); !errors.Is(err, postgres.ErrCancelled) {
		t.Fatalf("storing a cancelled run: %v, want ErrCancelled", err)
	}
	if bs, err := e.db.Batches(ctx); err != nil || len(bs) != 0 {
		t.Errorf("batches after the cancelled run: %v, %v", bs, err)
	}
	// Through the API: cancelling a finished batch is a conflict.
	run := e.runBatch("2024")
	e.must(e.do("POST", "/api/v1/batches/"+itoa(run)+"/cancel", admin, nil), 409)
	e.must(e.do("POST", "/api/v1/batches/"+itoa(run)+"/publish", admin, nil), 409) // not approved yet
	e.must(e.do("POST", "/api/v1/batches/999/approve", admin, nil), 404)
}

// TestExampleOnTheServerMatchesTheCLI seeds the server with the example
// project, runs its batch through the server and checks that the stored
// results.csv and indicators.csv are byte for byte those of `govscore run`
// on the files: the server and the CLI run the same pipeline.
func TestExampleOnTheServerMatchesTheCLI(t *testing.T) {
	e2 := newEnvOpts(t, Config{}, false)
	ctx := context.Background()
	dir := filepath.Join("..", "examples", "inner-mongolia-2024")
	acct, _, err := e2.db.AccountByName(ctx, "office")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SeedProject(ctx, e2.db, dir, acct); err != nil {
		t.Fatal(err)
	}
	rep, err := SeedProject(ctx, e2.db, dir, acct)
	if err != nil || rep.Values.Added+rep.Values.Changed != 0 {
		t.Fatalf("seeding twice: %+v, %v (want nothing new)", rep, err)
	}
	run := e2.runBatch("2024")
	r, _ := e2.db.Run(ctx, run)
	files, err := batch.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := batch.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := batch.Run(ctx, p, p.Set, batch.Options{Period: "2024"})
	if err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(io.Writer, *reports.View) error{"results.csv": reports.WriteResultsCSV, "indicators.csv": reports.WriteIndicatorsCSV} {
		var want, got bytes.Buffer
		if err := write(&want, reports.NewView(b)); err != nil {
			t.Fatal(err)
		}
		if err := e2.db.WriteOutput(ctx, r.BatchID, name, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			os.WriteFile(filepath.Join(t.TempDir(), name), got.Bytes(), 0o644)
			t.Errorf("%s from the server differs from the CLI's", name)
		}
	}
}
