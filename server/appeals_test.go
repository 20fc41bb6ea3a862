package server

import (
	"bytes"
	"encoding/base64"
	"math"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// openWindow sets period's appeal window around the present.
func (e *env) openWindow(period string) {
	e.t.Helper()
	now := time.Now().UTC()
	e.must(e.do("PUT", "/api/v1/periods/"+period+"/appeal-window", e.token("office"), map[string]string{
		"opens_at": now.Add(-time.Hour).Format(time.RFC3339), "closes_at": now.Add(time.Hour).Format(time.RFC3339)}), 200)
}

// waitRun waits until run id has stored its batch (draft).
func (e *env) waitRun(id int64) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var st struct{ Status, Error string }
		e.must(e.do("GET", "/api/v1/batches/"+itoa(id), e.token("office"), nil), 200).json(e.t, &st)
		switch st.Status {
		case "draft":
			return
		case "failed", "cancelled":
			e.t.Fatalf("run %d %s: %s", id, st.Status, st.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("run %d did not finish", id)
}

// appealOut is an appeal as the API returns it.
type appealOut struct {
	ID       int64
	Period   string
	Subject  string
	Kind     string
	Target   string
	Disputed *float64
	Batch    int64
	Status   string
	Runs     []int64
	Decision *struct {
		Accepted  bool
		Reason    string
		Metric    string
		Corrected *float64 `json:"corrected_value"`
		Version   int64
	}
	AttachmentType  string `json:"attachment_type"`
	AttachmentBytes int    `json:"attachment_bytes"`
	Explanation     *struct {
		Current  *float64
		Score    *float64
		Grade    string
		Leaves   []explainNode
		Versions []versionJSON
		Rating   *ratingJSON
	}
	Outcome []outcomeJSON
}

// TestAppealCycle runs an appeal through: a subject files against one of
// its metric values, the period is locked, the admin reads the appeal
// with its explanation and accepts it with a corrected value (a new
// version attributed to the appeal, in the locked period), recomputes,
// approves and publishes; the diff shows exactly that input and the scores
// it moved, marked with the appeal, and the subject sees the outcome.
func TestAppealCycle(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	admin, a1 := e.token("office"), e.token("a1")
	// No window yet: refused.
	body := map[string]any{"period": "2024", "target": map[string]string{"metric": "cases"}, "reason": "我县 2024 年刑事案件数为 90 件，120 件含已撤销案件。"}
	if r := e.do("POST", "/api/v1/appeals", a1, body); r.status != http.StatusConflict || !strings.Contains(string(r.body), "no appeal window") {
		t.Fatalf("appeal without a window: %d %s", r.status, r.body)
	}
	e.openWindow("2024")
	var ap appealOut
	e.must(e.do("POST", "/api/v1/appeals", a1, body), 201).json(t, &ap)
	if ap.Subject != "a1" || ap.Kind != "metric" || ap.Target != "cases" || ap.Disputed == nil || *ap.Disputed != 120 || ap.Batch == 0 {
		t.Fatalf("filed appeal = %+v", ap)
	}
	id := itoa(ap.ID)
	// The period is locked: providers may no longer submit.
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "locked"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("police"), "subject,period,cases\na1,2024,91\n"), 409)

	// The review queue and the explanation of the disputed number.
	var queue []appealOut
	e.must(e.do("GET", "/api/v1/appeals?status=filed", admin, nil), 200).json(t, &queue)
	if len(queue) != 1 || queue[0].ID != ap.ID {
		t.Fatalf("queue = %+v", queue)
	}
	var v appealOut
	e.must(e.do("GET", "/api/v1/appeals/"+id, admin, nil), 200).json(t, &v)
	if v.Status != "filed" || v.Explanation == nil || *v.Explanation.Current != 120 || len(v.Explanation.Leaves) != 1 ||
		v.Explanation.Leaves[0].ID != "case_rate" || math.Abs(*v.Explanation.Leaves[0].Raw-12) > 1e-9 ||
		len(v.Explanation.Versions) != 1 || v.Explanation.Versions[0].By != "police" || math.Abs(*v.Explanation.Score-58) > 1e-9 {
		t.Fatalf("admin's view = %+v", v.Explanation)
	}
	// The subject sees its appeal without the versions (they name the
	// submitting accounts); another subject sees nothing of it.
	var sv appealOut
	e.must(e.do("GET", "/api/v1/appeals/"+id, a1, nil), 200).json(t, &sv)
	if sv.Explanation.Versions != nil {
		t.Errorf("the subject sees the versions: %+v", sv.Explanation.Versions)
	}
	e.must(e.do("GET", "/api/v1/appeals/"+id, e.token("b1"), nil), 403)
	var none []appealOut
	e.must(e.do("GET", "/api/v1/appeals", e.token("b1"), nil), 200).json(t, &none)
	if len(none) != 0 {
		t.Errorf("b1 lists %+v", none)
	}

	// Not decided: no recomputation yet.
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/recompute", admin, nil), 409)
	// Bad decisions.
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/decision", admin, map[string]any{"accept": true}), 400)
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/decision", admin, map[string]any{"accept": false, "reason": "x", "corrected_value": 90}), 400)
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/decision", admin, map[string]any{"accept": true, "reason": "x", "corrected_value": -1}), 422)
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/decision", admin, map[string]any{"accept": true, "reason": "x", "corrected_value": 90, "metric": "residents"}), 400)
	// Accept with the corrected value, in the locked period.
	var dec appealOut
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/decision", admin, map[string]any{"accept": true, "reason": "公安局复核：撤销案件 30 件不应计入。", "corrected_value": 90}), 200).json(t, &dec)
	if dec.Decision == nil || !dec.Decision.Accepted || dec.Decision.Metric != "cases" || *dec.Decision.Corrected != 90 || dec.Decision.Version == 0 {
		t.Fatalf("decision = %+v", dec.Decision)
	}
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/decision", admin, map[string]any{"accept": false, "reason": "again"}), 409)
	var hist struct {
		Versions []struct {
			Version  int64
			Value    *float64
			File     string
			By       string
			Replaces int64
		}
	}
	e.must(e.do("GET", "/api/v1/periods/2024/history?subject=a1&metric=cases", admin, nil), 200).json(t, &hist)
	if len(hist.Versions) != 2 || *hist.Versions[0].Value != 90 || hist.Versions[0].File != "appeal/"+id || hist.Versions[0].By != "office" ||
		hist.Versions[0].Replaces != hist.Versions[1].Version || hist.Versions[0].Version != dec.Decision.Version {
		t.Fatalf("history = %+v", hist.Versions)
	}

	// Recompute, approve, publish.
	var rc struct{ ID, Appeal int64 }
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/recompute", admin, nil), 202).json(t, &rc)
	e.waitRun(rc.ID)
	// Before publication the subject sees no outcome, the admin the draft.
	e.must(e.do("GET", "/api/v1/appeals/"+id, a1, nil), 200).json(t, &sv)
	e.must(e.do("GET", "/api/v1/appeals/"+id, admin, nil), 200).json(t, &v)
	if len(sv.Outcome) != 0 || len(v.Outcome) != 1 || v.Outcome[0].Status != "draft" {
		t.Fatalf("outcome before publication: subject %+v, admin %+v", sv.Outcome, v.Outcome)
	}
	e.publish(rc.ID)

	// The diff: exactly that input, the scores it moved, the appeal.
	var d diffJSON
	e.must(e.do("GET", "/api/v1/published/2024/diff", "", nil), 200).json(t, &d)
	if len(d.Inputs) != 1 || d.Inputs[0].Subject != "a1" || d.Inputs[0].Metric != "cases" || *d.Inputs[0].Old != 120 || *d.Inputs[0].New != 90 {
		t.Fatalf("diff inputs = %+v", d.Inputs)
	}
	if len(d.Appeals) != 1 || d.Appeals[0].Appeal != ap.ID || d.Appeals[0].Subject != "a1" || d.Appeals[0].Version != dec.Decision.Version {
		t.Errorf("diff appeals = %+v", d.Appeals)
	}
	// Counties, cases per 10k: a1 9, a2 8.89, a3 13.33; a1's safety
	// (13.33 − 9)/(13.33 − 8.89) = 97.5 → 0.6·97.5 + 0.4·100 = 98.5 (rank
	// 1, 优秀); a2 keeps 90 and drops to rank 2; a3 and the districts do
	// not move.
	got := map[string]changeJSON{}
	for _, c := range d.Results {
		got[c.Subject] = c
	}
	c1, c2 := got["a1"], got["a2"]
	if len(d.Results) != 2 || c1.ScoreOld == nil || math.Abs(*c1.ScoreOld-58) > 1e-9 || math.Abs(*c1.ScoreNew-98.5) > 1e-9 ||
		c1.RankOld != 2 || c1.RankNew != 1 || c1.GradeOld != "合格" || c1.GradeNew != "优秀" ||
		c2.RankOld != 1 || c2.RankNew != 2 || math.Abs(*c2.ScoreNew-90) > 1e-9 {
		t.Errorf("diff results = %+v", d.Results)
	}
	// The subject sees the outcome.
	e.must(e.do("GET", "/api/v1/appeals/"+id, a1, nil), 200).json(t, &sv)
	if sv.Status != "accepted" || sv.Decision == nil || !strings.Contains(sv.Decision.Reason, "撤销案件") || len(sv.Outcome) != 1 ||
		!sv.Outcome[0].Published || math.Abs(*sv.Outcome[0].ScoreNew-98.5) > 1e-9 || sv.Outcome[0].GradeNew != "优秀" || sv.Outcome[0].RankNew != 1 {
		t.Errorf("subject's view = %+v %+v", sv.Decision, sv.Outcome)
	}
	// The diff page marks the appeal; every step is audited.
	if r := e.must(e.do("GET", "/p/2024/diff", "", nil), 200); !strings.Contains(string(r.body), `id="appeal-marks"`) {
		t.Error("the diff page does not mark the appeal")
	}
	var log []struct {
		Action, Object, Actor string
		Detail                map[string]any
	}
	e.must(e.do("GET", "/api/v1/audit", admin, nil), 200).json(t, &log)
	seen := map[string]bool{}
	for _, l := range log {
		seen[l.Action+" "+l.Actor] = true
		if l.Action == "batch.run" && l.Object == "run/"+itoa(rc.ID) && l.Detail["appeal"] != float64(ap.ID) {
			t.Errorf("recompute run not linked to the appeal in the audit: %+v", l)
		}
	}
	for _, want := range []string{"appeal.window office", "appeal.file a1", "appeal.accept office", "batch.run office", "batch.published office"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q", want)
		}
	}
}

