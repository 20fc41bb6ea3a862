package diag

import (
	"math"
	"testing"
)

// TestFormatFloat pins the one number format of the outputs and of the
// messages quoting a computed value (grade reasons among them).
func TestFormatFloat(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want string
	}{{0, "0"}, {math.Copysign(0, -1), "0"}, {85, "85"}, {31.25, "31.25"}, {0.30000000000000004, "0.30000000000000004"},
		{1e-7, "1e-07"}, {1e-6, "0.000001"}, {-2.5e21, "-2.5e+21"}, {123456789, "123456789"}, {math.NaN(), ""}, {math.Inf(1), ""}} {
		if got := FormatFloat(c.x); got != c.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", c.x, got, c.want)
		}
	}
}
