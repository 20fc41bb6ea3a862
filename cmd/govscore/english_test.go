package main

import (
	"archive/zip"
	"context"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
)

// readerWords are the Latin words a Chinese reader may meet in the public
// outputs: names of methods and tools that have no Chinese name in use.
var readerWords = []string{"ICC", "Krippendorff", "SHA", "govscore", "Excel", "TOPSIS", "CRITIC", "AHP", "PCA"}

// TestChineseExampleHasNoEnglish runs the Chinese examples (examples/
// office-xlsx, the office's path, and inner-mongolia-2024) as an office
// would — no flags — and fails on any English
// word a reader would see in its public outputs (report.html, results.xlsx,
// results.md): everything but the identifiers the set and the data define
// (ids, metric names, expressions), file names, hashes and readerWords.
// results.csv and results.json are data files whose columns and keys the
// SPEC fixes (§8), not reading formats.
func TestChineseExampleHasNoEnglish(t *testing.T) {
	for _, ex := range []string{"office-xlsx", "inner-mongolia-2024"} {
		t.Run(ex, func(t *testing.T) { checkNoEnglish(t, filepath.Join("..", "..", "examples", ex)) })
	}
}

// checkNoEnglish runs the project dir and greps its public outputs.
func checkNoEnglish(t *testing.T, dir string) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errs := runLang(t, "run", dir, "-o", out, "-q"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, errs)
	}
	files, err := batch.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard, now: func() time.Time { return time.Unix(0, 0) }, getenv: func(string) string { return "" }}
	b, err := loadAndRun(context.Background(), e, files, batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The identifiers and expressions, longest first (an id may hold another).
	var ids []string
	set := b.Project.Set
	ids = append(ids, set.ID)
	for _, n := range set.Nodes {
		ids = append(ids, n.ID)
		if n.Expr != nil {
			ids = append(ids, strings.TrimSpace(n.Expr.Text))
		}
	}
	for _, m := range set.Metrics {
		ids = append(ids, m.Name)
		if m.Expr != nil {
			ids = append(ids, strings.TrimSpace(m.Expr.Text))
		}
	}
	for _, a := range set.Assessments {
		ids = append(ids, a.ID, "assess."+a.ID)
	}
	for _, a := range set.Adjustments {
		ids = append(ids, a.ID)
	}
	for _, n := range set.Nodes {
		if n.Missing.By != "" {
			ids = append(ids, n.Missing.By) // a subject attribute
		}
	}
	ids = append(ids, b.Project.Data.AttrNames...)
	for _, s := range b.Project.Data.Subjects {
		ids = append(ids, s.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) > len(ids[j]) })
	texts := map[string]string{
		"report.html":  htmlText(t, filepath.Join(out, "report.html")),
		"results.xlsx": xlsxStrings(t, filepath.Join(out, "results.xlsx")),
		"results.md":   readText(t, filepath.Join(out, "results.md")),
	}
	fileName := regexp.MustCompile(`[\w.-]+\.(?:csv|xlsx|html|json|md)\b`)
	hash := regexp.MustCompile(`\b[0-9a-f]{16,}\b`)
	word := regexp.MustCompile(`[A-Za-z][A-Za-z_]+`)
	for name, text := range texts {
		for _, id := range ids {
			text = strings.ReplaceAll(text, id, " ")
		}
		text = hash.ReplaceAllString(fileName.ReplaceAllString(text, " "), " ")
		for _, loc := range word.FindAllStringIndex(text, -1) {
			w := text[loc[0]:loc[1]]
			if slices.Contains(readerWords, w) {
				continue
			}
			lo, hi := max(0, loc[0]-40), min(len(text), loc[1]+40)
			t.Errorf("%s: English word %q: …%s…", name, w, strings.Join(strings.Fields(text[lo:hi]), " "))
		}
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// htmlText is what a reader of the page sees: the text outside the style
// sheet and the tags, entities decoded; attributes a reader meets (title,
// alt, aria-label) included.
func htmlText(t *testing.T, path string) string {
	s := readText(t, path)
	s = regexp.MustCompile(`(?s)<style.*?</style>`).ReplaceAllString(s, " ")
	var attrs []string
	for _, m := range regexp.MustCompile(`(?:title|alt|aria-label)="([^"]*)"`).FindAllStringSubmatch(s, -1) {
		attrs = append(attrs, m[1])
	}
	s = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
	return html.UnescapeString(s + " " + strings.Join(attrs, " "))
}

// xlsxStrings is the text of a workbook: cell strings, sheet names, print
// headers and footers (their &-codes removed).
func xlsxStrings(t *testing.T, path string) string {
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var sb strings.Builder
	cell := regexp.MustCompile(`<t[^>]*>([^<]*)</t>`)
	sheet := regexp.MustCompile(`<sheet [^>]*name="([^"]*)"`)
	hf := regexp.MustCompile(`<(?:oddHeader|oddFooter)>([^<]*)<`)
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/") || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{cell, sheet, hf} {
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				sb.WriteString(html.UnescapeString(m[1]))
				sb.WriteString("\n")
			}
		}
	}
	return regexp.MustCompile(`&[A-Z]|&"[^"]*"|&\d+`).ReplaceAllString(sb.String(), " ")
}
