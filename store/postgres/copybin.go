package postgres

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// Binary COPY. lib/pq refuses COPY … FROM STDIN in binary format (its
// COPY statement fails on the server's binary CopyInResponse), and its
// raw CopyData appends a newline to every call, which only the text
// format accepts. The text format costs the server a float parse per array
// element: the COPY of the 1M batch_subjects rows of a 1M × 50 batch is
// bound by it (~42 s, twice the binary format's time for the same rows).
//
// So, between two statements of a transaction, copyBinary speaks the COPY
// sub-protocol itself on lib/pq's connection (the socket, or the TLS
// connection over it, and lib/pq's buffered reader of it): Query, then
// CopyData messages, CopyDone, and the replies up to ReadyForQuery, after
// which lib/pq finds the connection as it left it. It reaches the two
// unexported fields (conn.c and conn.buf of lib/pq v1.12) by reflection;
// when they are not there, as after a change of lib/pq, rawPQConn says so
// and the caller falls back to the text format (TestBinaryCopyAvailable
// fails then, so that the fallback is not silent).

// pqConnFields are lib/pq's connection and its buffered reader.
type pqConnFields struct {
	c   net.Conn
	buf *bufio.Reader
}

var (
	netConnType   = reflect.TypeFor[net.Conn]()
	bufReaderType = reflect.TypeFor[*bufio.Reader]()
)

// rawPQConn returns the socket and reader of lib/pq's driver connection
// dc, or false when dc is not one (another driver, another lib/pq).
func rawPQConn(dc any) (pqConnFields, bool) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() != "github.com/lib/pq" {
		return pqConnFields{}, false
	}
	s := v.Elem()
	c, buf := s.FieldByName("c"), s.FieldByName("buf")
	if !c.IsValid() || !buf.IsValid() || c.Type() != netConnType || buf.Type() != bufReaderType {
		return pqConnFields{}, false
	}
	f := pqConnFields{
		c:   *(*net.Conn)(unsafe.Pointer(c.UnsafeAddr())),
		buf: *(**bufio.Reader)(unsafe.Pointer(buf.UnsafeAddr())),
	}
	if f.c == nil || f.buf == nil || f.buf.Buffered() != 0 {
		return pqConnFields{}, false
	}
	return f, true
}

// errNoBinaryCopy: the driver connection cannot be taken over.
var errNoBinaryCopy = errors.New("binary COPY is not available on this connection")

// copyBinaryIn is copyIn for a COPY … FROM STDIN (FORMAT binary): fill
// writes the binary format (header, tuples; no trailer needed) through
// the copyWriter, whose chunks go to the server as CopyData messages. It
// returns errNoBinaryCopy, having sent nothing, when the connection
// cannot be taken over.
func copyBinaryIn(ctx context.Context, conn *sqlx.Conn, q string, fill func(w *copyWriter) error) (int64, error) {
	var rows int64
	var err error
	rerr := conn.Raw(func(dc any) error {
		f, ok := rawPQConn(dc)
		if !ok {
			err = errNoBinaryCopy
			return nil
		}
		rows, err = f.copyIn(ctx, q, fill)
		return nil
	})
	if rerr != nil {
		return 0, rerr
	}
	return rows, err
}

// copyIn runs the binary COPY q on the connection.
func (f pqConnFields) copyIn(ctx context.Context, q string, fill func(w *copyWriter) error) (int64, error) {
	// A cancelled context interrupts the socket's reads and writes; the
	// connection is broken then, and lib/pq finds it so (ErrBadConn), so
	// database/sql drops it.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var interrupted bool
	wg.Go(func() {
		select {
		case <-ctx.Done():
			interrupted = true
			f.c.SetDeadline(time.Unix(1, 0))
		case <-stop:
		}
	})
	rows, err := f.copyInLocked(q, fill)
	close(stop)
	wg.Wait()
	if interrupted {
		return rows, ctx.Err()
	}
	return rows, err
}

func (f pqConnFields) copyInLocked(q string, fill func(w *copyWriter) error) (int64, error) {
	msg := make([]byte, 0, len(q)+6)
	msg = append(msg, 'Q', 0, 0, 0, 0)
	msg = append(msg, q...)
	msg = append(msg, 0)
	binary.BigEndian.PutUint32(msg[1:], uint32(len(msg)-1))
	if _, err := f.c.Write(msg); err != nil {
		return 0, err
	}
	// CopyInResponse, or an error and ReadyForQuery.
	started, err := f.await('G')
	if !started {
		return 0, err
	}
	w := &copyWriter{buf: make([]byte, 5, copyChunk+4096), send: f.sendData, sendRaw: f.sendRaw, prefix: 5}
	ferr := fill(w)
	if ferr == nil {
		ferr = w.flush()
	}
	if ferr != nil {
		// CopyFail: the server ends the COPY with an error and
		// ReadyForQuery; its error is the consequence of ferr.
		fm := append([]byte{'f', 0, 0, 0, 0}, ferr.Error()...)
		fm = append(fm, 0)
		binary.BigEndian.PutUint32(fm[1:], uint32(len(fm)-1))
		if _, err := f.c.Write(fm); err == nil {
			f.await(0)
		}
		return w.rows, ferr
	}
	if _, err := f.c.Write([]byte{'c', 0, 0, 0, 4}); err != nil {
		return w.rows, err
	}
	_, err = f.await(0)
	return w.rows, err
}

