package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govscore/govscore/dataset"
)

// RunInfo is a batch run started from the server: its progress, and the
// batch it stored once done.
type RunInfo struct {
	ID          int64      `json:"id"`
	Period      string     `json:"period"`
	Status      string     `json:"status"` // queued, running, done, failed, cancelled
	Progress    float64    `json:"progress"`
	Stage       string     `json:"stage"`
	Error       string     `json:"error,omitempty"`
	BatchID     int64      `json:"batch_id,omitempty"`
	BatchStatus string     `json:"batch_status,omitempty"` // draft, approved, published
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// InputsSHA256 is the digest of the versions the run read (see
	// RunSnapshot), empty until it read them.
	InputsSHA256 string `json:"inputs_sha256,omitempty"`
}

// runRow is a runs row joined with its batch's status.
type runRow struct {
	ID          int64          `db:"id"`
	Period      string         `db:"period"`
	Status      string         `db:"status"`
	Progress    float64        `db:"progress"`
	Stage       string         `db:"stage"`
	Error       string         `db:"error"`
	BatchID     sql.NullInt64  `db:"batch_id"`
	BatchStatus sql.NullString `db:"batch_status"`
	CreatedBy   string         `db:"created_by"`
	CreatedAt   time.Time      `db:"created_at"`
	FinishedAt  sql.NullTime   `db:"finished_at"`
	Inputs      string         `db:"inputs_sha256"`
}

// toRunInfo converts a runs row.
func toRunInfo(r runRow) *RunInfo {
	out := &RunInfo{ID: r.ID, Period: r.Period, Status: r.Status, Progress: r.Progress, Stage: r.Stage, Error: r.Error,
		BatchID: r.BatchID.Int64, BatchStatus: r.BatchStatus.String, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), InputsSHA256: r.Inputs}
	if r.FinishedAt.Valid {
		t := r.FinishedAt.Time.UTC()
		out.FinishedAt = &t
	}
	return out
}

// InputChange is a metric cell that two batches read at different
// versions: Old is absent (OldVersion 0) when only the newer batch read it.
type InputChange struct {
	Period     string   `db:"period" json:"period"`
	Subject    string   `db:"subject" json:"subject"`
	Metric     string   `db:"metric" json:"metric"`
	OldVersion int64    `db:"old_version" json:"old_version,omitempty"`
	Old        *float64 `db:"old_value" json:"old"`
	NewVersion int64    `db:"new_version" json:"new_version,omitempty"`
	New        *float64 `db:"new_value" json:"new"`
}

const (
	runColumns = `r.id, r.period, r.status, r.progress, r.stage, r.error, r.batch_id, b.status AS batch_status,
	r.created_by, r.created_at, r.finished_at, r.inputs_sha256 FROM runs r LEFT JOIN batches b ON b.id = r.batch_id`
	sqlAddRun          = `INSERT INTO runs (period, status, stage, created_by) VALUES ($1, 'queued', 'queued', $2) RETURNING id`
	sqlRun             = `SELECT ` + runColumns + ` WHERE r.id = $1`
	sqlRuns            = `SELECT ` + runColumns + ` ORDER BY r.id DESC LIMIT $1`
	sqlRunByBatch      = `SELECT ` + runColumns + ` WHERE r.batch_id = $1`
	sqlRunProgress     = `UPDATE runs SET status = 'running', progress = $2, stage = $3 WHERE id = $1 AND status IN ('queued', 'running')`
	sqlRunFinish       = `UPDATE runs SET status = $2, error = $3, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running')`
	sqlRunDone         = `UPDATE runs SET status = 'done', progress = 1, stage = 'done', batch_id = $2, finished_at = now() WHERE id = $1 AND status = 'running'`
	sqlFailInterrupted = `UPDATE runs SET status = 'failed', error = 'the server stopped while the batch ran; nothing of it was stored: run it again', finished_at = now()
WHERE status IN ('queued', 'running') RETURNING id`
	sqlKnownMetrics   = `SELECT DISTINCT metric FROM metric_versions`
	sqlServerSubjects = `SELECT code, name, kind, coalesce(parent, '') AS parent, attrs FROM subjects`
	sqlInputChanges   = `WITH a AS (SELECT v.* FROM runs r JOIN run_inputs i ON i.run_id = r.id JOIN metric_versions v ON v.id = i.version_id WHERE r.batch_id = $1),
b AS (SELECT v.* FROM runs r JOIN run_inputs i ON i.run_id = r.id JOIN metric_versions v ON v.id = i.version_id WHERE r.batch_id = $2)
SELECT coalesce(b.period, a.period) AS period, coalesce(b.subject, a.subject) AS subject, coalesce(b.metric, a.metric) AS metric,
	coalesce(a.id, 0) AS old_version, a.value AS old_value, coalesce(b.id, 0) AS new_version, b.value AS new_value
FROM a FULL JOIN b ON a.period = b.period AND a.subject = b.subject AND a.metric = b.metric
WHERE a.id IS DISTINCT FROM b.id
ORDER BY 1, 2, 3`
)

