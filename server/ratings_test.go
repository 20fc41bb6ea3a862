package server

import (
	"bytes"
	"context"
	"html"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ratingsCSV are the third-party ratings of the rated test set.
const ratingsCSV = "period,item,subject,rater,role,score\n2024,satisfaction,a1,firm,third_party,80\n2024,satisfaction,a2,firm,third_party,70\n" +
	"2024,satisfaction,a3,firm,third_party,60\n2024,satisfaction,b1,firm,third_party,90\n2024,satisfaction,b2,firm,third_party,50\n"

// useRatedSet puts testdata/indicators_rated.yaml (an assessment item
// "satisfaction" read by the leaf review) in force.
func (e *env) useRatedSet() {
	e.t.Helper()
	e.useSet("testdata/indicators_rated.yaml")
}

// useSet puts the indicator set of file in force as the admin.
func (e *env) useSet(file string) {
	e.t.Helper()
	yaml, err := os.ReadFile(file)
	if err != nil {
		e.t.Fatal(err)
	}
	e.must(e.do("PUT", "/api/v1/set", e.token("office"), yaml), 200)
}

// TestRatingsOfRecord: an assessor submits ratings through the API as
// versions (only changed ratings make new ones), a run reads them in its
// snapshot and records them, and the diff between two published batches
// names the rating that changed — the rater and scores for the admin only.
func TestRatingsOfRecord(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.useRatedSet()
	admin, survey := e.token("office"), e.token("survey")
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("police"), policeCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("stats"), statsCSV), 200)

	var rep struct{ Added, Changed, Unchanged, Version int }
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings?file=firm.csv", survey, ratingsCSV), 200).json(t, &rep)
	if rep.Added != 5 || rep.Version == 0 {
		t.Fatalf("first ratings: %+v", rep)
	}
	// The assessor rates in the role third_party only.
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings", survey, strings.ReplaceAll(ratingsCSV, "third_party", "public")), 403)
	// A bad row: positioned 422, nothing stored.
	r := e.must(e.do("PUT", "/api/v1/periods/2024/ratings?file=bad.csv", survey, "period,item,subject,rater,role,score\n2024,satisfaction,zz,firm,third_party,80\n"), 422)
	if !strings.Contains(string(r.body), `"line": 2`) || !strings.Contains(string(r.body), `"file": "bad.csv"`) {
		t.Errorf("422 body: %s", r.body)
	}
	// Another period's row in this period's URL.
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings", survey, strings.Replace(ratingsCSV, "\n2024,", "\n2023,", 1)), 422)
	// The assessor reads the current ratings of its items.
	r = e.must(e.do("GET", "/api/v1/periods/2024/ratings", survey, nil), 200)
	if n := strings.Count(string(r.body), "\n"); n != 6 || !strings.Contains(string(r.body), "2024,satisfaction,a1,firm,third_party,80\n") {
		t.Errorf("current ratings: %s", r.body)
	}

	first := e.runBatch("2024")
	e.publish(first)
	run1, err := e.db.Run(ctx, first)
	if err != nil || len(run1.InputsSHA256) != 64 {
		t.Fatalf("run 1: %+v, %v", run1, err)
	}
	var st struct {
		Inputs string `json:"inputs_sha256"`
	}
	if e.must(e.do("GET", "/api/v1/batches/"+itoa(first), admin, nil), 200).json(t, &st); st.Inputs != run1.InputsSHA256 {
		t.Errorf("API inputs_sha256 = %q, want %q", st.Inputs, run1.InputsSHA256)
	}

	// The same file again stores nothing; one changed score one version.
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings", survey, ratingsCSV), 200).json(t, &rep)
	if rep.Unchanged != 5 || rep.Version != 0 {
		t.Errorf("resubmission: %+v", rep)
	}
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings", survey, strings.Replace(ratingsCSV, "a1,firm,third_party,80", "a1,firm,third_party,95", 1)), 200).json(t, &rep)
	if rep.Changed != 1 || rep.Unchanged != 4 {
		t.Errorf("one change: %+v", rep)
	}
	second := e.runBatch("2024")
	run2, _ := e.db.Run(ctx, second)
	if run2.InputsSHA256 == run1.InputsSHA256 {
		t.Errorf("two runs over different ratings have the same inputs digest %s", run2.InputsSHA256)
	}
	e.publish(second)

	type diff struct {
		Inputs  []map[string]any
		Ratings []map[string]any
		Results []map[string]any
	}
	var pub, full diff
	e.must(e.do("GET", "/api/v1/published/2024/diff", "", nil), 200).json(t, &pub)
	e.must(e.do("GET", "/api/v1/published/2024/diff", admin, nil), 200).json(t, &full)
	if len(pub.Inputs) != 0 || len(pub.Ratings) != 1 || len(pub.Results) == 0 {
		t.Fatalf("public diff = %+v", pub)
	}
	if c := pub.Ratings[0]; c["subject"] != "a1" || c["item"] != "satisfaction" || c["role"] != "third_party" || c["rater"] != nil || c["old"] != nil {
		t.Errorf("public rating change = %v (no rater nor scores for the public)", c)
	}
	if c := full.Ratings[0]; c["rater"] != "firm" || c["old"] != 80.0 || c["new"] != 95.0 {
		t.Errorf("admin rating change = %v, want firm 80 → 95", c)
	}
	page := string(e.must(e.do("GET", "/p/2024/diff", "", nil), 200).body)
	if strings.Contains(page, "firm") {
		t.Errorf("the public diff page names the rater")
	}
	if page = string(e.must(e.do("GET", "/p/2024/diff", admin, nil), 200).body); !strings.Contains(page, "firm") || !strings.Contains(page, "95.00") {
		t.Errorf("the admin's diff page lacks the rating change")
	}

	// The admin sees the ratings and their history.
	page = string(e.must(e.do("GET", "/admin/ratings?period=2024", admin, nil), 200).body)
	if !strings.Contains(page, "firm") || !strings.Contains(page, "95.00") || !strings.Contains(page, "/admin/ratings/history?period=2024&amp;item=satisfaction&amp;subject=a1") {
		t.Errorf("/admin/ratings lacks the current ratings")
	}
	page = string(e.must(e.do("GET", "/admin/ratings/history?period=2024&item=satisfaction&subject=a1", admin, nil), 200).body)
	if !strings.Contains(page, "95.00") || !strings.Contains(page, "80.00") || !strings.Contains(page, "survey") {
		t.Errorf("rating history page lacks a version: %s", page)
	}
	var h struct{ Versions []map[string]any }
	e.must(e.do("GET", "/api/v1/periods/2024/ratings/history?item=satisfaction&subject=a1", admin, nil), 200).json(t, &h)
	if len(h.Versions) != 2 || h.Versions[0]["score"] != 95.0 || h.Versions[1]["score"] != 80.0 || h.Versions[0]["replaces"] == nil {
		t.Errorf("rating history = %v", h.Versions)
	}
	e.must(e.do("GET", "/api/v1/periods/2024/ratings/history", admin, nil), 400)

	// Own rows: once the admin corrected a rating, the assessor can no
	// longer change it (its other ratings stay its own).
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings", admin, "period,item,subject,rater,role,score\n2024,satisfaction,a2,firm,third_party,71\n"), 200)
	r = e.must(e.do("PUT", "/api/v1/periods/2024/ratings", survey, ratingsCSV), 403)
	if !strings.Contains(string(r.body), "another submitter") {
		t.Errorf("403 body: %s", r.body)
	}
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings", survey, "period,item,subject,rater,role,score\n2024,satisfaction,b1,firm,third_party,91\n"), 200)
}

