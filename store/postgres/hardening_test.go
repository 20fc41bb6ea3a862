package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/govscore/govscore/batch"
)

// testOutputs are two small outputs to store with a batch.
func testOutputs() []Output {
	return []Output{
		{Name: "results.csv", Write: func(w io.Writer) error { _, err := io.WriteString(w, "subject,score\nc1,1.5\n"); return err }},
		{Name: "results.json", Write: func(w io.Writer) error { _, err := io.WriteString(w, `{"ok":true}`+"\n"); return err }},
	}
}

// saveTwo stores the example batch twice (the second with another data
// fingerprint), publishes the first and approves the second.
func saveTwo(t *testing.T, db *DB) (published, approved int64, b *batch.Batch) {
	t.Helper()
	ctx := context.Background()
	b = exampleBatch(t)
	published, err := db.SaveBatch(ctx, batchRecord(b), testOutputs())
	if err != nil {
		t.Fatal(err)
	}
	b.Meta.DataSHA256 = strings.Repeat("1", 64)
	approved, err = db.SaveBatch(ctx, batchRecord(b), testOutputs())
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, int64, string) error{db.Approve, db.Publish} {
		if err := step(ctx, published, "t"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Approve(ctx, approved, "t"); err != nil {
		t.Fatal(err)
	}
	return published, approved, b
}

// TestImmutabilityHoles runs, as the owning role with every trigger
// enabled, the plain SQL that changed stored batches before migration
// 0002: each is refused, and both batches still verify.
func TestImmutabilityHoles(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	if _, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]}); err != nil {
		t.Fatal(err)
	}
	pub, appr, _ := saveTwo(t, db)
	draft, err := db.SaveBatch(ctx, batchRecord(func() *batch.Batch {
		b := exampleBatch(t)
		b.Meta.DataSHA256 = strings.Repeat("2", 64)
		return b
	}()), testOutputs())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, sql string
		want      error
	}{
		{"truncate batch_files", `TRUNCATE batch_files`, ErrPublished},
		{"truncate batch_warnings", `TRUNCATE batch_warnings`, ErrPublished},
		{"truncate batch_outputs", `TRUNCATE batch_outputs`, ErrPublished},
		{"truncate indicator_sets", `TRUNCATE indicator_sets CASCADE`, ErrPublished},
		{"truncate metric_blocks", `TRUNCATE metric_blocks`, ErrPublished},
		{"truncate subjects", `TRUNCATE subjects CASCADE`, ErrPublished},
		{"move rows into the published batch", `UPDATE batch_subjects SET batch_id = $1 WHERE batch_id = $3`, ErrPublished},
		{"move warnings into the published batch", `UPDATE batch_warnings SET batch_id = $1 WHERE batch_id = $3`, ErrPublished},
		{"move files into the published batch", `UPDATE batch_files SET batch_id = $1, name = 'x' || name WHERE batch_id = $3`, ErrPublished},
		{"move rows out of the published batch", `UPDATE batch_subjects SET batch_id = $3 WHERE batch_id = $1`, ErrPublished},
		{"change a draft's stored results", `UPDATE batch_subjects SET score = 0 WHERE batch_id = $3`, ErrPublished},
		{"add a file to a stored draft", `INSERT INTO batch_files (batch_id, name, chunk, data) VALUES ($3, 'extra.csv', 0, '')`, ErrPublished},
		{"rewrite the set version", `UPDATE indicator_sets SET version = '9.9'`, ErrPublished},
		{"rewrite the set hash", `UPDATE indicator_sets SET sha256 = 'x'`, ErrPublished},
		{"rewrite the set yaml", `UPDATE indicator_sets SET yaml = yaml || ' '`, ErrPublished},
		{"delete the set", `DELETE FROM indicator_sets`, ErrPublished},
		{"change an approved batch's period", `UPDATE batches SET period = '1999' WHERE id = $2`, ErrPublished},
		{"change an approved batch's data hash", `UPDATE batches SET data_sha256 = 'x' WHERE id = $2`, ErrPublished},
		{"change an approved batch's digest", `UPDATE batches SET sha256 = 'x' WHERE id = $2`, ErrPublished},
		{"change a draft's digest", `UPDATE batches SET sha256 = 'x' WHERE id = $3`, ErrPublished},
		{"re-approve", `UPDATE batches SET approved_by = 'mallory' WHERE id = $2`, ErrTransition},
		{"change a draft's digest scheme", `UPDATE batches SET digest_scheme = NULL WHERE id = $3`, ErrPublished},
		{"change a published batch's digest scheme", `UPDATE batches SET digest_scheme = 1 WHERE id = $1`, ErrPublished},
		{"insert a batch with a digest scheme", `INSERT INTO batches (set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated, digest_scheme)
SELECT set_version, period, 'forged', engine_version, generated_at, composites, leaves, subjects, rated, 2 FROM batches WHERE id = $1`, ErrPublished},
		{"insert a published batch", `INSERT INTO batches (set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated, status)
SELECT set_version, period, 'forged', engine_version, generated_at, composites, leaves, subjects, rated, 'published' FROM batches WHERE id = $1`, ErrTransition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// $1, $2, $3: the published, approved and draft batch ids.
			q := strings.NewReplacer("$1", fmt.Sprint(pub), "$2", fmt.Sprint(appr), "$3", fmt.Sprint(draft)).Replace(tc.sql)
			_, err := db.x.Exec(q)
			if err := db.mapError(ctx, tc.name, err); !errors.Is(err, tc.want) {
				t.Errorf("%s = %v, want %v", tc.name, err, tc.want)
			}
		})
	}
	// The upsert of an indicator set already used (a no-op update) still
	// works: a batch of the same set can be stored.
	b := exampleBatch(t)
	b.Meta.DataSHA256 = strings.Repeat("3", 64)
	if _, err := db.SaveBatch(ctx, batchRecord(b), nil); err != nil {
		t.Errorf("storing another batch of a used set: %v", err)
	}
	for _, id := range []int64{pub, appr, draft} {
		if _, err := db.Verify(ctx, id, true); err != nil {
			t.Errorf("verify %d: %v", id, err)
		}
	}
}

