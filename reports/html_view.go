package reports

import (
	"encoding/json"
	"math"

	"github.com/govscore/govscore/analysis"
	"sort"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// View is the publication view of a batch: everything results.json holds
// and the report.html, results.xlsx, results.md and CSV writers render. A
// View is built from a scored batch (NewView) or read back from a
// results.json (ReadView), so that `govscore report OUT` re-renders a
// published batch without its inputs.
//
// A View is read-only once built (SetPrevious aside) and the writers may
// render it concurrently. It is columnar: a view of a batch copies no
// (subject, leaf) cell and no node value but reads the batch's result
// columns (scoring.Result, read-only after batch.Run; View.Cell), while
// everything else — the meta, the definitions, the analysis — is taken
// when the view is built: an analysis attached to the batch afterwards
// does not reach it. Nor does it copy a subject's outcome: of a subject it
// holds the id, name and kind, and Subject assembles the rest when asked
// from the batch's result. A view read from results.json holds its own
// subjects and columns.
// Every writer — results.json, the reading formats, results.csv,
// indicators.csv and the terminal summary — renders a View.
type View struct {
	Meta        batch.Meta
	Scale       [2]float64
	MinCoverage float64
	ClampTotal  bool
	Ranking     indicators.Ranking
	// Digits is the number of decimals the reading formats show (the
	// set's `display: {digits: N}`, SPEC §4.6).
	Digits int
	Kinds  []string // the set's kinds; nil when unknown
	// KindNames and RoleNames are the set's display names of its kinds and
	// rater roles (`kinds: {id: 名称}`, `roles: {id: 名称}`); nil when the
	// set gives none or is unknown (i18n's built-in names are used then).
	KindNames, RoleNames map[string]string
	// TimeZone is the set's `timezone:` (IANA name) in which the reading
	// formats show times; "" = indicators.DefaultTimeZone.
	TimeZone string
	// Public is true for a view made by PublicView: the writers leave out
	// the internal parts (warnings, flagged pairs).
	Public     bool
	PeerGroups []string // subject attributes defining the peer groups; nil when unknown

	Metrics     []ViewMetric     // declared metrics (data sources); nil when unknown
	Nodes       []ViewNode       // the tree without its root, in tree order
	Leaves      []int            // node index of each leaf, in leaf order
	Adjustments []ViewAdjustment // in set order
	Grades      []ViewGrade      // best first; nil when unknown
	Groups      []ViewGroup      // sorted by label
	subjects    viewSubjects     // in output order: peer group, rank, id (Subject)
	cells       cellColumns      // the (subject, leaf) cells: Cell
	Warnings    []diag.Warning

	// HasPrevious is true once SetPrevious attached a previous batch; the
	// change columns are shown only then.
	HasPrevious bool
	PrevPeriod  string // period of the attached previous batch

	// Assess holds the batch's assessment items with every subject's
	// combined result and each item's reliability; nil without items.
	Assess []ViewAssessItem
	// Uncertainty is the uncertainty analysis (rank bands), nil when it was
	// not run; see UncertaintyAnalysis.
	Uncertainty *analysis.Uncertainty
	// Analysis is the robustness analysis (results.json's "analysis", in
	// the layout of analysis.Report.JSON), nil when it was not run;
	// MethodologyWarnings are its methodology warnings.
	Analysis            json.RawMessage
	MethodologyWarnings []diag.Warning
	analysisErr         error // encoding the batch's analysis failed: WriteJSON returns it
}

// ViewMetric is a declared metric: a data source of the set.
type ViewMetric struct {
	Name, Title, Unit string
	Expr              string // derived metrics only
}

// ViewNode is a node of the tree as published in the methodology.
type ViewNode struct {
	ID, Name, Description string
	Parent                int // index in View.Nodes, -1 for a top-level node
	Depth                 int // 1 for top-level nodes
	Weight                float64
	// Share is Weight over the sum of the siblings' weights; Nominal the
	// product of the shares along the path: the node's effective weight when
	// every node takes part.
	Share, Nominal float64
	AppliesTo      []string
	Round          int  // -1 = not rounded
	Rank           bool // `rank: true`: View.NodeRank gives its ranks
	Missing        string
	MissingBy      string
	LeafIndex      int // -1 for composites

	// Leaf fields.
	Expr, Direction, Normalize string
	Low, High, Mean, SD        float64 // goalpost and zscore parameters
	Clip                       bool
	Transform                  string
	Winsorize                  []float64 // [lower, upper] quantiles; nil = none
	// Target is the band of a target normalisation (Low and High of a
	// point are equal; Median is the group median); nil for other methods.
	Target *ResultsTarget
	To     []float64 // the leaf's own range [a, b]; nil = the scale

	// Composite fields.
	Aggregate string
}

// ViewAdjustment is an adjustment of the set (SPEC §4.8).
type ViewAdjustment struct {
	ID, Name        string
	Points, When    string // expression text, "" when none
	Min, Max        *float64
	CapGrade        string
	AppliesTo       []string
	DefinitionKnown bool // false when read from results.json without the set
}

// ViewGrade is a grade of the scale, best first.
type ViewGrade struct {
	Name     string
	Min      *float64
	MaxShare *float64
}

// IsLeaf reports whether n is a leaf (it has a leaf index).
func (n *ViewNode) IsLeaf() bool { return n.LeafIndex >= 0 }

// ViewGroup is a peer group.
type ViewGroup struct {
	Label  string
	NRated int
	// Leaves[l] holds the statistics of leaf l in the group; a leaf that
	// applies to no rated subject of the group has N+Missing == 0.
	Leaves []scoring.LeafStats
	// Members are positions of the view's subjects (View.Subject), in
	// output order.
	Members []int
	// Best[l] and Mean[l] are the highest and the mean normalised value of
	// leaf l over the group's rated subjects where it took part; NaN when
	// none did.
	Best, Mean []float64
	// DimMean[d] is the mean value of dimension d (View.Dimensions) over the
	// rated subjects that have it; NaN when none.
	DimMean []float64
	// Treat[l] is leaf l's outlier treatment record in the group, nil
	// when none (Treat itself is nil when no leaf has one).
	Treat []*ViewTreat
	// Weights are the weights in effect of the composites' children in
	// the group, composites in tree order, the root last.
	Weights []ViewWeights
}

// ViewCell is one (subject, leaf) cell, as in indicators.csv.
type ViewCell struct {
	Applies bool
	Raw     float64 // NaN = missing
	Value   float64 // normalised value, NaN when it took no part
	Weight  float64 // effective weight in the score, 0 when no part
	Status  string
}

// ViewPrevious is a subject's outcome in the previous batch.
type ViewPrevious struct {
	Rated     bool
	Rank      int
	Score     float64
	Grade     string
	SameGroup bool // the subject was in a peer group of the same label
}

// ViewSubject is one subject's outcome (View.Subject); the states of its
// composites' values and its node ranks are View.NodeState and
// View.NodeRank.
type ViewSubject struct {
	Group, ID, Name, Kind string
	Rated                 bool
	// UnratedReason is the rule that left an unrated subject unrated
	// (scoring.UnratedReason); "" when rated or unknown.
	UnratedReason         string
	Rank                  int
	Score, Root, Coverage float64
	Grade                 string
	Vetoed                bool
	// Nodes[i] is the value of View.Nodes[i]: composites from the batch,
	// leaves their normalised value; NaN when missing or not applicable.
	// A view of a batch shares the batch's row: read-only.
	Nodes []float64
	// Adjustments[a] is the effect of View.Adjustments[a] (a view of a
	// batch shares the batch's row too).
	Adjustments  []scoring.AdjustmentResult
	GradeByScore string
	GradeReason  string
	Prev         *ViewPrevious // nil when unknown or not in the previous batch
}

// NewView builds the publication view of a scored batch.
func NewView(b *batch.Batch) *View {
	set := b.Project.Set
	v := &View{
		Meta:        b.Meta,
		Scale:       set.Scale,
		MinCoverage: set.MinCoverage,
		ClampTotal:  set.ClampTotal,
		Ranking:     set.Ranking,
		Digits:      set.Display.Digits,
		Kinds:       set.Kinds,
		PeerGroups:  set.PeerGroups,
		Warnings:    b.Warnings,
	}
	if v.PeerGroups == nil {
		v.PeerGroups = []string{}
	}
	v.setDefinitions(set)
	res := b.Result
	subs := b.Project.Data.Subjects
	v.subjects = viewSubjects{res: res, order: res.Order, names: make([]subjectName, len(res.Order))}
	pos := make([]int, len(subs)) // subject index → position in the view
	for k, si := range res.Order {
		pos[si] = k
		s := &subs[si]
		v.subjects.names[k] = subjectName{ID: s.ID, Name: s.Name, Kind: s.Kind}
	}
	v.cells = cellColumns{batch: res.Cells, res: res, row: res.Order}
	v.Groups = make([]ViewGroup, len(res.Groups))
	for gi, g := range res.Groups {
		vg := ViewGroup{Label: g.Label, NRated: g.NRated, Leaves: g.Leaves}
		for _, si := range g.Members {
			vg.Members = append(vg.Members, pos[si])
		}
		sort.Ints(vg.Members)
		v.Groups[gi] = vg
	}
	v.setGroupDetails(b)
	v.setAssess(b, pos)
	if a := b.Analysis; a != nil {
		v.Uncertainty = a.Uncertainty
		v.Analysis, v.analysisErr = a.JSON()
		v.MethodologyWarnings = a.Warnings
	}
	v.finish()
	return v
}

// setDefinitions copies the tree, metrics, adjustments and grades of set.
func (v *View) setDefinitions(set *indicators.Set) {
	v.KindNames, v.RoleNames, v.TimeZone = set.KindNames, set.RoleNames, set.TimeZone
	v.Nodes = make([]ViewNode, len(set.Nodes))
	v.Leaves = nil
	for i, n := range set.Nodes {
		vn := ViewNode{
			ID: n.ID, Name: n.Name, Description: n.Description, Parent: -1, Depth: n.Depth,
			Weight: n.Weight, Share: nominalShare(n), AppliesTo: n.AppliesTo, Round: n.Round, Rank: n.Rank,
			Missing: string(n.Missing.Policy), MissingBy: n.Missing.By, LeafIndex: n.LeafIndex,
		}
		if n.Parent != nil && n.Parent.Index >= 0 {
			vn.Parent = n.Parent.Index
		}
		if n.IsLeaf() {
			vn.Expr = n.Expr.Text
			vn.Direction = n.Direction.String()
			vn.Normalize = string(n.Normalize.Method)
			vn.Low, vn.High, vn.Mean, vn.SD, vn.Clip = n.Normalize.Low, n.Normalize.High, n.Normalize.Mean, n.Normalize.SD, n.Normalize.Clip
			vn.Transform = string(n.Transform)
			if n.Normalize.Method == indicators.Target {
				vn.Target = &ResultsTarget{Median: n.Normalize.TargetMedian, Low: n.Normalize.TargetLow, High: n.Normalize.TargetHigh}
			}
			if to := n.Normalize.To; to != nil {
				vn.To = []float64{to[0], to[1]}
			}
			if n.Winsorize != nil {
				vn.Winsorize = []float64{n.Winsorize.Lower, n.Winsorize.Upper}
			}
			v.Leaves = append(v.Leaves, i)
		} else {
			vn.Aggregate = aggName(n)
		}
		v.Nodes[i] = vn
	}
	v.Metrics = nil
	for _, m := range set.Metrics {
		vm := ViewMetric{Name: m.Name, Title: m.Title, Unit: m.Unit}
		if m.Expr != nil {
			vm.Expr = m.Expr.Text
		}
		v.Metrics = append(v.Metrics, vm)
	}
	v.Adjustments = make([]ViewAdjustment, len(set.Adjustments))
	for a, adj := range set.Adjustments {
		va := ViewAdjustment{ID: adj.ID, Name: adj.Name, Min: adj.Min, Max: adj.Max, CapGrade: adj.CapGrade, AppliesTo: adj.AppliesTo, DefinitionKnown: true}
		if adj.Points != nil {
			va.Points = adj.Points.Text
		}
		if adj.When != nil {
			va.When = adj.When.Text
		}
		v.Adjustments[a] = va
	}
	v.Grades = make([]ViewGrade, len(set.Grades))
	for g, gr := range set.Grades {
		v.Grades[g] = ViewGrade{Name: gr.Name, Min: gr.Min, MaxShare: gr.MaxShare}
	}
}

// finish computes the derived fields: nominal weights, the groups' best and
// mean leaf values and mean dimension values.
func (v *View) finish() {
	for i := range v.Nodes {
		n := &v.Nodes[i]
		n.Nominal = n.Share
		if n.Parent >= 0 {
			n.Nominal *= v.Nodes[n.Parent].Nominal
		}
	}
	dims := v.Dimensions()
	nl := len(v.Leaves)
	var eff []float64 // a view of a batch: one subject's effective weights, by node
	if v.cells.batch != nil {
		eff = make([]float64, len(v.Nodes))
	}
	for gi := range v.Groups {
		g := &v.Groups[gi]
		// Subject by subject (a subject's values and weights are in its
		// row of the batch), each sum in member order.
		best, sum, cnt := make([]float64, nl), make([]float64, nl), make([]int, nl)
		for l := range best {
			best[l] = math.Inf(-1)
		}
		dimSum, dimN := make([]float64, len(dims)), make([]int, len(dims))
		for _, k := range g.Members {
			rated, nodes := v.subjectNodes(k)
			if !rated {
				continue
			}
			if eff != nil {
				v.cells.res.EffectiveWeights(v.cells.row[k], eff)
			}
			for l, ni := range v.Leaves {
				var x, w float64
				if eff != nil { // the leaf's value is in the subject's row
					x, w = nodes[ni], eff[ni]
				} else {
					x, w = v.cellValueWeight(k, l)
				}
				if !math.IsNaN(x) && w > 0 {
					best[l] = math.Max(best[l], x)
					sum[l] += x
					cnt[l]++
				}
			}
			for d, ni := range dims {
				if x := nodes[ni]; !math.IsNaN(x) {
					dimSum[d] += x
					dimN[d]++
				}
			}
		}
		g.Best, g.Mean = best, sum
		for l := range nl {
			if cnt[l] == 0 {
				g.Best[l], g.Mean[l] = math.NaN(), math.NaN()
			} else {
				g.Mean[l] = sum[l] / float64(cnt[l])
			}
		}
		g.DimMean = make([]float64, len(dims))
		for d := range dims {
			g.DimMean[d] = math.NaN()
			if dimN[d] > 0 {
				g.DimMean[d] = dimSum[d] / float64(dimN[d])
			}
		}
	}
}

// RankedNodes returns the indices of the nodes with `rank: true`, in tree
// order: the `<id>_rank` columns.
func (v *View) RankedNodes() []int {
	var out []int
	for i, n := range v.Nodes {
		if n.Rank {
			out = append(out, i)
		}
	}
	return out
}

// Dimensions returns the node indices of the top-level nodes of the tree
// (the dimensions of the radar chart and heatmap), in tree order.
func (v *View) Dimensions() []int {
	var out []int
	for i, n := range v.Nodes {
		if n.Parent < 0 {
			out = append(out, i)
		}
	}
	return out
}

// GroupDimensions returns the dimensions that apply to at least one rated
// subject of group g.
func (v *View) GroupDimensions(g *ViewGroup) []int {
	var out []int
	for _, ni := range v.Dimensions() {
		for _, k := range g.Members {
			if rated, nodes := v.subjectNodes(k); rated && !math.IsNaN(nodes[ni]) {
				out = append(out, ni)
				break
			}
		}
	}
	return out
}

// Group returns the peer group with the given label, or nil.
func (v *View) Group(label string) *ViewGroup {
	i := sort.Search(len(v.Groups), func(i int) bool { return v.Groups[i].Label >= label })
	if i < len(v.Groups) && v.Groups[i].Label == label {
		return &v.Groups[i]
	}
	for i := range v.Groups { // not sorted (hand-built view)
		if v.Groups[i].Label == label {
			return &v.Groups[i]
		}
	}
	return nil
}

// LeafPoints is one leaf's gain or loss in a subject's score.
type LeafPoints struct {
	Leaf   int     // leaf index
	Points float64 // points, ≥ 0
}

// Shortfalls returns the subject's weaknesses (短板): the leaves costing it
// the most points against its peer group's best, largest first, at most max
// of them (all when max ≤ 0), leaves costing nothing left out:
//
//	cost_l = (best_l − v_l) · w_l
//
// where v_l is the subject's normalised value of leaf l, w_l its effective
// weight and best_l the highest normalised value of l among the group's rated
// subjects. A leaf that took no part (w_l = 0) costs nothing: its siblings
// were reweighted. Ties are broken by leaf order.
func (v *View) Shortfalls(k, max int) []LeafPoints {
	s := v.Subject(k)
	g := v.Group(s.Group)
	if g == nil || !s.Rated {
		return nil
	}
	return v.topPoints(k, max, func(c ViewCell, l int) float64 { return (g.Best[l] - c.Value) * c.Weight })
}

// Strengths returns the leaves where the subject gains the most points over
// its peer group's mean, largest first, at most max of them:
//
//	gain_l = (v_l − mean_l) · w_l
//
// with mean_l the mean normalised value of leaf l over the group's rated
// subjects that it took part for. Leaves with no gain are left out.
func (v *View) Strengths(k, max int) []LeafPoints {
	s := v.Subject(k)
	g := v.Group(s.Group)
	if g == nil || !s.Rated {
		return nil
	}
	return v.topPoints(k, max, func(c ViewCell, l int) float64 { return (c.Value - g.Mean[l]) * c.Weight })
}

// topPoints returns subject k's leaves by points (the given function of
// a cell and its leaf), largest first, at most max of them.
func (v *View) topPoints(k, max int, points func(c ViewCell, l int) float64) []LeafPoints {
	var out []LeafPoints
	for l := range v.Leaves {
		c := v.Cell(k, l)
		if !c.Applies || c.Weight <= 0 || math.IsNaN(c.Value) {
			continue
		}
		p := points(c, l)
		if math.IsNaN(p) || p <= 1e-12 {
			continue
		}
		out = append(out, LeafPoints{Leaf: l, Points: p})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Points > out[j].Points })
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// SetPrevious attaches the outcome of the previous batch: each subject of v
// gets its rank, score and grade in prev (matched by id), and the writers
// show the change columns. A subject absent from prev keeps Prev nil.
func (v *View) SetPrevious(prev *View) {
	byID := make(map[string]int, prev.NumSubjects())
	for k := range prev.NumSubjects() {
		byID[prev.subjectID(k)] = k
	}
	v.subjects.prev = make([]*ViewPrevious, v.NumSubjects())
	for k := range v.subjects.prev {
		pk, ok := byID[v.subjectID(k)]
		if !ok {
			continue
		}
		s, p := v.Subject(k), prev.Subject(pk)
		v.subjects.prev[k] = &ViewPrevious{Rated: p.Rated, Rank: p.Rank, Score: p.Score, Grade: p.Grade, SameGroup: p.Group == s.Group}
	}
	v.HasPrevious = true
	v.PrevPeriod = prev.Meta.Period
}

// generatedAt is the batch's timestamp in UTC.
func (v *View) generatedAt() time.Time { return v.Meta.GeneratedAt.UTC() }

// generatedShown is the generation time as the reading formats show it: in
// the set's time zone, "2006-01-02 15:04:05+08:00" (a valid HTML datetime).
func (v *View) generatedShown() string {
	return v.Meta.GeneratedAt.In(indicators.LoadTimeZone(v.TimeZone)).Format("2006-01-02 15:04:05Z07:00")
}
