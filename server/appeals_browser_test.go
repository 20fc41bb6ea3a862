package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing under CI: scripts/test installs the chromium package", chromiumPath)
		}
		t.Skipf("%s is missing: apt-get install chromium to run the browser tests", chromiumPath)
	}
	e := newEnv(t)
	e.cycle()
	e.openWindow("2024")
	dir := os.Getenv("GOVSCORE_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	scan := filepath.Join(t.TempDir(), "证明.png")
	if err := os.WriteFile(scan, pngFile, 0o644); err != nil {
		t.Fatal(err)
	}
	profile, err := os.MkdirTemp("", "govscore-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"), chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(profile))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 300*time.Second)
	defer cancel()
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "appeal_"+name+".png"), buf, 0o644)
		})
	}
	u := e.ts.URL
	login := func(name string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(u + "/login"),
			chromedp.SendKeys("#name", name, chromedp.ByQuery),
			chromedp.SendKeys("#password", testPassword, chromedp.ByQuery),
			chromedp.Click("#login", chromedp.ByQuery),
		}
	}
	logout := chromedp.Tasks{chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`a[href="/login"]`, chromedp.ByQuery)}
	var text string
	// The subject files its appeal with an attachment.
	if err := chromedp.Run(ctx, login("a1"), chromedp.WaitVisible("dl", chromedp.ByQuery),
		chromedp.Click(`nav a[href="/appeals"]`, chromedp.ByQuery), chromedp.WaitVisible("#file-appeal", chromedp.ByQuery),
		chromedp.SetValue("#a-target", "metric:cases", chromedp.ByQuery),
		chromedp.SendKeys("#a-reason", "120 件含已撤销案件 30 件，见公安局证明。", chromedp.ByQuery),
		chromedp.SetUploadFiles("#a-file", []string{scan}, chromedp.ByQuery), shot("1_file"),
		chromedp.Click("#file-appeal", chromedp.ByQuery), chromedp.WaitVisible("#appeal-status", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("2_filed"), logout); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"待复核", "120.00", "证明.png", "image/png", "万人刑事案件数"} {
		if !strings.Contains(text, want) {
			t.Errorf("filed appeal page lacks %q:\n%s", want, text)
		}
	}
	// The admin reviews it, accepts with the corrected value, recomputes.
	if err := chromedp.Run(ctx, login("office"), chromedp.WaitVisible("#open-period", chromedp.ByQuery),
		chromedp.Navigate(u+"/appeals"), chromedp.Click("#appeal-1", chromedp.ByQuery), chromedp.WaitVisible("#decide", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("3_review"),
		chromedp.Click("#d-accept", chromedp.ByQuery), chromedp.SendKeys("#d-value", "90", chromedp.ByQuery),
		chromedp.SendKeys("#d-reason", "公安局复核确认。", chromedp.ByQuery), chromedp.Click("#decide", chromedp.ByQuery),
		chromedp.WaitVisible("#recompute", chromedp.ByQuery), shot("4_decided"),
		chromedp.Click("#recompute", chromedp.ByQuery), chromedp.WaitVisible("#outcome", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"police", "police.csv", "120.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("review page lacks %q:\n%s", want, text)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := chromedp.Run(ctx, chromedp.Navigate(u+"/admin"), chromedp.Text("#status-2", &text, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(text, "draft") {
			break
		}
		if strings.HasPrefix(text, "failed") || time.Now().After(deadline) {
			t.Fatalf("run 2: %s", text)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if err := chromedp.Run(ctx, chromedp.Click("#approve-2", chromedp.ByQuery), chromedp.WaitVisible("#publish-2", chromedp.ByQuery),
		// Run 1's row links /p/2024 already: wait for run 2's publish
		// button to go.
		chromedp.Click("#publish-2", chromedp.ByQuery), chromedp.WaitNotPresent("#publish-2", chromedp.ByQuery),
		chromedp.Navigate(u+"/p/2024/diff"), chromedp.WaitVisible("#appeal-marks", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("5_diff"), logout); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#1 (a1, cases", "120.00", "90.00", "58.00 → 98.50"} {
		if !strings.Contains(text, want) {
			t.Errorf("diff page lacks %q:\n%s", want, text)
		}
	}
	// The subject reads the outcome.
	if err := chromedp.Run(ctx, login("a1"), chromedp.WaitVisible("dl", chromedp.ByQuery), chromedp.Navigate(u+"/appeals/1"),
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