// TestVerifyDetectsTampering changes a stored batch with its triggers
// disabled (what the table owner or a superuser can still do): Verify
// finds every change, and reading a changed output fails.
func TestVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		table   string
		sql     string
		outputs bool // detected only when the outputs are read back
	}{
		{"result changed", "batch_subjects", `UPDATE batch_subjects SET score = score + 1e-9 WHERE batch_id = $1 AND ord = 0`, false},
		{"leaf value changed", "batch_subjects", `UPDATE batch_subjects SET value[1] = 0.5 WHERE batch_id = $1 AND ord = 3`, false},
		{"row deleted", "batch_subjects", `DELETE FROM batch_subjects WHERE batch_id = $1 AND ord = 1`, false},
		{"rows moved in", "batch_subjects", `UPDATE batch_subjects SET batch_id = $1, subject = subject || '-x' WHERE batch_id = $2 AND ord = 0`, false},
		{"explanation changed", "batch_subjects", `UPDATE batch_subjects SET explain = jsonb_set(explain, '{root}', '1') WHERE batch_id = $1 AND ord = 0`, false},
		{"explanation removed", "batch_subjects", `UPDATE batch_subjects SET explain = NULL WHERE batch_id = $1 AND ord = 0`, false},
		{"explanation gained a key", "batch_subjects", `UPDATE batch_subjects SET explain = explain || '{"note": "x"}' WHERE batch_id = $1 AND ord = 0`, false},
		{"adjustment points changed", "batch_subjects", `UPDATE batch_subjects SET explain = jsonb_set(explain, '{adjustments,0,points}', '99') WHERE batch_id = $1 AND jsonb_array_length(explain->'adjustments') > 0`, false},
		{"node value changed", "batch_subjects", `UPDATE batch_subjects SET nodes = jsonb_set(nodes, ARRAY[(SELECT min(k) FROM jsonb_object_keys(nodes) k)], '0.123') WHERE batch_id = $1 AND ord = 2`, false},
		{"node value added", "batch_subjects", `UPDATE batch_subjects SET nodes = nodes || '{"zz": 1}' WHERE batch_id = $1 AND ord = 2`, false},
		{"leaf status changed", "batch_subjects", `UPDATE batch_subjects SET status[1] = CASE WHEN status[1] = 'ok' THEN 'imputed' ELSE 'ok' END WHERE batch_id = $1 AND ord = 4`, false},
		{"leaf weight made null", "batch_subjects", `UPDATE batch_subjects SET weight[1] = NULL WHERE batch_id = $1 AND ord = 0`, false},
		{"subject renamed", "batch_subjects", `UPDATE batch_subjects SET name = name || ' ' WHERE batch_id = $1 AND ord = 5`, false},
		{"digest scheme removed", "batches", `UPDATE batches SET digest_scheme = NULL WHERE id = $1`, false},
		{"digest scheme unknown", "batches", `UPDATE batches SET digest_scheme = 9 WHERE id = $1`, false},
		{"warning removed", "batch_warnings", `DELETE FROM batch_warnings WHERE batch_id = $1 AND seq = 0`, false},
		{"period changed", "batches", `UPDATE batches SET period = '1999' WHERE id = $1`, false},
		{"set yaml changed", "indicator_sets", `UPDATE indicator_sets SET yaml = yaml || ' '`, false},
		{"set version changed", "indicator_sets", `UPDATE indicator_sets SET version = '9'`, false},
		{"output digest changed", "batch_outputs", `UPDATE batch_outputs SET sha256 = repeat('0', 64) WHERE batch_id = $1`, false},
		{"files truncated", "batch_files", `TRUNCATE batch_files`, true},
		{"file replaced", "batch_files", `UPDATE batch_files SET data = (SELECT data FROM batch_files WHERE batch_id = $1 AND name = 'results.json') WHERE batch_id = $1 AND name = 'results.csv'`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			pub, appr, _ := saveTwo(t, db)
			if n := count(t, db, `SELECT count(*) FROM batch_warnings`); n == 0 {
				t.Fatal("the example batch has no warnings to tamper with")
			}
			for _, q := range []string{`ALTER TABLE ` + tc.table + ` DISABLE TRIGGER USER`, tc.sql, `ALTER TABLE ` + tc.table + ` ENABLE TRIGGER USER`} {
				q = strings.NewReplacer("$1", fmt.Sprint(pub), "$2", fmt.Sprint(appr)).Replace(q)
				if _, err := db.x.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			_, err := db.Verify(ctx, pub, false)
			if tc.outputs {
				if err != nil {
					t.Fatalf("verify without outputs: %v", err)
				}
				_, err = db.Verify(ctx, pub, true)
			}
			if !errors.Is(err, ErrIntegrity) {
				t.Fatalf("verify after %s = %v, want ErrIntegrity", tc.name, err)
			}
			if tc.outputs {
				if err := db.WriteOutput(ctx, pub, "results.csv", io.Discard); !errors.Is(err, ErrIntegrity) {
					t.Errorf("WriteOutput after %s = %v, want ErrIntegrity", tc.name, err)
				}
			}
		})
	}
}

