package postgres

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/diag"
	"github.com/klauspost/compress/s2"
)

// TestSaveBatchServerLostRollsBack: the server ends the batch's connection
// while the batch is being stored (while an output is rendered, which may
// be while the results are copied): nothing of the batch remains, and
// storing it again succeeds.
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
	_, err := db.SaveBatch(ctx, batchRecord(b), []Output{kill})
	if err == nil {
		t.Fatal("the batch was stored although its connection was terminated")
	}
	t.Logf("lost save: %v", err)
	for _, tbl := range []string{"batches", "batch_subjects", "batch_warnings", "batch_files"} {
		if n := count(t, db, "SELECT count(*) FROM "+tbl); n != 0 {
			t.Errorf("%s has %d rows after the lost save", tbl, n)
		}
	}
	id, err := db.SaveBatch(ctx, batchRecord(b), nil)
	if err != nil {
		t.Fatalf("storing the batch again: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM batch_subjects"); n != len(b.Result.Subjects) {
		t.Errorf("batch %d has %d subject rows, want %d", id, n, len(b.Result.Subjects))
	}
}

// bigOutput returns n bytes of CSV-like text, compressible but not
// trivially (as the rendered outputs are).
func bigOutput(n int) []byte {
	b := make([]byte, 0, n+64)
	x := uint64(1)
	for len(b) < n {
		x = x*6364136223846793005 + 1442695040888963407
		b = fmt.Appendf(b, "g%d,s%07d,%d.%04d\n", x>>61, x>>40&0xfffff, x>>20&0xfff, x>>8&0xfff)
	}
	return b[:n]
}

// TestSaveBatchOutputsRoundTrip: outputs of every size come back byte for
// byte, in one row per fileChunk bytes, each row an independent S2
// stream of its part of the file.
func TestSaveBatchOutputsRoundTrip(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	big := bigOutput(2*fileChunk + 12345)
	cases := []struct {
		name string
		data []byte
		rows int
	}{
		{"empty", nil, 1},
		{"small", []byte("peer_group,subject\nA,s1\n"), 1},
		{"one chunk exactly", big[:fileChunk], 1},
		{"three chunks", big, 3},
	}
	var outputs []Output
	for _, tc := range cases {
		outputs = append(outputs, Output{Name: tc.name, Write: func(w io.Writer) error {
			// Uneven writes, as the report writers do.
			for p := tc.data; len(p) > 0; {
				k := min(len(p), 1000003)
				if _, err := w.Write(p[:k]); err != nil {
					return err
				}
				p = p[k:]
			}
			return nil
		}})
	}
	id, err := db.SaveBatch(ctx, batchRecord(exampleBatch(t)), outputs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := db.WriteOutput(ctx, id, tc.name, &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), tc.data) {
				t.Errorf("read back %d bytes, differing from the %d written", got.Len(), len(tc.data))
			}
			var rows [][]byte
			if err := db.x.Select(&rows, `SELECT data FROM batch_files WHERE batch_id = $1 AND name = $2 ORDER BY chunk`, id, tc.name); err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.rows {
				t.Fatalf("%d rows, want %d", len(rows), tc.rows)
			}
			for i, r := range rows {
				if len(tc.data) > 0 && !bytes.HasPrefix(r, s2Magic) {
					t.Fatalf("row %d does not begin an S2 stream: % x", i, r[:min(len(r), 10)])
				}
				part, err := io.ReadAll(s2.NewReader(bytes.NewReader(r)))
				if err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				want := tc.data[min(len(tc.data), i*fileChunk):min(len(tc.data), (i+1)*fileChunk)]
				if !bytes.Equal(part, want) {
					t.Errorf("row %d holds %d bytes, want its %d bytes of the file", i, len(part), len(want))
				}
			}
		})
	}
	names, err := db.OutputNames(ctx, id)
	if err != nil || len(names) != len(cases) {
		t.Errorf("OutputNames = %v, %v", names, err)
	}
}

