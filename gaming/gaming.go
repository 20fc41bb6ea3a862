// Package gaming looks for signs that collected data were gamed: a report
// for the evaluation office, never a change of any score (SPEC §5, §9;
// issue 15). Each check is a pure function of the period's inputs and
// every flag carries its evidence, so the office can judge it.
//
// The checks, with the default thresholds of Options:
//
//   - straight_lining: a rater (in one role, on one item) who gave the
//     same score to every subject rated, over at least MinRatings
//     subjects.
//   - identical_vectors: two or more raters of one item whose answer
//     vectors (the subjects rated and the score given to each) are
//     identical, over at least MinRatings subjects.
//   - reciprocity: a pair of subjects that rate each other, both well above
//     their own habit — the dyads flagged by assess.Combine (both
//     rater-centred ratings exceed 1.5 times the rater's sd; SPEC §5), with
//     both centred ratings as evidence.
//   - near_grade: a rated subject whose score is at or above a grade's min
//     by less than GradeMargin score points (scores compared as stored).
//   - near_veto: a value on the safe side of a veto threshold (an
//     adjustment with cap_grade whose `when` is a comparison of one metric
//     with a number, like `major_accidents > 0` or `rate >= 0.05`) by at
//     most VetoMargin of the threshold's magnitude. A threshold of 0 is not
//     checked: a count of zero is the expected value, not a sign of gaming.
//   - jump: a metric value that changed from the previous period by a
//     relative change r = (x − prev)/|prev| with |r| ≥ Jump, where the
//     subject also moved at least Jump away from the median change of the
//     metric over the subjects with both values (a rise that every subject
//     shares is not a jump of one) and, when at least 5 subjects have both
//     values, by at least 3 robust standard deviations of the changes
//     (1.4826 × their median absolute deviation): an outlier among its
//     peers, not one of many noisy small counts. prev = 0 is skipped (no
//     relative change).
//
// Flags are sorted by check, then subject, item, metric and rater, so the
// same inputs give the same report.
package gaming

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/diag"
)

// Check names.
const (
	StraightLining   = "straight_lining"
	IdenticalVectors = "identical_vectors"
	Reciprocity      = "reciprocity"
	NearGrade        = "near_grade"
	NearVeto         = "near_veto"
	Jump             = "jump"
)

// Checks lists every check in report order.
var Checks = []string{StraightLining, IdenticalVectors, Reciprocity, NearGrade, NearVeto, Jump}

// Options are the thresholds of the checks; a zero field takes its
// default.
type Options struct {
	// MinRatings is the fewest ratings a rater's answers must hold for the
	// straight-lining and identical-vector checks (default 3).
	MinRatings int `json:"min_ratings"`
	// GradeMargin is how far above a grade's min, in score points, a
	// score is "just above" (default 1).
	GradeMargin float64 `json:"grade_margin"`
	// VetoMargin is how close to a veto threshold, as a share of the
	// threshold's magnitude, a value is "just on the safe side" (default
	// 0.05).
	VetoMargin float64 `json:"veto_margin"`
	// Jump is the relative change from the previous period that counts as
	// a jump (default 0.5, i.e. 50%).
	Jump float64 `json:"jump"`
}

// DefaultOptions are the thresholds a zero Options field takes: 3
// ratings, 1 point, 5% and 50%.
func DefaultOptions() Options {
	return Options{MinRatings: 3, GradeMargin: 1, VetoMargin: 0.05, Jump: 0.5}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MinRatings <= 0 {
		o.MinRatings = d.MinRatings
	}
	if o.GradeMargin <= 0 {
		o.GradeMargin = d.GradeMargin
	}
	if o.VetoMargin <= 0 {
		o.VetoMargin = d.VetoMargin
	}
	if o.Jump <= 0 {
		o.Jump = d.Jump
	}
	return o
}

// Score is a subject's result in the batch checked.
type Score struct {
	Subject string
	Rated   bool
	Score   float64
	Grade   string
}

// GradeMin is a grade and its min score (the last grade, without a min,
// is left out).
type GradeMin struct {
	Name string
	Min  float64
}

