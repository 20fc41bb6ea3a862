package indicators

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
)

const tol = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

func mustParse(t *testing.T, file string) *Set {
	t.Helper()
	s, err := ParseFile(file)
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", file, err)
	}
	return s
}

func nodeByID(t *testing.T, s *Set, id string) *Node {
	t.Helper()
	for _, n := range s.Nodes {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("no node %q", id)
	return nil
}

// TestSpecExample checks the values read from the SPEC §4 example.
func TestSpecExample(t *testing.T) {
	s := mustParse(t, "testdata/spec.good.yaml")
	if s.ID != "im-municipal-2024" || s.Name != "内蒙古市域社会治理现代化评价" || s.Version != "2024.1" || s.Period != "2024" {
		t.Errorf("header: %q %q %q %q", s.ID, s.Name, s.Version, s.Period)
	}
	if got := strings.Join(s.Kinds, ","); got != "party_org,gov_department,autonomous_org,social_org" {
		t.Errorf("kinds %s", got)
	}
	if got := strings.Join(s.PeerGroups, ","); got != "kind" {
		t.Errorf("peer groups %s", got)
	}
	if s.Scale != [2]float64{0, 100} || !near(s.MinCoverage, 0.8) || s.ClampTotal {
		t.Errorf("scale %v coverage %g clamp %v", s.Scale, s.MinCoverage, s.ClampTotal)
	}
	if len(s.Metrics) != 3 || s.Metrics[0].Name != "disputes_received" || s.Metrics[0].Title != "受理矛盾纠纷数" ||
		s.Metrics[0].Unit != "件" || s.Metrics[0].Min == nil || *s.Metrics[0].Min != 0 || s.Metrics[0].Max != nil ||
		s.Metrics[0].Expr != nil || s.Metrics[2].Expr == nil || s.Metrics[2].Expr.Text != "disputes_resolved / disputes_received" {
		t.Errorf("metrics: %+v", s.Metrics)
	}
	ids := make([]string, len(s.Nodes))
	for i, n := range s.Nodes {
		ids[i] = n.ID
	}
	if got := strings.Join(ids, ","); got != "rule_of_law,dispute_resolution,complaints,services,satisfaction" {
		t.Errorf("pre-order %s", got)
	}
	if len(s.Leaves) != 3 || s.Leaves[2].ID != "satisfaction" {
		t.Errorf("leaves %v", s.Leaves)
	}

	tests := []struct {
		id        string
		name      string
		weight    float64
		depth     int
		round     int
		dir       Direction
		norm      Normalize
		missing   Missing
		appliesTo string
	}{
		{id: "rule_of_law", name: "法治保障", weight: 30, depth: 1, round: -1, missing: Missing{Policy: Exclude}},
		{id: "dispute_resolution", name: "矛盾纠纷化解率", weight: 2, depth: 2, round: -1, dir: Higher,
			norm: Normalize{Method: Goalpost, Low: 0.6, High: 0.98}, missing: Missing{Policy: Exclude},
			appliesTo: "gov_department,autonomous_org"},
		{id: "complaints", name: "complaints", weight: 1, depth: 2, round: -1, dir: Lower,
			norm: Normalize{Method: MinMax}, missing: Missing{Policy: ImputeMedian, By: "region"}},
		{id: "services", name: "services", weight: 20, depth: 1, round: 2, missing: Missing{Policy: Exclude}},
		{id: "satisfaction", name: "satisfaction", weight: 1, depth: 2, round: -1,
			norm: Normalize{Method: NormNone, Clip: true}, missing: Missing{Policy: Zero}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			n := nodeByID(t, s, tt.id)
			if n.Name != tt.name || !near(n.Weight, tt.weight) || n.Depth != tt.depth || n.Round != tt.round ||
				n.Missing != tt.missing || strings.Join(n.AppliesTo, ",") != tt.appliesTo {
				t.Errorf("got name %q weight %g depth %d round %d missing %+v applies %v", n.Name, n.Weight, n.Depth, n.Round, n.Missing, n.AppliesTo)
			}
			if n.IsLeaf() && (n.Direction != tt.dir || n.Normalize != tt.norm) {
				t.Errorf("got direction %v normalize %+v", n.Direction, n.Normalize)
			}
			if !n.IsLeaf() && n.Aggregate != Arithmetic {
				t.Errorf("aggregate %q", n.Aggregate)
			}
		})
	}

	if len(s.Adjustments) != 3 {
		t.Fatalf("adjustments: %d", len(s.Adjustments))
	}
	a0, a1, a2 := s.Adjustments[0], s.Adjustments[1], s.Adjustments[2]
	if a0.Name != "国家级表彰加分" || a0.Points.Text != "national_awards * 1.5" || a0.Max == nil || *a0.Max != 3 || a0.Min != nil || a0.When != nil {
		t.Errorf("award_bonus: %+v", a0)
	}
	if a1.Name != "accident_penalty" || a1.Min == nil || *a1.Min != -5 {
		t.Errorf("accident_penalty: %+v", a1)
	}
	if a2.Points != nil || a2.When.Text != "major_accidents > 0" || a2.CapGrade != "不合格" || !a2.Applies("gov_department") || a2.Applies("party_org") {
		t.Errorf("safety_veto: %+v", a2)
	}
	if len(s.Grades) != 4 || s.Grades[0].Name != "优秀" || *s.Grades[0].Min != 90 || *s.Grades[0].MaxShare != 0.2 ||
		s.Grades[1].MaxShare != nil || s.Grades[3].Min != nil {
		t.Errorf("grades: %+v", s.Grades)
	}
	if s.Ranking != (Ranking{Method: Competition, Desc: true, Digits: 9}) {
		t.Errorf("ranking %+v", s.Ranking)
	}
	if s.Root.Aggregate != Arithmetic || s.Root.Round != -1 || len(s.Root.Children) != 2 {
		t.Errorf("root %+v", s.Root)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings: %v", s.Warnings)
	}
}

