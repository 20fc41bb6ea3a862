package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/govscore/govscore/synth"
)

// BenchmarkRun is the end-to-end benchmark of the core issue: `govscore run`
// on a synthetic project of N subjects × 50 indicators in wide CSV, writing
// the data outputs (results.csv, indicators.csv, results.json; the
// publication formats are measured in reports' benchmarks). N defaults to 100,000; set GOVSCORE_BENCH_SUBJECTS to
// change it (e.g. 10000 or 1000000). Peak memory is measured on the binary
// (see BENCHMARKS.md).
func BenchmarkRun(b *testing.B) {
	n := 100000
	if s := os.Getenv("GOVSCORE_BENCH_SUBJECTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	dir := filepath.Join(b.TempDir(), "proj")
	if err := synth.Write(dir, synth.Config{Subjects: n, Leaves: 50, Seed: 1, Period: "2024"}); err != nil {
		b.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard, now: time.Now, getenv: func(string) string { return "" }}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), fmt.Sprint("out", i))
		if code := mainEnv(context.Background(), []string{"run", dir, "-o", out, "-q", "--format", "csv,json"}, e); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
