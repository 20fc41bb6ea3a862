package reports

import (
	"math"
	"strconv"
	"strings"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/indicators"
)

// htmlMethod is the methodology appendix of report.html, generated from the
// view's set definitions and statistics.
type htmlMethod struct {
	Tree        []htmlNode
	Bounds      []htmlBoundsGroup
	Scale       string
	MinCoverage string
	Ranking     string
	ClampTotal  bool
	Grades      []htmlGrade
	Adjustments []htmlAdjDef
	Metrics     []ViewMetric
	SetSHA      string
	DataSHA     string
	Engine      string
	// Reliability has one row per assessment item; Uncertainty describes
	// the uncertainty analysis ("" when it was not run).
	Reliability []htmlReliability
	Uncertainty string
}

// htmlReliability is one assessment item's reliability row.
type htmlReliability struct {
	ID, Name, Raters, Ratings, ICC1, Alpha, Reciprocity, Flagged string
}

// reliabilityRows describes each assessment item's reliability; flagged
// pairs are named by their subjects' names.
func reliabilityRows(v *View) []htmlReliability {
	names := make(map[string]string, v.NumSubjects())
	for k := range v.NumSubjects() {
		names[v.subjectID(k)] = v.Subject(k).Name
	}
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
	var out []htmlReliability
	for i := range v.Assess {
		it := &v.Assess[i]
		row := htmlReliability{ID: it.ID, Name: it.Name, Raters: strconv.Itoa(it.Raters), Ratings: strconv.Itoa(it.Ratings),
			ICC1: fmtNum(it.ICC1, 3), Alpha: fmtNum(it.Alpha, 3), Reciprocity: "—", Flagged: "—"}
		if it.Dyads > 0 {
			row.Reciprocity = fmtNum(it.Reciprocity, 3) + " (" + strconv.Itoa(it.Dyads) + ")"
		}
		var pairs []string
		for _, p := range it.Flagged {
			pairs = append(pairs, name(p[0])+" ↔ "+name(p[1]))
		}
		if len(pairs) > 0 {
			row.Flagged = strings.Join(pairs, "; ")
		}
		out = append(out, row)
	}
	return out
}

// uncertaintyRule describes the uncertainty analysis u in one sentence.
func uncertaintyRule(u *analysis.Uncertainty, L labels) string {
	if u == nil {
		return ""
	}
	d := FormatFloat(u.WeightNoise)
	s := L.f("uncertaintyRule", u.Replications, u.Seed, d, d)
	d2 := (&View{}).names(L) // method names only: no set names needed
	join := func(c i18n.Class, ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = d2.of(c, id)
		}
		if d2.en {
			return strings.Join(out, ", ")
		}
		return strings.Join(out, "、")
	}
	if len(u.Normalize) > 0 {
		s += L.f("uncAltNorm", join(i18n.Normalize, u.Normalize))
	}
	if len(u.Aggregate) > 0 {
		s += L.f("uncAltAgg", join(i18n.Aggregate, u.Aggregate))
	}
	if u.RaterBootstrap {
		s += L["uncBootstrap"]
	}
	return s + L["stop"]
}

type htmlNode struct {
	Indent                               string // CSS padding
	ID, Name, Description, Type, Formula string
	Direction, Normalize, Share, Nominal string
	AppliesTo, Missing                   string
	Leaf                                 bool
}

type htmlBoundsGroup struct {
	Label string
	Rows  []htmlBoundsRow
}

type htmlBoundsRow struct {
	ID, Name, Method, N, Missing, Min, Max, Mean, SD, Used, Winsor string
	Uninformative                                                  bool
}

type htmlGrade struct{ Name, Min, Quota string }

type htmlAdjDef struct{ ID, Name, Rule string }

