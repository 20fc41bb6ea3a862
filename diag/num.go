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
	return strconv.AppendFloat(b, x, 'f', -1, 64)
}

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
