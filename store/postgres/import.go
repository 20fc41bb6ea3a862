package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// Ratings are the assessment ratings of an import, by period
// (*csvdata.Assessments is one).
type Ratings interface {
	// Periods returns the periods with ratings, oldest first.
	Periods() []dataset.Period
	// Ratings returns the ratings of period p in input order.
	Ratings(p dataset.Period) []assess.Rating
}

// ImportOptions tune Import.
type ImportOptions struct {
	// Files are the files the data were read from, recorded with the
	// import (its provenance); optional.
	Files []FileInfo
	// Progress, when not nil, is called with the number of metric rows
	// sent so far, about every million rows.
	Progress func(rows int64)
}

// FileInfo identifies one imported file.
type FileInfo struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// ImportReport says what an import changed.
type ImportReport struct {
	ID                                                         int64
	Files                                                      []FileInfo
	SubjectsAdded, SubjectsUpdated, SubjectsUnchanged          int
	MetricsAdded, MetricsChanged, MetricsUnchanged             int64
	AssessmentsAdded, AssessmentsChanged, AssessmentsUnchanged int
	// Warnings from reading the files (e.g. a file read as GB18030).
	Warnings []diag.Warning
}

// testHookBeforeCommit, set by tests, runs inside the import transaction
// just before it commits (to simulate a server lost mid-import).
var testHookBeforeCommit func(ctx context.Context, tx *sqlx.Tx)

const importLock = 0x676f76696d707274 // "govimprt": serialises imports

