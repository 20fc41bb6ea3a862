package postgres

import (
	"context"
	"io"
	"testing"
)

// TestSaveBatchServerLostRollsBack: the server ends the batch's connection
// while the batch is being stored (after its results were copied, while an
// output is written): nothing of the batch remains, and storing it again
// succeeds.
func TestSaveBatchServerLostRollsBack(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t)
	kill := Output{Name: "results.csv", Write: func(w io.Writer) error {
		// Every other backend of this database is the batch's transaction.
		_, err := db.x.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`)
		if err != nil {
			t.Error(err)
		}
		_, err = io.WriteString(w, "peer_group,subject\n")
		return err
	}}
	_, err := db.SaveBatch(ctx, b, []Output{kill})
	if err == nil {
		t.Fatal("the batch was stored although its connection was terminated")
	}
	t.Logf("lost save: %v", err)
	for _, tbl := range []string{"batches", "batch_subjects", "batch_warnings", "batch_files"} {
		if n := count(t, db, "SELECT count(*) FROM "+tbl); n != 0 {
			t.Errorf("%s has %d rows after the lost save", tbl, n)
		}
	}
	id, err := db.SaveBatch(ctx, b, nil)
	if err != nil {
		t.Fatalf("storing the batch again: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM batch_subjects"); n != len(b.Result.Subjects) {
		t.Errorf("batch %d has %d subject rows, want %d", id, n, len(b.Result.Subjects))
	}
}