func newHTMLMethod(v *View, L labels) htmlMethod {
	d := v.names(L)
	m := htmlMethod{
		Scale:       "[" + FormatFloat(v.Scale[0]) + ", " + FormatFloat(v.Scale[1]) + "]",
		MinCoverage: fmtPercent(v.MinCoverage),
		Ranking:     rankingRule(v, L),
		ClampTotal:  v.ClampTotal,
		Metrics:     v.Metrics,
		SetSHA:      v.Meta.SetSHA256,
		DataSHA:     v.Meta.DataSHA256,
		Engine:      v.Meta.EngineVersion,
		Reliability: reliabilityRows(v),
		Uncertainty: uncertaintyRule(v.UncertaintyAnalysis(), L),
	}
	for _, n := range v.Nodes {
		hn := htmlNode{
			Indent: strings.Repeat("　", n.Depth-1), ID: n.ID, Name: n.Name, Description: n.Description, Leaf: n.IsLeaf(),
			Share: fmtPercent(n.Share), Nominal: fmtPercent(n.Nominal), AppliesTo: L["all"], Missing: d.of(i18n.Missing, n.Missing),
		}
		if n.MissingBy != "" {
			if d.en {
				hn.Missing += " (by " + n.MissingBy + ")"
			} else {
				hn.Missing += "（按 " + n.MissingBy + " 分组）"
			}
		}
		if len(n.AppliesTo) > 0 {
			hn.AppliesTo = d.kinds(n.AppliesTo)
		}
		if n.IsLeaf() {
			hn.Type = L["leaf"]
			hn.Formula = strings.TrimSpace(n.Expr)
			hn.Direction = L[n.Direction]
			hn.Normalize = normDescription(n, d)
		} else {
			hn.Type = L["composite"]
			hn.Formula = d.of(i18n.Aggregate, n.Aggregate)
			hn.Missing = ""
			if n.Missing != "" && n.Missing != "exclude" {
				hn.Missing = d.of(i18n.Missing, n.Missing)
			}
		}
		if n.Round >= 0 {
			if d.en {
				hn.Formula += "; round " + itoa(n.Round)
			} else {
				hn.Formula += "；保留 " + itoa(n.Round) + " 位小数"
			}
		}
		m.Tree = append(m.Tree, hn)
	}
	for _, g := range v.Groups {
		bg := htmlBoundsGroup{Label: d.group(g.Label)}
		for l, st := range g.Leaves {
			if st.N+st.Missing == 0 {
				continue
			}
			n := &v.Nodes[v.Leaves[l]]
			row := htmlBoundsRow{
				ID: n.ID, Name: n.Name, Method: d.of(i18n.Normalize, n.Normalize), N: itoa(st.N), Missing: itoa(st.Missing),
				Min: fmtSig(st.Min), Max: fmtSig(st.Max), Mean: fmtSig(st.Mean), SD: fmtSig(st.SD),
				Uninformative: st.Uninformative,
			}
			switch n.Normalize {
			case "minmax":
				row.Used = "[" + fmtSig(st.NormMin) + ", " + fmtSig(st.NormMax) + "], n = " + itoa(st.NormN)
			case "zscore":
				if d.en {
					row.Used = "mean " + fmtSig(st.NormMean) + ", sd " + fmtSig(st.NormSD) + ", n = " + itoa(st.NormN)
				} else {
					row.Used = "均值 " + fmtSig(st.NormMean) + "，标准差 " + fmtSig(st.NormSD) + "，n = " + itoa(st.NormN)
				}
			case "goalpost":
				row.Used = "[" + FormatFloat(n.Low) + ", " + FormatFloat(n.High) + "]"
			case "rank":
				row.Used = "n = " + itoa(st.NormN)
			default:
				row.Used = "—"
			}
			if !math.IsNaN(st.WinsorLow) {
				row.Winsor = "[" + fmtSig(st.WinsorLow) + ", " + fmtSig(st.WinsorHigh) + "]"
			}
			bg.Rows = append(bg.Rows, row)
		}
		m.Bounds = append(m.Bounds, bg)
	}
	for _, g := range v.Grades {
		hg := htmlGrade{Name: g.Name, Min: "—", Quota: "—"}
		if g.Min != nil {
			hg.Min = "≥ " + FormatFloat(*g.Min)
		}
		if g.MaxShare != nil {
			hg.Quota = "≤ " + fmtPercent(*g.MaxShare)
		}
		m.Grades = append(m.Grades, hg)
	}
	for _, a := range v.Adjustments {
		m.Adjustments = append(m.Adjustments, htmlAdjDef{ID: a.ID, Name: a.Name, Rule: adjRule(a, L, d)})
	}
	return m
}

// normDescription summarises a leaf's pipeline after its expression:
// transform, winsorisation and normalisation with its parameters.
func normDescription(n ViewNode, d disp) string {
	var parts []string
	if n.Transform != "" {
		parts = append(parts, d.of(i18n.Transform, n.Transform))
	}
	if len(n.Winsorize) == 2 {
		parts = append(parts, d.of(i18n.Transform, "winsorize")+" q["+FormatFloat(n.Winsorize[0])+", "+FormatFloat(n.Winsorize[1])+"]")
	}
	norm := d.of(i18n.Normalize, n.Normalize)
	switch n.Normalize {
	case "goalpost":
		norm += " [" + FormatFloat(n.Low) + ", " + FormatFloat(n.High) + "]"
	case "zscore":
		norm += " (" + FormatFloat(n.Mean) + " + " + FormatFloat(n.SD) + "·z)"
	case "none":
		if n.Clip {
			norm += " (" + d.of(i18n.Normalize, "clip") + ")"
		}
	case "target":
		switch t := n.Target; {
		case t == nil:
		case t.Median:
			norm += " (" + d.of(i18n.Normalize, "median") + ")"
		case t.Low == t.High:
			norm += " (" + FormatFloat(t.Low) + ")"
		default:
			norm += " [" + FormatFloat(t.Low) + ", " + FormatFloat(t.High) + "]"
		}
	}
	if len(n.To) == 2 {
		norm += " → [" + FormatFloat(n.To[0]) + ", " + FormatFloat(n.To[1]) + "]"
	}
	parts = append(parts, norm)
	return strings.Join(parts, " → ")
}

func rankingRule(v *View, L labels) string {
	if L["lang"] != "en" {
		rule := "竞争排名（并列同名次，其后名次顺延：1, 2, 2, 4）"
		if v.Ranking.Method == indicators.Ordinal {
			rule = "顺序排名（并列按编号先后：1, 2, 3, 4）"
		}
		order := "得分从高到低"
		if !v.Ranking.Desc {
			order = "得分从低到高"
		}
		return rule + "，" + order + "，按 " + itoa(v.Ranking.Digits) + " 位小数比较"
	}
	order := "desc"
	if !v.Ranking.Desc {
		order = "asc"
	}
	return string(v.Ranking.Method) + ", " + order + ", digits " + itoa(v.Ranking.Digits)
}

func itoa(n int) string { return FormatFloat(float64(n)) }
