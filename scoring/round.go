package scoring

import (
	"math"
	"strconv"
	"strings"
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
	s := strconv.FormatFloat(x, 'e', -1, 64) // [-]d[.ddd]e±XX
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	ePos := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[ePos+1:])
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
	out := make([]byte, 0, len(kept)+8)
	if neg {
		out = append(out, '-')
	}
	out = append(out, kept...)
	out = append(out, 'e')
	out = strconv.AppendInt(out, int64(-digits), 10)
	r, err := strconv.ParseFloat(string(out), 64)
	if err != nil { // out of range after rounding up near MaxFloat64
		return r
	}
	if r == 0 {
		return 0
	}
	return r
}
