package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

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
	sqlSubjectIDs     = `SELECT s.code, s.id FROM subjects s JOIN tmp_subjects t ON t.code = s.code`
	sqlAddMetricNames = `INSERT INTO metric_names (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`
	sqlMetricIDs      = `SELECT name, id FROM metric_names WHERE name = ANY($1::text[])`
	sqlColumnExists   = `SELECT EXISTS (SELECT 1 FROM metric_columns WHERE period = $1 AND metric_id = $2)`
	sqlAddColumn      = `INSERT INTO metric_columns (period, metric_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	// sqlCopyBlocks is the COPY of metric_blocks rows (blocks.go).
	sqlCopyBlocks = `COPY metric_blocks (period, metric_id, block, first_id, vals, import_ids, sources) FROM STDIN`
	// sqlBinary ends a COPY … FROM STDIN of the binary format.
	sqlBinary = ` (FORMAT binary)`
	// sqlOldBlocks reads the blocks of a column that an import gives
	// cells of, to merge them; sqlDeleteBlocks removes them before the
	// merged ones are copied in.
	sqlOldBlocks = `SELECT block, first_id, array_send(vals), array_send(import_ids), array_send(sources)
FROM metric_blocks WHERE period = $1 AND metric_id = $2 AND block = ANY($3::integer[])`
	sqlDeleteBlocks = `DELETE FROM metric_blocks WHERE period = $1 AND metric_id = $2 AND block = ANY($3::integer[])`
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
// validate files); every subject a rating names must be in ds. The cells
// are stored by block (metric_blocks, blocks.go), read column by column
// from ds and given in the order of the subjects' database ids, and sent
// with COPY … FROM STDIN in the binary format (the text format when the
// connection cannot be taken over): the import holds no copy of the cells,
// only that order (4 bytes per subject). The blocks of a column the
// database holds already that the import gives cells of are merged: read,
// replaced with the import's cells, deleted and copied in again; the
// merge counts what was added and what changed.
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
	for _, c := range cols {
		c.metricID = metricIDs[c.given.Metric]
		if err := tx.GetContext(ctx, &c.existing, sqlColumnExists, c.periodText, c.metricID); err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
		if _, err := tx.ExecContext(ctx, sqlAddColumn, c.periodText, c.metricID); err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
	}
	sortColumns(cols)
	order := importOrder(subjIDs)
	sources := given.Sources()
	var counts blockCounts
	var sent int64
	count := func() {
		sent++
		if progress != nil && sent%1_000_000 == 0 {
			progress(sent)
		}
	}
	// The columns new to the database in one COPY; each column the
	// database holds is merged: its blocks that the import gives cells of
	// are read, deleted and copied in again with the import's cells.
	var fresh []*importColumn
	for _, c := range cols {
		if !c.existing {
			fresh = append(fresh, c)
		}
	}
	if len(fresh) > 0 {
		err := copyBlocks(ctx, conn, func(emit func(c *importColumn, b *metricBlock) error) error {
			for _, c := range fresh {
				if err := c.eachBlock(order, subjIDs, sources, rep.ID, nil, &counts, count,
					func(b *metricBlock) error { return emit(c, b) }); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
	}
	for _, c := range cols {
		if !c.existing {
			continue
		}
		touched := c.touchedBlocks(order, subjIDs)
		old, err := db.oldBlocks(ctx, tx, c, touched)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlDeleteBlocks, c.periodText, c.metricID, pq.Array(touched)); err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
		err = copyBlocks(ctx, conn, func(emit func(c *importColumn, b *metricBlock) error) error {
			return c.eachBlock(order, subjIDs, sources, rep.ID, old, &counts, count,
				func(b *metricBlock) error { return emit(c, b) })
		})
		if err != nil {
			return db.mapError(ctx, "import metrics", err)
		}
	}
	if progress != nil && sent%1_000_000 != 0 {
		progress(sent)
	}
	rep.MetricsAdded += counts.added
	rep.MetricsChanged += counts.changed
	rep.MetricsUnchanged += counts.unchanged
	return nil
}

// copyBlocks runs one COPY of metric_blocks rows on conn, in the binary
// format (the text format when the connection cannot be taken over):
// fill calls emit with each block and its column.
func copyBlocks(ctx context.Context, conn *sqlx.Conn, fill func(emit func(c *importColumn, b *metricBlock) error) error) error {
	err := errNoBinaryCopy
	if !textCopyOnly {
		_, err = copyBinaryIn(ctx, conn, sqlCopyBlocks+sqlBinary, func(w *copyWriter) error {
			w.buf = append(w.buf, binHeader...)
			return fill(func(c *importColumn, b *metricBlock) error {
				return w.endLine(b.appendBinary(w.line(), c.periodText, c.metricID))
			})
		})
	}
	if errors.Is(err, errNoBinaryCopy) {
		_, err = copyIn(ctx, conn, sqlCopyBlocks, func(w *copyWriter) error {
			return fill(func(c *importColumn, b *metricBlock) error {
				return w.endLine(b.appendText(w.line(), c.periodText, c.metricID))
			})
		})
	}
	return err
}

// oldBlocks reads the stored blocks touched of column c, in tx, and
// returns the function eachBlock asks for each block's old cells.
func (db *DB) oldBlocks(ctx context.Context, tx *sqlx.Tx, c *importColumn, touched []int32) (func(b int32, ob *metricBlock) (bool, error), error) {
	type raw struct {
		first                  int32
		vals, imports, sources []byte
	}
	blocks := map[int32]raw{}
	rows, err := tx.QueryContext(ctx, sqlOldBlocks, c.periodText, c.metricID, pq.Array(touched))
	if err != nil {
		return nil, db.mapError(ctx, "import metrics", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b int32
		var r raw
		if err := rows.Scan(&b, &r.first, &r.vals, &r.imports, &r.sources); err != nil {
			return nil, db.mapError(ctx, "import metrics", err)
		}
		blocks[b] = r
	}
	if err := rows.Err(); err != nil {
		return nil, db.mapError(ctx, "import metrics", err)
	}
	return func(b int32, ob *metricBlock) (bool, error) {
		r, ok := blocks[b]
		if !ok {
			return false, nil
		}
		delete(blocks, b)
		if err := decodeBlock(ob, r.first, r.vals, r.imports, r.sources); err != nil {
			return false, fmt.Errorf("import metrics: stored block (%s, metric %d, block %d): %w", c.periodText, c.metricID, b, err)
		}
		return true, nil
	}, nil
}
