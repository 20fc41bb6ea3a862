package batch

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/govscore/govscore/dataset"
)

// TestDataFingerprintCoversRatings: changing ratings of the batch period
// changes the data SHA-256 (issue 12: 20 changed ratings gave the same
// one, so the corrected batch could not be stored); the order of the
// rating rows does not; ratings of other periods, which no number reads,
// do not; a set without assessment items keeps the dataset's fingerprint.
func TestDataFingerprintCoversRatings(t *testing.T) {
	files, err := FromDir("../examples/inner-mongolia-2024")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	run := func() string {
		b, err := Run(context.Background(), p, p.Set, Options{At: time.Unix(0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return b.Meta.DataSHA256
	}
	base := run()
	if base == p.Data.Fingerprint() {
		t.Fatal("the data SHA-256 of a set with assessments is the dataset's alone")
	}
	rows := p.ratings.Rows
	orig := slices.Clone(rows)

	// 20 ratings corrected.
	for i := 0; i < 20; i++ {
		rows[i*7].Score = 100 - rows[i*7].Score + 1
	}
	if got := run(); got == base {
		t.Error("20 changed ratings give the same data SHA-256")
	}
	copy(rows, orig)

	// Row order does not matter.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	if got := run(); got != base {
		t.Errorf("shuffled ratings: %s, want %s", got, base)
	}
	copy(rows, orig)

	// A rating of another period is not read by the batch.
	other := rows[0]
	other.Period, _ = dataset.ParsePeriod("2023")
	other.Score = 1
	p.ratings.Rows = append(rows, other)
	if got := run(); got != base {
		t.Errorf("a rating of 2023 changed the 2024 data SHA-256")
	}
	p.ratings.Rows = rows

	// One rating fewer, or a rating moved to another rater, changes it.
	p.ratings.Rows = rows[1:]
	if got := run(); got == base {
		t.Error("a removed rating gives the same data SHA-256")
	}
	p.ratings.Rows = rows
	rows[3].Rater += "x"
	if got := run(); got == base {
		t.Error("a renamed rater gives the same data SHA-256")
	}
	copy(rows, orig)

	// Without assessment items: the dataset's fingerprint, as before.
	hdi, err := FromDir("../examples/undp-hdi-2022")
	if err != nil {
		t.Fatal(err)
	}
	q, err := Load(hdi)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), q, q.Set, Options{At: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if b.Meta.DataSHA256 != q.Data.Fingerprint() {
		t.Error("a set without assessments changed its data SHA-256")
	}
}
