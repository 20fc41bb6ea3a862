package server

import (
	"math"
	"strings"
	"testing"
)

// surveyCSV: four public raters and one peer rate the counties on
// satisfaction_survey. r1 gives everyone 80 (straight-lining), r2 and r3
// answer identically, r4 rates a1 far below the others; a2 rates a1 as a
// peer (1 rating, under min_raters 3: the role is missing).
const surveyCSV = "period,item,subject,rater,role,score\n" +
	"2024,satisfaction_survey,a1,r1,public,80\n2024,satisfaction_survey,a2,r1,public,80\n2024,satisfaction_survey,a3,r1,public,80\n" +
	"2024,satisfaction_survey,a1,r2,public,70\n2024,satisfaction_survey,a2,r2,public,60\n2024,satisfaction_survey,a3,r2,public,50\n" +
	"2024,satisfaction_survey,a1,r3,public,70\n2024,satisfaction_survey,a2,r3,public,60\n2024,satisfaction_survey,a3,r3,public,50\n" +
	"2024,satisfaction_survey,a1,r4,public,40\n2024,satisfaction_survey,a2,r4,public,65\n2024,satisfaction_survey,a3,r4,public,55\n" +
	"2024,satisfaction_survey,a1,a2,peer,90\n"

// TestRatingAppeal: a subject appeals its combined rating; it sees the
// combined score and the role means that rest on min_raters ratings, never
// a rater; the admin sees the ratings, refuses a corrected value (422),
// and accepts withdrawing one rating in the locked period; the
// recomputed, published diff names the item and subject (no rater) and
// marks the appeal. The gaming checks flag the straight-liner and the
// identical answers.
func TestRatingAppeal(t *testing.T) {
	e := newEnv(t)
	admin := e.token("office")
	e.useSet("testdata/indicators_assess.yaml")
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/ratings?file=survey.csv", admin, surveyCSV), 200)
	e.cycle()
	e.openWindow("2024")

	// Gaming checks on the ratings.
	var rep struct {
		Counts map[string]int
		Flags  []struct {
			Check, Rater string
			Evidence     map[string]any
		}
	}
	e.must(e.do("GET", "/api/v1/periods/2024/gaming", admin, nil), 200).json(t, &rep)
	if rep.Counts["straight_lining"] != 1 || rep.Counts["identical_vectors"] != 1 {
		t.Errorf("gaming counts = %v", rep.Counts)
	}
	for _, f := range rep.Flags {
		switch f.Check {
		case "straight_lining":
			if f.Rater != "r1" || f.Evidence["score"] != 80.0 {
				t.Errorf("straight-lining flag = %+v", f)
			}
		case "identical_vectors":
			if rs, _ := f.Evidence["raters"].([]any); len(rs) != 2 || rs[0] != "r2" || rs[1] != "r3" {
				t.Errorf("identical answers flag = %+v", f)
			}
		}
	}

	// a1 appeals its combined rating: public (80 + 70 + 70 + 40)/4 = 65,
	// the peer role missing (1 < 3 ratings).
	a1 := e.token("a1")
	var ap appealOut
	e.must(e.do("POST", "/api/v1/appeals", a1, map[string]any{"period": "2024", "target": map[string]string{"item": "satisfaction_survey"},
		"reason": "一份评价明显不实。"}), 201).json(t, &ap)
	if ap.Kind != "rating" || ap.Disputed == nil || math.Abs(*ap.Disputed-65) > 1e-9 {
		t.Fatalf("appeal = %+v", ap)
	}
	id := itoa(ap.ID)
	var sv appealOut
	r := e.must(e.do("GET", "/api/v1/appeals/"+id, a1, nil), 200)
	r.json(t, &sv)
	rx := sv.Explanation.Rating
	if rx == nil || len(rx.Roles) != 2 || rx.Roles[0].Role != "public" || rx.Roles[0].Ratings != 4 || math.Abs(*rx.Roles[0].Mean-65) > 1e-9 ||
		rx.Roles[1].Role != "peer" || rx.Roles[1].Ratings != 1 || rx.Roles[1].Mean != nil || rx.Ratings != nil {
		t.Fatalf("subject's rating explanation = %+v", rx)
	}
	for _, rater := range []string{"r1", "r2", "r4", `"rater"`} {
		if strings.Contains(string(r.body), rater) {
			t.Errorf("the subject's view names %s:\n%s", rater, r.body)
		}
	}
	var v appealOut
	e.must(e.do("GET", "/api/v1/appeals/"+id, admin, nil), 200).json(t, &v)
	if len(v.Explanation.Rating.Ratings) != 5 || len(v.Explanation.Leaves) != 1 || v.Explanation.Leaves[0].ID != "survey" {
		t.Errorf("admin's rating explanation = %+v, leaves %+v", v.Explanation.Rating, v.Explanation.Leaves)
	}

	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "locked"}), 200)
	path := "/api/v1/appeals/" + id + "/decision"
	e.must(e.do("POST", path, admin, map[string]any{"accept": true, "reason": "x", "corrected_value": 80}), 422)
	e.must(e.do("POST", path, admin, map[string]any{"accept": true, "reason": "x", "withdraw_raters": []string{"nobody"}}), 422)
	e.must(e.do("POST", path, admin, map[string]any{"accept": false, "reason": "x", "withdraw_raters": []string{"r4"}}), 400)
	e.must(e.do("POST", path, admin, map[string]any{"accept": true, "reason": "x", "withdraw_raters": []string{"r4", "r4"}}), 400)
	var dec struct {
		Decision struct {
			Accepted  bool
			Withdrawn int
		}
	}
	e.must(e.do("POST", path, admin, map[string]any{"accept": true, "reason": "评价人 r4 的评价经核实无效，撤销。", "withdraw_raters": []string{"r4"}}), 200).json(t, &dec)
	if !dec.Decision.Accepted || dec.Decision.Withdrawn != 1 {
		t.Fatalf("decision = %+v", dec)
	}
	var rc struct{ ID int64 }
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/recompute", admin, nil), 202).json(t, &rc)
	e.waitRun(rc.ID)
	e.publish(rc.ID)

	// The public diff: the rating change without its rater, the appeal
	// marked, no metric input changed.
	var d diffJSON
	r = e.must(e.do("GET", "/api/v1/published/2024/diff", "", nil), 200)
	r.json(t, &d)
	if len(d.Inputs) != 0 || len(d.Ratings) != 1 || d.Ratings[0].Subject != "a1" || d.Ratings[0].Item != "satisfaction_survey" || d.Ratings[0].Rater != "" {
		t.Errorf("diff inputs %+v ratings %+v", d.Inputs, d.Ratings)
	}
	if len(d.Appeals) != 1 || d.Appeals[0].Appeal != ap.ID || d.Appeals[0].Item != "satisfaction_survey" || d.Appeals[0].Subject != "a1" {
		t.Errorf("diff appeals = %+v", d.Appeals)
	}
	if strings.Contains(string(r.body), "r4") {
		t.Error("the public diff names the withdrawn rater")
	}
	var a1Change *changeJSON
	for i := range d.Results {
		if d.Results[i].Subject == "a1" {
			a1Change = &d.Results[i]
		}
	}
	if a1Change == nil || *a1Change.ScoreNew <= *a1Change.ScoreOld {
		t.Errorf("a1's score did not rise: %+v", d.Results)
	}
	// The subject's outcome: the combined score is now (80 + 70 + 70)/3.
	e.must(e.do("GET", "/api/v1/appeals/"+id, a1, nil), 200).json(t, &sv)
	if sv.Status != "accepted" || len(sv.Outcome) != 1 || !sv.Outcome[0].Published || math.Abs(*sv.Explanation.Current-220.0/3) > 1e-9 {
		t.Errorf("subject's outcome = %s %+v, current %v", sv.Status, sv.Outcome, sv.Explanation.Current)
	}
}

