package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// keyCalls are the calls whose argument at the given index is a catalogue
// key: i18n.T and i18n.F (second argument), and the helpers of the
// packages that wrap them (first argument).
var keyCalls = map[string]int{"T": 1, "F": 1, "tr": 0, "trf": 0, "printf": 0, "usagef": 0}

// errorCalls are the calls that make a positioned error from an English
// format (diag.List.Add, diag.Textf and the packages' errorf helpers), the
// format being their first constant string argument; errorDirs are the packages whose error messages must all
// have a Chinese entry (diag.Error keeps the format and its arguments, and
// the command line shows it in the language asked for).
var (
	errorCalls = map[string]bool{"errorf": true, "Add": true, "nameErr": true, "typeErr": true, "Textf": true,
		"errorRef": true, "add": true, "addAt": true, "said": true, "fail": true}
	errorDirs = map[string]bool{"indicators": true, "engine": true, "csvdata": true,
		"datamap": true, "workbook": true, "batch": true, "dataset": true, "assess": true, "scoring": true, "expect": true, "gaming": true}
)

// importsI18n tells which files' printf and tr helpers go through the
// catalogue: the files that import this package.
func importsI18n(f *ast.File) bool {
	for _, im := range f.Imports {
		if im.Path.Value == `"github.com/govscore/govscore/i18n"` {
			return true
		}
	}
	return false
}

// TestCatalogueComplete reads every non-test Go file of the module that
// imports this package and fails on a constant message key with no Chinese
// entry: a missing translation.
func TestCatalogueComplete(t *testing.T) {
	root := filepath.Join("..")
	fset := token.NewFileSet()
	keys := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		// printf helpers count in the files that import this package;
		// T, F (of this package), tr and trf everywhere.
		wraps := importsI18n(f) || f.Name.Name == "i18n"
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				name = fn.Sel.Name
				if id, ok := fn.X.(*ast.Ident); ok && id.Name == "i18n" {
					break
				}
				if name == "T" || name == "F" {
					return true // not this package's
				}
			case *ast.Ident:
				name = fn.Name
				if f.Name.Name != "i18n" && (name == "T" || name == "F") {
					return true
				}
			default:
				return true
			}
			at, ok := keyCalls[name]
			if errorCalls[name] && errorDirs[filepath.Base(filepath.Dir(path))] {
				for i, a := range call.Args[:min(len(call.Args), 3)] {
					if lit, isLit := a.(*ast.BasicLit); isLit && lit.Kind == token.STRING {
						at, ok = i, true
						break
					}
				}
			}
			if name == "printf" && !wraps {
				return true
			}
			if !ok || at >= len(call.Args) {
				return true
			}
			lit, ok := call.Args[at].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			key, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			keys++
			if !Translated(key) && hasLetters(key) {
				t.Errorf("%s: no Chinese for %q", fset.Position(lit.Pos()), key)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if keys < 50 {
		t.Fatalf("found only %d message keys; is the scan looking at the sources?", keys)
	}
}

