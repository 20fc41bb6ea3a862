package postgres

import (
	"context"
	"errors"
	"testing"
)

// groupRecord is the part of rec that GroupBatch.Add takes: the batch's
// identity and one group's subjects and results (here every subject).
func groupRecord(rec *BatchRecord) *BatchRecord {
	return &BatchRecord{Set: rec.Set, SetSHA256: rec.SetSHA256, Period: rec.Period, DataSHA256: rec.DataSHA256,
		EngineVersion: rec.EngineVersion, GeneratedAt: rec.GeneratedAt, Subjects: rec.Subjects, Result: rec.Result}
}

// storedRows returns batch id's batch_subjects rows as text, in order.
func storedBatchRows(t *testing.T, db *DB, id int64) []string {
	t.Helper()
	var rows []string
	if err := db.x.Select(&rows, `SELECT ROW(x.*)::text FROM batch_subjects x WHERE batch_id = $1 ORDER BY ord`, id); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestGroupBatchEqualsSaveBatch: a batch stored group by group, in COPY's
// binary format and in its text format, is the batch SaveBatch stores
// (the same batch_subjects rows and counts), and verifies.
func TestGroupBatchEqualsSaveBatch(t *testing.T) {
	ctx := context.Background()
	rec := batchRecord(exampleBatch(t))
	whole := open(t)
	wid, err := whole.SaveBatch(ctx, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := storedBatchRows(t, whole, wid)
	for _, text := range []bool{false, true} {
		db := open(t)
		textCopyOnly = text
		g := db.NewGroupBatch()
		err := g.Add(ctx, groupRecord(rec))
		var id int64
		if err == nil {
			id, err = g.Save(ctx, rec, nil)
		}
		textCopyOnly = false
		g.Close()
		if err != nil {
			t.Fatalf("text %v: %v", text, err)
		}
		got := storedBatchRows(t, db, id)
		if len(got) != len(want) || len(got) != len(rec.Result.Subjects) {
			t.Fatalf("text %v: %d rows stored, SaveBatch %d", text, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("text %v: batch_subjects row %d differs:\n%.300s\n%.300s", text, i, got[i], want[i])
			}
		}
		var counts, wantCounts string
		if err := db.x.Get(&counts, `SELECT subjects || ' ' || rated FROM batches WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if err := whole.x.Get(&wantCounts, `SELECT subjects || ' ' || rated FROM batches WHERE id = $1`, wid); err != nil {
			t.Fatal(err)
		}
		if counts != wantCounts {
			t.Errorf("text %v: counts %s, SaveBatch's %s", text, counts, wantCounts)
		}
		if _, err := db.Verify(ctx, id, false); err != nil {
			t.Errorf("text %v: Verify: %v", text, err)
		}
	}
}

// TestGroupBatchFailsEarly: while one process stores a batch group by
// group, another's first group fails with ErrBusy; once it is stored, with
// ErrBatchExists — before any other group would be scored. A batch closed
// without Save, or whose head is not its groups', is not stored.
func TestGroupBatchFailsEarly(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	rec := batchRecord(exampleBatch(t))
	first := db.NewGroupBatch()
	defer first.Close()
	if err := first.Add(ctx, groupRecord(rec)); err != nil {
		t.Fatal(err)
	}
	other := db.NewGroupBatch()
	if err := other.Add(ctx, groupRecord(rec)); !errors.Is(err, ErrBusy) {
		t.Errorf("a second store's first group: %v, want ErrBusy", err)
	}
	other.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if bs, err := db.Batches(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("after Close without Save: %d batches, %v", len(bs), err)
	}

	wrong := db.NewGroupBatch()
	if err := wrong.Add(ctx, groupRecord(rec)); err != nil {
		t.Fatal(err)
	}
	head := *rec
	head.DataSHA256 = "0000"
	if _, err := wrong.Save(ctx, &head, nil); err == nil {
		t.Error("Save with another batch's head succeeded")
	}
	wrong.Close()
	if bs, err := db.Batches(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("after a refused Save: %d batches, %v", len(bs), err)
	}

	g := db.NewGroupBatch()
	if err := g.Add(ctx, groupRecord(rec)); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Save(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	if err := g.Add(ctx, groupRecord(rec)); err == nil {
		t.Error("a group added after Save was taken")
	}
	if _, err := g.Save(ctx, rec, nil); err == nil {
		t.Error("a second Save succeeded")
	}
	g.Close()
	again := db.NewGroupBatch()
	defer again.Close()
	if err := again.Add(ctx, groupRecord(rec)); !errors.Is(err, ErrBatchExists) {
		t.Errorf("storing the stored batch again: %v, want ErrBatchExists", err)
	}
	if _, err := db.NewGroupBatch().Save(ctx, rec, nil); err == nil {
		t.Error("Save without a group succeeded")
	}
}

// TestBatchCountsSetOnce: the counts of a batch are set once, from the
// unknown (-1, -1) of a batch stored group by group, on a draft without
// digest; a stored batch's counts cannot change, nor become unknown, and a
// batch cannot be given its digest with unknown counts (migration 0012).
func TestBatchCountsSetOnce(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	rec := batchRecord(exampleBatch(t))
	id, err := db.SaveBatch(ctx, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE batches SET subjects = subjects + 1 WHERE id = $1`,
		`UPDATE batches SET subjects = -1, rated = -1 WHERE id = $1`,
	} {
		if _, err := db.x.Exec(q, id); err == nil {
			t.Errorf("%s: accepted on a stored batch", q)
		}
	}
	// A draft with unknown counts, as GroupBatch inserts it.
	var sv, pending int64
	if err := db.x.Get(&sv, `SELECT set_version FROM batches WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := db.x.Get(&pending, `INSERT INTO batches (set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated)
VALUES ($1, '2030', 'x', 'e', now(), '{}', '{}', -1, -1) RETURNING id`, sv); err != nil {
		t.Fatal(err)
	}
	if _, err := db.x.Exec(`UPDATE batches SET sha256 = 'x' WHERE id = $1`, pending); err == nil {
		t.Error("a digest was recorded with unknown counts")
	}
	if _, err := db.x.Exec(`UPDATE batches SET subjects = 3 WHERE id = $1`, pending); err == nil {
		t.Error("the subjects were set without the rated count")
	}
	if _, err := db.x.Exec(`UPDATE batches SET subjects = 3, rated = 2 WHERE id = $1`, pending); err != nil {
		t.Errorf("setting the unknown counts: %v", err)
	}
	if _, err := db.x.Exec(`UPDATE batches SET subjects = 4, rated = 2 WHERE id = $1`, pending); err == nil {
		t.Error("the counts were set twice")
	}
	if _, err := db.x.Exec(`INSERT INTO batches (set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated)
VALUES ($1, '2031', 'x', 'e', now(), '{}', '{}', -1, 0)`, sv); err == nil {
		t.Error("a batch with one count unknown was inserted")
	}
}
