package assess

import (
	"maps"
	"math"
	"slices"

	"github.com/govscore/govscore/diag"
)

// Missing-role policies (the `missing_role` key of an item).
const (
	// Reweight combines the present roles, their weights renormalised.
	Reweight = "reweight"
	// Fail makes the combined score missing when any weighted role is
	// missing.
	Fail = "fail"
)

// SelfRole is the only role under which a rater may rate itself
// (rater == subject).
const SelfRole = "self"

// Z90 is the standard normal quantile of the two-sided 90% interval
// A ± Z90·SE.
const Z90 = 1.645

// RoleWeight is one role of an item with its relative weight (≥ 0).
type RoleWeight struct {
	Role   string
	Weight float64
}

// Item is an assessment item (SPEC §5): what is rated, on which scale, by
// which roles with which weights, and how the ratings are combined.
type Item struct {
	ID    string
	Name  string
	Scale [2]float64   // [lo, hi], lo < hi; ratings outside are errors
	Roles []RoleWeight // in declaration order; role names unique
	// Trim is the number of highest and of lowest ratings dropped per role
	// when that role has more than 2·Trim + 2 ratings.
	Trim int
	// MinRaters is the number of ratings (before trimming) a role needs to be
	// present; 0 and 1 both mean one rating suffices.
	MinRaters int
	// RoleMinRaters overrides MinRaters per role (`min_raters: {public: 30,
	// superior: 1, default: 3}`, SPEC §5); a role not in it uses MinRaters.
	RoleMinRaters map[string]int
	// MissingRole is Reweight (also when empty) or Fail.
	MissingRole string
	// Standardize applies the rater leniency correction (see the package
	// documentation).
	Standardize bool
	// Pos is where the item is defined, used in error messages; may be zero.
	Pos diag.Pos
}

// RoleIndex returns the position of role in it.Roles, or -1.
func (it *Item) RoleIndex(role string) int {
	for i := range it.Roles {
		if it.Roles[i].Role == role {
			return i
		}
	}
	return -1
}

// MinPresent is the number of ratings (before trimming) role index r needs
// to be present: its own MinRaters when set, else the item's, and at least 1.
func (it *Item) MinPresent(r int) int {
	n := it.MinRaters
	if m, ok := it.RoleMinRaters[it.Roles[r].Role]; ok {
		n = m
	}
	return max(1, n)
}

// validate adds every problem of the item definition to errs.
func (it *Item) validate(errs *diag.List) {
	name := it.ID
	if name == "" {
		errs.Add(it.Pos, "assessment item: empty id")
		name = "?"
	}
	lo, hi := it.Scale[0], it.Scale[1]
	if !finite(lo) || !finite(hi) || !(lo < hi) {
		errs.Add(it.Pos, "assessment item %q: scale [%v, %v] must have lo < hi", name, lo, hi)
	}
	if len(it.Roles) == 0 {
		errs.Add(it.Pos, "assessment item %q: no roles", name)
	}
	seen := make(map[string]bool, len(it.Roles))
	sum := 0.0
	for _, r := range it.Roles {
		switch {
		case r.Role == "":
			errs.Add(it.Pos, "assessment item %q: empty role name", name)
		case seen[r.Role]:
			errs.Add(it.Pos, "assessment item %q: duplicate role %q", name, r.Role)
		}
		seen[r.Role] = true
		if !finite(r.Weight) || r.Weight < 0 {
			errs.Add(it.Pos, "assessment item %q: role %q: weight %v must be a number ≥ 0", name, r.Role, r.Weight)
			continue
		}
		sum += r.Weight
	}
	if len(it.Roles) > 0 && !(sum > 0) {
		errs.Add(it.Pos, "assessment item %q: role weights sum to 0", name)
	}
	if it.Trim < 0 {
		errs.Add(it.Pos, "assessment item %q: trim %d must be ≥ 0", name, it.Trim)
	}
	if it.MinRaters < 0 {
		errs.Add(it.Pos, "assessment item %q: min_raters %d must be ≥ 0", name, it.MinRaters)
	}
	for _, role := range slices.Sorted(maps.Keys(it.RoleMinRaters)) {
		switch n := it.RoleMinRaters[role]; {
		case !seen[role]:
			errs.Add(it.Pos, "assessment item %q: min_raters names role %q, which is not in its roles", name, role)
		case n < 0:
			errs.Add(it.Pos, "assessment item %q: role %q: min_raters %d must be ≥ 0", name, role, n)
		}
	}
	switch it.MissingRole {
	case "", Reweight, Fail:
	default:
		errs.Add(it.Pos, "assessment item %q: missing_role %q must be %q or %q", name, it.MissingRole, Reweight, Fail)
	}
}

// Rating is one score given by a rater in a role to a subject on an item,
// in the batch period. Subject is a subject id; Rater is an opaque id, equal
// to a subject id when a subject rates (two-way assessment).
type Rating struct {
	Item    string
	Subject string
	Rater   string
	Role    string
	Score   float64
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
