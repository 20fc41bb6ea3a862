// Package expect runs an evaluator's own expectations for an indicator set:
// the tests.yaml of a project (like `promtool test rules` for alerting
// rules). Each case scores the project's data, or inline data, for a period
// and compares subjects' statuses, scores, ranks, grades, veto flags,
// composite node values, normalised indicator values and raw values with
// the expected ones, within a tolerance.
//
// The file format:
//
//	tolerance: 0.01            # default absolute tolerance (default 1e-9)
//	tests:
//	  - name: 2024 bundled data
//	    period: "2024"         # optional: default as for `govscore run`
//	    data:                  # optional inline CSV replacing the project's files
//	      subjects: |
//	        id,name,kind
//	        a,A,dept
//	      metrics: |
//	        subject,period,metric,value
//	        a,2024,x,1
//	    expect:
//	      - subject: a
//	        status: rated      # rated | unrated
//	        score: 83.2
//	        rank: 1
//	        grade: 优秀
//	        vetoed: false
//	        nodes: {rule_of_law: 80.5}       # composite node values
//	        indicators: {dispute_rate: 92.1} # normalised leaf values
//	        raw: {dispute_rate: 0.95}        # raw expression values
//	        tolerance: 0.001                 # optional override
//
// In nodes, indicators and raw, an expected value may be null to expect a
// missing value; an unrated subject is expected with `status: unrated`.
package expect

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
)

// Suite is a parsed tests.yaml.
type Suite struct {
	File      string
	Tolerance *float64 `yaml:"tolerance"`
	Tests     []Case   `yaml:"tests"`
}

// Case is one test case.
type Case struct {
	Name   string        `yaml:"name"`
	Period string        `yaml:"period"`
	Data   *InlineData   `yaml:"data"`
	Expect []Expectation `yaml:"expect"`
	Pos    diag.Pos      `yaml:"-"`
}

// InlineData replaces the project's subjects and/or metrics for a case.
type InlineData struct {
	Subjects string `yaml:"subjects"`
	Metrics  string `yaml:"metrics"`
}

// Expectation is what one subject must look like. Nil fields are not
// checked.
type Expectation struct {
	Subject    string             `yaml:"subject"`
	Status     *string            `yaml:"status"`
	Score      *Number            `yaml:"score"`
	Rank       *int               `yaml:"rank"`
	Grade      *string            `yaml:"grade"`
	Vetoed     *bool              `yaml:"vetoed"`
	Nodes      map[string]*Number `yaml:"nodes"`
	Indicators map[string]*Number `yaml:"indicators"`
	Raw        map[string]*Number `yaml:"raw"`
	Tolerance  *float64           `yaml:"tolerance"`
	Pos        diag.Pos           `yaml:"-"`
}

// Number is an expected number; null in the YAML means "missing".
type Number struct {
	Value   float64
	Missing bool
}

// UnmarshalYAML reads a number or null.
func (n *Number) UnmarshalYAML(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "~" || s == "" {
		n.Missing = true
		return nil
	}
	var v float64
	if err := yaml.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("want a number or null, got %s", s)
	}
	n.Value = v
	return nil
}