// Attachments: a tiny file of each type taken, by its content.
var (
	pngFile  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)
	pdfFile  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	jpegFile = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{1}, 64)...)
)

// TestAppealAttachments: PDF, PNG and JPEG are taken by their content
// (whatever their name), stored, and served to the admin and the
// appellant only; other types (415) and oversize files (413) are refused,
// through the API and the form.
func TestAppealAttachments(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	e.openWindow("2024")
	a1 := e.token("a1")
	file := func(name string, data []byte) map[string]any {
		return map[string]any{"period": "2024", "target": map[string]string{"metric": "residents"}, "reason": "见附件",
			"attachment": map[string]string{"name": name, "data": base64.StdEncoding.EncodeToString(data)}}
	}
	for _, c := range []struct {
		name  string
		data  []byte
		ctype string
	}{{"scan.png", pngFile, "image/png"}, {"证明.pdf", pdfFile, "application/pdf"}, {"photo.bin", jpegFile, "image/jpeg"}} {
		var ap appealOut
		e.must(e.do("POST", "/api/v1/appeals", a1, file(c.name, c.data)), 201).json(t, &ap)
		if ap.AttachmentType != c.ctype || ap.AttachmentBytes != len(c.data) {
			t.Errorf("%s: stored as %s, %d bytes", c.name, ap.AttachmentType, ap.AttachmentBytes)
		}
		path := "/api/v1/appeals/" + itoa(ap.ID) + "/attachment"
		for _, who := range []string{"a1", "office"} {
			r := e.must(e.do("GET", path, e.token(who), nil), 200)
			if !bytes.Equal(r.body, c.data) || r.header.Get("Content-Type") != c.ctype || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s as %s: %q, %s", c.name, who, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
			}
		}
		e.must(e.do("GET", path, e.token("b1"), nil), 403)
		e.must(e.do("GET", path, "", nil), 401)
	}
	// Refused types, whatever the name says.
	for name, data := range map[string][]byte{
		"fake.pdf":  []byte("<html><script>alert(1)</script></html>"),
		"anim.gif":  []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
		"setup.png": []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"),
		"notes.jpg": []byte("plain text"),
	} {
		if r := e.do("POST", "/api/v1/appeals", a1, file(name, data)); r.status != http.StatusUnsupportedMediaType {
			t.Errorf("%s: %d %s, want 415", name, r.status, r.body)
		}
	}
	// Too large: 2 MiB + 1 byte of PDF.
	big := append(bytes.Clone(pdfFile), bytes.Repeat([]byte{' '}, maxAttachment+1-len(pdfFile))...)
	if r := e.do("POST", "/api/v1/appeals", a1, file("big.pdf", big)); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize: %d %s, want 413", r.status, r.body)
	}
	// Nothing refused was stored.
	var list []appealOut
	e.must(e.do("GET", "/api/v1/appeals", e.token("office"), nil), 200).json(t, &list)
	if len(list) != 3 {
		t.Errorf("%d appeals stored, want 3", len(list))
	}
	// Other bad filings.
	bad := []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"period": "2024", "target": map[string]string{"metric": "cases", "item": "x"}, "reason": "r"}, 400},
		{map[string]any{"period": "2024", "target": map[string]string{"metric": "cases"}, "reason": "  "}, 400},
		{map[string]any{"period": "24", "target": map[string]string{"metric": "cases"}, "reason": "r"}, 400},
		{map[string]any{"period": "2024", "target": map[string]string{"metric": "casez"}, "reason": "r"}, 422},
		{map[string]any{"period": "2024", "target": map[string]string{"item": "satisfaction"}, "reason": "r"}, 422},
		{map[string]any{"period": "2024", "target": map[string]string{"adjustment": "bonus"}, "reason": "r"}, 422},
		{map[string]any{"period": "2023", "target": map[string]string{"metric": "cases"}, "reason": "r"}, 409},
	}
	for _, b := range bad {
		if r := e.do("POST", "/api/v1/appeals", a1, b.body); r.status != b.status {
			t.Errorf("%v: %d %s, want %d", b.body, r.status, r.body, b.status)
		}
	}
	// A closed window: [now − 2 h, now − 1 h).
	now := time.Now().UTC()
	e.must(e.do("PUT", "/api/v1/periods/2024/appeal-window", e.token("office"), map[string]string{
		"opens_at": now.Add(-2 * time.Hour).Format(time.RFC3339), "closes_at": now.Add(-time.Hour).Format(time.RFC3339)}), 200)
	if r := e.do("POST", "/api/v1/appeals", a1, file("scan.png", pngFile)); r.status != http.StatusConflict || !strings.Contains(string(r.body), "appeal window") {
		t.Errorf("closed window: %d %s", r.status, r.body)
	}
	var win struct{ Open bool }
	e.must(e.do("GET", "/api/v1/periods/2024/appeal-window", a1, nil), 200).json(t, &win)
	if win.Open {
		t.Error("the closed window reads as open")
	}
	e.must(e.do("PUT", "/api/v1/periods/2024/appeal-window", e.token("office"), map[string]string{
		"opens_at": now.Format(time.RFC3339), "closes_at": now.Add(-time.Hour).Format(time.RFC3339)}), 400)
	e.must(e.do("PUT", "/api/v1/periods/2031/appeal-window", e.token("office"), map[string]string{
		"opens_at": now.Format(time.RFC3339), "closes_at": now.Add(time.Hour).Format(time.RFC3339)}), 404)
}

