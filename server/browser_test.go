package server

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// TestCycleInChromium runs the cycle in a real browser (headless
// Chromium through chromedp): the admin logs in and opens a period, two
// providers submit through the API, the admin runs, approves and publishes
// from the dashboard, the public ranking shows the subjects, and a subject
// logs in and reads its explanation. Screenshots of each step are saved in
// $GOVSCORE_ARTIFACTS (default artifacts/).
func TestCycleInChromium(t *testing.T) {
	ctx, shot := chromiumAs(t, "server_")
	e := newEnv(t)
	u := e.ts.URL
	var text string
	// The admin logs in and opens 2024.
	if err := chromedp.Run(ctx, loginTasks(u, "office"), chromedp.WaitVisible("#open-period", chromedp.ByQuery), shot("1_admin"),
		chromedp.SendKeys("#period", "2024", chromedp.ByQuery), chromedp.Click("#open-period", chromedp.ByQuery),
		chromedp.WaitVisible("#run-2024", chromedp.ByQuery), shot("2_period_open")); err != nil {
		t.Fatal(err)
	}
	// The providers submit through the API.
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=police.csv", e.token("police"), policeCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=stats.csv", e.token("stats"), statsCSV), 200)
	// Run, wait for the draft, approve, publish.
	if err := chromedp.Run(ctx, chromedp.Click("#run-2024", chromedp.ByQuery), chromedp.WaitVisible("#status-1", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitDraftPage(t, ctx, u, 1)
	if err := chromedp.Run(ctx, shot("3_draft"), chromedp.Click("#approve-1", chromedp.ByQuery), chromedp.WaitVisible("#publish-1", chromedp.ByQuery),
		chromedp.Click("#publish-1", chromedp.ByQuery), chromedp.WaitVisible(`td a[href="/p/2024"]`, chromedp.ByQuery),
		chromedp.Text("#status-1", &text, chromedp.ByQuery), shot("4_published")); err != nil {
		t.Fatal(err)
	}
	if text != "published" {
		t.Fatalf("after publish the status is %q", text)
	}
	// The admin logs out; the public ranking.
	pctx := ctx
	if err := chromedp.Run(pctx, logoutTasks,
		chromedp.Navigate(u+"/p/2024"), chromedp.Text("main", &text, chromedp.ByQuery), shot("5_public_ranking")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "office") {
		t.Error("the public page still shows the admin logged in")
	}
	for _, want := range []string{"西城县", "东城县", "北区", "优秀", "平安建设"} {
		if !strings.Contains(text, want) {
			t.Errorf("public ranking lacks %q", want)
		}
	}
	// The English switch.
	if err := chromedp.Run(pctx, chromedp.Click(`a[lang="en"]`, chromedp.ByQuery), chromedp.WaitVisible("main", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("6_public_ranking_en")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Peer group") {
		t.Errorf("English page lacks its labels: %q", text)
	}
	// A subject logs in and reads its explanation.
	sctx := pctx
	var loc string
	if err := chromedp.Run(sctx, loginTasks(u, "a1"), chromedp.WaitVisible("dl", chromedp.ByQuery), chromedp.Location(&loc),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("7_subject_explanation")); err != nil {
		chromedp.Run(sctx, chromedp.Location(&loc), shot("7_failed"))
		t.Fatalf("%v (at %s)", err, loc)
	}
	if !strings.HasSuffix(loc, "/p/2024/s/a1") {
		t.Errorf("the subject landed on %s", loc)
	}
	for _, want := range []string{"东城县", "平安建设", "万人刑事案件数", "cases / residents * 10000", "58.00", "How the score was built"} {
		if !strings.Contains(text, want) {
			t.Errorf("subject page lacks %q:\n%s", want, text)
		}
	}
}
