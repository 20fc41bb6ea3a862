package postgres

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/klauspost/compress/s2"
	"github.com/lib/pq"
)

// Integrity errors (migration 0002). Errors of Verify and of reading a
// stored batch wrap one of these when the batch cannot be trusted.
var (
	// ErrIntegrity: what is stored no longer matches the digests recorded
	// when the batch was stored: it was changed outside govscore (with
	// the triggers disabled, or by a superuser).
	ErrIntegrity = errors.New("the stored batch does not match the digest recorded when it was stored: it was changed outside govscore")
	// ErrNoDigest: the batch was stored before schema version 2 and has
	// no digest to check it against.
	ErrNoDigest = errors.New("the batch has no digest (stored before schema version 2, or its digest was removed): it cannot be verified")
)

// sqlBatchDigest computes the digest of batch $1 from its stored rows:
// SHA-256 of its identity (with its indicator set, the YAML's own SHA-256
// included) followed by, for its subjects (in ord order), warnings (in seq
// order) and output digests (in name order), the row count and the
// SHA-256 of each row's text form (a subject row's explain column, from
// migration 0004, only when it is not NULL, so that the digests of
// batches stored before it are unchanged). Floats print in their shortest exact
// form (extra_float_digits > 0, set by digestTx), timestamps as
// microseconds since the epoch, so the digest depends only on the stored
// values. Status, approval and publication are not covered: they change
// by design, under the guard of migration 0002.
const sqlBatchDigest = sqlDigestIdentity + sqlDigestSubjects1 + sqlDigestRest

// sqlBatchDigest2 is sqlBatchDigest in digest scheme 2 (digest2.go): the
// subject rows' part is $2, their hash computed by govscore.
const sqlBatchDigest2 = sqlDigestIdentity + `|| $2::bytea` + sqlDigestRest

// sqlBatchDigest2Copied is sqlBatchDigest2 as the batch is stored: the
// subjects' count is $3, what the COPYs that stored the rows reported,
// instead of a count over the table (the same number in the transaction
// that inserted the batches row).
const sqlBatchDigest2Copied = sqlDigestIdentityHead + `$3::bigint` + sqlDigestCountEnd + `|| $2::bytea` + sqlDigestRest

// The parts of sqlBatchDigest: the identity and the subjects' count, the
// subject rows hashed by the server (scheme 1), the warnings and outputs.
const (
	sqlDigestIdentity     = sqlDigestIdentityHead + `(SELECT count(*) FROM batch_subjects WHERE batch_id = $1)` + sqlDigestCountEnd
	sqlDigestIdentityHead = `SELECT encode(sha256(
	convert_to((SELECT ROW(b.id, s.set_id, s.name, s.version, s.sha256, encode(sha256(convert_to(s.yaml, 'UTF8')), 'hex'),
		b.period, b.data_sha256, b.engine_version, (extract(epoch FROM b.generated_at) * 1000000)::bigint,
		b.composites, b.leaves, b.subjects, b.rated, (extract(epoch FROM b.created_at) * 1000000)::bigint, b.created_by)::text
		FROM batches b JOIN indicator_sets s ON s.id = b.set_version WHERE b.id = $1), 'UTF8')
	|| convert_to(';subjects ' || `
	sqlDigestCountEnd = ` || ';', 'UTF8')
	`
	sqlDigestSubjects1 = `|| coalesce((SELECT string_agg(sha256(convert_to(CASE WHEN x.explain IS NULL
		THEN ROW(x.ord, x.subject, x.name, x.kind, x.peer_group, x.rated, x.rank, x.score,
			x.grade, x.coverage, x.vetoed, x.nodes, x.raw, x.value, x.status, x.weight)::text
		ELSE ROW(x.ord, x.subject, x.name, x.kind, x.peer_group, x.rated, x.rank, x.score,
			x.grade, x.coverage, x.vetoed, x.nodes, x.raw, x.value, x.status, x.weight, x.explain)::text END, 'UTF8')), ''::bytea
		ORDER BY x.ord, x.subject COLLATE "C") FROM batch_subjects x WHERE x.batch_id = $1), ''::bytea)`
	sqlDigestRest = `
	|| convert_to(';warnings ' || (SELECT count(*) FROM batch_warnings WHERE batch_id = $1) || ';', 'UTF8')
	|| coalesce((SELECT string_agg(sha256(convert_to(ROW(w.seq, w.file, w.line, w.col, w.peer_group, w.subject, w.node, w.message)::text, 'UTF8')), ''::bytea
		ORDER BY w.seq) FROM batch_warnings w WHERE w.batch_id = $1), ''::bytea)
	|| convert_to(';outputs ' || (SELECT count(*) FROM batch_outputs WHERE batch_id = $1) || ';', 'UTF8')
	|| coalesce((SELECT string_agg(sha256(convert_to(ROW(o.name, o.sha256, o.bytes)::text, 'UTF8')), ''::bytea
		ORDER BY o.name COLLATE "C") FROM batch_outputs o WHERE o.batch_id = $1), ''::bytea)
), 'hex')`
)

