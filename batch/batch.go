// Package batch wires the stages of an evaluation together: it reads the
// data of a batch from a Source (the CSV project read by Load, a database,
// data held in memory), compiles the indicator set's expressions against it
// (engine), scores a period (scoring), optionally analyses the result
// (analysis) and returns a Batch, the one value the report writers render.
// It does not write files; cmd/govscore does.
//
// Run is the one pipeline: a file run, a database run and a server all call
// it. It holds no global state and stops when its context is cancelled.
//
// A Batch is a pure function of its inputs: the same set and data give the
// same Batch whatever the order of the data rows, except for Meta.GeneratedAt,
// which callers pass in Options.At.
package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/engine"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// EngineVersion identifies the scoring semantics of this build. It is
// recorded in every batch's metadata.
const EngineVersion = "govscore/0.1.0"

// Meta is a batch's provenance, recorded in results.json.
type Meta struct {
	SetID, SetName, SetVersion string
	SetSHA256                  string // of the indicator-set file's bytes
	DataSHA256                 string // of the data and the period's ratings (DataFingerprint); independent of row order
	Period, PrevPeriod         string
	EngineVersion              string
	GeneratedAt                time.Time
}

// Batch is one scored period: inputs, evaluated expressions, scores, and the
// provenance needed to reproduce it. Run builds it whole; it is read-only
// afterwards and safe for concurrent use by the writers.
type Batch struct {
	Project *Project
	Period  dataset.Period
	Values  *engine.Values
	Result  *scoring.Result
	// Assess holds the combined assessments of the period (nil when the
	// set declares no assessment items).
	Assess *assess.Result
	// Analysis is the robustness analysis of the batch (analysis.Analyse)
	// when Options.Analysis asked for one; nil otherwise. The publication
	// writers (package reports) show its uncertainty bands.
	Analysis *analysis.Report
	// Previous is the previous period (Period.Prev()) scored from the same
	// source with the same set, when Options.Previous asked for it and the
	// source holds that period; nil otherwise. The publication writers
	// show the change from it.
	Previous *Batch
	// PreviousErr says why the previous period asked for could not be
	// scored (invalid input in that period only: the batch itself is
	// fine); Previous is then nil.
	PreviousErr error
	Meta        Meta
	Warnings    []diag.Warning // every warning of the batch, sorted

	ratings []assess.Rating // of Period, for the rater bootstrap
}

// Options are the inputs of Run besides the data and the set.
type Options struct {
	// Period selects the batch period; "" means the set's period, else the
	// latest period in the data.
	Period string
	// At is the timestamp recorded in the metadata (Meta.GeneratedAt).
	At time.Time
	// Analysis, when not nil, runs the robustness analysis with these
	// options and attaches it (Batch.Analysis). With Replications > 0 and
	// no Resampler, the uncertainty analysis includes the batch's rater
	// bootstrap (Batch.RaterBootstrap) when it has one.
	Analysis *analysis.Options
	// AnalysisLimit, when > 0, leaves the analysis out of batches of more
	// subjects than this (Batch.Analysis stays nil).
	AnalysisLimit int
	// Previous also scores the previous period (Batch.Previous) when the
	// source holds it.
	Previous bool
	// DropColumns lets Run release the data set's metric columns as soon
	// as the expressions are evaluated, before scoring: Batch.Project.Data
	// then holds the subjects only (Dataset.WithoutColumns), and so does
	// the source when it is a *Project (its Data is replaced). For a
	// caller that renders the batch and reads nothing else of the data
	// (govscore run from files): at 1M subjects × 50 leaves it lowers the
	// peak by the ~0.25 GB of columns no leaf shares (issue 13). Ignored
	// with Previous, which reads the data again.
	DropColumns bool
	// GroupStart, when not nil, is called by RunByGroup before it reads
	// each peer group's data, with the group's number (in label order)
	// and its number of subjects; Run does not call it. govscore run sets
	// its soft memory limit there (cmd/govscore, softLimit).
	GroupStart func(g, size int)
}

// Run scores one period of the data src holds with set: it resolves the
// period (SPEC §3), reads the period's dataset and ratings, compiles the
// set against the data, combines the assessments, evaluates the
// expressions, scores, and — as opt asks — analyses the result and scores
// the previous period too.
//
// Invalid input (IsInvalidInput) comes back as a diag.List or *diag.Error
// (or a scoring error) naming what to fix; errors of the source (I/O, a
// database) and ctx's are returned as they are.
func Run(ctx context.Context, src Source, set *indicators.Set, opt Options) (*Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	periods, err := src.Periods(ctx)
	if err != nil {
		return nil, err
	}
	per, err := resolvePeriod(src, opt.Period, set.Period, periods)
	if err != nil {
		return nil, err
	}
	b, err := runPeriod(ctx, src, set, per, opt.At, opt.DropColumns && !opt.Previous)
	if err != nil {
		return nil, err
	}
	if a := opt.Analysis; a != nil && (opt.AnalysisLimit <= 0 || b.Project.Data.Len() <= opt.AnalysisLimit) {
		if b.Analysis, err = b.analyse(ctx, *a); err != nil {
			return nil, err
		}
	}
	if opt.Previous && slices.Contains(periods, per.Prev()) {
		pb, err := runPeriod(ctx, src, set, per.Prev(), opt.At, false)
		switch {
		case err == nil:
			b.Previous = pb
		case IsInvalidInput(err):
			b.PreviousErr = fmt.Errorf("period %s: %w", per.Prev(), err)
		default:
			return nil, err
		}
	}
	return b, nil
}

