package batch

import (
	"fmt"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// AssessItems converts the set's `assessments:` items into the assess
// package's configuration.
func AssessItems(set *indicators.Set) []assess.Item {
	items := make([]assess.Item, len(set.Assessments))
	for i, a := range set.Assessments {
		roles := make([]assess.RoleWeight, len(a.Roles))
		for r, rw := range a.Roles {
			roles[r] = assess.RoleWeight{Role: rw.Role, Weight: rw.Weight}
		}
		missing := assess.Reweight
		if a.MissingRole == indicators.FailRoles {
			missing = assess.Fail
		}
		items[i] = assess.Item{ID: a.ID, Name: a.Name, Scale: a.Scale, Roles: roles,
			Trim: a.Trim, MinRaters: a.MinRaters, MissingRole: missing, Standardize: a.Standardize, Pos: a.Pos}
	}
	return items
}

// loadAssessments reads and validates the assessments files against the
// set's items and the subjects. Read failures are returned as they are;
// content problems go to errs.
func loadAssessments(files []string, set *indicators.Set, ds *dataset.Dataset, errs *diag.List) (*csvdata.Assessments, error) {
	if len(files) == 0 {
		return &csvdata.Assessments{}, nil
	}
	if len(set.Assessments) == 0 {
		errs.Add(diag.Pos{File: files[0]}, "assessments file given but the indicator set declares no `assessments:` items; declare the items (SPEC §5) or remove the file")
		return nil, nil
	}
	merged, err := csvdata.LoadAssessments(files, AssessItems(set), ds)
	if err != nil && !IsInvalidInput(err) {
		return nil, err
	}
	errs.Append(err)
	return merged, nil
}

// combineAssessments combines the ratings of period per into a score column
// per item (assess.<item>).
func (p *Project) combineAssessments(per dataset.Period) (*assess.Result, error) {
	if len(p.Set.Assessments) == 0 {
		return nil, nil
	}
	ids := make([]string, p.Data.Len())
	for i := range p.Data.Subjects {
		ids[i] = p.Data.Subjects[i].ID
	}
	var ratings []assess.Rating
	if p.Ratings != nil {
		ratings = p.Ratings.Ratings(per)
	}
	res, err := assess.Combine(AssessItems(p.Set), ids, ratings)
	if err != nil {
		return nil, fmt.Errorf("combining assessments for %s: %w", per, err)
	}
	return res, nil
}
