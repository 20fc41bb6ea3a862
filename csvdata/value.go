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

// decimal is a number scanned by scanDecimal.
type decimal struct {
	neg   bool
	mant  uint64 // the significant digits, when exact
	exact bool   // mant holds every significant digit (at most 19)
	exp   int    // value = ±mant × 10^exp, when exact
	expAt int    // index of the exponent marker, len(s) when there is none
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// scanDecimal checks that s is a plain decimal number:
//
//	[+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?
//
// and reads its digits. Hex floats, NaN, Inf and underscores, which
// strconv.ParseFloat would accept, are rejected here.
func scanDecimal(s string) (d decimal, ok bool) {
	i := 0
	d.exact = true
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	digits, sig := 0, 0 // all digits; significant digits (after leading zeros)
	frac := false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && !frac {
			frac = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		digits++
		if c == '0' && sig == 0 {
			if frac {
				d.exp--
			}
			continue
		}
		sig++
		if sig > 19 {
			// Too many digits for mant: strconv.ParseFloat reads them.
			d.exact = false
			continue
		}
		d.mant = d.mant*10 + uint64(c-'0')
		if frac {
			d.exp--
		}
	}
	if digits == 0 {
		return d, false
	}
	d.expAt = i
	if i == len(s) {
		return d, true
	}
	if s[i] != 'e' && s[i] != 'E' {
		return d, false
	}
	i++
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	e, expDigits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if e < 1e6 { // far beyond float64 range either way
			e = e*10 + int(s[i]-'0')
		}
		i++
		expDigits++
	}
	if neg {
		e = -e
	}
	d.exp += e
	return d, expDigits > 0 && i == len(s)
}

// float returns the value of d when it can be computed exactly with one
// correctly rounded operation (Clinger's fast path: a mantissa below 2^53
// and a power of ten up to 1e22), shifted by shift decimal places.
func (d decimal) float(shift int) (float64, bool) {
	e := d.exp + shift
	if !d.exact || d.mant >= 1<<53 || e < -22 || e > 22 {
		return 0, false
	}
	f := float64(d.mant)
	if e < 0 {
		f /= pow10[-e]
	} else {
		f *= pow10[e]
	}
	if d.neg {
		f = -f
	}
	return f, true
}

// plainDecimal reads the most common cell, digits with at most one '.' and
// at most 15 digits in all (123.456, 412, .5, 7.): ok is false for
// anything else, which parse reads the long way. It computes what parse's
// long way computes for such a cell, bit for bit: the digits as an exact
// integer (below 10^15 < 2^53), divided by 10^(digits after the point)
// once, correctly rounded (scanDecimal and decimal.float, with exp the
// negated number of fraction digits, leading zeros included).
func plainDecimal(s string) (float64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var mant uint64
	point := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c-'0' <= 9 {
			mant = mant*10 + uint64(c-'0')
			continue
		}
		if c != '.' || point >= 0 {
			return 0, false
		}
		point = i
	}
	digits, frac := len(s), 0
	if point >= 0 {
		digits--
		frac = len(s) - 1 - point
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	f := float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	return f, true
}

// fullWidthPercent is the full-width percent sign U+FF05 that Chinese input
// methods type; a value accepts it like %.
const fullWidthPercent = "\uFF05"

// valueParser reads metric cells. Its scratch buffer lets percentages be
// rewritten without allocating; a valueParser is not safe for concurrent use.
type valueParser struct {
	scratch []byte
}

// parse reads a cell: a decimal number, a percentage (95% = 0.95, the
// full-width ％ too) or a missing token. Surrounding white space is ignored. A negative zero is read
// as zero.
//
// A percentage is read as the decimal with its exponent lowered by 2
// ("12.5%" is read as 12.5e-2), so it is correctly rounded like the
// equivalent fraction written out. Numbers with at most 15 significant
// digits and a small exponent are computed directly (exactly as
// strconv.ParseFloat would); the others go through strconv.ParseFloat.
func (p *valueParser) parse(cell string) (float64, valueKind) {
	if v, ok := plainDecimal(cell); ok {
		return v, valueOK
	}
	return p.parseLong(cell)
}

// parseLong is parse without plainDecimal's shortcut.
func (p *valueParser) parseLong(cell string) (float64, valueKind) {
	s := strings.TrimSpace(cell)
	if isMissingToken(s) {
		return 0, valueMissing
	}
	pct := false
	switch {
	case s[len(s)-1] == '%':
		pct = true
		s = strings.TrimSpace(s[:len(s)-1])
	case strings.HasSuffix(s, fullWidthPercent):
		pct = true
		s = strings.TrimSpace(s[:len(s)-len(fullWidthPercent)])
	}
	d, ok := scanDecimal(s)
	if !ok {
		return 0, valueBad
	}
	shift := 0
	if pct {
		shift = -2
	}
	v, fast := d.float(shift)
	if !fast {
		if pct {
			s = p.shiftExp(s, d.expAt)
		}
		// The syntax is checked, so the only possible error is ErrRange,
		// which ParseFloat reports only for overflow (underflow rounds to
		// zero).
		var err error
		if v, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, valueRange
		}
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
