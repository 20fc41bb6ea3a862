package reports

import (
	"testing"

	"github.com/govscore/govscore/synth"
)

// BenchmarkNewView100k builds the publication view of 100,000 subjects ×
// 50 indicators: what writing results.csv and indicators.csv from the View
// costs on top of writing them from the batch's columns.
func BenchmarkNewView100k(b *testing.B) {
	dir := b.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: 100000, Leaves: 50, Seed: 1, Period: "2024"}); err != nil {
		b.Fatal(err)
	}
	bt := loadBatch(b, dir, "2024")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		NewView(bt)
	}
}
