package reports

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
)

// TestPublicViewLeavesOut asserts what a public output may never contain:
// the flagged pairs of two-way ratings (and their column), the warnings
// with their file positions, and a role mean resting on fewer than
// PublicMinRatings ratings — in report.html, results.xlsx and results.md,
// in both languages. The internal outputs keep them.
func TestPublicViewLeavesOut(t *testing.T) {
	v := NewView(assessedBatch(t, 0))
	v.Warnings = append(v.Warnings, diag.Warning{Pos: diag.Pos{File: "/srv/office/data/metrics_secret.csv", Line: 7, Col: 3}, Msg: "leaf x has no value in group g"})
	flagged := 0
	for _, it := range v.Assess {
		flagged += len(it.Flagged)
	}
	if flagged == 0 {
		t.Fatal("the fixture has no flagged pair; the test would prove nothing")
	}
	pub := PublicView(v)
	if len(v.Warnings) == 0 || v.Public {
		t.Fatal("PublicView modified its argument")
	}
	for _, it := range pub.Assess {
		if len(it.Flagged) != 0 {
			t.Errorf("item %s: flagged pairs kept", it.ID)
		}
		for k, s := range it.Subjects {
			for r, ro := range s.Roles {
				if ro.N < PublicMinRatings && !math.IsNaN(ro.Mean) {
					t.Errorf("item %s subject %d role %d: mean of %d ratings shown", it.ID, k, r, ro.N)
				}
			}
		}
	}
	never := []string{"↔", "metrics_secret.csv", "/srv/office", "file:line:col", "leaf x has no value",
		labelsByLang["zh"]["flagged"], labelsByLang["en"]["flagged"], labelsByLang["zh"]["warnings"], "collusion", hiddenMean}
	for _, lang := range Languages {
		internal := renderHTML(t, v, HTMLOptions{Lang: lang}) + xlsxText(t, v, XLSXOptions{Lang: lang})
		if !strings.Contains(internal, "↔") || !strings.Contains(internal, "metrics_secret.csv") {
			t.Errorf("%s: the internal outputs lack the flagged pairs or the warnings", lang)
		}
		var md bytes.Buffer
		if err := WriteMarkdown(&md, pub, MarkdownOptions{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		public := map[string]string{
			"report.html":  renderHTML(t, pub, HTMLOptions{Lang: lang}),
			"results.xlsx": xlsxText(t, pub, XLSXOptions{Lang: lang}),
			"results.md":   md.String(),
		}
		for name, text := range public {
			for _, bad := range never {
				if bad != "" && strings.Contains(text, bad) {
					t.Errorf("%s public %s contains %q", lang, name, bad)
				}
			}
		}
	}
}
