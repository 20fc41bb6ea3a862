package batch

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

const runTestSet = `govscore: 1
id: run-test
kinds: [district]
metrics:
  resolved: {min: 0, max: 100}
  received: {min: 0}
tree:
  - {id: resolution, expr: "ratio(resolved, received)", normalize: none}
  - {id: growth, expr: "received - (prev.received ?? received)", normalize: none}
`

// memorySource builds a Memory source of three districts over the periods
// given, each period's values shifted by its index.
func memorySource(t *testing.T, periods ...string) (Memory, *indicators.Set) {
	t.Helper()
	set, err := indicators.Parse("indicators.yaml", []byte(runTestSet))
	if err != nil {
		t.Fatal(err)
	}
	b, err := dataset.NewBuilder([]dataset.Subject{{ID: "w", Kind: "district"}, {ID: "e", Kind: "district"}, {ID: "n", Kind: "district"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, ps := range periods {
		p, err := dataset.ParsePeriod(ps)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"w", "e", "n"} {
			if err := b.Set(id, "resolved", p, float64(10*i+k)); err != nil {
				t.Fatal(err)
			}
			if err := b.Set(id, "received", p, float64(40+k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	ds, err := b.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	return Memory{Data: ds}, set
}

func TestRunMemorySource(t *testing.T) {
	src, set := memorySource(t, "2023", "2024")
	b, err := Run(context.Background(), src, set, Options{At: time.Unix(0, 0), Previous: true, Analysis: &analysis.Options{}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Meta.Period != "2024" || b.Previous == nil || b.Previous.Meta.Period != "2023" || b.PreviousErr != nil {
		t.Fatalf("period %s, previous %v (%v): want 2024 with 2023 scored", b.Meta.Period, b.Previous, b.PreviousErr)
	}
	if b.Analysis == nil {
		t.Error("Options.Analysis set but Batch.Analysis is nil")
	}
	if b.Previous.Previous != nil || b.Previous.Analysis != nil {
		t.Error("the previous batch is scored alone: no previous or analysis of its own")
	}
	i, _ := b.SubjectIndex("n")
	if got := b.Values.Leaves[1][i]; got != 1 {
		t.Errorf("growth of n = %v, want 1 (received 41 - 40)", got)
	}
	limited, err := Run(context.Background(), src, set, Options{Analysis: &analysis.Options{}, AnalysisLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if limited.Analysis != nil {
		t.Error("3 subjects > AnalysisLimit 2 but the analysis ran")
	}
	only, err := Run(context.Background(), src, set, Options{Period: "2023", Previous: true})
	if err != nil {
		t.Fatal(err)
	}
	if only.Previous != nil || only.PreviousErr != nil {
		t.Errorf("no 2022 in the data, yet previous %v, %v", only.Previous, only.PreviousErr)
	}
}

func TestRunErrors(t *testing.T) {
	src, set := memorySource(t, "2024")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(cancelled, src, set, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v, want context.Canceled", err)
	}
	_, err := Run(context.Background(), src, set, Options{Period: "2022"})
	if !IsInvalidInput(err) || !strings.Contains(err.Error(), "--period 2022: the data hold no row for that period (they have: 2024)") {
		t.Errorf("missing period: %v", err)
	}
	// A value beyond the set's declared max, from a source csvdata did not
	// check: a diag.List naming the cell, with its coordinates.
	p, _ := dataset.ParsePeriod("2024")
	i, _ := src.Data.SubjectIndex("e")
	src.Data.MutableColumn("resolved", p)[i] = 150
	_, err = Run(context.Background(), src, set, Options{})
	var de *diag.Error
	if !IsInvalidInput(err) || !errors.As(err, &de) || de.Subject != "e" || de.Indicator != "resolved" || de.Period != "2024" ||
		!strings.Contains(err.Error(), "data: subject \"e\", metric \"resolved\", period 2024: value 150 is outside the declared range [0, 100]") {
		t.Errorf("out-of-range value: %v (%+v)", err, de)
	}
}

// TestRunPreviousErr: a previous period that cannot be scored (invalid
// input there only) leaves the batch whole, with the reason in PreviousErr.
func TestRunPreviousErr(t *testing.T) {
	set, err := indicators.Parse("indicators.yaml", []byte(`govscore: 1
id: run-test
kinds: [district]
tree:
  - {id: resolution, expr: "resolved / received", normalize: none, missing: fail}
  - {id: volume, expr: received, normalize: none}
`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := dataset.NewBuilder([]dataset.Subject{{ID: "w", Kind: "district"}, {ID: "e", Kind: "district"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range []string{"2023", "2024"} {
		p, _ := dataset.ParsePeriod(ps)
		for _, id := range []string{"w", "e"} {
			resolved := 5.0
			if ps == "2023" && id == "e" {
				resolved = math.NaN() // e has no resolution in 2023
			}
			if err := errors.Join(b.Set(id, "resolved", p, resolved), b.Set(id, "received", p, 10)); err != nil {
				t.Fatal(err)
			}
		}
	}
	ds, err := b.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Run(context.Background(), Memory{Data: ds}, set, Options{Previous: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var me *scoring.MissingError
	if got.Previous != nil || !IsInvalidInput(got.PreviousErr) || !errors.As(got.PreviousErr, &me) ||
		!strings.HasPrefix(got.PreviousErr.Error(), "period 2023: ") {
		t.Errorf("previous %v, error %v: want no previous batch and the 2023 MissingError", got.Previous, got.PreviousErr)
	}
	if _, err := Run(context.Background(), Memory{Data: ds}, set, Options{Period: "2023"}); !errors.As(err, &me) {
		t.Errorf("scoring 2023 itself: %v, want the MissingError", err)
	}
}

// TestLoadDir: LoadDir is FromDir then Load: the example project loads;
// a path that is not a directory is FromDir's error.
func TestLoadDir(t *testing.T) {
	p, err := LoadDir(filepath.Join("..", "examples", "inner-mongolia-2024"))
	if err != nil || p.Set == nil || p.Data.Len() == 0 {
		t.Fatalf("LoadDir(example) = %v, %v", p, err)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(f); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("LoadDir(a file) = %v, want FromDir's error", err)
	}
}
