package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/engine"
	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// WriteExplain writes how subject si's score was built, as text a subject
// who appeals can follow: the subject's group, coverage and status; every
// node's value, normalised weight at its parent, effective weight and
// contribution; every leaf's expression with its input values, raw value,
// imputation, transform and winsorisation, normalisation method and the
// bounds it used, normalised value; the adjustments; the grade reasoning.
//
// The text is in English; WriteExplainLang writes it in another language.
func WriteExplain(w io.Writer, b *batch.Batch, si int) error {
	return WriteExplainLang(w, b, si, i18n.En)
}

// WriteExplainLang is WriteExplain in lang: its texts, and the display
// names of kinds, peer groups, methods, statuses and grade reasons (the
// ids, expressions and numbers stay as they are).
func WriteExplainLang(w io.Writer, b *batch.Batch, si int, lang i18n.Lang) error {
	e := &explainer{b: b, si: si, r: &b.Result.Subjects[si], lang: lang, names: SetNamer(b.Project.Set, lang)}
	e.header()
	e.node(b.Project.Set.Root, 0)
	e.adjustments()
	e.grade()
	_, err := io.WriteString(w, e.sb.String())
	return err
}

type explainer struct {
	b     *batch.Batch
	si    int
	r     *scoring.SubjectResult
	sb    strings.Builder
	lang  i18n.Lang
	names i18n.Namer
}

// printf writes format, translated, with args.
func (e *explainer) printf(format string, args ...any) { e.sb.WriteString(e.trf(format, args...)) }

// trf formats format, translated, with args; the "missing" of num and
// fixed is translated too.
func (e *explainer) trf(format string, args ...any) string {
	if e.lang != i18n.En {
		for i, a := range args {
			if a == "missing" {
				args[i] = i18n.Name(e.lang, i18n.Status, "missing")
			}
		}
	}
	return fmt.Sprintf(i18n.T(e.lang, format), args...)
}

// name is the display name of id in class c, in English the id itself.
func (e *explainer) name(c i18n.Class, id string) string {
	if e.lang == i18n.En || id == "" {
		return id
	}
	return e.names.Name(c, id)
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "missing"
	}
	return FormatFloat(x)
}

// fixed formats x with 4 decimals for aligned reading, or "missing".
func fixed(x float64) string {
	if math.IsNaN(x) {
		return "missing"
	}
	return fmt.Sprintf("%.4f", x)
}

func (e *explainer) group() *scoring.Group {
	for i := range e.b.Result.Groups {
		if e.b.Result.Groups[i].Label == e.r.Group {
			return &e.b.Result.Groups[i]
		}
	}
	return nil
}

func (e *explainer) header() {
	s := &e.b.Project.Data.Subjects[e.si]
	set := e.b.Project.Set
	e.printf("Subject %s — %s (%s)\n", s.ID, s.Name, e.name(i18n.Kind, s.Kind))
	g := e.group()
	if g != nil {
		label := g.Label
		if e.lang != i18n.En {
			label = e.names.Group(label)
		}
		e.printf("Peer group: %s (%d subjects, %d rated)\n", label, len(g.Members), g.NRated)
	}
	e.printf("Period: %s (previous: %s)   Indicator set: %s version %s\n", e.b.Meta.Period, e.b.Meta.PrevPeriod, set.ID, set.Version)
	applicable, present := 0, 0
	for l, leaf := range set.Leaves {
		c := e.b.Result.Cells[l].At(e.si)
		if !c.Applies {
			continue
		}
		applicable++
		if !math.IsNaN(c.Raw) {
			present++
		}
		_ = leaf
	}
	e.printf("Coverage: %s (%d of %d applicable indicators have a raw value; min_coverage %s)\n",
		num(e.r.Coverage), present, applicable, num(set.MinCoverage))
	if !e.r.Rated {
		e.printf("Status: UNRATED — no score, rank or grade")
		switch {
		case e.r.Unrated == scoring.UnratedRatedWhen:
			e.printf(" (rated_when is false or missing for it)\n")
		case applicable == 0:
			e.printf(" (no indicator applies to kind %q)\n", s.Kind)
		case e.r.Coverage < set.MinCoverage:
			e.printf(" (coverage below min_coverage)\n")
		default:
			e.printf(" (the aggregate score is missing)\n")
		}
	} else {
		adj := e.r.Score - e.r.RootValue
		e.printf("Score: %s = aggregate %s + adjustments %s\n", num(e.r.Score), num(e.r.RootValue), num(adj))
		n := 0
		if g != nil {
			n = g.NRated
		}
		e.printf("Rank: %d of %d", e.r.Rank, n)
		if len(set.Grades) > 0 {
			e.printf("   Grade: %s", e.r.Grade)
		}
		e.printf("\n")
	}
	e.printf("\nTree (value, normalised weight at parent, effective weight, contribution = effective weight × value)\n")
	if e.nonAdditive() {
		e.printf("Note: the tree has geometric, TOPSIS or GRA aggregates; below such a node the contributions\n" +
			"do not add up to its value (a geometric mean is exp(Σ wᵢ ln vᵢ)): read them as each part's weight.\n")
	}
}

