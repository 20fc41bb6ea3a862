package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govscore/govscore/scoring"
)

// sqlSetCounts records the counts of a batch stored group by group
// (GroupBatch), inserted with (-1, -1) before its rows (migration 0012).
const sqlSetCounts = `UPDATE batches SET subjects = $2, rated = $3 WHERE id = $1 AND subjects = -1 AND rated = -1`

// sqlBatchLockWait bounds openBatch's wait for the batch's lock.
const sqlBatchLockWait = `SET LOCAL lock_timeout = '3s'`

// openBatch begins the transaction that stores batch b on conn: it takes
// the batch's advisory lock (ErrBusy when another process holds it for
// more than 3 s), stores the indicator set (once per SHA-256),
// checks that no batch holds the same set, period and data, and inserts
// the batches row that row returns for the set's version. It returns the
// transaction, which the caller commits or rolls back, and the batch id.
func (db *DB) openBatch(ctx context.Context, conn *sqlx.Conn, b *BatchRecord, row func(setVersion int64) batchInsertRow) (*sqlx.Tx, int64, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return nil, 0, db.mapError(ctx, "storing the batch", err)
	}
	fail := func(err error) (*sqlx.Tx, int64, error) {
		tx.Rollback()
		return nil, 0, err
	}
	// The batch's lock, waited for a moment: a run cancelled or failed
	// just before leaves its server process rolling back, the lock held,
	// until the server notices the connection gone (a fraction of a
	// second); another process storing the batch holds it for as long as
	// that takes, and this one is told so (ErrBusy).
	if _, err := tx.ExecContext(ctx, sqlBatchLockWait); err != nil {
		return fail(db.mapError(ctx, "storing the batch", err))
	}
	_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, batchKey(b))
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == codeLockWait {
		return fail(fmt.Errorf("storing the batch of %s for %s: %w", b.Set.ID, b.Period, ErrBusy))
	}
	if err != nil {
		return fail(db.mapError(ctx, "storing the batch", err))
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout TO DEFAULT`); err != nil {
		return fail(db.mapError(ctx, "storing the batch", err))
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
	var id int64
	err = tx.GetContext(ctx, &id, sqlInsertBatch, args...)
	if errors.As(err, &pe) && pe.Code == codeUnique {
		return fail(fmt.Errorf("a batch of indicator set %s version %q, period %s and this data was stored meanwhile: %w", set.ID, set.Version, b.Period, ErrBatchExists))
	}
	if err != nil {
		return fail(db.mapError(ctx, "storing the batch", err))
	}
	return tx, id, nil
}

// GroupBatch stores a batch scored one peer group at a time (a run by
// peer group) as the groups come: the first group's Add opens the
// transaction, takes the batch's lock, checks that no batch holds the
// same set, period and data (ErrBusy and ErrBatchExists come then, before
// any other group is scored) and inserts the batches row with its counts
// unknown (migration 0012); each group's batch_subjects rows go with a
// COPY of their own, in COPY's binary format (the text format when the
// connection cannot be taken over); Save records the counts, the
// warnings, the outputs and the digest and commits. The stored batch is
// the one SaveBatch stores for the whole batch, row for row, digest
// included. What is held is one group's record at a time and one
// connection, with its transaction open from the first group to Save;
// nothing goes to a temporary file. Close rolls back what Save did not
// commit.
type GroupBatch struct {
	db       *DB
	conn     *sqlx.Conn
	tx       *sqlx.Tx
	id       int64
	head     *BatchRecord // the first group's identity
	subjects int
	rated    int
	digest   *subjectDigest // the rows' hash, digest scheme 2; nil for scheme 1 (text COPY)
	done     bool
}

// NewGroupBatch returns a GroupBatch storing into db.
func (db *DB) NewGroupBatch() *GroupBatch { return &GroupBatch{db: db} }

// Add stores the rows of one peer group's part of the batch, the groups
// coming in output order: part's Subjects and Result are the group's, its
// Ord is set here; its Set, SetSHA256, Period, DataSHA256,
// EngineVersion and GeneratedAt are the batch's (the first group's open
// the batch).
func (s *GroupBatch) Add(ctx context.Context, part *BatchRecord) error {
	db := s.db
	if s.done {
		return errors.New("storing the batch: a group added after Save")
	}
	if s.tx == nil {
		if err := s.open(ctx, part); err != nil {
			return err
		}
	}
	part.Ord = s.subjects
	d, err := db.copySubjects(ctx, s.conn, s.id, part, s.digest)
	if err != nil {
		return err
	}
	if d == nil && s.digest != nil && s.subjects > 0 {
		return errors.New("storing results: COPY's binary format, used for the first groups, is no longer available")
	}
	s.digest = d // nil from the first group on: scheme 1 for the whole batch
	s.subjects += len(part.Result.Subjects)
	for i := range part.Result.Subjects {
		if part.Result.Subjects[i].Rated {
			s.rated++
		}
	}
	return nil
}

// open begins the batch's transaction with the identity of head and
// inserts its batches row with unknown counts.
func (s *GroupBatch) open(ctx context.Context, head *BatchRecord) error {
	db := s.db
	conn, err := db.x.Connx(ctx)
	if err != nil {
		return db.mapError(ctx, "storing the batch", err)
	}
	row := func(setVersion int64) batchInsertRow {
		r := *head
		r.Result = &scoring.Result{}
		br := toBatchInsertRow(&r, setVersion)
		br.Subjects, br.Rated = -1, -1
		return br
	}
	tx, id, err := db.openBatch(ctx, conn, head, row)
	if err != nil {
		conn.Close()
		return err
	}
	s.conn, s.tx, s.id, s.head = conn, tx, id, head
	if !textCopyOnly {
		s.digest = newSubjectDigest()
	}
	return nil
}

// Save completes the batch, in the transaction of its groups: head gives
// its identity, which must be the groups' (its Subjects and Result are not
// read), and its warnings; outputs its files. It returns the batch id.
// With no group added, nothing is stored.
func (s *GroupBatch) Save(ctx context.Context, head *BatchRecord, outputs []Output) (int64, error) {
	db := s.db
	if s.tx == nil {
		return 0, errors.New("storing the batch: no peer group was added")
	}
	if s.done {
		return 0, errors.New("storing the batch: saved already")
	}
	s.done = true
	h := s.head
	if head.SetSHA256 != h.SetSHA256 || head.Period != h.Period || head.DataSHA256 != h.DataSHA256 ||
		head.EngineVersion != h.EngineVersion || !head.GeneratedAt.Equal(h.GeneratedAt) {
		return 0, fmt.Errorf("storing the batch: its head (%s %s, data %.12s) is not its groups' (%s %s, data %.12s)",
			head.Set.ID, head.Period, head.DataSHA256, h.Set.ID, h.Period, h.DataSHA256)
	}
	res, err := s.tx.ExecContext(ctx, sqlSetCounts, s.id, s.subjects, s.rated)
	if err != nil {
		return 0, db.mapError(ctx, "storing the batch", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, fmt.Errorf("storing the batch: batch %d's counts were set meanwhile", s.id)
	}
	if len(head.Warnings) > 0 {
		if _, err := copyIn(ctx, s.conn, sqlCopyWarnings, func(w *copyWriter) error { return encodeWarnings(w, s.id, head) }); err != nil {
			return 0, db.mapError(ctx, "storing warnings", err)
		}
	}
	connFree := make(chan struct{})
	close(connFree)
	sums, cuts, err := db.storeFiles(ctx, s.tx.Tx, s.conn, s.id, outputs, connFree)
	if err != nil {
		return 0, err
	}
	if err := db.commitBatch(ctx, s.tx, s.id, sums, cuts, s.digest, nil); err != nil {
		return 0, err
	}
	return s.id, nil
}

// Close rolls back a batch that Save did not commit and releases its
// connection.
func (s *GroupBatch) Close() error {
	if s.tx == nil {
		return nil
	}
	s.tx.Rollback()
	err := s.conn.Close()
	s.tx, s.done = nil, true
	return err
}