// ratedCycle opens 2024 (the rated set in force), takes both providers'
// metrics and the survey's ratings, and runs and publishes a batch: its id.
func (e *env) ratedCycle() int64 {
	e.t.Helper()
	e.must(e.do("PUT", "/api/v1/periods/2024", e.token("office"), map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("police"), policeCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("stats"), statsCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings", e.token("survey"), ratingsCSV), 200)
	id := e.runBatch("2024")
	e.publish(id)
	return id
}

// TestExplanationShowsAdjustments: a subject's published explanation (page
// and API) shows the score before adjustments, each bonus, deduction and
// veto that applies to it, and the grade reasoning.
func TestExplanationShowsAdjustments(t *testing.T) {
	e := newEnv(t)
	e.useRatedSet()
	e.ratedCycle()

	var ex struct {
		Score, Root  *float64
		Grade        string
		Vetoed       bool
		GradeByScore string `json:"grade_by_score"`
		GradeReason  string `json:"grade_reason"`
		Adjustments  []struct {
			ID       string  `json:"id"`
			Name     string  `json:"name"`
			Kind     string  `json:"kind"`
			CapGrade string  `json:"cap_grade"`
			Held     bool    `json:"held"`
			Capped   bool    `json:"capped"`
			Points   float64 `json:"points"`
		}
	}
	// b1 (30 cases) earns the bonus: score = root + 2.
	e.must(e.do("GET", "/api/v1/published/2024/subjects/b1", "", nil), 200).json(t, &ex)
	if ex.Root == nil || ex.Score == nil || len(ex.Adjustments) != 2 {
		t.Fatalf("b1 explanation: %+v", ex)
	}
	if b := ex.Adjustments[0]; b.ID != "safe_bonus" || b.Kind != "bonus" || !b.Held || b.Points != 2 || b.Name != "平安示范加分" {
		t.Errorf("b1 bonus = %+v", b)
	}
	if d := *ex.Score - *ex.Root; d < 2-1e-9 || d > 2+1e-9 {
		t.Errorf("b1 score %v - root %v = %v, want the bonus 2", *ex.Score, *ex.Root, d)
	}
	if ex.GradeReason == "" || ex.GradeByScore == "" {
		t.Errorf("b1 grade reasoning missing: %+v", ex)
	}
	// a3 (200 cases) is vetoed: its grade is capped at 不合格.
	e.must(e.do("GET", "/api/v1/published/2024/subjects/a3", "", nil), 200).json(t, &ex)
	if v := ex.Adjustments[1]; v.ID != "case_veto" || v.Kind != "veto" || !v.Held || v.CapGrade != "不合格" || !ex.Vetoed || ex.Grade != "不合格" {
		t.Errorf("a3 veto = %+v (vetoed %v, grade %s)", v, ex.Vetoed, ex.Grade)
	}
	page := string(e.must(e.do("GET", "/p/2024/s/a3", "", nil), 200).body)
	for _, want := range []string{"加减分与一票否决", "重大案件一票否决", "一票否决", "等次最高为 不合格", "平安示范加分", "等次依据", html.EscapeString(ex.GradeReason)} {
		if !strings.Contains(page, want) {
			t.Errorf("a3's page lacks %q", want)
		}
	}
}

// TestNodeRanksShown: the ranks on a `rank: true` node (service) are a
// column of the ranking page and a field of the explanation, equal to the
// service_rank column of the stored results.csv.
func TestNodeRanksShown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.useRatedSet()
	id := e.ratedCycle()
	info, _ := e.db.Run(ctx, id)
	var csv bytes.Buffer
	if err := e.db.WriteOutput(ctx, info.BatchID, "results.csv", &csv); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	head := strings.Split(lines[0], ",")
	col := slices.Index(head, "service_rank")
	if col < 0 {
		t.Fatalf("results.csv has no service_rank: %s", lines[0])
	}
	page := string(e.must(e.do("GET", "/p/2024", "", nil), 200).body)
	if !strings.Contains(page, "<th scope=\"col\">公共服务 名次</th>") {
		t.Errorf("the ranking page has no column of the service ranks")
	}
	checked := 0
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		subj, want := f[1], f[col]
		if want == "" {
			continue
		}
		var ex struct {
			Nodes []struct {
				ID   string `json:"id"`
				Rank int    `json:"rank"`
			} `json:"nodes"`
		}
		e.must(e.do("GET", "/api/v1/published/2024/subjects/"+subj, "", nil), 200).json(t, &ex)
		for _, n := range ex.Nodes {
			if n.ID == "service" {
				checked++
				if strconv.Itoa(n.Rank) != want {
					t.Errorf("%s: explanation service rank %d, results.csv %s", subj, n.Rank, want)
				}
			}
		}
		// The page row ends with the service rank.
		i := strings.Index(page, "/s/"+subj+"\"")
		end := strings.Index(page[i:], "</tr>")
		if !strings.HasSuffix(page[i:i+end], "<td>"+want+"</td>") {
			t.Errorf("%s: page row %q does not end with its service rank %s", subj, page[i:i+end], want)
		}
	}
	if checked < 4 {
		t.Errorf("only %d subjects had a service rank", checked)
	}
}

