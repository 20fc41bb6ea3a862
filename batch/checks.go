package batch

import (
	"fmt"
	"math"
	"sort"

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
	return ws
}

func hasValue(col []float64) bool {
	for _, v := range col {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}
