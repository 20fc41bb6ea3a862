package server

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
)

// TestCycleThroughTheAPI runs a whole evaluation cycle through the API:
// period opened, two providers submit, a batch runs, is approved and
// published; the public reads the ranking and an explanation; a corrected
// value and a second batch supersede the first, and the diff names the
// input that changed (old → new).
func TestCycleThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	id := e.cycle()
	var pub map[string]json.RawMessage
	e.must(e.do("GET", "/api/v1/published/2024", "", nil), 200).json(t, &pub)
	var results []struct {
		Subject string
		Rank    *int
		Score   *float64
		Grade   string
	}
	if err := json.Unmarshal(pub["results"], &results); err != nil {
		t.Fatalf("results: %v\n%s", err, pub["results"])
	}
	if len(results) != 6 {
		t.Fatalf("%d results, want 6 (c1 without data, unrated)", len(results))
	}
	// Counties, cases per 10k: a1 12, a2 8.89, a3 13.33 (lower is
	// better, minmax): a1 (13.33−12)/(13.33−8.89) = 0.3 → 30; satisfaction
	// 0.9, 0.85, 0.7 → 100, 75, 0. a1 = 0.6·30 + 0.4·100 = 58 (rank 2,
	// 合格), a2 = 0.6·100 + 0.4·75 = 90 (rank 1, 优秀).
	want := map[string]struct {
		score float64
		rank  int
		grade string
	}{"a1": {58, 2, "合格"}, "a2": {90, 1, "优秀"}, "a3": {0, 3, "不合格"}}
	for _, r := range results {
		w, ok := want[r.Subject]
		if ok && (r.Score == nil || math.Abs(*r.Score-w.score) > 1e-9 || r.Rank == nil || *r.Rank != w.rank || r.Grade != w.grade) {
			t.Errorf("%s = %v %v %s, want %v", r.Subject, r.Score, r.Rank, r.Grade, w)
		}
	}
	var ex explanation
	e.must(e.do("GET", "/api/v1/published/2024/subjects/a3", "", nil), 200).json(t, &ex)
	if ex.Subject != "a3" || len(ex.Nodes) != 4 || ex.Nodes[1].Raw == nil || math.Abs(*ex.Nodes[1].Raw-200.0/150000*10000) > 1e-9 {
		t.Errorf("explanation of a3 = %+v", ex)
	}
	// The subject reads its own explanation, not another's.
	e.must(e.do("GET", "/api/v1/subjects/a1/explanation", e.token("a1"), nil), 200)
	e.must(e.do("GET", "/api/v1/subjects/a2/explanation", e.token("a1"), nil), 403)

	// A correction, a new batch: it supersedes the first, both are kept.
	var rep struct{ Added, Changed, Unchanged int }
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=fix.csv", e.token("police"), "subject,period,cases\na3,2024,100\na2,2024,80\n"), 200).json(t, &rep)
	if rep.Changed != 1 || rep.Unchanged != 1 || rep.Added != 0 {
		t.Errorf("correction = %+v, want 1 changed, 1 unchanged", rep)
	}
	id2 := e.runBatch("2024")
	e.publish(id2)
	var d diffJSON
	e.must(e.do("GET", "/api/v1/published/2024/diff", "", nil), 200).json(t, &d)
	if d.Supersedes == 0 || d.Batch == d.Supersedes || len(d.Inputs) != 1 {
		t.Fatalf("diff = %+v", d)
	}
	in := d.Inputs[0]
	if in.Subject != "a3" || in.Metric != "cases" || *in.Old != 200 || *in.New != 100 {
		t.Errorf("input change = %+v, want a3 cases 200 → 100", in)
	}
	var list []struct {
		Period     string
		Batch      int64
		Superseded []int64
	}
	e.must(e.do("GET", "/api/v1/published", "", nil), 200).json(t, &list)
	if len(list) != 1 || list[0].Batch != d.Batch || len(list[0].Superseded) != 1 || list[0].Superseded[0] != d.Supersedes {
		t.Errorf("published = %+v", list)
	}
	// The public pages.
	page := e.must(e.do("GET", "/p/2024", "", nil), 200)
	for _, want := range []string{"东城县", "北区", "平安建设", "/p/2024/diff"} {
		if !strings.Contains(string(page.body), want) {
			t.Errorf("ranking page lacks %q", want)
		}
	}
	e.must(e.do("GET", "/p/2024/s/a1", "", nil), 200)
	e.must(e.do("GET", "/p/2024/diff", "", nil), 200)
	e.must(e.do("GET", "/p/2024/files/results.csv", "", nil), 200)
	e.must(e.do("GET", "/methodology", "", nil), 200)
	if r := e.do("GET", "/", "", nil); r.status != 200 || !strings.Contains(string(r.body), `href="/p/2024"`) {
		t.Errorf("home: %d", r.status)
	}
	_ = id
	_ = http.StatusOK
}
