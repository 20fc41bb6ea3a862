package reports

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/synth"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testTime is the fixed generated_at of the test batches.
var testTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// loadBatch scores period of the project in dir.
func loadBatch(t testing.TB, dir, period string) *batch.Batch {
	t.Helper()
	files, err := batch.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := batch.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{Period: period, At: testTime})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const smallDir = "testdata/small"

// smallView is the view of testdata/small for 2024, with 2023 attached as
// the previous batch when prev is true.
func smallView(t testing.TB, prev bool) *View {
	t.Helper()
	v := NewView(loadBatch(t, smallDir, "2024"))
	if prev {
		v.SetPrevious(NewView(loadBatch(t, smallDir, "2023")))
	}
	return v
}

func renderHTML(t testing.TB, v *View, opt HTMLOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, v, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run go test -update if the change is intended)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d", path, len(gl), len(wl))
	}
}

func TestWriteHTMLGolden(t *testing.T) {
	tests := []struct {
		name   string
		prev   bool
		opt    HTMLOptions
		golden string
	}{
		{"zh with previous", true, HTMLOptions{Lang: "zh"}, "report_zh.golden.html"},
		{"en without previous", false, HTMLOptions{Lang: "en"}, "report_en.golden.html"},
		{"collapsed groups", true, HTMLOptions{Lang: "en", CollapseAbove: 2}, "report_collapsed.golden.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderHTML(t, smallView(t, tt.prev), tt.opt)
			checkGolden(t, tt.golden, []byte(got))
		})
	}
}

func TestWriteHTMLContent(t *testing.T) {
	zh := renderHTML(t, smallView(t, true), HTMLOptions{})
	en := renderHTML(t, smallView(t, false), HTMLOptions{Lang: "en"})
	collapsed := renderHTML(t, smallView(t, false), HTMLOptions{Lang: "en", CollapseAbove: 2})
	tests := []struct {
		name, html, want string
		present          bool
	}{
		{"default language is zh", zh, `<html lang="zh">`, true},
		{"en language attribute", en, `<html lang="en">`, true},
		{"set name escaped", zh, `小型测试评价 &lt;&amp;&gt; &#34;report&#34;`, true},
		{"subject name escaped", zh, `西城社区 &lt;b&gt;`, true},
		{"no raw markup from data", zh, `西城社区 <b>`, false},
		{"change column with previous", zh, `<th scope="col">名次变化</th>`, true},
		{"rank improvement shown", zh, `class="chg up"`, true},
		{"no change column without previous", en, `Rank change`, false},
		{"veto badge", en, `<span class="badge">veto</span>`, true},
		{"unrated row", en, `<tr class="unrated">`, true},
		{"weakness table", en, `Weaknesses (points lost against the group&#39;s best)`, true},
		{"adjustment reason", en, `points (awards ?? 0) * 2 ∈ [−∞, 3]`, true},
		{"grade reasoning", en, `Grade reasoning:`, true},
		{"methodology bounds", en, `Normalisation bounds used — Peer group community`, true},
		{"goalpost parameters", en, `goalpost [0.5, 1]`, true},
		{"transform in pipeline", en, `sqrt → minmax`, true},
		{"leaf description", en, `按时办结的事项占受理事项的比例。`, true},
		{"data sources", en, `Data sources (metrics)`, true},
		{"provenance hash", en, `Indicator set SHA-256`, true},
		{"generated_at only time, in the set's time zone (Asia/Shanghai by default)", en, `2025-01-02 11:04:05&#43;08:00`, true},
		{"open sections when small", en, `<details class="subject" id="s0" open>`, true},
		{"collapsed sections when large", collapsed, `<details class="subject" id="s0">`, true},
		{"collapse note", collapsed, `the subject sections are collapsed`, true},
		{"histogram when large", collapsed, `class="chart hist"`, true},
		{"heatmap truncated when large", collapsed, `Showing the top 2 of 4 subjects`, true},
		{"no radar when collapsed", collapsed, `chart radar`, false},
		{"radar when small", en, `class="chart radar"`, true},
		{"no script", zh, `<script`, false},
		{"no network", zh, `http://www.w3.org/2000/svg"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(tt.html, tt.want); got != tt.present {
				t.Errorf("contains %q = %v, want %v", tt.want, got, tt.present)
			}
		})
	}
	t.Run("no external reference", func(t *testing.T) {
		for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(zh, -1) {
			if !strings.HasPrefix(m[1], "#") {
				t.Errorf("reference to %q: the page must be self-contained", m[1])
			}
		}
	})
}

var (
	svgOpen   = regexp.MustCompile(`<svg [^>]*>`)
	svgTitled = regexp.MustCompile(`<svg [^>]*role="img" aria-labelledby="(c\d+)-t c\d+-d">\s*<title id="c\d+-t">[^<]+</title><desc id="c\d+-d">[^<]*</desc>`)
	thTag     = regexp.MustCompile(`<th[ >][^>]*>?`)
)

// TestHTMLAccessibility checks that every chart has a title and a
// description it is labelled by, that ids are unique, and that every table
// header cell has a scope.
func TestHTMLAccessibility(t *testing.T) {
	for _, opt := range []HTMLOptions{{Lang: "zh"}, {Lang: "en", CollapseAbove: 2}} {
		html := renderHTML(t, smallView(t, true), opt)
		t.Run(opt.Lang, func(t *testing.T) {
			opens := svgOpen.FindAllString(html, -1)
			titled := svgTitled.FindAllStringSubmatch(html, -1)
			if len(opens) == 0 || len(opens) != len(titled) {
				t.Fatalf("%d svg elements, %d with a title and description", len(opens), len(titled))
			}
			seen := map[string]bool{}
			for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(html, -1) {
				if seen[m[1]] {
					t.Errorf("id %q used twice", m[1])
				}
				seen[m[1]] = true
			}
			for _, th := range thTag.FindAllString(html, -1) {
				if !strings.Contains(th, `scope="`) {
					t.Errorf("table header without scope: %s", th)
				}
			}
			if !strings.Contains(html, `<html lang="`+opt.Lang+`">`) {
				t.Errorf("no <html lang=%q>", opt.Lang)
			}
		})
	}
}