// TestGamingThroughTheAPI runs the gaming checks on the server's data:
// a3's cases jump from 60 (2023) to 200 (+233%) while the median change is
// 0; the report changes no score and only the admin reads it, as JSON and
// as a page.
func TestGamingThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	admin := e.token("office")
	e.must(e.do("PUT", "/api/v1/periods/2023", admin, map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2023/metrics?file=police2023.csv", e.token("police"),
		"subject,period,cases\na1,2023,100\na2,2023,80\na3,2023,60\nb1,2023,30\nb2,2023,45\n"), 200)
	before := e.must(e.do("GET", "/api/v1/published/2024", "", nil), 200).body
	var rep struct {
		Period string
		Counts map[string]int
		Flags  []struct {
			Check, Subject, Metric, Message string
			Evidence                        map[string]any
		}
	}
	e.must(e.do("GET", "/api/v1/periods/2024/gaming", admin, nil), 200).json(t, &rep)
	if rep.Period != "2024" || rep.Counts["jump"] != 1 || len(rep.Flags) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	f := rep.Flags[0]
	if f.Check != "jump" || f.Subject != "a3" || f.Metric != "cases" || f.Evidence["previous"] != 60.0 || f.Evidence["value"] != 200.0 ||
		math.Abs(f.Evidence["change"].(float64)-140.0/60) > 1e-12 || f.Evidence["median_change"] != 0.0 {
		t.Errorf("flag = %+v", f)
	}
	for _, c := range []string{"straight_lining", "identical_vectors", "reciprocity", "near_grade", "near_veto"} {
		if n, ok := rep.Counts[c]; !ok || n != 0 {
			t.Errorf("count of %s = %d (present %v), want 0", c, n, ok)
		}
	}
	// A report, not a score change.
	if after := e.must(e.do("GET", "/api/v1/published/2024", "", nil), 200).body; !bytes.Equal(before, after) {
		t.Error("the published results changed")
	}
	page := e.must(e.do("GET", "/admin/gaming?period=2024", admin, nil), 200)
	// The page reads in its language (Chinese by default); the API keeps
	// the English text.
	if !strings.Contains(string(page.body), "a3 的 cases 从 60 变为 200") {
		t.Errorf("gaming page lacks the flag:\n%s", page.body)
	}
	if !strings.HasPrefix(f.Message, "a3's cases went from 60 to 200") {
		t.Errorf("API message %q", f.Message)
	}
	e.must(e.do("GET", "/api/v1/periods/2031/gaming", admin, nil), 404)
	e.must(e.do("GET", "/api/v1/periods/x/gaming", admin, nil), 400)
}

