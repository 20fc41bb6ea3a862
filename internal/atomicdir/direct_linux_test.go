package atomicdir

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"unsafe"
)

// testBuf is the buffer size the direct I/O tests use: four pages, so
// that files of a few buffers stay small.
const testBuf = 4 * directAlign

// smallBuffers makes directBufSize testBuf for the test.
func smallBuffers(t *testing.T) {
	t.Helper()
	old := directBufSize
	directBufSize = testBuf
	t.Cleanup(func() { directBufSize = old })
}

// content is n deterministic pseudo-random bytes, different for each seed.
func content(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeIn returns a WriteFile writer that writes b in pieces of piece
// bytes (all at once when piece is 0).
func writeIn(b []byte, piece int) func(io.Writer) error {
	return func(w io.Writer) error {
		if piece == 0 {
			_, err := w.Write(b)
			return err
		}
		for len(b) > 0 {
			n := min(piece, len(b))
			if _, err := w.Write(b[:n]); err != nil {
				return err
			}
			b = b[n:]
		}
		return nil
	}
}

// writeLog records, per file name, the writes made with and without
// O_DIRECT, and whether the file's O_DIRECT flag agreed with the direct
// argument each time.
type writeLog struct {
	mu             sync.Mutex
	direct, normal map[string]int
	mismatch       []string
}

// logWrites wraps writeAt for the test with a writeLog; fail, when not
// nil, may return an error instead of writing.
func logWrites(t *testing.T, fail func(name string, off int64, direct bool) error) *writeLog {
	t.Helper()
	l := &writeLog{direct: map[string]int{}, normal: map[string]int{}}
	old := writeAt
	writeAt = func(f *os.File, b []byte, off int64, direct bool) error {
		name := filepath.Base(f.Name())
		flags, err := fcntlFlags(f)
		l.mu.Lock()
		if err != nil || (flags&syscall.O_DIRECT != 0) != direct {
			l.mismatch = append(l.mismatch, fmt.Sprintf("%s at %d: direct %v, flags %#x (%v)", name, off, direct, flags, err))
		}
		if direct {
			l.direct[name]++
		} else {
			l.normal[name]++
		}
		l.mu.Unlock()
		if fail != nil {
			if err := fail(name, off, direct); err != nil {
				return err
			}
		}
		return old(f, b, off, direct)
	}
	t.Cleanup(func() { writeAt = old })
	return l
}

func fcntlFlags(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var flags uintptr
	var e syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		flags, _, e = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	}); err != nil {
		return 0, err
	}
	if e != 0 {
		return 0, e
	}
	return int(flags), nil
}

// directSupported reports whether dir's file system accepts O_DIRECT.
func directSupported(t *testing.T, dir string) bool {
	t.Helper()
	p := filepath.Join(dir, ".probe")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|syscall.O_DIRECT, 0o644)
	if err != nil {
		t.Logf("%s: no O_DIRECT (%v): only the content is checked", dir, err)
		return false
	}
	f.Close()
	os.Remove(p)
	return true
}

// sizes are the file sizes the content tests write.
var sizes = []int{0, 1, directAlign - 1, directAlign, directAlign + 1,
	testBuf - 1, testBuf, testBuf + 1, 2 * testBuf, 5*testBuf + directAlign + 17}

