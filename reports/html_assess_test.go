package reports

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/scoring"
)

const assessedDir = "testdata/assessed"

// hiddenMean is the mean of c2's two peer ratings (12.3 and 12.38): fewer
// than min_raters (3), so no output may show it.
const hiddenMean = "12.34"

// assessedBatch scores testdata/assessed and, with replications > 0, runs
// the uncertainty analysis with the rater bootstrap and attaches it.
func assessedBatch(t testing.TB, replications int) *batch.Batch {
	t.Helper()
	b := loadBatch(t, assessedDir, "2024")
	if replications == 0 {
		return b
	}
	rb, err := b.RaterBootstrap()
	if err != nil || rb == nil {
		t.Fatalf("RaterBootstrap() = %v, %v", rb, err)
	}
	in := batchInputOf(b)
	rep, err := analysis.Analyse(context.Background(), in, b.Result, analysis.Options{Replications: replications, Seed: 1, Resampler: rb})
	if err != nil {
		t.Fatal(err)
	}
	b.Analysis = rep
	return b
}

func TestWriteHTMLAssessedGolden(t *testing.T) {
	v := NewView(assessedBatch(t, 50))
	for _, lang := range Languages {
		checkGolden(t, "report_assessed_"+lang+".golden.html", []byte(renderHTML(t, v, HTMLOptions{Lang: lang})))
	}
}

func TestWriteHTMLAssessed(t *testing.T) {
	v := NewView(assessedBatch(t, 50))
	en := renderHTML(t, v, HTMLOptions{Lang: "en"})
	zh := renderHTML(t, v, HTMLOptions{Lang: "zh"})
	plain := renderHTML(t, NewView(assessedBatch(t, 0)), HTMLOptions{Lang: "en"})
	tests := []struct {
		name, html, want string
		present          bool
	}{
		{"rank band column", en, `<th scope="col">Rank band (P5–P95)</th>`, true},
		{"tied column", en, `<th scope="col">Statistically tied with</th>`, true},
		{"tied names a subject", en, `<td class="tied">新村社区</td>`, true},
		{"band", en, `<td class="num">2–3</td>`, true},
		{"degenerate band", en, `<td class="num">1</td><td class="tied">—</td>`, true},
		{"band in summary", en, ` · Rank band (P5–P95) `, true},
		{"uncertainty method", en, `50 replications (seed 1): every weight multiplied by a factor in [1−0.25, 1&#43;0.25]; normalisation drawn from minmax, rank; the assessment ratings resampled`, true},
		{"zh uncertainty method", zh, `每次重算对测评评分按`, true},
		{"no bands without analysis", plain, `Rank band`, false},
		{"no uncertainty section without analysis", plain, `Uncertainty analysis`, false},
		{"assessment table", en, `Assessment results — 群众满意度 <span class="id">assess.satisfaction</span>: Combined score`, true},
		{"c2 combined score", en, `Combined score 71.25 · SE 1.49 · 90% interval [68.79, 73.71]`, true},
		{"hidden role", en, `fewer than 3 ratings: not shown`, true},
		{"zh hidden role", zh, `少于 3 份评分，不公布`, true},
		{"reliability table", en, `<caption>Assessment reliability</caption>`, true},
		{"flagged pair by names", en, `北山社区 ↔ 中心社区`, true},
		{"flagged pair not by ids", en, `c4 ↔ c5`, false},
		{"reliability without analysis", plain, `<caption>Assessment reliability</caption>`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(tt.html, tt.want); got != tt.present {
				t.Errorf("contains %q = %v, want %v", tt.want, got, tt.present)
			}
		})
	}
}