// Veto is a veto adjustment whose condition compares one metric with a
// number: Metric Op Threshold (Op one of >, >=, <, <=). Subjects lists the
// subjects it applies to (nil: all).
type Veto struct {
	ID, Metric, Op string
	Threshold      float64
	Subjects       []string
}

// vetoCond matches a veto condition the near_veto check understands.
var vetoCond = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|>|<=|<)\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$`)

// ParseVeto reads a veto condition of the form `metric OP number`; ok is
// false for any other expression (which near_veto does not check).
func ParseVeto(id, when string) (Veto, bool) {
	m := vetoCond.FindStringSubmatch(when)
	if m == nil {
		return Veto{}, false
	}
	x, err := strconv.ParseFloat(m[3], 64)
	if err != nil {
		return Veto{}, false
	}
	return Veto{ID: id, Metric: m[1], Op: m[2], Threshold: x}, true
}

// Value is one subject's value of a metric in the period and in the
// previous one (NaN: missing).
type Value struct {
	Subject, Metric string
	Value, Prev     float64
}

// Input is what the checks read: the period's ratings, the reciprocity
// analysis of assess.Combine (per item), the batch's scores, its grades and
// vetoes, and the metric values of the period and the previous one.
type Input struct {
	Period      string
	Ratings     []assess.Rating
	Reciprocity map[string]assess.Reciprocity // item id → its analysis
	Scores      []Score
	Grades      []GradeMin
	Vetoes      []Veto
	Values      []Value
}

// Flag is one finding with its evidence.
type Flag struct {
	Check    string         `json:"check"`
	Subject  string         `json:"subject,omitempty"`
	Item     string         `json:"item,omitempty"`
	Metric   string         `json:"metric,omitempty"`
	Rater    string         `json:"rater,omitempty"`
	Message  string         `json:"message"`
	Evidence map[string]any `json:"evidence"`
	// Text is the English format and arguments Message was made of: a
	// display in another language translates its format (the key of the
	// i18n catalogue) and formats the arguments with it.
	Text diag.Text `json:"-"`
}

// said sets the flag's message to format with args, keeping both.
func (f Flag) said(format string, args ...any) Flag {
	f.Text = diag.Textf(format, args...)
	f.Message = f.Text.String()
	return f
}

// Report is the outcome of Run: the flags, and how many were raised by
// each check (every check present, 0 included).
type Report struct {
	Period  string         `json:"period"`
	Options Options        `json:"options"`
	Counts  map[string]int `json:"counts"`
	Flags   []Flag         `json:"flags"`
}

// Run applies every check to in.
func Run(in Input, opt Options) *Report {
	opt = opt.withDefaults()
	var flags []Flag
	flags = append(flags, straightLining(in.Ratings, opt)...)
	flags = append(flags, identicalVectors(in.Ratings, opt)...)
	flags = append(flags, reciprocity(in.Reciprocity)...)
	flags = append(flags, nearGrade(in.Scores, in.Grades, opt)...)
	flags = append(flags, nearVeto(in.Values, in.Vetoes, opt)...)
	flags = append(flags, jumps(in.Values, opt)...)
	order := map[string]int{}
	for i, c := range Checks {
		order[c] = i
	}
	sort.SliceStable(flags, func(i, j int) bool {
		a, b := flags[i], flags[j]
		if a.Check != b.Check {
			return order[a.Check] < order[b.Check]
		}
		for _, p := range [][2]string{{a.Subject, b.Subject}, {a.Item, b.Item}, {a.Metric, b.Metric}, {a.Rater, b.Rater}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		return false
	})
	rep := &Report{Period: in.Period, Options: opt, Counts: map[string]int{}, Flags: flags}
	if rep.Flags == nil {
		rep.Flags = []Flag{}
	}
	for _, c := range Checks {
		rep.Counts[c] = 0
	}
	for _, f := range flags {
		rep.Counts[f.Check]++
	}
	return rep
}

// answers groups ratings by (item, rater): each rater's answer vector on
// an item, sorted by subject. Role is the rater's role (the first seen).
type answers struct {
	item, rater, role string
	subjects          []string
	scores            []float64
}

func answerVectors(ratings []assess.Rating) []*answers {
	by := map[[2]string]*answers{}
	var out []*answers
	for _, r := range ratings {
		k := [2]string{r.Item, r.Rater}
		a, ok := by[k]
		if !ok {
			a = &answers{item: r.Item, rater: r.Rater, role: r.Role}
			by[k] = a
			out = append(out, a)
		}
		a.subjects = append(a.subjects, r.Subject)
		a.scores = append(a.scores, r.Score)
	}
	for _, a := range out {
		idx := make([]int, len(a.subjects))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(i, j int) bool { return a.subjects[idx[i]] < a.subjects[idx[j]] })
		s, x := make([]string, len(idx)), make([]float64, len(idx))
		for i, k := range idx {
			s[i], x[i] = a.subjects[k], a.scores[k]
		}
		a.subjects, a.scores = s, x
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].item != out[j].item {
			return out[i].item < out[j].item
		}
		return out[i].rater < out[j].rater
	})
	return out
}

// straightLining flags raters who gave one score to every subject.
func straightLining(ratings []assess.Rating, opt Options) []Flag {
	var out []Flag
	for _, a := range answerVectors(ratings) {
		if len(a.scores) < opt.MinRatings {
			continue
		}
		same := true
		for _, x := range a.scores[1:] {
			if x != a.scores[0] {
				same = false
				break
			}
		}
		if !same {
			continue
		}
		out = append(out, Flag{Check: StraightLining, Item: a.item, Rater: a.rater,
			Evidence: map[string]any{"role": a.role, "ratings": len(a.scores), "score": a.scores[0], "subjects": a.subjects}}.said("rater %s gave every one of the %d subjects it rated on %s the same score %s", a.rater, len(a.scores), a.item, num(a.scores[0])))
	}
	return out
}

// identicalVectors flags groups of raters with the same answers.
func identicalVectors(ratings []assess.Rating, opt Options) []Flag {
	groups := map[string][]*answers{}
	var keys []string
	for _, a := range answerVectors(ratings) {
		if len(a.scores) < opt.MinRatings {
			continue
		}
		var b strings.Builder
		b.WriteString(a.item)
		for i := range a.subjects {
			fmt.Fprintf(&b, "\x00%s\x00%x", a.subjects[i], math.Float64bits(a.scores[i]))
		}
		k := b.String()
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], a)
	}
	var out []Flag
	for _, k := range keys {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		raters := make([]string, len(g))
		for i, a := range g {
			raters[i] = a.rater
		}
		slices.Sort(raters)
		vec := map[string]float64{}
		for i, s := range g[0].subjects {
			vec[s] = g[0].scores[i]
		}
		out = append(out, Flag{Check: IdenticalVectors, Item: g[0].item, Rater: raters[0],
			Evidence: map[string]any{"raters": raters, "answers": vec}}.said("%d raters of %s gave identical answers to the same %d subjects: %s", len(raters), g[0].item, len(g[0].subjects), strings.Join(raters, ", ")))
	}
	return out
}

// reciprocity turns assess's flagged dyads into flags, one per pair.
func reciprocity(by map[string]assess.Reciprocity) []Flag {
	items := make([]string, 0, len(by))
	for k := range by {
		items = append(items, k)
	}
	slices.Sort(items)
	var out []Flag
	for _, item := range items {
		rc := by[item]
		for _, p := range rc.Flagged {
			ev := map[string]any{"pair": []string{p.A, p.B}, "a_rates_b_centred": p.AB, "b_rates_a_centred": p.BA, "dyads": rc.Dyads}
			if !math.IsNaN(rc.R) {
				ev["item_reciprocity_r"] = rc.R
			}
			out = append(out, Flag{Check: Reciprocity, Subject: p.A, Item: item,
				Evidence: ev}.said("%s and %s rate each other on %s far above their own habit (%s and %s points above their means, each more than 1.5 sd)",
				p.A, p.B, item, num(p.AB), num(p.BA)))
		}
	}
	return out
}

// nearGrade flags scores just above a grade's min.
func nearGrade(scores []Score, grades []GradeMin, opt Options) []Flag {
	var out []Flag
	for _, s := range scores {
		if !s.Rated || math.IsNaN(s.Score) {
			continue
		}
		for _, g := range grades {
			d := s.Score - g.Min
			if d >= 0 && d < opt.GradeMargin {
				out = append(out, Flag{Check: NearGrade, Subject: s.Subject,
					Evidence: map[string]any{"score": s.Score, "grade": s.Grade, "threshold_grade": g.Name, "threshold": g.Min, "above_by": d, "margin": opt.GradeMargin}}.said("%s scores %s, %s above the min %s of grade %s", s.Subject, num(s.Score), num(d), num(g.Min), g.Name))
				break
			}
		}
	}
	return out
}

// nearVeto flags values just on the safe side of a veto threshold.
func nearVeto(values []Value, vetoes []Veto, opt Options) []Flag {
	var out []Flag
	for _, v := range vetoes {
		if v.Threshold == 0 {
			continue
		}
		margin := opt.VetoMargin * math.Abs(v.Threshold)
		for _, x := range values {
			if x.Metric != v.Metric || math.IsNaN(x.Value) || (v.Subjects != nil && !slices.Contains(v.Subjects, x.Subject)) {
				continue
			}
			var safe bool
			var d float64
			switch v.Op {
			case ">":
				safe, d = x.Value <= v.Threshold, v.Threshold-x.Value
			case ">=":
				safe, d = x.Value < v.Threshold, v.Threshold-x.Value
			case "<":
				safe, d = x.Value >= v.Threshold, x.Value-v.Threshold
			case "<=":
				safe, d = x.Value > v.Threshold, x.Value-v.Threshold
			}
			if !safe || d > margin {
				continue
			}
			out = append(out, Flag{Check: NearVeto, Subject: x.Subject, Metric: x.Metric,
				Evidence: map[string]any{"value": x.Value, "veto": v.ID, "condition": v.Metric + " " + v.Op + " " + num(v.Threshold), "distance": d, "margin": margin}}.said("%s's %s = %s escapes the veto %s (%s %s %s) by %s", x.Subject, x.Metric, num(x.Value), v.ID, v.Metric, v.Op, num(v.Threshold), num(d)))
		}
	}
	return out
}

// jumps flags values that moved far from the previous period, and far
// from the metric's median move.
func jumps(values []Value, opt Options) []Flag {
	type ch struct {
		v Value
		r float64
	}
	by := map[string][]ch{}
	var metrics []string
	for _, v := range values {
		if math.IsNaN(v.Value) || math.IsNaN(v.Prev) || v.Prev == 0 {
			continue
		}
		if _, ok := by[v.Metric]; !ok {
			metrics = append(metrics, v.Metric)
		}
		by[v.Metric] = append(by[v.Metric], ch{v, (v.Value - v.Prev) / math.Abs(v.Prev)})
	}
	slices.Sort(metrics)
	var out []Flag
	for _, m := range metrics {
		cs := by[m]
		rs := make([]float64, len(cs))
		for i, c := range cs {
			rs[i] = c.r
		}
		med := median(rs)
		spread := 0.0
		if len(rs) >= 5 {
			dev := make([]float64, len(rs))
			for i, r := range rs {
				dev[i] = math.Abs(r - med)
			}
			spread = 3 * 1.4826 * median(dev)
		}
		for _, c := range cs {
			if math.Abs(c.r) < opt.Jump || math.Abs(c.r-med) < max(opt.Jump, spread) {
				continue
			}
			out = append(out, Flag{Check: Jump, Subject: c.v.Subject, Metric: m,
				Evidence: map[string]any{"previous": c.v.Prev, "value": c.v.Value, "change": c.r, "median_change": med, "subjects_compared": len(cs), "threshold": max(opt.Jump, spread)}}.said("%s's %s went from %s to %s (%+.0f%%; the median change of %s is %+.0f%%)", c.v.Subject, m, num(c.v.Prev), num(c.v.Value), 100*c.r, m, 100*med))
		}
	}
	return out
}

// median is the median of xs (the mean of the two middle values for an
// even count); xs is not modified.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// num formats a number for a message: the shortest form, at most 6
// significant digits.
func num(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
