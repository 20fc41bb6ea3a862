package postgres

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/dataset"
)

// sqlColumnBlob reads the rows of one metric column of a period whose
// subject ids are in [$3, $4] — a range of the primary key (period,
// metric_id, subject_id) — as their count and one bytea: for each row with
// a value, 12 bytes, the subject id (int4send) then the value
// (float8send), in no particular order. A row whose value is NULL (a
// missing cell, as if absent) is counted but not sent. One column of a
// million subjects is 12 MB, 24 MB of hex on the wire, instead of a
// million rows of text: at 1M subjects × 53 columns the client spends
// ~0.35 instead of 3.4–4.3 CPU-s per 10 million rows, the server about the
// same (BENCHMARKS.md, "Reading the metric columns").
const sqlColumnBlob = `SELECT count(*), string_agg(int4send(subject_id) || float8send(value), ''::bytea)
FROM metrics WHERE period = $1 AND metric_id = $2 AND subject_id >= $3 AND subject_id <= $4`

// columnBlobIDs (a variable for tests) is the width of the subject-id ranges a column is read
// in: one bytea is at most 12 × columnBlobIDs bytes (48 MiB; PostgreSQL's
// limit for one value is 1 GB), whatever the number of subjects.
var columnBlobIDs = 4 << 20

// blobRow is the size of one row in a column blob.
const blobRow = 12

// rowQuerier is a transaction (database/sql's or sqlx's).
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readColumnBlob reads the column of metric id in period q (sqlColumnBlob)
// into col, indexed by dataset position: index maps a subject's database
// id to its position (−1 for none). Cells without a row, or whose row
// holds NULL, are left as they are. Each range's row count (NULL rows
// included) goes to count (rowCounter).
func (db *DB) readColumnBlob(ctx context.Context, tx rowQuerier, q dataset.Period, id int32, index []int32, col []float64, count func(int64)) error {
	for lo := 0; lo < max(len(index), 1); lo += columnBlobIDs {
		hi := lo + columnBlobIDs - 1
		if lo+columnBlobIDs >= len(index) {
			hi = math.MaxInt32 // the last range takes every id above
		}
		var n int64
		var blob []byte
		if err := tx.QueryRowContext(ctx, sqlColumnBlob, q.String(), id, lo, hi).Scan(&n, &blob); err != nil {
			return db.mapError(ctx, "reading metrics", err)
		}
		if len(blob)%blobRow != 0 || int64(len(blob)/blobRow) > n {
			return fmt.Errorf("reading metrics: column (%s, metric %d): %d bytes for %d rows", q, id, len(blob), n)
		}
		for p := 0; p < len(blob); p += blobRow {
			sid := int32(binary.BigEndian.Uint32(blob[p:]))
			if sid < 0 || int(sid) >= len(index) || index[sid] < 0 {
				return fmt.Errorf("reading metrics: row (%s, metric %d, subject %d) has no subject", q, id, sid)
			}
			col[index[sid]] = math.Float64frombits(binary.BigEndian.Uint64(blob[p+4:]))
		}
		count(n)
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
