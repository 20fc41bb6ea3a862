package indicators

import (
	"math"
	"testing"
)

func TestTransformApply(t *testing.T) {
	for _, tc := range []struct {
		t    Transform
		x    float64
		want float64 // NaN: outside the domain
	}{
		{TransformNone, -3, -3},
		{TransformLog, math.E, 1},
		{TransformLog, 0, math.NaN()},
		{TransformLog, -1, math.NaN()},
		{TransformLog1p, 0, 0},
		{TransformLog1p, -1, math.NaN()},
		{TransformLog1p, -0.5, math.Log(0.5)},
		{TransformSqrt, 9, 3},
		{TransformSqrt, 0, 0},
		{TransformSqrt, -1e-300, math.NaN()},
		{TransformLog, math.NaN(), math.NaN()},
	} {
		got := tc.t.Apply(tc.x)
		if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tc.want) > 1e-12) {
			t.Errorf("%q.Apply(%v) = %v, want %v", tc.t, tc.x, got, tc.want)
		}
	}
}
