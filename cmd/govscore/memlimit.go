package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/govscore/govscore/batch"
)

// Soft memory limit of `govscore run` from files (issue 13).
//
// Go collects garbage when the heap has grown by GOGC = 100% over the
// live heap of the last collection. A run's live heap rises in steps (the
// data set, the evaluated columns, the scoring columns) and then stays
// put while the outputs are written, which allocate a lot of short-lived
// buffers: with the default pacing the heap reaches up to twice the
// largest live heap before a collection (at 1M subjects × 50 leaves: a
// live heap of ~1.7 GB, a peak RSS of ~2.9 GB). A soft limit
// (runtime/debug.SetMemoryLimit) makes the runtime collect earlier as the
// heap approaches it, for a little more collection work.
//
// The limit comes from the size of the input files, which bounds the data
// set: memLimitPerByte bytes of heap per byte of input (the live heap of
// the generated projects is ~5.4 bytes per input byte at 100k and 1M
// subjects), and at least memLimitFloor, so that small runs are never
// slowed down. It is soft: a run whose live heap exceeds it (a project
// with many more nodes per metric) still completes, with the collector
// taking at most half the CPU while over it. GOMEMLIMIT, when set, is
// honoured instead.
const (
	memLimitPerByte = 6
	memLimitFloor   = 1 << 30
)

// setMemoryLimit sets the soft memory limit for a run reading files,
// unless GOMEMLIMIT is set, and returns the function that restores the
// previous one (the commands also run inside tests).
func setMemoryLimit(e *env, files batch.Files) (restore func()) {
	if e.getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	var size int64
	paths := append([]string{files.Subjects}, files.Metrics...)
	for _, p := range append(paths, files.Assessments...) {
		if st, err := os.Stat(p); err == nil && p != "" {
			size += st.Size()
		}
	}
	prev := debug.SetMemoryLimit(max(memLimitPerByte*size, memLimitFloor))
	return func() { debug.SetMemoryLimit(prev) }
}

// Soft memory limit of `govscore run --db` while it stores the batch
// (issue 13). Once scored, the live heap is what the stored rows and the
// outputs read (the published batch and its view); storing adds the rows'
// encoding buffers, the chunks queued for the COPY and the compressors, a
// bounded amount, and short-lived garbage from rendering ~6.5 GB of
// outputs at 1M subjects. With the default pacing the heap grows to twice
// the live heap before a collection; the limit, storeLimitNum/Den of the
// live heap plus storeLimitHeadroom, makes the collector run earlier. The
// live heap is measured after a collection, which also returns what the
// publication dropped. GOMEMLIMIT, when set, is honoured instead, and a
// lower limit already in force is kept.
const (
	storeLimitNum, storeLimitDen = 5, 4
	storeLimitHeadroom           = 256 << 20
)

// setStoringMemoryLimit sets the soft memory limit for storing a batch
// from the live heap, unless GOMEMLIMIT is set, and returns the function
// that restores the previous one.
func setStoringMemoryLimit(e *env) (restore func()) {
	if e.getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	runtime.GC()
	prev := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(prev, storingLimit(liveHeap())))
	return func() { debug.SetMemoryLimit(prev) }
}

// storingLimit is the soft limit while storing, for a live heap of live
// bytes.
func storingLimit(live uint64) int64 {
	return int64(live)*storeLimitNum/storeLimitDen + storeLimitHeadroom
}

// liveHeap returns the live heap of the last collection.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
