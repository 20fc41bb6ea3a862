package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/internal/xlsxtest"
)

// TestOfficeWorkbooksCLI: an office's project read from workbooks and a
// survey export validates, runs, and yields a provider's template.
func TestOfficeWorkbooksCLI(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, nil)
	out := mustGov(t, "validate", dir)
	if !strings.Contains(out, "ok: office — ") || !strings.Contains(out, "3 subjects") {
		t.Errorf("validate: %q", out)
	}
	o := filepath.Join(t.TempDir(), "out")
	mustGov(t, "run", dir, "-o", o, "--format", "csv", "-q")
	res, err := os.ReadFile(filepath.Join(o, "results.csv"))
	if err != nil || !strings.Contains(string(res), "d1") {
		t.Errorf("results.csv: %v\n%s", err, res)
	}
	tpl := filepath.Join(t.TempDir(), "公安局.xlsx")
	out = mustGov(t, "template", dir, "--provider", "公安局", "-o", tpl)
	if !strings.Contains(out, "3 subjects × 1 metrics for period 2024") {
		t.Errorf("template: %q", out)
	}
	if st, err := os.Stat(tpl); err != nil || st.Size() == 0 {
		t.Errorf("template file: %v", err)
	}
	code, _, errs := gov(t, "template", dir, "--provider", "统计局", "-o", tpl)
	if code != exitUsage || !strings.Contains(errs, `no metric has provider "统计局"`) {
		t.Errorf("unknown provider: exit %d, %q", code, errs)
	}
	code, _, errs = gov(t, "template", dir, "-o", filepath.Join(t.TempDir(), "t.csv"))
	if code != exitUsage {
		t.Errorf("template -o t.csv: exit %d, %q", code, errs)
	}
}

// TestValidateMaxErrors: --max-errors caps the problems printed, 0 prints
// them all; the count is always exact.
func TestValidateMaxErrors(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, func(f map[string][]xlsxtest.Sheet) {
		for _, r := range f["公安局报送.xlsx"][0].Rows[1:] {
			r[1] = r[1].(string) + "x"
		}
	})
	code, _, errs := gov(t, "validate", dir, "--max-errors", "1")
	if code != exitInvalid || strings.Count(errs, "no subject is named") != 1 || !strings.Contains(errs, "(and 2 more errors)") || !strings.Contains(errs, "3 problem(s)") {
		t.Errorf("--max-errors 1: exit %d\n%s", code, errs)
	}
	code, _, errs = gov(t, "validate", dir, "--max-errors", "0")
	if code != exitInvalid || strings.Count(errs, "no subject is named") != 3 || strings.Contains(errs, "more errors") {
		t.Errorf("--max-errors 0: exit %d\n%s", code, errs)
	}
	if code, _, _ := gov(t, "validate", dir, "--max-errors", "-1"); code != exitUsage {
		t.Errorf("--max-errors -1: exit %d", code)
	}
	_, stdout, _ := gov(t, "validate", "--help")
	_, _, help := gov(t, "validate", "--help")
	if h := stdout + help; !strings.Contains(h, "-max-errors") || strings.Contains(h, "every problem;") {
		t.Errorf("validate --help:\n%s", h)
	}
}