// TestAssessPrivacy checks SPEC §5's rule in every publication: the mean of
// a role resting on fewer than min_raters ratings appears nowhere, whether
// the view comes from the batch or from results.json (even one edited to
// carry the mean).
func TestAssessPrivacy(t *testing.T) {
	b := assessedBatch(t, 20)
	direct := NewView(b)
	js := writeJSONBytes(t, NewView(b))
	if strings.Contains(string(js), hiddenMean) {
		t.Fatalf("results.json shows the hidden mean %s", hiddenMean)
	}
	read, err := ReadView(bytes.NewReader(js), b.Project.Set)
	if err != nil {
		t.Fatal(err)
	}
	// A results.json edited to carry the mean: the view drops it.
	edited := strings.Replace(string(js), `"peer": {"n": 2, "mean": null}`, `"peer": {"n": 2, "mean": `+hiddenMean+`}`, 1)
	if edited == string(js) {
		t.Fatal("results.json has no hidden peer role of n = 2 to edit")
	}
	forged, err := ReadView(strings.NewReader(edited), b.Project.Set)
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]*View{"direct": direct, "read": read, "forged": forged}
	for name, v := range views {
		for _, lang := range Languages {
			outputs := map[string]string{
				"html": renderHTML(t, v, HTMLOptions{Lang: lang}),
				"md":   renderMD(t, v, MarkdownOptions{Lang: lang}),
				"xlsx": xlsxText(t, v, XLSXOptions{Lang: lang}),
			}
			for format, out := range outputs {
				if strings.Contains(out, hiddenMean) {
					t.Errorf("%s view, %s %s: shows the hidden mean %s", name, lang, format, hiddenMean)
				}
				// Individual ratings are never published either.
				for _, rating := range []string{"12.3<", "12.38"} {
					if strings.Contains(out, rating) {
						t.Errorf("%s view, %s %s: shows the rating %s", name, lang, format, strings.TrimSuffix(rating, "<"))
					}
				}
			}
		}
		k := subjectIndex(t, v, "c2")
		if m := v.Assess[0].Subjects[k].Roles[1].Mean; !math.IsNaN(m) {
			t.Errorf("%s view: c2's peer mean %v, want hidden", name, m)
		}
	}
	// The shown role means survive the round trip.
	k := subjectIndex(t, direct, "c1")
	if d, r := direct.Assess[0].Subjects[k].Roles[1].Mean, read.Assess[0].Subjects[k].Roles[1].Mean; math.IsNaN(d) || d != r {
		t.Errorf("c1 peer mean: direct %v, read %v", d, r)
	}
}