// TestAppealFormRefusesBadFiles files through the page's multipart form:
// a GIF is refused (415) and an oversize PDF too (413), with the form
// shown again; a PDF is taken.
func TestAppealFormRefusesBadFiles(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	e.openWindow("2024")
	post := func(name string, data []byte) *response {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("period", "2024")
		w.WriteField("target", "metric:cases")
		w.WriteField("reason", "见附件")
		fw, _ := w.CreateFormFile("file", name)
		fw.Write(data)
		w.Close()
		return e.do("POST", "/appeals", e.token("a1"), b.Bytes(), "Content-Type", w.FormDataContentType())
	}
	if r := post("anim.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")); r.status != http.StatusUnsupportedMediaType ||
		!strings.Contains(string(r.body), "image/gif") || !strings.Contains(string(r.body), `id="file-appeal"`) {
		t.Errorf("GIF: %d", r.status)
	}
	big := append(bytes.Clone(pdfFile), bytes.Repeat([]byte{' '}, maxAttachment)...)
	if r := post("big.pdf", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize: %d", r.status)
	}
	if r := post("证明.pdf", pdfFile); r.status != http.StatusOK || !strings.Contains(string(r.body), "application/pdf") {
		t.Errorf("PDF: %d", r.status)
	}
	var list []appealOut
	e.must(e.do("GET", "/api/v1/appeals", e.token("a1"), nil), 200).json(t, &list)
	if len(list) != 1 || list[0].AttachmentType != "application/pdf" {
		t.Errorf("stored: %+v", list)
	}
}

// TestConcurrentDecisions: ten admins' requests decide one appeal at once;
// exactly one wins (200), the others get 409, and exactly one corrected
// version is stored.
func TestConcurrentDecisions(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	e.openWindow("2024")
	var ap appealOut
	e.must(e.do("POST", "/api/v1/appeals", e.token("a1"), map[string]any{"period": "2024", "target": map[string]string{"metric": "cases"}, "reason": "r"}), 201).json(t, &ap)
	admin := e.token("office")
	codes := make(chan int, 10)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- e.do("POST", "/api/v1/appeals/"+itoa(ap.ID)+"/decision", admin,
				map[string]any{"accept": true, "reason": "r", "corrected_value": 90 + i}).status
		}()
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[200] != 1 || n[409] != 9 {
		t.Errorf("statuses = %v, want one 200 and nine 409", n)
	}
	var hist struct{ Versions []struct{ File string } }
	e.must(e.do("GET", "/api/v1/periods/2024/history?subject=a1&metric=cases", admin, nil), 200).json(t, &hist)
	if len(hist.Versions) != 2 || hist.Versions[0].File != "appeal/"+itoa(ap.ID) {
		t.Errorf("versions = %+v, want the original and one correction", hist.Versions)
	}
}