// project returns the project of set over ds: src itself when it is the
// CSV project these came from (Load validated it), else the dataset
// checked against the set and assembled.
func project(src Source, set *indicators.Set, ds *dataset.Dataset) (*Project, error) {
	if p, ok := src.(*Project); ok && p.Set == set && p.Data == ds {
		return p, nil
	}
	if err := checkData(set, ds, describe(src).name); err != nil {
		return nil, err
	}
	return Assemble(set, ds)
}

// runPeriod scores period per; with drop the metric columns are released
// once evaluated (Options.DropColumns).
func runPeriod(ctx context.Context, src Source, set *indicators.Set, per dataset.Period, at time.Time, drop bool) (*Batch, error) {
	return runPart(ctx, src, set, per, at, drop, nil)
}

// runPart is runPeriod; with facts not nil the data are a part of the
// batch's (one peer group, RunByGroup): the data-wide checks are not
// warned about but collected into *facts, and the data fingerprint is left
// to the caller.
func runPart(ctx context.Context, src Source, set *indicators.Set, per dataset.Period, at time.Time, drop bool, facts *periodFacts) (*Batch, error) {
	ds, err := src.Dataset(ctx, per)
	if err != nil {
		return nil, err
	}
	p, err := project(src, set, ds)
	if err != nil {
		return nil, err
	}
	var ratings []assess.Rating
	if len(set.Assessments) > 0 {
		if ratings, err = src.Ratings(ctx, per); err != nil {
			return nil, err
		}
	}
	ar, err := p.combineAssessments(per, ratings)
	if err != nil {
		return nil, err
	}
	// The peer groups scoring ranks in are the pools of the group
	// statistics (group.mean(m), …).
	_, groups := dataset.PeerGroups(p.Data.Subjects, p.Set.PeerGroups)
	opts := engine.Options{Groups: groups}
	if ar != nil {
		opts.Assess = ar.Scores
	}
	vals, err := p.Plan.EvaluateWith(ctx, p.Data, per, opts)
	if err != nil {
		return nil, err
	}
	// What reads the metric columns besides the expressions, before they
	// may go.
	var dataSHA string
	var periodWarnings []diag.Warning
	if facts != nil {
		*facts = p.periodFacts(per)
	} else {
		dataSHA = dataFingerprint(p.Set, p.Data, per, ratings)
		periodWarnings = p.PeriodWarnings(per)
	}
	if drop {
		p.Data = p.Data.WithoutColumns()
	}
	res, err := scoring.Score(scoring.Input{
		Set:      p.Set,
		Subjects: p.Data.Subjects,
		Raw:      vals.Leaves,
		Points:   vals.Points,
		When:     vals.When,

		AppliesWhen: vals.AppliesWhen,
		RatedWhen:   vals.RatedWhen,
	})
	if err != nil {
		return nil, err
	}
	b := &Batch{Project: p, Period: per, Values: vals, Result: res, Assess: ar, ratings: ratings}
	b.Meta = Meta{
		SetID:         p.Set.ID,
		SetName:       p.Set.Name,
		SetVersion:    p.Set.Version,
		SetSHA256:     sha256Hex(p.Set.Source),
		DataSHA256:    dataSHA,
		Period:        per.String(),
		PrevPeriod:    per.Prev().String(),
		EngineVersion: EngineVersion,
		GeneratedAt:   at.UTC(),
	}
	var ws []diag.Warning
	ws = append(ws, p.Warnings...)
	ws = append(ws, periodWarnings...)
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

// Input is the scoring input the batch was scored from (scoring.Score(b.Input())
// gives b.Result).
func (b *Batch) Input() scoring.Input {
	return scoring.Input{Set: b.Project.Set, Subjects: b.Project.Data.Subjects,
		Raw: b.Values.Leaves, Points: b.Values.Points, When: b.Values.When,
		AppliesWhen: b.Values.AppliesWhen, RatedWhen: b.Values.RatedWhen}
}

// analyse runs the robustness analysis of the batch with opt; with
// replications and no resampler of the caller's, the uncertainty analysis
// includes the rater bootstrap.
func (b *Batch) analyse(ctx context.Context, opt analysis.Options) (*analysis.Report, error) {
	if opt.Replications > 0 && opt.Resampler == nil {
		rb, err := b.RaterBootstrap()
		if err != nil {
			return nil, err
		}
		if rb != nil { // a nil *RaterBootstrap must not become a non-nil interface
			opt.Resampler = rb
		}
	}
	return analysis.Analyse(ctx, b.Input(), b.Result, opt)
}

// Published returns the batch as the publication writers read it (package
// reports' View): the same Result, Assess, Analysis, Meta and Warnings,
// and a Project with the set and the subjects (Dataset.WithoutColumns) but
// without the data set's metric columns, the compiled plan and the
// assessment rows; no Values; Previous likewise. A caller that keeps only
// the returned batch lets the rest be collected before it renders the
// outputs: at 1M subjects × 50 leaves, the ~0.3 GB of metric columns that
// no leaf shares (issue 13). The returned batch cannot be explained,
// analysed or scored again.
func (b *Batch) Published() *Batch {
	if b == nil {
		return nil
	}
	p := &Project{Set: b.Project.Set, Data: b.Project.Data.WithoutColumns(), Warnings: b.Project.Warnings}
	return &Batch{Project: p, Period: b.Period, Result: b.Result, Assess: b.Assess, Analysis: b.Analysis,
		Previous: b.Previous.Published(), PreviousErr: b.PreviousErr, Meta: b.Meta, Warnings: b.Warnings}
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
