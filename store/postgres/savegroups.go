package postgres

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govscore/govscore/internal/spool"
	"github.com/govscore/govscore/scoring"
)

const (
	// sqlNextBatchID reserves the id of a batch stored group by group
	// (BatchSpool): its rows are encoded before the batch is inserted.
	sqlNextBatchID = `SELECT nextval(pg_get_serial_sequence('batches', 'id'))`
	// sqlInsertBatchID is sqlInsertBatch with the id reserved.
	sqlInsertBatchID = `INSERT INTO batches (id, set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated)
VALUES ($10, $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
)

// openBatch begins the transaction that stores batch b on conn: it takes
// the batch's advisory lock, stores the indicator set (once per SHA-256),
// checks that no batch holds the same set, period and data, and inserts
// the batches row that row returns for the set's version — with the id
// reserved when id > 0. It returns the transaction, which the caller
// commits or rolls back, and the batch id.
func (db *DB) openBatch(ctx context.Context, conn *sqlx.Conn, b *BatchRecord, row func(setVersion int64) batchInsertRow, id int64) (*sqlx.Tx, int64, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return nil, 0, db.mapError(ctx, "storing the batch", err)
	}
	fail := func(err error) (*sqlx.Tx, int64, error) {
		tx.Rollback()
		return nil, 0, err
	}
	var locked bool
	if err := tx.GetContext(ctx, &locked, `SELECT pg_try_advisory_xact_lock($1)`, batchKey(b)); err != nil {
		return fail(db.mapError(ctx, "storing the batch", err))
	}
	if !locked {
		return fail(fmt.Errorf("storing the batch of %s for %s: %w", b.Set.ID, b.Period, ErrBusy))
	}
	set := b.Set
	sr := toSetRow(b)
	var setVersion int64
	if err := tx.GetContext(ctx, &setVersion, sqlUpsertSet, sr.SetID, sr.Name, sr.Version, sr.SHA256, sr.YAML); err != nil {
		return fail(db.mapError(ctx, "storing the indicator set", err))
	}
	var existing struct {
		ID     int64  `db:"id"`
		Status string `db:"status"`
	}
	err = tx.GetContext(ctx, &existing, sqlFindBatch, setVersion, b.Period, b.DataSHA256)
	if err == nil {
		return fail(fmt.Errorf("batch %d (%s) already holds indicator set %s version %q, period %s and this data (sha256 %.12s…): %w",
			existing.ID, existing.Status, set.ID, set.Version, b.Period, b.DataSHA256, ErrBatchExists))
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fail(db.mapError(ctx, "storing the batch", err))
	}
	br := row(setVersion)
	args := []any{br.SetVersion, br.Period, br.DataSHA256, br.EngineVersion,
		br.GeneratedAt, pq.Array(br.Composites), pq.Array(br.Leaves), br.Subjects, br.Rated}
	q := sqlInsertBatch
	if id > 0 {
		q, args = sqlInsertBatchID, append(args, id)
	}
	err = tx.GetContext(ctx, &id, q, args...)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == codeUnique {
		return fail(fmt.Errorf("a batch of indicator set %s version %q, period %s and this data was stored meanwhile: %w", set.ID, set.Version, b.Period, ErrBatchExists))
	}
	if err != nil {
		return fail(db.mapError(ctx, "storing the batch", err))
	}
	return tx, id, nil
}

// BatchSpool stores a batch scored one peer group at a time (a run by
// peer group): each group's batch_subjects rows are encoded as the group
// comes (Add), in COPY's binary format, into a temporary file compressed
// with zstd (spool), and sent with the rest of the batch once every group
// is known (Save), decompressed as it is read — the batches row, which
// records the number of rated subjects and cannot change once inserted,
// goes first. The stored batch is the one SaveBatch stores for the whole
// batch, row for row, digest included. What is held in memory is one
// group's record at a time and the spool's bounded buffers. Close removes
// the file.
type BatchSpool struct {
	db       *DB
	id       int64
	f        *spool.File
	subjects int
	rated    int
	digest   *subjectDigest // the rows' hash, digest scheme 2
}

// NewBatchSpool reserves a batch id and creates the spool file in dir
// ("" = the system's temporary directory).
func (db *DB) NewBatchSpool(ctx context.Context, dir string) (*BatchSpool, error) {
	var id int64
	if err := db.x.GetContext(ctx, &id, sqlNextBatchID); err != nil {
		return nil, db.mapError(ctx, "storing the batch", err)
	}
	f, err := spool.CreateTemp(dir, "govscore-batch-", true)
	if err != nil {
		return nil, err
	}
	return &BatchSpool{db: db, id: id, f: f, digest: newSubjectDigest()}, nil
}

// Add encodes the rows of one peer group's part of the batch, the groups
// coming in output order: part's Subjects and Result are the group's, its
// Ord is set here.
func (s *BatchSpool) Add(part *BatchRecord) error {
	part.Ord = s.subjects
	skip := 0
	if s.subjects > 0 {
		skip = len(binHeader) // one header, before the first group's rows
	}
	w := &copyWriter{buf: make([]byte, 0, copyChunk+4096), send: func(buf []byte) error {
		n := min(skip, len(buf))
		skip -= n
		_, err := s.f.Write(buf[n:])
		return err
	}}
	w.sendRaw = func(p []byte) error { _, err := s.f.Write(p); return err }
	if err := encodeSubjectsBinary(w, s.id, part, s.digest); err != nil {
		return err
	}
	if err := w.flush(); err != nil {
		return err
	}
	s.subjects += len(part.Result.Subjects)
	for i := range part.Result.Subjects {
		if part.Result.Subjects[i].Rated {
			s.rated++
		}
	}
	return nil
}

// Save stores the batch as SaveBatch does, in one transaction: head gives
// its set, provenance and warnings (its Subjects and Result are not read),
// the spooled rows its subjects, outputs its files. It returns the batch
// id.
func (s *BatchSpool) Save(ctx context.Context, head *BatchRecord, outputs []Output) (int64, error) {
	db := s.db
	if err := s.f.Finish(); err != nil {
		return 0, err
	}
	conn, err := db.x.Connx(ctx)
	if err != nil {
		return 0, db.mapError(ctx, "storing the batch", err)
	}
	defer conn.Close()
	row := func(setVersion int64) batchInsertRow {
		r := *head
		r.Result = &scoring.Result{}
		br := toBatchInsertRow(&r, setVersion)
		br.Subjects, br.Rated = s.subjects, s.rated
		return br
	}
	tx, id, err := db.openBatch(ctx, conn, head, row, s.id)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	spooled, err := s.f.Reader()
	if err != nil {
		return 0, err
	}
	defer spooled.Close()
	_, err = copyBinaryIn(ctx, conn, sqlCopyBatchSubjectsBinary, func(w *copyWriter) error {
		r := bufio.NewReaderSize(spooled, copyChunk)
		for {
			line := w.line()
			n, err := io.ReadFull(r, line[len(line):cap(line)][:copyChunk])
			if n > 0 {
				if err := w.endLine(line[:len(line)+n]); err != nil {
					return err
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
	if errors.Is(err, errNoBinaryCopy) {
		return 0, fmt.Errorf("storing a batch by peer group needs COPY's binary format: %w", err)
	}
	if err != nil {
		return 0, db.mapError(ctx, "storing results", err)
	}
	if len(head.Warnings) > 0 {
		if _, err := copyIn(ctx, conn, sqlCopyWarnings, func(w *copyWriter) error { return encodeWarnings(w, id, head) }); err != nil {
			return 0, db.mapError(ctx, "storing warnings", err)
		}
	}
	connFree := make(chan struct{})
	close(connFree)
	sums, cuts, err := db.storeFiles(ctx, tx.Tx, conn, id, outputs, connFree)
	if err != nil {
		return 0, err
	}
	if err := db.commitBatch(ctx, tx, id, sums, cuts, s.digest.sum(), nil); err != nil {
		return 0, err
	}
	return id, nil
}

// Close removes the spool file.
func (s *BatchSpool) Close() error { return s.f.Remove() }
