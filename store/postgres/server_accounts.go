package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// ErrExists: a row with the same key (an account name) exists.
var ErrExists = errors.New("already exists")

// Roles are the account roles of the server (SPEC §9).
var Roles = []string{"admin", "provider", "assessor", "subject"}

// Account is a server account (SPEC §9). Provider is set for the role
// provider, Subject for the role subject, Items for the role assessor.
type Account struct {
	ID        int64
	Name      string
	Role      string
	Provider  string
	Subject   string
	Items     []string
	CreatedAt time.Time
}

// accountRow is an accounts row.
type accountRow struct {
	ID        int64          `db:"id"`
	Name      string         `db:"name"`
	Role      string         `db:"role"`
	Provider  string         `db:"provider"`
	Subject   string         `db:"subject"`
	Items     pq.StringArray `db:"items"`
	PwHash    string         `db:"pw_hash"`
	CreatedAt time.Time      `db:"created_at"`
}

// toAccount converts an accounts row.
func toAccount(r accountRow) *Account {
	return &Account{ID: r.ID, Name: r.Name, Role: r.Role, Provider: r.Provider, Subject: r.Subject,
		Items: []string(r.Items), CreatedAt: r.CreatedAt}
}

// Session is a logged-in session: its account, its form token and when it
// ends.
type Session struct {
	Account   *Account
	Kind      string // "cookie" or "bearer"
	CSRF      string
	ExpiresAt time.Time
}

const (
	accountColumns  = `a.id, a.name, a.role, a.provider, a.subject, a.items, a.pw_hash, a.created_at`
	sqlAddAccount   = `INSERT INTO accounts (name, role, provider, subject, items, pw_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	sqlAccountName  = `SELECT ` + accountColumns + ` FROM accounts a WHERE a.name = $1`
	sqlAccounts     = `SELECT ` + accountColumns + ` FROM accounts a ORDER BY a.name`
	sqlAddSession   = `INSERT INTO sessions (id_hash, account_id, kind, csrf, expires_at) VALUES ($1, $2, $3, $4, $5)`
	sqlSessionByKey = `SELECT ` + accountColumns + `, s.kind, s.csrf, s.expires_at
FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = $1 AND s.expires_at > now()`
	sqlDeleteSession = `DELETE FROM sessions WHERE id_hash = $1`
	sqlPurgeSessions = `DELETE FROM sessions WHERE expires_at <= now()`
)

// AddAccount creates an account with the given password hash and records
// it in the audit log as done by actor. A taken name is ErrExists.
func (db *DB) AddAccount(ctx context.Context, a Account, pwHash, actor string) (int64, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return 0, db.mapError(ctx, "adding the account", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, sqlAddAccount, a.Name, a.Role, a.Provider, a.Subject, pq.StringArray(nonNil(a.Items)), pwHash)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == codeUnique {
		return 0, fmt.Errorf("account %q: %w", a.Name, ErrExists)
	}
	if err != nil {
		return 0, db.mapError(ctx, "adding the account", err)
	}
	a.ID = id
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "account.add", Object: "account/" + a.Name,
		After: digestOf(struct {
			Name, Role, Provider, Subject string
			Items                         []string
		}{a.Name, a.Role, a.Provider, a.Subject, a.Items})}); err != nil {
		return 0, db.mapError(ctx, "adding the account", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, db.mapError(ctx, "adding the account", err)
	}
	return id, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AccountByName returns the account called name and its password hash,
// or ErrNotFound.
func (db *DB) AccountByName(ctx context.Context, name string) (*Account, string, error) {
	var r accountRow
	if err := db.x.GetContext(ctx, &r, sqlAccountName, name); err != nil {
		return nil, "", db.mapError(ctx, "reading the account", err)
	}
	return toAccount(r), r.PwHash, nil
}

// Accounts lists the accounts by name.
func (db *DB) Accounts(ctx context.Context) ([]*Account, error) {
	var rows []accountRow
	if err := db.x.SelectContext(ctx, &rows, sqlAccounts); err != nil {
		return nil, db.mapError(ctx, "listing accounts", err)
	}
	out := make([]*Account, len(rows))
	for i, r := range rows {
		out[i] = toAccount(r)
	}
	return out, nil
}

// AddSession stores a session under the hash of its token.
func (db *DB) AddSession(ctx context.Context, idHash []byte, accountID int64, kind, csrf string, expires time.Time) error {
	_, err := db.x.ExecContext(ctx, sqlAddSession, idHash, accountID, kind, csrf, expires.UTC())
	return db.mapError(ctx, "storing the session", err)
}

// SessionByHash returns the unexpired session stored under idHash, or
// ErrNotFound.
func (db *DB) SessionByHash(ctx context.Context, idHash []byte) (*Session, error) {
	var r struct {
		accountRow
		Kind      string    `db:"kind"`
		CSRF      string    `db:"csrf"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	err := db.x.GetContext(ctx, &r, sqlSessionByKey, idHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, db.mapError(ctx, "reading the session", err)
	}
	return &Session{Account: toAccount(r.accountRow), Kind: r.Kind, CSRF: r.CSRF, ExpiresAt: r.ExpiresAt}, nil
}

// DeleteSession ends the session stored under idHash.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := db.x.ExecContext(ctx, sqlDeleteSession, idHash)
	return db.mapError(ctx, "ending the session", err)
}

// PurgeSessions deletes the expired sessions and returns how many.
func (db *DB) PurgeSessions(ctx context.Context) (int64, error) {
	res, err := db.x.ExecContext(ctx, sqlPurgeSessions)
	if err != nil {
		return 0, db.mapError(ctx, "purging sessions", err)
	}
	return res.RowsAffected()
}

// SetMaxOpenConns limits the connections the pool opens (a server under
// load otherwise opens one per concurrent request, past the database's
// max_connections).
func (db *DB) SetMaxOpenConns(n int) { db.x.SetMaxOpenConns(n) }
