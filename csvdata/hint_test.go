package csvdata

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBadNumberHint(t *testing.T) {
	tests := []struct {
		name string
		cell string
		want string
	}{
		{"full-width digits", "８４", `full-width digits (U+FF18); type the number with ASCII digits`},
		{"full-width digit after ASCII ones", "8４.5", `full-width digits (U+FF14); type the number with ASCII digits`},
		{"full-width digits with full-width percent", "８４.4％", `full-width digits (U+FF18); type the number with ASCII digits`},
		{"full-width minus", "－3", `full-width minus "－" (U+FF0D); type the ASCII minus "-"`},
		{"full-width plus", "＋3", `full-width plus "＋" (U+FF0B); type the ASCII plus "+"`},
		{"full-width period", "84．4", `full-width period "．" (U+FF0E); type the ASCII period "." as the decimal point`},
		{"ideographic full stop", "84。4%", `ideographic full stop "。" (U+3002); type the ASCII period "." as the decimal point`},
		{"full-width comma as thousands separator", "371，449", `full-width comma "，" (U+FF0C); remove the thousands separators: 371449`},
		{"full-width comma with full-width digits", "３７１，４４９", `full-width digits (U+FF13); type the number with ASCII digits`},
		{"full-width comma as decimal comma", "12，5", `full-width comma "，" (U+FF0C); type the ASCII period "." as the decimal point, and no thousands separators`},
		{"ideographic space inside", "1\u3000000", `full-width space (U+3000) inside the number; delete it`},
		{"other full-width letter", "1ｅ3", `full-width character "ｅ" (U+FF45); type the ASCII "e"`},
		{"double full-width percent", "5％％", numberAdvice},
		{"thousands comma", "371,449", `remove the thousands separators: 371449`},
		{"thousands commas with sign and decimals", "-1,234,567.25", `remove the thousands separators: -1234567.25`},
		{"thousands comma percentage", "1,234.5%", `remove the thousands separators: 1234.5%`},
		{"thousands comma full-width percentage", "1,234 ％", `remove the thousands separators: 1234％`},
		{"thousands space", "1 000", `remove the thousands separators: 1000`},
		{"thousands no-break space", "12\u00A0345", `remove the thousands separators: 12345`},
		{"thousands narrow no-break space", "+12\u202F345", `remove the thousands separators: +12345`},
		{"decimal comma", "12,5", `use a dot as the decimal separator and no thousands separators`},
		{"group of four", "1,2345", `use a dot as the decimal separator and no thousands separators`},
		{"first group of four", "1234,567", `use a dot as the decimal separator and no thousands separators`},
		{"mixed separators", "1,234 567", `use a dot as the decimal separator and no thousands separators`},
		{"trailing separator", "1,234,", `use a dot as the decimal separator and no thousands separators`},
		{"dot without decimals", "1,234.", `use a dot as the decimal separator and no thousands separators`},
		{"space groups wrong size", "1 00", numberAdvice},
		{"text", "abc", numberAdvice},
		{"letter O", "2O", numberAdvice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := badNumberHint(tt.cell); got != tt.want {
				t.Errorf("badNumberHint(%q) = %q, want %q", tt.cell, got, tt.want)
			}
		})
	}
}

func TestFullWidthPercent(t *testing.T) {
	tests := []struct {
		name string
		cell string
		want float64
		kind valueKind
	}{
		{"full-width percent", "84.4％", 0.844, valueOK},
		{"full-width percent after a space", "12.5 ％", 0.125, valueOK},
		{"full-width percent with exponent", "1.5e1％", 0.15, valueOK},
		{"long full-width percentage", "12345678901234567890123e-25％", 1.2345678901234568e-05, valueOK},
		{"full-width percent overflow", "1e311％", 0, valueRange},
		{"bare full-width percent", "％", 0, valueBad},
		{"both percent signs", "5%％", 0, valueBad},
		{"full-width percent first", "％5", 0, valueBad},
		{"full-width digits", "８４", 0, valueBad},
	}
	var p valueParser
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kind := p.parse(tt.cell)
			if kind != tt.kind {
				t.Fatalf("parse(%q) kind = %d, want %d", tt.cell, kind, tt.kind)
			}
			if kind == valueOK {
				ascii, _ := p.parse(strings.Replace(tt.cell, "％", "%", 1))
				if got != ascii {
					t.Errorf("parse(%q) = %v, but %v with ASCII %%", tt.cell, got, ascii)
				}
				if d := got - tt.want; d > 1e-15 || d < -1e-15 {
					t.Errorf("parse(%q) = %v, want %v", tt.cell, got, tt.want)
				}
			}
		})
	}
}

func FuzzBadNumberHint(f *testing.F) {
	for _, s := range []string{"371,449", "-1 234.5%", "８４", "371，449", "1\u3000000", "12,5", "1,234 ％"} {
		f.Add(s)
	}
	var p valueParser
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		h := badNumberHint(s)
		if h == "" {
			t.Fatalf("badNumberHint(%q) is empty", s)
		}
		// A suggested number must be one: removing the separators is the
		// whole fix.
		if n, ok := withoutThousands(s); ok {
			if _, kind := p.parse(n); kind != valueOK && kind != valueRange {
				t.Fatalf("withoutThousands(%q) = %q, which does not parse", s, n)
			}
			if len(n) >= len(s) {
				t.Fatalf("withoutThousands(%q) = %q removed nothing", s, n)
			}
		}
	})
}
