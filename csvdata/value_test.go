package csvdata

import (
	"fmt"
	"github.com/govscore/govscore/dataset"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		name string
		cell string
		want float64
		kind valueKind
	}{
		{"integer", "12", 12, valueOK},
		{"negative decimal", "-3.5", -3.5, valueOK},
		{"exponent", "1e3", 1000, valueOK},
		{"leading plus", "+7", 7, valueOK},
		{"trimmed", "  4.25\t", 4.25, valueOK},
		{"ideographic space trimmed", "\u30008", 8, valueOK},
		{"leading dot", ".5", 0.5, valueOK},
		{"trailing dot", "5.", 5, valueOK},
		{"negative exponent", "25E-1", 2.5, valueOK},
		{"negative zero", "-0", 0, valueOK},
		{"underflow is zero", "1e-400", 0, valueOK},
		{"percentage", "95%", 0.95, valueOK},
		{"percentage with space", "12.5 %", 0.125, valueOK},
		{"percentage with exponent", "1.5e1%", 0.15, valueOK},
		{"percentage negative exponent", "5e-1%", 0.005, valueOK},
		{"percentage exact", "33.3%", 0.333, valueOK},
		{"long percentage", "12345678901234567890123e-25%", 1.2345678901234568e-05, valueOK},
		{"long percentage explicit exponent sign", "+1234567890123456789012345E+2%", 1.234567890123456789012345e24, valueOK},
		{"tiny percentage", "-1e-400%", 0, valueOK},
		{"empty", "", 0, valueMissing},
		{"blank", "   ", 0, valueMissing},
		{"NA", "NA", 0, valueMissing},
		{"na", "na", 0, valueMissing},
		{"N/A", "N/A", 0, valueMissing},
		{"n/a", "n/a", 0, valueMissing},
		{"dash", "-", 0, valueMissing},
		{"null", "null", 0, valueMissing},
		{"NULL", "NULL", 0, valueMissing},
		{"Null", " Null ", 0, valueMissing},
		{"decimal comma", "12,5", 0, valueBad},
		{"thousands space", "1 000", 0, valueBad},
		{"hex float", "0x1p3", 0, valueBad},
		{"NaN", "NaN", 0, valueBad},
		{"Inf", "Inf", 0, valueBad},
		{"minus Inf", "-Inf", 0, valueBad},
		{"underscore", "1_000", 0, valueBad},
		{"bare sign", "+", 0, valueBad},
		{"bare dot", ".", 0, valueBad},
		{"bare percent", "%", 0, valueBad},
		{"double percent", "5%%", 0, valueBad},
		{"exponent without digits", "1e", 0, valueBad},
		{"exponent sign only", "1e+", 0, valueBad},
		{"two dots", "1.2.3", 0, valueBad},
		{"text", "abc", 0, valueBad},
		{"double dash", "--", 0, valueBad},
		{"overflow", "1e400", 0, valueRange},
		{"percentage overflow", "1e311%", 0, valueRange},
		{"percentage at the edge", "1e310%", 1e308, valueOK},
		{"huge exponent percentage", "1e99999999999%", 0, valueRange},
	}
	var p valueParser
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kind := p.parse(tt.cell)
			if kind != tt.kind {
				t.Fatalf("parse(%q) kind = %d, want %d", tt.cell, kind, tt.kind)
			}
			if kind == valueOK && (math.Abs(got-tt.want) > 1e-12*math.Max(1, math.Abs(tt.want)) || (tt.want == 0 && math.Signbit(got))) {
				t.Errorf("parse(%q) = %v, want %v", tt.cell, got, tt.want)
			}
		})
	}
}

func TestParsePercentCorrectlyRounded(t *testing.T) {
	var p valueParser
	for _, c := range []struct{ pct, frac string }{{"33.3%", "0.333"}, {"0.1%", "0.001"}, {"12.345%", "0.12345"}, {"7e-3%", "7e-5"}} {
		a, _ := p.parse(c.pct)
		b, _ := p.parse(c.frac)
		if a != b {
			t.Errorf("parse(%q) = %v, parse(%q) = %v: want identical", c.pct, a, c.frac, b)
		}
	}
}

