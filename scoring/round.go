package scoring

import (
	"bytes"
	"math"
	"strconv"

	"github.com/govscore/govscore/indicators"
)

// Round rounds x to digits decimal places the way a spreadsheet rounds the
// number it shows (SPEC §4.6): it takes the decimal representation of x at
// 15 significant digits (strconv.FormatFloat(x, 'e', 14, 64), correctly
// rounded, an exact tie at the 16th digit to even as C's printf and
// Python's format do), rounds that digit string half away from zero at
// digits decimals, and parses the result back.
//
// So Round(0.285, 2) = 0.29 although the float64 nearest 0.285 is
// 0.28499999999999997557509345824655611068010330200195312 (shown as
// 0.285000000000000), Round(51.449999999999996, 1) = 51.5 (shown as
// 51.4500000000000) and Round(-2.5, 0) = -3. When the 15 digits end
// before 10^−digits there is nothing left to round and the result is the
// 15-digit decimal itself (Round(0.1+0.2, 17) = 0.3, as a spreadsheet
// holds it). A result of zero is +0.
// NaN, ±Inf and negative digits return x unchanged.
func Round(x float64, digits int) float64 {
	if digits < 0 || math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	// Fast path: when y = x·10^digits is below 10^14 (so the 15 digits reach
	// past 10^−digits and x is rounded) and its fraction is far from one
	// half, the digit rule and rounding y agree. The 15-digit decimal of x
	// is within 5e-15·|x| of x and y is within an ulp of x·10^digits, so y
	// differs from (15-digit decimal)·10^digits by less than 6e-15·|y|: a
	// margin of 1e-12·max(1, |y|) cannot change the side of the half. Then
	// m = round(y) < 2⁵³ is exact and m/10^digits is the correctly rounded
	// quotient, the float64 the digit path produces too.
	if digits <= 22 {
		p := pow10[digits]
		y := x * p
		if ay := math.Abs(y); ay < 1e14 {
			if f := ay - math.Floor(ay); math.Abs(f-0.5) > 1e-12*max(1, ay) {
				r := math.Round(y) / p
				if r == 0 {
					return 0
				}
				return r
			}
		}
	}
	return roundDigits(x, digits)
}

// roundDigits is Round's digit path: the 15-significant-digit string of x
// rounded half away from zero at digits decimals.
func roundDigits(x float64, digits int) float64 {
	var sbuf [32]byte
	s := strconv.AppendFloat(sbuf[:0], x, 'e', 14, 64) // [-]d.dddddddddddddde±XX
	rep := s
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	ePos := bytes.IndexByte(s, 'e')
	exp := 0
	for _, c := range s[ePos+2:] {
		exp = exp*10 + int(c-'0')
	}
	if s[ePos+1] == '-' {
		exp = -exp
	}
	var buf [32]byte
	mant := append(buf[:0], s[0])
	mant = append(mant, s[2:ePos]...) // 15 digits
	// x ≈ 0.mant × 10^(exp+1); keep the digits down to 10^-digits.
	keep := exp + 1 + digits
	switch {
	case keep >= len(mant):
		// Every shown digit is kept: the value is the 15-digit decimal
		// (x itself where that decimal overflows, past MaxFloat64).
		r, err := strconv.ParseFloat(string(rep), 64)
		if err != nil {
			return x
		}
		return r
	case keep < 0:
		return 0
	}
	up := mant[keep] >= '5'
	kept := mant[:keep]
	if up {
		i := len(kept) - 1
		for ; i >= 0; i-- {
			if kept[i] == '9' {
				kept[i] = '0'
				continue
			}
			kept[i]++
			break
		}
		if i < 0 {
			kept = append([]byte{'1'}, kept...)
		}
	}
	if len(kept) == 0 {
		return 0
	}
	// An integer m < 2⁵³ and 10^digits ≤ 10²² are exact float64s, so
	// m / 10^digits is the correctly rounded value of m·10^−digits, the
	// same float64 ParseFloat would return.
	if len(kept) <= 15 && digits <= 22 {
		var m uint64
		for _, c := range kept {
			m = m*10 + uint64(c-'0')
		}
		if m == 0 {
			return 0
		}
		r := float64(m) / pow10[digits]
		if neg {
			r = -r
		}
		return r
	}
	out := make([]byte, 0, len(kept)+8)
	if neg {
		out = append(out, '-')
	}
	out = append(out, kept...)
	out = append(out, 'e')
	out = strconv.AppendInt(out, int64(-digits), 10)
	r, _ := strconv.ParseFloat(string(out), 64) // ±Inf past MaxFloat64
	if r == 0 {
		return 0
	}
	return r
}

// RoundR is R's round(x, digits) as R ≥ 4.0 computes it (SPEC §4.6,
// `numerics: r`; R's src/nmath/fround.c, "private_rint"/"private_fround"
// since R 4.0.0), on the binary value of x rather than its decimal
// representation. For |x| (the sign is put back after), p = 10^digits,
// i = ⌊p·x⌋, down = i/p, up = ⌈p·x⌉/p; the result is up when
// up − x < x − down, or when the two are equal and i is odd, else down.
// x is returned unchanged when its magnitude's digits plus digits exceed
// 15: log10(2)·(e − 0.5) + digits > 15 with |x| = f·2^e, f ∈ [0.5, 1)
// (R's M_LOG10_2·(0.5 + logb(x)) + dig > DBL_DIG).
//
// So RoundR(0.15, 1) = 0.1 (0.15 is 0.1499999999999999944…),
// RoundR(2.5, 0) = 2, RoundR(-1.5, 0) = -2, RoundR(0.285, 2) = 0.28 and
// RoundR(0.125, 2) = 0.12 (an exact tie, to even). A result of zero is +0
// (R keeps the sign, −0, which it prints and compares as 0). NaN, ±Inf, 0
// and negative digits return x unchanged.
func RoundR(x float64, digits int) float64 {
	if digits < 0 || math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	sgn := 1.0
	if x < 0 {
		sgn, x = -1, -x
	}
	_, e := math.Frexp(x)
	if log10of2*(float64(e)-0.5)+float64(digits) > 15 {
		return sgn * x
	}
	p := math.Pow(10, float64(digits))
	if digits <= 22 {
		p = pow10[digits]
	}
	px := p * x
	i := math.Floor(px)
	down, up := i/p, math.Ceil(px)/p
	du, dd := up-x, x-down
	r := down
	// i < 2⁵³ here (the escape above leaves p·x < 10^15.2), so it converts
	// exactly.
	if du < dd || (du == dd && int64(i)&1 == 1) {
		r = up
	}
	if r == 0 {
		return 0
	}
	return sgn * r
}

// Rounder returns the rounding rule of the set's `numerics:` (SPEC §4.6):
// RoundR for `numerics: r`, Round otherwise.
func Rounder(set *indicators.Set) func(float64, int) float64 {
	if set != nil && set.Numerics == indicators.NumericsR {
		return RoundR
	}
	return Round
}

// log10of2 is log10(2), R's M_LOG10_2.
const log10of2 = 0.301029995663981195213738894724493026768189881462108541310

// pow10 holds the powers of ten that are exact in float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}
