package reports

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestWriteChunkedStalledWorker: a worker held up on an early chunk while
// the others run ahead through every pooled buffer must neither deadlock
// nor reorder the output (the order of taking a buffer and a chunk index
// once let writer 0 wait forever for a chunk whose worker waited for a
// buffer), with one and with two outputs.
func TestWriteChunkedStalledWorker(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	order := make([]int, 200*1024+17)
	for i := range order {
		order[i] = i
	}
	var want0, want1 bytes.Buffer
	for _, i := range order {
		fmt.Fprintf(&want0, "%d\n", i)
		fmt.Fprintf(&want1, "<%d>", i)
	}
	for _, outputs := range []int{1, 2} {
		for _, stalled := range []int{0, 1, 7, 150} {
			var got0, got1 bytes.Buffer
			ws := []*bytes.Buffer{&got0, &got1}[:outputs]
			done := make(chan error, 1)
			go func() {
				done <- writeChunkedTo(asWriters(ws), order, func(part []int, bufs [][]byte) {
					if part[0]/1024 == stalled {
						time.Sleep(30 * time.Millisecond)
					}
					for _, i := range part {
						bufs[0] = strconv.AppendInt(bufs[0], int64(i), 10)
						bufs[0] = append(bufs[0], '\n')
						if len(bufs) > 1 {
							bufs[1] = append(strconv.AppendInt(append(bufs[1], '<'), int64(i), 10), '>')
						}
					}
				})
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("outputs %d, chunk %d stalled: %v", outputs, stalled, err)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("outputs %d, chunk %d stalled: writeChunkedTo did not return in 60 s", outputs, stalled)
			}
			if !bytes.Equal(got0.Bytes(), want0.Bytes()) {
				t.Errorf("outputs %d, chunk %d stalled: first output differs from the sequential one", outputs, stalled)
			}
			if outputs > 1 && !bytes.Equal(got1.Bytes(), want1.Bytes()) {
				t.Errorf("outputs %d, chunk %d stalled: second output differs from the sequential one", outputs, stalled)
			}
		}
	}
}

func asWriters(bs []*bytes.Buffer) []io.Writer {
	ws := make([]io.Writer, len(bs))
	for i, b := range bs {
		ws[i] = b
	}
	return ws
}
