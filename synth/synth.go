// Package synth writes synthetic evaluation projects: an indicator set and
// data of any size, for benchmarks, load tests and demonstrations
// (`govscore gen`).
//
// Write(dir, cfg) lays a project out as in SPEC §2:
//
//	dir/indicators.yaml      cfg.Leaves leaves in about cfg.Leaves/5 dimensions
//	dir/data/subjects.csv    cfg.Subjects subjects: id,name,kind,parent,region
//	dir/data/metrics.csv     wide layout, one row per subject for cfg.Period
//
// The indicator set mixes every normalisation method (minmax, zscore,
// goalpost, rank, none with clip), both directions, the missing-data
// policies (exclude, mean, zero, min, median by region), transforms and
// winsorising; each leaf's expression reads one to three metrics, and the
// first leaf reads a derived metric. It has a bonus, a deduction, a veto, four
// grades with a quota and a ranking rule.
//
// The subjects are of the four kinds party_org, gov_department,
// autonomous_org and social_org, spread over eight regions, and linked into
// a tree (the parent of subject i is subject (i−1)/8). Each subject has a
// latent quality that every metric follows loosely, so indicators correlate
// as real ones do. About MissingShare of the indicator metric cells are left
// empty.
//
// Output is a pure function of cfg: the same Config gives byte-identical
// files, whatever the number of CPUs (the metric rows are generated in
// chunks of ChunkSize subjects, each from its own PCG stream, in parallel,
// and written in order). The structure of the indicator set depends only on
// Seed and Leaves.
package synth

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/govscore/govscore/dataset"
)

// DefaultPeriod is the period of the metrics when Config.Period is empty.
const DefaultPeriod = "2024"

// MissingShare is the probability that an indicator metric cell is left
// empty (missing).
const MissingShare = 0.02

// Kinds are the subject kinds of a synthetic project, in the order the set
// declares them.
var Kinds = []string{"party_org", "gov_department", "autonomous_org", "social_org"}

// Config says what to generate.
type Config struct {
	Subjects int    // number of subjects, ≥ 1
	Leaves   int    // number of leaf indicators, ≥ 1
	Seed     uint64 // random seed: the same seed gives the same files
	Period   string // period of the metric rows (YYYY, YYYY-Qn, …); "" = DefaultPeriod
}

// Write writes a synthetic project for cfg into dir, creating dir and
// dir/data as needed and replacing the three files if they exist. It
// returns an error for an invalid Config (Subjects or Leaves < 1, a period
// that does not parse) before writing anything, or the first I/O error.
func Write(dir string, cfg Config) error {
	if cfg.Subjects < 1 {
		return fmt.Errorf("synth: Subjects = %d, want ≥ 1", cfg.Subjects)
	}
	if cfg.Leaves < 1 {
		return fmt.Errorf("synth: Leaves = %d, want ≥ 1", cfg.Leaves)
	}
	if cfg.Period == "" {
		cfg.Period = DefaultPeriod
	}
	if _, err := dataset.ParsePeriod(cfg.Period); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	d := newDesign(cfg.Leaves, cfg.Seed)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "indicators.yaml"), func(w *bufio.Writer) error {
		return d.writeYAML(w, cfg)
	}); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "data", "subjects.csv"), func(w *bufio.Writer) error {
		return writeSubjects(w, cfg)
	}); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "data", "metrics.csv"), func(w *bufio.Writer) error {
		return d.writeMetrics(w, cfg)
	})
}

// writeFile creates path and runs fill on a buffered writer over it.
func writeFile(path string, fill func(*bufio.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fill(w); err != nil {
		return err
	}
	return w.Flush()
}
