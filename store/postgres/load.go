package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
)

const (
	sqlPeriods      = `SELECT DISTINCT period FROM metric_columns`
	sqlMetricNames  = `SELECT name FROM metric_names n WHERE EXISTS (SELECT 1 FROM metric_columns c WHERE c.metric_id = n.id) ORDER BY name`
	sqlCountSubject = `SELECT count(*), coalesce(max(id), 0) FROM subjects`
	sqlSubjects     = `SELECT id, code, name, kind, coalesce(parent, ''), attrs FROM subjects`
	sqlPeriodNames  = `SELECT c.metric_id, n.name FROM metric_columns c JOIN metric_names n ON n.id = c.metric_id WHERE c.period = $1`
	// sqlPeriodMetricIDs lists the distinct metric ids of a period's
	// blocks (a few rows per column: one per 65,536 subject ids).
	sqlPeriodMetricIDs = `SELECT DISTINCT metric_id FROM metric_blocks WHERE period = $1`
	sqlFirstSubjectOf  = `SELECT first_id FROM metric_blocks WHERE period = $1 AND metric_id = $2 ORDER BY block LIMIT 1`
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
	ds, _, err := db.LoadInputs(ctx, p, opt, false)
	return ds, err
}

// LoadInputs reads the inputs of a batch of period p from one snapshot of
// the database (a REPEATABLE READ, READ ONLY transaction): the dataset, as
// LoadDataset does, and, when ratings is true, the ratings of p, as
// Ratings does (nil otherwise). An import committed meanwhile is seen by
// neither or by both, so a batch never mixes two states of the database.
func (db *DB) LoadInputs(ctx context.Context, p dataset.Period, opt LoadOptions, ratings bool) (*dataset.Dataset, []assess.Rating, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, nil, db.mapError(ctx, "reading the dataset", err)
	}
	defer tx.Rollback()
	// One snapshot for all the reads.
	if _, err := tx.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
		return nil, nil, db.mapError(ctx, "reading the dataset", err)
	}
	ds, err := db.loadDataset(ctx, tx, p, opt)
	if err != nil {
		return nil, nil, err
	}
	if testHookAfterDataset != nil {
		testHookAfterDataset()
	}
	var rs []assess.Rating
	if ratings {
		if rs, err = db.ratings(ctx, tx, p); err != nil {
			return nil, nil, err
		}
	}
	return ds, rs, nil
}

// Snapshot is the database as the batch.Source of one batch, read from
// one snapshot: Dataset reads the period's ratings with its dataset
// (LoadInputs) and Ratings returns them, so that a batch never mixes the
// metrics of one state of the database with the ratings of another (the
// methods of *DB read each in a transaction of its own). Use one Snapshot
// per batch; it is safe for concurrent use.
type Snapshot struct {
	DB      *DB
	Options LoadOptions // progress reports of the dataset reads

	mu      sync.Mutex
	ratings map[dataset.Period][]assess.Rating
}

// Periods is DB.Periods (batch.Source).
func (s *Snapshot) Periods(ctx context.Context) ([]dataset.Period, error) { return s.DB.Periods(ctx) }

// Describe is DB.Describe (batch.Describer).
func (s *Snapshot) Describe() (name, noPeriods, noRow string) { return s.DB.Describe() }

