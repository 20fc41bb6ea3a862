package server

import (
	"context"
	"os"
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
	yaml, err := os.ReadFile("testdata/indicators_rated.yaml")
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
	e.must(e.do("POST", "/api/v1/batches/"+itoa(first)+"/approve", admin, nil), 200)
	e.must(e.do("POST", "/api/v1/batches/"+itoa(first)+"/publish", admin, nil), 200)
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
	e.must(e.do("POST", "/api/v1/batches/"+itoa(second)+"/approve", admin, nil), 200)
	e.must(e.do("POST", "/api/v1/batches/"+itoa(second)+"/publish", admin, nil), 200)

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
}
