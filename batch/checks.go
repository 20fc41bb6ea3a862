package batch

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// unusedColumns warns about data metrics that no expression reads: usually
// a typo in a CSV header, which would otherwise leave the intended metric
// missing for every subject without a word (the did-you-mean names the
// closest metric the expressions read).
func (p *Project) unusedColumns() []diag.Warning {
	cur, prev := p.Plan.MetricsRead()
	read := map[string]bool{}
	for _, m := range append(cur, prev...) {
		read[m] = true
	}
	declared := map[string]bool{}
	for _, m := range p.Set.Metrics {
		declared[m.Name] = true
	}
	var names []string // read by expressions and not derived: what a typo may have meant
	for m := range read {
		if !p.isDerived(m) {
			names = append(names, m)
		}
	}
	sort.Strings(names)
	var ws []diag.Warning
	for _, m := range p.Data.Metrics() {
		if read[m] || declared[m] {
			continue
		}
		ws = append(ws, diag.Warning{
			Msg: fmt.Sprintf("metric %q in the data is read by no expression%s", m, diag.DidYouMean(m, names, nil))})
	}
	return ws
}

func (p *Project) isDerived(name string) bool {
	for _, m := range p.Set.Metrics {
		if m.Name == name {
			return m.Expr != nil
		}
	}
	return false
}

// PeriodWarnings warns about metrics the expressions read that have no value
// at all in the period they are read in: the batch period, or its
// predecessor for prev.<metric>.
func (p *Project) PeriodWarnings(per dataset.Period) []diag.Warning {
	cur, prev := p.Plan.MetricsRead()
	var ws []diag.Warning
	check := func(names []string, q dataset.Period, prefix string) {
		for _, m := range names {
			if p.isDerived(m) || hasValue(p.Data.Column(m, q)) {
				continue
			}
			ws = append(ws, diag.Warning{
				Msg: fmt.Sprintf("%s%s has no value for any subject in period %s: the expressions reading it are missing", prefix, m, q)})
		}
	}
	check(cur, per, "metric ")
	check(prev, per.Prev(), "prev.")
	if w, ok := p.subjectsWithoutData(per); ok {
		ws = append(ws, w)
	}
	return ws
}

// subjectsWithoutData reports the subjects that have no metric value at all
// in period per (a row missing from the data rather than a value missing
// from a row): they can only be unrated.
func (p *Project) subjectsWithoutData(per dataset.Period) (diag.Warning, bool) {
	has := make([]bool, p.Data.Len())
	for _, m := range p.Data.Metrics() {
		for i, v := range p.Data.Column(m, per) {
			has[i] = has[i] || !math.IsNaN(v)
		}
	}
	var ids []string
	for i, ok := range has {
		if !ok {
			ids = append(ids, p.Data.Subjects[i].ID)
		}
	}
	if len(ids) == 0 {
		return diag.Warning{}, false
	}
	more := ""
	if len(ids) > 10 {
		more = fmt.Sprintf(" and %d more", len(ids)-10)
		ids = ids[:10]
	}
	return diag.Warning{Msg: fmt.Sprintf("no metric value at all in period %s for %s%s: are their rows missing from the metrics files?", per, strings.Join(ids, ", "), more)}, true
}

func hasValue(col []float64) bool {
	for _, v := range col {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}
