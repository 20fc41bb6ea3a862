package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// copyDir copies the project at src to a fresh directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "proj")
	if out, err := exec.Command("cp", "-r", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	return dst
}

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr,
		now:    func() time.Time { return time.Unix(1700000000, 0) },
		getenv: func(k string) string { return map[string]string{"SOURCE_DATE_EPOCH": "1700000000", langEnv: "en"}[k] }}
	code := mainEnv(context.Background(), args, e)
	return code, stdout.String(), stderr.String()
}

func TestRunAndReportPublications(t *testing.T) {
	dir := copyDir(t, filepath.Join("..", "..", "reports", "testdata", "small"))
	out := filepath.Join(dir, "out", "2024")
	if code, _, stderr := runMain(t, "run", dir, "-q", "--format", "json,html,md", "--lang", "en"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), `<html lang="en">`) || !strings.Contains(string(html), "Rank change") {
		t.Error("run's report.html is not in English or lacks the change column (the data hold 2023)")
	}
	if _, err := os.Stat(filepath.Join(out, "results.xlsx")); err == nil {
		t.Error("results.xlsx written though --format did not ask for it")
	}
	// Re-render from results.json (the set is found at OUT/../../indicators.yaml).
	if err := os.Remove(filepath.Join(out, "report.html")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runMain(t, "report", out, "--lang", "zh")
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "已写出 report.html, results.xlsx, results.md") {
		t.Errorf("report stdout: %s", stdout)
	}
	html, err = os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="zh">`, "安全一票否决", "条件 accidents &gt; 0"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("re-rendered report lacks %q", want)
		}
	}
	// With the previous batch's results.json beside it, the change appears.
	if code, _, stderr := runMain(t, "run", dir, "-q", "--period", "2023", "--format", "json"); code != 0 {
		t.Fatalf("run 2023: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runMain(t, "report", out, "--format", "html"); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	html, _ = os.ReadFile(filepath.Join(out, "report.html"))
	if !strings.Contains(string(html), "名次变化") {
		t.Error("report with out/2023/results.json beside it lacks the change column")
	}
}

// TestReportCSVFromResults: `report OUT --format csv` re-creates results.csv
// and indicators.csv from results.json, byte for byte what run wrote, for a
// project with unrated, vetoed and missing cells and for the example.
func TestReportCSVFromResults(t *testing.T) {
	for _, src := range []string{filepath.Join("..", "..", "reports", "testdata", "small"), filepath.Join("..", "..", "examples", "inner-mongolia-2024")} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			dir := copyDir(t, src)
			ran := filepath.Join(t.TempDir(), "ran")
			if code, _, stderr := runMain(t, "run", dir, "-q", "--format", "csv,json", "-o", ran); code != 0 {
				t.Fatalf("run: exit %d\n%s", code, stderr)
			}
			out := filepath.Join(t.TempDir(), "re")
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(filepath.Join(ran, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "results.json"), js, 0o644); err != nil {
				t.Fatal(err)
			}
			// -o sends the re-rendered files elsewhere, leaving OUT alone.
			elsewhere := filepath.Join(t.TempDir(), "elsewhere")
			if code, _, stderr := runMain(t, "report", out, "--format", "csv", "-o", elsewhere, "--indicators", filepath.Join(dir, "indicators.yaml")); code != 0 {
				t.Fatalf("report -o: exit %d\n%s", code, stderr)
			}
			if got := names(t, out); len(got) != 1 {
				t.Errorf("report -o wrote into OUT: %v", got)
			}
			if code, _, stderr := runMain(t, "report", out, "--format", "csv,json", "--indicators", filepath.Join(dir, "indicators.yaml")); code != 0 {
				t.Fatalf("report: exit %d\n%s", code, stderr)
			}
			for _, name := range []string{"results.csv", "indicators.csv"} {
				a, _ := os.ReadFile(filepath.Join(ran, name))
				b, err := os.ReadFile(filepath.Join(elsewhere, name))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("%s re-created with -o differs from the run's (%v)", name, err)
				}
			}
			for _, name := range []string{"results.csv", "indicators.csv", "results.json"} {
				a, _ := os.ReadFile(filepath.Join(ran, name))
				b, err := os.ReadFile(filepath.Join(out, name))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("%s re-created from results.json differs from the run's (%v)", name, err)
				}
			}
		})
	}
}

func TestReportErrors(t *testing.T) {
	dir := copyDir(t, filepath.Join("..", "..", "reports", "testdata", "small"))
	out := filepath.Join(dir, "out", "2024")
	if code, _, stderr := runMain(t, "run", dir, "-q", "--format", "json"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	src, _ := os.ReadFile(filepath.Join(dir, "indicators.yaml"))
	if err := os.WriteFile(other, append(src, []byte("\n# changed\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown format", []string{"report", out, "--format", "pdf"}, 2, `unknown format "pdf"`},
		{"unknown language", []string{"report", out, "--lang", "fr"}, 2, `unknown --lang "fr"`},
		{"no results.json", []string{"report", dir}, 3, "results.json"},
		{"another set", []string{"report", out, "--indicators", other}, 3, "was scored with indicator set sha256"},
		{"missing previous", []string{"report", out, "--previous", filepath.Join(dir, "nope.json")}, 3, "nope.json"},
		{"run with unknown language", []string{"run", dir, "--lang", "fr"}, 2, `unknown --lang "fr"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runMain(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want %d; stderr %q, want %q", code, tt.code, stderr, tt.want)
			}
		})
	}
}

// TestReportAlteredPreviousPeriod: a results.json whose
// meta.previous_period is not a period (a path, say) is invalid input
// (exit 1), in English with --lang en and in Chinese by default.
func TestReportAlteredPreviousPeriod(t *testing.T) {
	dir := copyDir(t, filepath.Join("..", "..", "reports", "testdata", "small"))
	out := filepath.Join(dir, "out", "2024")
	if code, _, stderr := runMain(t, "run", dir, "-q", "--format", "json"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	p := filepath.Join(out, "results.json")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	altered := regexp.MustCompile(`"previous_period": "[^"]*"`).ReplaceAll(src, []byte(`"previous_period": "../x"`))
	if bytes.Equal(altered, src) {
		t.Fatal("results.json has no previous_period")
	}
	if err := os.WriteFile(p, altered, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMain(t, "report", out)
	if want := p + `: meta.previous_period "../x" is not a period`; code != exitInvalid || !strings.Contains(stderr, want) {
		t.Errorf("en: exit %d, stderr %q; want %d and %q", code, stderr, exitInvalid, want)
	}
	code, _, stderr = runLang(t, "report", out)
	if want := p + `: meta.previous_period "../x" 不是评价期`; code != exitInvalid || !strings.Contains(stderr, want) {
		t.Errorf("zh: exit %d, stderr %q; want %d and %q", code, stderr, exitInvalid, want)
	}
}
