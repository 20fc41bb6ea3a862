package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAppealInChromium walks the appeal path in a real browser (headless
// Chromium through chromedp): the subject files an appeal with a PNG
// attachment from the form; the admin opens it from the review queue,
// reads the explanation, accepts it with a corrected value, recomputes,
// approves and publishes from the dashboard; the public diff marks the
// appeal; the subject reads the outcome. Screenshots go to
// $GOVSCORE_ARTIFACTS (default artifacts/).
func TestAppealInChromium(t *testing.T) {
	ctx, shot := chromiumAs(t, "appeal_")
	e := newEnv(t)
	e.cycle()
	e.openWindow("2024")
	scan := filepath.Join(t.TempDir(), "证明.png")
	if err := os.WriteFile(scan, pngFile, 0o644); err != nil {
		t.Fatal(err)
	}
	u := e.ts.URL
	var text string
	// The subject files its appeal with an attachment.
	if err := chromedp.Run(ctx, loginTasks(u, "a1"), chromedp.WaitVisible("dl", chromedp.ByQuery),
		chromedp.Click(`nav a[href="/appeals"]`, chromedp.ByQuery), chromedp.WaitVisible("#file-appeal", chromedp.ByQuery),
		chromedp.SetValue("#a-target", "metric:cases", chromedp.ByQuery),
		chromedp.SendKeys("#a-reason", "120 件含已撤销案件 30 件，见公安局证明。", chromedp.ByQuery),
		chromedp.SetUploadFiles("#a-file", []string{scan}, chromedp.ByQuery), shot("1_file"),
		chromedp.Click("#file-appeal", chromedp.ByQuery), chromedp.WaitVisible("#appeal-status", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("2_filed"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"待复核", "120.00", "证明.png", "image/png", "万人刑事案件数"} {
		if !strings.Contains(text, want) {
			t.Errorf("filed appeal page lacks %q:\n%s", want, text)
		}
	}
	// The admin reviews it, accepts with the corrected value, recomputes.
	if err := chromedp.Run(ctx, loginTasks(u, "office"), chromedp.WaitVisible("#open-period", chromedp.ByQuery),
		acceptAppealTasks(u, "90", "公安局复核确认。", &text, shot("3_review"), shot("4_decided"))); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"police", "police.csv", "120.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("review page lacks %q:\n%s", want, text)
		}
	}
	waitDraftPage(t, ctx, u, 2)
	if err := chromedp.Run(ctx, approvePublishTasks(2),
		chromedp.Navigate(u+"/p/2024/diff"), chromedp.WaitVisible("#appeal-marks", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("5_diff"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#1 (a1, cases", "120.00", "90.00", "58.00 → 98.50"} {
		if !strings.Contains(text, want) {
			t.Errorf("diff page lacks %q:\n%s", want, text)
		}
	}
	// The subject reads the outcome.
	if err := chromedp.Run(ctx, loginTasks(u, "a1"), chromedp.WaitVisible("dl", chromedp.ByQuery), chromedp.Navigate(u+"/appeals/1"),
		chromedp.WaitVisible("#outcome", chromedp.ByQuery), chromedp.Text("main", &text, chromedp.ByQuery), shot("6_outcome")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"已采纳", "公安局复核确认。", "58.00 → 98.50", "合格 → 优秀", "2 → 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("outcome page lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "police.csv") {
		t.Error("the subject sees the versions' files")
	}
}