// TestDefaultsAndStyles checks defaults, anchors, merge keys and the
// top-level settings of testdata/styles.good.yaml.
func TestDefaultsAndStyles(t *testing.T) {
	s := mustParse(t, "testdata/styles.good.yaml")
	if s.Version != "2024.10" || s.Period != "2024-Q3" || len(s.PeerGroups) != 0 || s.PeerGroups == nil ||
		s.Scale != [2]float64{1, 10} || !s.ClampTotal || s.Root.Aggregate != Geometric || s.Root.Round != 1 {
		t.Errorf("top level: version %q period %q peer %v scale %v clamp %v root %+v", s.Version, s.Period, s.PeerGroups, s.Scale, s.ClampTotal, s.Root)
	}
	if s.Ranking != (Ranking{Method: Ordinal, Desc: false, Digits: 0}) {
		t.Errorf("ranking %+v", s.Ranking)
	}
	plain := nodeByID(t, s, "plain")
	wantNorm := Normalize{Method: ZScore, Mean: 50, SD: 2}
	if plain.Direction != Lower || plain.Normalize != wantNorm || plain.Transform != TransformLog1p ||
		plain.Winsorize == nil || *plain.Winsorize != (Winsorize{Lower: 0.05, Upper: 0.95}) ||
		plain.Missing.Policy != ImputeMean || plain.Weight != 2 || plain.Round != 3 {
		t.Errorf("defaults not applied: %+v", plain)
	}
	num := nodeByID(t, s, "number")
	if num.Normalize.Method != NormNone || num.Transform != TransformNone || num.Winsorize != nil || num.Expr.Text != "42" {
		t.Errorf("own values must win over defaults: %+v", num)
	}
	group := nodeByID(t, s, "group")
	if group.Weight != 1 || group.Round != -1 || group.Missing.Policy != ImputeMin || group.Aggregate != Arithmetic {
		t.Errorf("defaults must not reach composites: %+v", group)
	}
	c2 := nodeByID(t, s, "child2")
	if c2.Expr == nil || c2.Expr.Text != "c" || strings.Join(c2.AppliesTo, ",") != "社区" || c2.Depth != 2 {
		t.Errorf("merge key: %+v", c2)
	}
	if !c2.Applies("社区") || c2.Applies("dept") || !plain.Applies("dept") {
		t.Error("Applies")
	}
	if len(s.Grades) != 2 || *s.Grades[0].MaxShare != 0.1 {
		t.Errorf("grades %+v", s.Grades)
	}
	// scale lo = 1 > 0: no geometric warning.
	if len(s.Warnings) != 0 {
		t.Errorf("warnings: %v", s.Warnings)
	}
}

