package batch

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/engine"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/workbook"
)

// LoadSubjects reads the subjects of a project alone (the file the set's
// `data:` names, else data/subjects.csv or --subjects), checked as Load
// checks them.
func LoadSubjects(files Files, set *indicators.Set) (*dataset.Dataset, error) {
	var in csvdata.Input
	if set != nil && set.Data != nil && set.Data.Subjects != nil && files.Dir != "" && !files.ByFlag.Subjects {
		p := filepath.Join(files.Dir, filepath.FromSlash(set.Data.Subjects.Path))
		in = csvdata.Input{Path: p, Name: p, Map: set.Data.Subjects}
	} else if files.Subjects != "" {
		in = csvdata.Input{Path: files.Subjects, Name: files.Subjects}
	} else {
		return nil, &MissingFilesError{Missing: []string{"the subjects (data/subjects.csv, data.subjects in the indicator set, or --subjects)"}}
	}
	return csvdata.LoadSubjects(in, LoadOptions(set))
}

// Providers returns the providers named by the set's collected metrics,
// sorted.
func Providers(set *indicators.Set) []string {
	var out []string
	for _, m := range set.Metrics {
		if m.Expr == nil && m.Provider != "" && !slices.Contains(out, m.Provider) {
			out = append(out, m.Provider)
		}
	}
	sort.Strings(out)
	return out
}

// Template builds the fill-in workbook of provider (SPEC §3.1): the
// collected metrics whose declaration has `provider: P` (every collected
// metric when provider is ""), and one row per subject that a leaf reading
// one of them applies to (a leaf reads a metric directly or through a
// derived metric whose expression names it). A set whose expressions do
// not compile against its declared metrics gets every subject.
func Template(set *indicators.Set, ds *dataset.Dataset, provider, period string) (workbook.Template, error) {
	t := workbook.Template{Provider: provider, Period: period}
	var names []string
	for _, m := range set.Metrics {
		if m.Expr != nil || (provider != "" && m.Provider != provider) {
			continue
		}
		names = append(names, m.Name)
		t.Metrics = append(t.Metrics, workbook.TemplateMetric{Name: m.Name, Title: m.Title, Unit: m.Unit, Min: m.Min, Max: m.Max})
	}
	if len(t.Metrics) == 0 {
		if provider == "" {
			return t, fmt.Errorf("the indicator set declares no collected metric (metrics: without expr)")
		}
		return t, fmt.Errorf("no metric has provider %q; the providers are %s", provider, strings.Join(quoteAll(Providers(set)), ", "))
	}
	applies := appliesTo(set, ds, names)
	for i := range ds.Subjects {
		s := &ds.Subjects[i]
		if applies == nil || applies(s.Kind) {
			t.Subjects = append(t.Subjects, workbook.TemplateSubject{ID: s.ID, Name: s.Name})
		}
	}
	return t, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// appliesTo returns whether some leaf reading one of metrics applies to a
// kind, or nil when that cannot be told (every subject then).
func appliesTo(set *indicators.Set, ds *dataset.Dataset, metrics []string) func(kind string) bool {
	var declared, items []string
	for _, m := range set.Metrics {
		declared = append(declared, m.Name)
	}
	for _, a := range set.Assessments {
		items = append(items, a.ID)
	}
	plan, err := engine.Compile(set, engine.Schema{Metrics: declared, Attrs: ds.AttrNames, Assess: items})
	if err != nil {
		return nil
	}
	want := map[string]bool{}
	for _, m := range metrics {
		want[m] = true
	}
	// A derived metric counts as reading the metrics its expression names.
	for _, m := range set.Metrics {
		if m.Expr == nil {
			continue
		}
		for _, x := range metrics {
			if regexp.MustCompile(`\b` + regexp.QuoteMeta(x) + `\b`).MatchString(m.Expr.Text) {
				want[m.Name] = true
			}
		}
	}
	var leaves []*indicators.Node
	for l, n := range set.Leaves {
		for _, in := range plan.Inputs(l) {
			if want[strings.TrimPrefix(in, "prev.")] {
				leaves = append(leaves, n)
				break
			}
		}
	}
	return func(kind string) bool {
		for _, n := range leaves {
			if n.Applies(kind) {
				return true
			}
		}
		return false
	}
}
