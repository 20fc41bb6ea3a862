package postgres

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"

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
// holds NULL, are left as they are. The rows read (NULL ones included)
// are added to *read, and progress, when not nil, is called with each
// multiple of a million that *read reaches, as the row-by-row reader did.
func (db *DB) readColumnBlob(ctx context.Context, tx rowQuerier, q dataset.Period, id int32, index []int32, col []float64, read *int64, progress func(int64)) error {
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
		progressTo(*read, *read+n, progress)
		*read += n
	}
	return nil
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
