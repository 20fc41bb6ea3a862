package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/klauspost/compress/s2"
	"golang.org/x/sync/errgroup"
)

// fileChunk is the size of the part of an output file held by one
// batch_files row, before compression.
const fileChunk = 8 << 20

// queuedChunks bounds the compressed chunks waiting for their INSERT: up
// to that many (about a quarter of fileChunk each for the CSV and JSON
// outputs) are rendered ahead while the connection is still busy with the
// COPY of the batch's results.
const queuedChunks = 16

// maxZipWorkers bounds the goroutines that compress chunks, and with them
// the uncompressed chunks held in memory at once.
const maxZipWorkers = 8

// zipChunk is one chunk of an output file on its way to batch_files: its
// bytes, then, once ready is closed, their S2 stream.
type zipChunk struct {
	name  string
	n     int // chunk number within the file
	in    *[]byte
	out   *bytes.Buffer // from outPool
	ready chan struct{}
}

var (
	// chunkPool recycles the fileChunk-sized input buffers.
	chunkPool = sync.Pool{New: func() any { b := make([]byte, 0, fileChunk); return &b }}
	// outPool recycles the buffers of the compressed chunks.
	outPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	// zipPool recycles the compressors: klauspost/compress's S2 (an
	// extension of Snappy's framing format), one block at a time on the
	// calling goroutine (fileStore compresses chunks in parallel itself).
	// On the CSV and JSON outputs it compresses ~2.8× faster than gzip
	// at BestSpeed (which took a quarter of the client's CPU in `run
	// --db` at a million subjects), into ~1.6× the bytes (ratio ~2.6
	// instead of ~4.2), and decompresses several times faster.
	zipPool = sync.Pool{New: func() any { return s2.NewWriter(nil, s2.WriterConcurrency(1), s2.WriterBlockSize(s2MaxBlock)) }}
)

// fileStore stores the outputs of one batch as batch_files rows: each
// fileChunk bytes of a file become an independent S2 stream (its stream
// identifier first), the chunks are compressed in parallel by up to
// workers goroutines and inserted in order, one row each, by a single
// goroutine on the batch's transaction. The rows of a file, read in chunk
// order, concatenate into one valid S2 stream of the whole file (the
// framing format allows the stream identifier again within a stream, and
// s2.Reader reads it so). Batches stored before hold gzip members
// instead (one gzip stream per file); readers tell the two apart by their
// first bytes (chunkDecoder).
//
// The inserts start once connFree is closed (the transaction's connection
// is busy with the COPY of the results until then), so the outputs are
// rendered and compressed meanwhile, the chunks ready before then set
// aside in a temporary file (chunkSpool). At most workers+2 uncompressed chunks
// and queuedChunks+workers+2 compressed chunks are held at once, whatever the
// size of the files: a writer waits for a free compressor and for room in
// the queue of chunks waiting for their INSERT.
type fileStore struct {
	ctx      context.Context
	db       *DB
	tx       *sql.Tx
	conn     *sqlx.Conn // the transaction's connection, for a binary COPY
	id       int64
	connFree <-chan struct{}
	zip      errgroup.Group
	queue    chan *zipChunk
	abandon  chan struct{} // closed when the outputs will not be stored
	failed   chan struct{} // closed when an INSERT failed
	err      error         // the INSERT's error, readable once failed is closed
	done     chan struct{} // closed when the inserting goroutine ends
}

func newFileStore(ctx context.Context, db *DB, tx *sql.Tx, conn *sqlx.Conn, id int64, connFree <-chan struct{}) *fileStore {
	s := &fileStore{
		ctx: ctx, db: db, tx: tx, conn: conn, id: id, connFree: connFree,
		queue:   make(chan *zipChunk, queuedChunks),
		abandon: make(chan struct{}),
		failed:  make(chan struct{}),
		done:    make(chan struct{}),
	}
	s.zip.SetLimit(min(runtime.GOMAXPROCS(0), maxZipWorkers))
	go s.insert()
	return s
}

