package reports

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// writeChunked formats order in chunks on all CPUs and writes the chunks in
// order, so the output is identical to a sequential run. Formatting of later
// chunks overlaps the writing of earlier ones, and chunk buffers are reused.
func writeChunked(w io.Writer, order []int, format func(order []int, buf []byte) []byte) error {
	return writeChunkedTo([]io.Writer{w}, order, func(order []int, bufs [][]byte) {
		bufs[0] = format(order, bufs[0])
	})
}

// writeChunkedTo is writeChunked for several outputs made in one pass:
// format appends a chunk's text for ws[k] to bufs[k] (each starts empty),
// and each writer gets its chunks in order from a goroutine of its own, so
// that the writes of one output overlap those of the others. A chunk's
// buffers are reused once every writer has written them. The first error
// stops the formatting and is returned.
func writeChunkedTo(ws []io.Writer, order []int, format func(order []int, bufs [][]byte)) error {
	const chunk = 1024
	workers := runtime.GOMAXPROCS(0)
	nchunks := (len(order) + chunk - 1) / chunk
	if nchunks == 0 {
		return nil
	}
	inflight := 2 * workers
	// pool holds the sets of buffers not in use; stages[k] the sets
	// written by the writers before k, in order, for writer k ≥ 1. Neither
	// holds more than inflight sets, so sends on them never block.
	pool := make(chan [][]byte, inflight)
	for i := 0; i < inflight; i++ {
		pool <- make([][]byte, len(ws))
	}
	stages := make([]chan [][]byte, len(ws))
	for k := 1; k < len(ws); k++ {
		stages[k] = make(chan [][]byte, inflight)
	}
	slots := make([]chan [][]byte, nchunks)
	for i := range slots {
		slots[i] = make(chan [][]byte, 1)
	}
	next := make(chan int, nchunks)
	for i := 0; i < nchunks; i++ {
		next <- i
	}
	close(next)
	stop := make(chan struct{})
	var once sync.Once
	errs := make([]error, len(ws))
	fail := func(k int, err error) {
		errs[k] = err
		once.Do(func() { close(stop) })
	}
	// sizes[k] is the largest chunk of output k formatted so far: a new
	// buffer starts at it, instead of growing to it by doubling.
	sizes := make([]atomic.Int64, len(ws))
	var g errgroup.Group
	for range workers {
		g.Go(func() error {
			for {
				// The buffers first, then the chunk index: a worker
				// that holds index i must be able to format chunk i, or
				// writer 0, waiting for i, never returns the buffers
				// that later chunks hold (a deadlock seen under load).
				var bufs [][]byte
				select {
				case bufs = <-pool:
				case <-stop:
					return nil
				}
				i, ok := <-next
				if !ok {
					pool <- bufs
					return nil
				}
				for k := range bufs {
					if n := int(sizes[k].Load()); cap(bufs[k]) < n {
						bufs[k] = make([]byte, 0, n+n/8)
					}
					bufs[k] = bufs[k][:0]
				}
				lo := i * chunk
				format(order[lo:min(lo+chunk, len(order))], bufs)
				for k := range bufs {
					if n := int64(len(bufs[k])); n > sizes[k].Load() {
						sizes[k].Store(n)
					}
				}
				slots[i] <- bufs
			}
		})
	}
	// pass hands a written set of buffers on to writer k+1, or back to
	// the pool after the last writer.
	pass := func(k int, bufs [][]byte) {
		if k+1 < len(ws) {
			stages[k+1] <- bufs
		} else {
			pool <- bufs
		}
	}
	var writers sync.WaitGroup
	for k := 1; k < len(ws); k++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for bufs := range stages[k] {
				if errs[k] == nil {
					if _, err := ws[k].Write(bufs[k]); err != nil {
						fail(k, err)
					}
				}
				pass(k, bufs)
			}
			if k+1 < len(ws) {
				close(stages[k+1])
			}
		}()
	}
	// Writer 0 takes the chunks in order from the workers.
write:
	for i := 0; i < nchunks; i++ {
		var bufs [][]byte
		select {
		case bufs = <-slots[i]:
		case <-stop:
			break write
		}
		if _, err := ws[0].Write(bufs[0]); err != nil {
			fail(0, err)
			break
		}
		pass(0, bufs)
	}
	if len(ws) > 1 {
		close(stages[1])
	}
	writers.Wait()
	// Workers blocked on the pool see stop; the others finish their chunk.
	_ = g.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
