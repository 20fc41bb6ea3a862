package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/synth"
)

// cellsCase is a scored project whose outputs are stored with their cells
// left out.
type cellsCase struct {
	name string
	b    *batch.Batch
	bom  bool // indicators.csv with a byte order mark, rendered alone
}

// cellsCases are the example projects, a test project with assessments and
// synthetic projects of several shapes (leaves that do not apply, missing,
// imputed and unrated cells, several cell blocks, one subject), as the
// report writers' tests use, each scored and kept as run --db keeps it.
func cellsCases(t *testing.T) []cellsCase {
	t.Helper()
	load := func(dir, period string) *batch.Batch { return scoreDir(t, dir, period).Published() }
	var cases []cellsCase
	dirs, err := filepath.Glob("../../examples/*/indicators.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, d := range dirs {
		cases = append(cases, cellsCase{name: "example " + filepath.Base(filepath.Dir(d)), b: load(filepath.Dir(d), "")})
	}
	cases = append(cases, cellsCase{name: "assessed", b: load("../../reports/testdata/assessed", "")})
	for i, c := range []synth.Config{
		{Subjects: 2500, Leaves: 7, Seed: 1},
		{Subjects: 300, Leaves: 30, Seed: 2},
		{Subjects: 1100, Leaves: 13, Seed: 3},
		{Subjects: 1, Leaves: 1, Seed: 4},
	} {
		dir := t.TempDir()
		c.Period = "2024"
		if err := synth.Write(dir, c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cellsCase{name: fmt.Sprintf("synth %d×%d", c.Subjects, c.Leaves), b: load(dir, "2024"), bom: i == 1})
	}
	return cases
}

// cellsOutputs are the outputs of run --db --format csv,json for b,
// rendered as run renders them (indicators.csv and results.json in one
// pass; with bom, indicators.csv alone after a byte order mark), and their
// bytes.
func cellsOutputs(t *testing.T, b *batch.Batch, bom bool) ([]Output, map[string][]byte) {
	t.Helper()
	v := reports.NewView(b)
	var rcsv, icsv, js bytes.Buffer
	if err := reports.WriteResultsCSV(&rcsv, v); err != nil {
		t.Fatal(err)
	}
	if bom {
		icsv.WriteString("\ufeff")
		if err := reports.WriteIndicatorsCSV(&icsv, v); err != nil {
			t.Fatal(err)
		}
		if err := reports.WriteJSON(&js, v); err != nil {
			t.Fatal(err)
		}
	} else if err := reports.WriteIndicatorsAndJSON(&icsv, &js, v); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"results.csv": rcsv.Bytes(), "indicators.csv": icsv.Bytes(), "results.json": js.Bytes()}
	// Written in uneven pieces, so that the cells' bounds fall anywhere.
	write := func(data []byte) func(w io.Writer) error {
		return func(w io.Writer) error {
			for p, k := data, 1; len(p) > 0; k = k*7%65521 + 1 {
				k = min(k, len(p))
				if _, err := w.Write(p[:k]); err != nil {
					return err
				}
				p = p[k:]
			}
			return nil
		}
	}
	outputs := []Output{
		{Name: "results.csv", Write: write(want["results.csv"])},
		{Name: "indicators.csv", Write: write(want["indicators.csv"])},
		{Name: "results.json", Write: write(want["results.json"])},
	}
	if !bom {
		outputs[1].JointWith = "results.json"
		outputs[1].Joint = func(csv, js io.Writer) error { return reports.WriteIndicatorsAndJSON(csv, js, v) }
	}
	return outputs, want
}

