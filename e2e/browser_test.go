package e2e

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

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/reports"
)

const chromium = "/usr/bin/chromium"

// browser returns the chromium path, skipping the test when it is missing
// (failing it under CI=true).
func browser(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing under CI: scripts/test installs the chromium package", chromium)
		}
		t.Skipf("%s is missing: apt-get install chromium to run the browser tests", chromium)
	}
	return chromium
}

// artifacts is the directory where the tests leave their screenshots.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GOVSCORE_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// run runs headless chromium on page with extra flags and returns its
// stdout and stderr.
func run(t *testing.T, page string, extra ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir=" + t.TempDir(),
		"--enable-logging=stderr", "--v=0",
		// Any attempt to reach the network fails and is logged.
		"--host-resolver-rules=MAP * ~NOTFOUND",
	}
	args = append(args, extra...)
	args = append(args, "file://"+abs)
	cmd := exec.CommandContext(ctx, browser(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	return out.String(), errb.String()
}

// consoleErrors extracts the page's console messages and failed loads from
// chromium's log. Chromium logs console output as
// `...:INFO:CONSOLE(line)] "message", source: url (line)`.
var consoleLine = regexp.MustCompile(`(?m)^.*(?:CONSOLE[:(]\d+|Failed to load resource|net::ERR_|Uncaught).*$`)

func consoleErrors(log string) []string { return consoleLine.FindAllString(log, -1) }

// writeExampleReport renders the report of examples/inner-mongolia-2024
// (with 2023 as the previous batch) into dir.
func writeExampleReport(t *testing.T, dir, lang string) string {
	t.Helper()
	files, err := batch.FromDir(filepath.Join("..", "examples", "inner-mongolia-2024"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := batch.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{At: at})
	if err != nil {
		t.Fatal(err)
	}
	prev, err := batch.Run(context.Background(), p, p.Set, batch.Options{Period: b.Period.Prev().String(), At: at})
	if err != nil {
		t.Fatal(err)
	}
	v := reports.NewView(b)
	v.SetPrevious(reports.NewView(prev))
	path := filepath.Join(dir, "report_"+lang+".html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteHTML(f, v, reports.HTMLOptions{Lang: lang}); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExampleReportInChromium opens the example's report.html in headless
// Chromium: the page renders (the DOM holds every peer group and the
// methodology), logs no console error and loads nothing from the network;
// a full-page screenshot is saved as an artefact.
func TestExampleReportInChromium(t *testing.T) {
	browser(t)
	dir := artifacts(t)
	for _, lang := range reports.Languages {
		t.Run(lang, func(t *testing.T) {
			page := writeExampleReport(t, dir, lang)
			dom, log := run(t, page, "--dump-dom")
			if errs := consoleErrors(log); len(errs) > 0 {
				t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
			}
			for _, want := range []string{`<html lang="` + lang + `">`, `id="methodology"`, `class="chart radar"`, `id="g3"`} {
				if !strings.Contains(dom, want) {
					t.Errorf("rendered DOM lacks %q", want)
				}
			}
			shot := filepath.Join(dir, "report_"+lang+".png")
			_, log = run(t, page, "--screenshot="+mustAbs(t, shot), "--window-size=1280,2400", "--hide-scrollbars")
			if errs := consoleErrors(log); len(errs) > 0 {
				t.Errorf("console errors while taking the screenshot:\n%s", strings.Join(errs, "\n"))
			}
			st, err := os.Stat(shot)
			if err != nil || st.Size() < 10_000 {
				t.Fatalf("screenshot %s: %v (size %v)", shot, err, st)
			}
			t.Logf("screenshot: %s", shot)
		})
	}
}

// TestConsoleErrorsDetected checks the check itself: a page that logs a
// console error and requests a remote image is reported.
func TestConsoleErrorsDetected(t *testing.T) {
	browser(t)
	page := filepath.Join(t.TempDir(), "bad.html")
	html := `<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body>` +
		`<img src="http://example.invalid/x.png" alt="x"><script>console.error("boom")</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	_, log := run(t, page, "--dump-dom")
	errs := strings.Join(consoleErrors(log), "\n")
	if !strings.Contains(errs, "boom") {
		t.Errorf("console.error not detected; log:\n%s", log)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