func (e *explainer) node(n *indicators.Node, depth int) {
	ind := strings.Repeat("  ", depth)
	if n.Parent == nil {
		e.printf("%sscore aggregate (%s) = %s\n", ind, e.name(i18n.Aggregate, aggName(n)), num(e.r.RootValue))
		for _, c := range n.Children {
			e.node(c, depth+1)
		}
		return
	}
	if n.IsLeaf() {
		e.leaf(n, depth)
		return
	}
	if !n.Applies(e.b.Project.Data.Subjects[e.si].Kind) {
		e.printf("%s%s %s: does not apply to this kind\n", ind, n.ID, n.Name)
		return
	}
	if !e.b.Result.Applies(n.Index, e.si) {
		e.printf("%s%s %s: does not apply to this subject (applies_when)\n", ind, n.ID, n.Name)
		return
	}
	v := e.r.Nodes[n.Index]
	eff := e.b.Result.Effective(e.si, n.Index)
	e.printf("%s%s %s [%s] = %s   weight %s (nominal %s)   effective %s   contribution %s",
		ind, n.ID, n.Name, e.name(i18n.Aggregate, aggName(n)), num(v), fixed(e.r.NodeWeights[n.Index]), num(n.Weight), fixed(eff), fixed(eff*v))
	if e.r.NodeImputed[n.Index] {
		e.printf("   (imputed by missing: %s)", e.name(i18n.Missing, string(n.Missing.Policy)))
	}
	if n.Round >= 0 {
		e.printf("   (rounded to %d digits)", n.Round)
	}
	e.printf("\n")
	for _, c := range n.Children {
		e.node(c, depth+1)
	}
}

// nonAdditive reports whether any composite (or the root) aggregates other
// than arithmetically, so that contributions are not additive.
func (e *explainer) nonAdditive() bool {
	set := e.b.Project.Set
	for _, n := range append([]*indicators.Node{set.Root}, set.Nodes...) {
		if !n.IsLeaf() && n.Aggregate != "" && n.Aggregate != indicators.Arithmetic {
			return true
		}
	}
	return false
}

func aggName(n *indicators.Node) string {
	if n.Aggregate == "" {
		return string(indicators.Arithmetic)
	}
	return string(n.Aggregate)
}

