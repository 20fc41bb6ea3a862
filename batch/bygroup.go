package batch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// GroupSource is a source that gives the data of a batch one peer group at
// a time (RunByGroup): the subjects first, then each group's metric
// columns, so that a run holds the columns of one group only.
// Implementations must be safe for concurrent use.
type GroupSource interface {
	// Periods returns the periods holding at least one metric row, oldest
	// first.
	Periods(ctx context.Context) ([]dataset.Period, error)
	// Subjects returns every subject of the batch of period per, sorted by
	// id, as a dataset whose metric columns need not be loaded.
	Subjects(ctx context.Context, per dataset.Period) (*dataset.Dataset, error)
	// Group returns the dataset of the subjects at the indices members of
	// Subjects (ascending): their metric columns of per and per.Prev(),
	// and a column (all missing if need be) of every metric the source
	// holds, so that the set compiles as against the whole data set.
	Group(ctx context.Context, per dataset.Period, members []int) (*dataset.Dataset, error)
	// Fingerprint returns the fingerprint (dataset.Fingerprint) of the
	// whole data set a Source would return for period per.
	Fingerprint(ctx context.Context, per dataset.Period) (string, error)
}

// ErrByGroup is wrapped by RunByGroup's refusals: what a run by peer group
// cannot reproduce of a whole run.
var ErrByGroup = errors.New("not possible in a run by peer group")

// GroupRun is what RunByGroup knows of the whole batch once every group
// has been scored: the metadata, the peer groups, the counts and the
// warnings of the batch, sorted (what a whole run's Batch.Warnings holds).
type GroupRun struct {
	Meta     Meta
	Labels   []string // peer-group labels, in output order
	Sizes    []int    // subjects per group
	Subjects int
	Rated    int
	Warnings []diag.Warning
}