// TestExprPositions checks Expr.Pos, LineStarts and At for every scalar
// style.
func TestExprPositions(t *testing.T) {
	s := mustParse(t, "testdata/styles.good.yaml")
	const f = "testdata/styles.good.yaml"
	tests := []struct {
		id        string
		text      string
		line, col int // expression position to map (line 1-based, col 0-based)
		want      diag.Pos
	}{
		{id: "plain", text: "a + b", line: 1, col: 0, want: diag.Pos{File: f, Line: 22, Col: 11}},
		{id: "plain", text: "a + b", line: 1, col: 4, want: diag.Pos{File: f, Line: 22, Col: 15}},
		{id: "dquoted", text: "a / 中文", line: 1, col: 4, want: diag.Pos{File: f, Line: 24, Col: 16}},
		{id: "squoted", text: "a * 2", line: 1, col: 4, want: diag.Pos{File: f, Line: 26, Col: 16}},
		{id: "literal", text: "a +\n  b\n", line: 1, col: 0, want: diag.Pos{File: f, Line: 29, Col: 7}},
		{id: "literal", text: "a +\n  b\n", line: 2, col: 2, want: diag.Pos{File: f, Line: 30, Col: 9}},
		{id: "folded", text: "a\n+ b", line: 2, col: 2, want: diag.Pos{File: f, Line: 34, Col: 9}},
		{id: "number", text: "42", line: 1, col: 1, want: diag.Pos{File: f, Line: 36, Col: 12}},
		{id: "number", text: "42", line: 0, col: -3, want: diag.Pos{File: f, Line: 36, Col: 11}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d:%d", tt.id, tt.line, tt.col), func(t *testing.T) {
			e := nodeByID(t, s, tt.id).Expr
			if e.Text != tt.text {
				t.Errorf("Text = %q, want %q", e.Text, tt.text)
			}
			if e.Pos != e.LineStarts[0] {
				t.Errorf("Pos %v != LineStarts[0] %v", e.Pos, e.LineStarts[0])
			}
			if got := e.At(tt.line, tt.col); got != tt.want {
				t.Errorf("At(%d, %d) = %v, want %v", tt.line, tt.col, got, tt.want)
			}
		})
	}
}

// TestBlockScalarPositions covers block scalars with leading blank lines,
// an explicit indentation indicator and CJK text.
func TestBlockScalarPositions(t *testing.T) {
	src := "govscore: 1\nid: x\nkinds: [k]\ntree:\n  - id: a\n    expr: |  # a comment\n\n      中文 +\n        b\n  - id: b\n    expr: |2\n        z\n  - id: c\n    expr: >-\n      x\n\n      + 甲\n"
	s, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id        string
		line, col int
		want      diag.Pos
	}{
		{id: "a", line: 2, col: 3, want: diag.Pos{File: "f.yaml", Line: 8, Col: 10}},
		{id: "a", line: 3, col: 2, want: diag.Pos{File: "f.yaml", Line: 9, Col: 9}},
		{id: "b", line: 1, col: 2, want: diag.Pos{File: "f.yaml", Line: 12, Col: 9}},
		{id: "c", line: 3, col: 2, want: diag.Pos{File: "f.yaml", Line: 17, Col: 9}},
		{id: "c", line: 9, col: 0, want: diag.Pos{File: "f.yaml", Line: 15, Col: 7}}, // past the end: Pos + col
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d:%d", tt.id, tt.line, tt.col), func(t *testing.T) {
			if got := nodeByID(t, s, tt.id).Expr.At(tt.line, tt.col); got != tt.want {
				t.Errorf("At = %v, want %v (text %q)", got, tt.want, nodeByID(t, s, tt.id).Expr.Text)
			}
		})
	}
}

