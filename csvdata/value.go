package csvdata

import (
	"strconv"
	"strings"
	"unsafe"
)

// valueKind classifies a metrics cell.
type valueKind uint8

const (
	valueOK      valueKind = iota // a number
	valueMissing                  // empty or a missing token
	valueBad                      // not a number
	valueRange                    // a number too large for float64
)

// isMissingToken reports whether a trimmed cell is one of the tokens that
// mean "no value": empty, NA, N/A, -, null (letters in any case).
func isMissingToken(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 1:
		return s == "-"
	case 2:
		return strings.EqualFold(s, "na")
	case 3:
		return strings.EqualFold(s, "n/a")
	case 4:
		return strings.EqualFold(s, "null")
	}
	return false
}

// scanDecimal checks that s is a plain decimal number:
//
//	[+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?
//
// It returns the index of the exponent marker (len(s) when there is none)
// and whether s has that form. Hex floats, NaN, Inf and underscores, which
// strconv.ParseFloat would accept, are rejected here.
func scanDecimal(s string) (expAt int, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
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
		return 0, false
	}
	expAt = i
	if i == len(s) {
		return expAt, true
	}
	if s[i] != 'e' && s[i] != 'E' {
		return 0, false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	expDigits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		expDigits++
	}
	return expAt, expDigits > 0 && i == len(s)
}

// valueParser reads metric cells. Its scratch buffer lets percentages be
// rewritten without allocating; a valueParser is not safe for concurrent use.
type valueParser struct {
	scratch []byte
}

// parse reads a cell: a decimal number, a percentage (95% = 0.95) or a
// missing token. Surrounding white space is ignored. A negative zero is read
// as zero.
//
// A percentage is read as the decimal with its exponent lowered by 2
// ("12.5%" is parsed as "12.5e-2"), so it is correctly rounded like the
// equivalent fraction written out.
func (p *valueParser) parse(cell string) (float64, valueKind) {
	s := strings.TrimSpace(cell)
	if isMissingToken(s) {
		return 0, valueMissing
	}
	pct := false
	if s[len(s)-1] == '%' {
		pct = true
		s = strings.TrimSpace(s[:len(s)-1])
	}
	expAt, ok := scanDecimal(s)
	if !ok {
		return 0, valueBad
	}
	if pct {
		s = p.shiftExp(s, expAt)
	}
	// The syntax is checked, so the only possible error is ErrRange, which
	// ParseFloat reports only for overflow (underflow rounds to zero).
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, valueRange
	}
	if v == 0 {
		v = 0 // no negative zero
	}
	return v, valueOK
}

// shiftExp rewrites the decimal s (exponent marker at expAt) with its
// exponent lowered by 2, in p's scratch buffer. The returned string aliases
// the buffer and is valid until the next call; strconv.ParseFloat copies the
// text it keeps in an error, so passing it there is safe.
func (p *valueParser) shiftExp(s string, expAt int) string {
	exp := 0
	if expAt < len(s) {
		e := s[expAt+1:]
		neg := false
		if e[0] == '+' || e[0] == '-' {
			neg = e[0] == '-'
			e = e[1:]
		}
		for i := 0; i < len(e); i++ {
			if exp < 1e6 { // far beyond float64 range either way
				exp = exp*10 + int(e[i]-'0')
			}
		}
		if neg {
			exp = -exp
		}
	}
	b := append(p.scratch[:0], s[:expAt]...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(exp-2), 10)
	p.scratch = b
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// validMetricName reports whether name matches [A-Za-z_][A-Za-z0-9_]*.
func validMetricName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
