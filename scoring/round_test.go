package scoring

import (
	"math"
	"math/big"
	"strconv"
	"testing"
)

func TestRound(t *testing.T) {
	tests := []struct {
		name   string
		x      float64
		digits int
		want   float64
	}{
		{"2.675 (binary 2.67499…)", 2.675, 2, 2.68},
		{"0.285 shows as 0.285000000000000", 0.285, 2, 0.29},
		{"51.449999999999996 shows as 51.4500000000000", 51.449999999999996, 1, 51.5},
		{"51.44999999999 stays below the half", 51.44999999999, 1, 51.4},
		{"0.1+0.2 at 17 digits is the 15-digit 0.3", 0.1 + 0.2, 17, 0.3},
		{"1.0000000000000002 at 16 digits", 1.0000000000000002, 16, 1},
		{"2^-22 = 2.384185791015625e-07 ties to even at the 15th digit", 2.384185791015625e-07, 20, 2.3841857910156e-07},
		{"-0.285", -0.285, 2, -0.29},
		{"carry at the 15th digit", 99999999999999.99, 0, 1e14},
		{"1.005 (binary 1.00499…)", 1.005, 2, 1.01},
		{"-2.5 away from zero", -2.5, 0, -3},
		{"2.5 away from zero", 2.5, 0, 3},
		{"0.125", 0.125, 2, 0.13},
		{"-1.005", -1.005, 2, -1.01},
		{"1.4999 down", 1.4999, 0, 1},
		{"carry 9.995", 9.995, 2, 10},
		{"carry 99.96", 99.96, 1, 100},
		{"0.5 to integer", 0.5, 0, 1},
		{"0.05 to one digit", 0.05, 1, 0.1},
		{"0.0005 first kept digit", 0.0005, 3, 0.001},
		{"0.0004 to zero", 0.0004, 3, 0},
		{"negative to zero is +0", -0.004, 2, 0},
		{"tiny to zero", 1e-20, 2, 0},
		{"subnormal", 5e-324, 2, 0},
		{"small exponent kept", 1.5e-7, 7, 2e-7},
		{"big number", 123456789.125, 2, 123456789.13},
		{"large exponent unchanged", 1e300, 2, 1e300},
		{"max float unchanged", math.MaxFloat64, 0, math.MaxFloat64},
		{"more digits than shown", 123.456, 20, 123.456},
		{"more digits than the 15 shown", 123.45600000000002, 20, 123.456},
		{"exact digits", 123.456, 3, 123.456},
		{"negative digits unchanged", 123.456, -1, 123.456},
		{"zero", 0, 2, 0},
		{"integer digits 0", 1234.5678, 0, 1235},
		{"negative large", -987654.3215, 3, -987654.322},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Round(tc.x, tc.digits)
			if got != tc.want || math.Signbit(got) != math.Signbit(tc.want) {
				t.Errorf("Round(%v, %d) = %v, want %v", tc.x, tc.digits, got, tc.want)
			}
		})
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := Round(x, 2); !(got == x || (math.IsNaN(got) && math.IsNaN(x))) {
			t.Errorf("Round(%v, 2) = %v", x, got)
		}
	}
}

// refRound is an independent Round (SPEC §4.6) on exact rationals: the
// 15-significant-digit decimal of x (Python's '%.15g', C's printf
// "%.15g"), scaled by 10^digits, shifted by ±½ and truncated towards zero,
// unless digits reach past the 15 digits shown, where the rounded value is
// the 15-digit decimal itself.
func refRound(x float64, digits int) float64 {
	if digits < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', 15, 64))
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	r.Mul(r, new(big.Rat).SetInt(scale))
	if !r.IsInt() {
		half := big.NewRat(1, 2)
		if r.Sign() < 0 {
			r.Sub(r, half)
		} else {
			r.Add(r, half)
		}
	}
	q := new(big.Int).Quo(r.Num(), r.Denom()) // truncates towards zero
	f, _ := new(big.Rat).SetFrac(q, scale).Float64()
	if f == 0 {
		return 0
	}
	if math.IsInf(f, 0) {
		return x
	}
	return f
}

func FuzzRound(f *testing.F) {
	for _, s := range []struct {
		x float64
		d int
	}{{2.675, 2}, {1.005, 2}, {-2.5, 0}, {9.995, 2}, {1e-20, 2}, {123456789.125, 2}, {0.0005, 3},
		{0.285, 2}, {51.449999999999996, 1}, {99999999999999.99, 0}, {0.1 + 0.2, 17}, {2.384185791015625e-07, 20}} {
		f.Add(s.x, s.d)
	}
	f.Fuzz(func(t *testing.T, x float64, digits int) {
		digits %= 30
		if math.Abs(x) > 1e200 {
			return // the reference's big integers grow too large to be quick
		}
		got, want := Round(x, digits), refRound(x, digits)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("Round(%v, %d) = %v, reference %v", x, digits, got, want)
		}
	})
}
