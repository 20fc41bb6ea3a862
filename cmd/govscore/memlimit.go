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
	m := newSoftLimit(e)
	if !m.off {
		m.limit(m.measure())
	}
	return m.restore
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

// Soft memory limit of `govscore run --by-group` (issue 13). A group's
// run holds what the whole run holds for the whole time (the subjects,
// and from files the data set: base) plus what its own subjects cost
// while they are scored, written and stored, in proportion to their
// number. At 5M subjects × 100 leaves (groups of 1.25M) the live heap
// reaches ~7.8 GB per group and the default pacing let the heap grow to
// 13.5 GB; with the limit 9 GiB the same run took as long and peaked at
// 9.45 GB, and with this one 9.82 GB (BENCHMARKS.md). softLimit's start
// and scored measure base before the first group and each group's live
// heap once it is scored, and set the limit to storingLimit of what they
// expect: while a group is written and
// stored, its measured live heap; while the next one is read and scored,
// base plus its size times the largest cost per subject seen so far. The
// first group is read and scored under the limit in force before (none
// from the database; from files, setMemoryLimit's), which stays the cap.
// GOMEMLIMIT, when set, is honoured instead.
//
// softLimit also serves setStoringMemoryLimit: a limit from a live heap,
// never above the limit in force before, GOMEMLIMIT honoured, restored.
type softLimit struct {
	measure func() uint64     // the live heap (after a collection)
	set     func(int64) int64 // debug.SetMemoryLimit
	cap     int64             // the limit before the run
	base    uint64            // live heap before the first group
	per     float64           // the largest live bytes per subject of a group
	off     bool              // GOMEMLIMIT is set
}

// newSoftLimit returns a keeper of the soft limit, capped by the limit in
// force now.
func newSoftLimit(e *env) *softLimit {
	m := &softLimit{
		measure: func() uint64 { runtime.GC(); return liveHeap() },
		set:     debug.SetMemoryLimit,
		off:     e.getenv("GOMEMLIMIT") != "",
	}
	m.cap = m.set(-1)
	return m
}

// start is batch.Options.GroupStart: before group g of size subjects is
// read.
func (m *softLimit) start(g, size int) {
	switch {
	case m.off:
	case g == 0:
		m.base = m.measure()
	case m.per > 0:
		m.limit(m.base + uint64(m.per*float64(size)))
	}
}

// scored is called once a group of size subjects is scored, before it is
// written and stored.
func (m *softLimit) scored(size int) {
	if m.off {
		return
	}
	live := m.measure()
	if live > m.base && size > 0 {
		m.per = max(m.per, float64(live-m.base)/float64(size))
	}
	m.limit(live)
}

// limit sets the soft limit for a live heap of live bytes, at most cap.
func (m *softLimit) limit(live uint64) { m.set(min(m.cap, storingLimit(live))) }

// restore puts back the limit in force before the run.
func (m *softLimit) restore() {
	if !m.off {
		m.set(m.cap)
	}
}
