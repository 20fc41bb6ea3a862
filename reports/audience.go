package reports

import "math"

// Audiences of the publication formats (--audience).
const (
	// AudiencePublic leaves out what only the evaluation office should
	// see; the default of report.html, results.xlsx and results.md.
	AudiencePublic = "public"
	// AudienceInternal keeps everything.
	AudienceInternal = "internal"
)

// PublicMinRatings is the fewest ratings a role's mean rests on in a public
// output: below it the mean is close to one rater's own score (one
// superior's rating is that superior's rating), so it is not shown,
// whatever the item's min_raters.
const PublicMinRatings = 3

// PublicView returns a copy of v for the public: without the batch's
// warnings (they name the office's data files, rows and subjects), without
// the pairs of subjects flagged for mutual inflation in two-way ratings
// (a suspicion, not a finding), and with no role mean resting on fewer than
// PublicMinRatings ratings. The scores, ranks, grades and the method are
// unchanged. v itself is not modified.
func PublicView(v *View) *View {
	p := *v
	p.Public = true
	p.Warnings = nil
	if v.Assess != nil {
		p.Assess = make([]ViewAssessItem, len(v.Assess))
		for i := range v.Assess {
			it := v.Assess[i]
			it.Flagged = nil
			subs := make([]ViewAssessSubject, len(it.Subjects))
			for k, s := range it.Subjects {
				roles := make([]ViewAssessRole, len(s.Roles))
				for r, ro := range s.Roles {
					if ro.N < PublicMinRatings {
						ro.Mean = math.NaN()
					}
					roles[r] = ro
				}
				s.Roles = roles
				subs[k] = s
			}
			it.Subjects = subs
			mins := make([]int, len(it.Roles))
			for r := range mins {
				mins[r] = max(it.MinPresent(r), PublicMinRatings)
			}
			it.RoleMinRaters = mins
			p.Assess[i] = it
		}
	}
	return &p
}
