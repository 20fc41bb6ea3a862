package synth

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/indicators"
)

var files = []string{"indicators.yaml", "data/subjects.csv", "data/metrics.csv"}

// readAll reads the project files written in dir.
func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// readCSV parses a CSV file strictly (same number of fields on every row).
func readCSV(t *testing.T, b []byte) (header []string, rows [][]string) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return header, rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rec)
	}
}

func TestWriteWellFormed(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"one subject one leaf", Config{Subjects: 1, Leaves: 1, Seed: 1}},
		{"small", Config{Subjects: 40, Leaves: 7, Seed: 2, Period: "2023-Q4"}},
		{"several chunks", Config{Subjects: 2*ChunkSize + 17, Leaves: 23, Seed: 3}},
		{"many leaves", Config{Subjects: 100, Leaves: 120, Seed: 4, Period: "2024-07"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(dir, tt.cfg); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, dir)
			period := tt.cfg.Period
			if period == "" {
				period = DefaultPeriod
			}

			sh, srows := readCSV(t, got["data/subjects.csv"])
			if strings.Join(sh, ",") != "id,name,kind,parent,region" {
				t.Errorf("subjects header = %v", sh)
			}
			if len(srows) != tt.cfg.Subjects {
				t.Errorf("%d subject rows, want %d", len(srows), tt.cfg.Subjects)
			}
			ids := map[string]bool{}
			for i, r := range srows {
				if ids[r[0]] {
					t.Errorf("duplicate id %s", r[0])
				}
				ids[r[0]] = true
				if r[3] != "" && !ids[r[3]] {
					t.Errorf("row %d: parent %q is not an earlier subject", i, r[3])
				}
			}

			mh, mrows := readCSV(t, got["data/metrics.csv"])
			wantCols := 2 + max(6, tt.cfg.Leaves) + len(adjustmentMetrics)
			if len(mh) != wantCols || mh[0] != "subject" || mh[1] != "period" {
				t.Errorf("metrics header has %d columns (%v…), want %d starting subject,period", len(mh), mh[:2], wantCols)
			}
			if len(mrows) != tt.cfg.Subjects {
				t.Errorf("%d metric rows, want %d", len(mrows), tt.cfg.Subjects)
			}
			for i, r := range mrows {
				if r[0] != srows[i][0] || r[1] != period {
					t.Fatalf("metric row %d starts %s,%s, want %s,%s", i, r[0], r[1], srows[i][0], period)
				}
			}

			// The set parses under the strict rules and the data load
			// under the set's kinds and declared bounds.
			set, err := indicators.Parse("indicators.yaml", got["indicators.yaml"])
			if err != nil {
				t.Fatalf("indicators.yaml: %v", err)
			}
			if len(set.Leaves) != tt.cfg.Leaves {
				t.Errorf("%d leaves, want %d", len(set.Leaves), tt.cfg.Leaves)
			}
			if want := max(1, (tt.cfg.Leaves+2)/5); len(set.Root.Children) != want {
				t.Errorf("%d dimensions, want %d", len(set.Root.Children), want)
			}
			opt := csvdata.Options{Kinds: set.Kinds, Bounds: map[string]csvdata.Bounds{}}
			for _, m := range set.Metrics {
				if m.Expr == nil {
					opt.Bounds[m.Name] = csvdata.Bounds{Min: m.Min, Max: m.Max}
				}
			}
			ds, err := csvdata.Parse(
				csvdata.NamedData{Name: "subjects.csv", Data: got["data/subjects.csv"]},
				[]csvdata.NamedData{{Name: "metrics.csv", Data: got["data/metrics.csv"]}}, opt)
			if err != nil {
				t.Fatalf("data: %v", err)
			}
			if ds.Len() != tt.cfg.Subjects {
				t.Errorf("dataset has %d subjects, want %d", ds.Len(), tt.cfg.Subjects)
			}
		})
	}
}