// TestWarnings checks the parse-time methodological warnings.
func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // substrings, one per warning, in order
	}{
		{
			name: "geometric over zero",
			src:  "govscore: 1\nid: w\nkinds: [a]\naggregate: geometric\ntree:\n  - id: g\n    aggregate: geometric\n    children:\n      - {id: x, expr: x}\n",
			want: []string{"4:12: geometric aggregate over a scale starting at 0", "7:16: g: geometric aggregate"},
		},
		{
			name: "geometric over positive scale",
			src:  "govscore: 1\nid: w\nkinds: [a]\nscale: [1, 5]\naggregate: geometric\ntree:\n  - {id: x, expr: x}\n",
		},
		{
			// Every child on its own range above 0 (`to:`, SPEC §4.4 step 5),
			// also through an arithmetic composite: no child can be 0.
			name: "geometric over children with to above zero",
			src:  "govscore: 1\nid: w\nkinds: [a]\ntree:\n  - id: g\n    aggregate: geometric\n    children:\n      - {id: x, expr: x, normalize: {method: minmax, to: [1, 100]}}\n      - id: h\n        children:\n          - {id: y, expr: y, normalize: {method: minmax, to: [10, 100]}}\n",
		},
		{
			// One child left on the set's scale [0, 100]: the warning names
			// the lowest bound among the children.
			name: "geometric with one child reaching zero",
			src:  "govscore: 1\nid: w\nkinds: [a]\ntree:\n  - id: g\n    aggregate: geometric\n    children:\n      - {id: x, expr: x, normalize: {method: minmax, to: [1, 100]}}\n      - {id: y, expr: y}\n",
			want: []string{"6:16: g: geometric aggregate over a scale starting at 0"},
		},
		{
			name: "kind excluded by ancestor",
			src:  "govscore: 1\nid: w\nkinds: [a, b, c]\ntree:\n  - id: g\n    applies_to: [a]\n    children:\n      - id: h\n        applies_to: [a, b]\n        children:\n          - {id: x, expr: x, applies_to: [c]}\n",
			want: []string{`9:25: h: applies_to names kind "b", but ancestor "g" excludes it`, `11:43: x: applies_to names kind "c", but ancestor "h" excludes it`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("w.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Warnings) != len(tt.want) {
				t.Fatalf("got %d warnings %v, want %d", len(s.Warnings), s.Warnings, len(tt.want))
			}
			for i, w := range s.Warnings {
				if !strings.Contains(w.String(), tt.want[i]) {
					t.Errorf("warning %d = %q, want it to contain %q", i, w.String(), tt.want[i])
				}
			}
		})
	}
}

