package batch

import (
	"fmt"
	"math"
	"slices"
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
	return p.periodFacts(per).warnings(per)
}

// maxListed is how many subject ids a warning lists before "and N more".
const maxListed = 10

// periodFacts are what PeriodWarnings reads of the data: for each metric
// the expressions read (in PeriodWarnings' order), whether it has no value
// in its period, and the subjects with no metric value at all in the batch
// period (the first maxListed ids in id order, and their number). The
// facts of the peer groups' datasets merge into those of the whole data
// set (merge), so that a run by peer group warns as a whole run does.
type periodFacts struct {
	checks   []periodCheck
	without  []string // sorted
	nWithout int
}

// periodCheck is one metric read in period q: empty when no subject has a
// value for it there.
type periodCheck struct {
	prefix, metric string
	q              dataset.Period
	empty          bool
}

// periodFacts collects the facts of p's data for period per.
func (p *Project) periodFacts(per dataset.Period) periodFacts {
	cur, prev := p.Plan.MetricsRead()
	var f periodFacts
	check := func(names []string, q dataset.Period, prefix string) {
		for _, m := range names {
			if p.isDerived(m) {
				continue
			}
			f.checks = append(f.checks, periodCheck{prefix: prefix, metric: m, q: q, empty: !hasValue(p.Data.Column(m, q))})
		}
	}
	check(cur, per, "metric ")
	check(prev, per.Prev(), "prev.")
	has := make([]bool, p.Data.Len())
	for _, m := range p.Data.Metrics() {
		for i, v := range p.Data.Column(m, per) {
			has[i] = has[i] || !math.IsNaN(v)
		}
	}
	for i, ok := range has {
		if !ok {
			if len(f.without) < maxListed {
				f.without = append(f.without, p.Data.Subjects[i].ID)
			}
			f.nWithout++
		}
	}
	return f
}

// merge adds the facts of another part of the data (the same set, the same
// period, other subjects): a metric is empty when it is empty in both, and
// the subjects without data are those of both.
func (f *periodFacts) merge(o periodFacts) {
	if f.checks == nil {
		f.checks = slices.Clone(o.checks)
	} else {
		for i := range f.checks {
			f.checks[i].empty = f.checks[i].empty && o.checks[i].empty
		}
	}
	ids := append(slices.Clone(f.without), o.without...)
	slices.Sort(ids)
	f.without = ids[:min(len(ids), maxListed)]
	f.nWithout += o.nWithout
}

// warnings are the warnings of the facts: one per metric without a value
// in its period, one listing the subjects without data.
func (f periodFacts) warnings(per dataset.Period) []diag.Warning {
	var ws []diag.Warning
	for _, c := range f.checks {
		if c.empty {
			ws = append(ws, diag.Warning{
				Msg: fmt.Sprintf("%s%s has no value for any subject in period %s: the expressions reading it are missing", c.prefix, c.metric, c.q)})
		}
	}
	if f.nWithout == 0 {
		return ws
	}
	more := ""
	if f.nWithout > len(f.without) {
		more = fmt.Sprintf(" and %d more", f.nWithout-len(f.without))
	}
	return append(ws, diag.Warning{Msg: fmt.Sprintf("no metric value at all in period %s for %s%s: are their rows missing from the metrics files?", per, strings.Join(f.without, ", "), more)})
}

func hasValue(col []float64) bool {
	for _, v := range col {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}
