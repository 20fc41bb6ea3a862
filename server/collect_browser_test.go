package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromium starts a headless Chromium for a test (skipped when it is
// missing, outside CI) and returns its context and a screenshot action
// saving to $GOVSCORE_ARTIFACTS (default artifacts/) as collect_NAME.png.
func chromium(t *testing.T) (context.Context, func(name string) chromedp.Action) {
	t.Helper()
	return chromiumAs(t, "collect_")
}

// chromiumAs is chromium with the screenshots named prefix+NAME.png.
func chromiumAs(t *testing.T, prefix string) (context.Context, func(name string) chromedp.Action) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing under CI: scripts/test installs the chromium package", chromiumPath)
		}
		t.Skipf("%s is missing: apt-get install chromium to run the browser tests", chromiumPath)
	}
	dir := os.Getenv("GOVSCORE_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
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
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 300*time.Second)
	t.Cleanup(cancel)
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, prefix+name+".png"), buf, 0o644)
		})
	}
	return ctx, shot
}

// TestCollectionInChromium: a provider uploads its workbook with one bad
// cell in Chromium, sees the cell, fixes it, previews and confirms; then
// ten rater tokens each open their questionnaire on a phone-sized
// viewport (390×844, with the page's scripts disabled: the pages have
// none and the CSP allows none), one saves and resumes, all submit, and
// closing the round stores their ratings.
func TestCollectionInChromium(t *testing.T) {
	ctx, shot := chromium(t)
	e := collectEnv(t)
	u := e.ts.URL
	// The provider's workbook, as the template link gives it.
	tpl := e.must(e.do("GET", "/provider/template?period=2024", e.token("police"), nil), 200).body
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad", "police.xlsx"), filepath.Join(dir, "good", "police.xlsx")
	os.MkdirAll(filepath.Dir(bad), 0o755)
	os.MkdirAll(filepath.Dir(good), 0o755)
	os.WriteFile(bad, fillTemplate(t, tpl, "D", 120, 90, "很多", 30, 45, 10), 0o644)
	os.WriteFile(good, fillTemplate(t, tpl, "D", 120, 90, 210, 30, 45, 10), 0o644)
	var text string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(u+"/login"),
		chromedp.SendKeys("#name", "police", chromedp.ByQuery),
		chromedp.SendKeys("#password", testPassword, chromedp.ByQuery),
		chromedp.Click("#login", chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/logout"]`, chromedp.ByQuery),
		chromedp.Navigate(u+"/provider"), chromedp.WaitVisible("#template", chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{bad}, chromedp.ByQuery),
		chromedp.Click("#upload", chromedp.ByQuery),
		chromedp.WaitVisible("#cell-errors", chromedp.ByQuery),
		chromedp.Text("#cell-errors", &text, chromedp.ByQuery), shot("1_cell_error")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "police.xlsx:填报!D4") || !strings.Contains(text, "很多") {
		t.Errorf("the cell error: %q", text)
	}
	if err := chromedp.Run(ctx,
		chromedp.SetUploadFiles("#file", []string{good}, chromedp.ByQuery),
		chromedp.Click("#upload", chromedp.ByQuery),
		chromedp.WaitVisible("#preview", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("2_preview")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "新增 1 · 修改 2 · 未变 3") || !strings.Contains(text, "200 → 210") {
		t.Errorf("the preview: %q", text)
	}
	if cur := string(e.do("GET", "/api/v1/periods/2024/metrics", e.token("police"), nil).body); !strings.Contains(cur, "a3,2024,cases,200") {
		t.Errorf("the preview stored something: %q", cur)
	}
	if err := chromedp.Run(ctx, chromedp.Click("#confirm", chromedp.ByQuery), chromedp.WaitVisible("#stored", chromedp.ByQuery),
		chromedp.Text("#stored", &text, chromedp.ByQuery), shot("3_stored"),
		chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`a[href="/login"]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "版本") {
		t.Errorf("after confirming: %q", text)
	}
	if cur := string(e.do("GET", "/api/v1/periods/2024/metrics", e.token("police"), nil).body); !strings.Contains(cur, "a3,2024,cases,210") {
		t.Errorf("the confirmed value is not current: %q", cur)
	}

	// Ten tokens rate on a phone.
	round := e.openRound(map[string]any{"item": "peer_review", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": 10})
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		emulation.SetScriptExecutionDisabled(true)); err != nil {
		t.Fatal(err)
	}
	for i, tok := range round.Tokens {
		q := u + "/q/" + tok
		var width int
		if err := chromedp.Run(ctx, chromedp.Navigate(q), chromedp.WaitVisible("#q-submit", chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &width)); err != nil {
			t.Fatal(err)
		}
		if width > 390 {
			t.Errorf("token %d: the questionnaire is %d px wide on a 390 px phone", i, width)
		}
		var acts []chromedp.Action
		for j := range fiveSubjects {
			acts = append(acts, chromedp.SendKeys("#a"+strconv.Itoa(j), strconv.Itoa(50+i+j), chromedp.ByQuery))
		}
		if i == 0 { // save, come back later, go on
			acts = append(acts, chromedp.Click("#q-save", chromedp.ByQuery), chromedp.WaitVisible("#q-saved", chromedp.ByQuery), shot("4_phone_saved"),
				chromedp.Navigate(q), chromedp.WaitVisible("#q-submit", chromedp.ByQuery), chromedp.Value("#a4", &text, chromedp.ByQuery))
		}
		acts = append(acts, chromedp.Click("#q-submit", chromedp.ByQuery), chromedp.WaitVisible("#q-done", chromedp.ByQuery))
		if i == 0 {
			acts = append(acts, shot("5_phone_done"))
		}
		if err := chromedp.Run(ctx, acts...); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		if i == 0 && text != "54" {
			t.Errorf("the saved answer came back as %q, want 54", text)
		}
	}
	// A token used again.
	if err := chromedp.Run(ctx, chromedp.Navigate(u+"/q/"+round.Tokens[3]), chromedp.WaitVisible("#q-done", chromedp.ByQuery),
		chromedp.Text("#q-done", &text, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "已经提交") {
		t.Errorf("a used token shows %q", text)
	}
	var rep struct{ Added int }
	e.must(e.do("POST", "/api/v1/rounds/"+itoa(round.Round)+"/close", e.token("office"), nil), 200).json(t, &rep)
	if rep.Added != 50 {
		t.Errorf("closing stored %d ratings, want 10 × 5", rep.Added)
	}
}
