package reports

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
)

// zipSink is the excelize.ZipWriter of results.xlsx. excelize writes a
// workbook's streamed sheets in map order, so the entries are spooled and
// Close writes them to w sorted by name, with a fixed modification time:
// the same workbook gives the same bytes. Each entry is deflated in
// independent blocks compressed in parallel (parallelDeflate), so a large
// sheet uses every core. An entry's compressed bytes stay in memory up to
// spoolMem and go to a temporary file beyond, so memory stays bounded
// whatever the size of the workbook.
//
// An entry named in splice is held until it is complete, and the spool's
// bytes are inserted before its </sheetData> (rowWriter).
type zipSink struct {
	w        io.Writer
	modified time.Time
	splice   map[string]*spool
	entries  []*zipEntry
	open     *zipEntry // the entry being written
	err      error
}

// zipEntry is one spooled, compressed entry.
type zipEntry struct {
	name        string
	crc         uint32
	size, csize uint64
	spool       spool
	deflate     *parallelDeflate
	held        *bytes.Buffer // an entry to splice, until it is complete
	rows        *spool        // what to splice in
}

func newZipSink(w io.Writer, modified time.Time) *zipSink {
	return &zipSink{w: w, modified: modified, splice: map[string]*spool{}}
}

// Create starts the entry name; the previous entry is complete.
func (z *zipSink) Create(name string) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	e := &zipEntry{name: name}
	e.deflate = newParallelDeflate(&e.spool)
	if rows := z.splice[name]; rows != nil {
		e.held, e.rows = new(bytes.Buffer), rows
	}
	z.entries = append(z.entries, e)
	z.open = e
	return e, nil
}

// AddFS is not used by excelize's writer; it is part of its ZipWriter
// interface.
func (z *zipSink) AddFS(fs.FS) error { return errors.New("xlsx: AddFS is not supported") }

func (e *zipEntry) Write(p []byte) (int, error) {
	if e.held != nil {
		return e.held.Write(p)
	}
	return e.compress(p)
}

func (e *zipEntry) compress(p []byte) (int, error) {
	e.crc = crc32.Update(e.crc, crc32.IEEETable, p)
	e.size += uint64(len(p))
	return e.deflate.Write(p)
}

// finish completes the open entry.
func (z *zipSink) finish() error {
	if z.err != nil || z.open == nil {
		return z.err
	}
	e := z.open
	z.open = nil
	if e.held != nil {
		if z.err = e.spliceRows(); z.err != nil {
			return z.err
		}
	}
	if z.err = e.deflate.Close(); z.err != nil {
		return z.err
	}
	e.csize = uint64(e.spool.size)
	return nil
}

// spliceRows compresses the held sheet with the rows inserted before its
// </sheetData>.
func (e *zipEntry) spliceRows() error {
	held := e.held.Bytes()
	e.held = nil
	at := bytes.LastIndex(held, []byte("</sheetData>"))
	if at < 0 {
		return errors.New("xlsx: no </sheetData> in " + e.name)
	}
	if _, err := e.compress(held[:at]); err != nil {
		return err
	}
	r, err := e.rows.reader()
	if err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, err := e.compress(buf[:n]); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	_, err = e.compress(held[at:])
	return err
}

// release removes the spools, the entries' and the spliced rows'.
func (z *zipSink) release() {
	for _, e := range z.entries {
		e.spool.release()
	}
	for _, s := range z.splice {
		s.release()
	}
}

// Close writes the entries, sorted by name, and the zip directory to w, and
// releases the spools.
func (z *zipSink) Close() error {
	if err := z.finish(); err != nil {
		return err
	}
	sort.SliceStable(z.entries, func(i, j int) bool { return z.entries[i].name < z.entries[j].name })
	zw := zip.NewWriter(z.w)
	for _, e := range z.entries {
		h := &zip.FileHeader{
			Name: e.name, Method: zip.Deflate,
			CRC32: e.crc, CompressedSize64: e.csize, UncompressedSize64: e.size,
		}
		// CreateRaw writes the MS-DOS fields as they are (it ignores
		// Modified, which only CreateHeader converts).
		//lint:ignore SA1019 see above
		h.ModifiedDate, h.ModifiedTime = dosTime(z.modified)
		out, err := zw.CreateRaw(h)
		if err != nil {
			return err
		}
		r, err := e.spool.reader()
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, r); err != nil {
			return err
		}
	}
	return zw.Close()
}