// sendData sends buf[5:] as a CopyData message, buf[:5] being room for
// its header.
func (f pqConnFields) sendData(buf []byte) error {
	buf[0] = 'd'
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(buf)-1))
	_, err := f.c.Write(buf)
	return err
}

// sendRaw sends p as a CopyData message.
func (f pqConnFields) sendRaw(p []byte) error {
	var hdr [5]byte
	hdr[0] = 'd'
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(p)+4))
	bufs := net.Buffers{hdr[:], p}
	_, err := bufs.WriteTo(f.c)
	return err
}

// await reads the server's messages up to ReadyForQuery, or up to a
// message of type stop (then true). The first ErrorResponse is returned
// as a *pq.Error.
func (f pqConnFields) await(stop byte) (bool, error) {
	var first error
	var hdr [5]byte
	var body []byte
	for {
		if _, err := io.ReadFull(f.buf, hdr[:]); err != nil {
			return false, err
		}
		n := int(binary.BigEndian.Uint32(hdr[1:])) - 4
		if n < 0 || n > 1<<30 {
			return false, fmt.Errorf("binary COPY: bad message length %d", n)
		}
		if cap(body) < n {
			body = make([]byte, n)
		}
		body = body[:n]
		if _, err := io.ReadFull(f.buf, body); err != nil {
			return false, err
		}
		switch t := hdr[0]; t {
		case stop:
			if t == 'G' && (len(body) < 1 || body[0] != 1) {
				return false, fmt.Errorf("binary COPY: the server answered a text COPY")
			}
			return true, nil
		case 'E':
			if first == nil {
				first = parseErrorResponse(body)
			}
		case 'Z':
			return false, first
		case 'C', 'N', 'S', 'A', 'G', 'H':
			// CommandComplete, notices, parameter changes and
			// notifications between statements are of no use here.
		default:
			return false, fmt.Errorf("binary COPY: unexpected message %q", t)
		}
	}
}

// parseErrorResponse reads the fields of an ErrorResponse into a
// *pq.Error, as lib/pq does.
func parseErrorResponse(b []byte) *pq.Error {
	e := &pq.Error{}
	for len(b) > 1 {
		t := b[0]
		b = b[1:]
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		v := string(b[:i])
		if i < len(b) {
			i++
		}
		b = b[i:]
		switch t {
		case 'S':
			e.Severity = v
		case 'C':
			e.Code = pqerror.Code(v)
		case 'M':
			e.Message = v
		case 'D':
			e.Detail = v
		case 'H':
			e.Hint = v
		case 'W':
			e.Where = v
		case 's':
			e.Schema = v
		case 't':
			e.Table = v
		case 'c':
			e.Column = v
		case 'n':
			e.Constraint = v
		}
	}
	return e
}

// The binary format (https://www.postgresql.org/docs/current/sql-copy.html).

// binHeader is the signature, the flags and an empty header extension.
var binHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// Type OIDs of array elements.
const (
	oidText   = 25
	oidFloat8 = 701
)

func appendInt16(b []byte, v int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func appendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

// binNull appends a NULL field.
func binNull(b []byte) []byte { return appendInt32(b, -1) }

// binInt64 appends a bigint field.
func binInt64(b []byte, v int64) []byte {
	b = appendInt32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// binInt32 appends an integer field.
func binInt32(b []byte, v int32) []byte {
	b = appendInt32(b, 4)
	return appendInt32(b, v)
}

// binBool appends a boolean field.
func binBool(b []byte, v bool) []byte {
	b = appendInt32(b, 1)
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// binFloat appends a double precision field, NULL when not finite (as
// appendCopyFloat).
func binFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return binNull(b)
	}
	b = appendInt32(b, 8)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(x))
}

// binText appends a text field.
func binText[T ~string | ~[]byte](b []byte, s T) []byte {
	b = appendInt32(b, int32(len(s)))
	return append(b, s...)
}

// binJSONB appends a jsonb field of JSON text s.
func binJSONB(b []byte, s []byte) []byte {
	b = appendInt32(b, int32(len(s)+1))
	b = append(b, 1) // jsonb's binary format version
	return append(b, s...)
}

// binArrayStart appends the header of a one-dimensional array field of n
// elements of type oid; the elements follow, then binArrayEnd with the
// returned offset.
func binArrayStart(b []byte, n int, oid int32) ([]byte, int) {
	at := len(b)
	b = appendInt32(b, 0) // field length, set by binArrayEnd
	if n == 0 {
		b = appendInt32(b, 0) // no dimension
		b = appendInt32(b, 0)
		return appendInt32(b, oid), at
	}
	b = appendInt32(b, 1)
	b = appendInt32(b, 0) // has-null flag: ignored by the server
	b = appendInt32(b, oid)
	b = appendInt32(b, int32(n))
	return appendInt32(b, 1), at // lower bound
}

// binArrayEnd sets the length of the array field started at at.
func binArrayEnd(b []byte, at int) []byte {
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}
