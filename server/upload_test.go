package server

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govscore/govscore/workbook"
)

// formToken reads the first form token of a page.
func formToken(t *testing.T, page []byte) string {
	t.Helper()
	_, rest, ok := strings.Cut(string(page), `name="csrf" value="`)
	if !ok {
		t.Fatalf("no form token in %s", page)
	}
	tok, _, _ := strings.Cut(rest, `"`)
	return tok
}

// fillTemplate fills the metric column col of a template workbook with
// values, row by row from row 2.
func fillTemplate(t *testing.T, tpl []byte, col string, values ...any) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, v := range values {
		if err := f.SetCellValue(workbook.TemplateDataSheet, col+itoa(int64(i+2)), v); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestProviderUploadsWorkbook: a provider downloads its own template,
// uploads it with one bad cell and sees the cell, fixes it, previews
// added / changed / unchanged, confirms once, and a locked period refuses.
func TestProviderUploadsWorkbook(t *testing.T) {
	e := newEnv(t)
	e.must(e.do("PUT", "/api/v1/periods/2024", e.token("office"), map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=police.csv", e.token("police"), "subject,period,cases\na1,2024,120\na2,2024,80\n"), 200)
	b := e.browser()
	b.login("police")
	tpl := b.send("GET", "/provider/template?period=2024", nil)
	if tpl.status != 200 || !strings.Contains(tpl.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("template: %d %s", tpl.status, tpl.header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(workbook.TemplateDataSheet)
	f.Close()
	if got := strings.Join(rows[0], ","); got != "subject,period,note,cases" {
		t.Errorf("police's template header %q: want its own metric only", got)
	}
	if len(rows) != 7 {
		t.Errorf("template rows %d, want header + 6 subjects", len(rows))
	}
	// The template of another provider holds its metrics, not police's.
	sb := e.browser()
	sb.login("stats")
	st := sb.send("GET", "/provider/template?period=2024", nil)
	if f, err := excelize.OpenReader(bytes.NewReader(st.body)); err != nil {
		t.Fatal(err)
	} else if r, _ := f.GetRows(workbook.TemplateDataSheet); strings.Join(r[0], ",") != "subject,period,note,residents,satisfied" {
		t.Errorf("stats's template header %v", r[0])
	}
	page := b.send("GET", "/provider", nil)
	tok := formToken(t, page.body)
	bad := fillTemplate(t, tpl.body, "D", 120, 90, "many", 30, 45)
	r := b.sendMultipart("/provider/upload", map[string]string{"csrf": tok, "period": "2024"}, "police.xlsx", string(bad))
	if r.status != 422 || !strings.Contains(string(r.body), "police.xlsx:填报!D4") {
		t.Fatalf("bad cell: %d, want 422 naming police.xlsx:填报!D4\n%s", r.status, r.body)
	}
	// Nothing was stored.
	if cur := string(e.do("GET", "/api/v1/periods/2024/metrics", e.token("police"), nil).body); strings.Count(cur, "\n") != 3 {
		t.Errorf("after the bad upload: %q", cur)
	}
	good := fillTemplate(t, tpl.body, "D", 120, 90, 200, 30, 45)
	r = b.sendMultipart("/provider/upload", map[string]string{"csrf": tok, "period": "2024"}, "police.xlsx", string(good))
	body := string(r.body)
	if r.status != 200 || !strings.Contains(body, "新增 4 · 修改 1 · 未变 1") || !strings.Contains(body, "80 → 90") {
		t.Fatalf("preview: %d\n%s", r.status, body)
	}
	if cur := string(e.do("GET", "/api/v1/periods/2024/metrics", e.token("police"), nil).body); strings.Count(cur, "\n") != 3 {
		t.Errorf("the preview stored something: %q", cur)
	}
	_, rest, _ := strings.Cut(body, `name="draft" value="`)
	draft, _, _ := strings.Cut(rest, `"`)
	// Another provider cannot confirm police's draft.
	if r := sb.send("POST", "/provider/confirm", url.Values{"csrf": {formToken(t, sb.send("GET", "/provider", nil).body)}, "draft": {draft}}); r.status != 404 {
		t.Errorf("stats confirms police's draft: %d", r.status)
	}
	r = b.send("POST", "/provider/confirm", url.Values{"csrf": {tok}, "draft": {draft}})
	if r.status != 200 || !strings.Contains(string(r.body), `id="stored"`) {
		t.Fatalf("confirm: %d\n%s", r.status, r.body)
	}
	cur := string(e.do("GET", "/api/v1/periods/2024/metrics", e.token("police"), nil).body)
	if !strings.Contains(cur, "a2,2024,cases,90") || !strings.Contains(cur, "a3,2024,cases,200") {
		t.Errorf("after confirm: %q", cur)
	}
	if r := b.send("POST", "/provider/confirm", url.Values{"csrf": {tok}, "draft": {draft}}); r.status != 409 {
		t.Errorf("second confirm: %d, want 409", r.status)
	}
	// The API takes the workbook too.
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=p.xlsx&dry_run=1", e.token("police"), good), 200)
	// A locked period refuses the confirmation with a clear message.
	r = b.sendMultipart("/provider/upload", map[string]string{"csrf": tok, "period": "2024"}, "police.xlsx", string(fillTemplate(t, tpl.body, "D", 1)))
	_, rest, _ = strings.Cut(string(r.body), `name="draft" value="`)
	draft, _, _ = strings.Cut(rest, `"`)
	e.must(e.do("PUT", "/api/v1/periods/2024", e.token("office"), map[string]string{"status": "locked"}), 200)
	r = b.send("POST", "/provider/confirm", url.Values{"csrf": {tok}, "draft": {draft}})
	if r.status != 409 || !strings.Contains(string(r.body), "期间 2024 已锁定") {
		t.Errorf("confirm in a locked period: %d\n%s", r.status, r.body)
	}
	r = b.sendMultipart("/provider/upload", map[string]string{"csrf": tok, "period": "2024"}, "police.xlsx", string(good))
	if r.status != 409 || !strings.Contains(string(r.body), "locked") {
		t.Errorf("upload in a locked period: %d\n%s", r.status, r.body)
	}
}

// TestAssessorUploads: a third-party assessor uploads its results in the
// browser: a bad score is shown at its cell, a preview stores nothing, the
// submission stores the ratings.
func TestAssessorUploads(t *testing.T) {
	e := collectEnv(t)
	b := e.browser()
	b.login("survey")
	page := b.send("GET", "/assessor", nil)
	tok := formToken(t, page.body)
	const head = "period,item,subject,rater,role,score\n"
	r := b.sendMultipart("/assessor", map[string]string{"csrf": tok, "period": "2024", "action": "submit"}, "firm.csv", head+"2024,satisfaction,a1,t1,third_party,80\n2024,satisfaction,a2,t1,third_party,180\n")
	if r.status != 422 || !strings.Contains(string(r.body), "firm.csv:3:") {
		t.Fatalf("bad score: %d\n%s", r.status, r.body)
	}
	good := head + "2024,satisfaction,a1,t1,third_party,80\n2024,satisfaction,a2,t1,third_party,70\n"
	r = b.sendMultipart("/assessor", map[string]string{"csrf": tok, "period": "2024", "action": "preview"}, "firm.csv", good)
	if r.status != 200 || !strings.Contains(string(r.body), "仅预览: 新增 2") {
		t.Fatalf("preview: %d\n%s", r.status, r.body)
	}
	if cur := string(e.do("GET", "/api/v1/periods/2024/ratings", e.token("office"), nil).body); strings.Contains(cur, "t1") {
		t.Errorf("the preview stored ratings: %q", cur)
	}
	r = b.sendMultipart("/assessor", map[string]string{"csrf": tok, "period": "2024", "action": "submit"}, "firm.csv", good)
	if r.status != 200 || !strings.Contains(string(r.body), "新增 2") {
		t.Fatalf("submit: %d\n%s", r.status, r.body)
	}
	if cur := string(e.do("GET", "/api/v1/periods/2024/ratings", e.token("office"), nil).body); strings.Count(cur, ",t1,third_party,") != 2 {
		t.Errorf("stored ratings: %q", cur)
	}
}
