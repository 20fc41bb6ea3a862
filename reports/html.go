package reports

import (
	"bufio"
	"embed"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/i18n"
)

//go:embed templates/report.html.tmpl templates/report.css
var templateFS embed.FS

var (
	reportCSS  = mustRead("templates/report.css")
	reportTmpl = template.Must(template.New("report.html.tmpl").ParseFS(templateFS, "templates/report.html.tmpl"))
)

func mustRead(name string) string {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// DefaultCollapseAbove is the peer-group size beyond which report.html
// collapses the per-subject sections and draws lighter charts.
const DefaultCollapseAbove = 300

// DefaultDetailsAbove is the peer-group size beyond which report.html leaves
// out the per-subject sections altogether (the ranking table and the charts
// stay): a page with tens of thousands of sections does not open in a
// browser. results.xlsx and `govscore explain` hold every subject's detail.
const DefaultDetailsAbove = 5000

// HTMLOptions tune WriteHTML.
type HTMLOptions struct {
	// Lang is the language of the fixed labels: "zh" (the default) or "en".
	// Names of subjects, nodes, adjustments and grades are shown as written
	// in the data and the indicator set.
	Lang string
	// CollapseAbove is the group size beyond which the per-subject sections
	// are collapsed (<details> without charts), the bar chart becomes a
	// histogram and the heatmap shows the top CollapseAbove subjects;
	// 0 means DefaultCollapseAbove.
	CollapseAbove int
	// DetailsAbove is the group size beyond which the per-subject sections
	// are left out; 0 means DefaultDetailsAbove.
	DetailsAbove int
}

// WriteHTML writes report.html: one self-contained page (inline CSS and SVG,
// no script, no network) that can be printed. For each peer group: the
// ranking table (rank, subject, score, grade, coverage, and the change since
// the previous batch when v has one), the grade distribution, a bar chart of
// the scores, a heatmap of the dimension scores, and a section per subject
// with a radar chart of its dimensions against the group mean, its strengths
// and weaknesses (View.Strengths, View.Shortfalls), its adjustments and
// vetoes, and the reasoning behind its grade. A methodology appendix
// generated from the set follows: the tree with formulas, directions,
// normalisation and weights, the normalisation bounds each group actually
// used, the missing-data, coverage, ranking and grading rules, the
// adjustments, the data sources, the warnings and the provenance hashes.
//
// The markup is deterministic: the same view gives the same bytes; the only
// time shown is v.Meta.GeneratedAt.
func WriteHTML(w io.Writer, v *View, opt HTMLOptions) error {
	p, err := newHTMLPage(v, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := reportTmpl.Execute(bw, p); err != nil {
		return err
	}
	return bw.Flush()
}

type htmlPage struct {
	Lang, Title, Period, PrevPeriod, Generated string
	L                                          labels
	CSS                                        template.CSS
	SetID, SetName, SetVersion                 string
	HasPrev                                    bool
	HasBands                                   bool     // the ranking shows rank bands
	RankHeads                                  []string // titles of the node-rank columns
	Groups                                     []*htmlGroup
	Method                                     htmlMethod
	Warnings                                   []string
	Public                                     bool // PublicView: no flagged pairs column
}

type htmlGroup struct {
	Anchor, Label                     string
	NSubjects, NRated, NUnrated       int
	Rows                              []htmlRow
	Grades                            []htmlGradeCount
	GradeChart, ScoreChart, HeatChart template.HTML
	BarsNote, HeatNote                string
	Large                             bool
	NoDetails                         bool // the group is too large for per-subject sections
	Subjects                          []htmlSubject
}

type htmlRow struct {
	Anchor, Rank, ID, Name, Kind, Score, Grade, Coverage string
	Rated, Vetoed                                        bool
	RankChange, ScoreChange, ChangeClass                 string
	Band, Tied                                           string   // uncertainty rank band and tied note
	NodeRanks                                            []string // ranks on the `rank: true` nodes
	Reason                                               string   // why an unrated subject is unrated
}

type htmlGradeCount struct {
	Name, Share string
	Count       int
}

type htmlSubject struct {
	Row                     htmlRow
	Radar                   template.HTML
	Dims                    []htmlDim
	Strengths, Weaknesses   []htmlPoints
	Adjustments             []htmlAdj
	Root, AdjTotal          string
	GradeByScore, Reason    string
	HasAdjustments, Unrated bool
	UnratedNote             string // why the subject is unrated
	Assess                  []htmlAssess
}

// htmlAssess is a subject's result on one assessment item.
type htmlAssess struct {
	ID, Name, Score, SE, Interval string
	Roles                         []htmlAssessRole
}

// htmlAssessRole is one role's count and mean, or the reason the mean is
// not shown.
type htmlAssessRole struct {
	Role, Weight, N, Mean string
	Hidden                bool
}

type htmlDim struct {
	ID, Name, Value, Mean string
	Imputed               bool // the value was filled by the node's missing policy
}

type htmlPoints struct{ ID, Name, Value, Best, Weight, Points string }

type htmlAdj struct {
	ID, Name, Rule, Points, Cap string
	Capped                      bool
}

func newHTMLPage(v *View, opt HTMLOptions) (*htmlPage, error) {
	L, err := labelsFor(opt.Lang)
	if err != nil {
		return nil, err
	}
	lang := opt.Lang
	if lang == "" {
		lang = "zh"
	}
	collapse := opt.CollapseAbove
	if collapse <= 0 {
		collapse = DefaultCollapseAbove
	}
	p := &htmlPage{Public: v.Public,
		Lang: lang, L: L, CSS: template.CSS(reportCSS),
		Title:  v.Meta.SetName + " — " + L["report"] + " " + v.Meta.Period,
		Period: v.Meta.Period, PrevPeriod: v.PrevPeriod,
		SetID: v.Meta.SetID, SetName: v.Meta.SetName, SetVersion: v.Meta.SetVersion,
		HasPrev: v.HasPrevious, RankHeads: rankHeads(v, L),
	}
	if !v.Meta.GeneratedAt.IsZero() {
		p.Generated = v.generatedShown()
	}
	details := opt.DetailsAbove
	if details <= 0 {
		details = DefaultDetailsAbove
	}
	r := newBandRenderer(v, L)
	r.collapse, r.details, r.digits = collapse, details, scoreDigits(v)
	p.HasBands = r.bands != nil
	for gi := range v.Groups {
		p.Groups = append(p.Groups, r.group(gi))
	}
	p.Method = newHTMLMethod(v, L)
	for _, w := range v.Warnings {
		if L["lang"] != "en" {
			w.Msg = i18n.Message(i18n.Zh, w.Msg)
		}
		p.Warnings = append(p.Warnings, w.String())
	}
	return p, nil
}

// scoreDigits is the number of decimals the reading formats show: the
// set's `display: {digits: N}` (SPEC §4.6, default 2).
func scoreDigits(v *View) int { return v.Digits }

type htmlRenderer struct {
	v        *View
	L        labels
	collapse int
	details  int // group size beyond which subject sections are left out
	digits   int
	svg      svgWriter
	bands    []*analysis.Band  // by subject position; nil without uncertainty analysis
	names    map[string]string // subject id → name
}

// newBandRenderer returns a renderer with v's uncertainty bands and the
// subject names the tied notes use.
func newBandRenderer(v *View, L labels) *htmlRenderer {
	r := &htmlRenderer{v: v, L: L, bands: v.Bands(), names: make(map[string]string, v.NumSubjects())}
	for k := range v.NumSubjects() {
		r.names[v.subjectID(k)] = v.Subject(k).Name
	}
	return r
}

// maxTiedShown is the number of tied subjects a ranking row names.
const maxTiedShown = 3

// band fills the row's rank band and tied note from the uncertainty
// analysis.
func (r *htmlRenderer) band(k int, row *htmlRow) {
	if r.bands == nil {
		return
	}
	b := r.bands[k]
	if b == nil {
		row.Band, row.Tied = "—", ""
		return
	}
	row.Band = fmtRank(float64(b.P05))
	if hi := fmtRank(float64(b.P95)); hi != row.Band {
		row.Band += "–" + hi
	}
	var names []string
	for _, id := range b.Tied {
		if len(names) == maxTiedShown {
			break
		}
		name := r.names[id]
		if name == "" {
			name = id
		}
		names = append(names, name)
	}
	row.Tied = strings.Join(names, ", ")
	if more := b.TiedCount - len(names); more > 0 {
		row.Tied += " " + r.L.f("tiedMore", more)
	}
	if row.Tied == "" {
		row.Tied = "—"
	}
}

// fmtRank formats a rank quantile with at most one decimal.
func fmtRank(x float64) string {
	return strings.TrimSuffix(fmtNum(x, 1), ".0")
}

// assess returns subject k's assessment results, by item; an item with no
// rating of the subject in any role is left out.
func (r *htmlRenderer) assess(k int) []htmlAssess {
	var out []htmlAssess
	for i := range r.v.Assess {
		it := &r.v.Assess[i]
		as := &it.Subjects[k]
		rated := false
		for _, ro := range as.Roles {
			rated = rated || ro.N > 0
		}
		if !rated && math.IsNaN(as.Score) {
			continue
		}
		ha := htmlAssess{ID: it.ID, Name: it.Name, Score: fmtNum(as.Score, 2), SE: fmtNum(as.SE, 2),
			Interval: "[" + fmtNum(as.Low, 2) + ", " + fmtNum(as.High, 2) + "]"}
		if math.IsNaN(as.Score) {
			ha.Interval = "—"
		}
		for ri, rw := range it.Roles {
			ro := as.Roles[ri]
			hr := htmlAssessRole{Role: r.v.names(r.L).of(i18n.Role, rw.Role), Weight: FormatFloat(rw.Weight), N: strconv.Itoa(ro.N), Mean: fmtNum(ro.Mean, 2)}
			if ro.N < it.MinPresent(ri) || math.IsNaN(ro.Mean) {
				hr.Mean, hr.Hidden = r.L.f("fewerRatings", it.MinPresent(ri)), true
				if ro.N == 0 {
					hr.Mean = "—"
				}
			}
			ha.Roles = append(ha.Roles, hr)
		}
		out = append(out, ha)
	}
	return out
}

func (r *htmlRenderer) row(k int) htmlRow {
	v, L := r.v, r.L
	s := v.Subject(k)
	row := htmlRow{Anchor: "s" + strconv.Itoa(k), ID: s.ID, Name: s.Name, Kind: v.names(L).of(i18n.Kind, s.Kind), Rated: s.Rated, Vetoed: s.Vetoed,
		Coverage: fmtPercent(s.Coverage)}
	if s.Rated {
		row.Rank = strconv.Itoa(s.Rank)
		row.Score = fmtNum(s.Score, r.digits)
		row.Grade = s.Grade
	} else {
		row.Rank, row.Score, row.Grade = "—", "—", L["unrated"]
		row.Reason = reasonText(L, s.UnratedReason)
	}
	row.NodeRanks = nodeRanks(v, k)
	r.band(k, &row)
	if v.HasPrevious {
		switch {
		case s.Prev == nil:
			row.RankChange, row.ChangeClass = L["new"], "new"
		case !s.Rated || !s.Prev.Rated:
			row.RankChange = "—"
		default:
			d := s.Prev.Rank - s.Rank
			switch {
			case d > 0:
				row.RankChange, row.ChangeClass = "▲"+strconv.Itoa(d), "up"
			case d < 0:
				row.RankChange, row.ChangeClass = "▼"+strconv.Itoa(-d), "down"
			default:
				row.RankChange = "="
			}
			row.ScoreChange = fmtSigned(s.Score-s.Prev.Score, r.digits)
			if !s.Prev.SameGroup {
				row.RankChange += "*"
			}
		}
	}
	return row
}

func (r *htmlRenderer) group(gi int) *htmlGroup {
	v, L := r.v, r.L
	g := &v.Groups[gi]
	hg := &htmlGroup{Anchor: "g" + strconv.Itoa(gi), Label: v.names(L).group(g.Label), NSubjects: len(g.Members), NRated: g.NRated}
	hg.Large = len(g.Members) > r.collapse
	hg.NoDetails = len(g.Members) > r.details
	var rated []int
	for _, k := range g.Members {
		hg.Rows = append(hg.Rows, r.row(k))
		if v.Subject(k).Rated {
			rated = append(rated, k)
		} else {
			hg.NUnrated++
		}
	}
	// Grade distribution.
	counts := map[string]int{}
	for _, k := range rated {
		counts[v.Subject(k).Grade]++
	}
	var items []barItem
	for _, name := range v.gradeOrder() {
		c := counts[name]
		share := ""
		if len(rated) > 0 {
			share = fmtPercent(float64(c) / float64(len(rated)))
		}
		hg.Grades = append(hg.Grades, htmlGradeCount{Name: name, Count: c, Share: share})
		items = append(items, barItem{Label: name, Value: float64(c), Text: strconv.Itoa(c)})
	}
	if len(items) > 0 {
		hg.GradeChart = r.svg.barChart(items, 0, float64(max(1, len(rated))), L.f("chartGrades", hg.Label), L["descGrades"])
	}
	lo, hi := v.Scale[0], v.Scale[1]
	if len(rated) > 0 {
		scores := make([]float64, len(rated))
		for i, k := range rated {
			scores[i] = v.Subject(k).Score
			lo, hi = math.Min(lo, scores[i]), math.Max(hi, scores[i])
		}
		if len(rated) > r.collapse {
			hg.BarsNote = L["barsNote"]
			hg.ScoreChart = r.svg.histogram(scores, lo, hi, 20, L.f("chartHist", hg.Label), L.f("descHist", len(rated)))
		} else {
			bars := make([]barItem, len(rated))
			for i, k := range rated {
				s := v.Subject(k)
				bars[i] = barItem{Label: s.Name, Value: s.Score, Text: fmtNum(s.Score, r.digits), Alert: s.Vetoed}
			}
			desc := L.f("descBars", len(rated), fmtNum(scores[0], r.digits), fmtNum(scores[len(scores)-1], r.digits))
			hg.ScoreChart = r.svg.barChart(bars, lo, hi, L.f("chartBars", hg.Label), desc)
		}
	}
	dims := v.GroupDimensions(g)
	if len(rated) > 0 && len(dims) > 0 {
		heatRows := rated
		if len(heatRows) > r.collapse {
			heatRows = heatRows[:r.collapse]
			hg.HeatNote = L.f("heatmapNote", r.collapse, len(rated))
		}
		names := make([]string, len(heatRows))
		vals := make([][]float64, len(heatRows))
		for i, k := range heatRows {
			s := v.Subject(k)
			names[i] = s.Name
			vals[i] = make([]float64, len(dims))
			for d, ni := range dims {
				vals[i][d] = s.Nodes[ni]
			}
		}
		cols := make([]string, len(dims))
		for d, ni := range dims {
			cols[d] = v.Nodes[ni].Name
		}
		hg.HeatChart = r.svg.heatmap(names, cols, vals, v.Scale[0], v.Scale[1], L.f("chartHeat", hg.Label), L["descHeat"])
	}
	if hg.NoDetails {
		for i := range hg.Rows {
			hg.Rows[i].Anchor = "" // no section to link to
		}
		return hg
	}
	for i, k := range g.Members {
		hg.Subjects = append(hg.Subjects, r.subject(k, hg.Rows[i], hg.Large, dims))
	}
	return hg
}

func (r *htmlRenderer) subject(k int, row htmlRow, large bool, dims []int) htmlSubject {
	v, L := r.v, r.L
	s := v.Subject(k)
	g := v.Group(s.Group)
	hs := htmlSubject{Row: row, Unrated: !s.Rated, GradeByScore: s.GradeByScore, Reason: v.names(L).reason(s.GradeReason)}
	if !s.Rated {
		hs.UnratedNote = r.L["unratedNote"]
		if row.Reason != "" {
			hs.UnratedNote = r.L.f("unratedBecause", row.Reason)
		}
		return hs
	}
	hs.Assess = r.assess(k)
	hs.Root = fmtNum(s.Root, r.digits)
	hs.AdjTotal = fmtSigned(s.Score-s.Root, r.digits)
	allDims := v.Dimensions()
	own := make([]float64, len(dims))
	mean := make([]float64, len(dims))
	names := make([]string, len(dims))
	for d, ni := range dims {
		own[d] = s.Nodes[ni]
		mean[d] = g.DimMean[indexOf(allDims, ni)]
		names[d] = v.Nodes[ni].Name
		hs.Dims = append(hs.Dims, htmlDim{ID: v.Nodes[ni].ID, Name: names[d], Value: fmtNum(own[d], r.digits), Mean: fmtNum(mean[d], r.digits),
			Imputed: v.NodeState(k, ni) == NodeStateImputed})
	}
	if !large && len(dims) > 0 {
		hs.Radar = r.svg.radar(names, own, mean, v.Scale[0], v.Scale[1], L.f("chartRadar", s.Name), L["descRadar"])
	}
	leafName := func(l int) (string, string) { n := &v.Nodes[v.Leaves[l]]; return n.ID, n.Name }
	for _, lp := range v.Strengths(k, 3) {
		id, name := leafName(lp.Leaf)
		c := v.Cell(k, lp.Leaf)
		hs.Strengths = append(hs.Strengths, htmlPoints{ID: id, Name: name, Value: fmtNum(c.Value, 2), Best: fmtNum(g.Mean[lp.Leaf], 2), Weight: fmtNum(c.Weight, 4), Points: "+" + fmtNum(lp.Points, 2)})
	}
	for _, lp := range v.Shortfalls(k, 3) {
		id, name := leafName(lp.Leaf)
		c := v.Cell(k, lp.Leaf)
		hs.Weaknesses = append(hs.Weaknesses, htmlPoints{ID: id, Name: name, Value: fmtNum(c.Value, 2), Best: fmtNum(g.Best[lp.Leaf], 2), Weight: fmtNum(c.Weight, 4), Points: "−" + fmtNum(lp.Points, 2)})
	}
	for a, adj := range v.Adjustments {
		if a >= len(s.Adjustments) || !s.Adjustments[a].Applies {
			continue
		}
		ar := s.Adjustments[a]
		veto := ar.Held && adj.CapGrade != ""
		if ar.Points == 0 && !veto && !ar.Capped {
			continue // no effect on this subject
		}
		ha := htmlAdj{ID: adj.ID, Name: adj.Name, Rule: adjRule(adj, L, v.names(L)), Capped: ar.Capped, Points: "—"}
		if ar.Points != 0 {
			ha.Points = fmtSigned(ar.Points, 2)
		}
		if veto || ar.Capped {
			ha.Cap = adj.CapGrade
			if ha.Cap == "" {
				ha.Cap = L["veto"]
			}
		}
		hs.Adjustments = append(hs.Adjustments, ha)
	}
	hs.HasAdjustments = len(hs.Adjustments) > 0
	return hs
}

// adjRule describes an adjustment's definition in one line.
// Kinds show by their display names d.
func adjRule(a ViewAdjustment, L labels, d disp) string {
	if !a.DefinitionKnown {
		return L["definitionLost"]
	}
	when, points, sep := "when ", "points ", "; "
	if !d.en {
		when, points, sep = "条件 ", "分值 ", "；"
	}
	var parts []string
	if a.When != "" {
		parts = append(parts, when+strings.TrimSpace(a.When))
	}
	if a.Points != "" {
		pts := points + strings.TrimSpace(a.Points)
		if a.Min != nil || a.Max != nil {
			pts += " ∈ [" + bound(a.Min, "−∞") + ", " + bound(a.Max, "+∞") + "]"
		}
		parts = append(parts, pts)
	}
	if a.CapGrade != "" {
		parts = append(parts, L["capGrade"]+" "+a.CapGrade)
	}
	if len(a.AppliesTo) > 0 {
		parts = append(parts, L["appliesTo"]+": "+d.kinds(a.AppliesTo))
	}
	return strings.Join(parts, sep)
}

// gradeOrder returns the grade names best first: the set's grades when
// known, else the grades held, ordered by the best score holding each.
func (v *View) gradeOrder() []string {
	if v.Grades != nil {
		out := make([]string, len(v.Grades))
		for i, g := range v.Grades {
			out[i] = g.Name
		}
		return out
	}
	best := map[string]float64{}
	var out []string
	for k := range v.NumSubjects() {
		s := v.Subject(k)
		if !s.Rated {
			continue
		}
		x := s.Score
		if !v.Ranking.Desc {
			x = -x
		}
		b, ok := best[s.Grade]
		if !ok {
			out = append(out, s.Grade)
			best[s.Grade] = x
		} else if x > b {
			best[s.Grade] = x
		}
	}
	sortStable(out, func(a, b string) bool { return best[a] > best[b] })
	return out
}

func indexOf(xs []int, x int) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

func sortStable(xs []string, less func(a, b string) bool) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && less(xs[j], xs[j-1]); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
