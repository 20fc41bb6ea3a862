package reports

import (
	"io"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/synth"
)

// bench100k scores a synthetic project of 100,000 subjects × 50 indicators.
func bench100k(b *testing.B) *batch.Batch {
	b.Helper()
	dir := b.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: 100000, Leaves: 50, Seed: 1, Period: "2024"}); err != nil {
		b.Fatal(err)
	}
	return loadBatch(b, dir, "2024")
}

// BenchmarkNewView100k builds the publication view of 100,000 subjects ×
// 50 indicators: what writing the outputs from the View costs on top of
// writing them from the batch's columns.
func BenchmarkNewView100k(b *testing.B) {
	bt := bench100k(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		NewView(bt)
	}
	reportCPU(b, cpu)
}

// BenchmarkWriteJSON100k writes results.json of 100,000 subjects × 50
// indicators from its View: the allocations are the chunk buffers, none
// per cell.
func BenchmarkWriteJSON100k(b *testing.B) {
	v := NewView(bench100k(b))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := WriteJSON(io.Discard, v); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process's CPU time per operation since cpu (a
// cpuTime): on a shared machine the wall time is the load's, the CPU time
// the writer's.
func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e9, "cpu-s/op")
	}
}

// BenchmarkWriteIndicatorsCSV100k writes indicators.csv of 100,000 subjects
// × 50 indicators (5 million rows) from its View.
func BenchmarkWriteIndicatorsCSV100k(b *testing.B) {
	v := NewView(bench100k(b))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := WriteIndicatorsCSV(io.Discard, v); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkWriteIndicatorsAndJSON100k writes indicators.csv and
// results.json of 100,000 subjects × 50 indicators together
// (WriteIndicatorsAndJSON): against BenchmarkWriteIndicatorsCSV100k plus
// BenchmarkWriteJSON100k, the cost of reading and formatting the cells once
// instead of twice.
func BenchmarkWriteIndicatorsAndJSON100k(b *testing.B) {
	v := NewView(bench100k(b))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := WriteIndicatorsAndJSON(io.Discard, io.Discard, v); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}