// AddRun records a batch run of period, queued, started by actor.
func (db *DB) AddRun(ctx context.Context, period, actor string) (int64, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return 0, db.mapError(ctx, "starting the run", err)
	}
	defer tx.Rollback()
	var id int64
	if err := tx.GetContext(ctx, &id, sqlAddRun, period, actor); err != nil {
		return 0, db.mapError(ctx, "starting the run", err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "batch.run", Object: fmt.Sprintf("run/%d", id),
		Detail: map[string]any{"period": period}}); err != nil {
		return 0, db.mapError(ctx, "starting the run", err)
	}
	return id, db.mapError(ctx, "starting the run", tx.Commit())
}

// Run returns one run, or ErrNotFound.
func (db *DB) Run(ctx context.Context, id int64) (*RunInfo, error) {
	var r runRow
	if err := db.x.GetContext(ctx, &r, sqlRun, id); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("run %d", id), err)
	}
	return toRunInfo(r), nil
}

// RunOfBatch returns the run that stored batch id, or ErrNotFound (a batch
// stored by `govscore run --db`).
func (db *DB) RunOfBatch(ctx context.Context, id int64) (*RunInfo, error) {
	var r runRow
	if err := db.x.GetContext(ctx, &r, sqlRunByBatch, id); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("run of batch %d", id), err)
	}
	return toRunInfo(r), nil
}

// Runs lists the latest runs, newest first.
func (db *DB) Runs(ctx context.Context, limit int) ([]*RunInfo, error) {
	var rows []runRow
	if err := db.x.SelectContext(ctx, &rows, sqlRuns, limit); err != nil {
		return nil, db.mapError(ctx, "listing runs", err)
	}
	out := make([]*RunInfo, len(rows))
	for i, r := range rows {
		out[i] = toRunInfo(r)
	}
	return out, nil
}

// RunProgress marks a run running at progress (0…1) in stage.
func (db *DB) RunProgress(ctx context.Context, id int64, progress float64, stage string) error {
	_, err := db.x.ExecContext(ctx, sqlRunProgress, id, progress, stage)
	return db.mapError(ctx, "recording progress", err)
}

