package batch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/engine"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// AssessItems converts the set's `assessments:` items into the assess
// package's configuration.
func AssessItems(set *indicators.Set) []assess.Item {
	items := make([]assess.Item, len(set.Assessments))
	for i, a := range set.Assessments {
		roles := make([]assess.RoleWeight, len(a.Roles))
		var perRole map[string]int
		for r, rw := range a.Roles {
			roles[r] = assess.RoleWeight{Role: rw.Role, Weight: rw.Weight}
			if rw.MinRaters > 0 {
				if perRole == nil {
					perRole = map[string]int{}
				}
				perRole[rw.Role] = rw.MinRaters
			}
		}
		missing := assess.Reweight
		if a.MissingRole == indicators.FailRoles {
			missing = assess.Fail
		}
		items[i] = assess.Item{ID: a.ID, Name: a.Name, Scale: a.Scale, Roles: roles,
			Trim: a.Trim, MinRaters: a.MinRaters, RoleMinRaters: perRole, MissingRole: missing, Standardize: a.Standardize, Pos: a.Pos}
	}
	return items
}

// loadAssessments reads and validates the assessments files against the
// set's items and the subjects. Read failures are returned as they are;
// content problems go to errs.
func loadAssessments(files []csvdata.Input, set *indicators.Set, ds *dataset.Dataset, errs *diag.List) (*csvdata.Assessments, error) {
	if len(files) == 0 {
		return &csvdata.Assessments{}, nil
	}
	if len(set.Assessments) == 0 {
		errs.Add(diag.Pos{File: files[0].Name}, "assessments file given but the indicator set declares no `assessments:` items; declare the items (SPEC §5) or remove the file")
		return nil, nil
	}
	merged, err := csvdata.LoadAssessmentInputs(files, AssessItems(set), ds)
	if err != nil && !IsInvalidInput(err) {
		return nil, err
	}
	errs.Append(err)
	return merged, nil
}

// combineAssessments combines the ratings of period per into a score column
// per item (assess.<item>).
func (p *Project) combineAssessments(per dataset.Period, ratings []assess.Rating) (*assess.Result, error) {
	if len(p.Set.Assessments) == 0 {
		return nil, nil
	}
	ids := make([]string, p.Data.Len())
	for i := range p.Data.Subjects {
		ids[i] = p.Data.Subjects[i].ID
	}
	res, err := assess.Combine(AssessItems(p.Set), ids, ratings)
	if err != nil {
		return nil, fmt.Errorf("combining assessments for %s: %w", per, err)
	}
	return res, nil
}

// RaterBootstrap is the rater bootstrap of a batch (SPEC §6: "rater
// bootstrap when assessments exist"): the analysis.Resampler that
// `govscore run --uncertainty N` and `govscore analyse` hand to
// analysis.Analyse. Each Resample draws a replicate of the period's
// combined assessment scores (assess.Bootstrap: per item, subject and role
// the ratings resampled with replacement, same count, recombined as
// assess.Combine does) and re-evaluates the plan with them
// (engine.Plan.EvaluateWith); the raw values of the leaves that read an
// assessment, and the adjustments' points and conditions when one of them
// does, are replaced, every other column is the nominal one.
//
// A leaf reads an assessment when its expression names assess.<item> or a
// derived metric that reads one (engine.Plan.ReadsAssess).
//
// A RaterBootstrap is immutable and safe for concurrent use.
type RaterBootstrap struct {
	plan   *engine.Plan
	data   *dataset.Dataset
	period dataset.Period
	boot   *assess.Bootstrap
	leaves []int // leaf indices whose raw values are replaced
	adjust bool  // the adjustments' columns are replaced too
}

// RaterBootstrap prepares the batch's rater bootstrap. It returns nil (and
// no error) when there is nothing to resample: the set declares no
// assessment item, no expression reads one, or the period has no rating.
func (b *Batch) RaterBootstrap() (*RaterBootstrap, error) {
	p := b.Project
	set := p.Set
	ratings := b.ratings
	if len(set.Assessments) == 0 || len(ratings) == 0 {
		return nil, nil
	}
	rb := &RaterBootstrap{plan: p.Plan, data: p.Data, period: b.Period}
	for l := range set.Leaves {
		if p.Plan.ReadsAssess(l) {
			rb.leaves = append(rb.leaves, l)
		}
	}
	for a := range set.Adjustments {
		rb.adjust = rb.adjust || p.Plan.AdjustmentReadsAssess(a)
	}
	if len(rb.leaves) == 0 && !rb.adjust {
		return nil, nil
	}
	ids := make([]string, p.Data.Len())
	for i := range p.Data.Subjects {
		ids[i] = p.Data.Subjects[i].ID
	}
	boot, _, err := assess.NewBootstrap(AssessItems(set), ids, ratings)
	if err != nil {
		return nil, fmt.Errorf("rater bootstrap for %s: %w", b.Period, err)
	}
	rb.boot = boot
	return rb, nil
}

// Leaves returns the indices (Set.Leaves order) of the leaves whose raw
// values Resample replaces.
func (rb *RaterBootstrap) Leaves() []int { return slices.Clone(rb.leaves) }

// Resample draws one replicate of the combined assessment scores from rng
// and returns in with the columns that read them re-evaluated (see
// RaterBootstrap). in's columns are not modified.
func (rb *RaterBootstrap) Resample(ctx context.Context, rng *rand.Rand, in scoring.Input) (scoring.Input, error) {
	cols := rb.boot.Resample(rng)
	// Replications already run in parallel: evaluate on this goroutine.
	vals, err := rb.plan.EvaluateWith(ctx, rb.data, rb.period, engine.Options{Assess: cols, Parallelism: 1})
	if err != nil {
		return scoring.Input{}, err
	}
	out := in
	out.Raw = slices.Clone(in.Raw)
	for _, l := range rb.leaves {
		out.Raw[l] = vals.Leaves[l]
	}
	if rb.adjust {
		out.Points, out.When = vals.Points, vals.When
	}
	return out, nil
}