// TestWriteOutputReadsOneStreamOverRows: a file stored as one gzip stream
// cut anywhere into rows (as batches stored before the per-chunk members),
// or as one gzip member per row (as batches stored before the S2 chunks),
// still reads back.
func TestWriteOutputReadsOneStreamOverRows(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	id := legacyBatch(t, db)
	data := bigOutput(300_000)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	for i, part := range [][]byte{z.Bytes()[:7], z.Bytes()[7:5000], z.Bytes()[5000:]} {
		if _, err := db.x.Exec(sqlInsertFile, id, "old.csv", i, part); err != nil {
			t.Fatal(err)
		}
	}
	var got bytes.Buffer
	if err := db.WriteOutput(ctx, id, "old.csv", &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Errorf("read back %d bytes, differing from the %d stored", got.Len(), len(data))
	}
	// Chunk numbers with gaps read in their order, as a cursor over the
	// rows sorted by chunk read them.
	for i, part := range [][]byte{z.Bytes()[:7], z.Bytes()[7:5000], z.Bytes()[5000:]} {
		if _, err := db.x.Exec(sqlInsertFile, id, "gaps.csv", []int{0, 3, 7}[i], part); err != nil {
			t.Fatal(err)
		}
	}
	got.Reset()
	if err := db.WriteOutput(ctx, id, "gaps.csv", &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Errorf("chunk numbers with gaps: read back %d bytes, differing from the %d stored", got.Len(), len(data))
	}
	for i, part := range [][]byte{data[:100_000], data[100_000:]} {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(part)
		zw.Close()
		if _, err := db.x.Exec(sqlInsertFile, id, "members.csv", i, z.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	got.Reset()
	if err := db.WriteOutput(ctx, id, "members.csv", &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Errorf("gzip members: read back %d bytes, differing from the %d stored", got.Len(), len(data))
	}
}

// TestSaveBatchOutputFails: a rendering error or a cancelled context while
// a multi-chunk output is stored leaves nothing of the batch, and the
// batch can be stored again.
func TestSaveBatchOutputFails(t *testing.T) {
	big := bigOutput(3*fileChunk + 1)
	errRender := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		// fail is called by the output once it wrote two chunks; it
		// returns the error the output returns (nil: keep writing) and
		// the error SaveBatch must wrap.
		fail func(cancel context.CancelFunc) (ret, want error)
	}{
		{"rendering error", func(context.CancelFunc) (error, error) { return errRender, errRender }},
		{"cancelled", func(cancel context.CancelFunc) (error, error) { cancel(); return nil, context.Canceled }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			b := exampleBatch(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var want error
			out := Output{Name: "results.json", Write: func(w io.Writer) error {
				for i := 0; i < len(big); i += fileChunk {
					if i == 2*fileChunk {
						var ret error
						if ret, want = tc.fail(cancel); ret != nil {
							return ret
						}
					}
					if _, err := w.Write(big[i:min(len(big), i+fileChunk)]); err != nil {
						return err
					}
				}
				return nil
			}}
			small := Output{Name: "results.csv", Write: func(w io.Writer) error {
				_, err := io.WriteString(w, "peer_group,subject\n")
				return err
			}}
			_, err := db.SaveBatch(ctx, batchRecord(b), []Output{small, out})
			if err == nil {
				t.Fatal("the batch was stored")
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, want) {
				t.Errorf("err = %v, want it to wrap %v", err, want)
			}
			for _, tbl := range []string{"batches", "batch_subjects", "batch_warnings", "batch_files"} {
				if n := count(t, db, "SELECT count(*) FROM "+tbl); n != 0 {
					t.Errorf("%s has %d rows after the failed save", tbl, n)
				}
			}
			// The failed save's backend may still be rolling back (its
			// connection was cut) and holding the batch's lock: ErrBusy
			// until it is gone.
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				_, err := db.SaveBatch(context.Background(), batchRecord(b), []Output{small})
				if err == nil {
					break
				}
				if !errors.Is(err, ErrBusy) || time.Now().After(deadline) {
					t.Fatalf("storing the batch again: %v", err)
				}
			}
		})
	}
}

