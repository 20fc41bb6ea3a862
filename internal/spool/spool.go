// Package spool holds temporary data in a file that is written once, in
// order, and then read back from the start, as often as needed: plain, or
// compressed with zstd (klauspost/compress, SpeedFastest) to spare the disk
// when the data is only read back by the program. A `run --by-group`
// spools its outputs' parts with it.
//
// A spool's memory is bounded whatever its size: the compressor's window
// is Window bytes, and the writer and each reader buffer at most a few
// MiB. Reading back checks what was written: a compressed spool's frame
// carries a checksum, and a spool of either kind must give back exactly
// as many bytes as were written, else reading fails with ErrCorrupt.
package spool

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"
)

// Window is the compressor's window, the span of earlier bytes a
// compressed spool's matches refer to; it bounds the memory of both the
// encoder and the decoders.
const Window = 1 << 20

// bufSize is the size of the writer's buffer and of each reader's buffer
// of the file's bytes.
const bufSize = 1 << 20

// ErrCorrupt reports a spool that does not read back what was written:
// the file was truncated, changed, or its compressed bytes do not decode.
var ErrCorrupt = errors.New("spool: the file does not read back what was written")

// File is a spool: a file written through Write (and WriteString), then,
// once Finish is called, read back with Reader or CopyTo. Writes are not
// safe for concurrent use; after Finish, any number of readers may read
// the file concurrently. Close closes the file, Remove removes it too.
type File struct {
	f          *os.File
	w          *bufio.Writer // over zw when compressed, else over f
	zw         *zstd.Encoder // nil for a plain spool
	compressed bool
	n          int64 // bytes written, uncompressed
	size       int64 // the file's size, once finished
	finished   bool
}

// Create creates the spool file name in dir; the file must not exist.
// When compressed, what is written is stored zstd-compressed and read
// back decompressed.
func Create(dir, name string, compressed bool) (*File, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	return newFile(f, compressed)
}

// encoderOptions make a streaming encoder of bounded memory: one block
// encoded at a time, on the writing goroutine (a second goroutine gained
// nothing measurable on 2 cores: BENCHMARKS.md, issue 13).
var encoderOptions = []zstd.EOption{
	zstd.WithEncoderLevel(zstd.SpeedFastest),
	zstd.WithEncoderConcurrency(1),
	zstd.WithWindowSize(Window),
}

// decoderOptions make a streaming decoder of bounded memory, decoding on
// the reading goroutine.
var decoderOptions = []zstd.DOption{
	zstd.WithDecoderConcurrency(1),
	zstd.WithDecoderLowmem(true),
	zstd.WithDecoderMaxWindow(Window),
}

// newFile is a spool writing to f.
func newFile(f *os.File, compressed bool) (*File, error) {
	s := &File{f: f, compressed: compressed}
	var dst io.Writer = f
	if compressed {
		zw, err := zstd.NewWriter(f, encoderOptions...)
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
		s.zw, dst = zw, zw
	}
	s.w = bufio.NewWriterSize(dst, bufSize)
	return s, nil
}

// Name is the path of the spool's file.
func (s *File) Name() string { return s.f.Name() }

// Len is the number of bytes written to the spool (uncompressed).
func (s *File) Len() int64 { return s.n }

// Size is the size of the spool's file once finished (compressed when
// the spool is), 0 before.
func (s *File) Size() int64 { return s.size }

// Write appends p to the spool. It fails once the spool is finished, and
// keeps failing after a failed write (the file's error is returned).
func (s *File) Write(p []byte) (int, error) {
	if s.finished {
		return 0, fmt.Errorf("spool %s: write after Finish", s.Name())
	}
	n, err := s.w.Write(p)
	s.n += int64(n)
	return n, err
}

// WriteString appends str to the spool, as Write.
func (s *File) WriteString(str string) (int, error) {
	if s.finished {
		return 0, fmt.Errorf("spool %s: write after Finish", s.Name())
	}
	n, err := s.w.WriteString(str)
	s.n += int64(n)
	return n, err
}

// Finish writes what is buffered to the file (ending the compressed
// frame) and makes the spool readable. It is done once; later calls
// return nil.
func (s *File) Finish() error {
	if s.finished {
		return nil
	}
	s.finished = true
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spool %s: %w", s.Name(), err)
	}
	if s.zw != nil {
		if err := s.zw.Close(); err != nil {
			return fmt.Errorf("spool %s: %w", s.Name(), err)
		}
	}
	size, err := s.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	s.size = size
	return nil
}

// Reader reads the spool's bytes from the start, decompressed. The spool
// must be finished. The reader fails with ErrCorrupt when the file does
// not give back the bytes written, and with the file's error when reading
// the file fails; Close releases it (not the spool).
func (s *File) Reader() (io.ReadCloser, error) {
	if !s.finished {
		return nil, fmt.Errorf("spool %s: read before Finish", s.Name())
	}
	fr := &fileReader{r: io.NewSectionReader(s.f, 0, s.size)}
	r := &reader{name: s.Name(), want: s.n, file: fr}
	if !s.compressed {
		r.r = fr
		return r, nil
	}
	d, err := zstd.NewReader(bufio.NewReaderSize(fr, bufSize), decoderOptions...)
	if err != nil {
		return nil, err
	}
	r.r, r.dec = d, d
	return r, nil
}

// CopyTo writes the spool's bytes to w, as read by Reader.
func (s *File) CopyTo(w io.Writer) error {
	r, err := s.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

// Close closes the spool's file and leaves it in place (a spool written
// into a directory that keeps it); reading it back fails afterwards.
func (s *File) Close() error {
	if s.zw != nil && !s.finished {
		s.zw.Close() // releases the encoder; the spool is discarded
	}
	return s.f.Close()
}

// reader reads a spool back, counting the bytes it gives against the
// bytes written.
type reader struct {
	name string
	r    io.Reader
	dec  *zstd.Decoder // nil for a plain spool
	file *fileReader
	want int64 // the bytes written
	got  int64
}

// Read reads the spool. Its errors are io.EOF once exactly the bytes
// written were read, the file's read error, or ErrCorrupt.
func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.got += int64(n)
	switch {
	case r.got > r.want:
		return n, fmt.Errorf("%w: %s gives more than the %d bytes written", ErrCorrupt, r.name, r.want)
	case err == io.EOF && r.got < r.want:
		return n, fmt.Errorf("%w: %s ends after %d of the %d bytes written", ErrCorrupt, r.name, r.got, r.want)
	case err == nil || err == io.EOF:
		return n, err
	case r.file.err != nil:
		return n, fmt.Errorf("reading spool %s: %w", r.name, r.file.err)
	default:
		return n, fmt.Errorf("%w: %s: %v", ErrCorrupt, r.name, err)
	}
}

// Close releases the decoder.
func (r *reader) Close() error {
	if r.dec != nil {
		r.dec.Close()
	}
	return nil
}

// fileReader reads the spool's file, recording a read error other than
// io.EOF: the decoder's errors are told apart from the file's.
type fileReader struct {
	r   io.Reader
	err error
}

func (f *fileReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF {
		f.err = err
	}
	return n, err
}
