package assess_test

import (
	"fmt"

	"github.com/govscore/govscore/assess"
)

func ExampleCombine() {
	items := []assess.Item{{
		ID: "satisfaction", Name: "群众满意度", Scale: [2]float64{0, 100},
		Roles:       []assess.RoleWeight{{Role: "public", Weight: 60}, {Role: "superior", Weight: 40}},
		Trim:        1,
		MinRaters:   2,
		MissingRole: assess.Reweight,
	}}
	subjects := []string{"town_a", "town_b"}
	ratings := []assess.Rating{
		// town_a: 5 public ratings (n > 2·trim + 2: 40 and 95 are dropped)
		// and 2 from superiors.
		{Item: "satisfaction", Subject: "town_a", Rater: "p1", Role: "public", Score: 40},
		{Item: "satisfaction", Subject: "town_a", Rater: "p2", Role: "public", Score: 80},
		{Item: "satisfaction", Subject: "town_a", Rater: "p3", Role: "public", Score: 85},
		{Item: "satisfaction", Subject: "town_a", Rater: "p4", Role: "public", Score: 90},
		{Item: "satisfaction", Subject: "town_a", Rater: "p5", Role: "public", Score: 95},
		{Item: "satisfaction", Subject: "town_a", Rater: "u1", Role: "superior", Score: 70},
		{Item: "satisfaction", Subject: "town_a", Rater: "u2", Role: "superior", Score: 80},
		// town_b: one superior rating (< min_raters): only public counts.
		{Item: "satisfaction", Subject: "town_b", Rater: "p1", Role: "public", Score: 60},
		{Item: "satisfaction", Subject: "town_b", Rater: "p2", Role: "public", Score: 70},
		{Item: "satisfaction", Subject: "town_b", Rater: "u1", Role: "superior", Score: 90},
	}
	res, err := assess.Combine(items, subjects, ratings)
	if err != nil {
		fmt.Println(err)
		return
	}
	sat := res.Item("satisfaction")
	for s, id := range subjects {
		fmt.Printf("%s: A = %.2f, SE = %.2f, 90%% interval [%.2f, %.2f]\n", id, sat.Score[s], sat.SE[s], sat.Low[s], sat.High[s])
	}
	fmt.Printf("raters %d, ratings %d, role means %.2f\n", sat.Reliability.Raters, sat.Reliability.Ratings, sat.Reliability.RoleMeans)
	// Output:
	// town_a: A = 81.00, SE = 2.65, 90% interval [76.65, 85.35]
	// town_b: A = 65.00, SE = 5.00, 90% interval [56.77, 73.22]
	// raters 7, ratings 10, role means [74.29 80.00]
}