// RunByGroup scores one period as Run does, one peer group at a time: it
// reads the subjects, then for each peer group (in label order, the order
// of the outputs) that group's data, which it evaluates and scores alone,
// and hands the group's batch to each before it reads the next. Nothing
// is read across peer groups in scoring (normalisation statistics, grade
// quotas, ranks, node ranks, statistical weights, imputation pools) nor
// in evaluation (group statistics and prev. stay within a group), so the
// subjects' results are those of Run, bit for bit. Each group's batch
// carries the whole batch's Meta and its own warnings; the data-wide
// checks (metrics without any value, subjects without data) and the data
// fingerprint are the whole data set's and come back in the GroupRun with
// the batch's warnings, sorted as Run sorts them.
//
// What RunByGroup cannot do is refused with an error wrapping ErrByGroup:
// assessment items (the rater standardisation reads every rating of an
// item), the robustness analysis (Options.Analysis, unless AnalysisLimit
// leaves it out as Run would: it re-scores every group together) and the
// previous period (Options.Previous). A group
// with invalid data, or that a `missing: fail` node or a statistical
// weighting cannot score, stops the run with that group's errors (a whole
// run lists the failing subjects of every group).
func RunByGroup(ctx context.Context, src GroupSource, set *indicators.Set, opt Options, each func(g int, b *Batch) error) (*GroupRun, error) {
	switch {
	case len(set.Assessments) > 0:
		return nil, fmt.Errorf("the indicator set has assessment items, whose rater standardisation reads every rating of an item: %w", ErrByGroup)
	case opt.Previous:
		return nil, fmt.Errorf("the previous period's comparison (report.html, results.xlsx, results.md) needs the previous batch whole: %w", ErrByGroup)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	periods, err := src.Periods(ctx)
	if err != nil {
		return nil, err
	}
	per, err := resolvePeriod(partSource{src: src}, opt.Period, set.Period, periods)
	if err != nil {
		return nil, err
	}
	all, err := src.Subjects(ctx, per)
	if err != nil {
		return nil, err
	}
	if opt.Analysis != nil && (opt.AnalysisLimit <= 0 || all.Len() <= opt.AnalysisLimit) {
		return nil, fmt.Errorf("the robustness analysis scores every peer group together: %w", ErrByGroup)
	}
	labels, groupOf := dataset.PeerGroups(all.Subjects, set.PeerGroups)
	members := make([][]int, len(labels))
	for i, g := range groupOf {
		members[g] = append(members[g], i)
	}
	fp, err := src.Fingerprint(ctx, per)
	if err != nil {
		return nil, err
	}
	run := &GroupRun{Labels: labels, Sizes: make([]int, len(labels)), Subjects: all.Len()}
	var facts periodFacts
	var ws []diag.Warning
	for g := range labels {
		run.Sizes[g] = len(members[g])
		if opt.GroupStart != nil {
			opt.GroupStart(g, len(members[g]))
		}
		ds, err := src.Group(ctx, per, members[g])
		if err != nil {
			return nil, err
		}
		b, part, err := runGroup(ctx, src, ds, set, per, opt.At)
		if err != nil {
			return nil, err
		}
		b.Meta.DataSHA256 = fp
		facts.merge(part)
		ws = append(ws, b.Warnings...)
		for i := range b.Result.Subjects {
			if b.Result.Subjects[i].Rated {
				run.Rated++
			}
		}
		if g == 0 {
			run.Meta = b.Meta
		}
		if err := each(g, b); err != nil {
			return nil, err
		}
	}
	if len(labels) == 0 {
		// No subject: the whole run's batch, which has no group either.
		b, part, err := runGroup(ctx, src, all, set, per, opt.At)
		if err != nil {
			return nil, err
		}
		b.Meta.DataSHA256 = fp
		facts, run.Meta, ws = part, b.Meta, b.Warnings
	}
	run.Warnings = diag.SortWarnings(append(ws, facts.warnings(per)...))
	return run, nil
}

// runGroup scores the dataset ds of one peer group (runPart) and returns
// its batch, released of the metric columns and the expression values
// (Batch.Published), and its data facts.
func runGroup(ctx context.Context, src GroupSource, ds *dataset.Dataset, set *indicators.Set, per dataset.Period, at time.Time) (*Batch, periodFacts, error) {
	var facts periodFacts
	b, err := runPart(ctx, partSource{src: src, ds: ds}, set, per, at, true, &facts)
	if err != nil {
		return nil, facts, err
	}
	return b.Published(), facts, nil
}

// partSource is one peer group's dataset as the Source of runPart, worded
// as its GroupSource words its errors.
type partSource struct {
	src GroupSource
	ds  *dataset.Dataset
}

func (p partSource) Periods(context.Context) ([]dataset.Period, error) { return p.ds.Periods(), nil }

func (p partSource) Dataset(context.Context, dataset.Period) (*dataset.Dataset, error) {
	return p.ds, nil
}

func (p partSource) Ratings(context.Context, dataset.Period) ([]assess.Rating, error) {
	return nil, nil
}

func (p partSource) Describe() (name, noPeriods, noRow string) {
	if d, ok := p.src.(Describer); ok {
		return d.Describe()
	}
	d := describe(nil)
	return d.name, d.noPeriods, d.noRow
}

// Split is a GroupSource over a whole data set held in memory (a CSV
// project's): each group's dataset is gathered from its columns. It gives
// the same batches as the data set does through Run, which makes it the
// reference of RunByGroup's tests; a file run by peer group uses it too,
// holding the metric columns once and each group's copy of them in turn.
type Split struct {
	Data *dataset.Dataset
}

// Periods returns the data set's periods.
func (s Split) Periods(context.Context) ([]dataset.Period, error) { return s.Data.Periods(), nil }

// Subjects returns the data set without its columns.
func (s Split) Subjects(context.Context, dataset.Period) (*dataset.Dataset, error) {
	return s.Data.WithoutColumns(), nil
}

// Group gathers the subjects members and their columns of per and
// per.Prev() (GroupSource.Group).
func (s Split) Group(_ context.Context, per dataset.Period, members []int) (*dataset.Dataset, error) {
	return GroupDataset(s.Data, per, members), nil
}

// Fingerprint returns the data set's fingerprint.
func (s Split) Fingerprint(context.Context, dataset.Period) (string, error) {
	return s.Data.Fingerprint(), nil
}

// Describe words the errors as for the CSV project's data.
func (s Split) Describe() (name, noPeriods, noRow string) { return (&Project{}).Describe() }

// GroupDataset returns the dataset of the subjects of d at the indices
// members (ascending) with their values of every metric in per and
// per.Prev(); a metric d holds in neither gets an all-missing column in
// per, as a database read does (GroupSource.Group).
func GroupDataset(d *dataset.Dataset, per dataset.Period, members []int) *dataset.Dataset {
	subs := make([]dataset.Subject, len(members))
	for j, i := range members {
		subs[j] = d.Subjects[i]
	}
	g := dataset.New(subs, d.AttrNames)
	g.Warnings = d.Warnings
	for _, m := range d.Metrics() {
		found := false
		for _, q := range []dataset.Period{per, per.Prev()} {
			col := d.Column(m, q)
			if col == nil {
				continue
			}
			found = true
			dst := g.MutableColumn(m, q)
			for j, i := range members {
				dst[j] = col[i]
			}
		}
		if !found {
			g.MutableColumn(m, per)
		}
	}
	return g
}