func TestWriteHTMLDeterministic(t *testing.T) {
	a := renderHTML(t, smallView(t, true), HTMLOptions{})
	b := renderHTML(t, smallView(t, true), HTMLOptions{})
	if a != b {
		t.Fatal("two renderings of the same batch differ")
	}
}

func TestWriteHTMLErrors(t *testing.T) {
	v := smallView(t, false)
	tests := []struct {
		name string
		w    func() *failWriter
		opt  HTMLOptions
		want string
	}{
		{"unknown language", func() *failWriter { return &failWriter{n: 1 << 30} }, HTMLOptions{Lang: "fr"}, `unknown report language "fr"`},
		{"write failure", func() *failWriter { return &failWriter{} }, HTMLOptions{}, "disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteHTML(tt.w(), v, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// failWriter fails once n bytes have been written.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

var errDiskFull = &diskFullError{}

type diskFullError struct{}

func (*diskFullError) Error() string { return "disk full" }

// synthView is the view of synthBatch.
func synthView(b *testing.B, n, m int) *View { return NewView(synthBatch(b, n, m)) }

// synthBatch scores a synthetic project of n subjects and m leaves.
func synthBatch(t testing.TB, n, m int) *batch.Batch {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: n, Leaves: m, Seed: 1, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	return loadBatch(t, dir, "2024")
}

// BenchmarkWriteHTML10k renders report.html for 10,000 subjects × 50
// indicators (the issue asks for under 3 s).
func BenchmarkWriteHTML10k(b *testing.B) {
	v := synthView(b, 10000, 50)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var cw countWriter
		if err := WriteHTML(&cw, v, HTMLOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cw)/1e6, "MB")
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func parseF(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return x
}

// near reports whether a and b agree within tol (both NaN counts as equal).
func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

// TestWriteHTMLDetailsOmitted: a group larger than DetailsAbove keeps its
// ranking table and charts but has no per-subject sections, and its ranking
// rows link nowhere.
func TestWriteHTMLDetailsOmitted(t *testing.T) {
	full := renderHTML(t, smallView(t, false), HTMLOptions{Lang: "en"})
	light := renderHTML(t, smallView(t, false), HTMLOptions{Lang: "en", DetailsAbove: 1})
	if !strings.Contains(full, `<details class="subject"`) {
		t.Fatal("the full report has no subject sections")
	}
	if strings.Contains(light, `<details class="subject"`) {
		t.Error("subject sections rendered above DetailsAbove")
	}
	if !strings.Contains(light, "too large to list every subject") {
		t.Error("no note explaining the omitted details")
	}
	if strings.Contains(light, `<a href="#s`) {
		t.Error("ranking rows link to omitted sections")
	}
	if !strings.Contains(light, `<th scope="row">`) {
		t.Error("ranking table missing")
	}
}
