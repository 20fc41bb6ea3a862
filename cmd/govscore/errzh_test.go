package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// zhScriptCases are bad-input script cases whose errors
// TestScriptErrorsInChinese checks in Chinese.
var zhScriptCases = []string{
	"bad_unknown_key", "bad_wrong_type", "bad_duplicate_id", "bad_expr_and_children",
	"bad_goalpost", "bad_target_band", "bad_to_range", "bad_weight_zero",
	"bad_cap_grade", "bad_min_raters_role", "bad_unknown_kind", "bad_rank_column",
	"bad_yaml_depth",
	// Expressions (engine).
	"bad_expr_syntax", "bad_unknown_metric", "bad_nil_bool", "bad_yaml_and_expr", "bad_derived_cycle",
	"bad_applies_when", "bad_rated_when", "bad_expr_depth", "bad_non_numeric_leaf",
	// Data files (csvdata).
	"bad_control_chars", "bad_csv_field_count", "bad_csv_row", "bad_duplicate_metric", "bad_number",
	"bad_numerics", "bad_parent_cycle", "bad_period_mix", "bad_unknown_subject",
}

var (
	// verbatim matches the parts of an error line that are written as in
	// the input: quoted ids, keys and values, flow mappings and lists
	// (examples to copy), lists of ids, file names and positions.
	verbatim = regexp.MustCompile(`"[^"]*"|'[^']*'|\{[^}]*\}|\[[^\]]*\]|\S+\.(yaml|csv|xlsx)\S*|\w+(, \w+)+`)
	// asciiWord is a word in Latin letters.
	asciiWord = regexp.MustCompile(`[A-Za-z_][A-Za-z_0-9]*`)
	// keyWords are the words an error may show in English in Chinese
	// messages: the command, the keys and values of the YAML schema, and
	// the acronyms.
	keyWords = map[string]bool{}
	// proseWords are English words of messages, never allowed even when
	// the input holds them (a name such as "Service of the city").
	proseWords = map[string]bool{"the": true, "a": true, "an": true, "is": true, "not": true, "of": true,
		"must": true, "and": true, "or": true, "in": true, "to": true, "want": true, "got": true,
		"unknown": true, "missing": true, "error": true, "with": true, "for": true, "be": true}
)

func init() {
	for _, w := range strings.Fields(`govscore validate run expr children normalize goalpost low high
		direction lower higher to roles min_raters default rank weight name id kinds applies_to
		cap_grade points grades min max treat winsorize target median null YAML AHP CR max_cr
		metrics tree defaults weighting method a b A B T L H has x nil false true period subject
		assess prev group applies_when rated_when when n_present
		U NUL ESC DEL NA e3 YYYY Hn Qn MM CSV UTF GB18030 Excel xlsx`) {
		keyWords[w] = true
	}
}

// TestScriptErrorsInChinese runs validate on bad-input script projects in
// the default language (Chinese) and fails on an error line holding an
// English word other than a key, id, value, expression or position: an
// untranslated message, or an untranslated argument of one.
func TestScriptErrorsInChinese(t *testing.T) {
	for _, name := range zhScriptCases {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "script", name+".txtar"))
			if err != nil {
				t.Fatal(err)
			}
			_, files := parseTxtar(data)
			dir := t.TempDir()
			for n, content := range files {
				p := filepath.Join(dir, filepath.FromSlash(n))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// The ids, keys and expressions of the input may be quoted
			// as written.
			allowed := map[string]bool{}
			for _, content := range files {
				for _, w := range asciiWord.FindAllString(string(content), -1) {
					allowed[w] = !proseWords[w]
				}
			}
			code, _, errs := runLang(t, "validate", dir)
			if code != exitInvalid || !han.MatchString(errs) {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "|") {
					continue // the source line and its caret
				}
				for _, w := range asciiWord.FindAllString(verbatim.ReplaceAllString(line, ""), -1) {
					if !keyWords[w] && !allowed[w] {
						t.Errorf("English word %q in %q", w, line)
					}
				}
			}
		})
	}
}

// TestMissingInputInChinese: the list of missing input files is printed in
// Chinese (each file a text of the catalogue), in English with --lang en.
func TestMissingInputInChinese(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runLang(t, "validate", dir)
	want := "缺少输入：\n  指标体系（indicators.yaml 或 --indicators）\n  评价对象名单（data/subjects.csv 或 --subjects）\n  指标数据（data/metrics*.csv 或 --metrics）\n"
	if code != exitInvalid || !strings.HasPrefix(errs, want) {
		t.Errorf("exit %d\n%s", code, errs)
	}
	if err := os.WriteFile(filepath.Join(dir, "indicators.yaml"), []byte("govscore: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runLang(t, "validate", dir)
	if code != exitInvalid || !strings.HasPrefix(errs, "缺少输入：\n  评价对象名单（data/subjects.csv、指标体系中的 data.subjects 或 --subjects）\n") {
		t.Errorf("exit %d\n%s", code, errs)
	}
	code, _, errs = runLang(t, "validate", "--lang", "en", dir)
	if code != exitInvalid || !strings.HasPrefix(errs, "missing input:\n  the subjects (data/subjects.csv, data.subjects in the indicator set, or --subjects)\n") {
		t.Errorf("--lang en: exit %d\n%s", code, errs)
	}
}