func (e *explainer) leaf(n *indicators.Node, depth int) {
	ind := strings.Repeat("  ", depth)
	c := e.b.Result.Cells[n.LeafIndex].At(e.si)
	if !c.Applies {
		e.printf("%s%s %s: does not apply to this kind\n", ind, n.ID, n.Name)
		return
	}
	e.printf("%s%s %s = %s   [%s]   weight %s   contribution %s\n", ind, n.ID, n.Name, num(c.Value), e.name(i18n.Status, string(c.Status)), fixed(c.Weight), fixed(c.Weight*nanZero(c.Value)))
	in := ind + "    "
	e.printf("%sexpr: %s\n", in, strings.TrimSpace(n.Expr.Text))
	if inputs := e.b.Project.Plan.Trace(e.b.Project.Data, e.b.Values, e.si, n.LeafIndex); len(inputs) > 0 {
		e.printf("%sinputs: %s\n", in, inputList(inputs))
		for _, x := range inputs {
			if item, ok := strings.CutPrefix(x.Name, "assess."); ok && e.b.Assess != nil {
				if it := e.b.Assess.Item(item); it != nil {
					e.sb.WriteString(e.roleBreakdown(it, in))
				}
			}
		}
	}
	e.printf("%sraw: %s", in, num(c.Raw))
	if math.IsNaN(c.Raw) {
		switch {
		case n.Missing.Policy == indicators.Zero:
			e.printf(" → missing: zero → value = scale minimum")
		case n.Missing.Imputes() && !math.IsNaN(c.Imputed):
			by := ""
			if n.Missing.By != "" {
				by = e.trf(" of subjects with the same %s", n.Missing.By)
			}
			e.printf(" → imputed (%s%s) = %s", e.name(i18n.Missing, string(n.Missing.Policy)), by, num(c.Imputed))
		case n.Missing.Imputes():
			e.printf(" → no value to impute from: excluded")
		default:
			e.printf(" → missing: excluded, siblings reweighted")
		}
	}
	if n.Transform != "" {
		e.printf(" → %s", e.name(i18n.Transform, string(n.Transform)))
	}
	if n.Winsorize != nil {
		e.printf(" → winsorised")
	}
	if n.Transform != "" || n.Winsorize != nil {
		e.printf(" = %s", num(c.Treated))
	}
	e.printf("\n")
	if e.lang == i18n.En {
		e.printf("%snormalise: %s, %s is better%s\n", in, n.Normalize.Method, n.Direction, e.bounds(n))
	} else {
		e.printf("%snormalise: %s, %s%s\n", in, e.name(i18n.Normalize, string(n.Normalize.Method)), e.name(i18n.Direction, n.Direction.String()), e.bounds(n))
	}
}

// transformed applies a leaf transform to a goalpost (SPEC §4.4 step 3: the
// transform is applied to L and H too; indicators.Transform.Apply).
func transformed(t indicators.Transform, x float64) float64 { return t.Apply(x) }