// ParseFile reads a tests.yaml strictly (unknown keys are errors) and records
// the position of every case and expectation.
func ParseFile(path string) (*Suite, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse reads a tests.yaml from src; name is used in positions.
func Parse(name string, src []byte) (*Suite, error) {
	s := &Suite{File: name}
	if e := indicators.CheckNesting(name, src); e != nil {
		return nil, diag.List{e}
	}
	if err := yaml.UnmarshalWithOptions(src, s, yaml.Strict()); err != nil {
		return nil, yamlError(name, err)
	}
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlError(name, err)
	}
	var errs diag.List
	for i := range s.Tests {
		c := &s.Tests[i]
		c.Pos = nodePos(name, file, fmt.Sprintf("$.tests[%d]", i))
		if c.Name == "" {
			c.Name = fmt.Sprintf("case %d", i+1)
		}
		if len(c.Expect) == 0 {
			errs.Add(c.Pos, "test %q: no expectations (add an `expect:` list)", c.Name)
		}
		for j := range c.Expect {
			x := &c.Expect[j]
			x.Pos = nodePos(name, file, fmt.Sprintf("$.tests[%d].expect[%d]", i, j))
			if x.Subject == "" {
				errs.Add(x.Pos, "test %q: expectation without `subject`", c.Name)
			}
			if x.Status != nil && *x.Status != "rated" && *x.Status != "unrated" {
				errs.Add(x.Pos, "test %q: status must be rated or unrated, got %q", c.Name, *x.Status)
			}
		}
	}
	if len(s.Tests) == 0 {
		errs.Add(diag.Pos{File: name, Line: 1, Col: 1}, "no tests (add a `tests:` list)")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func nodePos(file string, f *ast.File, path string) diag.Pos {
	p, err := yaml.PathString(path)
	if err != nil {
		return diag.Pos{File: file}
	}
	n, err := p.FilterFile(f)
	if err != nil || n == nil || n.GetToken() == nil {
		return diag.Pos{File: file}
	}
	// A block mapping's token is its first ':'; point at its first key.
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && m.Values[0].Key.GetToken() != nil {
		n = m.Values[0].Key
	}
	t := n.GetToken()
	return diag.Pos{File: file, Line: t.Position.Line, Col: t.Position.Column}
}

func yamlError(name string, err error) error {
	var ye yaml.Error
	if e, ok := err.(yaml.Error); ok {
		ye = e
	}
	if ye != nil && ye.GetToken() != nil {
		t := ye.GetToken()
		return diag.List{{Pos: diag.Pos{File: name, Line: t.Position.Line, Col: t.Position.Column}, Msg: ye.GetMessage()}}
	}
	return diag.List{{Pos: diag.Pos{File: name}, Msg: err.Error()}}
}

// Failure is one unmet expectation.
type Failure struct {
	Pos     diag.Pos
	Subject string
	Msg     string
	// Text is the English format and arguments Msg was made of: a display
	// in another language translates its format (the key of the i18n
	// catalogue) and formats the arguments with it.
	Text diag.Text
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name     string
	Failures []Failure
	Err      error // the case could not be scored (invalid input)
}

// Passed reports whether the case met every expectation.
func (r CaseResult) Passed() bool { return r.Err == nil && len(r.Failures) == 0 }

// Run runs every case of the suite against the project's files: cases with
// inline data replace the subjects and/or metrics with it.
func Run(ctx context.Context, s *Suite, files batch.Files) []CaseResult {
	out := make([]CaseResult, len(s.Tests))
	for i := range s.Tests {
		c := &s.Tests[i]
		out[i] = CaseResult{Name: c.Name}
		b, err := scoreCase(ctx, c, s.File, files)
		if err != nil {
			out[i].Err = err
			continue
		}
		tol := 1e-9
		if s.Tolerance != nil {
			tol = *s.Tolerance
		}
		for _, x := range c.Expect {
			out[i].Failures = append(out[i].Failures, check(b, x, tol)...)
		}
	}
	return out
}

func scoreCase(ctx context.Context, c *Case, testsFile string, files batch.Files) (*batch.Batch, error) {
	if c.Data == nil {
		p, err := batch.Load(files)
		if err != nil {
			return nil, err
		}
		return batch.Run(ctx, p, p.Set, batch.Options{Period: c.Period})
	}
	set, err := indicators.ParseFile(files.Indicators)
	if err != nil {
		return nil, err
	}
	read := func(path string) (csvdata.NamedData, error) {
		b, err := os.ReadFile(path)
		return csvdata.NamedData{Name: path, Data: b}, err
	}
	var subjects csvdata.NamedData
	var metrics []csvdata.NamedData
	label := fmt.Sprintf("%s[%s]", testsFile, c.Name)
	if c.Data.Subjects != "" {
		subjects = csvdata.NamedData{Name: label + ".subjects", Data: []byte(c.Data.Subjects)}
	} else if subjects, err = read(files.Subjects); err != nil {
		return nil, err
	}
	if c.Data.Metrics != "" {
		metrics = []csvdata.NamedData{{Name: label + ".metrics", Data: []byte(c.Data.Metrics)}}
	} else {
		for _, f := range files.Metrics {
			m, err := read(f)
			if err != nil {
				return nil, err
			}
			metrics = append(metrics, m)
		}
	}
	ds, err := csvdata.Parse(subjects, metrics, batch.LoadOptions(set))
	if err != nil {
		return nil, err
	}
	p, err := batch.Assemble(set, ds)
	if err != nil {
		return nil, err
	}
	return batch.Run(ctx, p, p.Set, batch.Options{Period: c.Period})
}

func check(b *batch.Batch, x Expectation, tol float64) []Failure {
	if x.Tolerance != nil {
		tol = *x.Tolerance
	}
	var fs []Failure
	fail := func(format string, args ...any) {
		fs = append(fs, Failure{Pos: x.Pos, Subject: x.Subject, Msg: fmt.Sprintf(format, args...), Text: diag.Textf(format, args...)})
	}
	si, ok := b.SubjectIndex(x.Subject)
	if !ok {
		fail("no subject %q in the data", x.Subject)
		return fs
	}
	r := &b.Result.Subjects[si]
	status := "unrated"
	if r.Rated {
		status = "rated"
	}
	if x.Status != nil && *x.Status != status {
		fail("status = %s, want %s", status, *x.Status)
	}
	score := math.NaN()
	if r.Rated {
		score = r.Score
	}
	num := func(what string, got float64, want *Number) {
		if want == nil {
			return
		}
		switch {
		case want.Missing && !math.IsNaN(got):
			fail("%s = %s, want missing", what, reports.FormatFloat(got))
		case !want.Missing && math.IsNaN(got):
			fail("%s is missing, want %s", what, reports.FormatFloat(want.Value))
		case !want.Missing && math.Abs(got-want.Value) > tol:
			fail("%s = %s, want %s (±%s)", what, reports.FormatFloat(got), reports.FormatFloat(want.Value), reports.FormatFloat(tol))
		}
	}
	num("score", score, x.Score)
	if x.Rank != nil && r.Rank != *x.Rank {
		fail("rank = %d, want %d", r.Rank, *x.Rank)
	}
	if x.Grade != nil {
		known := false
		var names []string
		for _, g := range b.Project.Set.Grades {
			known = known || g.Name == *x.Grade
			names = append(names, g.Name)
		}
		switch {
		case !known:
			fail("expected grade %q is not a grade of the set (grades: %s)", *x.Grade, strings.Join(names, ", "))
		case r.Grade != *x.Grade:
			fail("grade = %q, want %q", r.Grade, *x.Grade)
		}
	}
	if x.Vetoed != nil && r.Vetoed != *x.Vetoed {
		fail("vetoed = %v, want %v", r.Vetoed, *x.Vetoed)
	}
	set := b.Project.Set
	byID := map[string]*indicators.Node{}
	for _, n := range set.Nodes {
		byID[n.ID] = n
	}
	for _, id := range slices.Sorted(maps.Keys(x.Nodes)) {
		n := byID[id]
		if n == nil || n.IsLeaf() {
			fail("nodes: %q is not a composite node of the set", id)
			continue
		}
		num("node "+id, r.Nodes[n.Index], orMissing(x.Nodes[id]))
	}
	for _, id := range slices.Sorted(maps.Keys(x.Indicators)) {
		n := byID[id]
		if n == nil || !n.IsLeaf() {
			fail("indicators: %q is not an indicator (leaf) of the set", id)
			continue
		}
		num("indicator "+id, b.Result.Cells[n.LeafIndex].At(si).Value, orMissing(x.Indicators[id]))
	}
	for _, id := range slices.Sorted(maps.Keys(x.Raw)) {
		n := byID[id]
		if n == nil || !n.IsLeaf() {
			fail("raw: %q is not an indicator (leaf) of the set", id)
			continue
		}
		num("raw "+id, b.Result.Cells[n.LeafIndex].At(si).Raw, orMissing(x.Raw[id]))
	}
	return fs
}

// orMissing reads a null map entry (a nil *Number) as "expect missing".
func orMissing(n *Number) *Number {
	if n == nil {
		return &Number{Missing: true}
	}
	return n
}
