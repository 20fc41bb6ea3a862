package indicators

import (
	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/diag"
)

// FormatVersion is the only indicator-set format version (the `govscore:` key)
// this release reads.
const FormatVersion = 1

// Set is a parsed and validated indicator set. A Set is immutable after Parse
// and safe for concurrent use.
type Set struct {
	File   string // path the set was read from, as given to Parse
	Source []byte // the YAML text, verbatim (its SHA-256 identifies the set)

	ID      string
	Name    string
	Version string // the set's own version label, e.g. "2024.1"
	Period  string // default batch period, "" when not set
	Kinds   []string
	// KindNames are the display names of `kinds: {id: 名称}`; nil for the
	// list form (the reading formats then use i18n's built-in names).
	KindNames map[string]string
	// Roles and RoleNames are the optional top-level `roles:`, the display
	// names of the rater roles (`roles: {public: 群众}`); nil when absent.
	Roles     []string
	RoleNames map[string]string
	// TimeZone is the IANA name of `timezone:`, the time zone in which the
	// reading formats show times; DefaultTimeZone when not set.
	TimeZone    string
	PeerGroups  []string   // subject attributes defining peer groups; empty = one group
	Scale       [2]float64 // [lo, hi], lo < hi; default [0, 100]
	Numerics    Numerics   // rounding and mean convention (SPEC §4.6); default spreadsheet
	MinCoverage float64    // 0..1, default 0
	ClampTotal  bool       // clamp score to Scale after adjustments
	// RatedWhen is the top-level `rated_when` condition over subject.* and
	// period (SPEC §4.7): a subject for which it is false or missing is
	// unrated before coverage. nil = every subject may be rated.
	RatedWhen *Expr

	// Metrics holds the declared metrics in file order.
	Metrics []*Metric

	// Root is a synthetic composite whose children are the top-level nodes of
	// `tree`. Its ID is "" and its Aggregate and Round come from the
	// top-level `aggregate` and `round` keys. Its value is the subject's
	// score before adjustments.
	Root *Node

	Adjustments []*Adjustment
	Grades      []*Grade // best first; the last one has no Min
	Ranking     Ranking
	// Display is `display:`, how the reading formats show numbers.
	Display Display

	// Nodes lists every node of the tree except Root in pre-order (tree
	// order); Node.Index is the position in this slice.
	Nodes []*Node
	// Leaves lists the leaves in tree order; Node.LeafIndex is the position in
	// this slice.
	Leaves []*Node

	// Assessments are the assessment items (SPEC §5), in file order.
	Assessments []*AssessmentItem
	// Uncertainty holds the uncertainty-analysis settings (SPEC §6); the
	// defaults when the set has no `uncertainty:` key.
	Uncertainty Uncertainty

	// Warnings are methodological remarks found while parsing (e.g. a
	// geometric aggregate over a scale starting at 0).
	Warnings []diag.Warning
	// Data is the `data:` section (SPEC §3.1): how the data files map onto
	// govscore's layouts. Nil when the set has none (the default files).
	Data *datamap.Map

	// Pos is the position of the document (line 1, col 1).
	Pos diag.Pos
}

// Metric is a declared metric. A derived metric has a non-empty Expr.
type Metric struct {
	Name  string // identifier used in expressions
	Title string // `name:` in the YAML
	Unit  string
	Min   *float64 // nil when unbounded
	Max   *float64
	Expr  *Expr // nil for a collected (non-derived) metric
	// Provider names the department that submits the metric (`provider:`,
	// SPEC §9): on the server, a provider account reads and submits only
	// the metrics whose Provider is its own. "" for none.
	Provider string
	Pos      diag.Pos
}

// Node is a composite (has Children) or a leaf (has Expr) of the tree.
type Node struct {
	ID          string
	Name        string // defaults to ID
	Description string
	Weight      float64  // > 0, default 1
	AppliesTo   []string // kinds; nil = every kind. Only this node's own list: see Applies.
	// AppliesWhen is the node's own `applies_when` condition over subject.*
	// and period (SPEC §4.2), nil when none. The node applies to a subject
	// only where it and every ancestor's condition hold and Applies admits
	// the kind.
	AppliesWhen *Expr
	Round       int     // digits, -1 = no rounding
	Missing     Missing // leaf policy, or composite imputation policy
	// Rank is `rank: true`: the node is ranked per peer group like the
	// score (SPEC §4.10), in results.csv column RankColumn(n).
	Rank bool
	Pos  diag.Pos // position of the node's mapping in the YAML

	// Leaf fields.
	Expr      *Expr
	Direction Direction
	Normalize Normalize
	Transform Transform
	Winsorize *Winsorize // nil = none
	Treat     *Treat     // JRC outlier treatment (SPEC §6); nil = none

	// Composite fields.
	Children  []*Node
	Aggregate Aggregate
	Weighting *Weighting // nil = the children's weight fields

	Parent    *Node // nil for Root
	Depth     int   // 0 for Root, 1 for top-level nodes
	Index     int   // position in Set.Nodes; -1 for Root
	LeafIndex int   // position in Set.Leaves; -1 for composites
}

