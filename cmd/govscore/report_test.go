package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
		getenv: func(k string) string { return map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}[k] }}
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
	if !strings.Contains(stdout, "wrote report.html, results.xlsx, results.md") {
		t.Errorf("report stdout: %s", stdout)
	}
	html, err = os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="zh">`, "安全一票否决", "when accidents &gt; 0"} {
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
		{"csv is not re-rendered", []string{"report", out, "--format", "csv"}, 2, `not "csv"`},
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