// Dataset reads the dataset of period p and, in the same snapshot, its
// ratings, kept for Ratings (batch.Source).
func (s *Snapshot) Dataset(ctx context.Context, p dataset.Period) (*dataset.Dataset, error) {
	ds, rs, err := s.DB.LoadInputs(ctx, p, s.Options, true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ratings == nil {
		s.ratings = map[dataset.Period][]assess.Rating{}
	}
	s.ratings[p] = rs
	return ds, nil
}

// Ratings returns the ratings of period p read with its dataset, or, when
// Dataset has not read p, reads them (batch.Source).
func (s *Snapshot) Ratings(ctx context.Context, p dataset.Period) ([]assess.Rating, error) {
	s.mu.Lock()
	rs, ok := s.ratings[p]
	s.mu.Unlock()
	if ok {
		return rs, nil
	}
	return s.DB.Ratings(ctx, p)
}

// testHookAfterDataset, set by tests, runs in LoadInputs between the
// reads of the dataset and of the ratings.
var testHookAfterDataset func()

// loadDataset is LoadDataset in tx.
func (db *DB) loadDataset(ctx context.Context, tx *sqlx.Tx, p dataset.Period, opt LoadOptions) (*dataset.Dataset, error) {
	ds, index, err := db.loadSubjects(ctx, tx)
	if err != nil {
		return nil, err
	}
	var read int64
	for _, per := range []dataset.Period{p, p.Prev()} {
		if err := db.loadPeriod(ctx, tx, ds, per, index, &read, opt.Progress); err != nil {
			return nil, err
		}
	}
	if opt.Progress != nil {
		opt.Progress(read)
	}
	names, err := db.metricNames(ctx, tx)
	if err != nil {
		return nil, err
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

// metricNames are the names of the metrics with a column in any period,
// sorted.
func (db *DB) metricNames(ctx context.Context, tx *sqlx.Tx) ([]string, error) {
	var names []string
	if err := tx.SelectContext(ctx, &names, sqlMetricNames); err != nil {
		return nil, db.mapError(ctx, "reading metric names", err)
	}
	return names, nil
}

// loadSubjects reads every subject into a dataset without columns (sorted
// by id, every subject with every attribute) and returns, by database id,
// each subject's index in it (−1 for none).
func (db *DB) loadSubjects(ctx context.Context, tx *sqlx.Tx) (*dataset.Dataset, []int32, error) {
	var n, maxID int
	if err := tx.QueryRowxContext(ctx, sqlCountSubject).Scan(&n, &maxID); err != nil {
		return nil, nil, db.mapError(ctx, "reading subjects", err)
	}
	subjects := make([]dataset.Subject, 0, n)
	dbIDs := make([]int32, 0, n)
	attrSet := map[string]bool{}
	rows, err := tx.QueryContext(ctx, sqlSubjects)
	if err != nil {
		return nil, nil, db.mapError(ctx, "reading subjects", err)
	}
	for rows.Next() {
		var s dataset.Subject
		var id int32
		var attrs []byte
		if err := rows.Scan(&id, &s.ID, &s.Name, &s.Kind, &s.Parent, &attrs); err != nil {
			rows.Close()
			return nil, nil, db.mapError(ctx, "reading subjects", err)
		}
		var m map[string]string
		if err := json.Unmarshal(attrs, &m); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("reading subject %q: attrs: %w", s.ID, err)
		}
		for a := range m {
			attrSet[a] = true
		}
		s.Attrs = dataset.MakeAttrs(m)
		subjects = append(subjects, s)
		dbIDs = append(dbIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, db.mapError(ctx, "reading subjects", err)
	}
	attrNames := make([]string, 0, len(attrSet))
	for a := range attrSet {
		attrNames = append(attrNames, a)
	}
	sort.Strings(attrNames)
	// dataset.New gives every subject every attribute ("" where it has
	// none), as with one subjects.csv.
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
	return ds, index, nil
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
	// Every block of the period must belong to a catalogued column.
	var ids []int32
	if err := tx.SelectContext(ctx, &ids, sqlPeriodMetricIDs, pt); err != nil {
		return db.mapError(ctx, "reading metrics", err)
	}
	for _, mid := range ids {
		if int(mid) >= len(cols) || cols[mid] == nil {
			var sid int32
			if err := tx.GetContext(ctx, &sid, sqlFirstSubjectOf, pt, mid); err != nil {
				return db.mapError(ctx, "reading metrics", err)
			}
			return fmt.Errorf("reading metrics: row (%s, metric %d, subject %d) has no catalogued column", pt, mid, sid)
		}
	}
	var jobs []columnJob
	for mid, col := range cols {
		if col != nil {
			jobs = append(jobs, columnJob{id: int32(mid), col: col})
		}
	}
	return db.readColumns(ctx, tx, per, jobs, index, read, progress)
}
