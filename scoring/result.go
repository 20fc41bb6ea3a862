package scoring

import (
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// Input is everything Score needs: the set, the subjects (in Dataset order),
// and the evaluated expression columns (see engine.Values).
type Input struct {
	Set      *indicators.Set
	Subjects []dataset.Subject
	Raw      [][]float64 // [leaf][subject] raw values, NaN = missing
	Points   [][]float64 // [adjustment][subject], nil entry = no points expression
	When     [][]float64 // [adjustment][subject] 1/0/NaN, nil entry = no condition
}

// Status of one (subject, leaf) cell, as written in indicators.csv.
type Status string

// Cell statuses.
const (
	StatusOK            Status = "ok"
	StatusImputed       Status = "imputed"
	StatusMissing       Status = "missing"
	StatusUninformative Status = "uninformative"
	StatusUnrated       Status = "unrated"
)

// Cell is one subject's pass through one leaf's pipeline (SPEC §4.4).
type Cell struct {
	// The fields are ordered for size: a Cell is 64 bytes, and a batch holds
	// one per subject and leaf.
	Raw     float64 // expression value, NaN = missing
	Imputed float64 // value after the missing policy (= Raw when present), NaN = none
	Treated float64 // after transform and winsorisation, NaN = missing
	Value   float64 // normalised value, NaN when it takes no part
	Weight  float64 // effective weight in the subject's score, 0 when no part
	Status  Status  // "" when the leaf does not apply to the subject
	Applies bool    // the leaf applies to the subject's kind
	// Outlier is true when the leaf's JRC treatment (SPEC §6) winsorised
	// this value. A log fallback transforms every value of the group and
	// marks none: see LeafStats.Treat.
	Outlier bool
}

// TreatStats records what the JRC outlier treatment (`treat: jrc`, SPEC §6)
// did to one leaf in one peer group.
type TreatStats struct {
	// Outcome is "undefined", "passed", "winsorised" or "log"
	// (mcda.TreatOutcome.String).
	Outcome string
	// SkewBefore … KurtAfter are the sample skewness and kurtosis of the
	// group's present values before and after the treatment (NaN when
	// undefined).
	SkewBefore, KurtBefore, SkewAfter, KurtAfter float64
	// Points lists the subject indices whose value was winsorised, sorted
	// (the cells with Outlier set); empty unless Outcome is "winsorised".
	Points []int
	// LogShift is the shift s of the log fallback x ↦ ln(x − s),
	// s = min − 0.01(max − min); NaN unless Outcome is "log".
	LogShift float64
}

// LeafStats describes one leaf in one peer group.
type LeafStats struct {
	N, Missing int // rated applicable subjects with a present / missing raw value
	// Min, Max, Mean, SD (n−1) of the present raw values; NaN when undefined.
	Min, Max, Mean, SD float64
	// NormN and NormMin … NormSD are the statistics of the treated values the
	// normalisation used (imputed values included).
	NormN                              int
	NormMin, NormMax, NormMean, NormSD float64
	// WinsorLow and WinsorHigh are the clamping bounds used, NaN when none.
	WinsorLow, WinsorHigh float64
	Uninformative         bool
	// Treat is the JRC treatment's record, nil when the leaf has no
	// `treat:` or no rated subject of the group has a value.
	Treat *TreatStats
}

// AdjustmentResult is one adjustment's effect on one subject.
type AdjustmentResult struct {
	Applies bool    // applies to the subject's kind
	Held    bool    // its `when` held (true when it has no `when`)
	Points  float64 // points added after clamping (0 when none)
	Capped  bool    // its cap_grade lowered the subject's grade
}

// SubjectResult is one subject's outcome.
type SubjectResult struct {
	Group    string // peer group label
	Rated    bool
	Coverage float64
	// Nodes[i] is the value of Set.Nodes[i] (rounded where the node rounds),
	// NaN when the node does not apply or is missing.
	Nodes []float64
	// NodeWeights[i] is Set.Nodes[i]'s normalised weight at its parent for
	// this subject (0 when it took no part); Effective[i] the product of the
	// normalised weights along the path.
	NodeWeights, Effective []float64
	// NodeImputed[i] is true when the composite's value was filled by its
	// missing policy; for a leaf it is true when its cell is imputed.
	NodeImputed []bool
	RootValue   float64 // aggregate of the top-level nodes (rounded per the set)
	Score       float64 // RootValue + adjustments (clamped when clamp_total)
	Adjustments []AdjustmentResult
	Vetoed      bool
	Rank        int    // 0 when unrated
	Grade       string // "" when unrated
	// GradeByScore is the grade the score earned before caps and quotas;
	// GradeReason explains the steps from it to Grade.
	GradeByScore string
	GradeReason  string
}

// Group is a peer group.
type Group struct {
	Label   string
	Members []int // subject indices, sorted by id
	NRated  int
	Leaves  []LeafStats // by leaf index
	// Weights[k] are the weights in effect of the children of composite row
	// k (k indexes Set.Nodes; k = len(Set.Nodes) is the root) in this group,
	// in children order: the `weight` fields, AHP's priority vector, or the
	// statistical weights computed from the group's complete cases, set to
	// 0 for the children without a value for any rated subject of the group
	// (not applicable, uninformative) and normalised to sum 1 over the
	// others. Each subject then renormalises them over the children that
	// take part for it. nil for a leaf, and for a composite that applies to
	// no rated subject of the group.
	Weights [][]float64
	// WeightCases[k] is the number of complete cases the statistical
	// weighting of composite row k used in this group, 0 when its weights
	// do not come from the data.
	WeightCases []int

	// use[k] are the weights composite row k's aggregation used in the
	// group (Weights before restriction and normalisation), for Rescorer.
	use [][]float64
}

// Result is the outcome of Score.
type Result struct {
	Groups   []Group // sorted by label
	Subjects []SubjectResult
	Cells    [][]Cell // [leaf][subject]
	// Order lists subject indices in output order: peer group, rank (unrated
	// last), subject id.
	Order    []int
	Warnings []diag.Warning
}
