package mcda_test

import (
	"fmt"
	"math"

	"github.com/govscore/govscore/mcda"
)

// Entropy weights of three children over four subjects; the third child is
// constant and so carries no information.
func ExampleEntropy() {
	x := [][]float64{
		{60, 10, 5},
		{80, 30, 5},
		{70, 90, 5},
		{90, 20, 5},
	}
	w, err := mcda.Entropy(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f\n", w)
	// Output: [0.3743 0.6257 0.0000]
}

// TOPSIS closeness of three subjects, mapped onto the scale [0, 100]; the
// subject with a missing child gets NaN.
func ExampleTOPSIS() {
	v := [][]float64{
		{90, 40},
		{50, 80},
		{70, math.NaN()},
	}
	fmt.Printf("%.2f\n", mcda.TOPSIS(v, []float64{0.7, 0.3}, 0, 100))
	// Output: [70.00 30.00 NaN]
}

// JRC treatment of an indicator with one high outlier: the outlier is
// winsorised to the next highest value.
func ExampleTreatJRC() {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100}
	t := mcda.TreatJRC(x, 5, 2, 3.5)
	fmt.Println(t.Outcome, t.High, t.Values[10])
	fmt.Printf("skew %.2f → %.2f\n", t.SkewBefore, t.SkewAfter)
	// Output:
	// winsorised [10] 10
	// skew 3.26 → -0.13
}
