// Package reports renders a scored batch: results.csv, indicators.csv and
// results.json (SPEC §8), report.html, results.xlsx and results.md, the
// terminal ranking summary and the `explain` trace. Every file and the
// summary render the publication View, built once from a batch (NewView)
// or decoded from a results.json (DecodeResults, then Results.View;
// ReadView); a view decoded from a results.json writes that file again
// byte for byte (TestResultsRewrite). `explain` and the assessment table
// read the batch. Every writer takes an io.Writer and writes the same
// bytes for the same batch.
//
// Numbers are written with the shortest representation that round-trips a
// float64 (AppendFloat); missing numbers are empty CSV cells and JSON null.
package reports

import (
	"math"
	"strconv"
	"strings"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/scoring"
)

// AppendFloat appends the shortest decimal representation of x that parses
// back to the same float64 (diag.AppendFloat: plain notation for
// 1e-6 ≤ |x| < 1e21 and 0, exponent notation outside, like encoding/json).
// NaN and ±Inf append nothing: callers write them as missing.
func AppendFloat(b []byte, x float64) []byte { return diag.AppendFloat(b, x) }

// FormatFloat is AppendFloat returning a string.
func FormatFloat(x float64) string { return diag.FormatFloat(x) }

// appendCSVField appends s as one RFC 4180 field, quoted when it holds a
// comma, quote, CR, LF or leading/trailing space, and neutralised against
// formula injection (see CSVField).
func appendCSVField(b []byte, s string) []byte {
	if FormulaLike(s) {
		// OWASP's advice against CSV injection: a leading single quote
		// makes a spreadsheet show the cell as text, not evaluate it.
		s = "'" + s
	}
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

// CSVField returns s as one RFC 4180 field of a CSV output: quoted when
// it holds a comma, quote, CR, LF or leading/trailing space, and — when a
// spreadsheet would take it for a formula (FormulaLike) — prefixed with a
// single quote (NeutraliseFormula), as OWASP recommends against CSV
// injection. Numbers such as -1.5 or +3 are written as they are.
func CSVField(s string) string { return string(appendCSVField(nil, s)) }

// NeutraliseFormula returns s prefixed with a single quote when a
// spreadsheet would take it for a formula (FormulaLike), else s: a subject
// named =HYPERLINK(…) becomes '=HYPERLINK(…) and is shown as text. For
// CSV writers (encoding/csv) that quote fields themselves.
func NeutraliseFormula(s string) string {
	if FormulaLike(s) {
		return "'" + s
	}
	return s
}

// FormulaLike reports whether a spreadsheet opening a CSV file would treat
// s as a formula: it begins with '=', '+', '-', '@', a tab or a carriage
// return, and is not a plain decimal number (-1.5, +2e3 stay numbers).
func FormulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !diag.IsDecimal(s[1:])
	}
	return false
}

// Number formatting of the reading formats.

// fmtNum formats x with d decimals, or "—" when missing.
func fmtNum(x float64, d int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	if d < 0 {
		d = 0
	}
	// Shown as a spreadsheet shows it (SPEC §4.6): 31.25 at one decimal
	// is 31.3, not the binary round-to-even 31.2.
	s := strconv.FormatFloat(scoring.Round(x, d), 'f', d, 64)
	if s == "-0" || strings.Trim(s, "-0.") == "" && strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	return s
}

// fmtSigned is fmtNum with an explicit sign (+, − or ±0).
func fmtSigned(x float64, d int) string {
	s := fmtNum(x, d)
	switch {
	case s == "—":
		return s
	case strings.Trim(s, "0.") == "":
		return "±" + s
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	}
	return "+" + s
}

// fmtPercent formats a share in [0, 1] as a percentage with one decimal.
func fmtPercent(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
}

// fmtSig formats x with 6 significant digits in plain notation (raw values
// of any magnitude), or "—" when missing.
func fmtSig(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 6, 64), 64)
	return FormatFloat(y)
}
