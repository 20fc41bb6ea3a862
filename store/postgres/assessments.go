package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
)

const (
	sqlTempAssessments = `CREATE TEMP TABLE tmp_assessments (period text COLLATE "C", item text, subject_id integer,
	rater text, role text, score double precision, seq integer) ON COMMIT DROP`
	sqlCopyTmpAssessments = `COPY tmp_assessments (period, item, subject_id, rater, role, score, seq) FROM STDIN`
	sqlMergeAssessments   = `WITH up AS (
	INSERT INTO assessments AS a (period, item, subject_id, rater, role, score, import_id, seq)
	SELECT period, item, subject_id, rater, role, score, $1, seq FROM tmp_assessments
	ON CONFLICT (period, item, subject_id, rater) DO UPDATE SET role = EXCLUDED.role, score = EXCLUDED.score,
		import_id = EXCLUDED.import_id, seq = EXCLUDED.seq
	WHERE (a.role, a.score) IS DISTINCT FROM (EXCLUDED.role, EXCLUDED.score)
	RETURNING xmax = 0 AS ins)
SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up`
	sqlPeriodAssessments = `SELECT a.item, s.code, a.rater, a.role, a.score FROM assessments a JOIN subjects s ON s.id = a.subject_id
WHERE a.period = $1 ORDER BY a.import_id, a.seq`
)

// importAssessments merges the ratings into assessments.
func (db *DB) importAssessments(ctx context.Context, tx *sqlx.Tx, ratings Ratings, ds *dataset.Dataset, subjIDs []int32, rep *ImportReport) error {
	if ratings == nil || len(ratings.Periods()) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, sqlTempAssessments); err != nil {
		return db.mapError(ctx, "import assessments", err)
	}
	stmt, err := tx.PrepareContext(ctx, sqlCopyTmpAssessments)
	if err != nil {
		return db.mapError(ctx, "import assessments", err)
	}
	seq := 0
	for _, p := range ratings.Periods() {
		pt := p.String()
		for _, r := range ratings.Ratings(p) {
			k, ok := ds.SubjectIndex(r.Subject)
			if !ok {
				stmt.Close()
				return fmt.Errorf("import assessments: the ratings name subject %q, which the data do not hold", r.Subject)
			}
			if _, err := stmt.ExecContext(ctx, pt, r.Item, subjIDs[k], r.Rater, r.Role, r.Score, seq); err != nil {
				stmt.Close()
				return db.mapError(ctx, "import assessments", err)
			}
			seq++
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return db.mapError(ctx, "import assessments", err)
	}
	if err := stmt.Close(); err != nil {
		return db.mapError(ctx, "import assessments", err)
	}
	var added, changed int
	if err := tx.QueryRowxContext(ctx, sqlMergeAssessments, rep.ID).Scan(&added, &changed); err != nil {
		return db.mapError(ctx, "import assessments", err)
	}
	rep.AssessmentsAdded, rep.AssessmentsChanged = added, changed
	rep.AssessmentsUnchanged = seq - added - changed
	return nil
}

// Ratings reads the ratings of period p, in import order (batch.Source).
func (db *DB) Ratings(ctx context.Context, p dataset.Period) ([]assess.Rating, error) {
	return db.ratings(ctx, db.x, p)
}

// ratings is Ratings through q (the pool or a transaction).
func (db *DB) ratings(ctx context.Context, q sqlx.QueryerContext, p dataset.Period) ([]assess.Rating, error) {
	rows, err := q.QueryContext(ctx, sqlPeriodAssessments, p.String())
	if err != nil {
		return nil, db.mapError(ctx, "reading assessments", err)
	}
	defer rows.Close()
	var out []assess.Rating
	for rows.Next() {
		var r assess.Rating
		if err := rows.Scan(&r.Item, &r.Subject, &r.Rater, &r.Role, &r.Score); err != nil {
			return nil, db.mapError(ctx, "reading assessments", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.mapError(ctx, "reading assessments", err)
	}
	return out, nil
}
