package postgres

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/synth"
)

// synthRecord scores a generated project of n subjects × 50 leaves.
func synthRecord(tb testing.TB, n int) *BatchRecord {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "proj")
	if err := synth.Write(dir, synth.Config{Subjects: n, Leaves: 50, Seed: 1, Period: "2024"}); err != nil {
		tb.Fatal(err)
	}
	p, err := batch.LoadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{At: time.Unix(0, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	return batchRecord(b)
}

// BenchmarkEncodeSubjectsBinary: the client side of the COPY of
// batch_subjects, 20,000 subjects × 50 leaves, into a writer that
// discards the chunks.
func BenchmarkEncodeSubjectsBinary(b *testing.B) {
	r := synthRecord(b, 20000)
	w := &copyWriter{buf: make([]byte, 5, copyChunk+4096), prefix: 5, send: func([]byte) error { return nil }}
	b.ResetTimer()
	for range b.N {
		w.buf = w.buf[:5]
		if err := encodeSubjectsBinary(w, 1, r, newSubjectDigest()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEncodeSubjectsBinaryBlocks: a batch of two full blocks of subjects
// and a partial one, stored in the binary format (encoded by blocks) and
// in the text format (subject by subject, Cell by Cell), gives the same
// rows, column for column.
func TestEncodeSubjectsBinaryBlocks(t *testing.T) {
	db := open(t)
	n := 2*encodeBlockSize + 44
	rec := synthRecord(t, n)
	bin, diff := saveBinaryAndText(t, db, rec)
	var rows, nulls int
	if err := db.x.Get(&rows, `SELECT count(*) FROM batch_subjects WHERE batch_id = $1`, bin); err != nil {
		t.Fatal(err)
	}
	if err := db.x.Get(&nulls, `SELECT count(*) FROM batch_subjects WHERE batch_id = $1 AND array_position(raw, NULL) IS NOT NULL`, bin); err != nil {
		t.Fatal(err)
	}
	if diff != 0 || rows != n {
		t.Errorf("%d rows stored in binary (want %d), %d rows differ from the text format's", rows, n, diff)
	}
	if nulls == 0 {
		t.Errorf("no subject has a missing raw value: the test does not cover NULL elements")
	}
}
