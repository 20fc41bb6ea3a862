package batch

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Files names the input files of a batch.
type Files struct {
	Indicators  string   // indicators.yaml
	Subjects    string   // subjects.csv
	Metrics     []string // metrics*.csv, merged
	Assessments []string // assessments*.csv (optional)
	Tests       string   // tests.yaml, "" when the project has none
}

// FromDir finds the files of an evaluation project directory laid out as in
// SPEC §2: DIR/indicators.yaml, DIR/data/subjects.csv, DIR/data/metrics*.csv,
// DIR/data/assessments*.csv and DIR/tests.yaml. Files that do not exist are
// left empty (Metrics and Assessments sorted by name); Check reports what is
// required.
func FromDir(dir string) (Files, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return Files{}, err
	}
	if !st.IsDir() {
		return Files{}, fmt.Errorf("%s is not a directory", dir)
	}
	var f Files
	if p := filepath.Join(dir, "indicators.yaml"); exists(p) {
		f.Indicators = p
	}
	if p := filepath.Join(dir, "data", "subjects.csv"); exists(p) {
		f.Subjects = p
	}
	f.Metrics, _ = filepath.Glob(filepath.Join(dir, "data", "metrics*.csv"))
	f.Assessments, _ = filepath.Glob(filepath.Join(dir, "data", "assessments*.csv"))
	sort.Strings(f.Metrics)
	sort.Strings(f.Assessments)
	if p := filepath.Join(dir, "tests.yaml"); exists(p) {
		f.Tests = p
	}
	return f, nil
}

// Check returns an error naming every required file that is missing.
func (f Files) Check() error {
	var missing []string
	if f.Indicators == "" {
		missing = append(missing, "the indicator set (indicators.yaml or --indicators)")
	}
	if f.Subjects == "" {
		missing = append(missing, "the subjects (data/subjects.csv or --subjects)")
	}
	if len(f.Metrics) == 0 {
		missing = append(missing, "the metrics (data/metrics*.csv or --metrics)")
	}
	if len(missing) == 0 {
		return nil
	}
	return &MissingFilesError{Missing: missing}
}

// MissingFilesError reports required input files that were not found.
type MissingFilesError struct{ Missing []string }

// Error lists the missing files.
func (e *MissingFilesError) Error() string {
	s := "missing input:"
	for _, m := range e.Missing {
		s += "\n  " + m
	}
	return s
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
