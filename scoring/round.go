package scoring

import (
	"bytes"
	"math"
	"strconv"
)

// Round rounds x to digits decimal places the way a person rounds the
// printed number (SPEC §4.6): it takes the shortest decimal representation
// that round-trips x (strconv.FormatFloat(x, 'e', -1, 64)), rounds that
// digit string half away from zero, and parses the result back.
//
// So Round(2.675, 2) = 2.68 although the float64 nearest 2.675 is
// 2.67499999999999982236431605997495353221893310546875, and
// Round(-2.5, 0) = -3. A result of zero is +0. NaN, ±Inf and negative
// digits return x unchanged.
func Round(x float64, digits int) float64 {
	if digits < 0 || math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	// Fast path: when y = x·10^digits is below 2⁵² and its fraction is far
	// from one half, the digit rule and rounding y agree. y differs from
	// (shortest decimal of x)·10^digits by a few ulps of y (< 1e-15·|y|),
	// so a margin of 1e-12·max(1, |y|) cannot change the side of the half;
	// m = round(y) < 2⁵³ is exact and m/10^digits is the correctly rounded
	// quotient, the float64 the digit path produces too.
	if digits <= 22 {
		p := pow10[digits]
		y := x * p
		if ay := math.Abs(y); ay < 1<<52 {
			if f := ay - math.Floor(ay); math.Abs(f-0.5) > 1e-12*max(1, ay) {
				r := math.Round(y) / p
				if r == 0 {
					return 0
				}
				return r
			}
		}
	}
	var sbuf [32]byte
	s := strconv.AppendFloat(sbuf[:0], x, 'e', -1, 64) // [-]d[.ddd]e±XX
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
	if ePos > 1 {
		mant = append(mant, s[2:ePos]...)
	}
	// x = 0.mant × 10^(exp+1); keep the digits down to 10^-digits.
	keep := exp + 1 + digits
	switch {
	case keep >= len(mant):
		return x
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
	// Fast path: an integer m < 2⁵³ and 10^digits ≤ 10²² are exact float64s,
	// so m / 10^digits is the correctly rounded value of m·10^−digits, the
	// same float64 ParseFloat would return.
	if len(kept) <= 15 && digits <= 22 {
		var m uint64
		for _, c := range kept {
			m = m*10 + uint64(c-'0')
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
	return r
}

// pow10 holds the powers of ten that are exact in float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}
