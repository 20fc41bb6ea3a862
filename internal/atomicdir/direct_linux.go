package atomicdir

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// Direct I/O (Linux): a staged file larger than one buffer is written with
// O_DIRECT, from page-aligned buffers, so that the kernel moves it to the
// disk without copying it into the page cache first (about 1 s of system
// CPU per GB otherwise, and the pages are written back again by the fsync
// before the commit anyway).

const (
	// directAlign is the alignment O_DIRECT asks of a buffer's address,
	// its length and the file offset: the page size, a multiple of every
	// logical block size in use.
	directAlign = 4096
	// directBuffers is how many buffers a large file rotates through: one
	// being filled while the others are written (or wait to be).
	directBuffers = 3
)

// directBufSize is the size of one buffer (a multiple of directAlign): a
// file that does not fill the first one is written normally. A test makes
// it smaller.
var directBufSize = 4 << 20

// setDirect sets (on) or clears O_DIRECT on the open file f; a test makes
// it fail.
var setDirect = func(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		flags, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if e != 0 {
			serr = e
			return
		}
		if on {
			flags |= syscall.O_DIRECT
		} else {
			flags &^= syscall.O_DIRECT
		}
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags); e != 0 {
			serr = e
		}
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fcntl", Path: f.Name(), Err: serr}
	}
	return nil
}

// writeAt writes all of b at off in f (pwrite(2), repeated after a short
// write); direct says whether O_DIRECT is set. A test makes it fail.
var writeAt = func(f *os.File, b []byte, off int64, direct bool) error {
	_, err := f.WriteAt(b, off)
	return err
}

// bufPool holds aligned buffers of directBufSize bytes between files.
var bufPool sync.Pool

// alignedBuf returns an empty buffer of capacity directBufSize whose first
// byte is at an address that is a multiple of directAlign.
func alignedBuf() []byte {
	if p, ok := bufPool.Get().(*[]byte); ok && cap(*p) == directBufSize {
		return (*p)[:0]
	}
	b := make([]byte, directBufSize+directAlign)
	skip := 0
	if r := int(uintptr(unsafe.Pointer(&b[0])) % directAlign); r != 0 {
		skip = directAlign - r
	}
	return b[skip : skip : skip+directBufSize]
}

// block is a full buffer and where it goes in the file.
type block struct {
	data []byte
	off  int64
}

// directWriter writes a staged file: the bytes are gathered in an aligned
// buffer; a full buffer is handed to a goroutine that writes it with
// O_DIRECT while the next one fills (at most directBuffers in all). What
// does not fill the first buffer is written normally at the end, as is the
// unaligned tail of a larger file (with O_DIRECT cleared). Where O_DIRECT
// is refused (EINVAL from fcntl or from a write: tmpfs, some file systems)
// the file is written through the page cache instead. A directWriter is
// used by one goroutine at a time.
type directWriter struct {
	f      *os.File
	buf    []byte   // the buffer being filled (nil: none yet)
	off    int64    // where buf goes in the file
	taken  [][]byte // every buffer this file took, for the pool
	direct bool     // O_DIRECT is set on f

	queue chan block  // full buffers for the writing goroutine; nil until the first
	free  chan []byte // buffers written, to fill again
	done  chan struct{}

	mu  sync.Mutex
	err error // the first write error
}

// createStaged creates (truncates) the file p to be staged.
func createStaged(p string) (stagedWriter, error) {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &directWriter{f: f}, nil
}

func (w *directWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *directWriter) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// Write gathers p into the buffers; it returns the error of an earlier
// write of a full buffer, if any.
func (w *directWriter) Write(p []byte) (int, error) {
	if err := w.failed(); err != nil {
		return 0, err
	}
	n := 0
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = w.take()
		}
		c := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf = w.buf[:len(w.buf)+c]
		p, n = p[c:], n+c
		if len(w.buf) == cap(w.buf) {
			if err := w.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// take returns an empty buffer: a new one while fewer than directBuffers
// were taken, else the next one written.
func (w *directWriter) take() []byte {
	if len(w.taken) < directBuffers {
		b := alignedBuf()
		w.taken = append(w.taken, b)
		return b
	}
	return (<-w.free)[:0]
}

// flush hands the full buffer to the writing goroutine, starting it (and
// setting O_DIRECT) for the first one.
func (w *directWriter) flush() error {
	if w.queue == nil {
		// Nothing is written yet: the offset is 0, aligned. A file
		// system that refuses O_DIRECT gets ordinary writes.
		w.direct = setDirect(w.f, true) == nil
		w.queue = make(chan block, directBuffers)
		w.free = make(chan []byte, directBuffers)
		w.done = make(chan struct{})
		go w.writeBlocks()
	}
	w.queue <- block{w.buf, w.off}
	w.off += int64(len(w.buf))
	w.buf = nil
	return w.failed()
}

// writeBlocks writes the queued buffers in turn and returns each to free;
// after an error it only returns them.
func (w *directWriter) writeBlocks() {
	defer close(w.done)
	for b := range w.queue {
		if w.failed() == nil {
			if err := w.writeBlock(b.data, b.off); err != nil {
				w.fail(err)
			}
		}
		w.free <- b.data
	}
}

// writeBlock writes b at off; when O_DIRECT is refused (EINVAL) it is
// cleared and b written again through the page cache, as is the rest.
func (w *directWriter) writeBlock(b []byte, off int64) error {
	err := writeAt(w.f, b, off, w.direct)
	if w.direct && errors.Is(err, syscall.EINVAL) {
		if err := setDirect(w.f, false); err != nil {
			return err
		}
		w.direct = false
		err = writeAt(w.f, b, off, false)
	}
	return err
}

// finish writes what is left (unless abort: the file is to be removed),
// waits for the writing goroutine, returns the buffers to the pool and
// closes the file; it returns the first error.
func (w *directWriter) finish(abort bool) error {
	if abort {
		w.fail(errAborted)
	}
	rest := w.buf
	if w.queue != nil {
		// The aligned part of the last buffer goes with O_DIRECT, the
		// tail (under directAlign bytes) without.
		a := len(rest) &^ (directAlign - 1)
		if a > 0 {
			w.queue <- block{rest[:a], w.off}
		}
		close(w.queue)
		<-w.done
		rest, w.off = rest[a:], w.off+int64(a)
	}
	err := w.failed()
	if len(rest) > 0 && err == nil {
		if w.direct {
			if err = setDirect(w.f, false); err == nil {
				w.direct = false
			}
		}
		if err == nil {
			err = writeAt(w.f, rest, w.off, false)
		}
	}
	for _, b := range w.taken {
		bufPool.Put(&b)
	}
	w.taken, w.buf = nil, nil
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == errAborted {
		err = nil
	}
	return err
}
