// Package batch wires the stages of an evaluation together: it reads an
// indicator set and its data (indicators, csvdata), compiles the expressions
// (engine), scores a period (scoring) and returns a Batch, the one value the
// report writers render. It does not write files; cmd/govscore does.
//
// A Batch is a pure function of its inputs: the same set and data give the
// same Batch whatever the order of the data rows, except for GeneratedAt,
// which callers set from SOURCE_DATE_EPOCH or the clock.
package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/engine"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// EngineVersion identifies the scoring semantics of this build. It is
// recorded in every batch's metadata.
const EngineVersion = "govscore/0.1.0"

// Project is a loaded, validated indicator set with its data and compiled
// expressions, ready to score any period of the data.
type Project struct {
	Files Files
	Set   *indicators.Set
	Data  *dataset.Dataset
	Plan  *engine.Plan
	// Ratings are the assessment rows of every period (empty without
	// assessments files).
	Ratings *csvdata.Assessments
	// Warnings from parsing and loading (not yet from scoring).
	Warnings []diag.Warning
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
	ds, err := csvdata.Load(files.Subjects, files.Metrics, LoadOptions(set))
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
	ratings, err := loadAssessments(files.Assessments, set, ds, &errs)
	if err != nil {
		return nil, err
	}
	p, err := Assemble(files, set, ds)
	if err != nil {
		errs.Append(err)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	p.Ratings = ratings
	p.Warnings = append(p.Warnings, ratings.Warnings...)
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
// the project. Load uses it; so do callers with data from elsewhere (inline
// test data, a database).
func Assemble(files Files, set *indicators.Set, ds *dataset.Dataset) (*Project, error) {
	var errs diag.List
	checkAttributes(set, ds, &errs)
	plan, err := engine.Compile(set, schema(set, ds))
	if err != nil {
		errs.Append(err)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	p := &Project{Files: files, Set: set, Data: ds, Plan: plan}
	p.Warnings = append(p.Warnings, set.Warnings...)
	p.Warnings = append(p.Warnings, ds.Warnings...)
	p.Warnings = append(p.Warnings, p.unusedColumns()...)
	return p, nil
}

// IsInvalidInput reports whether err is a problem with the input's content
// (a diag.List or *diag.Error) rather than a failure to read it.
func IsInvalidInput(err error) bool {
	var l diag.List
	var e *diag.Error
	return errors.As(err, &l) || errors.As(err, &e)
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

// Meta is a batch's provenance, recorded in results.json.
type Meta struct {
	SetID, SetName, SetVersion string
	SetSHA256                  string // of the indicator-set file's bytes
	DataSHA256                 string // canonical: independent of row order
	Period, PrevPeriod         string
	EngineVersion              string
	GeneratedAt                time.Time
}

// Batch is one scored period: inputs, evaluated expressions, scores, and the
// provenance needed to reproduce it.
type Batch struct {
	Project *Project
	Period  dataset.Period
	Values  *engine.Values
	Result  *scoring.Result
	// Assess holds the combined assessments of the period (nil when the
	// set declares no assessment items).
	Assess *assess.Result
	// Analysis is the robustness analysis of the batch (analysis.Analyse)
	// when the caller ran one and attached it; nil otherwise. The
	// publication writers (package reports) show its uncertainty bands.
	Analysis *analysis.Report
	Meta     Meta
	Warnings []diag.Warning // every warning of the batch, sorted
}

// Options tune Run.
type Options struct {
	// Period selects the batch period; "" means the set's period, else the
	// latest period in the data.
	Period string
	// GeneratedAt is the timestamp recorded in the metadata.
	GeneratedAt time.Time
}

// ResolvePeriod picks the batch period (SPEC §3): the requested one, else the
// set's `period`, else the latest period in the data. The period must have
// the data's format and at least one metric row.
func (p *Project) ResolvePeriod(requested string) (dataset.Period, error) {
	return ResolvePeriod(requested, p.Set.Period, p.Data.Periods(),
		"the metrics files hold no period", "the metrics hold no row for that period (they have: %s)")
}

// ResolvePeriod picks the batch period among periods (the periods holding
// metric rows, oldest first): requested, else setPeriod, else the latest.
// A malformed period or one without rows is a *diag.Error: empty is the
// message when there is no period at all, noRow (with a %s for the periods
// there are) when the chosen one has no rows.
func ResolvePeriod(requested, setPeriod string, periods []dataset.Period, empty, noRow string) (dataset.Period, error) {
	s, where := requested, "--period"
	if s == "" {
		s, where = setPeriod, "the indicator set's period"
	}
	if s == "" {
		if len(periods) == 0 {
			return dataset.Period{}, &diag.Error{Msg: empty}
		}
		return periods[len(periods)-1], nil
	}
	per, err := dataset.ParsePeriod(s)
	if err != nil {
		return dataset.Period{}, &diag.Error{Msg: fmt.Sprintf("%s: %v", where, err)}
	}
	names := make([]string, 0, len(periods))
	for _, q := range periods {
		if q == per {
			return per, nil
		}
		names = append(names, q.String())
	}
	return dataset.Period{}, &diag.Error{Msg: fmt.Sprintf("%s %s: "+noRow, where, per, strings.Join(names, ", "))}
}

// Run scores one period of the project.
func (p *Project) Run(ctx context.Context, opt Options) (*Batch, error) {
	per, err := p.ResolvePeriod(opt.Period)
	if err != nil {
		return nil, err
	}
	ar, err := p.combineAssessments(per)
	if err != nil {
		return nil, err
	}
	var opts engine.Options
	if ar != nil {
		opts.Assess = ar.Scores
	}
	vals, err := p.Plan.EvaluateWith(ctx, p.Data, per, opts)
	if err != nil {
		return nil, err
	}
	res, err := scoring.Score(scoring.Input{
		Set:      p.Set,
		Subjects: p.Data.Subjects,
		Raw:      vals.Leaves,
		Points:   vals.Points,
		When:     vals.When,
	})
	if err != nil {
		return nil, err
	}
	b := &Batch{Project: p, Period: per, Values: vals, Result: res, Assess: ar}
	b.Meta = Meta{
		SetID:         p.Set.ID,
		SetName:       p.Set.Name,
		SetVersion:    p.Set.Version,
		SetSHA256:     sha256Hex(p.Set.Source),
		DataSHA256:    p.Data.Fingerprint(),
		Period:        per.String(),
		PrevPeriod:    per.Prev().String(),
		EngineVersion: EngineVersion,
		GeneratedAt:   opt.GeneratedAt.UTC(),
	}
	var ws []diag.Warning
	ws = append(ws, p.Warnings...)
	ws = append(ws, p.PeriodWarnings(per)...)
	ws = append(ws, vals.Warnings...)
	ws = append(ws, res.Warnings...)
	if ar != nil {
		rated := make([]bool, len(res.Subjects))
		for i := range res.Subjects {
			rated[i] = res.Subjects[i].Rated
		}
		ws = append(ws, ar.RoleWarnings(AssessItems(p.Set), rated)...)
	}
	b.Warnings = diag.SortWarnings(ws)
	return b, nil
}

// SubjectIndex finds a subject of the batch by id.
func (b *Batch) SubjectIndex(id string) (int, bool) { return b.Project.Data.SubjectIndex(id) }

// Composites returns the composite nodes of the tree in tree order (the
// per-node columns of results.csv).
func (b *Batch) Composites() []*indicators.Node {
	var out []*indicators.Node
	for _, n := range b.Project.Set.Nodes {
		if !n.IsLeaf() {
			out = append(out, n)
		}
	}
	return out
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
