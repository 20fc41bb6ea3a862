package diag

import (
	"math"
	"strconv"
)

// FormatNum formats x for a message or a plain-text column: the shortest
// decimal that parses back to the same float64 (strconv 'g' form, so
// 1e+21 and 1e-07 keep their exponent), or missing when x is NaN.
func FormatNum(x float64, missing string) string {
	if math.IsNaN(x) {
		return missing
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// AppendFloat appends the shortest decimal representation of x that parses
// back to the same float64, in plain notation for 1e-6 ≤ |x| < 1e21 (and 0)
// and in exponent notation (1e-7, 1.5e+21) outside, like encoding/json.
// NaN and ±Inf append nothing: callers write them as missing. It is the
// number format of every output file and of the messages that quote a
// computed value.
func AppendFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return b
	}
	if x == 0 {
		return append(b, '0') // also for -0
	}
	abs := math.Abs(x)
	if abs < 1e-6 || abs >= 1e21 {
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	if abs >= 1e-3 && abs < 1e9 {
		if b, ok := appendShortDecimal(b, x, abs); ok {
			return b
		}
	}
	return strconv.AppendFloat(b, x, 'f', -1, 64)
}

// appendShortDecimal appends x when it is the float64 nearest to a decimal
// with at most three places (447, 0.575, −47.8: what input files hold),
// and reports whether it did; the shortest round-trip search
// (strconv's 'f', −1) then gives the same digits, at several times the
// cost. For 1e-3 ≤ |x| < 1e9 the spacing of float64s (< 1.2e-7) is far
// below 0.001, so at most one decimal with three places rounds to x: m =
// round(|x|·1000), when m / 1000 == |x| (one correctly rounded division of
// exact operands: the float64 nearest to that decimal). Its trailing zeros
// dropped, m with k ≤ 3 places is the shortest representation. A value
// that is no such decimal costs one multiplication and one division.
func appendShortDecimal(b []byte, x, abs float64) ([]byte, bool) {
	m := math.Round(abs * 1000)
	if m/1000 != abs {
		return b, false
	}
	u, k := uint64(m), 3
	for k > 0 && u%10 == 0 {
		u /= 10
		k--
	}
	if x < 0 {
		b = append(b, '-')
	}
	if k == 0 {
		return strconv.AppendUint(b, u, 10), true
	}
	p := pow10[k]
	b = strconv.AppendUint(b, u/p, 10)
	b = append(b, '.')
	r := u % p
	for d := p / 10; d > 0; d /= 10 { // k digits, leading zeros kept
		b = append(b, byte('0'+r/d%10))
	}
	return b, true
}

// pow10[k] is 10^k.
var pow10 = [...]uint64{1, 10, 100, 1000}

// FormatFloat is AppendFloat returning a string.
func FormatFloat(x float64) string { return string(AppendFloat(nil, x)) }

// IsDecimal reports whether s is an unsigned decimal number: digits with an
// optional fraction and an optional exponent (1, 1.5, .5, 2e-3); no sign,
// hex, NaN, Inf or underscores.
func IsDecimal(s string) bool {
	i, digits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}