func nanZero(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// bounds describes the normalisation bounds the leaf used in the subject's
// group.
func (e *explainer) bounds(n *indicators.Node) string {
	g := e.group()
	if g == nil || n.LeafIndex >= len(g.Leaves) {
		return ""
	}
	st := g.Leaves[n.LeafIndex]
	var s string
	if st.Uninformative {
		return e.trf("; UNINFORMATIVE in this group (all values equal or fewer than 2): excluded for every subject")
	}
	switch n.Normalize.Method {
	case indicators.MinMax:
		s = e.trf("; group min %s, max %s (n = %d)", num(st.NormMin), num(st.NormMax), st.NormN)
	case indicators.ZScore:
		s = e.trf("; group mean %s, sd %s (n = %d) → %s + %s·z", num(st.NormMean), num(st.NormSD), st.NormN, num(n.Normalize.Mean), num(n.Normalize.SD))
	case indicators.Goalpost:
		s = e.trf("; goalposts low %s, high %s", num(n.Normalize.Low), num(n.Normalize.High))
		if n.Transform != "" {
			lo, hi := transformed(n.Transform, n.Normalize.Low), transformed(n.Transform, n.Normalize.High)
			s += e.trf(" (after %s: %s, %s)", e.name(i18n.Transform, string(n.Transform)), num(lo), num(hi))
		}
	case indicators.Rank:
		s = e.trf("; fractional rank among n = %d", st.NormN)
	case indicators.NormNone:
		if n.Normalize.Clip {
			s = e.trf("; clipped to the scale")
		}
	case indicators.Target:
		if n.Normalize.TargetMedian {
			s = e.trf("; best at the group median (n = %d)", st.NormN)
		} else {
			s = e.trf("; best in [%s, %s]", num(n.Normalize.TargetLow), num(n.Normalize.TargetHigh))
		}
	}
	if to := n.Normalize.To; to != nil {
		s += e.trf("; on [%s, %s]", num(to[0]), num(to[1]))
	}
	if !math.IsNaN(st.WinsorLow) {
		s += e.trf("; winsorised to [%s, %s]", num(st.WinsorLow), num(st.WinsorHigh))
	}
	return s
}

func (e *explainer) adjustments() {
	set := e.b.Project.Set
	if len(set.Adjustments) == 0 {
		return
	}
	kind := e.b.Project.Data.Subjects[e.si].Kind
	e.printf("\nAdjustments\n")
	for a, adj := range set.Adjustments {
		if !adj.Applies(kind) {
			e.printf("  %s %s: does not apply to this kind\n", adj.ID, adj.Name)
			continue
		}
		e.printf("  %s %s:", adj.ID, adj.Name)
		held := true
		if adj.When != nil {
			w := adjValue(e.b.Values.When, a, e.si)
			switch {
			case math.IsNaN(w):
				held = false
				e.printf(" when %s is missing (counts as false)", strings.TrimSpace(adj.When.Text))
			case w != 0:
				e.printf(" when %s holds", strings.TrimSpace(adj.When.Text))
			default:
				held = false
				e.printf(" when %s does not hold", strings.TrimSpace(adj.When.Text))
			}
		}
		if adj.Points != nil && held {
			if adj.When != nil {
				e.printf(";")
			}
			raw := adjValue(e.b.Values.Points, a, e.si)
			e.printf(" points %s", strings.TrimSpace(adj.Points.Text))
			switch {
			case math.IsNaN(raw):
				e.printf(" is missing (counts 0)")
			case adj.Min != nil && raw < *adj.Min:
				e.printf(" = %s, raised to the minimum %s", num(raw), num(*adj.Min))
			case adj.Max != nil && raw > *adj.Max:
				e.printf(" = %s, lowered to the maximum %s", num(raw), num(*adj.Max))
			default:
				e.printf(" = %s", num(raw))
			}
		}
		if adj.CapGrade != "" && held {
			e.printf("; VETO: grade capped at %s", adj.CapGrade)
		}
		if !e.r.Rated {
			e.printf(" — not applied: the subject is unrated")
		}
		e.printf("\n")
		if ins := e.b.Project.Plan.TraceAdjustment(e.b.Project.Data, e.b.Values, e.si, a); len(ins) > 0 {
			e.printf("      inputs: %s\n", inputList(ins))
		}
	}
}

// adjValue returns cols[a][si], NaN when the adjustment has no such column.
func adjValue(cols [][]float64, a, si int) float64 {
	if a >= len(cols) || cols[a] == nil {
		return math.NaN()
	}
	return cols[a][si]
}

func (e *explainer) grade() {
	if !e.r.Rated || len(e.b.Project.Set.Grades) == 0 {
		return
	}
	e.printf("\nGrade: %s\n  %s\n", e.r.Grade, i18n.GradeReason(e.lang, e.r.GradeReason))
}

// inputList formats expression inputs as "name = value, …".
func inputList(inputs []engine.Input) string {
	parts := make([]string, len(inputs))
	for i, x := range inputs {
		v := num(x.Value)
		if x.IsText {
			v = strconv.Quote(x.Text)
		}
		parts[i] = x.Name + " = " + v
	}
	return strings.Join(parts, ", ")
}

// bound formats an optional limit, or inf when there is none.
func bound(p *float64, inf string) string {
	if p == nil {
		return inf
	}
	return num(*p)
}

// SetNamer returns the display names of set (its `kinds:` and `roles:`
// names over the built-in ones) in lang.
func SetNamer(set *indicators.Set, lang i18n.Lang) i18n.Namer {
	n := i18n.Namer{Lang: lang}
	if set != nil {
		n.Kinds, n.Roles = set.KindNames, set.RoleNames
	}
	return n
}
