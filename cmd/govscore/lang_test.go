package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/internal/xlsxtest"
)

// runLang runs govscore with no $GOVSCORE_LANG: the messages follow --lang,
// Chinese by default.
func runLang(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, now: func() time.Time { return time.Unix(1700000000, 0) },
		getenv: func(k string) string { return map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}[k] }}
	code := mainEnv(context.Background(), args, e)
	return code, stdout.String(), stderr.String()
}

var han = regexp.MustCompile(`\p{Han}`)

// TestHelpInChinese: every command's --help, and the overview, are in
// Chinese by default — the summary and every flag's description — and in
// English with --lang en.
func TestHelpInChinese(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := runLang(t, c.name, "--help")
			if code != exitOK || !strings.HasPrefix(out, "用法：govscore "+c.name) {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "    \t") && !han.MatchString(line) {
					t.Errorf("flag description not translated: %q", line)
				}
			}
			if c.name != "db" && c.name != "user" && !strings.Contains(out, "-lang") {
				t.Errorf("no --lang flag:\n%s", out)
			}
			_, en, _ := runLang(t, c.name, "--help", "--lang", "en")
			if !strings.HasPrefix(en, "usage: govscore "+c.name) || han.MatchString(en) {
				t.Errorf("--lang en help:\n%s", en)
			}
		})
	}
	_, out, _ := runLang(t, "--help")
	if !strings.Contains(out, "用法：") || !strings.Contains(out, "退出码") {
		t.Errorf("overview:\n%s", out)
	}
}

// TestMessagesFollowLang: the CLI's own lines (problem counts, usage
// errors) follow --lang, and $GOVSCORE_LANG when --lang is not given.
func TestMessagesFollowLang(t *testing.T) {
	code, _, errs := runLang(t, "validate", "/nonexistent-govscore-dir")
	if code != exitUsage || !strings.Contains(errs, "用法：govscore validate") {
		t.Errorf("zh: exit %d\n%s", code, errs)
	}
	code, _, errs = runLang(t, "validate", "--lang", "en", "/nonexistent-govscore-dir")
	if code != exitUsage || !strings.Contains(errs, "usage: govscore validate") {
		t.Errorf("en: exit %d\n%s", code, errs)
	}
	code, _, errs = runLang(t, "validate", "--lang=fr", ".")
	if code != exitUsage || !strings.Contains(errs, `unknown --lang "fr"`) {
		t.Errorf("fr: exit %d\n%s", code, errs)
	}
}

// TestExplainByNameInChinese finds a subject by its name (or a unique part
// of it) and explains it in Chinese: kinds, groups, methods, statuses and
// the grade reason by their display names.
func TestExplainByNameInChinese(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "office-xlsx")
	code, out, errs := runLang(t, "explain", dir, "--subject", "青山区民政局")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, want := range []string{"评价对象 gd-civil — 青山区民政局（政府部门）", "同类组：政府部门", "加权算术平均", "阈值法", "[正常]", "群众评价", "得分 "} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	for _, bad := range []string{"Peer group", "arithmetic", "goalpost", "score 7", "public "} {
		if strings.Contains(out, bad) {
			t.Errorf("English %q in:\n%s", bad, out)
		}
	}
	if code, part, _ := runLang(t, "explain", dir, "--subject", "民政局"); code != exitOK || part != out {
		t.Errorf("by a unique part of the name: exit %d", code)
	}
	if code, _, errs := runLang(t, "explain", dir, "--subject", "村委会"); code != exitUsage || !strings.Contains(errs, "请给出编号") {
		t.Errorf("ambiguous name: exit %d\n%s", code, errs)
	}
	if code, _, errs := runLang(t, "explain", dir, "--subject", "不存在的单位"); code != exitUsage || !strings.Contains(errs, "没有编号或名称为") {
		t.Errorf("unknown name: exit %d\n%s", code, errs)
	}
	if code, en, _ := runLang(t, "explain", dir, "--subject", "gd-civil", "--lang", "en"); code != exitOK || !strings.Contains(en, "Peer group: gov_department") {
		t.Errorf("--lang en: exit %d\n%s", code, en)
	}
}

// TestCommandsInChinese: validate, run's summary, assess and analyse speak
// Chinese by default, with kinds, groups and roles by their display names.
func TestCommandsInChinese(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "office-xlsx")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"validate", dir}, []string{"通过：qingshan-office-2024", "本次评价期 2024"}},
		{[]string{"assess", dir}, []string{"测评 — 评价期 2024", "角色 群众评价", "Krippendorff α 系数"}},
		{[]string{"analyse", dir}, []string{"稳健性分析：qingshan-office-2024", "== 同类组", "综合指标（克朗巴哈 α 系数"}},
		{[]string{"run", dir, "-o", filepath.Join(t.TempDir(), "out"), "--format", "csv"}, []string{"[村（居）民自治组织] 4 个评价对象，4 个已评级", "名次  评价对象", "已写出"}},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			code, out, errs := runLang(t, c.args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
		})
	}
}

