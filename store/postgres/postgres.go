package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"syscall"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// Sentinel errors. Errors returned by DB wrap one of these (test with
// errors.Is) when the cause is known; their messages never contain a
// password.
var (
	// ErrConnect: the server cannot be reached, or refused the credentials.
	ErrConnect = errors.New("cannot connect to the database")
	// ErrConnLost: the connection broke, or the server terminated it,
	// while govscore was working; the transaction was not committed.
	ErrConnLost = errors.New("the connection to the database was lost")
	// ErrCommitUnknown: the connection broke after COMMIT was sent and
	// before the server answered: the transaction may or may not have been
	// committed. Running the same command again is safe (see its message).
	ErrCommitUnknown = errors.New("the connection to the database was lost after COMMIT was sent: the outcome is unknown; rerun is safe")
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
	codeLockWait   = "55P03" // lock_not_available: lock_timeout passed
)

// DB is a govscore database. It is safe for concurrent use.
type DB struct {
	x        *sqlx.DB
	url      string // redacted, for messages
	shareCPU bool   // ShareCPU
}

// ShareCPU tells SaveBatch whether the database server runs on this
// machine, sharing its cores with govscore. When it does, the outputs are
// rendered on one core fewer (runtime.GOMAXPROCS) while the server takes
// the batch's results: that COPY runs on one server core, and everything
// after it waits for it, so the rendering, which can use every core once
// it is over, does not slow it down. `govscore run --db` sets it when the
// URL names a local server (LocalServer).
func (db *DB) ShareCPU(on bool) { db.shareCPU = on }

// LocalServer reports whether the connection string conn (a postgres://
// URL or key=value pairs) names a server on this machine: a Unix socket,
// localhost or a loopback address.
func LocalServer(conn string) bool {
	var hosts []string
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		hosts = append(hosts, u.Hostname())
		if h := u.Query().Get("host"); h != "" {
			hosts = append(hosts, h)
		}
	} else {
		hosts = append(hosts, "")
		for _, f := range strings.Fields(conn) {
			if k, v, ok := strings.Cut(f, "="); ok && k == "host" {
				hosts = append(hosts, strings.Trim(v, "'"))
			}
		}
	}
	// The last host given wins; none is the default Unix socket.
	h := hosts[len(hosts)-1]
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback()
	}
	return h == "" || h == "localhost" || strings.HasPrefix(h, "/")
}

// yieldCores lowers GOMAXPROCS by one when the server shares this
// machine's cores (ShareCPU) and returns what restores it.
func (db *DB) yieldCores() func() {
	n := runtime.GOMAXPROCS(0)
	if !db.shareCPU || n < 2 {
		return func() {}
	}
	runtime.GOMAXPROCS(n - 1)
	return func() { runtime.GOMAXPROCS(n) }
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
		switch {
		case isConnectCode(pe.Code):
			return fmt.Errorf("%s: %w %s: %s", op, ErrConnect, db.url, pe.Message)
		case isLostCode(pe.Code):
			return fmt.Errorf("%s: %w (%s): %s", op, ErrConnLost, db.url, pe.Message)
		}
		return fmt.Errorf("%s: %s (SQLSTATE %s)", op, pe.Message, pe.Code)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	if isDialError(err) {
		return fmt.Errorf("%s: %w %s: %s", op, ErrConnect, db.url, scrub(err.Error(), ""))
	}
	if isBrokenConn(err) {
		return fmt.Errorf("%s: %w (%s): %v", op, ErrConnLost, db.url, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isConnectCode: SQLSTATEs of a connection that could not be made (class
// 28, invalid authorisation; 08001 and 08004, the server refused it;
// 57P03, the server is starting or shutting down).
func isConnectCode(c pqerror.Code) bool {
	return c.Class() == "28" || c == "08001" || c == "08004" || c == "57P03"
}

// isLostCode: SQLSTATEs of a connection that existed and ended (the rest
// of class 08; 57P01/57P02 the server terminated it, 57P04 its database
// was dropped). A cancelled statement (57014) is neither.
func isLostCode(c pqerror.Code) bool {
	return (c.Class() == "08" && !isConnectCode(c)) || c == "57P01" || c == "57P02" || c == "57P04"
}

// isDialError: a new connection could not be opened.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// isBrokenConn: an established connection broke (reset, closed, EOF) —
// what lib/pq returns when the server or the network goes away mid-way.
func isBrokenConn(err error) bool {
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		(errors.As(err, &ne) && !isDialError(err))
}

// commitError maps the error of tx.Commit for op. An answer of the server
// (an error it reports, other than a lost connection), or an error of
// database/sql before COMMIT went out (a done context, a finished
// transaction), means nothing was committed: mapError. Anything else means
// the connection broke after COMMIT was sent, so the transaction may or
// may not be committed: ErrCommitUnknown, with rerun saying why running
// the command again is safe.
func (db *DB) commitError(ctx context.Context, op string, err error, rerun string) error {
	var pe *pq.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe) && !isLostCode(pe.Code),
		errors.Is(err, sql.ErrTxDone), errors.Is(err, pq.ErrInFailedTransaction),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return db.mapError(ctx, op, err)
	}
	return fmt.Errorf("%s: %w: %s (%s: %v)", op, ErrCommitUnknown, rerun, db.url, err)
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