// TestSaveBatchCopyEncoding: the rows sent as pre-encoded COPY text equal
// the same values sent as query parameters, for strings that COPY must
// escape (tab, newline, backslash, \N, \.), unrated subjects and missing
// scores.
func TestSaveBatchCopyEncoding(t *testing.T) {
	for _, text := range []bool{false, true} {
		name := "binary"
		if text {
			name = "text"
		}
		t.Run(name, func(t *testing.T) {
			textCopyOnly = text
			defer func() { textCopyOnly = false }()
			testSaveBatchCopyEncoding(t)
		})
	}
}

// TestBinaryCopyAvailable: the batch_subjects rows go in COPY's binary
// format, which needs lib/pq's connection fields (copyBinaryIn); after
// an upgrade of lib/pq that renames them, SaveBatch falls back to the
// text format, slower, and this test fails.
func TestBinaryCopyAvailable(t *testing.T) {
	db := open(t)
	conn, err := db.x.Connx(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error {
		if _, ok := rawPQConn(dc); !ok {
			t.Errorf("lib/pq's connection %T cannot be taken over for a binary COPY", dc)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSaveBatchBinaryEqualsText stores one batch through the binary and
// the text COPY and compares every column of the rows.
func TestSaveBatchBinaryEqualsText(t *testing.T) {
	db := open(t)
	b := exampleBatch(t)
	b.Result.Subjects[0].Rated = false
	b.Result.Subjects[1].Score = math.NaN()
	bin, diff := saveBinaryAndText(t, db, batchRecord(b))
	var n int
	if err := db.x.Get(&n, `SELECT count(*) FROM batch_subjects WHERE batch_id = $1 AND explain IS NOT NULL`, bin); err != nil {
		t.Fatal(err)
	}
	if diff != 0 || n != len(b.Result.Subjects) {
		t.Errorf("%d rows with explain stored in binary (want %d), %d rows differ from the text format's", n, len(b.Result.Subjects), diff)
	}
}

func testSaveBatchCopyEncoding(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	b := exampleBatch(t)
	evil := []string{"tab\there", "line\nbreak\r", `back\slash`, `\N`, `\.`, "", `{"json":"\"q\""}`, "引号'\""}
	for i := range b.Project.Data.Subjects {
		s := &b.Project.Data.Subjects[i]
		s.Name = evil[i%len(evil)] + s.Name
		if i%3 == 0 {
			s.Kind = evil[(i+1)%len(evil)]
		}
	}
	subs := b.Result.Subjects
	subs[0].Rated = false
	subs[1].Score = math.NaN()
	subs[2].Coverage = math.Inf(1)
	subs[3].Group = evil[0]
	subs[3].Grade = evil[1]
	subs[4].Grade = ""
	b.Warnings = append(b.Warnings,
		diag.Warning{Pos: diag.Pos{File: `C:\data\m.csv`, Line: 3, Col: 4}, Group: evil[2], Subject: evil[3], Node: evil[4], Msg: "a\tb\nc"},
		diag.Warning{Msg: evil[6]})
	id, err := db.SaveBatch(ctx, batchRecord(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The oracle: the same rows through parameters into another batch.
	var ref int64
	if err := db.x.Get(&ref, `INSERT INTO batches (set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated)
SELECT set_version, period, 'reference', engine_version, generated_at, composites, leaves, subjects, rated FROM batches WHERE id = $1 RETURNING id`, id); err != nil {
		t.Fatal(err)
	}
	keys := nodeKeys(b.Composites())
	var nodes []byte
	for ord, si := range b.Result.Order {
		r := &subs[si]
		s := &b.Project.Data.Subjects[si]
		var raw, val, st, wt []string
		for l := range b.Project.Set.Leaves {
			c := b.Result.Cells[l].At(si)
			if !c.Applies {
				raw, val, st, wt = append(raw, "NULL"), append(val, "NULL"), append(st, "NULL"), append(wt, "NULL")
				continue
			}
			raw = append(raw, string(appendArrayFloat(nil, c.Raw)))
			val = append(val, string(appendArrayFloat(nil, c.Value)))
			wt = append(wt, string(appendArrayFloat(nil, c.Weight)))
			st = append(st, string(c.Status))
		}
		arr := func(xs []string) string { return "{" + strings.Join(xs, ",") + "}" }
		fin := func(x float64) any {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil
			}
			return x
		}
		var rank, score, grade, vetoed any
		if r.Rated {
			rank, score, grade, vetoed = r.Rank, fin(r.Score), r.Grade, r.Vetoed
		}
		nodes = appendNodeKeys(nodes[:0], keys, r.Nodes)
		if _, err := db.x.Exec(`INSERT INTO batch_subjects VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			ref, ord, s.ID, s.Name, s.Kind, r.Group, r.Rated, rank, score, grade, fin(r.Coverage), vetoed,
			string(nodes), arr(raw), arr(val), arr(st), arr(wt)); err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range b.Warnings {
		if _, err := db.x.Exec(`INSERT INTO batch_warnings VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			ref, i, w.Pos.File, w.Pos.Line, w.Pos.Col, w.Group, w.Subject, w.Node, w.Msg); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ table, cols string }{
		{"batch_subjects", "ord, subject, name, kind, peer_group, rated, rank, score, grade, coverage, vetoed, nodes, raw, value, status, weight"},
		{"batch_warnings", "seq, file, line, col, peer_group, subject, node, message"},
	} {
		q := fmt.Sprintf(`SELECT count(*) FROM (
	(SELECT %[2]s FROM %[1]s WHERE batch_id = $1 EXCEPT ALL SELECT %[2]s FROM %[1]s WHERE batch_id = $2)
	UNION ALL
	(SELECT %[2]s FROM %[1]s WHERE batch_id = $2 EXCEPT ALL SELECT %[2]s FROM %[1]s WHERE batch_id = $1)) d`, tc.table, tc.cols)
		var diff, n int
		if err := db.x.Get(&diff, q, id, ref); err != nil {
			t.Fatal(err)
		}
		if err := db.x.Get(&n, `SELECT count(*) FROM `+tc.table+` WHERE batch_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if diff != 0 || n == 0 {
			t.Errorf("%s: %d rows stored, %d differ from the parameter-encoded ones", tc.table, n, diff)
		}
	}
	var name string
	if err := db.x.Get(&name, `SELECT name FROM batch_subjects WHERE batch_id = $1 AND ord = 0`, id); err != nil {
		t.Fatal(err)
	}
	if si := b.Result.Order[0]; name != b.Project.Data.Subjects[si].Name {
		t.Errorf("name read back %q, want %q", name, b.Project.Data.Subjects[si].Name)
	}
}

// batchRecord converts a batch as `govscore run --db` does.
func batchRecord(b *batch.Batch) *BatchRecord {
	return &BatchRecord{
		Set: b.Project.Set, SetSHA256: b.Meta.SetSHA256,
		Period: b.Meta.Period, DataSHA256: b.Meta.DataSHA256, EngineVersion: b.Meta.EngineVersion, GeneratedAt: b.Meta.GeneratedAt,
		Subjects: b.Project.Data.Subjects, Result: b.Result, Warnings: b.Warnings,
	}
}

// legacyBatch stores, with plain SQL, a draft batch without results or
// digest, as batches stored before schema version 2 are, and returns its
// id.
func legacyBatch(t *testing.T, db *DB) int64 {
	t.Helper()
	var id int64
	err := db.x.Get(&id, `WITH s AS (INSERT INTO indicator_sets (set_id, name, version, sha256, yaml)
	VALUES ('old', 'Old', '1', 'legacy-set', 'id: old') RETURNING id)
INSERT INTO batches (set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated)
SELECT id, '2024', 'legacy-data', 'old', now(), '{}', '{}', 0, 0 FROM s RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSaveBatchCancelledDuringBinaryCopy cancels the context in the
// middle of the binary COPY of the results: the error wraps
// context.Canceled, nothing is stored, and the batch stores afterwards
// (the interrupted connection is not reused).
func TestSaveBatchCancelledDuringBinaryCopy(t *testing.T) {
	db := open(t)
	b := exampleBatch(t)
	// Enough rows for several chunks of the COPY.
	rec := batchRecord(b)
	res := *b.Result
	res.Order = slices.Clone(res.Order)
	for len(res.Order) < 4000 {
		res.Order = append(res.Order, b.Result.Order...)
	}
	rec.Result = &res
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	flushed := 0
	testHookCopyFlush = func() {
		if flushed++; flushed == 1 {
			cancel()
		}
	}
	_, err := db.SaveBatch(ctx, rec, nil)
	testHookCopyFlush = nil
	if flushed == 0 {
		t.Fatal("the COPY sent no chunk: the test batch is too small")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for _, tbl := range []string{"batches", "batch_subjects"} {
		if n := count(t, db, "SELECT count(*) FROM "+tbl); n != 0 {
			t.Errorf("%s has %d rows after the cancelled save", tbl, n)
		}
	}
	if _, err := db.SaveBatch(context.Background(), batchRecord(b), nil); err != nil {
		t.Fatalf("storing the batch again: %v", err)
	}
}

// TestBatchFilesStoredExternal: after migration 0007 the chunks of
// batch_files are stored out of line as they are, never pglz-compressed
// by TOAST (they are compressed already), and read back unchanged; a
// value pglz would shrink to a fraction shows that the column's storage,
// not the data, decides.
func TestBatchFilesStoredExternal(t *testing.T) {
	db := open(t)
	var storage string
	if err := db.x.Get(&storage, `SELECT attstorage FROM pg_attribute WHERE attrelid = 'batch_files'::regclass AND attname = 'data'`); err != nil {
		t.Fatal(err)
	}
	if storage != "e" {
		t.Fatalf("batch_files.data storage %q, want e (EXTERNAL)", storage)
	}
	id := legacyBatch(t, db)
	compressible := bytes.Repeat([]byte("peer_group,subject,score\n"), 4000) // 100 KB
	if _, err := db.x.Exec(sqlInsertFile, id, "plain.csv", 0, compressible); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := bigOutput(300_000)
	saved, err := db.SaveBatch(ctx, batchRecord(exampleBatch(t)), []Output{{Name: "results.csv", Write: func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}}})
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Compression *string `db:"compression"`
		Stored      int64   `db:"stored"`
		Raw         int64   `db:"raw"`
	}
	if err := db.x.Select(&rows, `SELECT pg_column_compression(data) AS compression, pg_column_size(data) AS stored, octet_length(data) AS raw
FROM batch_files WHERE batch_id IN ($1, $2) ORDER BY batch_id, name, chunk`, id, saved); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for i, r := range rows {
		if r.Compression != nil || r.Stored < r.Raw {
			t.Errorf("row %d: compression %v, %d bytes stored for %d, want uncompressed", i, r.Compression != nil, r.Stored, r.Raw)
		}
	}
	var got bytes.Buffer
	if err := db.WriteOutput(ctx, saved, "results.csv", &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Errorf("read back %d bytes, differing from the %d written", got.Len(), len(data))
	}
}

// TestSaveBatchJointOutputs: a pair rendered in one pass (Output.Joint,
// writes to the two files interleaved, several chunks each) stores the
// same files, digests and sizes as the two rendered one after the other;
// its partner's Write is not called; a Joint without its partner among the
// outputs renders with Write alone; a failing Joint stores nothing.
func TestSaveBatchJointOutputs(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	a, b := bigOutput(2*fileChunk+777), bigOutput(3*fileChunk + 5)[fileChunk/2:]
	writeAll := func(w io.Writer, p []byte) error {
		for len(p) > 0 {
			k := min(len(p), 999_983)
			if _, err := w.Write(p[:k]); err != nil {
				return err
			}
			p = p[k:]
		}
		return nil
	}
	alone := []Output{
		{Name: "indicators.csv", Write: func(w io.Writer) error { return writeAll(w, a) }},
		{Name: "results.csv", Write: func(w io.Writer) error { return writeAll(w, []byte("x\n")) }},
		{Name: "results.json", Write: func(w io.Writer) error { return writeAll(w, b) }},
	}
	joint := slices.Clone(alone)
	joint[0].JointWith = "results.json"
	joint[0].Joint = func(w, with io.Writer) error {
		// Alternate uneven pieces of the two files.
		pa, pb := a, b
		for len(pa) > 0 || len(pb) > 0 {
			k := min(len(pa), 700_001)
			if _, err := w.Write(pa[:k]); err != nil {
				return err
			}
			pa = pa[k:]
			k = min(len(pb), 1_300_003)
			if _, err := with.Write(pb[:k]); err != nil {
				return err
			}
			pb = pb[k:]
		}
		return nil
	}
	joint[2].Write = func(io.Writer) error { return errors.New("results.json rendered alone although its pair is stored") }
	first := exampleBatch(t)
	idAlone, err := db.SaveBatch(ctx, batchRecord(first), alone)
	if err != nil {
		t.Fatal(err)
	}
	second := exampleBatch(t)
	second.Meta.Period = "2025"
	idJoint, err := db.SaveBatch(ctx, batchRecord(second), joint)
	if err != nil {
		t.Fatal(err)
	}
	digests := func(id int64) []OutputDigest {
		var outs []OutputDigest
		if err := db.x.Select(&outs, sqlOutputDigests, id); err != nil {
			t.Fatal(err)
		}
		return outs
	}
	if da, dj := digests(idAlone), digests(idJoint); len(dj) != 3 || !slices.Equal(da, dj) {
		t.Errorf("output digests alone %v, jointly %v", da, dj)
	}
	for name, want := range map[string][]byte{"indicators.csv": a, "results.json": b, "results.csv": []byte("x\n")} {
		var got bytes.Buffer
		if err := db.WriteOutput(ctx, idJoint, name, &got); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s read back: %d bytes (want %d), %v", name, got.Len(), len(want), err)
		}
	}
	if _, err := db.Verify(ctx, idJoint, true); err != nil {
		t.Errorf("verify the jointly stored batch: %v", err)
	}

	// Without its partner, the first output is rendered by its Write.
	third := exampleBatch(t)
	third.Meta.Period = "2026"
	idOne, err := db.SaveBatch(ctx, batchRecord(third), joint[:2])
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := db.WriteOutput(ctx, idOne, "indicators.csv", &got); err != nil || !bytes.Equal(got.Bytes(), a) {
		t.Errorf("indicators.csv stored alone: %d bytes, %v", got.Len(), err)
	}

	// A failing joint rendering stores nothing and names both files.
	before := count(t, db, "SELECT count(*) FROM batches")
	failing := slices.Clone(joint)
	failing[0].Joint = func(w, with io.Writer) error {
		if err := writeAll(w, a); err != nil {
			return err
		}
		return errors.New("disk on fire")
	}
	fourth := exampleBatch(t)
	fourth.Meta.Period = "2027"
	_, err = db.SaveBatch(ctx, batchRecord(fourth), failing)
	if err == nil || !strings.Contains(err.Error(), "rendering indicators.csv and results.json: disk on fire") {
		t.Errorf("failing joint rendering: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM batches"); n != before {
		t.Errorf("%d batches after the failed save, want %d", n, before)
	}
}

// saveBinaryAndText stores rec twice, in COPY's binary format and (with
// the data fingerprint "text", so that it is another batch) in its text
// format, and returns the binary batch's id and the number of
// batch_subjects rows that differ between the two.
func saveBinaryAndText(t *testing.T, db *DB, rec *BatchRecord) (bin int64, diff int) {
	t.Helper()
	ctx := context.Background()
	bin, err := db.SaveBatch(ctx, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	textCopyOnly = true
	rec.DataSHA256 = "text"
	text, err := db.SaveBatch(ctx, rec, nil)
	textCopyOnly = false
	if err != nil {
		t.Fatal(err)
	}
	cols := "ord, subject, name, kind, peer_group, rated, rank, score, grade, coverage, vetoed, nodes, raw, value, status, weight, explain"
	if err := db.x.Get(&diff, fmt.Sprintf(`SELECT count(*) FROM (
	(SELECT %[1]s FROM batch_subjects WHERE batch_id = $1 EXCEPT ALL SELECT %[1]s FROM batch_subjects WHERE batch_id = $2)
	UNION ALL
	(SELECT %[1]s FROM batch_subjects WHERE batch_id = $2 EXCEPT ALL SELECT %[1]s FROM batch_subjects WHERE batch_id = $1)) d`, cols), bin, text); err != nil {
		t.Fatal(err)
	}
	return bin, diff
}

// TestBatchSubjectsLZ4: after migration 0009 the compressed columns of
// batch_subjects use lz4 on a server built with it (the Debian and CI
// servers are): a row over TOAST's threshold is stored with its arrays
// compressed with lz4 and reads back unchanged.
func TestBatchSubjectsLZ4(t *testing.T) {
	db := open(t)
	var lz4 bool
	if err := db.x.Get(&lz4, `SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))`); err != nil {
		t.Fatal(err)
	}
	if !lz4 {
		t.Skip("this server is built without lz4: migration 0009 keeps pglz")
	}
	var methods []string
	if err := db.x.Select(&methods, `SELECT attname || '=' || attcompression::text FROM pg_attribute WHERE attrelid = 'batch_subjects'::regclass
		AND attname IN ('raw', 'value', 'status', 'weight', 'nodes', 'explain') ORDER BY attname`); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(methods, " "), "explain=l nodes=l raw=l status=l value=l weight=l"; got != want {
		t.Fatalf("compression of batch_subjects' columns: %s, want %s", got, want)
	}
	id := legacyBatch(t, db)
	if _, err := db.x.Exec(`INSERT INTO batch_subjects (batch_id, ord, subject, name, kind, peer_group, rated, nodes, raw, value, status, weight)
		SELECT $1, 0, 's', 'n', 'k', 'g', false, '{}', array_fill(0.25::float8, ARRAY[1000]), array_fill(0.5::float8, ARRAY[1000]),
			array_fill('ok'::text, ARRAY[1000]), array_fill(1::float8, ARRAY[1000])`, id); err != nil {
		t.Fatal(err)
	}
	var method string
	var sum float64
	if err := db.x.QueryRow(`SELECT pg_column_compression(raw), (SELECT sum(x) FROM unnest(raw) x) FROM batch_subjects WHERE batch_id = $1`, id).Scan(&method, &sum); err != nil {
		t.Fatal(err)
	}
	if method != "lz4" || sum != 250 {
		t.Errorf("raw stored with %q, sum %v; want lz4, 250", method, sum)
	}
}

// TestSaveBatchWaitsForTheLock: a batch's lock held for a moment (as by
// the server process of a run cancelled just before, still rolling back)
// is waited for, and the batch is stored; held for longer than the wait,
// it is ErrBusy, and nothing is stored.
func TestSaveBatchWaitsForTheLock(t *testing.T) {
	db := open(t)
	b := exampleBatch(t)
	rec := batchRecord(b)
	ctx := context.Background()
	hold := func() (release func()) {
		tx, err := db.x.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`SELECT pg_advisory_xact_lock($1)`, batchKey(rec)); err != nil {
			t.Fatal(err)
		}
		return func() { tx.Rollback() }
	}
	release := hold()
	start := time.Now()
	_, err := db.SaveBatch(ctx, rec, nil)
	release()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("lock held throughout: err = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < 2500*time.Millisecond {
		t.Errorf("ErrBusy after %v, want it after the 3 s wait", d)
	}
	if n := count(t, db, "SELECT count(*) FROM batches"); n != 0 {
		t.Fatalf("%d batches after ErrBusy", n)
	}
	release = hold()
	time.AfterFunc(300*time.Millisecond, release)
	if _, err := db.SaveBatch(ctx, batchRecord(b), nil); err != nil {
		t.Fatalf("lock released after 0.3 s: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM batches"); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
}