// TestAudienceAndBOM: run writes the public report.html and results.xlsx by
// default (no flagged pairs, no warnings) and the CSV files with a UTF-8
// BOM; --audience internal and --bom=false give the others.
func TestAudienceAndBOM(t *testing.T) {
	dir := copyDir(t, filepath.Join("..", "..", "reports", "testdata", "assessed"))
	pub, internal := filepath.Join(dir, "pub"), filepath.Join(dir, "internal")
	if code, _, errs := runLang(t, "run", dir, "-o", pub, "-q"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, errs)
	}
	if code, _, errs := runLang(t, "run", dir, "-o", internal, "-q", "--audience", "internal", "--bom=false"); code != exitOK {
		t.Fatalf("run internal: exit %d\n%s", code, errs)
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, f := range []string{"results.csv", "indicators.csv"} {
		if s := read(filepath.Join(pub, f)); !strings.HasPrefix(s, "\ufeff") {
			t.Errorf("%s: no BOM by default", f)
		}
		if s := read(filepath.Join(internal, f)); strings.HasPrefix(s, "\ufeff") || strings.TrimPrefix(read(filepath.Join(pub, f)), "\ufeff") != s {
			t.Errorf("%s: --bom=false must give the same bytes without the BOM", f)
		}
	}
	if h := read(filepath.Join(pub, "report.html")); strings.Contains(h, "↔") || strings.Contains(h, "疑似相互抬分") {
		t.Error("public report.html shows flagged pairs")
	}
	if h := read(filepath.Join(internal, "report.html")); !strings.Contains(h, "↔") {
		t.Error("internal report.html lacks the flagged pairs")
	}
	if code, _, errs := runLang(t, "run", dir, "-o", filepath.Join(dir, "x"), "--audience", "press"); code != exitUsage || !strings.Contains(errs, "--audience 应为 public") {
		t.Errorf("--audience press: exit %d\n%s", code, errs)
	}
}

// TestTimesInSetZone: with SOURCE_DATE_EPOCH the reading formats show the
// time in the set's zone (Asia/Shanghai by default: 1700000000 is
// 2023-11-15 06:13:20+08:00) and two runs write the same bytes.
func TestTimesInSetZone(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "office-xlsx")
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, out := range []string{a, b} {
		if code, _, errs := runLang(t, "run", dir, "-o", out, "-q"); code != exitOK {
			t.Fatalf("run: exit %d\n%s", code, errs)
		}
	}
	for _, f := range []string{"report.html", "results.xlsx", "results.md", "results.csv", "results.json"} {
		x, err1 := os.ReadFile(filepath.Join(a, f))
		y, err2 := os.ReadFile(filepath.Join(b, f))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (%v, %v)", f, err1, err2)
		}
	}
	md, err := os.ReadFile(filepath.Join(a, "results.md"))
	if err != nil || !strings.Contains(string(md), "2023-11-15 06:13:20+08:00") {
		t.Errorf("results.md does not show the time in Asia/Shanghai (%v):\n%.400s", err, md)
	}
	js, err := os.ReadFile(filepath.Join(a, "results.json"))
	if err != nil || !strings.Contains(string(js), `"generated_at": "2023-11-14T22:13:20Z"`) {
		t.Errorf("results.json generated_at is not UTC (%v)", err)
	}
}

// TestWarningsInChinese: a warning the catalogue knows (here: a file under
// data/ that nothing reads) is printed in Chinese by default, in English
// with --lang en.
func TestWarningsInChinese(t *testing.T) {
	dir := copyDir(t, filepath.Join("..", "..", "examples", "office-xlsx"))
	if err := os.WriteFile(filepath.Join(dir, "data", "旧名单.csv"), []byte("id,name,kind\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runLang(t, "validate", dir)
	if code != exitOK || !strings.Contains(errs, "警告：") || !strings.Contains(errs, "旧名单.csv: 文件未被读取") {
		t.Errorf("zh: exit %d\n%s", code, errs)
	}
	code, _, errs = runLang(t, "validate", dir, "--lang", "en")
	if code != exitOK || !strings.Contains(errs, "warning: ") || !strings.Contains(errs, "file not read") {
		t.Errorf("en: exit %d\n%s", code, errs)
	}
}

// TestErrorsInChinese: an error the catalogue knows (a name in a workbook
// matching no subject) is printed in Chinese by default, with its cell.
func TestErrorsInChinese(t *testing.T) {
	dir := xlsxtest.OfficeProject(t, func(f map[string][]xlsxtest.Sheet) {
		f["公安局报送.xlsx"][0].Rows[1][1] = "甲局x"
	})
	code, _, errs := runLang(t, "validate", dir)
	if code != exitInvalid || !strings.Contains(errs, `公安局报送.xlsx:Sheet1!B2: 没有名称为 "甲局x" 的评价对象（是否应为 "甲局"？）`) || !strings.Contains(errs, "共 1 个问题") {
		t.Errorf("exit %d\n%s", code, errs)
	}
}
