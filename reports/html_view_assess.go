package reports

import (
	"fmt"
	"math"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/indicators"
)

// The assessment results and the uncertainty bands of a View.
//
// Privacy (SPEC §5): a View never holds a role's mean that rests on fewer
// than min_raters ratings — ViewAssessRole.Mean is NaN then, whatever the
// source says — and it holds no individual rater's score at all, so no
// writer can publish either.

// ViewAssessItem is an assessment item of the batch with every subject's
// combined result and the item's reliability.
type ViewAssessItem struct {
	ID, Name string
	Roles    []assess.RoleWeight
	// MinRaters is the item's min_raters (0 when unknown: results.json
	// written before it was recorded).
	MinRaters int
	// MinRatersKnown is true when the item's definition in the set was
	// known (results.json then records min_raters).
	MinRatersKnown bool
	// RoleMinRaters[r] is role r's own min_raters (`min_raters: {role: n}`,
	// SPEC §5), aligned with Roles; 0 (or a short slice) = MinRaters.
	RoleMinRaters   []int
	Raters, Ratings int
	// RoleRatings[r] and RoleMeans[r] are role r's number of ratings and
	// mean over all subjects (the reliability analysis), aligned with Roles.
	RoleRatings []int
	RoleMeans   []float64
	ICC1, Alpha float64 // NaN when undefined
	Dyads       int
	Reciprocity float64 // double-entry r of the dyads, NaN when undefined
	// Flagged lists the pairs of subjects (ids) flagged for mutual
	// inflation.
	Flagged [][2]string
	// Subjects[k] is the result of the subject at position k (View.Subject).
	Subjects []ViewAssessSubject
}

// ViewAssessSubject is one subject's combined result on an item.
type ViewAssessSubject struct {
	Score, SE, Low, High float64 // NaN when missing
	Roles                []ViewAssessRole
}

// ViewAssessRole is what a subject received in one role of an item.
type ViewAssessRole struct {
	// N is the number of ratings received (before trimming).
	N int
	// Present is true when the role has at least its min_raters ratings;
	// Kept is then the number kept after trimming and SD their standard
	// deviation.
	Present bool
	Kept    int
	SD      float64
	// Mean is the role's (trimmed) mean; NaN when the role is missing,
	// in particular when it rests on fewer than MinRaters ratings.
	Mean float64
}

// MinPresent is the number of ratings role r needs for its mean to be
// used and shown: max(1, the role's min_raters), the role's own when it has
// one, else the item's.
func (it *ViewAssessItem) MinPresent(r int) int {
	n := it.MinRaters
	if r < len(it.RoleMinRaters) && it.RoleMinRaters[r] > 0 {
		n = it.RoleMinRaters[r]
	}
	return max(1, n)
}

// guard enforces the privacy rule on role r read from any source.
func (it *ViewAssessItem) guard(r int, ro *ViewAssessRole) {
	if ro.N < it.MinPresent(r) {
		ro.Present, ro.Kept, ro.Mean, ro.SD = false, 0, math.NaN(), math.NaN()
	}
}

// setAssess copies the batch's combined assessments into v (subjects in
// v's output order).
func (v *View) setAssess(b *batch.Batch, pos []int) {
	if b.Assess == nil {
		return
	}
	set := b.Project.Set
	for ii := range b.Assess.Items {
		ir := &b.Assess.Items[ii]
		rel := &ir.Reliability
		it := ViewAssessItem{ID: ir.ID, Name: ir.Name, Roles: ir.Roles, Raters: rel.Raters, Ratings: rel.Ratings,
			RoleRatings: rel.RoleRatings, RoleMeans: rel.RoleMeans,
			ICC1: rel.ICC1, Alpha: rel.Alpha, Dyads: rel.Reciprocity.Dyads, Reciprocity: rel.Reciprocity.R,
			Subjects: make([]ViewAssessSubject, v.NumSubjects())}
		if ii < len(set.Assessments) {
			it.MinRatersKnown = true
			it.MinRaters = set.Assessments[ii].MinRaters
			it.RoleMinRaters = roleMinRaters(set.Assessments[ii], ir.Roles)
		}
		for _, p := range rel.Reciprocity.Flagged {
			it.Flagged = append(it.Flagged, [2]string{p.A, p.B})
		}
		for si, k := range pos {
			vs := ViewAssessSubject{Score: ir.Score[si], SE: ir.SE[si], Low: ir.Low[si], High: ir.High[si],
				Roles: make([]ViewAssessRole, len(ir.Roles))}
			for r := range ir.Roles {
				st := ir.Stat(si, r)
				vr := ViewAssessRole{N: st.N, Mean: math.NaN(), SD: math.NaN()}
				if st.Present {
					vr.Present, vr.Kept, vr.Mean, vr.SD = true, st.Kept, st.Mean, st.SD
				}
				it.guard(r, &vr)
				vs.Roles[r] = vr
			}
			it.Subjects[k] = vs
		}
		v.Assess = append(v.Assess, it)
	}
}

// UncertaintyAnalysis returns the uncertainty analysis the writers show,
// nil when none was run: v.Uncertainty, which NewView takes from the
// batch's analysis (an input of batch.Run) and ReadView from results.json.
func (v *View) UncertaintyAnalysis() *analysis.Uncertainty { return v.Uncertainty }