// TestAdjustmentAppeal: a3, vetoed for its 200 cases (case_veto: cases >
// 150), appeals the adjustment; the explanation shows the condition, that
// it held, and the input; the correction names an input the adjustment
// reads (another is 400), and the recomputed batch marks it and moves
// a3's score.
func TestAdjustmentAppeal(t *testing.T) {
	e := newEnv(t)
	admin := e.token("office")
	e.useSet("testdata/indicators_assess.yaml")
	e.cycle()
	e.openWindow("2024")
	if err := AddAccount(t.Context(), e.db, AccountSpec{Name: "a3", Role: "subject", Subject: "a3", Password: testPassword}, "setup"); err != nil {
		t.Fatal(err)
	}
	var ap appealOut
	e.must(e.do("POST", "/api/v1/appeals", e.token("a3"), map[string]any{"period": "2024", "target": map[string]string{"adjustment": "case_veto"},
		"reason": "200 件中 60 件为跨年积案。"}), 201).json(t, &ap)
	id := itoa(ap.ID)
	var v struct {
		Explanation struct {
			Grade      string
			Adjustment *adjustmentJSON
		}
	}
	e.must(e.do("GET", "/api/v1/appeals/"+id, admin, nil), 200).json(t, &v)
	adj := v.Explanation.Adjustment
	if adj == nil || adj.When != "cases > 150" || !adj.Held || adj.CapGrade != "不合格" || len(adj.Inputs) != 1 ||
		adj.Inputs[0].Metric != "cases" || *adj.Inputs[0].Value != 200 || v.Explanation.Grade != "不合格" {
		t.Fatalf("adjustment explanation = %+v (grade %s)", adj, v.Explanation.Grade)
	}
	path := "/api/v1/appeals/" + id + "/decision"
	e.must(e.do("POST", path, admin, map[string]any{"accept": true, "reason": "x", "corrected_value": 140, "metric": "residents"}), 400)
	e.must(e.do("POST", path, admin, map[string]any{"accept": true, "reason": "x", "corrected_value": 140}), 400)
	e.must(e.do("POST", path, admin, map[string]any{"accept": true, "reason": "跨年积案不计入。", "corrected_value": 140, "metric": "cases"}), 200)
	var rc struct{ ID int64 }
	e.must(e.do("POST", "/api/v1/appeals/"+id+"/recompute", admin, nil), 202).json(t, &rc)
	e.waitRun(rc.ID)
	e.publish(rc.ID)
	var d diffJSON
	e.must(e.do("GET", "/api/v1/published/2024/diff", "", nil), 200).json(t, &d)
	if len(d.Inputs) != 1 || d.Inputs[0].Subject != "a3" || *d.Inputs[0].New != 140 || len(d.Appeals) != 1 || d.Appeals[0].Metric != "cases" {
		t.Fatalf("diff = %+v", d)
	}
	var sv appealOut
	e.must(e.do("GET", "/api/v1/appeals/"+id, e.token("a3"), nil), 200).json(t, &sv)
	if len(sv.Outcome) != 1 || sv.Outcome[0].GradeOld != "不合格" || *sv.Outcome[0].ScoreNew <= *sv.Outcome[0].ScoreOld {
		t.Errorf("outcome = %+v", sv.Outcome)
	}
}