const (
	sqlInsertImport = `INSERT INTO imports (files, sha256) VALUES ($1, $2) RETURNING id`
	sqlUpdateImport = `UPDATE imports SET subjects_added = $2, subjects_updated = $3, subjects_unchanged = $4,
	metrics_added = $5, metrics_changed = $6, metrics_unchanged = $7,
	assessments_added = $8, assessments_changed = $9, assessments_unchanged = $10 WHERE id = $1`
	sqlAnyPeriod       = `SELECT period FROM metric_columns LIMIT 1`
	sqlTempSubjects    = `CREATE TEMP TABLE tmp_subjects (code text, name text, kind text, parent text, attrs jsonb) ON COMMIT DROP`
	sqlCopyTmpSubjects = `COPY tmp_subjects (code, name, kind, parent, attrs) FROM STDIN`
	sqlMergeSubjects   = `WITH up AS (
	INSERT INTO subjects AS s (code, name, kind, parent, attrs, import_id)
	SELECT code, name, kind, parent, attrs, $1 FROM tmp_subjects
	ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent = EXCLUDED.parent,
		attrs = EXCLUDED.attrs, import_id = EXCLUDED.import_id, updated_at = now()
	WHERE (s.name, s.kind, s.parent, s.attrs) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.parent, EXCLUDED.attrs)
	RETURNING xmax = 0 AS ins)
SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up`
	sqlSubjectIDs      = `SELECT s.code, s.id FROM subjects s JOIN tmp_subjects t ON t.code = s.code`
	sqlAddMetricNames  = `INSERT INTO metric_names (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`
	sqlMetricIDs       = `SELECT name, id FROM metric_names WHERE name = ANY($1::text[])`
	sqlColumnExists    = `SELECT EXISTS (SELECT 1 FROM metric_columns WHERE period = $1 AND metric_id = $2)`
	sqlAddColumn       = `INSERT INTO metric_columns (period, metric_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	sqlPartitionExists = `SELECT to_regclass($1) IS NOT NULL`
	sqlTempMetrics     = `CREATE TEMP TABLE tmp_metrics (period text COLLATE "C", metric_id integer, subject_id integer,
	value double precision, source text) ON COMMIT DROP`
	sqlCopyTmpMetrics = `COPY tmp_metrics (period, metric_id, subject_id, value, source) FROM STDIN`
	sqlCopyMetrics    = `COPY metrics (period, metric_id, subject_id, value, source, import_id, loaded_at) FROM STDIN`
	// sqlBinary ends a COPY … FROM STDIN of the binary format.
	sqlBinary = ` (FORMAT binary)`
	// RETURNING xmax is not available on a partitioned table, so the
	// merge is an UPDATE of the changed rows and an INSERT of the new ones.
	sqlUpdateMetrics = `UPDATE metrics AS m SET value = t.value, source = t.source, import_id = $1, loaded_at = $2
FROM tmp_metrics t
WHERE m.period = t.period AND m.metric_id = t.metric_id AND m.subject_id = t.subject_id
	AND (m.value, m.source) IS DISTINCT FROM (t.value, t.source)`
	sqlInsertMetrics = `INSERT INTO metrics (period, metric_id, subject_id, value, source, import_id, loaded_at)
SELECT period, metric_id, subject_id, value, source, $1, $2 FROM tmp_metrics
ON CONFLICT (period, metric_id, subject_id) DO NOTHING`
)

// Import stores validated data in one transaction: the subjects of ds are
// inserted or updated by id, the given cells (given: which cells the input
// gave, with their sources; a cell not given is not stored, a given missing
// one is stored as NULL) inserted or replaced by (period, metric, subject),
// and the ratings (nil for none) merged by (period, item, subject, rater).
// Either everything is stored or nothing is. Importing the same data again
// changes nothing and reports every row unchanged.
//
// The data must be valid (csvdata.LoadGiven and csvdata.LoadAssessments
// validate files); every subject a rating names must be in ds. Rows go to
// the server with COPY … FROM STDIN, the metric values in the binary
// format (the text format when the connection cannot be taken over), read
// column by column from ds and given in the order of the subjects'
// database ids: the import holds no copy of the cells, only that order (4
// bytes per subject). Values of (metric, period) columns
// that the database does not hold yet are copied straight into metrics;
// the others go through a temporary table and are merged with INSERT … ON
// CONFLICT, which counts what was added and what changed.
func (db *DB) Import(ctx context.Context, ds *dataset.Dataset, given *dataset.Given, ratings Ratings, opt ImportOptions) (*ImportReport, error) {
	rep := &ImportReport{Files: opt.Files, Warnings: ds.Warnings}
	if rep.Files == nil {
		rep.Files = []FileInfo{}
	}
	whole := sha256.New()
	for _, fi := range opt.Files {
		whole.Write([]byte(fi.SHA256))
	}
	cols := importColumns(ds, given)

	// One connection for the transaction, so that the COPY of metric rows
	// can reach the driver (copyIn) inside it.
	conn, err := db.x.Connx(ctx)
	if err != nil {
		return nil, db.mapError(ctx, "import", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return nil, db.mapError(ctx, "import", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(importLock)); err != nil {
		return nil, db.mapError(ctx, "import: lock", err)
	}
	// Under the lock, so that two imports of different period formats
	// started together cannot both pass the check.
	if err := db.checkPeriodKind(ctx, tx, ds); err != nil {
		return nil, err
	}
	fj, _ := json.Marshal(rep.Files)
	if err := tx.GetContext(ctx, &rep.ID, sqlInsertImport, string(fj), hex.EncodeToString(whole.Sum(nil))); err != nil {
		return nil, db.mapError(ctx, "import", err)
	}
	subjIDs, err := db.importSubjects(ctx, conn, tx, ds, rep)
	if err != nil {
		return nil, err
	}
	if err := db.importMetrics(ctx, conn, tx, ds, given, cols, subjIDs, rep, opt.Progress); err != nil {
		return nil, err
	}
	if err := db.importAssessments(ctx, tx, ratings, ds, subjIDs, rep); err != nil {
		return nil, err
	}
	if testHookBeforeCommit != nil {
		testHookBeforeCommit(ctx, tx)
	}
	if _, err := tx.ExecContext(ctx, sqlUpdateImport, rep.ID, rep.SubjectsAdded, rep.SubjectsUpdated, rep.SubjectsUnchanged,
		rep.MetricsAdded, rep.MetricsChanged, rep.MetricsUnchanged,
		rep.AssessmentsAdded, rep.AssessmentsChanged, rep.AssessmentsUnchanged); err != nil {
		return nil, db.mapError(ctx, "import", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, db.commitError(ctx, "import", err,
			"importing the same data again stores it if it was not, and changes nothing if it was")
	}
	return rep, nil
}

// checkPeriodKind rejects data whose period format differs from the one
// the database already holds (SPEC §3: one format per dataset). It reads
// in tx, which must hold the import lock.
func (db *DB) checkPeriodKind(ctx context.Context, tx *sqlx.Tx, ds *dataset.Dataset) error {
	ps := ds.Periods()
	if len(ps) == 0 {
		return nil
	}
	var have string
	err := tx.GetContext(ctx, &have, sqlAnyPeriod)
	if err != nil {
		if e := db.mapError(ctx, "import", err); !isNotFound(e) {
			return e
		}
		return nil
	}
	hp, perr := dataset.ParsePeriod(have)
	if perr == nil && hp.Kind != ps[0].Kind {
		return &diag.Error{Msg: fmt.Sprintf("the metrics' periods are %s (%s) but the database holds periods in format %s (%s): use one period format for all data",
			ps[0].Kind, ps[0], hp.Kind, have)}
	}
	return nil
}

// importSubjects merges the dataset's subjects and returns their database
// ids by dataset index.
func (db *DB) importSubjects(ctx context.Context, conn *sqlx.Conn, tx *sqlx.Tx, ds *dataset.Dataset, rep *ImportReport) ([]int32, error) {
	if _, err := tx.ExecContext(ctx, sqlTempSubjects); err != nil {
		return nil, db.mapError(ctx, "import subjects", err)
	}
	_, err := copyIn(ctx, conn, sqlCopyTmpSubjects, func(w *copyWriter) error {
		attrs := map[string]string{}
		for i := range ds.Subjects {
			s := &ds.Subjects[i]
			for _, a := range ds.AttrNames {
				attrs[a], _ = s.Attrs.Get(a)
			}
			aj, _ := json.Marshal(attrs)
			b := appendCopyText(w.line(), s.ID)
			b = append(b, '\t')
			b = appendCopyText(b, s.Name)
			b = append(b, '\t')
			b = appendCopyText(b, s.Kind)
			b = append(b, '\t')
			if s.Parent == "" {
				b = append(b, `\N`...)
			} else {
				b = appendCopyText(b, s.Parent)
			}
			b = append(b, '\t')
			b = appendCopyText(b, string(aj))
			b = append(b, '\n')
			if err := w.endLine(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, db.mapError(ctx, "import subjects", err)
	}
	var added, updated int
	if err := tx.QueryRowxContext(ctx, sqlMergeSubjects, rep.ID).Scan(&added, &updated); err != nil {
		return nil, db.mapError(ctx, "import subjects", err)
	}
	rep.SubjectsAdded, rep.SubjectsUpdated = added, updated
	rep.SubjectsUnchanged = ds.Len() - added - updated
	ids := make([]int32, ds.Len())
	rows, err := tx.QueryContext(ctx, sqlSubjectIDs)
	if err != nil {
		return nil, db.mapError(ctx, "import subjects", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var id int32
		if err := rows.Scan(&code, &id); err != nil {
			return nil, db.mapError(ctx, "import subjects", err)
		}
		if k, ok := ds.SubjectIndex(code); ok {
			ids[k] = id
		}
	}
	if err := rows.Err(); err != nil {
		return nil, db.mapError(ctx, "import subjects", err)
	}
	return ids, nil
}

// importMetrics stores the given metric cells, column by column, each
// read from the dataset in the order of the subjects' database ids.
func (db *DB) importMetrics(ctx context.Context, conn *sqlx.Conn, tx *sqlx.Tx, ds *dataset.Dataset, given *dataset.Given, cols []*importColumn, subjIDs []int32, rep *ImportReport, progress func(int64)) error {
	names := ds.Metrics()
	if _, err := tx.ExecContext(ctx, sqlAddMetricNames, pq.Array(names)); err != nil {
		return db.mapError(ctx, "import metrics", err)
	}
	metricIDs := map[string]int32{}
	rows, err := tx.QueryContext(ctx, sqlMetricIDs, pq.Array(names))
	if err != nil {
		return db.mapError(ctx, "import metrics", err)
	}
	for rows.Next() {
		var n string
		var id int32
		if err := rows.Scan(&n, &id); err != nil {
			rows.Close()
			return db.mapError(ctx, "import metrics", err)
		}
		metricIDs[n] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return db.mapError(ctx, "import metrics", err)
	}

	// Which columns are new (copied straight in) and which exist (merged).
	years := map[int]bool{}
	for _, c := range cols {
		c.metricID = metricIDs[c.given.Metric]
		years[c.given.Period.Year] = true
		if err := tx.GetContext(ctx, &c.existing, sqlColumnExists, c.periodText, c.metricID); err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
		if _, err := tx.ExecContext(ctx, sqlAddColumn, c.periodText, c.metricID); err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
	}
	// A year without a partition gets a table of its own, filled without
	// an index, indexed in one sort and then attached: much less work for
	// the server than keeping the key's index up to date row by row, and
	// no ACCESS EXCLUSIVE lock on metrics (ATTACH takes a weaker one).
	newYears := map[int]bool{}
	for y := range years {
		var exists bool
		if err := tx.GetContext(ctx, &exists, sqlPartitionExists, partitionName(y)); err != nil {
			return db.mapError(ctx, "import metrics: partition", err)
		}
		if exists {
			continue
		}
		newYears[y] = true
		if _, err := tx.ExecContext(ctx, sqlCreateDetached(y)); err != nil {
			return db.mapError(ctx, "import metrics: partition", err)
		}
	}
	if _, err := tx.ExecContext(ctx, sqlTempMetrics); err != nil {
		return db.mapError(ctx, "import metrics", err)
	}
	sortColumns(cols)
	order := importOrder(subjIDs)
	sources := copySources(given)

	// The rows go in several COPY streams, one after the other (one
	// connection holds one at a time): one per new partition, one for the
	// other new columns and one, into tmp_metrics, for the columns the
	// database holds already, which are then merged.
	loadedAt := time.Now().UTC().Truncate(time.Microsecond)
	suffix := fmt.Appendf(nil, "\t%d\t%s\n", rep.ID, pq.FormatTimestamp(loadedAt))
	binTail := binImportTail(rep.ID, loadedAt)
	binSrcs := binSources(given)
	// Each stream goes in COPY's binary format (no float to format here
	// nor to parse on the server, nor a timestamp per row), in the text
	// format when the connection cannot be taken over (copyBinaryIn).
	type stream struct {
		sql    string
		end    []byte // text format: the rest of each line
		fields int16  // binary format: fields per tuple …
		tail   []byte // … the last of them encoded
		take   func(c *importColumn) bool
	}
	var streams []stream
	for _, y := range slices.Sorted(maps.Keys(newYears)) {
		streams = append(streams, stream{sqlCopyInto(partitionName(y)), suffix, 7, binTail,
			func(c *importColumn) bool { return c.given.Period.Year == y && !c.existing }})
	}
	streams = append(streams,
		stream{sqlCopyMetrics, suffix, 7, binTail, func(c *importColumn) bool { return !c.existing && !newYears[c.given.Period.Year] }},
		stream{sqlCopyTmpMetrics, []byte("\n"), 5, nil, func(c *importColumn) bool { return c.existing }})
	var sent, merged int64
	count := func() {
		sent++
		if progress != nil && sent%1_000_000 == 0 {
			progress(sent)
		}
	}
	for _, st := range streams {
		if !slices.ContainsFunc(cols, st.take) {
			continue
		}
		var n int64
		err := errNoBinaryCopy
		if !textCopyOnly {
			n, err = copyBinaryIn(ctx, conn, st.sql+sqlBinary, func(w *copyWriter) error {
				w.buf = append(w.buf, binHeader...)
				for _, c := range cols {
					if st.take(c) {
						if err := c.encodeBinary(w, order, subjIDs, binSrcs, st.fields, st.tail, count); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		if errors.Is(err, errNoBinaryCopy) {
			n, err = copyIn(ctx, conn, st.sql, func(w *copyWriter) error {
				for _, c := range cols {
					if st.take(c) {
						if err := c.encode(w, order, subjIDs, sources, st.end, count); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		if err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
		if st.sql == sqlCopyTmpMetrics {
			merged = n
		} else {
			rep.MetricsAdded += n
		}
	}
	if progress != nil && sent%1_000_000 != 0 {
		progress(sent)
	}
	for _, y := range slices.Sorted(maps.Keys(newYears)) {
		for _, q := range sqlAttach(y) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return db.mapError(ctx, "import metrics: partition", err)
			}
		}
	}
	if merged > 0 {
		res, err := tx.ExecContext(ctx, sqlUpdateMetrics, rep.ID, loadedAt)
		if err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
		changed, _ := res.RowsAffected()
		res, err = tx.ExecContext(ctx, sqlInsertMetrics, rep.ID, loadedAt)
		if err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
		added, _ := res.RowsAffected()
		rep.MetricsAdded += added
		rep.MetricsChanged += changed
		rep.MetricsUnchanged += merged - added - changed
	}
	return nil
}

// partitionName is the quoted name of the metrics partition of year y.
func partitionName(y int) string {
	return pq.QuoteIdentifier(fmt.Sprintf("metrics_y%04d", y))
}

// sqlCreateDetached returns the DDL of a table for the metrics of year y,
// shaped as metrics (columns, collations, NOT NULL and CHECK constraints)
// but not yet a partition of it, and without an index. DDL takes no
// parameters; y is an int formatted here, never user text.
func sqlCreateDetached(y int) string {
	return `CREATE TABLE ` + partitionName(y) + ` (LIKE metrics INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`
}

// sqlCopyInto is the COPY of metric rows into table.
func sqlCopyInto(table string) string {
	return `COPY ` + table + ` (period, metric_id, subject_id, value, source, import_id, loaded_at) FROM STDIN`
}

// sqlAttach returns the statements that index the filled table of year y
// with the key of metrics and attach it as the partition of the year (the
// index becomes the partition's part of the key; ATTACH scans the rows
// once to check their periods), and give it the TRUNCATE guard of every
// table (migration 0002: a TRUNCATE of the partition itself does not fire
// the trigger of metrics).
func sqlAttach(y int) []string {
	t := partitionName(y)
	return []string{
		`ALTER TABLE ` + t + ` ADD PRIMARY KEY (period, metric_id, subject_id)`,
		fmt.Sprintf(`ALTER TABLE metrics ATTACH PARTITION %s FOR VALUES FROM ('%04d') TO ('%04d~')`, t, y, y),
		fmt.Sprintf(`CREATE TRIGGER metrics_y%04d_no_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION govscore_no_truncate()`, y, t),
	}
}