// TestReadViewAssessedRoundTrip checks that assessments and the
// uncertainty analysis come back from results.json and render identically.
func TestReadViewAssessedRoundTrip(t *testing.T) {
	b := assessedBatch(t, 30)
	direct := NewView(b)
	js := writeJSONBytes(t, NewView(b))
	read, err := ReadView(bytes.NewReader(js), b.Project.Set)
	if err != nil {
		t.Fatal(err)
	}
	if read.Uncertainty == nil || !read.Uncertainty.RaterBootstrap || len(read.Uncertainty.Subjects) != 8 {
		t.Fatalf("uncertainty read back: %+v", read.Uncertainty)
	}
	if len(read.Assess) != 1 || read.Assess[0].MinRaters != 3 || len(read.Assess[0].Flagged) != 1 {
		t.Fatalf("assessments read back: %+v", read.Assess)
	}
	for _, lang := range Languages {
		want := renderHTML(t, direct, HTMLOptions{Lang: lang})
		got := renderHTML(t, read, HTMLOptions{Lang: lang})
		if got != want {
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("%s: line %d differs:\n got: %s\nwant: %s", lang, i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%s: lengths differ", lang)
		}
	}
}

// TestViewSnapshot checks that a View is a snapshot of its batch: an
// analysis attached to the batch after NewView does not reach it, and one
// given to batch.Run (as `govscore run` does) is rendered.
func TestViewSnapshot(t *testing.T) {
	b := assessedBatch(t, 0)
	v := NewView(b)
	b.Analysis = assessedBatch(t, 10).Analysis
	if v.Bands() != nil || strings.Contains(renderHTML(t, v, HTMLOptions{Lang: "en"}), "Rank band (P5–P95)") {
		t.Error("an analysis attached after NewView reached the view")
	}
	if !strings.Contains(renderHTML(t, NewView(b), HTMLOptions{Lang: "en"}), "Rank band (P5–P95)") {
		t.Error("the analysis of the batch is not rendered")
	}
}

func TestReadViewAssessErrors(t *testing.T) {
	b := assessedBatch(t, 0)
	js := writeJSONBytes(t, NewView(b))
	tests := []struct{ name, old, new, want string }{
		{"unknown subject", `{"subject": "c1", "score"`, `{"subject": "nobody", "score"`, `unknown subject "nobody"`},
		{"unknown role", `"peer": {"n": 2`, `"judge": {"n": 2`, `unknown role "judge"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(string(js), tt.old, tt.new, 1)
			if src == string(js) {
				t.Fatalf("%q not found in results.json", tt.old)
			}
			_, err := ReadView(strings.NewReader(src), b.Project.Set)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// batchInputOf is the scoring input of b.
func batchInputOf(b *batch.Batch) scoring.Input {
	return scoring.Input{Set: b.Project.Set, Subjects: b.Project.Data.Subjects,
		Raw: b.Values.Leaves, Points: b.Values.Points, When: b.Values.When}
}

func renderMD(t testing.TB, v *View, opt MarkdownOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, v, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// xlsxText returns the text of every XML part of the workbook (shared
// strings and sheets).
func xlsxText(t testing.TB, v *View, opt XLSXOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, v, opt); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(data)
	}
	return sb.String()
}

func TestXLSXAndMarkdownAssessed(t *testing.T) {
	v := NewView(assessedBatch(t, 20))
	xl := xlsxText(t, v, XLSXOptions{Lang: "en"})
	md := renderMD(t, v, MarkdownOptions{Lang: "en"})
	plainXL := xlsxText(t, NewView(assessedBatch(t, 0)), XLSXOptions{Lang: "en"})
	tests := []struct {
		name, out, want string
		present         bool
	}{
		{"assessments sheet", xl, "Assessment results", true},
		{"reliability sheet", xl, "Assessment reliability", true},
		{"hidden role note", xl, "fewer than 3 ratings: not shown", true},
		{"flagged by names", xl, "北山社区 ↔ 中心社区", true},
		{"band columns", xl, "Rank band low (P5)", true},
		{"no band column without analysis", plainXL, "Rank band low (P5)", false},
		{"markdown band column", md, "| Rank band (P5–P95) |", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(tt.out, tt.want); got != tt.present {
				t.Errorf("contains %q = %v, want %v", tt.want, got, tt.present)
			}
		})
	}
}

// TestAssessPerRoleMinRaters checks that the reports hide a role's mean by
// that role's own min_raters (`min_raters: {public: 5, default: 3}`), not
// the item's, from the batch and from results.json alike.
func TestAssessPerRoleMinRaters(t *testing.T) {
	b := assessedBatch(t, 0)
	def := b.Project.Set.Assessments[0]
	for r := range def.Roles {
		if def.Roles[r].Role == "public" {
			def.Roles[r].MinRaters = 5 // every subject has 4 public ratings
		}
	}
	js := writeJSONBytes(t, NewView(b))
	if !strings.Contains(string(js), `{"role": "public", "weight": 60, "min_raters": 5}, {"role": "peer", "weight": 40, "min_raters": 3}`) {
		t.Errorf("results.json lacks the per-role min_raters:\n%.2000s", string(js))
	}
	read, err := ReadView(bytes.NewReader(js), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*View{"direct": NewView(b), "read": read} {
		it := &v.Assess[0]
		if it.MinPresent(0) != 5 || it.MinPresent(1) != 3 {
			t.Errorf("%s: MinPresent = %d, %d, want 5, 3", name, it.MinPresent(0), it.MinPresent(1))
		}
		k := subjectIndex(t, v, "c1")
		if m := it.Subjects[k].Roles[0].Mean; !math.IsNaN(m) {
			t.Errorf("%s: c1's public mean %v rests on 4 < 5 ratings, want hidden", name, m)
		}
		if m := it.Subjects[k].Roles[1].Mean; math.IsNaN(m) {
			t.Errorf("%s: c1's peer mean hidden, want shown (7 ≥ 3 ratings)", name)
		}
		html := renderHTML(t, v, HTMLOptions{Lang: "en"})
		if !strings.Contains(html, "fewer than 5 ratings: not shown") {
			t.Errorf("%s: report.html does not hide the public means by their min_raters 5", name)
		}
	}
}
