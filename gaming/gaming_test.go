package gaming

import (
	"math"
	"reflect"
	"testing"

	"github.com/govscore/govscore/assess"
)

func flagsOf(r *Report, check string) []Flag {
	var out []Flag
	for _, f := range r.Flags {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func TestStraightLiningAndIdenticalVectors(t *testing.T) {
	rs := []assess.Rating{
		// r1 gives 80 to all three: straight-lining.
		{Item: "k", Subject: "a", Rater: "r1", Role: "public", Score: 80},
		{Item: "k", Subject: "b", Rater: "r1", Role: "public", Score: 80},
		{Item: "k", Subject: "c", Rater: "r1", Role: "public", Score: 80},
		// r2 and r3 answer identically (given in another order).
		{Item: "k", Subject: "a", Rater: "r2", Role: "public", Score: 90},
		{Item: "k", Subject: "b", Rater: "r2", Role: "public", Score: 70},
		{Item: "k", Subject: "c", Rater: "r2", Role: "public", Score: 60},
		{Item: "k", Subject: "c", Rater: "r3", Role: "public", Score: 60},
		{Item: "k", Subject: "a", Rater: "r3", Role: "public", Score: 90},
		{Item: "k", Subject: "b", Rater: "r3", Role: "public", Score: 70},
		// r4 differs from r2 in one answer; r5 rates only two subjects
		// the same (below MinRatings).
		{Item: "k", Subject: "a", Rater: "r4", Role: "public", Score: 90},
		{Item: "k", Subject: "b", Rater: "r4", Role: "public", Score: 70},
		{Item: "k", Subject: "c", Rater: "r4", Role: "public", Score: 61},
		{Item: "k", Subject: "a", Rater: "r5", Role: "public", Score: 50},
		{Item: "k", Subject: "b", Rater: "r5", Role: "public", Score: 50},
	}
	rep := Run(Input{Period: "2024", Ratings: rs}, Options{})
	sl := flagsOf(rep, StraightLining)
	if len(sl) != 1 || sl[0].Rater != "r1" || sl[0].Evidence["score"] != 80.0 || sl[0].Evidence["ratings"] != 3 {
		t.Errorf("straight-lining = %+v, want r1 (3 × 80)", sl)
	}
	iv := flagsOf(rep, IdenticalVectors)
	if len(iv) != 1 || !reflect.DeepEqual(iv[0].Evidence["raters"], []string{"r2", "r3"}) ||
		!reflect.DeepEqual(iv[0].Evidence["answers"], map[string]float64{"a": 90, "b": 70, "c": 60}) {
		t.Errorf("identical vectors = %+v, want r2 = r3", iv)
	}
	if rep.Counts[StraightLining] != 1 || rep.Counts[IdenticalVectors] != 1 || rep.Counts[Jump] != 0 {
		t.Errorf("counts = %v", rep.Counts)
	}
	// With MinRatings 2, r5 straight-lines too.
	if got := flagsOf(Run(Input{Ratings: rs}, Options{MinRatings: 2}), StraightLining); len(got) != 2 || got[1].Rater != "r5" {
		t.Errorf("MinRatings 2: %+v", got)
	}
}

func TestReciprocityByPair(t *testing.T) {
	// Six subjects rate each other 55 or 65 alternately; a and b give each
	// other 100. a's ratings 100, 55, 65, 55, 65: mean 68, centred
	// rating of b 32, sd √345 = 18.57, 1.5 sd = 27.86 < 32: flagged, and
	// symmetrically for b.
	subjects := []string{"a", "b", "c", "d", "e", "f"}
	var rs []assess.Rating
	for i, x := range subjects {
		k := 0
		for j, y := range subjects {
			if i == j {
				continue
			}
			score := 55.0
			if k%2 == 1 {
				score = 65
			}
			if x <= "b" && y <= "b" {
				score = 100
			} else {
				k++
			}
			rs = append(rs, assess.Rating{Item: "peer", Subject: y, Rater: x, Role: "peer", Score: score})
		}
	}
	item := assess.Item{ID: "peer", Scale: [2]float64{0, 100}, Roles: []assess.RoleWeight{{Role: "peer", Weight: 1}}}
	res, err := assess.Combine([]assess.Item{item}, subjects, rs)
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(Input{Ratings: rs, Reciprocity: map[string]assess.Reciprocity{"peer": res.Items[0].Reliability.Reciprocity}}, Options{})
	rc := flagsOf(rep, Reciprocity)
	if len(rc) != 1 || rc[0].Subject != "a" || !reflect.DeepEqual(rc[0].Evidence["pair"], []string{"a", "b"}) {
		t.Fatalf("reciprocity = %+v, want the pair a–b", rc)
	}
	if ab := rc[0].Evidence["a_rates_b_centred"].(float64); math.Abs(ab-32) > 1e-9 {
		t.Errorf("a's centred rating of b = %v, want 32", ab)
	}
	if rc[0].Evidence["dyads"] != 15 {
		t.Errorf("dyads = %v, want 15", rc[0].Evidence["dyads"])
	}
}

func TestNearGradeAndVeto(t *testing.T) {
	scores := []Score{
		{Subject: "a", Rated: true, Score: 80.4, Grade: "优秀"},
		{Subject: "b", Rated: true, Score: 79.9, Grade: "合格"},
		{Subject: "c", Rated: true, Score: 60, Grade: "合格"},
		{Subject: "d", Rated: false, Score: math.NaN()},
		{Subject: "e", Rated: true, Score: 81, Grade: "优秀"},
	}
	grades := []GradeMin{{"优秀", 80}, {"合格", 60}}
	v, ok := ParseVeto("pollution_veto", "pm25 >= 75")
	if !ok || v.Metric != "pm25" || v.Op != ">=" || v.Threshold != 75 {
		t.Fatalf("ParseVeto = %+v %v", v, ok)
	}
	if _, ok := ParseVeto("x", "a > 0 && b > 1"); ok {
		t.Error("a compound condition parsed as a veto threshold")
	}
	zero, _ := ParseVeto("accident_veto", "accidents > 0")
	values := []Value{
		{Subject: "a", Metric: "pm25", Value: 74.5, Prev: math.NaN()}, // 0.5 below 75 (margin 3.75): flagged
		{Subject: "b", Metric: "pm25", Value: 75, Prev: math.NaN()},   // vetoed, not near
		{Subject: "c", Metric: "pm25", Value: 60, Prev: math.NaN()},   // far
		{Subject: "a", Metric: "accidents", Value: 0, Prev: math.NaN()},
	}
	rep := Run(Input{Scores: scores, Grades: grades, Vetoes: []Veto{v, zero}, Values: values}, Options{})
	ng := flagsOf(rep, NearGrade)
	if len(ng) != 2 || ng[0].Subject != "a" || ng[1].Subject != "c" || math.Abs(ng[0].Evidence["above_by"].(float64)-0.4) > 1e-9 ||
		ng[1].Evidence["threshold_grade"] != "合格" {
		t.Errorf("near grade = %+v, want a (0.4 above 优秀) and c (at 合格)", ng)
	}
	nv := flagsOf(rep, NearVeto)
	if len(nv) != 1 || nv[0].Subject != "a" || nv[0].Metric != "pm25" || math.Abs(nv[0].Evidence["distance"].(float64)-0.5) > 1e-9 {
		t.Errorf("near veto = %+v, want a's pm25 0.5 below 75", nv)
	}
	// A veto that applies to some subjects only.
	v.Subjects = []string{"c"}
	if got := flagsOf(Run(Input{Vetoes: []Veto{v}, Values: values}, Options{}), NearVeto); len(got) != 0 {
		t.Errorf("veto of c only flags %+v", got)
	}
}

func TestJumps(t *testing.T) {
	values := []Value{
		{Subject: "a", Metric: "cases", Prev: 100, Value: 110}, // +10%
		{Subject: "b", Metric: "cases", Prev: 100, Value: 105}, // +5%
		{Subject: "c", Metric: "cases", Prev: 100, Value: 40},  // −60%: a jump
		{Subject: "d", Metric: "cases", Prev: 0, Value: 50},    // no relative change
		{Subject: "e", Metric: "cases", Prev: math.NaN(), Value: 50},
		// Every subject doubles its budget: a shared rise, no jump.
		{Subject: "a", Metric: "budget", Prev: 10, Value: 20},
		{Subject: "b", Metric: "budget", Prev: 10, Value: 21},
		{Subject: "c", Metric: "budget", Prev: 10, Value: 20},
	}
	rep := Run(Input{Values: values}, Options{})
	j := flagsOf(rep, Jump)
	if len(j) != 1 || j[0].Subject != "c" || j[0].Metric != "cases" {
		t.Fatalf("jumps = %+v, want c's cases", j)
	}
	if ch := j[0].Evidence["change"].(float64); math.Abs(ch+0.6) > 1e-12 {
		t.Errorf("change = %v, want −0.6", ch)
	}
	if med := j[0].Evidence["median_change"].(float64); math.Abs(med-0.05) > 1e-12 {
		t.Errorf("median change = %v, want 0.05", med)
	}
}

func TestReportIsDeterministic(t *testing.T) {
	values := []Value{
		{Subject: "z", Metric: "m", Prev: 10, Value: 100},
		{Subject: "y", Metric: "m", Prev: 10, Value: 10},
		{Subject: "x", Metric: "m", Prev: 10, Value: 10},
		{Subject: "a", Metric: "m", Prev: 10, Value: 100},
	}
	a := Run(Input{Values: values}, Options{})
	rev := []Value{values[3], values[2], values[1], values[0]}
	b := Run(Input{Values: rev}, Options{})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the order of the input changes the report:\n%+v\n%+v", a, b)
	}
	if len(a.Flags) != 2 || a.Flags[0].Subject != "a" || a.Flags[1].Subject != "z" {
		t.Errorf("flags = %+v", a.Flags)
	}
}

func TestJumpsAmongManyAreOutliersOnly(t *testing.T) {
	// Eight subjects: changes 0%, +10%, +20%, +30%, +40%, +50%, +60% and
	// one +400%. Median +35%, MAD 20% → 3 robust sd = 0.88956: only the
	// +400% is a jump, not the +60% (25% from the median).
	var values []Value
	for i, v := range []float64{100, 110, 120, 130, 140, 150, 160, 500} {
		values = append(values, Value{Subject: string(rune('a' + i)), Metric: "m", Prev: 100, Value: v})
	}
	j := flagsOf(Run(Input{Values: values}, Options{Jump: 0.2}), Jump)
	if len(j) != 1 || j[0].Subject != "h" {
		t.Fatalf("jumps = %+v, want h only", j)
	}
	if th := j[0].Evidence["threshold"].(float64); math.Abs(th-3*1.4826*0.2) > 1e-12 {
		t.Errorf("threshold = %v, want %v", th, 3*1.4826*0.2)
	}
}
