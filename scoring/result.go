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
	Applies bool    // the leaf applies to the subject's kind
	Raw     float64 // expression value, NaN = missing
	Imputed float64 // value after the missing policy (= Raw when present), NaN = none
	Treated float64 // after transform and winsorisation, NaN = missing
	Value   float64 // normalised value, NaN when it takes no part
	Weight  float64 // effective weight in the subject's score, 0 when no part
	Status  Status  // "" when the leaf does not apply to the subject
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