// FinishRun ends a queued or running run as failed or cancelled with msg.
// It reports false when the run had already ended.
func (db *DB) FinishRun(ctx context.Context, id int64, status, msg string) (bool, error) {
	res, err := db.x.ExecContext(ctx, sqlRunFinish, id, status, msg)
	if err != nil {
		return false, db.mapError(ctx, "ending the run", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FailInterruptedRuns marks failed every run left queued or running by a
// server that stopped; it returns their ids. A run stores its batch in one
// transaction with the run's end, so none of them stored anything.
func (db *DB) FailInterruptedRuns(ctx context.Context) ([]int64, error) {
	var ids []int64
	if err := db.x.SelectContext(ctx, &ids, sqlFailInterrupted); err != nil {
		return nil, db.mapError(ctx, "failing interrupted runs", err)
	}
	return ids, nil
}

// readSubjects reads the subject register into a new dataset; every
// subject has every attribute, as with one subjects.csv.
func readSubjects(ctx context.Context, q sqlx.QueryerContext) (*dataset.Dataset, error) {
	var rows []struct {
		Code   string `db:"code"`
		Name   string `db:"name"`
		Kind   string `db:"kind"`
		Parent string `db:"parent"`
		Attrs  []byte `db:"attrs"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, sqlServerSubjects); err != nil {
		return nil, err
	}
	attrSet := map[string]bool{}
	subjects := make([]dataset.Subject, len(rows))
	for i, r := range rows {
		var m map[string]string
		if err := json.Unmarshal(r.Attrs, &m); err != nil {
			return nil, fmt.Errorf("subject %q: attrs: %w", r.Code, err)
		}
		for a := range m {
			attrSet[a] = true
		}
		subjects[i] = dataset.Subject{ID: r.Code, Name: r.Name, Kind: r.Kind, Parent: r.Parent, Attrs: dataset.MakeAttrs(m)}
	}
	var attrs []string
	for a := range attrSet {
		attrs = append(attrs, a)
	}
	sort.Strings(attrs)
	// dataset.New gives every subject every attribute ("" where it has
	// none).
	return dataset.New(subjects, attrs), nil
}

// ServerSubjects returns the subject register as a dataset without metric
// values (for validating submissions against it).
func (db *DB) ServerSubjects(ctx context.Context) (*dataset.Dataset, error) {
	ds, err := readSubjects(ctx, db.x)
	if err != nil {
		return nil, db.mapError(ctx, "reading subjects", err)
	}
	return ds, nil
}

// SaveRunBatch stores the batch of a run (as SaveBatch) and, in the same
// transaction, marks the run done with its batch: either both happen or
// neither. A run that was cancelled meanwhile stores nothing (ErrCancelled).
func (db *DB) SaveRunBatch(ctx context.Context, runID int64, b *BatchRecord, outputs []Output, actor string) (int64, error) {
	return db.saveBatch(ctx, b, outputs, func(ctx context.Context, tx *sqlx.Tx, id int64) error {
		res, err := tx.ExecContext(ctx, sqlRunDone, runID, id)
		if err != nil {
			return db.mapError(ctx, "recording the run", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("run %d: %w", runID, ErrCancelled)
		}
		return db.mapError(ctx, "recording the run", audit(ctx, tx, AuditEntry{Actor: actor, Action: "batch.store",
			Object: fmt.Sprintf("batch/%d", id), After: b.DataSHA256,
			Detail: map[string]any{"run": runID, "period": b.Period, "set_sha256": b.SetSHA256}}))
	})
}

// ErrCancelled: the run was cancelled before its batch was stored.
var ErrCancelled = errors.New("cancelled")

// InputChanges returns the metric cells that batches a and b (each stored
// by a run) read at different versions, with the old and new values.
func (db *DB) InputChanges(ctx context.Context, a, b int64) ([]InputChange, error) {
	var out []InputChange
	if err := db.x.SelectContext(ctx, &out, sqlInputChanges, a, b); err != nil {
		return nil, db.mapError(ctx, "comparing inputs", err)
	}
	return out, nil
}

// SetBatchStatus approves or publishes batch id as actor (draft → approved
// → published), with its audit record in the same transaction.
func (db *DB) SetBatchStatus(ctx context.Context, id int64, to Status, actor string) error {
	q, from := sqlApprove, Draft
	switch to {
	case Approved:
	case Published:
		q, from = sqlPublish, Approved
	default:
		return fmt.Errorf("batch %d: status %q: %w", id, to, ErrTransition)
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	defer tx.Rollback()
	var st string
	if err := tx.GetContext(ctx, &st, sqlBatchStatus+` FOR UPDATE`, id); err != nil {
		return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	if Status(st) != from {
		return fmt.Errorf("batch %d is %s, not %s: %w", id, st, from, ErrTransition)
	}
	if _, err := tx.ExecContext(ctx, q, id, actor); err != nil {
		return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "batch." + string(to), Object: fmt.Sprintf("batch/%d", id),
		Before: digestOf(st), After: digestOf(string(to))}); err != nil {
		return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	return db.mapError(ctx, fmt.Sprintf("batch %d", id), tx.Commit())
}

const sqlVersionPeriods = `SELECT DISTINCT period FROM metric_versions`

// VersionPeriods returns the periods holding metric versions, oldest
// first.
func (db *DB) VersionPeriods(ctx context.Context) ([]dataset.Period, error) {
	var texts []string
	if err := db.x.SelectContext(ctx, &texts, sqlVersionPeriods); err != nil {
		return nil, db.mapError(ctx, "reading periods", err)
	}
	out := make([]dataset.Period, 0, len(texts))
	for _, t := range texts {
		p, err := dataset.ParsePeriod(t)
		if err != nil {
			return nil, fmt.Errorf("stored period %q: %w", t, err)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}