// TestVerifyAndOutputDigests: a stored batch verifies, its outputs are
// recorded with their SHA-256 and size, and a batch stored before schema
// version 2 is reported as unverifiable.
func TestVerifyAndOutputDigests(t *testing.T) {
	ctx := context.Background()
	u := newDatabase(t)
	db, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pub, _, _ := saveTwo(t, db)
	v, err := db.Verify(ctx, pub, true)
	if err != nil {
		t.Fatal(err)
	}
	csv := "subject,score\nc1,1.5\n"
	sum := sha256.Sum256([]byte(csv))
	if len(v.SHA256) != 64 || len(v.Outputs) != 2 || v.Outputs[0] != (OutputDigest{"results.csv", hex.EncodeToString(sum[:]), int64(len(csv))}) {
		t.Errorf("verification %+v", v)
	}
	var got bytes.Buffer
	if err := db.WriteOutput(ctx, pub, "results.json", &got); err != nil || got.String() != `{"ok":true}`+"\n" {
		t.Errorf("WriteOutput = %q, %v", got.String(), err)
	}
	// The digest does not depend on the session's float format (lib/pq
	// asks for extra_float_digits 2; psql has 1; 0 rounds to 15 digits).
	db0, err := Open(ctx, u+"&extra_float_digits=0")
	if err != nil {
		t.Fatal(err)
	}
	defer db0.Close()
	var efd string
	if err := db0.x.Get(&efd, `SHOW extra_float_digits`); err != nil || efd != "0" {
		t.Fatalf("extra_float_digits = %q, %v", efd, err)
	}
	if v0, err := db0.Verify(ctx, pub, false); err != nil || v0.SHA256 != v.SHA256 {
		t.Errorf("verify with extra_float_digits = 0: %v, %v", v0, err)
	}
	old := legacyBatch(t, db)
	if _, err := db.Verify(ctx, old, true); !errors.Is(err, ErrNoDigest) {
		t.Errorf("verify of a batch without digest = %v, want ErrNoDigest", err)
	}
	if _, err := db.Verify(ctx, 9999, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("verify of a missing batch = %v, want ErrNotFound", err)
	}
}
