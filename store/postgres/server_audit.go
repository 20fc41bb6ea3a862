package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
)

// AuditEntry is one row of the append-only audit log: who did what to
// which object, with the SHA-256 digests of the object before and after
// (empty when there was none) and free details.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string // e.g. "account.add", "metrics.submit", "batch.approve"
	Object string // e.g. "account/alice", "period/2024", "batch/7"
	Before string
	After  string
	Detail map[string]any
}

// auditRow is an audit_log row.
type auditRow struct {
	ID     int64     `db:"id"`
	At     time.Time `db:"at"`
	Actor  string    `db:"actor"`
	Action string    `db:"action"`
	Object string    `db:"object"`
	Before string    `db:"digest_before"`
	After  string    `db:"digest_after"`
	Detail []byte    `db:"detail"`
}

// toAuditEntry converts an audit_log row.
func toAuditEntry(r auditRow) AuditEntry {
	e := AuditEntry{ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action, Object: r.Object, Before: r.Before, After: r.After}
	_ = json.Unmarshal(r.Detail, &e.Detail)
	return e
}

const (
	sqlAudit    = `INSERT INTO audit_log (actor, action, object, digest_before, digest_after, detail) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlAuditLog = `SELECT id, at, actor, action, object, digest_before, digest_after, detail FROM audit_log
WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2`
)

// audit appends e to the audit log within the caller's transaction, so
// that the write and its record commit together.
func audit(ctx context.Context, x sqlx.ExecerContext, e AuditEntry) error {
	d := e.Detail
	if d == nil {
		d = map[string]any{}
	}
	js, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = x.ExecContext(ctx, sqlAudit, e.Actor, e.Action, e.Object, e.Before, e.After, string(js))
	return err
}

// digestOf is the hex SHA-256 of v's JSON encoding, the digest recorded in
// the audit log.
func digestOf(v any) string {
	js, _ := json.Marshal(v)
	h := sha256.Sum256(js)
	return hex.EncodeToString(h[:])
}

// AuditLog returns up to limit entries, newest first, older than the entry
// before (0: from the newest).
func (db *DB) AuditLog(ctx context.Context, before int64, limit int) ([]AuditEntry, error) {
	var rows []auditRow
	if err := db.x.SelectContext(ctx, &rows, sqlAuditLog, before, limit); err != nil {
		return nil, db.mapError(ctx, "reading the audit log", err)
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = toAuditEntry(r)
	}
	return out, nil
}

// Audit appends one entry to the audit log on its own (for writes that
// have no transaction of their own, such as a login).
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	return db.mapError(ctx, "writing the audit log", audit(ctx, db.x, e))
}

// digestBytes is the hex SHA-256 of b.
func digestBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
