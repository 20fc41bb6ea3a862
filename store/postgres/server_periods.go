package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/govscore/govscore/indicators"
)

// ErrLocked: the period is locked (or not open) and takes no submission.
var ErrLocked = errors.New("the period is not open")

// PeriodStatus is a period of the server: open for submissions or locked.
type PeriodStatus struct {
	Period    string    `db:"period"`
	Status    string    `db:"status"` // "open" or "locked"
	UpdatedBy string    `db:"updated_by"`
	UpdatedAt time.Time `db:"updated_at"`
}

const (
	sqlServerPeriods = `SELECT period, status, updated_by, updated_at FROM periods ORDER BY period`
	sqlServerPeriod  = `SELECT period, status, updated_by, updated_at FROM periods WHERE period = $1`
	sqlSetPeriod     = `INSERT INTO periods (period, status, updated_by) VALUES ($1, $2, $3)
ON CONFLICT (period) DO UPDATE SET status = EXCLUDED.status, updated_by = EXCLUDED.updated_by, updated_at = now()`
	sqlLockPeriodRow = `SELECT status FROM periods WHERE period = $1 FOR UPDATE`
	sqlUseSet        = `INSERT INTO server_sets (set_version, set_by) VALUES ($1, $2)`
	sqlCurrentSet    = `SELECT s.id, s.yaml, s.sha256 FROM server_sets c JOIN indicator_sets s ON s.id = c.set_version ORDER BY c.id DESC LIMIT 1`
)

// ServerPeriods lists the periods the server knows, oldest first.
func (db *DB) ServerPeriods(ctx context.Context) ([]PeriodStatus, error) {
	var out []PeriodStatus
	if err := db.x.SelectContext(ctx, &out, sqlServerPeriods); err != nil {
		return nil, db.mapError(ctx, "listing periods", err)
	}
	return out, nil
}

// ServerPeriod returns one period, or ErrNotFound.
func (db *DB) ServerPeriod(ctx context.Context, period string) (*PeriodStatus, error) {
	var p PeriodStatus
	if err := db.x.GetContext(ctx, &p, sqlServerPeriod, period); err != nil {
		return nil, db.mapError(ctx, "reading period "+period, err)
	}
	return &p, nil
}

// SetPeriodStatus opens or locks a period (creating it), as actor.
func (db *DB) SetPeriodStatus(ctx context.Context, period, status, actor string) error {
	if status != "open" && status != "locked" {
		return fmt.Errorf("period status %q: want open or locked", status)
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, "setting the period", err)
	}
	defer tx.Rollback()
	var before string
	if err := tx.GetContext(ctx, &before, sqlLockPeriodRow, period); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return db.mapError(ctx, "setting the period", err)
	}
	if _, err := tx.ExecContext(ctx, sqlSetPeriod, period, status, actor); err != nil {
		return db.mapError(ctx, "setting the period", err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "period." + status, Object: "period/" + period,
		Before: digestIf(before), After: digestOf(status), Detail: map[string]any{"before": before, "after": status}}); err != nil {
		return db.mapError(ctx, "setting the period", err)
	}
	return db.mapError(ctx, "setting the period", tx.Commit())
}

// digestIf is digestOf(s), or "" for an empty s (no prior state).
func digestIf(s string) string {
	if s == "" {
		return ""
	}
	return digestOf(s)
}

// UseSet stores the indicator set (once per SHA-256) and makes it the one
// in force on the server, as actor.
func (db *DB) UseSet(ctx context.Context, set *indicators.Set, actor string) (int64, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return 0, db.mapError(ctx, "storing the indicator set", err)
	}
	defer tx.Rollback()
	var prev struct {
		ID     int64  `db:"id"`
		YAML   string `db:"yaml"`
		SHA256 string `db:"sha256"`
	}
	if err := tx.GetContext(ctx, &prev, sqlCurrentSet); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, db.mapError(ctx, "storing the indicator set", err)
	}
	sha := digestBytes(set.Source)
	var id int64
	if err := tx.GetContext(ctx, &id, sqlUpsertSet, set.ID, set.Name, set.Version, sha, string(set.Source)); err != nil {
		return 0, db.mapError(ctx, "storing the indicator set", err)
	}
	if _, err := tx.ExecContext(ctx, sqlUseSet, id, actor); err != nil {
		return 0, db.mapError(ctx, "storing the indicator set", err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "set.use", Object: "set/" + set.ID,
		Before: prev.SHA256, After: sha, Detail: map[string]any{"version": set.Version}}); err != nil {
		return 0, db.mapError(ctx, "storing the indicator set", err)
	}
	return id, db.mapError(ctx, "storing the indicator set", tx.Commit())
}

// CurrentSet returns the YAML of the indicator set in force and its
// indicator_sets id, or ErrNotFound when none was set.
func (db *DB) CurrentSet(ctx context.Context) (id int64, yaml string, err error) {
	var r struct {
		ID     int64  `db:"id"`
		YAML   string `db:"yaml"`
		SHA256 string `db:"sha256"`
	}
	if err := db.x.GetContext(ctx, &r, sqlCurrentSet); err != nil {
		return 0, "", db.mapError(ctx, "reading the indicator set in force", err)
	}
	return r.ID, r.YAML, nil
}