// TestParseErrors covers error paths with inline sources.
func TestParseErrors(t *testing.T) {
	head := "govscore: 1\nid: e\nkinds: [a]\n"
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"bom ignored but errors still positioned", "\ufeffgovscore: 1\n", "e.yaml:1:1: indicator set: missing required key \"id\""},
		{"tab indentation", head + "tree:\n\t- id: x\n", "YAML syntax error"},
		{"infinite weight", head + "tree:\n  - {id: x, expr: x, weight: .inf}\n", "weight: want a finite number, got number .inf"},
		{"non-string key", head + "tree:\n  - description: &m [x]\n    *m : 1\n    id: x\n", "keys must be plain strings"},
		{"alias before anchor", head + "tree:\n  - {id: x, expr: x, weight: *w}\n  - {id: y, expr: x, weight: &w 2}\n", "unknown alias *w"},
		{"alias to a mapping and merge", head + "tree:\n  - &n {id: x, expr: x}\n  - {<<: *n, id: y, weigth: 2}\n", `unknown key "weigth" in node "y" (did you mean "weight"?)`},
		{"merge of a scalar", head + "tree:\n  - {<<: 3, id: x, expr: x}\n", "merge key <<: want a mapping"},
		{"merge list with scalar", head + "tree:\n  - {<<: [3], id: x, expr: x}\n", "merge key <<: want a mapping"},
		{"null expr", head + "tree:\n  - {id: x, expr: }\n", "expr: want an expression"},
		{"bool name ok but list name not", head + "tree:\n  - {id: x, expr: x, name: [a]}\n", "name: want a string, got a list"},
		{"id not a string", head + "tree:\n  - {id: 3, expr: x}\n", "id: want a string, got number 3"},
		{"kinds with a non-string", "govscore: 1\nid: e\nkinds: [a, 3, \"\"]\ntree:\n  - {id: x, expr: x}\n", "kinds[1]: want a string, got number 3"},
		{"empty kinds", "govscore: 1\nid: e\nkinds: []\ntree:\n  - {id: x, expr: x}\n", "kinds: the list is empty"},
		{"empty tree", head + "tree: []\n", "tree: the list is empty"},
		{"scale of three", head + "scale: [0, 1, 2]\ntree:\n  - {id: x, expr: x}\n", "scale: want two numbers [lo, hi], got 3 values"},
		{"period as number", head + "period: 2024.5\ntree:\n  - {id: x, expr: x}\n", `period: invalid period "2024.5"`},
		{"round negative", head + "round: -1\ntree:\n  - {id: x, expr: x}\n", "round: want a number of decimal digits ≥ 0, got -1"},
		{"missing by empty", head + "tree:\n  - {id: x, expr: x, missing: {impute: mean, by: \" \"}}\n", "missing: by must name a subject attribute"},
		{"goalpost sqrt domain", head + "tree:\n  - {id: x, expr: x, transform: sqrt, normalize: {method: goalpost, low: -1, high: 1}}\n", "goalpost low -1 is outside the domain of transform sqrt"},
		{"goalpost log1p domain via defaults", head + "defaults: {transform: log1p}\ntree:\n  - {id: x, expr: x, normalize: {method: goalpost, low: -1, high: 1}}\n", "outside the domain of transform log1p"},
		{"zscore mean not a number", head + "tree:\n  - {id: x, expr: x, normalize: {method: zscore, mean: m}}\n", "mean: want a number"},
		{"normalize list", head + "tree:\n  - {id: x, expr: x, normalize: [minmax]}\n", "normalize: want a string, got a list"},
		{"cap_grade without grades", head + "tree:\n  - {id: x, expr: x}\nadjustments:\n  - {id: v, cap_grade: F}\n", "the set defines no grades"},
		{"adjustments not a list", head + "tree:\n  - {id: x, expr: x}\nadjustments: {id: v}\n", "adjustments: want a list"},
		{"grades not a list", head + "tree:\n  - {id: x, expr: x}\ngrades: A\n", "grades: want a list"},
		{"grade not a mapping", head + "tree:\n  - {id: x, expr: x}\ngrades: [A]\n", "grade 1: want a mapping"},
		{"adjustment not a mapping", head + "tree:\n  - {id: x, expr: x}\nadjustments: [A]\n", "adjustment 1: want a mapping"},
		{"grade without name", head + "tree:\n  - {id: x, expr: x}\ngrades: [{min: 1}, {name: B}]\n", `grade 1: missing required key "name"`},
		{"empty grade name", head + "tree:\n  - {id: x, expr: x}\ngrades: [{name: \"\", min: 1}, {name: B}]\n", "grade name is empty"},
		{"ranking not a mapping", head + "tree:\n  - {id: x, expr: x}\nranking: desc\n", "ranking: want a mapping"},
		{"ranking unknown key", head + "tree:\n  - {id: x, expr: x}\nranking: {digit: 2}\n", `unknown key "digit" in ranking (did you mean "digits"?)`},
		{"metrics not a mapping", head + "metrics: [a]\ntree:\n  - {id: x, expr: x}\n", "metrics: want a mapping"},
		{"metric min not a number", head + "metrics: {m: {min: x}}\ntree:\n  - {id: x, expr: x}\n", "min: want a number"},
		{"defaults not a mapping", head + "defaults: minmax\ntree:\n  - {id: x, expr: x}\n", "defaults: want a mapping"},
		{"winsorize bad number", head + "tree:\n  - {id: x, expr: x, winsorize: {lower: a}}\n", "lower: want a number"},
		{"winsorize unknown key", head + "tree:\n  - {id: x, expr: x, winsorize: {low: 0.1}}\n", `unknown key "low" in winsorize (did you mean "lower"?)`},
		{"missing mapping unknown key", head + "tree:\n  - {id: x, expr: x, missing: {impute: mean, group: r}}\n", `unknown key "group" in missing`},
		{"missing not string", head + "tree:\n  - {id: x, expr: x, missing: 0}\n", "missing: want a string, got number 0"},
		{"missing mapping by not string", head + "tree:\n  - {id: x, expr: x, missing: {impute: mean, by: [a]}}\n", "by: want a string"},
		{"adjustment points type", head + "tree:\n  - {id: x, expr: x}\nadjustments: [{id: p, points: [1]}]\n", "points: want an expression"},
		{"adjustment bad id", head + "tree:\n  - {id: x, expr: x}\nadjustments: [{id: 1p, points: \"1\"}]\n", `id "1p" is not an identifier`},
		{"adjustment min not number", head + "tree:\n  - {id: x, expr: x}\nadjustments: [{id: p, points: \"1\", min: a}]\n", "min: want a number"},
		{"adjustment unknown key", head + "tree:\n  - {id: x, expr: x}\nadjustments: [{id: p, point: \"1\"}]\n", `unknown key "point" in adjustment "p" (did you mean "points"?)`},
		{"grade unknown key", head + "tree:\n  - {id: x, expr: x}\ngrades: [{name: A, min: 1, share: 0.1}, {name: B}]\n", `unknown key "share" in grade "A"`},
		{"grade min not number", head + "tree:\n  - {id: x, expr: x}\ngrades: [{name: A, min: x}, {name: B}]\n", "min: want a number"},
		{"ranking digits type", head + "tree:\n  - {id: x, expr: x}\nranking: {digits: two}\n", "digits: want an integer"},
		{"integer too large", head + "round: 1e12\ntree:\n  - {id: x, expr: x}\n", "round: want an integer"},
		{"composite missing policy", head + "tree:\n  - {id: g, missing: maybe, children: [{id: x, expr: x}]}\n", `missing: unknown value "maybe"`},
		{"unknown alias in key position", head + "tree:\n  - {id: x, expr: x, weight: *w}\n", "unknown alias *w"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("e.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
			list, ok := err.(diag.List)
			if !ok {
				t.Fatalf("error is %T, want diag.List", err)
			}
			checkPositioned(t, list, "e.yaml")
		})
	}
}

