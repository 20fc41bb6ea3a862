package scoring

import (
	"iter"
	"math"
	"slices"

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
	// AppliesWhen[k] is the applies_when column of Set.Nodes[k] (1 true, 0
	// false, NaN missing; see engine.Values), nil entry = the node has
	// none; nil = no node has one. A node applies to a subject where its
	// own and every ancestor's column is 1 and applies_to admits the kind.
	AppliesWhen [][]float64
	// RatedWhen is the rated_when column (1/0/NaN), nil = none: a subject
	// where it is not 1 is unrated before coverage (SPEC §4.7).
	RatedWhen []float64
}

// UnratedReason says which rule left a subject unrated (SPEC §4.7).
type UnratedReason string

// Reasons a subject is unrated, in the order the rules apply.
const (
	UnratedRatedWhen        UnratedReason = "rated_when"         // rated_when false or missing
	UnratedNoLeaf           UnratedReason = "no applicable leaf" // no leaf applies to the subject
	UnratedCoverage         UnratedReason = "coverage"           // coverage below min_coverage
	UnratedMissingAggregate UnratedReason = "missing aggregate"  // the final aggregate is missing
)

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

// Cell is one subject's pass through one leaf's pipeline (SPEC §4.4), as
// LeafCells.At assembles it from the result's columns.
type Cell struct {
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

// LeafCells are the cells of one leaf, one per subject (in Input order).
//
// A batch holds one cell per subject and leaf (50 million at 1M subjects ×
// 50 leaves), so the cells are not stored as Cell values but column by
// column, each part once: Raw is the Input column itself, Value and Weight
// are read from the subjects' Nodes and NodeWeights, Imputed differs from Raw
// only where the missing policy filled a value (kept as a sparse list),
// Treated is stored only for leaves with a transform, winsorisation or JRC
// treatment (it equals Imputed otherwise), and Status, Applies and Outlier
// share one byte. LeafCells are read-only; At assembles a Cell.
type LeafCells struct {
	k       int             // the leaf's node index (Set.Nodes)
	raw     []float64       // Input.Raw[leaf]
	flags   []cellFlags     // by subject
	fillAt  []int           // subjects whose missing raw value was imputed, ascending
	fillVal []float64       // their imputed values
	treated []float64       // by subject; nil when Treated = Imputed
	subj    []SubjectResult // Value = subj[i].Nodes[k], Weight = effective(subj[i].NodeWeights, parent, k)
	parent  []int           // Result.parent
}

// cellFlags packs a cell's status (the low three bits, an index into
// statuses) with its boolean properties.
type cellFlags uint8

const (
	flagStatus  cellFlags = 7      // mask of the status index
	flagApplies cellFlags = 1 << 3 // Cell.Applies
	flagOutlier cellFlags = 1 << 4 // Cell.Outlier
	flagScored  cellFlags = 1 << 5 // the leaf pipeline ran: Imputed and Treated are defined
	flagFilled  cellFlags = 1 << 6 // Imputed is in fillVal, not Raw
)

// statuses are the cell statuses by their index in cellFlags.
var statuses = [...]Status{"", StatusOK, StatusImputed, StatusMissing, StatusUninformative, StatusUnrated}

// statusFlags returns the status index of st.
func statusFlags(st Status) cellFlags {
	for j, x := range statuses {
		if x == st {
			return cellFlags(j)
		}
	}
	panic("scoring: unknown cell status " + string(st))
}

// status returns the cell status the flags hold.
func (f cellFlags) status() Status { return statuses[f&flagStatus] }

// setStatus replaces the status the flags hold.
func (f *cellFlags) setStatus(st Status) { *f = *f&^flagStatus | statusFlags(st) }

// Len returns the number of cells (subjects).
func (c *LeafCells) Len() int { return len(c.flags) }

// At returns subject i's cell.
func (c *LeafCells) At(i int) Cell {
	f := c.flags[i]
	cell := Cell{
		Raw:     c.raw[i],
		Imputed: c.imputed(i, f),
		Status:  f.status(),
		Applies: f&flagApplies != 0,
		Outlier: f&flagOutlier != 0,
	}
	if c.treated != nil {
		cell.Treated = c.treated[i]
	} else {
		cell.Treated = cell.Imputed
	}
	r := &c.subj[i]
	cell.Value, cell.Weight = r.Nodes[c.k], effective(r.NodeWeights, c.parent, c.k)
	return cell
}

// Published returns subject i's cell without its Imputed and Treated
// values (NaN; the imputed value takes a search): what indicators.csv and
// the reading formats show, at a fraction of At's cost.
func (c *LeafCells) Published(i int) Cell {
	f := c.flags[i]
	r := &c.subj[i]
	return Cell{Raw: c.raw[i], Imputed: math.NaN(), Treated: math.NaN(), Value: r.Nodes[c.k], Weight: effective(r.NodeWeights, c.parent, c.k),
		Status: f.status(), Applies: f&flagApplies != 0, Outlier: f&flagOutlier != 0}
}

// PublishedColumn is Published for many subjects, by column: raw[j],
// status[j] and applies[j] are the Raw, Status and Applies of subject
// idx[j]'s cell (Value and Weight come from the subject's row:
// ValueWeight). Reading one leaf's column for a block of subjects lets the
// memory reads overlap, where a loop over one subject's leaves waits on
// each column in turn.
func (c *LeafCells) PublishedColumn(idx []int, raw []float64, status []Status, applies []bool) {
	raw, status, applies = raw[:len(idx)], status[:len(idx)], applies[:len(idx)]
	for j, i := range idx {
		f := c.flags[i]
		raw[j], status[j], applies[j] = c.raw[i], statuses[f&flagStatus], f&flagApplies != 0
	}
}

// ValueWeight returns subject i's normalised value and effective weight
// (Cell.Value and Cell.Weight): read from the subject's own row, so that a
// loop over one subject's leaves stays in one place of memory.
func (c *LeafCells) ValueWeight(i int) (value, weight float64) {
	r := &c.subj[i]
	return r.Nodes[c.k], effective(r.NodeWeights, c.parent, c.k)
}

// imputed returns subject i's imputed value, given its flags f.
func (c *LeafCells) imputed(i int, f cellFlags) float64 {
	switch {
	case f&flagScored == 0:
		return math.NaN()
	case f&flagFilled != 0:
		j, _ := slices.BinarySearch(c.fillAt, i)
		return c.fillVal[j]
	}
	return c.raw[i]
}

// All iterates over the cells with their subject indices.
func (c *LeafCells) All() iter.Seq2[int, Cell] {
	return func(yield func(int, Cell) bool) {
		for i := range c.flags {
			if !yield(i, c.At(i)) {
				return
			}
		}
	}
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

// AdjustmentResult is one adjustment's effect on one subject. (Points
// first: the three flags then share one word, 16 bytes instead of 24, and
// a batch holds one per subject and adjustment.)
type AdjustmentResult struct {
	Points  float64 // points added after clamping (0 when none)
	Applies bool    // applies to the subject's kind
	Held    bool    // its `when` held (true when it has no `when`)
	Capped  bool    // its cap_grade lowered the subject's grade
}

// SubjectResult is one subject's outcome.
type SubjectResult struct {
	Group string // peer group label
	Rated bool
	// Unrated is the rule that left the subject unrated, "" when rated.
	Unrated  UnratedReason
	Coverage float64
	// Nodes[i] is the value of Set.Nodes[i] (rounded where the node rounds),
	// NaN when the node does not apply or is missing.
	Nodes []float64
	// NodeWeights[i] is Set.Nodes[i]'s normalised weight at its parent for
	// this subject (0 when it took no part). The effective weight, their
	// product along the path, is Result.Effective: computed when asked, not
	// stored (it would be one more float per subject × node). Subjects
	// whose weights are equal bit for bit share one row (most of a peer
	// group's): read-only.
	NodeWeights []float64
	// NodeImputed[i] is true when the composite's value was filled by its
	// missing policy; for a leaf it is true when its cell is imputed.
	// Subjects without any such node share one row of false: read-only.
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
	Cells    []LeafCells // by leaf index
	// Order lists subject indices in output order: peer group, rank (unrated
	// last), subject id.
	Order    []int
	Warnings []diag.Warning
	// NodeRanks[k][i] is subject i's rank on Set.Nodes[k] within its peer
	// group when that node has `rank: true` (SPEC §4.10), 0 when the
	// subject is unrated or has no value for the node; NodeRanks[k] is nil
	// for the other nodes, and NodeRanks nil when no node is ranked.
	NodeRanks [][]int32

	// profileOf and applies: node k applies to subject i when
	// applies[profileOf[i]][k] (see Applies).
	profileOf []int
	applies   [][]bool
	// parent[k] is the index of Set.Nodes[k]'s parent, -1 at the top level.
	parent []int
}

// Effective returns the effective weight of Set.Nodes[k] in subject i's
// score (SPEC §4.5): the product of its normalised weights (NodeWeights)
// along the path, 0 when it took no part.
func (r *Result) Effective(i, k int) float64 {
	return effective(r.Subjects[i].NodeWeights, r.parent, k)
}

// EffectiveWeights sets eff[k] to Effective(i, k) for every node k (eff
// has one entry per node of Set.Nodes): one pass down the tree, each
// product taken as Effective takes it, for a writer that needs every leaf's
// weight of a subject.
func (r *Result) EffectiveWeights(i int, eff []float64) {
	w := r.Subjects[i].NodeWeights
	eff = eff[:len(r.parent)]
	for k, p := range r.parent { // Set.Nodes is in pre-order: p < k
		if p >= 0 {
			eff[k] = w[k] * eff[p]
		} else {
			eff[k] = w[k]
		}
	}
}

// effective returns the product of w along node k's path, parent is
// Result.parent. The order of the products is the one the scorer used when
// it stored the weights: w[k] times the parent's effective weight.
func effective(w []float64, parent []int, k int) float64 {
	if p := parent[k]; p >= 0 {
		return w[k] * effective(w, parent, p)
	}
	return w[k]
}

// Applies reports whether Set.Nodes[k] applies to subject i: applies_to
// admits its kind and every applies_when on the path holds for it.
func (r *Result) Applies(k, i int) bool { return r.applies[r.profileOf[i]][k] }