// TestDirectContent: every size (around the alignment, around the buffer
// size, several buffers with and without a tail), written at once or in
// pieces, is staged and committed byte for byte; files of at least one
// buffer go with O_DIRECT except their tail, smaller ones without.
func TestDirectContent(t *testing.T) {
	smallBuffers(t)
	root := t.TempDir()
	direct := directSupported(t, root)
	for _, piece := range []int{0, 1000, directAlign} {
		t.Run(fmt.Sprint("piece", piece), func(t *testing.T) {
			l := logWrites(t, nil)
			dir := filepath.Join(root, fmt.Sprint("out", piece))
			tx, err := Begin(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Close()
			want := tree{}
			for i, n := range sizes {
				name := fmt.Sprintf("f%d-%d", i, n)
				b := content(n, uint64(i))
				want[name] = string(b)
				if err := tx.WriteFile(name, writeIn(b, piece)); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(tx.Path(name))
				if err != nil || !bytes.Equal(got, b) {
					t.Fatalf("%s: staged %d bytes, want %d (%v)", name, len(got), n, err)
				}
				if !direct {
					continue
				}
				// Below one buffer: one normal write. Else one direct
				// write per full buffer and for the aligned part of the
				// last one, one normal write for the unaligned tail.
				wantDirect, wantNormal := 0, min(n, 1)
				if n >= testBuf {
					wantDirect, wantNormal = n/testBuf, min(n%directAlign, 1)
					if n%testBuf >= directAlign {
						wantDirect++
					}
				}
				if l.direct[name] != wantDirect || l.normal[name] != wantNormal {
					t.Errorf("%s: %d direct and %d normal writes, want %d and %d", name, l.direct[name], l.normal[name], wantDirect, wantNormal)
				}
			}
			if len(l.mismatch) > 0 {
				t.Errorf("O_DIRECT flag not as the writes say: %v", l.mismatch)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if got := readTree(t, dir); !same(got, want) {
				t.Fatalf("committed files differ")
			}
		})
	}
}

// TestDirectDefaultBuffer: with the real buffer size, a file of several
// buffers and a tail is committed byte for byte.
func TestDirectDefaultBuffer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	l := logWrites(t, nil)
	b := content(3*directBufSize+directAlign+100, 7)
	tx, err := Begin(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if err := tx.WriteFile("big", writeIn(b, 1<<20+3)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "big")); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("big: %d bytes, want %d (%v)", len(got), len(b), err)
	}
	if directSupported(t, filepath.Dir(dir)) && (l.direct["big"] != 4 || l.normal["big"] != 1) {
		t.Fatalf("%d direct and %d normal writes, want 4 and 1", l.direct["big"], l.normal["big"])
	}
}

// TestDirectFallback: where O_DIRECT is refused — by fcntl, or by a write
// in the middle of a file — the file is written through the page cache,
// byte for byte; and on tmpfs (/dev/shm), whichever the kernel does.
func TestDirectFallback(t *testing.T) {
	smallBuffers(t)
	b := content(4*testBuf+123, 1)
	check := func(t *testing.T, dir string) {
		t.Helper()
		tx, err := Begin(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Close()
		if err := tx.WriteFile("f", writeIn(b, 999)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("f: %d bytes, want %d (%v)", len(got), len(b), err)
		}
	}
	t.Run("fcntl", func(t *testing.T) {
		old := setDirect
		setDirect = func(f *os.File, on bool) error {
			if on {
				return &os.PathError{Op: "fcntl", Path: f.Name(), Err: syscall.EINVAL}
			}
			return old(f, on)
		}
		defer func() { setDirect = old }()
		l := logWrites(t, nil)
		check(t, filepath.Join(t.TempDir(), "out"))
		if l.direct["f"] != 0 || l.normal["f"] != 5 || len(l.mismatch) > 0 {
			t.Fatalf("%d direct, %d normal writes (want 0 and 5); %v", l.direct["f"], l.normal["f"], l.mismatch)
		}
	})
	t.Run("write", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		if !directSupported(t, filepath.Dir(dir)) {
			t.Skip("no O_DIRECT here")
		}
		// The second buffer's direct write is refused: it and the rest
		// are written normally.
		l := logWrites(t, func(name string, off int64, direct bool) error {
			if direct && off == testBuf {
				return &fs.PathError{Op: "write", Path: name, Err: syscall.EINVAL}
			}
			return nil
		})
		check(t, dir)
		if l.direct["f"] != 2 || l.normal["f"] != 4 || len(l.mismatch) > 0 {
			t.Fatalf("%d direct, %d normal writes (want 2 and 4); %v", l.direct["f"], l.normal["f"], l.mismatch)
		}
	})
	t.Run("tmpfs", func(t *testing.T) {
		shm, err := os.MkdirTemp("/dev/shm", "atomicdir-test-")
		if err != nil {
			t.Skip("no /dev/shm:", err)
		}
		defer os.RemoveAll(shm)
		directSupported(t, shm) // logs which
		check(t, filepath.Join(shm, "out"))
	})
}