// insert stores the compressed chunks in order, once the connection is
// free; until then it moves them to a spool file (spoolUntilFree), so that
// the outputs are rendered while the server takes the batch's results
// instead of waiting for it. After a failure, or once abandoned, it only
// drains the queue, so that writers never block.
func (s *fileStore) insert() {
	defer close(s.done)
	stop := func(err error) {
		s.err = err
		close(s.failed)
	}
	sp := s.spoolUntilFree()
	defer sp.close()
	select {
	case <-s.connFree:
	case <-s.abandon:
	case <-s.ctx.Done():
		stop(s.db.mapError(s.ctx, "storing outputs", s.ctx.Err()))
	}
	if s.err == nil && !isClosed(s.abandon) && s.conn != nil && !textCopyOnly {
		_, err := copyBinaryIn(s.ctx, s.conn, sqlCopyFilesBinary, func(w *copyWriter) error { return s.copyChunks(w, sp) })
		switch {
		case errors.Is(err, errNoBinaryCopy):
			// The INSERTs below.
		case err != nil && !errors.Is(err, errAbandoned):
			stop(s.db.mapError(s.ctx, "storing outputs", err))
		}
	}
	if !sp.sent {
		sp.sent = true
		err := sp.each(func(name string, n int, data []byte) error {
			if s.err != nil || isClosed(s.abandon) {
				return errAbandoned
			}
			_, err := s.tx.ExecContext(s.ctx, sqlInsertFile, s.id, name, n, data)
			return err
		})
		if err != nil && !errors.Is(err, errAbandoned) && s.err == nil {
			stop(s.db.mapError(s.ctx, "storing outputs", err))
		}
	}
	for c := range s.queue {
		<-c.ready
		if s.err == nil && !isClosed(s.abandon) {
			if _, err := s.tx.ExecContext(s.ctx, sqlInsertFile, s.id, c.name, c.n, c.out.Bytes()); err != nil {
				stop(s.db.mapError(s.ctx, "storing "+c.name, err))
			}
		}
		c.release()
	}
}

// spooled is one compressed chunk set aside while the connection was busy:
// in the spool file at off, or, when the file could not take it, held in
// mem.
type spooled struct {
	name string
	n    int
	off  int64
	size int
	mem  *zipChunk
}

// chunkSpool holds the compressed chunks that were ready before the
// connection was free, in their order: an unlinked temporary file (nothing
// is left behind, whatever happens to the process), read back when they
// are sent. A spool that cannot be written (no temporary directory, a full
// disk) takes no more chunks: the rest wait in the queue, as they would
// without a spool.
type chunkSpool struct {
	f       *os.File
	size    int64
	entries []spooled
	sent    bool // the entries were handed to the server
}

// spoolUntilFree moves compressed chunks from the queue into a spool
// until the connection is free, the outputs are abandoned, the context
// ends, the queue is closed or the spool is full.
func (s *fileStore) spoolUntilFree() *chunkSpool {
	sp := &chunkSpool{}
	for {
		// A chunk taken once the connection is free is still spooled, and
		// sent first: the order holds either way.
		select {
		case <-s.connFree:
			return sp
		case <-s.abandon:
			return sp
		case <-s.ctx.Done():
			return sp
		case c, ok := <-s.queue:
			if !ok {
				return sp
			}
			<-c.ready
			if !sp.add(c) {
				return sp
			}
		}
	}
}

// add writes c's compressed bytes to the spool and releases them; when
// the spool cannot take them, c is kept in memory and add reports false.
func (sp *chunkSpool) add(c *zipChunk) bool {
	if sp.f == nil && len(sp.entries) == 0 {
		if f, err := os.CreateTemp("", "govscore-chunks-*"); err == nil {
			os.Remove(f.Name())
			sp.f = f
		}
	}
	if sp.f != nil {
		if _, err := sp.f.Write(c.out.Bytes()); err == nil {
			sp.entries = append(sp.entries, spooled{name: c.name, n: c.n, off: sp.size, size: c.out.Len()})
			sp.size += int64(c.out.Len())
			c.release()
			return true
		}
	}
	sp.entries = append(sp.entries, spooled{name: c.name, n: c.n, mem: c})
	return false
}

