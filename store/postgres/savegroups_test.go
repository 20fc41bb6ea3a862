package postgres

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/govscore/govscore/internal/spool"
)

// spoolBatch spools the example batch's rows in one BatchSpool in dir,
// as one group, and returns the spool and the batch's head record.
func spoolBatch(t *testing.T, db *DB, dir string) (*BatchSpool, *BatchRecord) {
	t.Helper()
	rec := batchRecord(exampleBatch(t))
	s, err := db.NewBatchSpool(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Add(&BatchRecord{Set: rec.Set, Subjects: rec.Subjects, Result: rec.Result}); err != nil {
		t.Fatal(err)
	}
	return s, rec
}

// TestBatchSpoolCompressedRoundTrip: the rows spooled compressed are
// stored as SaveBatch stores them (the same batch_subjects rows; the
// batch verifies), and Close removes the spool's file.
func TestBatchSpoolCompressedRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := open(t)
	s, rec := spoolBatch(t, db, dir)
	if !s.f.Compressed() {
		t.Error("the spool is not compressed")
	}
	id, err := s.Save(ctx, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.f.Size() == 0 || s.f.Size()*2 > s.f.Len() {
		t.Errorf("spooled %d bytes of rows into %d", s.f.Len(), s.f.Size())
	}
	whole := open(t)
	wid, err := whole.SaveBatch(ctx, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The batch digest covers the creation time: it is checked against
	// the stored rows (Verify), and the rows compared with SaveBatch's.
	if _, err := db.Verify(ctx, id, false); err != nil {
		t.Errorf("Verify: %v", err)
	}
	const rows = `SELECT ROW(x.*)::text FROM batch_subjects x WHERE batch_id = $1 ORDER BY ord`
	var gotRows, wantRows []string
	if err := db.x.Select(&gotRows, rows, id); err != nil {
		t.Fatal(err)
	}
	if err := whole.x.Select(&wantRows, rows, wid); err != nil {
		t.Fatal(err)
	}
	if id != wid || len(gotRows) != len(rec.Result.Subjects) || len(gotRows) != len(wantRows) {
		t.Fatalf("batch %d of %d rows; SaveBatch's %d of %d", id, len(gotRows), wid, len(wantRows))
	}
	for i := range gotRows {
		if gotRows[i] != wantRows[i] {
			t.Fatalf("batch_subjects row %d differs:\n%.300s\n%.300s", i, gotRows[i], wantRows[i])
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("Close left %d files in the spool's directory", len(ents))
	}
}

// TestBatchSpoolCorrupt: a spool file changed or cut after the rows were
// written fails Save with spool.ErrCorrupt, and no batch is stored.
func TestBatchSpoolCorrupt(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for _, change := range []string{"truncated", "changed"} {
		t.Run(change, func(t *testing.T) {
			s, rec := spoolBatch(t, db, t.TempDir())
			if err := s.f.Finish(); err != nil {
				t.Fatal(err)
			}
			name, size := s.f.Name(), s.f.Size()
			var err error
			if change == "truncated" {
				err = os.Truncate(name, size/2)
			} else {
				var f *os.File
				if f, err = os.OpenFile(name, os.O_RDWR, 0); err == nil {
					_, err = f.WriteAt([]byte("\x00\xff\x00\xff"), size/2)
					f.Close()
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Save(ctx, rec, nil); !errors.Is(err, spool.ErrCorrupt) {
				t.Fatalf("Save of a %s spool: %v, want spool.ErrCorrupt", change, err)
			}
			bs, err := db.Batches(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(bs) != 0 {
				t.Errorf("%d batches stored from a %s spool", len(bs), change)
			}
		})
	}
}