const (
	sqlSetDigest     = `UPDATE batches SET sha256 = $2, digest_scheme = $3 WHERE id = $1`
	sqlStoredDigest  = `SELECT sha256 FROM batches WHERE id = $1`
	sqlStoredScheme  = `SELECT sha256, digest_scheme FROM batches WHERE id = $1`
	sqlInsertOutputs = `INSERT INTO batch_outputs (batch_id, name, sha256, bytes, cells_at, cells_bytes)
	SELECT $1, unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[])`
	sqlOutputDigests    = `SELECT name, sha256, bytes FROM batch_outputs WHERE batch_id = $1 ORDER BY name COLLATE "C"`
	sqlFloatDigits      = `SET LOCAL extra_float_digits = 3`
	sqlReadOnlySnapshot = `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`
)

// OutputDigest is the SHA-256 and size of one stored output file, of its
// uncompressed bytes.
type OutputDigest struct {
	Name   string `db:"name"`
	SHA256 string `db:"sha256"`
	Bytes  int64  `db:"bytes"`
}

// Verification is what Verify checked.
type Verification struct {
	// SHA256 is the digest of the whole batch, recomputed and equal to
	// the one recorded.
	SHA256 string
	// Outputs are the output files whose bytes were read back and found
	// equal to their recorded digests (only when Verify read them).
	Outputs []OutputDigest
}

// digestTx prepares tx for sqlBatchDigest: floats in their shortest exact
// text form whatever the session's setting.
func (db *DB) digestTx(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, sqlFloatDigits); err != nil {
		return db.mapError(ctx, "computing the batch digest", err)
	}
	return nil
}