// each calls fn with every spooled chunk in order, the spool file's
// chunks read back one at a time; it stops at fn's first error.
func (sp *chunkSpool) each(fn func(name string, n int, data []byte) error) error {
	var buf []byte
	for _, e := range sp.entries {
		data := buf
		if e.mem != nil {
			data = e.mem.out.Bytes()
		} else {
			if cap(buf) < e.size {
				buf = make([]byte, e.size)
			}
			data = buf[:e.size]
			if _, err := sp.f.ReadAt(data, e.off); err != nil {
				return fmt.Errorf("reading back the outputs set aside in a temporary file: %w", err)
			}
		}
		if err := fn(e.name, e.n, data); err != nil {
			return err
		}
	}
	return nil
}

// close removes the spool and releases a chunk it held in memory.
func (sp *chunkSpool) close() {
	for _, e := range sp.entries {
		if e.mem != nil {
			e.mem.release()
		}
	}
	sp.entries = nil
	if sp.f != nil {
		sp.f.Close()
		sp.f = nil
	}
}

// errAbandoned ends the COPY of outputs that will not be stored.
var errAbandoned = errors.New("the outputs are abandoned")

// copyChunks writes the spooled chunks, then the queued ones, as
// batch_files rows in COPY's binary format, each compressed chunk straight
// from its buffer, until the queue is closed (or the outputs are
// abandoned: errAbandoned).
func (s *fileStore) copyChunks(w *copyWriter, sp *chunkSpool) error {
	w.buf = append(w.buf, binHeader...)
	row := func(name string, n int, data []byte) error {
		if isClosed(s.abandon) {
			return errAbandoned
		}
		line := appendInt16(w.line(), 4)
		line = binInt64(line, s.id)
		line = binText(line, name)
		line = binInt32(line, int32(n))
		w.buf = appendInt32(line, int32(len(data)))
		return w.writeRaw(data)
	}
	sp.sent = true
	if err := sp.each(row); err != nil {
		return err
	}
	for c := range s.queue {
		<-c.ready
		err := row(c.name, c.n, c.out.Bytes())
		c.release()
		if err != nil {
			return err
		}
	}
	return nil
}

