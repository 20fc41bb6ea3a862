package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestDigestScheme2 stores the example batch with values whose jsonb form
// differs from what govscore sends (−0 and missing node values, −0 root
// and points, names COPY and JSON escape) through COPY's binary format
// (digest scheme 2) and its text format (scheme 1), with two ranked
// composites: both verify (until a node rank is changed), each records its
// scheme, and a scheme-2 digest does not depend on how the
// rows were stored (the scheme-1 one of the same rows differs).
func TestDigestScheme2(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	var sums [2]string
	for i, text := range []bool{false, true} {
		b := exampleBatch(t)
		res := b.Result
		subs := b.Project.Data.Subjects
		comps := batchRecord(b).composites()
		for j, si := range res.Order[:6] {
			r := &res.Subjects[si]
			switch j {
			case 0:
				r.Nodes[comps[0].Index] = math.Copysign(0, -1)
				r.RootValue = math.Copysign(0, -1)
			case 1:
				r.Nodes[comps[len(comps)-1].Index] = math.NaN()
				r.RootValue = math.NaN()
			case 2:
				for k := range r.Adjustments {
					r.Adjustments[k].Points = math.Copysign(0, -1)
				}
			case 3:
				subs[si].Name = "tab\there \"quoted\" back\\slash \\N 名称 \u2028"
			case 4:
				r.Nodes[comps[0].Index] = 1e-7
				r.RootValue = 1.5e300
			}
		}
		// Two ranked composites, in tree order not that of their ids, with
		// a subject without a rank on one (node_ranks leaves it out).
		if res.NodeRanks == nil {
			res.NodeRanks = make([][]int32, len(b.Project.Set.Nodes)+1)
		}
		for j, c := range []int{len(comps) - 1, 0} {
			comps[c].Rank = true
			ranks := make([]int32, len(subs))
			for si := range ranks {
				ranks[si] = int32((si + j) % 4) // 0: no rank
			}
			res.NodeRanks[comps[c].Index] = ranks
		}
		b.Meta.DataSHA256 = strings.Repeat(string(rune('a'+i)), 64)
		textCopyOnly = text
		id, err := db.SaveBatch(ctx, batchRecord(b), nil)
		textCopyOnly = false
		if err != nil {
			t.Fatalf("text=%v: %v", text, err)
		}
		var scheme sql.NullInt16
		if err := db.x.Get(&scheme, `SELECT digest_scheme FROM batches WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if want := !text; scheme.Valid != want || (want && scheme.Int16 != digestScheme2) {
			t.Errorf("text=%v: digest_scheme = %v, want scheme 2: %v", text, scheme, want)
		}
		v, err := db.Verify(ctx, id, true)
		if err != nil {
			t.Fatalf("text=%v: verify: %v", text, err)
		}
		sums[i] = v.SHA256
		// The stored rows' scheme-2 hash equals the one computed while
		// sending (for the binary batch: it is what the digest holds).
		tx, err := db.x.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.digestTx(ctx, tx); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, sqlVerifyRows, id)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := storedRowsDigest(rows, id)
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		d := newSubjectDigest()
		w := &copyWriter{buf: make([]byte, 0, copyChunk+4096), send: func([]byte) error { return nil }}
		w.sendRaw = func([]byte) error { return nil }
		rec := batchRecord(b)
		if err := encodeSubjectsBinary(w, id, rec, d); err != nil {
			t.Fatal(err)
		}
		if got, want := string(d.sum()), string(stored); got != want {
			t.Errorf("text=%v: the rows' hash while sending %x, from the stored rows %x", text, got, want)
		}
		tx.Rollback()
		// A changed node rank is found.
		if _, err := db.x.Exec(`ALTER TABLE batch_subjects DISABLE TRIGGER USER;
			UPDATE batch_subjects SET explain = jsonb_set(explain, ARRAY['node_ranks', (SELECT min(k) FROM jsonb_object_keys(explain->'node_ranks') k)], '9')
			WHERE batch_id = ` + fmt.Sprint(id) + ` AND explain->'node_ranks' <> '{}';
			ALTER TABLE batch_subjects ENABLE TRIGGER USER`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Verify(ctx, id, false); !errors.Is(err, ErrIntegrity) {
			t.Errorf("text=%v: verify after a node rank changed = %v, want ErrIntegrity", text, err)
		}
	}
	if sums[0] == sums[1] {
		t.Error("the scheme-1 and scheme-2 digests of two batches are equal")
	}
}

// TestDigestScheme2RejectsForeignValues: values govscore never stores (a
// NaN score, a node value that is not a number, an explanation that is not
// an object) fail verification with ErrIntegrity naming the subject; an
// empty array, well formed, fails it as a changed value.
func TestDigestScheme2RejectsForeignValues(t *testing.T) {
	for _, tc := range []struct {
		q     string
		named bool
	}{
		{`UPDATE batch_subjects SET score = 'NaN' WHERE batch_id = $1 AND ord = 0`, true},
		{`UPDATE batch_subjects SET nodes = jsonb_set(nodes, ARRAY[(SELECT min(k) FROM jsonb_object_keys(nodes) k)], '"x"') WHERE batch_id = $1 AND ord = 0`, true},
		{`UPDATE batch_subjects SET explain = '[1]' WHERE batch_id = $1 AND ord = 0`, true},
		{`UPDATE batch_subjects SET raw = '{}' WHERE batch_id = $1 AND ord = 0`, false},
	} {
		q := tc.q
		db := open(t)
		ctx := context.Background()
		id, err := db.SaveBatch(ctx, batchRecord(exampleBatch(t)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.x.Exec(`ALTER TABLE batch_subjects DISABLE TRIGGER USER; ` + strings.ReplaceAll(q, "$1", fmt.Sprint(id)) + `; ALTER TABLE batch_subjects ENABLE TRIGGER USER`); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		_, err = db.Verify(ctx, id, false)
		if !errors.Is(err, ErrIntegrity) || tc.named != strings.Contains(err.Error(), "subject") {
			t.Errorf("after %s: verify = %v, want ErrIntegrity (naming the subject: %v)", q, err, tc.named)
		}
	}
}