// TestRatingNamesEscaped: a rater name with markup or a formula is shown
// escaped on the admin pages and neutralised in the CSV download.
func TestRatingNamesEscaped(t *testing.T) {
	e := newEnv(t)
	e.useRatedSet()
	admin := e.token("office")
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	csv := "period,item,subject,rater,role,score\n2024,satisfaction,a1,<img src=x onerror=alert(1)>,third_party,80\n2024,satisfaction,a2,\"=HYPERLINK(\"\"http://x\"\")\",third_party,70\n"
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings?file=<b>x.csv", admin, csv), 200)
	for _, p := range []string{"/admin/ratings?period=2024", "/admin/ratings/history?period=2024&item=satisfaction&subject=a1"} {
		body := string(e.must(e.do("GET", p, admin, nil), 200).body)
		if strings.Contains(body, "<img") || strings.Contains(body, "<b>") {
			t.Errorf("%s holds unescaped markup", p)
		}
		if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s lacks the escaped rater name", p)
		}
	}
	body := string(e.must(e.do("GET", "/api/v1/periods/2024/ratings", admin, nil), 200).body)
	if !strings.Contains(body, `"'=HYPERLINK(""http://x"")"`) {
		t.Errorf("the CSV download does not neutralise a formula-like rater: %s", body)
	}
}
