// Package reports renders a scored batch: results.csv, indicators.csv and
// results.json (SPEC §8), the terminal ranking summary and the `explain`
// trace. Every writer takes an io.Writer and a *batch.Batch and writes the
// same bytes for the same batch.
//
// Numbers are written with the shortest representation that round-trips a
// float64 (AppendFloat); missing numbers are empty CSV cells and JSON null.
package reports

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendFloat appends the shortest decimal representation of x that parses
// back to the same float64, in plain notation for 1e-6 ≤ |x| < 1e21 (and 0)
// and in exponent notation (1e-7, 1.5e+21) outside, like encoding/json.
// NaN and ±Inf append nothing: callers write them as missing.
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

// appendCSVField appends s as one RFC 4180 field, quoted when it holds a
// comma, quote, CR, LF or leading/trailing space.
func appendCSVField(b []byte, s string) []byte {
	need := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			need = true
		}
	}
	if !need && s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
		need = true
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. Non-ASCII text (Chinese
// names) is kept as UTF-8; control characters, quotes, backslashes, invalid
// UTF-8 and U+2028/U+2029 are escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendJSONFloat appends x as a JSON number, or null when it is missing.
func appendJSONFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	return AppendFloat(b, x)
}