// release returns the chunk's compressed bytes to outPool.
func (c *zipChunk) release() {
	c.out.Reset()
	outPool.Put(c.out)
	c.out = nil
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// send compresses c in the background and queues it for its INSERT.
func (s *fileStore) send(c *zipChunk) error {
	select {
	case <-s.failed:
		return s.err
	default:
	}
	if err := s.ctx.Err(); err != nil {
		return s.db.mapError(s.ctx, "storing "+c.name, err)
	}
	c.ready = make(chan struct{})
	c.out = outPool.Get().(*bytes.Buffer)
	s.zip.Go(func() error {
		defer close(c.ready)
		zw := zipPool.Get().(*s2.Writer)
		c.out.Grow(len(*c.in)/2 + 64)
		zw.Reset(c.out)
		zw.Write(*c.in) // writes to a bytes.Buffer do not fail
		zw.Close()
		zipPool.Put(zw)
		*c.in = (*c.in)[:0]
		chunkPool.Put(c.in)
		c.in = nil
		return nil
	})
	select {
	case s.queue <- c:
		return nil
	case <-s.failed:
		return s.err
	}
}

// close waits until every queued chunk is stored (or dropped, once
// abandoned) and returns the first error of the inserts. The transaction
// may be used again only after close.
func (s *fileStore) close() error {
	close(s.queue)
	<-s.done
	s.zip.Wait()
	return s.err
}

// fileWriter cuts one output file into chunks for its fileStore; with
// cells set, the file's cells are left out (cellCutter).
type fileWriter struct {
	s      *fileStore
	name   string
	cur    *[]byte
	chunks int
	cells  *cellCutter
}

// Write buffers the bytes of p that are stored and sends every full chunk.
func (w *fileWriter) Write(p []byte) (int, error) {
	if w.cells != nil {
		return w.cells.Write(p)
	}
	return w.store(p)
}

// chunkSink is a fileWriter's store as an io.Writer: the stored bytes
// of a cellCutter.
type chunkSink fileWriter

func (s *chunkSink) Write(p []byte) (int, error) { return (*fileWriter)(s).store(p) }

// store buffers p and sends every full chunk.
func (w *fileWriter) store(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		buf := *w.cur
		k := min(len(p), fileChunk-len(buf))
		*w.cur = append(buf, p[:k]...)
		p = p[k:]
		if len(*w.cur) == fileChunk {
			if err := w.send(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *fileWriter) send() error {
	c := &zipChunk{name: w.name, n: w.chunks, in: w.cur}
	w.cur = chunkPool.Get().(*[]byte)
	w.chunks++
	return w.s.send(c)
}

// finish sends the last chunk: an empty file is one chunk of no bytes.
func (w *fileWriter) finish() error {
	if len(*w.cur) > 0 || w.chunks == 0 {
		return w.send()
	}
	return nil
}

// release returns the writer's buffer.
func (w *fileWriter) release() {
	*w.cur = (*w.cur)[:0]
	chunkPool.Put(w.cur)
	w.cur = nil
}

// storeFiles renders the outputs, one after the other (a joint pair in one
// pass, its chunks interleaved in the stream: each row names its file and
// chunk number), into batch_files through a fileStore whose inserts wait
// for connFree, and returns the SHA-256 and size of each, of its
// uncompressed bytes, and where its cells were left out (derived.go), in
// the order of outputs.
func (db *DB) storeFiles(ctx context.Context, tx *sql.Tx, conn *sqlx.Conn, id int64, outputs []Output, connFree <-chan struct{}) ([]OutputDigest, []cellsCut, error) {
	if len(outputs) == 0 {
		return nil, nil, nil
	}
	s := newFileStore(ctx, db, tx, conn, id, connFree)
	var rerr error
	sums := make([]OutputDigest, len(outputs))
	cuts := make([]cellsCut, len(outputs))
	done := make([]bool, len(outputs))
	for i, o := range outputs {
		if done[i] {
			continue
		}
		// The outputs rendered by this step: o, and with it its joint
		// partner when that is stored too and not rendered yet.
		at := []int{i}
		if o.Joint != nil {
			for j := i + 1; j < len(outputs); j++ {
				if !done[j] && outputs[j].Name == o.JointWith {
					at = append(at, j)
					break
				}
			}
		}
		ws := make([]*fileWriter, len(at))
		hws := make([]*hashWriter, len(at))
		for k, j := range at {
			ws[k] = &fileWriter{s: s, name: outputs[j].Name, cur: chunkPool.Get().(*[]byte)}
			if kind := cellsKindOf(outputs[j].Name); kind != cellsNone && !storeCellsText {
				ws[k].cells = newCellCutter(kind, (*chunkSink)(ws[k]))
			}
			hws[k] = newHashWriter(ws[k])
		}
		var err error
		if len(at) == 2 {
			err = o.Joint(hws[0], hws[1])
		} else {
			err = o.Write(hws[0])
		}
		if err == nil {
			for k, w := range ws {
				if w.cells != nil {
					if cuts[at[k]], err = w.cells.finish(w.name); err != nil {
						break
					}
				}
				if err = w.finish(); err != nil {
					break
				}
			}
		} else if !isClosed(s.failed) && ctx.Err() == nil {
			names := o.Name
			if len(at) == 2 {
				names += " and " + o.JointWith
			}
			err = fmt.Errorf("rendering %s: %w", names, err)
		}
		for _, w := range ws {
			w.release()
		}
		if err != nil {
			rerr = err
			close(s.abandon)
			break
		}
		for k, j := range at {
			sums[j], done[j] = hws[k].digest(outputs[j].Name), true
		}
	}
	if err := s.close(); err != nil {
		return nil, nil, err
	}
	if rerr != nil {
		return nil, nil, rerr
	}
	return sums, cuts, nil
}

// storeCellsText, set by tests, stores every output whole, its cells
// included, as batches stored before migration 0010 hold them.
var storeCellsText bool
