package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// Files names the input files of a batch.
type Files struct {
	Indicators  string   // indicators.yaml
	Subjects    string   // subjects.csv
	Metrics     []string // metrics*.csv, merged
	Assessments []string // assessments*.csv (optional)
	Tests       string   // tests.yaml, "" when the project has none
	// Dir is the project directory when the files were found by FromDir:
	// the `data:` section of the set names files relative to it, and the
	// files under DIR/data that nothing reads are warnings.
	Dir string
	// ByFlag marks the sections named explicitly (on the command line):
	// they are read as named, whatever the set's `data:` says.
	ByFlag struct{ Subjects, Metrics, Assessments bool }
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
	f := Files{Dir: dir}
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

// Check returns an error naming every required file that is missing: the
// indicator set, and the subjects and metrics unless the set may name
// them (when there is a set: Resolve checks them).
func (f Files) Check() error {
	var missing []string
	if f.Indicators == "" {
		missing = append(missing, "the indicator set (indicators.yaml or --indicators)")
	}
	mayMap := f.Indicators != "" // its data: may name them
	if f.Subjects == "" && !mayMap {
		missing = append(missing, "the subjects (data/subjects.csv or --subjects)")
	}
	if len(f.Metrics) == 0 && !mayMap {
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

// Inputs are the data files of a batch as read: each with the name used
// in positions and its `data:` mapping, if any.
type Inputs struct {
	Subjects    csvdata.Input
	Metrics     []csvdata.Input
	Assessments []csvdata.Input
	// Warnings name the files under DIR/data that nothing reads.
	Warnings []diag.Warning
}

// Paths returns the files read, in the order subjects, metrics,
// assessments.
func (in Inputs) Paths() []string {
	var out []string
	if in.Subjects.Path != "" {
		out = append(out, in.Subjects.Path)
	}
	for _, m := range in.Metrics {
		out = append(out, m.Path)
	}
	for _, a := range in.Assessments {
		out = append(out, a.Path)
	}
	return out
}

// Resolve returns the data files to read: those of the set's `data:`
// section (SPEC §3.1), relative to the directory of the indicator set (Dir
// when known), for the sections it names and no flag overrides, the files found or named otherwise. A nil set, or one
// without `data:`, reads the files as they are. When Dir is known, every
// file under DIR/data that nothing reads is a warning. A missing subjects
// file is a *MissingFilesError (Load also requires metrics files; LoadData
// does not).
func (f Files) Resolve(set *indicators.Set) (Inputs, error) {
	var in Inputs
	var dm *datamap.Map
	base := f.Dir
	if set != nil {
		dm = set.Data
		if base == "" && f.Indicators != "" {
			base = filepath.Dir(f.Indicators)
		}
	}
	at := func(m *datamap.File) csvdata.Input {
		p := filepath.Join(base, filepath.FromSlash(m.Path))
		return csvdata.Input{Path: p, Name: p, Map: m}
	}
	if dm != nil && dm.Subjects != nil && !f.ByFlag.Subjects {
		in.Subjects = at(dm.Subjects)
	} else if f.Subjects != "" {
		in.Subjects = csvdata.Input{Path: f.Subjects, Name: f.Subjects}
	}
	if dm != nil && len(dm.Metrics) > 0 && !f.ByFlag.Metrics {
		for _, m := range dm.Metrics {
			in.Metrics = append(in.Metrics, at(m))
		}
	} else {
		in.Metrics = csvdata.Inputs(f.Metrics)
	}
	if dm != nil && len(dm.Assessments) > 0 && !f.ByFlag.Assessments {
		for _, m := range dm.Assessments {
			in.Assessments = append(in.Assessments, at(m))
		}
	} else {
		in.Assessments = csvdata.Inputs(f.Assessments)
	}
	var missing []string
	if in.Subjects.Path == "" {
		missing = append(missing, "the subjects (data/subjects.csv, data.subjects in the indicator set, or --subjects)")
	}
	if len(missing) > 0 {
		return in, &MissingFilesError{Missing: missing}
	}
	var errs diag.List
	for _, x := range append(append([]csvdata.Input{in.Subjects}, in.Metrics...), in.Assessments...) {
		if x.Map != nil && !exists(x.Path) {
			errs.Add(x.Map.Pos, "data: no file %s (the path is relative to the directory of the indicator set)", x.Path)
		}
	}
	if err := errs.Err(); err != nil {
		return in, err
	}
	if f.Dir != "" {
		w, err := unread(f.Dir, in.Paths())
		if err != nil {
			return in, err
		}
		in.Warnings = w
	}
	return in, nil
}

// unread returns a warning for every file under dir/data not in read
// (hidden files and Excel's ~$ lock files aside).
func unread(dir string, read []string) ([]diag.Warning, error) {
	seen := map[string]bool{}
	for _, p := range read {
		if abs, err := filepath.Abs(p); err == nil {
			seen[abs] = true
		}
	}
	root := filepath.Join(dir, "data")
	var out []diag.Warning
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return err
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if !seen[abs] {
			out = append(out, diag.Warning{Pos: diag.Pos{File: p},
				Msg: "file not read: nothing names it (the default files are data/subjects.csv, data/metrics*.csv and data/assessments*.csv; name others in the indicator set's data: section, or move the file out of data/)"})
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return out, nil
}