// recordDigest stores the output digests of batch id and then the digest
// of the whole batch, last thing before the commit of SaveBatch: from
// then on the batch's results cannot change (migration 0002). rowsSum is
// the subject rows' digest in scheme 2 (digest2.go), computed while they
// were sent, with the count of rows the server stored; nil has the server
// hash them (scheme 1).
func (db *DB) recordDigest(ctx context.Context, tx *sqlx.Tx, id int64, outs []OutputDigest, cuts []cellsCut, rows *subjectDigest) error {
	if len(outs) > 0 {
		names, sums, sizes := make([]string, len(outs)), make([]string, len(outs)), make([]int64, len(outs))
		cellsAt, cellsBytes := make([]sql.NullInt64, len(outs)), make([]sql.NullInt64, len(outs))
		for i, o := range outs {
			names[i], sums[i], sizes[i] = o.Name, o.SHA256, o.Bytes
			if i < len(cuts) && cuts[i].valid {
				cellsAt[i] = sql.NullInt64{Int64: cuts[i].at, Valid: true}
				cellsBytes[i] = sql.NullInt64{Int64: cuts[i].n, Valid: true}
			}
		}
		if _, err := tx.ExecContext(ctx, sqlInsertOutputs, id, pq.Array(names), pq.Array(sums), pq.Array(sizes), pq.Array(cellsAt), pq.Array(cellsBytes)); err != nil {
			return db.mapError(ctx, "storing output digests", err)
		}
	}
	if err := db.digestTx(ctx, tx); err != nil {
		return err
	}
	var sum string
	var err error
	if rows != nil {
		err = tx.GetContext(ctx, &sum, sqlBatchDigest2Copied, id, rows.sum(), rows.copied)
		if err != nil {
			return db.mapError(ctx, "computing the batch digest", err)
		}
	} else if sum, err = db.batchDigest(ctx, tx, id, nil); err != nil {
		return err
	}
	scheme := sql.NullInt16{}
	if rows != nil {
		scheme = sql.NullInt16{Int16: digestScheme2, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, sqlSetDigest, id, sum, scheme); err != nil {
		return db.mapError(ctx, "storing the batch digest", err)
	}
	return nil
}

// batchDigest computes the digest of batch id in tx (prepared by digestTx):
// in scheme 2 with the subject rows' hash rowsSum, in scheme 1 when it is
// nil.
func (db *DB) batchDigest(ctx context.Context, tx *sqlx.Tx, id int64, rowsSum []byte) (string, error) {
	var sum string
	var err error
	if rowsSum != nil {
		err = tx.GetContext(ctx, &sum, sqlBatchDigest2, id, rowsSum)
	} else {
		err = tx.GetContext(ctx, &sum, sqlBatchDigest, id)
	}
	if err != nil {
		return "", db.mapError(ctx, "computing the batch digest", err)
	}
	return sum, nil
}

// Verify checks batch id against the digests recorded when it was stored:
// the digest of the whole batch (identity, indicator set, results,
// warnings, output digests) recomputed from the stored rows and, when
// outputs is true, every output file read back, decompressed and hashed.
// It reads from one snapshot. A mismatch wraps ErrIntegrity, a batch
// without a digest ErrNoDigest, a missing batch ErrNotFound.
func (db *DB) Verify(ctx context.Context, id int64, outputs bool) (*Verification, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, db.mapError(ctx, "verifying the batch", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqlReadOnlySnapshot); err != nil {
		return nil, db.mapError(ctx, "verifying the batch", err)
	}
	if err := db.digestTx(ctx, tx); err != nil {
		return nil, err
	}
	var stored struct {
		SHA256 sql.NullString `db:"sha256"`
		Scheme sql.NullInt16  `db:"digest_scheme"`
	}
	if err := tx.GetContext(ctx, &stored, sqlStoredScheme, id); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	if !stored.SHA256.Valid {
		return nil, fmt.Errorf("batch %d: %w", id, ErrNoDigest)
	}
	var rowsSum []byte
	switch {
	case !stored.Scheme.Valid:
	case stored.Scheme.Int16 == digestScheme2:
		rows, err := tx.QueryContext(ctx, sqlVerifyRows, id)
		if err != nil {
			return nil, db.mapError(ctx, "verifying the batch", err)
		}
		rowsSum, err = storedRowsDigest(rows, id)
		rows.Close()
		if errors.Is(err, ErrIntegrity) {
			return nil, err
		}
		if err != nil {
			return nil, db.mapError(ctx, "verifying the batch", err)
		}
	default:
		return nil, fmt.Errorf("batch %d: digest scheme %d is not one this build knows (upgrade govscore): %w", id, stored.Scheme.Int16, ErrIntegrity)
	}
	sum, err := db.batchDigest(ctx, tx, id, rowsSum)
	if err != nil {
		return nil, err
	}
	if sum != stored.SHA256.String {
		return nil, fmt.Errorf("batch %d: digest recorded %s, the stored rows give %s: %w", id, stored.SHA256.String, sum, ErrIntegrity)
	}
	v := &Verification{SHA256: sum}
	if !outputs {
		return v, nil
	}
	var outs []OutputDigest
	if err := tx.SelectContext(ctx, &outs, sqlOutputDigests, id); err != nil {
		return nil, db.mapError(ctx, "verifying outputs", err)
	}
	var names []string
	if err := tx.SelectContext(ctx, &names, sqlFileNames, id); err != nil {
		return nil, db.mapError(ctx, "verifying outputs", err)
	}
	for _, n := range names {
		if !slices.ContainsFunc(outs, func(o OutputDigest) bool { return o.Name == n }) {
			return nil, fmt.Errorf("batch %d: file %s is stored without a recorded digest: %w", id, n, ErrIntegrity)
		}
	}
	for _, o := range outs {
		if err := db.writeOutput(ctx, tx, id, o.Name, &o, io.Discard); err != nil {
			return nil, err
		}
		v.Outputs = append(v.Outputs, o)
	}
	return v, nil
}

// outputDigest returns the recorded digest of output name of batch id, nil
// when the batch has none (stored before schema version 2).
func (db *DB) outputDigest(ctx context.Context, id int64, name string) (*OutputDigest, bool, error) {
	var has sql.NullString
	if err := db.x.GetContext(ctx, &has, sqlStoredDigest, id); err != nil {
		return nil, false, db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	var o OutputDigest
	err := db.x.GetContext(ctx, &o, `SELECT name, sha256, bytes FROM batch_outputs WHERE batch_id = $1 AND name = $2`, id, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, has.Valid, nil
	}
	if err != nil {
		return nil, has.Valid, db.mapError(ctx, "reading "+name, err)
	}
	return &o, has.Valid, nil
}

// s2Magic begins every S2 stream: its stream identifier chunk.
var s2Magic = []byte("\xff\x06\x00\x00S2sTwO")

// chunkDecoder reads a stored file from its chunks in order: S2 streams
// (fileStore), or gzip members for batches stored before; the first bytes
// tell which.
func chunkDecoder(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(s2Magic))
	if err != nil && err != io.EOF {
		return nil, err
	}
	if bytes.Equal(head, s2Magic) {
		return s2.NewReader(br, s2.ReaderMaxBlockSize(s2MaxBlock)), nil
	}
	if len(head) == 0 {
		return br, nil // an empty file: S2 writes no bytes for it
	}
	return gzip.NewReader(br)
}

// s2MaxBlock is the block size of the S2 writers (s2.NewWriter's
// default): the reader needs no larger buffers.
const s2MaxBlock = 1 << 20

// hashWriter counts and hashes what passes through it to w.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newHashWriter(w io.Writer) *hashWriter { return &hashWriter{w: w, h: sha256.New()} }

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

func (hw *hashWriter) digest(name string) OutputDigest {
	return OutputDigest{Name: name, SHA256: hex.EncodeToString(hw.h.Sum(nil)), Bytes: hw.n}
}

// writeOutput streams output name of batch id, decompressed, to w through
// q, and, when want is not nil, checks its bytes against it: a mismatch
// (after w got the bytes: write to a staging file) wraps ErrIntegrity.
func (db *DB) writeOutput(ctx context.Context, q sqlx.QueryerContext, id int64, name string, want *OutputDigest, w io.Writer) error {
	cut, err := storedCut(ctx, q, id, name)
	if err != nil {
		return db.mapError(ctx, "reading "+name, err)
	}
	kind := cellsKindOf(name)
	if cut.valid && kind == cellsNone {
		return fmt.Errorf("batch %d: %s has cells recorded as left out, but holds none: %w", id, name, ErrIntegrity)
	}
	hw := newHashWriter(w)
	cr := &chunkReader{ctx: ctx, q: q, id: id, name: name}
	zr, err := chunkDecoder(cr)
	// An output whose cells were left out: the stored bytes before them,
	// the cells rendered from the batch's rows, then the stored rest.
	if err == nil && cut.valid {
		var n int64
		if n, err = io.CopyN(hw, zr, cut.at); err == io.EOF {
			err = fmt.Errorf("%d bytes stored before the cells, %d recorded: %w", n, cut.at, ErrIntegrity)
		}
		if err == nil {
			n, rerr := renderCells(ctx, q, id, kind, hw)
			switch {
			case rerr != nil && !errors.Is(rerr, ErrIntegrity):
				return db.mapError(ctx, "reading "+name, rerr)
			case rerr != nil:
				err = rerr
			case n != cut.n:
				err = fmt.Errorf("the cells rendered from the batch's rows are %d bytes, %d were left out: %w", n, cut.n, ErrIntegrity)
			}
		}
	}
	if err == nil {
		_, err = io.Copy(hw, zr)
	}
	if cr.err != nil && cr.err != io.EOF {
		return db.mapError(ctx, "reading "+name, cr.err)
	}
	switch {
	case errors.Is(err, ErrIntegrity):
		return fmt.Errorf("batch %d: reading %s: %w", id, name, err)
	case err != nil && want == nil:
		return fmt.Errorf("reading %s of batch %d: %w", name, id, err)
	case want == nil:
		return nil
	case err != nil:
		return fmt.Errorf("batch %d: %s cannot be read back (%v): %w", id, name, err, ErrIntegrity)
	}
	if got := hw.digest(name); got != *want {
		return fmt.Errorf("batch %d: %s has %d bytes with sha256 %s, recorded %d bytes with sha256 %s: %w",
			id, name, got.Bytes, got.SHA256, want.Bytes, want.SHA256, ErrIntegrity)
	}
	return nil
}

// storedCut is where output name of batch id had its cells left out
// (batch_outputs' cells_at and cells_bytes), valid false when it is
// stored whole.
func storedCut(ctx context.Context, q sqlx.QueryerContext, id int64, name string) (cellsCut, error) {
	var at, n sql.NullInt64
	err := q.QueryRowxContext(ctx, `SELECT cells_at, cells_bytes FROM batch_outputs WHERE batch_id = $1 AND name = $2`, id, name).Scan(&at, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return cellsCut{}, nil
	}
	if err != nil {
		return cellsCut{}, err
	}
	return cellsCut{at: at.Int64, n: n.Int64, valid: at.Valid && n.Valid}, nil
}
