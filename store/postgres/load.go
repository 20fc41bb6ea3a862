package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/jmoiron/sqlx"

	"github.com/govscore/govscore/dataset"
)

const (
	sqlPeriods      = `SELECT DISTINCT period FROM metric_columns`
	sqlMetricNames  = `SELECT name FROM metric_names n WHERE EXISTS (SELECT 1 FROM metric_columns c WHERE c.metric_id = n.id) ORDER BY name`
	sqlCountSubject = `SELECT count(*), coalesce(max(id), 0) FROM subjects`
	sqlSubjects     = `SELECT id, code, name, kind, coalesce(parent, ''), attrs FROM subjects`
	sqlPeriodNames  = `SELECT c.metric_id, n.name FROM metric_columns c JOIN metric_names n ON n.id = c.metric_id WHERE c.period = $1`
	sqlPeriodValues = `SELECT metric_id, subject_id, value FROM metrics WHERE period = $1`
)

// LoadOptions tune LoadDataset.
type LoadOptions struct {
	// Progress, when not nil, is called with the number of metric rows
	// read so far, about every million rows, and once at the end.
	Progress func(rows int64)
}

// Periods returns the periods with at least one metric row, oldest first.
func (db *DB) Periods(ctx context.Context) ([]dataset.Period, error) {
	var texts []string
	if err := db.x.SelectContext(ctx, &texts, sqlPeriods); err != nil {
		return nil, db.mapError(ctx, "reading periods", err)
	}
	out := make([]dataset.Period, 0, len(texts))
	for _, t := range texts {
		p, err := dataset.ParsePeriod(t)
		if err != nil {
			return nil, fmt.Errorf("reading periods: %w", err)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}

// Describe words the period errors of batch.Run for the database
// (batch.Describer).
func (db *DB) Describe() (name, noPeriods, noRow string) {
	return "database", "the database holds no metric rows: run `govscore db import` first",
		"the database holds no metric row for that period (it has: %s)"
}

// Dataset is LoadDataset without progress reports (batch.Source).
func (db *DB) Dataset(ctx context.Context, p dataset.Period) (*dataset.Dataset, error) {
	return db.LoadDataset(ctx, p, LoadOptions{})
}

// LoadDataset reads the dataset of a batch of period p: every subject, and
// the metric values of p and of p.Prev() (the only periods an expression
// can read). Metrics the database knows from other periods only get an
// all-missing column in p, so that expressions naming them compile as they
// would against files holding every period.
//
// Rows are streamed straight into the dataset's columns; memory is the
// columns (8 bytes per subject × metric × period read) plus the subjects.
func (db *DB) LoadDataset(ctx context.Context, p dataset.Period, opt LoadOptions) (*dataset.Dataset, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, db.mapError(ctx, "reading the dataset", err)
	}
	defer tx.Rollback()
	// One snapshot for all the reads.
	if _, err := tx.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
		return nil, db.mapError(ctx, "reading the dataset", err)
	}
	var n, maxID int
	if err := tx.QueryRowxContext(ctx, sqlCountSubject).Scan(&n, &maxID); err != nil {
		return nil, db.mapError(ctx, "reading subjects", err)
	}
	subjects := make([]dataset.Subject, 0, n)
	dbIDs := make([]int32, 0, n)
	attrSet := map[string]bool{}
	rows, err := tx.QueryContext(ctx, sqlSubjects)
	if err != nil {
		return nil, db.mapError(ctx, "reading subjects", err)
	}
	for rows.Next() {
		var s dataset.Subject
		var id int32
		var attrs []byte
		if err := rows.Scan(&id, &s.ID, &s.Name, &s.Kind, &s.Parent, &attrs); err != nil {
			rows.Close()
			return nil, db.mapError(ctx, "reading subjects", err)
		}
		if err := json.Unmarshal(attrs, &s.Attrs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading subject %q: attrs: %w", s.ID, err)
		}
		if len(s.Attrs) == 0 {
			s.Attrs = nil
		}
		for a := range s.Attrs {
			attrSet[a] = true
		}
		subjects = append(subjects, s)
		dbIDs = append(dbIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.mapError(ctx, "reading subjects", err)
	}
	attrNames := make([]string, 0, len(attrSet))
	for a := range attrSet {
		attrNames = append(attrNames, a)
	}
	sort.Strings(attrNames)
	// Every subject has every attribute, as with one subjects.csv.
	if len(attrNames) > 0 {
		for i := range subjects {
			if subjects[i].Attrs == nil {
				subjects[i].Attrs = make(map[string]string, len(attrNames))
			}
			for _, a := range attrNames {
				if _, ok := subjects[i].Attrs[a]; !ok {
					subjects[i].Attrs[a] = ""
				}
			}
		}
	}
	// dataset.New sorts the subjects; map database ids to the sorted index.
	byCode := make(map[string]int32, len(subjects))
	for i := range subjects {
		byCode[subjects[i].ID] = dbIDs[i]
	}
	ds := dataset.New(subjects, attrNames)
	index := make([]int32, maxID+1)
	for i := range index {
		index[i] = -1
	}
	for i := range ds.Subjects {
		index[byCode[ds.Subjects[i].ID]] = int32(i)
	}
	byCode = nil

	var read int64
	for _, per := range []dataset.Period{p, p.Prev()} {
		if err := db.loadPeriod(ctx, tx, ds, per, index, &read, opt.Progress); err != nil {
			return nil, err
		}
	}
	if opt.Progress != nil {
		opt.Progress(read)
	}
	var names []string
	if err := tx.SelectContext(ctx, &names, sqlMetricNames); err != nil {
		return nil, db.mapError(ctx, "reading metric names", err)
	}
	have := map[string]bool{}
	for _, m := range ds.Metrics() {
		have[m] = true
	}
	for _, m := range names {
		if !have[m] {
			ds.MutableColumn(m, p)
		}
	}
	return ds, nil
}

// loadPeriod streams the metric values of one period into ds.
func (db *DB) loadPeriod(ctx context.Context, tx *sqlx.Tx, ds *dataset.Dataset, per dataset.Period, index []int32, read *int64, progress func(int64)) error {
	pt := per.String()
	var cols [][]float64 // by metric id
	rows, err := tx.QueryContext(ctx, sqlPeriodNames, pt)
	if err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	for rows.Next() {
		var id int32
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return db.mapError(ctx, "reading metrics", err)
		}
		for int(id) >= len(cols) {
			cols = append(cols, nil)
		}
		cols[id] = ds.MutableColumn(name, per)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	if len(cols) == 0 {
		return nil
	}
	rows, err = tx.QueryContext(ctx, sqlPeriodValues, pt)
	if err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	defer rows.Close()
	var mid, sid int32
	var v sql.NullFloat64
	for rows.Next() {
		if err := rows.Scan(&mid, &sid, &v); err != nil {
			return db.mapError(ctx, "reading metrics", err)
		}
		if int(mid) >= len(cols) || cols[mid] == nil || int(sid) >= len(index) || index[sid] < 0 {
			return fmt.Errorf("reading metrics: row (%s, metric %d, subject %d) has no catalogued column or subject", pt, mid, sid)
		}
		if v.Valid {
			cols[mid][index[sid]] = v.Float64
		}
		*read++
		if progress != nil && *read%1_000_000 == 0 {
			progress(*read)
		}
	}
	if err := rows.Err(); err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	return nil
}
