package diag

import (
	"math"
	"math/rand/v2"
	"strconv"
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

// TestAppendFloatShortDecimals: the fast path for values that are short
// decimals gives exactly strconv's shortest form, for integers, decimals
// of one to three places, their neighbours one ulp away (which need 16–17
// digits), values that only look short after rounding (0.1+0.2), every
// sign, and the edges of the path's range (1e-3, 1e9).
func TestAppendFloatShortDecimals(t *testing.T) {
	want := func(x float64) string {
		if x == 0 {
			return "0"
		}
		if a := math.Abs(x); a < 1e-6 || a >= 1e21 {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	check := func(x float64) {
		t.Helper()
		if got, w := string(AppendFloat(nil, x)), want(x); got != w {
			t.Fatalf("AppendFloat(%v = %#x) = %q, want %q", x, math.Float64bits(x), got, w)
		}
	}
	r := rand.New(rand.NewPCG(3, 5))
	for range 2_000_000 {
		k := r.IntN(5)
		m := r.Int64N(2_000_000_000_000)
		switch r.IntN(3) {
		case 0:
			m = r.Int64N(2000)
		case 1:
			m = r.Int64N(10_000_000)
		}
		x := float64(m) / math.Pow(10, float64(k))
		if r.IntN(2) == 0 {
			x = -x
		}
		check(x)
		check(math.Nextafter(x, math.Inf(1)))
		check(math.Nextafter(x, math.Inf(-1)))
		check(x * (1 + 1e-15))
		check(r.Float64() * math.Pow(10, float64(r.IntN(14)-4)))
	}
	for _, x := range []float64{0.1 + 0.2, 1e-3, 0.001, 0.0009999999999999998, 0.0010000000000000002, 1e9, 999999999.999, 999999999.9999, 1e9 - 0.001, 0.005, 0.05, 0.5, 1.005, 2.675, 1.0005, 123456789.123, 0.30000000000000004, 4.35, 4.345, 100, 1e8} {
		check(x)
		check(-x)
	}
}

func BenchmarkAppendFloat(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	short := make([]float64, 4096)
	long := make([]float64, 4096)
	for i := range short {
		short[i] = float64(r.IntN(1_000_000)) / 1000
		long[i] = r.Float64() * 100
	}
	buf := make([]byte, 0, 64)
	for _, c := range []struct {
		name string
		x    []float64
	}{{"short", short}, {"long", long}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				for _, x := range c.x {
					buf = AppendFloat(buf[:0], x)
				}
			}
		})
	}
}
