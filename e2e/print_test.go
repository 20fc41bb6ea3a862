package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/synth"
)

// printSubjects, printLeaves and printGroups shape the evaluation printed
// by TestReportPrintPages: a municipal evaluation office's 300 bodies
// (issue 11) scored on 30 indicators, in the four peer groups of a
// synthetic project.
const (
	printSubjects = 300
	printLeaves   = 30
	printGroups   = 4
)

// TestReportPrintPages prints the report.html of a 300-subject evaluation
// to PDF (A4) in headless Chromium, as a reader's "Print" does, and counts
// the pages (issue 11: 641 pages for the office's 300 bodies, 354 for this
// evaluation before the print stylesheet).
//
// By default the print leaves out the per-subject sections and the bar per
// subject (the ranking table holds the scores): per peer group the ranking
// table and the dimension heatmap (18 px rows, at least 45 to an A4 page
// each), the grade distribution, then the methodology. The bound allows per
// group ⌈n/45⌉ pages for each of the two, one page for the heading, the
// grades and the page break, and 12 pages of methodology (the tree, the
// bounds of each group, the sources): 4 × (2 + 2 + 1) + 12 = 32 here. With
// the "print every subject's details" box ticked the sections are printed
// too, compactly: at most a page per two subjects more.
//
// The page printed is the one `govscore run` writes by default (the public
// audience, reports.PublicView), in Chinese and in English (--lang en).
func TestReportPrintPages(t *testing.T) {
	browser(t)
	dir := artifacts(t)
	for _, lang := range reports.Languages {
		t.Run(lang, func(t *testing.T) { printPages(t, dir, lang) })
	}
}

// printPages prints the report in lang and checks its page counts.
func printPages(t *testing.T, dir, lang string) {
	pagePath := writeSyntheticReport(t, dir, lang)
	summary, details := printReport(t, pagePath)
	perGroup := (printSubjects + printGroups - 1) / printGroups
	bound := printGroups*(2*((perGroup+44)/45)+1) + 12
	detailsBound := bound + (printSubjects+1)/2
	t.Logf("%s, %d subjects: %d pages without the per-subject details, %d with them (bounds %d, %d)",
		lang, printSubjects, summary, details, bound, detailsBound)
	if summary > bound {
		t.Errorf("the report prints on %d pages, want at most %d", summary, bound)
	}
	if details > detailsBound {
		t.Errorf("with the per-subject details the report prints on %d pages, want at most %d", details, detailsBound)
	}
	if details <= summary {
		t.Errorf("ticking the details box printed %d pages, no more than the %d without: the box does nothing", details, summary)
	}
}

// writeSyntheticReport renders the public report in lang of a synthetic
// project of printSubjects subjects into dir.
func writeSyntheticReport(t *testing.T, dir, lang string) string {
	t.Helper()
	proj := t.TempDir()
	if err := synth.Write(proj, synth.Config{Subjects: printSubjects, Leaves: printLeaves, Seed: 11, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	files, err := batch.FromDir(proj)
	if err != nil {
		t.Fatal(err)
	}
	p, err := batch.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{At: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.Result.Groups); n != printGroups {
		t.Fatalf("%d peer groups, want %d", n, printGroups)
	}
	var buf bytes.Buffer
	if err := reports.WriteHTML(&buf, reports.PublicView(reports.NewView(b)), reports.HTMLOptions{Lang: lang}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "report_print_300_"+lang+".html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// printReport opens the page in headless Chromium (chromedp) and prints it
// to PDF twice: as it opens, and with the per-subject details box ticked.
// It returns the page counts; the PDFs are saved as artefacts.
func printReport(t *testing.T, pagePath string) (summary, details int) {
	t.Helper()
	abs := mustAbs(t, pagePath)
	base := strings.TrimSuffix(filepath.Base(abs), ".html")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"))
	// No UserDataDir(t.TempDir()): Chromium's helper processes may still write
	// there after the allocator is cancelled, failing the TempDir cleanup;
	// chromedp's own temporary profile is removed once the browser has exited.
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 300*time.Second)
	defer cancel()
	print := func(name string, n *int) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			// A4 in inches; the page's @page rule sets the margins.
			pdf, _, err := page.PrintToPDF().WithPaperWidth(8.27).WithPaperHeight(11.69).WithPreferCSSPageSize(true).
				WithPrintBackground(true).Do(ctx)
			if err != nil {
				return err
			}
			*n = pdfPages(pdf)
			return os.WriteFile(filepath.Join(filepath.Dir(abs), name), pdf, 0o644)
		})
	}
	if err := chromedp.Run(ctx, chromedp.Navigate("file://"+abs), chromedp.WaitReady("footer", chromedp.ByQuery),
		print(base+".pdf", &summary),
		chromedp.Click("#print-details", chromedp.ByQuery),
		print(base+"_details.pdf", &details)); err != nil {
		t.Fatal(err)
	}
	if summary == 0 || details == 0 {
		t.Fatalf("no page found in the PDFs (%d, %d)", summary, details)
	}
	return summary, details
}

// pdfPage matches a page object of Chromium's (Skia's) PDFs, which keep
// their objects uncompressed: "/Type /Page" not followed by "s" (the page
// tree is "/Type /Pages").
var pdfPage = regexp.MustCompile(`/Type\s*/Page\b`)

func pdfPages(pdf []byte) int { return len(pdfPage.FindAll(pdf, -1)) }

// TestPDFPages checks the page counter on a PDF of two pages and a page
// tree.
func TestPDFPages(t *testing.T) {
	pdf := []byte("1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n" +
		"2 0 obj << /Type /Page /Parent 1 0 R >> endobj\n3 0 obj <</Type/Page/Parent 1 0 R>> endobj\n")
	if got := pdfPages(pdf); got != 2 {
		t.Fatalf("pdfPages = %d, want 2", got)
	}
}
