package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/lib/pq"
)

// Cell is one submitted metric value of a subject; Value NaN is a missing
// token (stored as NULL).
type Cell struct {
	Subject, Metric string
	Value           float64
}

// Submission is one PUT of metric values for a period, by an account.
type Submission struct {
	AccountID int64
	Actor     string // account name, for the audit log
	Period    string
	File      string // the file or request the values came from
	SHA256    string // of its bytes
	Bytes     int64
	Cells     []Cell
}

// SubmitReport counts what a submission did: cells with no prior value,
// with a different one, and with the same one. Version is the submission
// id, the version every new value carries (0 for a dry run or when
// nothing changed).
type SubmitReport struct {
	Added     int   `json:"added"`
	Changed   int   `json:"changed"`
	Unchanged int   `json:"unchanged"`
	Version   int64 `json:"version"`
}

// MetricVersion is one stored value of a cell: who submitted it, when, from
// what, and which version it replaced (0: none).
type MetricVersion struct {
	ID         int64           `db:"id" json:"id"`
	Period     string          `db:"period" json:"period"`
	Subject    string          `db:"subject" json:"subject"`
	Metric     string          `db:"metric" json:"metric"`
	Value      sql.NullFloat64 `db:"value" json:"-"`
	Submission int64           `db:"submission_id" json:"submission"`
	Replaces   sql.NullInt64   `db:"replaces" json:"-"`
	By         string          `db:"by" json:"by"`
	File       string          `db:"file" json:"file"`
	At         time.Time       `db:"created_at" json:"at"`
}

// submitLock is the advisory-lock namespace of submissions: one writer per
// period at a time, so that two submissions of one cell chain their
// versions instead of racing.
const submitLock = 0x676f767375626d74 // "govsubmt"

const (
	sqlCurrentOf = `SELECT DISTINCT ON (v.subject, v.metric) v.id, v.subject, v.metric, v.value
FROM metric_versions v JOIN unnest($2::text[], $3::text[]) AS c(subject, metric)
  ON v.subject = c.subject AND v.metric = c.metric
WHERE v.period = $1 ORDER BY v.subject, v.metric, v.id DESC`
	sqlAddSubmission = `INSERT INTO submissions (account_id, period, file, sha256, bytes, added, changed, unchanged)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`
	sqlAddVersions = `INSERT INTO metric_versions (period, subject, metric, value, submission_id, replaces)
SELECT $1, c.subject, c.metric, c.value, $2, c.replaces
FROM unnest($3::text[], $4::text[], $5::float8[], $6::bigint[]) AS c(subject, metric, value, replaces)`
	sqlHistory = `SELECT v.id, v.period, v.subject, v.metric, v.value, v.submission_id, v.replaces, a.name AS by, s.file, v.created_at
FROM metric_versions v JOIN submissions s ON s.id = v.submission_id JOIN accounts a ON a.id = s.account_id
WHERE v.period = $1 AND v.subject = $2 AND v.metric = $3 ORDER BY v.id DESC`
	sqlCurrentValues = `SELECT DISTINCT ON (v.subject, v.metric) v.id, v.period, v.subject, v.metric, v.value, v.submission_id, v.replaces,
	a.name AS by, s.file, v.created_at
FROM metric_versions v JOIN submissions s ON s.id = v.submission_id JOIN accounts a ON a.id = s.account_id
WHERE v.period = $1 AND ($2::text[] IS NULL OR v.metric = ANY($2::text[]))
ORDER BY v.subject, v.metric, v.id DESC`
)