// IsLeaf reports whether the node is a leaf.
func (n *Node) IsLeaf() bool { return n.Expr != nil }

// Applies reports whether the node applies to subjects of the given kind:
// its own applies_to and that of every ancestor must include the kind.
func (n *Node) Applies(kind string) bool {
	for m := n; m != nil; m = m.Parent {
		if m.AppliesTo == nil {
			continue
		}
		ok := false
		for _, k := range m.AppliesTo {
			if k == kind {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Direction says whether a higher raw value is better.
type Direction int

// Directions.
const (
	Higher Direction = iota
	Lower
)

// String returns "higher" or "lower".
func (d Direction) String() string {
	if d == Lower {
		return "lower"
	}
	return "higher"
}

// NormMethod is a normalisation method (SPEC §4.4 step 5).
type NormMethod string

// Normalisation methods.
const (
	MinMax   NormMethod = "minmax"
	ZScore   NormMethod = "zscore"
	Goalpost NormMethod = "goalpost"
	Rank     NormMethod = "rank"
	NormNone NormMethod = "none"
)

// Relative reports whether the method depends on the group's values
// (minmax, zscore, rank) and so can be uninformative in a group.
func (m NormMethod) Relative() bool { return m == MinMax || m == ZScore || m == Rank }

// Normalize is a leaf's normalisation. Only the fields of its Method apply:
// Mean and SD for zscore (default 50 and 10), Low and High for goalpost
// (Low < High, in raw units), Clip for none, and for target either
// TargetMedian or the band [TargetLow, TargetHigh] (TargetLow ≤ TargetHigh,
// in raw units; a point T is [T, T]). To, for any method, replaces the
// set's Scale for this leaf.
type Normalize struct {
	Method    NormMethod
	Mean, SD  float64
	Low, High float64
	Clip      bool

	TargetLow, TargetHigh float64
	TargetMedian          bool

	To *[2]float64 // nil = the set's Scale
}

// Range returns the range [lo, hi] the leaf's normalised values are put on:
// To when given, else scale.
func (n Normalize) Range(scale [2]float64) (lo, hi float64) {
	if n.To != nil {
		return n.To[0], n.To[1]
	}
	return scale[0], scale[1]
}

// Transform is a leaf's transform (SPEC §4.4 step 3).
type Transform string

// Transforms.
const (
	TransformNone  Transform = ""
	TransformLog   Transform = "log"
	TransformLog1p Transform = "log1p"
	TransformSqrt  Transform = "sqrt"
)

// Winsorize clamps values to the Lower and Upper quantiles (R type 7) of the
// group's present values. 0 ≤ Lower < Upper ≤ 1.
type Winsorize struct {
	Lower, Upper float64
}

// MissingPolicy says what happens to a missing value (SPEC §4.7).
type MissingPolicy string

// Missing-data policies.
const (
	Exclude      MissingPolicy = "exclude"
	Zero         MissingPolicy = "zero"
	ImputeMean   MissingPolicy = "mean"
	ImputeMedian MissingPolicy = "median"
	ImputeMin    MissingPolicy = "min"
	Fail         MissingPolicy = "fail"
)

// Missing is a missing-data policy with its optional imputation pool
// attribute (`{impute: mean, by: region}`).
type Missing struct {
	Policy MissingPolicy
	By     string // subject attribute narrowing the imputation pool; "" = whole peer group
}

// Imputes reports whether the policy fills the value from other subjects.
func (m Missing) Imputes() bool {
	return m.Policy == ImputeMean || m.Policy == ImputeMedian || m.Policy == ImputeMin
}

// Aggregate is a composite's aggregation method (SPEC §4.5).
type Aggregate string

// Aggregation methods.
const (
	Arithmetic Aggregate = "arithmetic"
	Geometric  Aggregate = "geometric"
)

// Adjustment is a bonus, a deduction or a one-vote veto (SPEC §4.8).
type Adjustment struct {
	ID        string
	Name      string // defaults to ID
	Points    *Expr  // nil when the adjustment gives no points
	When      *Expr  // nil = always
	Min, Max  *float64
	CapGrade  string   // grade name, "" = none
	AppliesTo []string // kinds; nil = every kind
	Pos       diag.Pos
}

// Applies reports whether the adjustment applies to subjects of kind.
func (a *Adjustment) Applies(kind string) bool {
	if a.AppliesTo == nil {
		return true
	}
	for _, k := range a.AppliesTo {
		if k == kind {
			return true
		}
	}
	return false
}

// Grade is one grade of the grading scale, best first.
type Grade struct {
	Name     string
	Min      *float64 // nil only for the last grade
	MaxShare *float64 // nil = no quota
	Pos      diag.Pos
}

// RankMethod is how ties are ranked.
type RankMethod string

// Ranking methods.
const (
	Competition RankMethod = "competition" // 1, 2, 2, 4
	Ordinal     RankMethod = "ordinal"     // 1, 2, 3, 4; ties broken by subject id
)

// Ranking holds the `ranking:` settings.
type Ranking struct {
	Method RankMethod // default competition
	Desc   bool       // order: desc (default) = higher score is better
	Digits int        // scores are compared after rounding to Digits (default 9)
}
