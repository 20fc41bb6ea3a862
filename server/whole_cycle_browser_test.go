package server

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// loginTasks logs name in through the login page of the server at u.
func loginTasks(u, name string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(u + "/login"),
		chromedp.SendKeys("#name", name, chromedp.ByQuery),
		chromedp.SendKeys("#password", testPassword, chromedp.ByQuery),
		chromedp.Click("#login", chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/logout"]`, chromedp.ByQuery),
	}
}

// logoutTasks logs the current account out from the page's header.
var logoutTasks = chromedp.Tasks{chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`a[href="/login"]`, chromedp.ByQuery)}

// waitDraftPage reloads the admin dashboard until run id's batch is a
// draft (the condition, not a fixed delay), failing on a failed run.
func waitDraftPage(t *testing.T, ctx context.Context, u string, id int) {
	t.Helper()
	sel := "#status-" + strconv.Itoa(id)
	var text string
	deadline := time.Now().Add(90 * time.Second)
	for {
		if err := chromedp.Run(ctx, chromedp.Navigate(u+"/admin"), chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Text(sel, &text, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(text, "draft") {
			return
		}
		if strings.HasPrefix(text, "failed") || time.Now().After(deadline) {
			t.Fatalf("run %d: %s", id, text)
		}
	}
}

// approvePublishTasks approves and publishes run id's draft from the
// admin dashboard, waiting for its publish button to go (an earlier run's
// row may link the ranking already).
func approvePublishTasks(id int) chromedp.Tasks {
	n := strconv.Itoa(id)
	return chromedp.Tasks{
		chromedp.Click("#approve-"+n, chromedp.ByQuery), chromedp.WaitVisible("#publish-"+n, chromedp.ByQuery),
		chromedp.Click("#publish-"+n, chromedp.ByQuery), chromedp.WaitNotPresent("#publish-"+n, chromedp.ByQuery),
	}
}

// acceptAppealTasks opens appeal 1 from the admin's review queue at u,
// reads its page into text (then review, a screenshot), accepts it with
// the corrected value and reason (then decided) and recomputes, waiting
// for the outcome.
func acceptAppealTasks(u, value, reason string, text *string, review, decided chromedp.Action) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(u + "/appeals"), chromedp.WaitVisible("#appeal-1", chromedp.ByQuery),
		chromedp.Click("#appeal-1", chromedp.ByQuery), chromedp.WaitVisible("#decide", chromedp.ByQuery),
		chromedp.Text("main", text, chromedp.ByQuery), review,
		chromedp.Click("#d-accept", chromedp.ByQuery), chromedp.SendKeys("#d-value", value, chromedp.ByQuery),
		chromedp.SendKeys("#d-reason", reason, chromedp.ByQuery), chromedp.Click("#decide", chromedp.ByQuery),
		chromedp.WaitVisible("#recompute", chromedp.ByQuery), decided,
		chromedp.Click("#recompute", chromedp.ByQuery), chromedp.WaitVisible("#outcome", chromedp.ByQuery),
	}
}

// tableRows reads the body rows of the n-th table of main, one string
// per row with its cells joined by " | ".
func tableRows(n int, rows *[]string) chromedp.Action {
	return chromedp.Evaluate(`[...document.querySelectorAll("main table")[`+strconv.Itoa(n)+`].tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()).join(" | "))`, rows)
}