// TestBadWorkbookWritesNothing: a bad workbook stops `run` with exit 1, the
// cell named, and no output directory.
func TestBadWorkbookWritesNothing(t *testing.T) {
	cases := map[string]struct {
		edit func(map[string][]xlsxtest.Sheet)
		raw  func(dir string)
		want string
	}{
		"unknown name": {edit: func(f map[string][]xlsxtest.Sheet) { f["公安局报送.xlsx"][0].Rows[2][1] = "乙 村" },
			want: `公安局报送.xlsx:Sheet1!B3: no subject is named "乙 村" (did you mean "乙村"?)`},
		"unmapped label": {edit: func(f map[string][]xlsxtest.Sheet) { f["问卷星_满意度.xlsx"][0].Rows[1][3] = "很好" },
			want: `问卷星_满意度.xlsx:Sheet1!D2: answer "很好" is neither a number nor a label`},
		"renamed csv": {raw: func(dir string) {
			if err := os.WriteFile(filepath.Join(dir, "data", "单位名单.xlsx"), []byte("id,name,kind\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: `单位名单.xlsx: not a workbook but a text file`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := xlsxtest.OfficeProject(t, c.edit)
			if c.raw != nil {
				c.raw(dir)
			}
			o := filepath.Join(t.TempDir(), "out")
			code, _, errs := gov(t, "run", dir, "-o", o)
			if code != exitInvalid || !strings.Contains(errs, c.want) || !strings.Contains(errs, "nothing was written") {
				t.Errorf("exit %d\n%s\nwant %q", code, errs, c.want)
			}
			if _, err := os.Stat(o); !os.IsNotExist(err) {
				t.Errorf("output directory written: %v", err)
			}
		})
	}
}

// TestDBImportWorkbooks: `db import` reads the workbooks through the same
// data: mapping as `run`, and a run from the database equals the run from
// the files.
func TestDBImportWorkbooks(t *testing.T) {
	db := testDatabase(t)
	dir := xlsxtest.OfficeProject(t, nil)
	mustGov(t, "db", "migrate", "--db", db)
	out := mustGov(t, "db", "import", dir, "--db", db)
	if !strings.Contains(out, "subjects 3 added") || !strings.Contains(out, "ratings 5 added") {
		t.Errorf("db import: %q", out)
	}
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	mustGov(t, "run", dir, "-o", a, "--format", "csv", "-q")
	mustGov(t, "run", dir, "-o", b, "--format", "csv", "-q", "--db", db)
	for _, name := range []string{"results.csv", "indicators.csv"} {
		x, err1 := os.ReadFile(filepath.Join(a, name))
		y, err2 := os.ReadFile(filepath.Join(b, name))
		if err1 != nil || err2 != nil || string(x) != string(y) {
			t.Errorf("%s differs between the file run and the database run (%v, %v)", name, err1, err2)
		}
	}
}

// TestErrorCountsInChinese: the lines that count the problems not printed
// ("(and N more errors)") and not kept (past diag.MaxCollected) are in the
// terminal's language like the problems themselves, and in English with
// --lang en.
func TestErrorCountsInChinese(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, func(f map[string][]xlsxtest.Sheet) {
		for _, r := range f["公安局报送.xlsx"][0].Rows[1:] {
			r[1] = r[1].(string) + "x"
		}
	})
	code, _, errs := runLang(t, "validate", dir, "--max-errors", "1")
	if code != exitInvalid || !strings.Contains(errs, "（另有 2 个错误未列出）") || strings.Contains(errs, "more errors") {
		t.Errorf("zh, --max-errors 1: exit %d\n%s", code, errs)
	}
	code, _, errs = runLang(t, "validate", dir, "--max-errors", "1", "--lang", "en")
	if code != exitInvalid || !strings.Contains(errs, "(and 2 more errors)") {
		t.Errorf("en, --max-errors 1: exit %d\n%s", code, errs)
	}

	// Past diag.MaxCollected the last kept line counts the rest.
	n := diag.MaxCollected + 7
	proj := t.TempDir()
	var m strings.Builder
	m.WriteString("subject,metric,period,value\n")
	for i := range n {
		fmt.Fprintf(&m, "x%d,m,2024,1\n", i)
	}
	for name, content := range map[string]string{
		"indicators.yaml":   "govscore: 1\nid: t\nname: t\nperiod: \"2024\"\nkinds: [k]\ntree:\n  - {id: a, expr: m}\n",
		"data/subjects.csv": "id,name,kind\ns1,S1,k\ns2,S2,k\n",
		"data/metrics.csv":  m.String(),
	} {
		p := filepath.Join(proj, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errs = runLang(t, "validate", proj, "--max-errors", "0")
	if code != exitInvalid || !strings.Contains(errs, "（另有 7 个错误未列出）") || strings.Contains(errs, "more errors") {
		t.Errorf("zh, past MaxCollected: exit %d\n%.300s", code, errs[max(0, len(errs)-300):])
	}
	// The element that counts them reads in the same language.
	var list diag.List
	for i := range n {
		list.Add(diag.Pos{File: "m.csv", Line: i + 2, Col: 1}, "unknown subject %q", fmt.Sprint("x", i))
	}
	translateErrors(list, i18n.Zh)
	if last := list[len(list)-1]; last.Omitted() != 7 || last.Error() != "（另有 7 个错误未记录：请先改正以上错误再运行）" {
		t.Errorf("omitted element: %d, %q", last.Omitted(), last.Error())
	}
	code, _, errs = runLang(t, "validate", proj, "--lang", "en")
	if code != exitInvalid || !strings.Contains(errs, fmt.Sprintf("(and %d more errors)", n-diag.MaxErrors)) {
		t.Errorf("en, past MaxCollected: exit %d\n%.300s", code, errs[max(0, len(errs)-300):])
	}
}
