package batch

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/engine"
	"github.com/govscore/govscore/indicators"
)

// Project is a validated indicator set with its data and compiled
// expressions, ready to score any period of the data.
//
// A Project read from files by Load is also a Source (the CSV project): its
// periods, its dataset and its ratings. A Project is read-only once built
// and safe for concurrent use.
type Project struct {
	Set  *indicators.Set
	Data *dataset.Dataset
	Plan *engine.Plan
	// Warnings from parsing and loading (not yet from scoring).
	Warnings []diag.Warning

	// ratings are the assessment rows of every period read from the
	// assessments files (nil without them).
	ratings *csvdata.Assessments
}

// LoadDir is Load of the project directory dir laid out as in SPEC §2
// (FromDir).
func LoadDir(dir string) (*Project, error) {
	files, err := FromDir(dir)
	if err != nil {
		return nil, err
	}
	return Load(files)
}

// Load reads and validates a project: the indicator set, the subjects and
// metrics, and the expressions against the data. Every problem in every
// file is reported at once in one diag.List. I/O failures other than a
// missing or unreadable input are returned as they are.
func Load(files Files) (*Project, error) {
	if err := files.Check(); err != nil {
		return nil, err
	}
	var errs diag.List
	src, err := os.ReadFile(files.Indicators)
	if err != nil {
		return nil, fmt.Errorf("reading indicator set: %w", err)
	}
	set, setErr := indicators.ParsePartial(files.Indicators, src)
	if setErr != nil {
		errs.Append(setErr)
	}
	in, err := files.Resolve(set)
	if err != nil {
		return nil, err
	}
	if len(in.Metrics) == 0 {
		return nil, &MissingFilesError{Missing: []string{"the metrics (data/metrics*.csv, data.metrics in the indicator set, or --metrics)"}}
	}
	ds, err := csvdata.LoadInputs(in.Subjects, in.Metrics, LoadOptions(set))
	if err != nil {
		if !IsInvalidInput(err) {
			return nil, err
		}
		errs.Append(err)
	}
	if setErr != nil {
		// The set is broken: still compile what could be read of it, so
		// that expression problems are reported with the YAML's.
		if set != nil && ds != nil {
			errs.Append(compileForDiagnostics(set, ds))
		}
		return nil, errs.Err()
	}
	if ds == nil {
		return nil, errs.Err()
	}
	ratings, err := loadAssessments(in.Assessments, set, ds, &errs)
	if err != nil {
		return nil, err
	}
	p, err := Assemble(set, ds)
	if err != nil {
		errs.Append(err)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	p.ratings = ratings
	p.Warnings = append(p.Warnings, ratings.Warnings...)
	p.Warnings = diag.SortWarnings(append(p.Warnings, in.Warnings...))
	return p, nil
}

// compileForDiagnostics compiles the expressions of a partially read set
// and returns their problems. A set with errors may be inconsistent in ways
// the compiler does not expect; a panic then only means fewer diagnostics.
func compileForDiagnostics(set *indicators.Set, ds *dataset.Dataset) (err error) {
	defer func() {
		if recover() != nil {
			err = nil
		}
	}()
	_, err = engine.Compile(set, schema(set, ds))
	if !IsInvalidInput(err) {
		return nil
	}
	return err
}

func schema(set *indicators.Set, ds *dataset.Dataset) engine.Schema {
	var items []string
	for _, a := range set.Assessments {
		items = append(items, a.ID)
	}
	return engine.Schema{Metrics: ds.Metrics(), Attrs: ds.AttrNames, Assess: items}
}

// Assemble checks a parsed set against a loaded dataset (attributes named by
// the set exist, expressions compile against the data's metrics) and returns
// the project. Load uses it; so does Run for data from any Source.
func Assemble(set *indicators.Set, ds *dataset.Dataset) (*Project, error) {
	var errs diag.List
	checkAttributes(set, ds, &errs)
	plan, err := engine.Compile(set, schema(set, ds))
	if err != nil {
		errs.Append(err)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	p := &Project{Set: set, Data: ds, Plan: plan}
	p.Warnings = append(p.Warnings, set.Warnings...)
	p.Warnings = append(p.Warnings, ds.Warnings...)
	p.Warnings = append(p.Warnings, p.unusedColumns()...)
	return p, nil
}

// Periods returns the periods of the project's data (Source).
func (p *Project) Periods(context.Context) ([]dataset.Period, error) { return p.Data.Periods(), nil }

// Dataset returns the project's data, which hold every period (Source).
func (p *Project) Dataset(context.Context, dataset.Period) (*dataset.Dataset, error) {
	return p.Data, nil
}

// Ratings returns the ratings of period per read from the assessments
// files, nil without them (Source).
func (p *Project) Ratings(_ context.Context, per dataset.Period) ([]assess.Rating, error) {
	if p.ratings == nil {
		return nil, nil
	}
	return p.ratings.Ratings(per), nil
}

// Describe words Run's errors for a project read from files (Describer).
func (p *Project) Describe() (name, noPeriods, noRow string) {
	return "data", "the metrics files hold no period", "the metrics hold no row for that period (they have: %s)"
}

// ResolvePeriod picks the batch period (SPEC §3) as Run does: the requested
// one, else the set's `period`, else the latest period in the data. The
// period must have the data's format and at least one metric row.
func (p *Project) ResolvePeriod(requested string) (dataset.Period, error) {
	return resolvePeriod(p, requested, p.Set.Period, p.Data.Periods())
}

// LoadOptions derives the data checks implied by a set: the allowed kinds
// and the declared metric ranges. A nil set checks nothing.
func LoadOptions(set *indicators.Set) csvdata.Options {
	var opt csvdata.Options
	if set == nil {
		return opt
	}
	opt.Kinds = set.Kinds
	opt.Bounds = map[string]csvdata.Bounds{}
	for _, m := range set.Metrics {
		if m.Expr == nil && (m.Min != nil || m.Max != nil) {
			opt.Bounds[m.Name] = csvdata.Bounds{Min: m.Min, Max: m.Max}
		}
	}
	return opt
}

// checkAttributes reports peer-group and imputation-pool attributes that the
// subjects file does not have.
func checkAttributes(set *indicators.Set, ds *dataset.Dataset, errs *diag.List) {
	has := map[string]bool{"id": true, "name": true, "kind": true, "parent": true}
	for _, a := range ds.AttrNames {
		has[a] = true
	}
	cols := strings.Join(append([]string{"id", "name", "kind", "parent"}, ds.AttrNames...), ", ")
	for _, a := range set.PeerGroups {
		if !has[a] {
			errs.Add(set.Pos, "peer_groups: subjects have no attribute %q (columns: %s); add the column to subjects.csv or change peer_groups", a, cols)
		}
	}
	for _, n := range set.Nodes {
		if n.Missing.By != "" && !has[n.Missing.By] {
			errs.Add(n.Pos, "node %q: missing.by: subjects have no attribute %q (columns: %s)", n.ID, n.Missing.By, cols)
		}
	}
}