// TestWriteMix checks that a set of 50 leaves uses every normalisation
// method, both directions, several missing policies, a transform,
// winsorising and applies_to, and that about 2% of the cells are missing.
func TestWriteMix(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Config{Subjects: 5000, Leaves: 50, Seed: 42}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dir)
	set, err := indicators.Parse("indicators.yaml", got["indicators.yaml"])
	if err != nil {
		t.Fatal(err)
	}
	methods := map[indicators.NormMethod]bool{}
	policies := map[indicators.MissingPolicy]bool{}
	var lower, transform, winsor, restricted, byRegion bool
	for _, l := range set.Leaves {
		methods[l.Normalize.Method] = true
		policies[l.Missing.Policy] = true
		lower = lower || l.Direction == indicators.Lower
		transform = transform || l.Transform != indicators.TransformNone
		winsor = winsor || l.Winsorize != nil
		restricted = restricted || l.AppliesTo != nil
		byRegion = byRegion || l.Missing.By == "region"
	}
	for _, m := range []indicators.NormMethod{indicators.MinMax, indicators.ZScore, indicators.Goalpost, indicators.Rank, indicators.NormNone} {
		if !methods[m] {
			t.Errorf("no leaf normalised with %s", m)
		}
	}
	if len(policies) < 4 {
		t.Errorf("missing policies used: %v, want ≥ 4", policies)
	}
	if !lower || !transform || !winsor || !restricted || !byRegion {
		t.Errorf("lower %v, transform %v, winsorize %v, applies_to %v, by region %v: want all", lower, transform, winsor, restricted, byRegion)
	}
	if len(set.Adjustments) != 3 || len(set.Grades) != 4 {
		t.Errorf("%d adjustments, %d grades", len(set.Adjustments), len(set.Grades))
	}

	_, rows := readCSV(t, got["data/metrics.csv"])
	var empty, cells int
	for _, r := range rows {
		for _, c := range r[2 : len(r)-len(adjustmentMetrics)] {
			cells++
			if c == "" {
				empty++
			}
		}
	}
	if share := float64(empty) / float64(cells); share < 0.015 || share > 0.025 {
		t.Errorf("missing share %.4f, want ≈ %.2f", share, MissingShare)
	}
}

func TestWriteDeterministic(t *testing.T) {
	cfg := Config{Subjects: ChunkSize + 500, Leaves: 30, Seed: 99}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	if err := Write(a, cfg); err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1) // a different number of CPUs
	err := Write(b, cfg)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Seed++
	if err := Write(c, other); err != nil {
		t.Fatal(err)
	}
	fa, fb, fc := readAll(t, a), readAll(t, b), readAll(t, c)
	for _, f := range files {
		if !bytes.Equal(fa[f], fb[f]) {
			t.Errorf("%s: same seed, different bytes", f)
		}
		if bytes.Equal(fa[f], fc[f]) {
			t.Errorf("%s: different seeds, same bytes", f)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		cfg  Config
		want string
	}{
		{"no subjects", t.TempDir(), Config{Subjects: 0, Leaves: 5}, "Subjects = 0"},
		{"negative leaves", t.TempDir(), Config{Subjects: 5, Leaves: -1}, "Leaves = -1"},
		{"bad period", t.TempDir(), Config{Subjects: 5, Leaves: 5, Period: "2024-13"}, "invalid period"},
		{"dir is a file", blocker, Config{Subjects: 5, Leaves: 5}, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(tt.dir, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWriteUnwritableFile(t *testing.T) {
	// A directory where a file should go makes os.Create fail.
	for _, f := range files {
		d := t.TempDir()
		if err := os.MkdirAll(filepath.Join(d, f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := Write(d, Config{Subjects: 3, Leaves: 3}); err == nil {
			t.Errorf("%s is a directory: Write succeeded", f)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	cfg := Config{Subjects: 100_000, Leaves: 50, Seed: 1}
	for b.Loop() {
		if err := Write(dir, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleWrite() {
	dir, err := os.MkdirTemp("", "synth")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := Write(dir, Config{Subjects: 3, Leaves: 2, Seed: 1}); err != nil {
		panic(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "data", "subjects.csv"))
	os.Stdout.Write(b)
	// Output:
	// id,name,kind,parent,region
	// s1,Subject 1,party_org,,r7
	// s2,Subject 2,gov_department,s1,r2
	// s3,Subject 3,gov_department,s1,r5
}