// TestDirectWriteError: a disk write failing in the middle of a file (the
// second buffer, the last buffer's aligned part, the tail, clearing
// O_DIRECT before the tail), or the writer failing after several buffers,
// makes WriteFile return the error and remove the staged file; nothing is
// committed and Close removes the staging directory.
func TestDirectWriteError(t *testing.T) {
	smallBuffers(t)
	n := 3*testBuf + directAlign + 50 // buffers at 0, B, 2B; then B+50 more
	enospc := &fs.PathError{Op: "write", Path: "f", Err: syscall.ENOSPC}
	boom := errors.New("formatting failed")
	cases := map[string]struct {
		writeErr func(off int64, direct bool) error
		clearErr bool // clearing O_DIRECT before the tail fails
		write    func(io.Writer) error
		want     error
	}{
		"second buffer": {writeErr: func(off int64, direct bool) error {
			if off == testBuf {
				return enospc
			}
			return nil
		}},
		"last aligned part": {writeErr: func(off int64, direct bool) error {
			if off == 3*testBuf {
				return enospc
			}
			return nil
		}},
		"tail": {writeErr: func(off int64, direct bool) error {
			if off == 3*testBuf+directAlign {
				return enospc
			}
			return nil
		}},
		"clearing O_DIRECT": {clearErr: true, want: syscall.EBADF},
		"writer": {write: func(w io.Writer) error {
			if _, err := w.Write(content(2*testBuf+10, 2)); err != nil {
				return err
			}
			return boom
		}, want: boom},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if c.writeErr != nil {
				logWrites(t, func(_ string, off int64, direct bool) error { return c.writeErr(off, direct) })
			}
			if c.clearErr {
				old := setDirect
				setDirect = func(f *os.File, on bool) error {
					if !on {
						return syscall.EBADF
					}
					return old(f, on)
				}
				defer func() { setDirect = old }()
			}
			write, want := c.write, c.want
			if write == nil {
				write = writeIn(content(n, 3), 5000)
			}
			if want == nil {
				want = syscall.ENOSPC
			}
			dir := t.TempDir()
			writeTree(t, dir, tree{"f": "old"})
			if c.clearErr && !directSupported(t, dir) {
				t.Skip("no O_DIRECT here")
			}
			tx, err := Begin(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			err = tx.WriteFile("f", write)
			if !errors.Is(err, want) {
				t.Fatalf("err = %v, want %v", err, want)
			}
			if _, err := os.Lstat(tx.Path("f")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("the staged file is left (%v)", err)
			}
			if err := tx.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readTree(t, dir); !same(got, tree{"f": "old"}) {
				t.Fatalf("OUT = %v", got)
			}
			if left, _ := staging(t, dir); len(left) != 0 {
				t.Fatalf("staging left: %v", left)
			}
		})
	}
}

// TestDirectFileTooLarge: a real kernel error in the middle of a direct
// write — the file size limit (RLIMIT_FSIZE, EFBIG, as on a full disk) —
// is returned by WriteFile, and the staged file removed.
func TestDirectFileTooLarge(t *testing.T) {
	smallBuffers(t)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tx, err := Begin(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	lim := syscall.Rlimit{Cur: 2*testBuf + 100, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip("cannot limit the file size:", err)
	}
	err = tx.WriteFile("f", writeIn(content(5*testBuf, 4), 3000))
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); rerr != nil {
		t.Fatal(rerr)
	}
	if !errors.Is(err, syscall.EFBIG) {
		t.Fatalf("err = %v, want EFBIG", err)
	}
	if _, err := os.Lstat(tx.Path("f")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the staged file is left (%v)", err)
	}
}

// TestDirectConcurrent: files of several buffers written concurrently into
// one transaction (as govscore run stages its outputs) are each committed
// byte for byte.
func TestDirectConcurrent(t *testing.T) {
	smallBuffers(t)
	dir := filepath.Join(t.TempDir(), "out")
	tx, err := Begin(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	want := tree{}
	for i := range 8 {
		want[fmt.Sprintf("f%d", i)] = string(content(i*testBuf+i*777, uint64(i)))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(want))
	for i := range errs {
		wg.Go(func() {
			name := fmt.Sprintf("f%d", i)
			errs[i] = tx.WriteFile(name, writeIn([]byte(want[name]), 1000+i))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !same(got, want) {
		t.Fatal("committed files differ")
	}
}

// TestAlignedBuf: buffers start at a multiple of directAlign and hold
// directBufSize bytes, new or from the pool.
func TestAlignedBuf(t *testing.T) {
	for range 4 {
		b := alignedBuf()
		if len(b) != 0 || cap(b) != directBufSize {
			t.Fatalf("len %d cap %d", len(b), cap(b))
		}
		b = b[:1]
		if addr := uintptr(unsafe.Pointer(&b[0])); addr%directAlign != 0 {
			t.Fatalf("buffer at %#x", addr)
		}
		bufPool.Put(&b)
	}
}
