package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/dataset"
)

// sqlColumnBlocks reads the blocks of one metric column of a period
// (metric_blocks, migration 0011): each block's first subject id and its
// values in array_send's form, 12 bytes a cell (4 for a subject without
// one), 24 of hex on the wire. A million subjects' column is 16 blocks of
// up to 768 KB, however the subject ids are spread.
const sqlColumnBlocks = `SELECT first_id, array_send(vals) FROM metric_blocks WHERE period = $1 AND metric_id = $2`

// rowQuerier is a transaction (database/sql's or sqlx's).
type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readColumnBlob reads the column of metric id in period q
// (sqlColumnBlocks) into col, indexed by dataset position: index maps a
// subject's database id to its position (−1 for none). Cells without a
// value (no cell, or a given missing one) are left as they are. Each
// block's count of cells (missing ones included) goes to count
// (rowCounter).
func (db *DB) readColumnBlob(ctx context.Context, tx rowQuerier, q dataset.Period, id int32, index []int32, col []float64, count func(int64)) error {
	rows, err := tx.QueryContext(ctx, sqlColumnBlocks, q.String(), id)
	if err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	defer rows.Close()
	var vals []byte
	for rows.Next() {
		var first int32
		if err := rows.Scan(&first, &vals); err != nil {
			return db.mapError(ctx, "reading metrics", err)
		}
		var orphan error
		n, err := readBlockValues(first, vals, func(sid int32, v float64) error {
			if int(sid) >= len(index) || index[sid] < 0 {
				orphan = fmt.Errorf("reading metrics: row (%s, metric %d, subject %d) has no subject", q, id, sid)
				return orphan
			}
			if v == v {
				col[index[sid]] = v
			}
			return nil
		})
		if orphan != nil {
			return orphan
		}
		if err != nil {
			return fmt.Errorf("reading metrics: column (%s, metric %d), block of subject %d: %w", q, id, first, err)
		}
		count(n)
	}
	if err := rows.Err(); err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	return nil
}

// testHookSnapshotShared, when set by a test, is called once the second
// connection of readColumns holds the snapshot, before any column is read.
var testHookSnapshotShared func()

// columnJob is one column for readColumns: metric id's values go to col.
type columnJob struct {
	id  int32
	col []float64
}

// readColumns reads the columns jobs of period q as readColumnBlob does,
// on two connections at once: tx's, and a second one in a transaction
// that imports tx's snapshot (pg_export_snapshot), so that both read the
// same data; each server backend builds its columns' blobs while the
// other works (one backend alone keeps one of the two cores busy). tx must
// be a REPEATABLE READ transaction. With a pool of one connection, or one
// job, the columns are read on tx alone.
func (db *DB) readColumns(ctx context.Context, tx *sqlx.Tx, q dataset.Period, jobs []columnJob, index []int32, read *int64, progress func(int64)) error {
	count := rowCounter(read, progress)
	if len(jobs) < 2 || db.x.Stats().MaxOpenConnections == 1 {
		for _, j := range jobs {
			if err := db.readColumnBlob(ctx, tx, q, j.id, index, j.col, count); err != nil {
				return err
			}
		}
		return nil
	}
	var snap string
	if err := tx.GetContext(ctx, &snap, `SELECT pg_export_snapshot()`); err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	tx2, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	defer tx2.Rollback()
	if _, err := tx2.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	if _, err := tx2.ExecContext(ctx, `SET TRANSACTION SNAPSHOT `+pq.QuoteLiteral(snap)); err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	if testHookSnapshotShared != nil {
		testHookSnapshotShared()
	}
	var g errgroup.Group
	for w, t := range []rowQuerier{tx, tx2} {
		g.Go(func() error {
			for k := w; k < len(jobs); k += 2 {
				if err := db.readColumnBlob(ctx, t, q, jobs[k].id, index, jobs[k].col, count); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// rowCounter returns a count function for readColumnBlob that adds the
// rows to *read and calls progress (when not nil) with each multiple of a
// million that *read reaches, as the row-by-row reader did. It is safe
// for concurrent use.
func rowCounter(read *int64, progress func(int64)) func(int64) {
	var mu sync.Mutex
	return func(n int64) {
		mu.Lock()
		defer mu.Unlock()
		progressTo(*read, *read+n, progress)
		*read += n
	}
}

// progressTo calls progress (when not nil) with every multiple of a
// million in (from, to].
func progressTo(from, to int64, progress func(int64)) {
	if progress == nil {
		return
	}
	const step = 1_000_000
	for m := (from/step + 1) * step; m <= to; m += step {
		progress(m)
	}
}
