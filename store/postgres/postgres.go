package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Sentinel errors. Errors returned by DB wrap one of these (test with
// errors.Is) when the cause is known; their messages never contain a
// password.
var (
	// ErrConnect: the server cannot be reached, or refused the credentials.
	ErrConnect = errors.New("cannot connect to the database")
	// ErrSchemaMissing: the database has no govscore schema yet.
	ErrSchemaMissing = errors.New("the database has no govscore schema: run `govscore db migrate`")
	// ErrSchemaOld: the schema is older than this binary.
	ErrSchemaOld = errors.New("the database schema is older than this govscore: run `govscore db migrate`")
	// ErrSchemaNew: the schema is newer than this binary.
	ErrSchemaNew = errors.New("the database schema is newer than this govscore: upgrade govscore")
	// ErrNotFound: no batch (or other row) with that id.
	ErrNotFound = errors.New("not found")
	// ErrPublished: the batch is published (or no longer a draft) and the
	// database refused to change it.
	ErrPublished = errors.New("batch is published and immutable")
	// ErrTransition: the status change is not draft → approved → published.
	ErrTransition = errors.New("invalid batch status change")
	// ErrBatchExists: a batch of the same indicator-set version, period and
	// data already exists.
	ErrBatchExists = errors.New("batch already exists")
	// ErrBusy: another process is running the same batch or import.
	ErrBusy = errors.New("another govscore process is working on the same batch")
	// ErrNoData: the database holds no metric rows for the period asked.
	ErrNoData = errors.New("no data")
)

// PostgreSQL error codes that map to sentinels.
const (
	codePublished  = "GS001" // raised by govscore_batches_guard / results guards
	codeTransition = "GS002"
	codeUnique     = "23505"
	codeNoTable    = "42P01"
)

// DB is a govscore database. It is safe for concurrent use.
type DB struct {
	x   *sqlx.DB
	url string // redacted, for messages
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string) and checks that it answers. The error never contains
// the password. Open does not check the schema: see CheckSchema.
func Open(ctx context.Context, url string) (*DB, error) {
	red := Redact(url)
	x, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %s", ErrConnect, red, scrub(err.Error(), url))
	}
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrConnect, red, ctx.Err())
		}
		return nil, fmt.Errorf("%w %s: %s", ErrConnect, red, scrub(err.Error(), url))
	}
	return &DB{x: x, url: red}, nil
}

// Close closes the connection pool.
func (db *DB) Close() error { return db.x.Close() }

// URL returns the database URL with its password removed.
func (db *DB) URL() string { return db.url }

var kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// Redact returns a connection URL or key=value string with the password
// replaced by "xxxxx", for messages.
func Redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return kvPassword.ReplaceAllString(s, "${1}xxxxx")
}

// scrub removes the URL and its password from a driver message, in case
// the driver quotes them.
func scrub(msg, rawURL string) string {
	if rawURL != "" {
		msg = strings.ReplaceAll(msg, rawURL, Redact(rawURL))
	}
	if u, err := url.Parse(rawURL); err == nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
		if p := u.Query().Get("password"); p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

// mapError turns a driver error into one wrapping a sentinel where the
// PostgreSQL error code says what happened, and reports a cancelled or
// expired ctx as ctx.Err().
func (db *DB) mapError(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case codePublished:
			return fmt.Errorf("%s: %w: %s", op, ErrPublished, pe.Message)
		case codeTransition:
			return fmt.Errorf("%s: %w: %s", op, ErrTransition, pe.Message)
		case codeNoTable:
			return fmt.Errorf("%s: %w", op, ErrSchemaMissing)
		}
		if pe.Code.Class() == "08" || pe.Code.Class() == "28" || pe.Code.Class() == "57" {
			return fmt.Errorf("%s: %w %s: %s", op, ErrConnect, db.url, pe.Message)
		}
		return fmt.Errorf("%s: %s (SQLSTATE %s)", op, pe.Message, pe.Code)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