// TestOutputCellsFromRows checks that indicators.csv and results.json are
// stored without their cells and read back byte for byte, the cells
// rendered from the batch's rows, for every shape of cellsCases; that
// batch verify reads them so; and that the stored chunks hold only the
// rest.
func TestOutputCellsFromRows(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	for _, tc := range cellsCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			outputs, want := cellsOutputs(t, tc.b, tc.bom)
			id, err := db.SaveBatch(ctx, batchRecord(tc.b), outputs)
			if err != nil {
				t.Fatal(err)
			}
			for name, data := range want {
				var got bytes.Buffer
				if err := db.WriteOutput(ctx, id, name, &got); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !bytes.Equal(got.Bytes(), data) {
					t.Fatalf("%s read back differs from the rendered file %s", name, diffAt(got.Bytes(), data))
				}
				cut, err := storedCut(ctx, db.x, id, name)
				if err != nil {
					t.Fatal(err)
				}
				if cellsKindOf(name) == cellsNone {
					if cut.valid {
						t.Errorf("%s: cells recorded as left out", name)
					}
					continue
				}
				if !cut.valid || cut.n == 0 || cut.at+cut.n > int64(len(data)) {
					t.Fatalf("%s: cut %+v of %d bytes", name, cut, len(data))
				}
				var stored int64
				if err := db.x.Get(&stored, `SELECT count(*) FROM batch_files WHERE batch_id = $1 AND name = $2`, id, name); err != nil || stored == 0 {
					t.Fatalf("%s: %d chunks, %v", name, stored, err)
				}
			}
			if _, err := db.Verify(ctx, id, true); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

// diffAt describes where a and b first differ.
func diffAt(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return fmt.Sprintf("at byte %d of %d/%d: %q vs %q", i, len(a), len(b), a[i:min(len(a), i+60)], b[i:min(len(b), i+60)])
}

// TestOutputCellsTampered checks that a changed cell in the rows, or a
// changed record of where the cells were cut, makes reading the outputs an
// integrity error.
func TestOutputCellsTampered(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t).Published()
	outputs, _ := cellsOutputs(t, b, false)
	id, err := db.SaveBatch(ctx, batchRecord(b), outputs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, table, sql string
		files            []string // read after the change (default: the two with cells)
	}{
		{"a raw value", "batch_subjects", `UPDATE batch_subjects SET raw[1] = raw[1] + 1 WHERE batch_id = $1 AND ord = 0`, nil},
		{"a status", "batch_subjects", `UPDATE batch_subjects SET status[1] = 'imputed' WHERE batch_id = $1 AND ord = 0`, nil},
		{"a leaf made inapplicable", "batch_subjects", `UPDATE batch_subjects SET status[1] = NULL WHERE batch_id = $1 AND ord = 0`, nil},
		{"the cut moved", "batch_outputs", `UPDATE batch_outputs SET cells_at = cells_at - 1 WHERE batch_id = $1`, nil},
		{"the cut removed", "batch_outputs", `UPDATE batch_outputs SET cells_at = NULL, cells_bytes = NULL WHERE batch_id = $1`, nil},
		{"the cut beyond the stored bytes", "batch_outputs", `UPDATE batch_outputs SET cells_at = bytes, cells_bytes = 0 WHERE batch_id = $1 AND cells_at IS NOT NULL`, nil},
		{"a cut recorded for results.csv", "batch_outputs", `UPDATE batch_outputs SET cells_at = 0, cells_bytes = 0 WHERE batch_id = $1 AND name = 'results.csv'`, []string{"results.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := db.x.Beginx()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec(`ALTER TABLE ` + tc.table + ` DISABLE TRIGGER USER`); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(tc.sql, id); err != nil {
				t.Fatal(err)
			}
			files := tc.files
			if files == nil {
				files = []string{"indicators.csv", "results.json"}
			}
			for _, name := range files {
				err := db.writeOutput(ctx, tx, id, name, mustDigest(t, db, id, name), io.Discard)
				if !errors.Is(err, ErrIntegrity) {
					t.Errorf("%s after %s: %v, want ErrIntegrity", name, tc.name, err)
				}
			}
		})
	}
	// Untouched, both read back.
	for _, name := range []string{"indicators.csv", "results.json"} {
		if err := db.WriteOutput(ctx, id, name, io.Discard); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// mustDigest is the recorded digest of output name of batch id.
func mustDigest(t *testing.T, db *DB, id int64, name string) *OutputDigest {
	t.Helper()
	o, _, err := db.outputDigest(context.Background(), id, name)
	if err != nil || o == nil {
		t.Fatalf("digest of %s: %v", name, err)
	}
	return o
}

// TestFileStoreSpoolsWhileBusy checks that compressed chunks do not wait
// for the connection: while it is busy (connFree open), three queues'
// worth of chunks are taken (set aside in the spool), and once it is free
// they are stored in order and read back as one file.
func TestFileStoreSpoolsWhileBusy(t *testing.T) {
	testFileStoreSpool(t, true)
}

// TestFileStoreSpoolUnwritable checks that a spool that cannot be created
// (no temporary directory) leaves the chunks waiting for the connection,
// in order: the first in memory, the others in the queue.
func TestFileStoreSpoolUnwritable(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	testFileStoreSpool(t, false)
}

func testFileStoreSpool(t *testing.T, spool bool) {
	db := open(t)
	ctx := context.Background()
	id := legacyBatch(t, db)
	conn, err := db.x.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	connFree := make(chan struct{})
	s := newFileStore(ctx, db, tx.Tx, conn, id, connFree)
	var want []byte
	sent := make(chan error, 1)
	go func() {
		for n := range 3 * queuedChunks {
			in := bytes.Repeat([]byte(fmt.Sprintf("chunk %d;", n)), 1000+n)
			want = append(want, in...)
			if err := s.send(&zipChunk{name: "f.txt", n: n, in: &in}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	if spool {
		select {
		case err := <-sent:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the chunks wait for the connection instead of being set aside")
		}
		close(connFree)
	} else {
		select {
		case err := <-sent:
			t.Fatalf("every chunk taken without a spool or a connection (%v)", err)
		case <-time.After(200 * time.Millisecond):
		}
		close(connFree)
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := db.WriteOutput(ctx, id, "f.txt", &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("read back %d bytes, want %d %s", got.Len(), len(want), diffAt(got.Bytes(), want))
	}
}

// TestShareCPURestoresProcs checks that a batch stored with ShareCPU
// leaves GOMAXPROCS as it found it, and that the cores are yielded only
// when the server shares them.
func TestShareCPURestoresProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	db := open(t)
	db.ShareCPU(true)
	restore := db.yieldCores()
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Errorf("GOMAXPROCS while yielding = %d, want 3", got)
	}
	restore()
	b := exampleBatch(t).Published()
	outputs, _ := cellsOutputs(t, b, false)
	if _, err := db.SaveBatch(context.Background(), batchRecord(b), outputs); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != 4 {
		t.Errorf("GOMAXPROCS after SaveBatch = %d, want 4", got)
	}
	db.ShareCPU(false)
	db.yieldCores()()
	if got := runtime.GOMAXPROCS(0); got != 4 {
		t.Errorf("GOMAXPROCS without ShareCPU = %d, want 4", got)
	}
}

// TestOutputCellsStoredWhole checks that outputs stored whole, as before
// migration 0010, read back and verify as before: no cut is recorded and
// the chunks hold every byte.
func TestOutputCellsStoredWhole(t *testing.T) {
	storeCellsText = true
	defer func() { storeCellsText = false }()
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t).Published()
	outputs, want := cellsOutputs(t, b, false)
	id, err := db.SaveBatch(ctx, batchRecord(b), outputs)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range want {
		var got bytes.Buffer
		if err := db.WriteOutput(ctx, id, name, &got); err != nil || !bytes.Equal(got.Bytes(), data) {
			t.Fatalf("%s: %d bytes, %v; want %d", name, got.Len(), err, len(data))
		}
		if cut, err := storedCut(ctx, db.x, id, name); err != nil || cut.valid {
			t.Errorf("%s: cut %+v, %v", name, cut, err)
		}
	}
	if _, err := db.Verify(ctx, id, true); err != nil {
		t.Fatalf("verify: %v", err)
	}
}
