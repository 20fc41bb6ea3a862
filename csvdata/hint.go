package csvdata

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file says what to do about a cell that is not a number.

// numberAdvice is the generic advice for an unparseable value cell.
const numberAdvice = "write a decimal number (12, -3.5, 1e3) or a percentage (95%), or leave the cell empty or NA when the value is missing"

// badNumberHint returns the advice for the trimmed value cell s, which is
// not a number: the first full-width character in it (fullWidthHint), else
// the number without its thousands separators when s looks like one that
// has them, else a word on commas, else numberAdvice.
func badNumberHint(s string) string {
	if h := fullWidthHint(s); h != "" {
		return h
	}
	if n, ok := withoutThousands(s); ok {
		return "remove the thousands separators: " + n
	}
	if strings.ContainsRune(s, ',') {
		return "use a dot as the decimal separator and no thousands separators"
	}
	return numberAdvice
}

// fullWidthHint names the first character of s that a Chinese input method
// types in place of an ASCII one in a number — a full-width form
// (U+FF01–U+FF5E) other than the accepted ％, the ideographic full stop 。
// or the ideographic space — with its code point and the ASCII character to
// type instead. It returns "" when s has none.
func fullWidthHint(s string) string {
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			return fmt.Sprintf("full-width digits (U+%04X); type the number with ASCII digits", r)
		case r == '－':
			return fmt.Sprintf("full-width minus %q (U+%04X); type the ASCII minus \"-\"", string(r), r)
		case r == '＋':
			return fmt.Sprintf("full-width plus %q (U+%04X); type the ASCII plus \"+\"", string(r), r)
		case r == '．':
			return fmt.Sprintf("full-width period %q (U+%04X); type the ASCII period \".\" as the decimal point", string(r), r)
		case r == '。':
			return fmt.Sprintf("ideographic full stop %q (U+%04X); type the ASCII period \".\" as the decimal point", string(r), r)
		case r == '，':
			if n, ok := withoutThousands(foldFullWidth(s)); ok {
				return fmt.Sprintf("full-width comma %q (U+%04X); remove the thousands separators: %s", string(r), r, n)
			}
			return fmt.Sprintf("full-width comma %q (U+%04X); type the ASCII period \".\" as the decimal point, and no thousands separators", string(r), r)
		case r == '\u3000':
			return fmt.Sprintf("full-width space (U+%04X) inside the number; delete it", r)
		case r == '％':
			// Accepted at the end; anywhere else the cell is wrong for
			// another reason.
		case r >= '！' && r <= '～':
			return fmt.Sprintf("full-width character %q (U+%04X); type the ASCII %q", string(r), r, string(r-0xFEE0))
		}
	}
	return ""
}

// foldFullWidth replaces the full-width forms U+FF01–U+FF5E in s with their
// ASCII characters.
func foldFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			return r - 0xFEE0
		}
		return r
	}, s)
}

// withoutThousands reports whether s is a number written with thousands
// separators,
//
//	[+-]? d{1,3} (sep d{3})+ (. d+)? (% | ％)?
//
// where sep is one of , space U+00A0 U+202F (the same throughout), and if
// so returns it without them: "371,449" → "371449", "-1 234.5%" →
// "-1234.5%".
func withoutThousands(s string) (string, bool) {
	var b strings.Builder
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		b.WriteByte(s[i])
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
			i, n = i+1, n+1
		}
		return n
	}
	if n := digits(); n < 1 || n > 3 {
		return "", false
	}
	var sep rune
	groups := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != ',' && r != ' ' && r != '\u00A0' && r != '\u202F' || sep != 0 && r != sep {
			break
		}
		sep = r
		i += size
		if digits() != 3 {
			return "", false
		}
		groups++
	}
	if groups == 0 {
		return "", false
	}
	if i < len(s) && s[i] == '.' {
		b.WriteByte('.')
		i++
		if digits() == 0 {
			return "", false
		}
	}
	if rest := strings.TrimSpace(s[i:]); rest == "%" || rest == fullWidthPercent {
		b.WriteString(rest)
		i = len(s)
	}
	if i != len(s) {
		return "", false
	}
	return b.String(), true
}