// hasLetters tells whether s has words to translate (a bare "%s\n" has not).
func hasLetters(s string) bool {
	s = strings.NewReplacer("%s", "", "%d", "", "%q", "", "%v", "").Replace(s)
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// TestEntriesComplete checks both sides of every entry: no empty Chinese,
// the same verbs (count and kind) in both, and both names of every
// built-in identifier.
func TestEntriesComplete(t *testing.T) {
	for en, z := range zh {
		if strings.TrimSpace(z) == "" {
			t.Errorf("%q: empty Chinese", en)
		}
		if a, b := verbs(en), verbs(z); a != b {
			t.Errorf("%q → %q: verbs %s vs %s", en, z, a, b)
		}
		// Without explicit indexes the arguments go in the English order.
		if !strings.Contains(z, "%[") && orderedVerbs(en) != orderedVerbs(z) {
			t.Errorf("%q → %q: verbs in another order without %%[n] indexes", en, z)
		}
	}
	for c, m := range names {
		for id, p := range m {
			if p.zh == "" || p.en == "" {
				t.Errorf("%s %q: missing a language (%q, %q)", c, id, p.zh, p.en)
			}
		}
	}
}

// verbs lists the formatting verbs of s, sorted, ignoring explicit indexes.
func verbs(s string) string {
	out := strings.Split(orderedVerbs(s), "")
	sortStrings(out)
	return strings.Join(out, "")
}

// orderedVerbs lists the formatting verbs of s in their order.
func orderedVerbs(s string) string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 >= len(s) {
			continue
		}
		j := i + 1
		if s[j] == '%' {
			i++
			continue
		}
		for j < len(s) && strings.IndexByte("[]0123456789.-+# ", s[j]) >= 0 {
			j++
		}
		if j < len(s) {
			out = append(out, string(s[j]))
		}
		i = j
	}
	return strings.Join(out, "")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestParseAndNames(t *testing.T) {
	if _, err := Parse("fr"); err == nil {
		t.Error("Parse(fr): no error")
	}
	if l, err := Parse("en"); err != nil || l != En {
		t.Errorf("Parse(en) = %q, %v", l, err)
	}
	n := Namer{Kinds: map[string]string{"dept": "部门"}}
	for _, c := range []struct{ got, want string }{
		{n.Kind("dept"), "部门"},
		{n.Kind("gov_department"), "政府部门"},
		{n.Kind("unknown_kind"), "unknown_kind"},
		{n.Role("public"), "群众评价"},
		{n.Group("dept/north"), "部门/north"},
		{Namer{Lang: En}.Role("third_party"), "third party"},
		{n.Name(Normalize, "goalpost"), "阈值法"},
		{T(Zh, "warning: %s\n"), "警告：%s\n"},
		{T(En, "warning: %s\n"), "warning: %s\n"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestGradeReason(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"score 60.31 ≥ 60 → 合格", "得分 60.31 ≥ 60 → 合格"},
		{"score 55 < 60 → 不合格; veto v1, v2 caps at 不合格", "得分 55 < 60 → 不合格；一票否决项 v1, v2：等级最高为 不合格"},
		{"quota 20% of 10 = 2 exceeded → 良好", "超出名额（10 个的 20% = 2 个）→ 良好"},
		{"score 40 < 60 but 不合格 is the lowest grade", "得分 40 < 60，但 不合格 已是最低等级"},
		{"score 70 → 良好", "得分 70 → 良好"},
		{"", ""},
	} {
		if got := GradeReason(Zh, c.in); got != c.want {
			t.Errorf("GradeReason(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := GradeReason(En, c.in); got != c.in {
			t.Errorf("GradeReason(en, %q) = %q", c.in, got)
		}
	}
}

// TestMessages: every warning pattern matches a message as its package
// writes it and gives Chinese; an unknown message is left as it is.
func TestMessages(t *testing.T) {
	samples := []string{
		"file not read: nothing names it (the default files are data/subjects.csv, data/metrics*.csv and data/assessments*.csv; name others in the indicator set's data: section, or move the file out of data/)",
		"no subject of the group has a value (is the metric in the data for this period?); the indicator is missing for every subject of the group",
		"minmax normalisation is uninformative: all 4 values are equal; the indicator is left out of the group's aggregation",
		`metric "pop" has no value for any subject in period 2024: the expressions reading it are missing`,
		`metric "popu" in the data is read by no expression (did you mean "pop"?)`,
		"no metric value at all in period 2024 for a1, a2: are their rows missing from the metrics files?",
		`geometric aggregate over "x" = 0 ≤ 0; the node is missing`,
		"the final aggregate is missing (no indicator took part); the subject is unrated",
		"the condition is missing and counts as false",
		"the points value is missing and counts 0",
		`file is not UTF-8 (byte 0xB5 here is the first that is not); read as GB18030: save it as "CSV UTF-8" to silence this warning`,
		"file is not valid UTF-8; read as GB18030 (save it as CSV UTF-8 to silence this warning)",
		"metrics file has no data rows",
		"assessments file has no rows",
		"3 row(s) without a score ignored (the first is here)",
		"1 blank row skipped (line 4)",
		"2 blank rows skipped (lines 4, 9)",
		`assessment item "sat": role "superior" (weight 20) is missing for 3 of the 10 rated subjects: it has fewer than its min_raters 1 rating, so its weight does not count for them; collect more ratings or lower min_raters for the role`,
		`unknown subject "cty" (did you mean "city"?): every subject must be listed in subjects.csv (1 more row names it)`,
		`unknown subject "s9"`,
		`unknown kind "gov_departmnt"; the indicator set declares: party_org, gov_department (did you mean "gov_department"?)`,
		`missing required column "id": subjects.csv needs the columns id, name and kind (optional: parent, then any attributes); the first line must be a header row`,
		`missing required column "period": a metrics file has the columns subject, period, metric, value[, source][, note] (long layout) or subject, period and one column per metric (wide layout)`,
		`no subject is named "甲局x" (did you mean "甲局"?): the names must be written as in the subjects file`,
		`answer "很好" is neither a number nor a label: add it to labels ("一般", "满意") in the indicator set, or correct the answer`,
		`metric "population": unparseable number "371,449": remove the thousands separators: 371449`,
		`unparseable number "1，5": use a dot as the decimal separator and no thousands separators`,
		`not a workbook but a text file (it starts with "id,name,kind"): a CSV file renamed .xlsx? name it .csv, or open it in Excel and save it as .xlsx`,
		`invalid period "2024-13": want YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM`,
		"division by zero: value treated as missing (period 2023)",
		`indicators.yaml:12:5: indicator "x" has missing: fail and no value for 12 rated subject(s): a1, a2 and 10 more`,
		`indicator "x" has missing: fail and no value for 2 rated subject(s): a1, a2`,
		`composite "score", peer group "dept": entropy weights cannot be computed from 2 complete case(s): too few cases; statistical weights need at least 3 subjects with every child present — use explicit weights or ahp for this composite`,
		"found character '\t' that cannot start any token",
		"non-map value is specified",
		"could not find end character of double-quoted text",
		"could not find end character of single-quoted text",
		"mapping value is not allowed in this context",
		"value is not allowed in this context",
		"',' or ']' must be specified",
		"could not find flow mapping end token '}'",
		"sequence end token ']' not found",
		"unexpected key name",
		"found an invalid key for this map",
		"logarithm of zero: value treated as missing",
		"geometric aggregate over a scale starting at 0: geometric means need positive values, so a child at 0 makes the node missing; use a scale with lo > 0 or the arithmetic aggregate",
		`applies_to names kind "dept", but ancestor "service" excludes it: the node never applies to dept subjects`,
		"direction does not apply to normalize: target (the best value is the target; distances below and above both lower the value); remove it",
		"normalize: to on zscore changes only the value of `missing: zero` (a); zscore values are mean + sd·z, so set mean and sd for their range",
		"unexpected token EOF",
		`unexpected token Operator("*")`,
		"unexpected end of expression",
		"literal not terminated",
		"invalid char escape",
		"unclosed comment",
		"unrecognized character: U+0040 '@'",
		"expected name",
		`bad number syntax: "1e"`,
		"invalid float literal: 1..2",
		"integer literal is too large",
		"Operator (||) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses.",
		`assessment item "sat": role "public" (weight 40) is missing for all 10 rated subjects: it has fewer than its min_raters 30 ratings, so its weight does not count for them; collect more ratings or lower min_raters for the role`,
	}
	used := map[int]bool{}
	for _, s := range samples {
		got := Message(Zh, s)
		if got == s || !hanRE.MatchString(got) {
			t.Errorf("no Chinese for %q: %q", s, got)
		}
		for i, m := range messages {
			if m.re.MatchString(s) {
				used[i] = true
			}
		}
		if Message(En, s) != s {
			t.Errorf("Message(en) changed %q", s)
		}
	}
	for i, m := range messages {
		if !used[i] {
			t.Errorf("pattern %d (%s) has no sample", i, m.re)
		}
	}
	for in, want := range map[string]string{
		"division by zero: value treated as missing (period 2023)":                                                                  "除数为零：该值按缺失处理（评价期 2023）",
		"overflow in power: value treated as missing":                                                                               "乘方溢出：该值按缺失处理",
		`unknown subject "cty" (did you mean "city"?): every subject must be listed in subjects.csv (1 more row names it)`:          `没有评价对象 "cty"（是否应为 "city"？）：每个评价对象都必须列在评价对象名单中（另有 1 行也写了它）`,
		`minmax normalisation is uninformative: all 4 values are equal (0.5); the indicator is left out of the group's aggregation`: `极差标准化无区分度：全部 4 个值都相等（0.5）；该指标不参与本组汇总`,
	} {
		if got := Message(Zh, in); got != want {
			t.Errorf("Message(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`metric "population": unparseable number "371,449": remove the thousands separators: 371449`: `指标 "population"：无法识别的数字 "371,449"：去掉千位分隔符：371449（或在 data: 中设置 thousands: true）`,
		`unparseable number "８４": full-width digits (U+FF18); type the number with ASCII digits`:     `无法识别的数字 "８４"：全角数字（U+FF18）；请用半角数字输入`,
	} {
		if got := Message(Zh, in); got != want {
			t.Errorf("Message(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Message(Zh, "something new"); got != "something new" {
		t.Errorf("unknown message changed: %q", got)
	}
}

var hanRE = regexp.MustCompile(`\p{Han}`)

// errText is a message kept as its format and arguments (as diag.Text).
type errText struct {
	format string
	args   []any
}

func (e errText) Parts() (string, []any) { return e.format, e.args }
func (e errText) String() string         { return fmt.Sprintf(e.format, e.args...) }

// TestError: an error kept as its format and arguments is shown in
// Chinese, its arguments too (nested messages, contexts, value kinds), the
// did-you-mean hint kept; in English it is the message as made; a format
// without an entry falls back to the patterns.
func TestError(t *testing.T) {
	for _, c := range []struct {
		format string
		args   []any
		want   string
	}{
		{"unknown key %q in %s (did you mean %q?)", []any{"wieght", `node "service"`, "weight"},
			`节点 "service" 中没有键 "wieght"（是否应为 "weight"？）`},
		{"%s: want a number, got %s", []any{"weight", `string "heavy"`}, `weight：应为数字，实际为字符串 "heavy"`},
		{"%s: %s%s", []any{`leaf "x"`, errText{"unknown metric %q%s", []any{"incidnets", ` (did you mean "incidents"?)`}}, "\n | expr"},
			"末级指标 \"x\"：指标 \"incidnets\" 不存在（是否应为 \"incidents\"？）\n | expr"},
		{"%s: %s%s", []any{"rated_when", errText{"syntax error: %s", []any{"unexpected token EOF"}}, ""},
			"rated_when：语法错误：表达式意外结束（缺少后半部分？）"},
		{"YAML syntax error: %s%s", []any{"non-map value is specified", `; full-width colon "：" (U+FF1A) on this line: YAML needs an ASCII colon ":"`},
			`YAML 语法错误：此处应为“键: 值”；此行有全角冒号“：”（U+FF1A）：YAML 需要半角冒号 ":"`},
		{"%s takes %s, got %d", []any{"ratio", "2 arguments", 3}, "ratio 需要 2 个参数，实际为 3 个"},
	} {
		msg := fmt.Sprintf(c.format, c.args...)
		if got := Error(Zh, c.format, c.args, msg); got != c.want {
			t.Errorf("Error(%q) = %q, want %q", c.format, got, c.want)
		}
		if got := Error(En, c.format, c.args, msg); got != msg {
			t.Errorf("Error(en, %q) = %q, want %q", c.format, got, msg)
		}
	}
	// No entry: the patterns, else the English as made.
	if got := Error(Zh, "no such format %d", []any{1}, `unknown subject "s9"`); got != `没有评价对象 "s9"` {
		t.Errorf("fallback: %q", got)
	}
	if got := Error(Zh, "", nil, "something else"); got != "something else" {
		t.Errorf("fallback: %q", got)
	}
}

// TestCatalogueParts checks that no English key is in two parts of the
// catalogue, nor in a part and in zh's own entries (read from zh.go): init
// merges the parts into zh, and a key in two of them would take whichever
// came last.
func TestCatalogueParts(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "zh.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && len(v.Names) == 1 && v.Names[0].Name == "zh" {
			for _, e := range v.Values[0].(*ast.CompositeLit).Elts {
				k, err := strconv.Unquote(e.(*ast.KeyValueExpr).Key.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				seen[k] = "zh.go"
			}
			return false
		}
		return true
	})
	if len(seen) == 0 {
		t.Fatal("no entry of zh read from zh.go")
	}
	for i, part := range zhParts {
		for en := range part {
			if w, ok := seen[en]; ok {
				t.Errorf("key %q is in part %d and in %s", en, i, w)
			}
			seen[en] = fmt.Sprintf("part %d", i)
		}
	}
	if len(zh) != len(seen) {
		t.Errorf("zh has %d entries, want %d", len(zh), len(seen))
	}
}