// TestWholeCycleInChromium runs one evaluation cycle end to end in a real
// browser, with no file passed by hand but the workbooks the providers and
// the assessor upload through their pages: the admin opens the period and
// a rating round; the providers download their templates, police uploads
// one with a bad cell, sees it, fixes it, previews and confirms; ten
// tokens answer on a 390×844 phone; the assessor uploads third-party
// results; the admin closes the round, runs, approves and publishes; the
// public ranking shows; the admin opens an appeal window; a subject reads
// its explanation and appeals one metric value; the admin accepts with a
// corrected value, recomputes, approves and publishes; the diff lists
// exactly that input and the scores it moved; the subject sees the outcome.
func TestWholeCycleInChromium(t *testing.T) {
	ctx, shot := chromiumAs(t, "cycle_")
	e := newEnv(t)
	yaml, err := os.ReadFile("testdata/indicators_collect.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e.must(e.do("PUT", "/api/v1/set", e.token("office"), yaml), 200) // the deployment's configuration
	u := e.ts.URL
	dir := t.TempDir()
	var text string
	var rows []string

	// 1. The admin opens 2024 and a public rating round of satisfaction.
	if err := chromedp.Run(ctx, loginTasks(u, "office"), chromedp.WaitVisible("#open-period", chromedp.ByQuery),
		chromedp.SendKeys("#period", "2024", chromedp.ByQuery), chromedp.Click("#open-period", chromedp.ByQuery),
		chromedp.WaitVisible("#run-2024", chromedp.ByQuery), shot("01_period_open"),
		chromedp.Navigate(u+"/admin/rounds"), chromedp.WaitVisible("#add-round", chromedp.ByQuery),
		chromedp.SetValue("#item", "satisfaction", chromedp.ByQuery), chromedp.SendKeys("#role", "public", chromedp.ByQuery),
		chromedp.Click("#add-round", chromedp.ByQuery), chromedp.WaitVisible("#issue-1", chromedp.ByQuery),
		chromedp.Text("#round-1", &text, chromedp.ByQuery), shot("02_round")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "satisfaction") || !strings.Contains(text, "public") || !strings.Contains(text, "2024") {
		t.Errorf("the round row: %q", text)
	}
	var links []string
	if err := chromedp.Run(ctx, chromedp.Click("#issue-1", chromedp.ByQuery), chromedp.WaitVisible("#sheet", chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#sheet a.link")].map(a => a.href)`, &links), shot("03_tokens"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	if len(links) != 10 {
		t.Fatalf("%d token links, want 10", len(links))
	}

	// 2. The providers: each fetches its template with the page's link
	// (its own session), fills it, uploads it.
	downloads := make(chan string, 4)
	// The download events come on the session that asked for them.
	chromedp.ListenTarget(ctx, func(ev any) {
		if d, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && d.State == cdpbrowser.DownloadProgressStateCompleted {
			downloads <- d.GUID
		}
	})
	dl := filepath.Join(dir, "downloads")
	template := func(name string) []byte {
		if err := chromedp.Run(ctx, loginTasks(u, name), chromedp.Navigate(u+"/provider"), chromedp.WaitVisible("#template", chromedp.ByQuery),
			cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dl).WithEventsEnabled(true),
			chromedp.Click("#template", chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		select {
		case guid := <-downloads:
			b, err := os.ReadFile(filepath.Join(dl, guid))
			if err != nil {
				t.Fatal(err)
			}
			return b
		case <-time.After(60 * time.Second):
			t.Fatalf("%s's template did not download", name)
		}
		return nil
	}
	write := func(name string, content []byte) string {
		p := filepath.Join(dir, strconv.Itoa(len(name))+strconv.FormatInt(time.Now().UnixNano(), 36), name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tpl := template("police")
	bad := write("police.xlsx", fillTemplate(t, tpl, "D", 120, 80, "很多", 30, 45, 10))
	good := write("police.xlsx", fillTemplate(t, tpl, "D", 120, 80, 200, 30, 45, 10))
	if err := chromedp.Run(ctx, chromedp.SetUploadFiles("#file", []string{bad}, chromedp.ByQuery), chromedp.Click("#upload", chromedp.ByQuery),
		chromedp.WaitVisible("#cell-errors", chromedp.ByQuery), chromedp.Text("#cell-errors", &text, chromedp.ByQuery), shot("04_cell_error")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "police.xlsx:填报!D4") || !strings.Contains(text, "很多") {
		t.Errorf("the cell error: %q", text)
	}
	if err := chromedp.Run(ctx, chromedp.SetUploadFiles("#file", []string{good}, chromedp.ByQuery), chromedp.Click("#upload", chromedp.ByQuery),
		chromedp.WaitVisible("#preview", chromedp.ByQuery), chromedp.Text("main", &text, chromedp.ByQuery), shot("05_preview")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "新增 6 · 修改 0 · 未变 0") {
		t.Errorf("the preview: %q", text)
	}
	if cur := string(e.do("GET", "/api/v1/periods/2024/metrics", e.token("office"), nil).body); strings.Contains(cur, "cases") {
		t.Errorf("the preview stored something: %q", cur)
	}
	if err := chromedp.Run(ctx, chromedp.Click("#confirm", chromedp.ByQuery), chromedp.WaitVisible("#stored", chromedp.ByQuery),
		chromedp.Text("#stored", &text, chromedp.ByQuery), shot("06_stored"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "版本") {
		t.Errorf("after confirming: %q", text)
	}
	stpl := template("stats")
	stats := fillTemplate(t, stpl, "D", 100000, 90000, 150000, 40000, 50000, 60000)
	statsFile := write("stats.xlsx", fillTemplate(t, stats, "E", 0.9, 0.85, 0.7, 0.8, 0.75, 0.6))
	if err := chromedp.Run(ctx, chromedp.SetUploadFiles("#file", []string{statsFile}, chromedp.ByQuery), chromedp.Click("#upload", chromedp.ByQuery),
		chromedp.WaitVisible("#preview", chromedp.ByQuery), chromedp.Click("#confirm", chromedp.ByQuery), chromedp.WaitVisible("#stored", chromedp.ByQuery),
		shot("07_stats_stored"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	cur := string(e.do("GET", "/api/v1/periods/2024/metrics", e.token("office"), nil).body)
	for _, want := range []string{"a1,2024,cases,120", "a3,2024,cases,200", "a1,2024,residents,100000", "a2,2024,satisfied,0.85"} {
		if !strings.Contains(cur, want) {
			t.Errorf("current metrics lack %q:\n%s", want, cur)
		}
	}

	// 3. Ten tokens answer on a phone, with the page's scripts off (the
	// pages have none).
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		emulation.SetScriptExecutionDisabled(true)); err != nil {
		t.Fatal(err)
	}
	for i, q := range links {
		var width, fields int
		if err := chromedp.Run(ctx, chromedp.Navigate(q), chromedp.WaitVisible("#q-submit", chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &width),
			chromedp.Evaluate(`document.querySelectorAll('input[type="number"]').length`, &fields)); err != nil {
			t.Fatal(err)
		}
		if width > 390 {
			t.Errorf("token %d: the questionnaire is %d px wide on a 390 px phone", i, width)
		}
		if fields != 6 {
			t.Fatalf("token %d: %d answers asked, want the 6 subjects", i, fields)
		}
		var acts []chromedp.Action
		for j := 0; j < fields; j++ {
			acts = append(acts, chromedp.SendKeys("#a"+strconv.Itoa(j), strconv.Itoa(60+i+j), chromedp.ByQuery))
		}
		acts = append(acts, chromedp.Click("#q-submit", chromedp.ByQuery), chromedp.WaitVisible("#q-done", chromedp.ByQuery))
		if i == 0 {
			acts = append(acts, shot("08_phone_done"))
		}
		if err := chromedp.Run(ctx, acts...); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	if err := chromedp.Run(ctx, emulation.SetScriptExecutionDisabled(false), chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	// 4. The assessor uploads its third-party results.
	var firmCSV strings.Builder
	firmCSV.WriteString("period,item,subject,rater,role,score\n")
	for i, s := range []string{"a1", "a2", "a3", "b1", "b2", "c1"} {
		firmCSV.WriteString("2024,satisfaction," + s + ",firm,third_party," + strconv.Itoa(70+3*i) + "\n")
	}
	firm := write("firm.csv", []byte(firmCSV.String()))
	if err := chromedp.Run(ctx, loginTasks(u, "survey"), chromedp.Navigate(u+"/assessor"), chromedp.WaitVisible("#submit", chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{firm}, chromedp.ByQuery), chromedp.Click("#submit", chromedp.ByQuery),
		chromedp.WaitVisible("#stored", chromedp.ByQuery), chromedp.Text("#stored", &text, chromedp.ByQuery), shot("09_assessor"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "新增 6") {
		t.Errorf("the assessor's upload: %q", text)
	}

	// 5. The admin closes the round, runs, approves and publishes.
	if err := chromedp.Run(ctx, loginTasks(u, "office"), chromedp.Navigate(u+"/admin/rounds"), chromedp.WaitVisible("#close-1", chromedp.ByQuery),
		chromedp.Click("#close-1", chromedp.ByQuery), chromedp.WaitNotPresent("#close-1", chromedp.ByQuery),
		chromedp.Text("#round-1", &text, chromedp.ByQuery), shot("10_round_closed")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "10 / 10") || !strings.Contains(text, "60") {
		t.Errorf("the closed round: %q", text)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(u+"/admin"), chromedp.WaitVisible("#run-2024", chromedp.ByQuery),
		chromedp.Click("#run-2024", chromedp.ByQuery), chromedp.WaitVisible("#status-1", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitDraftPage(t, ctx, u, 1)
	if err := chromedp.Run(ctx, shot("11_draft"), chromedp.Click("#approve-1", chromedp.ByQuery), chromedp.WaitVisible("#publish-1", chromedp.ByQuery),
		chromedp.Click("#publish-1", chromedp.ByQuery), chromedp.WaitNotPresent("#publish-1", chromedp.ByQuery),
		chromedp.Text("#status-1", &text, chromedp.ByQuery), shot("12_published")); err != nil {
		t.Fatal(err)
	}
	if text != "published" {
		t.Fatalf("after publish the status is %q", text)
	}

	// 6. The public ranking.
	if err := chromedp.Run(ctx, logoutTasks, chromedp.Navigate(u+"/p/2024"), chromedp.WaitVisible("main table", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), tableRows(0, &rows), shot("13_public_ranking")); err != nil {
		t.Fatal(err)
	}
	t.Logf("ranking:\n%s", strings.Join(rows, "\n"))
	for _, want := range []string{"东城县", "西城县", "北区", "平安建设", "公共服务"} {
		if !strings.Contains(text, want) {
			t.Errorf("public ranking lacks %q:\n%s", want, text)
		}
	}
	// Counties, cases per 10k: a1 12, a2 8.89, a3 13.33 (lower is better,
	// min–max): a1 30, a2 100, a3 0; a1's services: satisfaction 0.9 → 100
	// among 0.9, 0.85, 0.7, its ratings 0 among the counties' (the third
	// party's and the public's both rank it lowest), no peer review: 50.
	// a1 = 0.6·30 + 0.4·50 = 38.
	if len(rows) < 2 || rows[1] != "2 | 东城县 | 38.00 | 不合格 | 30.00 | 50.00" {
		t.Errorf("the county ranking %q, want 东城县 (a1) second with 38", rows)
	}

	// 7. The admin opens an appeal window.
	now := time.Now().UTC()
	if err := chromedp.Run(ctx, loginTasks(u, "office"), chromedp.Navigate(u+"/appeals"), chromedp.WaitVisible("#set-window", chromedp.ByQuery),
		chromedp.SendKeys("#w-period", "2024", chromedp.ByQuery),
		chromedp.SetValue("#w-opens", now.Add(-time.Hour).Format("2006-01-02T15:04"), chromedp.ByQuery),
		chromedp.SetValue("#w-closes", now.Add(24*time.Hour).Format("2006-01-02T15:04"), chromedp.ByQuery),
		// The page before the form had the table already: wait for the
		// window to show as open.
		chromedp.Click("#set-window", chromedp.ByQuery), chromedp.WaitVisible(`//main//table//td[contains(., "申诉期内")]`, chromedp.BySearch),
		chromedp.Text("main table", &text, chromedp.ByQuery), shot("14_window"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "2024") || !strings.Contains(text, "申诉期内") {
		t.Errorf("the appeal window: %q", text)
	}

	// 8. The subject reads its explanation and appeals its case count.
	var loc string
	if err := chromedp.Run(ctx, loginTasks(u, "a1"), chromedp.WaitVisible("dl", chromedp.ByQuery), chromedp.Location(&loc),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("15_explanation")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/p/2024/s/a1") {
		t.Errorf("the subject landed on %s", loc)
	}
	for _, want := range []string{"东城县", "万人刑事案件数", "cases / residents * 10000", "第三方评估"} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	if err := chromedp.Run(ctx, chromedp.Click(`nav a[href="/appeals"]`, chromedp.ByQuery), chromedp.WaitVisible("#file-appeal", chromedp.ByQuery),
		chromedp.SetValue("#a-target", "metric:cases", chromedp.ByQuery),
		chromedp.SendKeys("#a-reason", "120 件含已撤销案件 30 件。", chromedp.ByQuery),
		chromedp.Click("#file-appeal", chromedp.ByQuery), chromedp.WaitVisible("#appeal-status", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), shot("16_appeal_filed"), logoutTasks); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"待复核", "120.00", "万人刑事案件数"} {
		if !strings.Contains(text, want) {
			t.Errorf("the filed appeal lacks %q:\n%s", want, text)
		}
	}

	// 9. The admin accepts with 90, recomputes, approves, publishes.
	if err := chromedp.Run(ctx, loginTasks(u, "office"),
		acceptAppealTasks(u, "90", "公安局复核确认。", &text, shot("17_review"), shot("18_accepted"))); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"police", "police.xlsx", "120.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("the review page lacks %q:\n%s", want, text)
		}
	}
	waitDraftPage(t, ctx, u, 2)
	if err := chromedp.Run(ctx, approvePublishTasks(2), logoutTasks); err != nil {
		t.Fatal(err)
	}

	// 10. The published diff, read by the public.
	var inputs, results []string
	if err := chromedp.Run(ctx, chromedp.Navigate(u+"/p/2024/diff"), chromedp.WaitVisible("#appeal-marks", chromedp.ByQuery),
		chromedp.Text("main", &text, chromedp.ByQuery), tableRows(0, &inputs), tableRows(2, &results), shot("19_diff")); err != nil {
		t.Fatal(err)
	}
	t.Logf("diff inputs:\n%s\nresults:\n%s", strings.Join(inputs, "\n"), strings.Join(results, "\n"))
	if len(inputs) != 1 || inputs[0] != "a1 | cases | 2024 | 120.00 | 90.00" {
		t.Errorf("the diff's inputs %q, want exactly a1 cases 120 → 90", inputs)
	}
	if !strings.Contains(text, "#1 (a1, cases") {
		t.Errorf("the diff does not mark the appeal:\n%s", text)
	}
	// a1's case rate 12 → 9 per 10k stays between a2's 8.89 (the best)
	// and a3's 13.33 (the worst): only a1 moves, 30 → 97.5 on the case
	// rate, 38 → 0.6·97.5 + 0.4·50 = 78.5, still second.
	if len(results) != 1 || results[0] != "东城县 | county | 38.00 → 78.50 | 2 → 2 | 不合格 → 合格" {
		t.Errorf("the diff's results %q, want exactly 东城县 (a1) 38 → 78.5", results)
	}

	// 11. The subject reads the outcome.
	if err := chromedp.Run(ctx, loginTasks(u, "a1"), chromedp.Navigate(u+"/appeals/1"),
		chromedp.WaitVisible("#outcome", chromedp.ByQuery), chromedp.Text("main", &text, chromedp.ByQuery), shot("20_outcome")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "已采纳") || !strings.Contains(text, "公安局复核确认。") || !strings.Contains(text, "38.00 → 78.50") || !strings.Contains(text, "不合格 → 合格") {
		t.Errorf("the outcome page:\n%s", text)
	}
}