func TestParseValueNoAlloc(t *testing.T) {
	var p valueParser
	p.parse("1.5%") // grow the scratch buffer
	n := testing.AllocsPerRun(100, func() {
		p.parse("123.456")
		p.parse("-1e3")
		p.parse("95.5%")
		p.parse("NA")
	})
	if n != 0 {
		t.Errorf("parse allocates %v times per run, want 0", n)
	}
}

func TestValidMetricName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"letters", "disputes_received", true},
		{"leading underscore", "_x1", true},
		{"upper case", "GDP", true},
		{"leading digit", "1x", false},
		{"dash", "a-b", false},
		{"empty", "", false},
		{"non-ASCII", "指标", false},
		{"space", "a b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dataset.IsIdentifier(tt.in); got != tt.want {
				t.Errorf("IsIdentifier(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseMatchesStrconv checks the fast path against strconv.ParseFloat
// on random decimals, plain and as percentages.
func TestParseMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var p valueParser
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	for range 200_000 {
		s := digits(r.IntN(12))
		if r.IntN(2) == 0 {
			s += "." + digits(r.IntN(12))
		}
		if s == "" || s == "." {
			s = "0"
		}
		if r.IntN(3) == 0 {
			s += fmt.Sprintf("e%d", r.IntN(60)-30)
		}
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("strconv.ParseFloat(%q): %v", s, err)
		}
		if got, kind := p.parse(s); kind != valueOK || got != want && !(got == 0 && want == 0) {
			t.Fatalf("parse(%q) = %v, %d; want %v", s, got, kind, want)
		}
		want, _ = strconv.ParseFloat(s+"e-2", 64)
		if strings.ContainsAny(s, "eE") {
			continue
		}
		if got, kind := p.parse(s + "%"); kind != valueOK || got != want && !(got == 0 && want == 0) {
			t.Fatalf("parse(%q) = %v, %d; want %v", s+"%", got, kind, want)
		}
	}
}

// TestPlainDecimalSameAsLongWay: the shortcut of parse reads every cell it
// takes exactly as the long way does (same bits), on random digit strings
// with at most one point, around its 15-digit limit, and takes the plain
// ones it should.
func TestPlainDecimalSameAsLongWay(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var p valueParser
	check := func(s string) {
		t.Helper()
		got, ok := plainDecimal(s)
		want, kind := p.parseLong(s)
		if !ok {
			return
		}
		if kind != valueOK || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("plainDecimal(%q) = %v (%#x); the long way reads %v (%#x), kind %d", s, got, math.Float64bits(got), want, math.Float64bits(want), kind)
		}
	}
	for _, s := range []string{"0", "00", "0.0", ".0", "0.", "5.", ".5", "007.50", "123456789012345", "12345678901234.5",
		".123456789012345", "999999999999999", "9007199254740993", "0.000000000000001", "1234567890123456"} {
		check(s)
	}
	for _, s := range []string{"", ".", "..", "1.2.3", "1,5", " 1", "1 ", "+1", "-1", "1e3", "12%", "NA", "1234567890123456", "0.1234567890123456"} {
		if _, ok := plainDecimal(s); ok {
			t.Errorf("plainDecimal takes %q", s)
		}
	}
	for _, s := range []string{"1", "123.456", "0.05", ".5", "5.", "123456789012345", "12345678901234.5"} {
		if _, ok := plainDecimal(s); !ok {
			t.Errorf("plainDecimal does not take %q", s)
		}
	}
	for range 500_000 {
		n := 1 + r.IntN(17)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
			if r.IntN(8) == 0 {
				b[i] = '0'
			}
		}
		if r.IntN(4) > 0 {
			b[r.IntN(n)] = '.'
		}
		check(string(b))
	}
}