// dosTime is t (UTC) in MS-DOS date and time fields (two-second
// resolution; before 1980 gives 1980-01-01 00:00).
func dosTime(t time.Time) (date, tm uint16) {
	t = t.UTC()
	if t.Year() < 1980 {
		return 1<<5 | 1, 0
	}
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}

// spoolMem is the size up to which a spool stays in memory.
const spoolMem = 4 << 20

// spool holds bytes in memory up to spoolMem, then in a temporary file.
type spool struct {
	mem  bytes.Buffer
	file *os.File
	size int64
}

func (s *spool) Write(p []byte) (int, error) {
	s.size += int64(len(p))
	if s.file == nil && s.mem.Len()+len(p) <= spoolMem {
		return s.mem.Write(p)
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "govscore-xlsx-")
		if err != nil {
			return 0, err
		}
		s.file = f
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	return s.file.Write(p)
}

// reader reads the spooled bytes from the start.
func (s *spool) reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.mem.Bytes()), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return s.file, nil
}

func (s *spool) release() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
	s.mem = bytes.Buffer{}
}

// deflateBlock is the size of the blocks parallelDeflate compresses
// independently.
const deflateBlock = 1 << 20

// deflateLevel trades size for speed: a workbook of 100,000 subjects holds
// hundreds of megabytes of sheet XML.
const deflateLevel = flate.BestSpeed

var flatePool = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, deflateLevel)
	return w
}}

// parallelDeflate writes a raw DEFLATE stream of what is written to it: the
// input is cut into blocks of deflateBlock bytes, each compressed on its own
// goroutine and ended with a sync flush (the last with the final block), and
// the outputs are written to w in order. Concatenated, they form one valid
// stream (as pigz does); each block starts with an empty dictionary, which
// costs little at 1 MiB. At most 2·GOMAXPROCS blocks are in flight.
type parallelDeflate struct {
	w       io.Writer
	buf     []byte
	pending []chan deflated
	limit   int
	err     error
}

type deflated struct {
	b   *bytes.Buffer
	err error
}

var blockPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newParallelDeflate(w io.Writer) *parallelDeflate {
	return &parallelDeflate{w: w, limit: 2 * runtime.GOMAXPROCS(0)}
}

func (d *parallelDeflate) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && d.err == nil {
		if d.buf == nil {
			d.buf = make([]byte, 0, deflateBlock)
		}
		k := min(len(p), deflateBlock-len(d.buf))
		d.buf = append(d.buf, p[:k]...)
		p = p[k:]
		if len(d.buf) == deflateBlock {
			d.submit(false)
		}
	}
	if d.err != nil {
		return 0, d.err
	}
	return n, nil
}

// submit compresses the buffered block on a goroutine; with last, the
// block ends the stream.
func (d *parallelDeflate) submit(last bool) {
	for len(d.pending) >= d.limit && d.err == nil {
		d.drainOne()
	}
	block := d.buf
	d.buf = nil
	done := make(chan deflated, 1)
	d.pending = append(d.pending, done)
	go func() {
		out := blockPool.Get().(*bytes.Buffer)
		out.Reset()
		fw := flatePool.Get().(*flate.Writer)
		fw.Reset(out)
		_, err := fw.Write(block)
		if err == nil {
			if last {
				err = fw.Close()
			} else {
				err = fw.Flush()
			}
		}
		flatePool.Put(fw)
		done <- deflated{out, err}
	}()
}

// drainOne writes the oldest pending block.
func (d *parallelDeflate) drainOne() {
	r := <-d.pending[0]
	d.pending = d.pending[1:]
	if d.err == nil {
		d.err = r.err
	}
	if d.err == nil {
		_, d.err = d.w.Write(r.b.Bytes())
	}
	blockPool.Put(r.b)
}

// Close compresses the last block and writes every pending block.
func (d *parallelDeflate) Close() error {
	if d.err == nil {
		d.submit(true)
	}
	for len(d.pending) > 0 {
		d.drainOne()
	}
	return d.err
}
