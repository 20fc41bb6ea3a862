package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// copyChunk is the size of the chunks of pre-encoded COPY text handed to
// lib/pq at once.
const copyChunk = 256 << 10

// copyDataStmt is the raw-data method of lib/pq's COPY … FROM STDIN
// statement (lib/pq ≥ 1.10.6): data is added to the COPY stream as is,
// followed by a newline; End ends the stream.
type copyDataStmt interface {
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copyEnder is how lib/pq ends a COPY stream and reports its result:
// Exec with no argument. lib/pq's COPY statement has no ExecContext, so
// this names the one method it has rather than calling the deprecated
// driver.Stmt.Exec through that interface.
type copyEnder interface {
	Exec(args []driver.Value) (driver.Result, error)
}

// copyWriter collects COPY lines (text format) or tuples (binary format,
// see copyBinaryIn) and sends them in chunks.
type copyWriter struct {
	ctx  context.Context
	stmt copyDataStmt // text format: lib/pq's COPY statement
	// Binary format: send sends buf, whose first prefix bytes are room
	// for a message header.
	send    func(buf []byte) error
	sendRaw func(p []byte) error // sends p as it is
	prefix  int
	buf     []byte
	rows    int64
}

// line returns the buffer to append one line to, newline included.
// endLine must follow.
func (w *copyWriter) line() []byte { return w.buf }

// endLine takes back the buffer with one more line and sends a chunk when
// it is full.
func (w *copyWriter) endLine(b []byte) error {
	w.buf = b
	w.rows++
	if len(w.buf)-w.prefix >= copyChunk {
		err := w.flush()
		if err == nil && testHookCopyFlush != nil {
			testHookCopyFlush()
		}
		return err
	}
	return nil
}

// flush sends the buffered lines. CopyData appends the newline of the
// last line itself.
func (w *copyWriter) flush() error {
	if len(w.buf) == w.prefix {
		return nil
	}
	if w.send != nil {
		err := w.send(w.buf)
		w.buf = w.buf[:w.prefix]
		return err
	}
	_, err := w.stmt.CopyData(w.ctx, string(w.buf[:len(w.buf)-1]))
	w.buf = w.buf[:0]
	return err
}

// writeRaw sends what is buffered, then p, unbuffered (binary format
// only: the bytes of a large field, without copying them).
func (w *copyWriter) writeRaw(p []byte) error {
	if err := w.flush(); err != nil {
		return err
	}
	return w.sendRaw(p)
}

// testHookCopyFlush, set by tests, runs after each full chunk sent, with
// more to come (to lose the server or cancel in the middle of a COPY).
var testHookCopyFlush func()

// copyIn runs the statement q, a COPY … FROM STDIN in text format, on
// conn, whose transaction must be open, and lets fill write its lines
// (newline-terminated, escaped as COPY's text format requires). It returns
// the number of lines sent.
//
// The lines go to the server as they are, in chunks, through lib/pq's raw
// CopyData, without database/sql's per-row argument conversion. database/sql
// gives the driver connection only through Conn.Raw, which must not see
// driver.ErrBadConn while a transaction holds the connection (it would try
// to close it and wait for the transaction forever), so every error is
// carried out of Raw beside it.
func copyIn(ctx context.Context, conn *sqlx.Conn, q string, fill func(w *copyWriter) error) (int64, error) {
	var rows int64
	var err error
	rerr := conn.Raw(func(dc any) error {
		rows, err = copyInDriver(ctx, dc, q, fill)
		return nil
	})
	if rerr != nil {
		return 0, rerr
	}
	return rows, err
}

func copyInDriver(ctx context.Context, dc any, q string, fill func(w *copyWriter) error) (int64, error) {
	prep, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return 0, fmt.Errorf("driver %T cannot prepare with a context", dc)
	}
	st, err := prep.PrepareContext(ctx, q)
	if err != nil {
		return 0, err
	}
	cd, ok := st.(copyDataStmt)
	end, ok2 := st.(copyEnder)
	if !ok || !ok2 {
		st.Close()
		return 0, fmt.Errorf("driver statement %T has no CopyData (lib/pq ≥ 1.10.6 needed)", st)
	}
	w := &copyWriter{ctx: ctx, stmt: cd, buf: make([]byte, 0, copyChunk+4096)}
	err = fill(w)
	if err == nil {
		err = w.flush()
	}
	if err != nil {
		// An error of the stream carries the server's error, if it sent
		// one; closing the statement ends the COPY.
		st.Close()
		return w.rows, err
	}
	if _, err := end.Exec(nil); err != nil {
		st.Close()
		return w.rows, err
	}
	return w.rows, st.Close()
}

// appendCopyText appends s escaped for COPY's text format.
func appendCopyText[T ~string | ~[]byte](b []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return b
}