// Bands returns each subject's uncertainty band, indexed by position
// (View.Subject; nil entries for unrated subjects), or nil when no
// uncertainty analysis was run.
func (v *View) Bands() []*analysis.Band {
	u := v.UncertaintyAnalysis()
	if u == nil {
		return nil
	}
	byID := make(map[string]int, v.NumSubjects())
	for k := range v.NumSubjects() {
		byID[v.subjectID(k)] = k
	}
	out := make([]*analysis.Band, v.NumSubjects())
	for i := range u.Subjects {
		if k, ok := byID[u.Subjects[i].Subject]; ok {
			out[k] = &u.Subjects[i]
		}
	}
	return out
}

// readAssess fills v.Assess from results.json's items; subjectIndex maps
// subject ids to positions of the view (View.Subject).
func (v *View) readAssess(items []ResultsAssessItm, subjectIndex map[string]int) error {
	nan := math.NaN()
	for _, j := range items {
		it := ViewAssessItem{ID: j.ID, Name: j.Name, Raters: j.Reliability.Raters, Ratings: j.Reliability.Ratings,
			ICC1: float64(j.Reliability.ICC1), Alpha: float64(j.Reliability.Alpha), Dyads: j.Reliability.Reciprocity.Dyads,
			Reciprocity: float64(j.Reliability.Reciprocity.R), Flagged: j.Reliability.Reciprocity.Flagged,
			Subjects: make([]ViewAssessSubject, v.NumSubjects())}
		if j.MinRaters != nil {
			it.MinRaters, it.MinRatersKnown = *j.MinRaters, true
		}
		for _, r := range j.Roles {
			it.Roles = append(it.Roles, assess.RoleWeight{Role: r.Role, Weight: float64(r.Weight)})
			it.RoleMinRaters = append(it.RoleMinRaters, r.MinRaters)
			it.RoleRatings = append(it.RoleRatings, j.Reliability.RoleRatings[r.Role])
			mean, ok := j.Reliability.RoleMeans[r.Role]
			if !ok {
				mean = Num(nan)
			}
			it.RoleMeans = append(it.RoleMeans, float64(mean))
		}
		for k := range it.Subjects {
			vs := ViewAssessSubject{Score: nan, SE: nan, Low: nan, High: nan, Roles: make([]ViewAssessRole, len(it.Roles))}
			for r := range vs.Roles {
				vs.Roles[r].Mean, vs.Roles[r].SD = nan, nan
			}
			it.Subjects[k] = vs
		}
		for _, s := range j.Subjects {
			k, ok := subjectIndex[s.Subject]
			if !ok {
				return fmt.Errorf("results.json: assessment item %q: unknown subject %q", j.ID, s.Subject)
			}
			vs := &it.Subjects[k]
			vs.Score, vs.SE, vs.Low, vs.High = float64(s.Score), float64(s.SE), float64(s.CI90[0]), float64(s.CI90[1])
			for name, rs := range s.Roles {
				r := -1
				for i, rw := range it.Roles {
					if rw.Role == name {
						r = i
					}
				}
				if r < 0 {
					return fmt.Errorf("results.json: assessment item %q, subject %q: unknown role %q", j.ID, s.Subject, name)
				}
				vs.Roles[r] = ViewAssessRole{N: rs.N, Mean: float64(rs.Mean), SD: nan}
				if rs.Kept != nil {
					vs.Roles[r].Present, vs.Roles[r].Kept, vs.Roles[r].SD = true, *rs.Kept, float64(rs.SD)
				}
				it.guard(r, &vs.Roles[r])
			}
		}
		v.Assess = append(v.Assess, it)
	}
	return nil
}

// readUncertainty fills v.Uncertainty from results.json's analysis.
func (v *View) readUncertainty(a *ResultsAnalysis) {
	if a == nil || a.Uncertainty == nil {
		return
	}
	j := a.Uncertainty
	u := &analysis.Uncertainty{Replications: j.Replications, Seed: j.Seed, WeightNoise: float64(j.WeightNoise),
		Normalize: j.Normalize, Aggregate: j.Aggregate, RaterBootstrap: j.RaterBootstrap}
	for _, s := range j.Subjects {
		u.Subjects = append(u.Subjects, analysis.Band{Group: s.Group, Subject: s.Subject, Nominal: s.Nominal,
			Median: analysis.Num(s.Median), P05: analysis.Num(s.P05), P95: analysis.Num(s.P95),
			Unscored: s.Unscored, TiedCount: s.TiedCount, Tied: s.Tied})
	}
	v.Uncertainty = u
}

// roleMinRaters returns the min_raters of each of roles (by name) under the
// item definition def: the role's own, else the item's.
func roleMinRaters(def *indicators.AssessmentItem, roles []assess.RoleWeight) []int {
	out := make([]int, len(roles))
	for r, rw := range roles {
		out[r] = def.MinRaters
		for d := range def.Roles {
			if def.Roles[d].Role == rw.Role {
				out[r] = def.RoleMinRaters(d)
			}
		}
	}
	return out
}