// TestParseFileMissing checks that an unreadable file is an I/O error,
// not a diag.List.
func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile("testdata/does-not-exist.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	if _, ok := err.(diag.List); ok {
		t.Errorf("I/O error reported as diag.List: %v", err)
	}
}

// TestSuggest checks the "did you mean" heuristic.
func TestSuggest(t *testing.T) {
	keys := []string{"weight", "normalize", "children", "id", "expr"}
	tests := []struct {
		in, want string
	}{
		{"wieght", "weight"},
		{"Weight", "weight"},
		{"normalise", "normalize"},
		{"chilren", "children"},
		{"ix", "id"},
		{"colour", ""},
		{"e", ""},
		{"expression", "expr"},
		{"express", "expr"},
		{"ex", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := suggest(tt.in, keys); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSmallMethods covers the helpers of the set types.
func TestSmallMethods(t *testing.T) {
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"higher", Higher.String(), "higher"},
		{"lower", Lower.String(), "lower"},
		{"minmax relative", MinMax.Relative(), true},
		{"goalpost not relative", Goalpost.Relative(), false},
		{"mean imputes", Missing{Policy: ImputeMean}.Imputes(), true},
		{"zero does not impute", Missing{Policy: Zero}.Imputes(), false},
		{"adjustment for every kind", (&Adjustment{}).Applies("x"), true},
		{"tagged scalar", func() string {
			s, err := Parse("t.yaml", []byte("govscore: 1\nid: t\nversion: !!str 2024\nkinds: [a]\ntree:\n  - {id: x, expr: !!str 1}\n"))
			if err != nil {
				return err.Error()
			}
			return s.Version + "|" + s.Leaves[0].Expr.Text
		}(), "2024|1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}
