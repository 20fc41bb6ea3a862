package spool

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sample is n bytes of CSV-like text (compressible, not trivially).
func sample(n int) []byte {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, "S%07d,leaf_%02d,%.6f,%d,ok\n", rng.IntN(1e7), rng.IntN(50), rng.Float64()*100, rng.IntN(3))
	}
	return b.Bytes()[:n]
}

// write spools data in pieces of varied sizes and finishes the spool.
func write(t *testing.T, s *File, data []byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(2, 3))
	for p := data; len(p) > 0; {
		k := min(len(p), 1+rng.IntN(300_000))
		if rng.IntN(2) == 0 {
			if n, err := s.Write(p[:k]); err != nil || n != k {
				t.Fatalf("Write: %d, %v", n, err)
			}
		} else if n, err := s.WriteString(string(p[:k])); err != nil || n != k {
			t.Fatalf("WriteString: %d, %v", n, err)
		}
		p = p[k:]
	}
	if err := s.Finish(); err != nil {
		t.Fatal(err)
	}
}

// TestRoundTrip reads back, plain and compressed, what was written: empty,
// small, and more than the encoder's block (128 KiB), window and buffers.
func TestRoundTrip(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		for _, n := range []int{0, 1, 100, 128<<10 + 1, 3*Window + 12345} {
			t.Run(fmt.Sprintf("compressed=%v/%d", compressed, n), func(t *testing.T) {
				data := sample(n)
				s, err := Create(t.TempDir(), "part", compressed)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				write(t, s, data)
				if s.Len() != int64(n) {
					t.Errorf("Len = %d, want %d", s.Len(), n)
				}
				if fi, err := os.Stat(s.Name()); err != nil || fi.Size() != s.Size() {
					t.Errorf("file size %v (%v), Size = %d", fi.Size(), err, s.Size())
				}
				if !compressed && s.Size() != int64(n) {
					t.Errorf("plain Size = %d, want %d", s.Size(), n)
				}
				if compressed && n > 100_000 && s.Size()*2 > int64(n) {
					t.Errorf("compressed %d bytes into %d", n, s.Size())
				}
				// Twice, and from two readers at once: the file is read
				// at its offsets, not through a shared position.
				r1, err := s.Reader()
				if err != nil {
					t.Fatal(err)
				}
				defer r1.Close()
				half := make([]byte, n/2)
				if _, err := io.ReadFull(r1, half); err != nil {
					t.Fatal(err)
				}
				var whole bytes.Buffer
				if err := s.CopyTo(&whole); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(whole.Bytes(), data) {
					t.Fatalf("CopyTo gave %d bytes, not the %d written", whole.Len(), n)
				}
				rest, err := io.ReadAll(r1)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(append(half, rest...), data) {
					t.Fatal("the first reader gave other bytes")
				}
			})
		}
	}
}

// TestWriteAfterFinish: a finished spool takes no more bytes, and an
// unfinished one cannot be read.
func TestWriteAfterFinish(t *testing.T) {
	s, err := Create(t.TempDir(), "spool", true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Reader(); err == nil {
		t.Error("Reader before Finish: no error")
	}
	write(t, s, []byte("abc"))
	if _, err := s.Write([]byte("d")); err == nil {
		t.Error("Write after Finish: no error")
	}
	if _, err := s.WriteString("d"); err == nil {
		t.Error("WriteString after Finish: no error")
	}
	var b bytes.Buffer
	if err := s.CopyTo(&b); err != nil || b.String() != "abc" {
		t.Errorf("CopyTo = %q, %v", b.String(), err)
	}
}

// TestCorrupt: a spool whose file was truncated, cut to nothing, or
// changed does not read back: ErrCorrupt, never fewer bytes in silence.
func TestCorrupt(t *testing.T) {
	n := 2*Window + 777
	data := sample(n)
	for _, compressed := range []bool{false, true} {
		for _, c := range []struct {
			name   string
			change func(t *testing.T, path string, size int64)
			plain  bool // the change is seen in a plain spool too
			prefix bool // the bytes before the error are the ones written
		}{
			{"truncated", func(t *testing.T, path string, size int64) { truncate(t, path, size/2) }, true, true},
			{"emptied", func(t *testing.T, path string, size int64) { truncate(t, path, 0) }, true, true},
			{"last byte cut", func(t *testing.T, path string, size int64) { truncate(t, path, size-1) }, true, true},
			{"byte changed", func(t *testing.T, path string, size int64) { flip(t, path, size/3) }, false, false},
			{"checksum changed", func(t *testing.T, path string, size int64) { flip(t, path, size-2) }, false, true},
		} {
			if !compressed && !c.plain {
				continue
			}
			t.Run(fmt.Sprintf("compressed=%v/%s", compressed, c.name), func(t *testing.T) {
				s, err := Create(t.TempDir(), "part", compressed)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				write(t, s, data)
				c.change(t, s.Name(), s.Size())
				got, err := readAll(s)
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("read %d of %d bytes, error %v; want ErrCorrupt", len(got), n, err)
				}
				if !strings.Contains(err.Error(), s.Name()) {
					t.Errorf("the error does not name the file: %v", err)
				}
				// A changed byte is found by the frame's checksum, at its
				// end: the bytes decoded before may differ.
				if c.prefix && (len(got) > n || !bytes.Equal(got, data[:len(got)])) {
					t.Errorf("before the error, %d bytes that were not written", len(got))
				}
			})
		}
	}
}

// TestReadFileError: a failure reading the file is the file's error, not
// ErrCorrupt.
func TestReadFileError(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		s, err := Create(t.TempDir(), "part", compressed)
		if err != nil {
			t.Fatal(err)
		}
		write(t, s, sample(1000))
		s.f.Close() // reads now fail with os.ErrClosed
		_, err = readAll(s)
		if !errors.Is(err, os.ErrClosed) || errors.Is(err, ErrCorrupt) {
			t.Errorf("compressed=%v: error %v, want os.ErrClosed", compressed, err)
		}
		os.Remove(s.Name())
	}
}

// TestWriteError: a write the file refuses surfaces, from Write or at
// the latest from Finish.
func TestWriteError(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		s, err := Create(t.TempDir(), "part", compressed)
		if err != nil {
			t.Fatal(err)
		}
		s.f.Close()
		_, werr := s.Write(sample(3 * bufSize))
		ferr := s.Finish()
		if werr == nil && ferr == nil {
			t.Errorf("compressed=%v: writing to a closed file gave no error", compressed)
		}
		os.Remove(s.Name())
	}
}

// TestCreateExisting: Create does not overwrite a file.
func TestCreateExisting(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "part"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir, "part", true); !errors.Is(err, os.ErrExist) {
		t.Errorf("Create over a file: %v, want os.ErrExist", err)
	}
}

func readAll(s *File) ([]byte, error) {
	r, err := s.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}