// Submit stores the cells of a submission as new versions, in one
// transaction: a cell whose current value is the same is left alone, any
// other gets a new version that names the one it replaces. The period must
// be open (ErrLocked otherwise, ErrNotFound when unknown). With dryRun
// nothing is stored and the report says what would happen.
func (db *DB) Submit(ctx context.Context, s Submission, dryRun bool) (*SubmitReport, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, db.mapError(ctx, "storing the submission", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(submitLock&0x7fffffff), s.Period); err != nil {
		return nil, db.mapError(ctx, "storing the submission: lock", err)
	}
	var status string
	if err := tx.GetContext(ctx, &status, `SELECT status FROM periods WHERE period = $1 FOR SHARE`, s.Period); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("period %s: %w", s.Period, ErrNotFound)
		}
		return nil, db.mapError(ctx, "storing the submission", err)
	}
	if status != "open" {
		return nil, fmt.Errorf("period %s is %s: %w", s.Period, status, ErrLocked)
	}
	subj := make([]string, len(s.Cells))
	met := make([]string, len(s.Cells))
	for i, c := range s.Cells {
		subj[i], met[i] = c.Subject, c.Metric
	}
	type cur struct {
		ID      int64           `db:"id"`
		Subject string          `db:"subject"`
		Metric  string          `db:"metric"`
		Value   sql.NullFloat64 `db:"value"`
	}
	var current []cur
	if err := tx.SelectContext(ctx, &current, sqlCurrentOf, s.Period, pq.StringArray(subj), pq.StringArray(met)); err != nil {
		return nil, db.mapError(ctx, "storing the submission", err)
	}
	have := make(map[[2]string]cur, len(current))
	for _, c := range current {
		have[[2]string{c.Subject, c.Metric}] = c
	}
	rep := &SubmitReport{}
	var nSubj, nMet []string
	var nVal []sql.NullFloat64
	var nRep []sql.NullInt64
	for _, c := range s.Cells {
		old, ok := have[[2]string{c.Subject, c.Metric}]
		nv := sql.NullFloat64{Float64: c.Value, Valid: !math.IsNaN(c.Value)}
		switch {
		case !ok:
			rep.Added++
		case sameValue(old.Value, nv):
			rep.Unchanged++
			continue
		default:
			rep.Changed++
		}
		nSubj = append(nSubj, c.Subject)
		nMet = append(nMet, c.Metric)
		nVal = append(nVal, nv)
		nRep = append(nRep, sql.NullInt64{Int64: old.ID, Valid: ok})
	}
	if dryRun || len(nSubj) == 0 {
		return rep, nil
	}
	if err := tx.GetContext(ctx, &rep.Version, sqlAddSubmission, s.AccountID, s.Period, s.File, s.SHA256, s.Bytes,
		rep.Added, rep.Changed, rep.Unchanged); err != nil {
		return nil, db.mapError(ctx, "storing the submission", err)
	}
	if _, err := tx.ExecContext(ctx, sqlAddVersions, s.Period, rep.Version, pq.StringArray(nSubj), pq.StringArray(nMet),
		pq.GenericArray{A: nVal}, pq.GenericArray{A: nRep}); err != nil {
		return nil, db.mapError(ctx, "storing the submission", err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: s.Actor, Action: "metrics.submit", Object: "period/" + s.Period + "/metrics",
		After: s.SHA256, Detail: map[string]any{"file": s.File, "version": rep.Version, "added": rep.Added,
			"changed": rep.Changed, "unchanged": rep.Unchanged}}); err != nil {
		return nil, db.mapError(ctx, "storing the submission", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, db.mapError(ctx, "storing the submission", err)
	}
	return rep, nil
}

// sameValue reports whether two stored values are equal (both missing, or
// the same float64 bits).
func sameValue(a, b sql.NullFloat64) bool {
	if a.Valid != b.Valid {
		return false
	}
	return !a.Valid || math.Float64bits(a.Float64) == math.Float64bits(b.Float64)
}

// History returns every version of one cell, newest first.
func (db *DB) History(ctx context.Context, period, subject, metric string) ([]MetricVersion, error) {
	var out []MetricVersion
	if err := db.x.SelectContext(ctx, &out, sqlHistory, period, subject, metric); err != nil {
		return nil, db.mapError(ctx, "reading the history", err)
	}
	return out, nil
}

// CurrentValues returns the current version of every cell of period, of
// the given metrics only (nil: all), by subject and metric.
func (db *DB) CurrentValues(ctx context.Context, period string, metrics []string) ([]MetricVersion, error) {
	var filter any
	if metrics != nil {
		filter = pq.StringArray(metrics)
	}
	var out []MetricVersion
	if err := db.x.SelectContext(ctx, &out, sqlCurrentValues, period, filter); err != nil {
		return nil, db.mapError(ctx, "reading current values", err)
	}
	return out, nil
}
