package reports

import (
	"bufio"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// rowWriter formats a sheet's data rows as SpreadsheetML (<row> and <c>
// elements) into a spool. excelize's StreamWriter writes the sheet around
// them — columns, panes, the header row, autofilter, print setup — and
// zipSink splices the rows in before </sheetData>. excelize's SetRow costs
// about 0.6 µs and four allocations a cell; this writer formats a cell with
// none, which is what makes a workbook of 100,000 subjects × 50 indicators
// (twelve million cells) affordable.
//
// Cells are written as excelize writes them: numbers as <v> with the
// shortest representation that reads back as the same float64, text as
// inline strings (escaped, at most 32,767 characters, xml:space="preserve"
// when it starts or ends with white space, literal _xHHHH_ escaped), each
// with its reference and the column's style (or the Cell's own).
type rowWriter struct {
	spool spool
	w     *bufio.Writer
	refs  [][]byte // column letters by position
	style []int    // default style by position
	line  []byte   // add's scratch row
}

func newRowWriter(styles []int) *rowWriter {
	rw := &rowWriter{style: styles}
	rw.w = bufio.NewWriterSize(&rw.spool, 64<<10)
	for i := range styles {
		name, _ := excelize.ColumnNumberToName(i + 1)
		rw.refs = append(rw.refs, []byte(name))
	}
	return rw
}

// appendRow appends row number r (1-based) to b: its i-th cell is
// vals[cols[i]] (vals[i] when cols is nil; no cell past the end of vals).
// It reads only what newRowWriter set, so rows of one sheet can be
// formatted on several goroutines at once (table.addEach).
func (rw *rowWriter) appendRow(b []byte, r int, vals []any, cols []int) []byte {
	b = append(b, `<row r="`...)
	b = strconv.AppendInt(b, int64(r), 10)
	b = append(b, `">`...)
	n := len(vals)
	if cols != nil {
		n = len(cols)
	}
	for i := 0; i < n; i++ {
		var val any
		if cols == nil {
			val = vals[i]
		} else if c := cols[i]; c < len(vals) {
			val = vals[c]
		}
		if val == nil {
			continue
		}
		style := rw.style[i]
		if c, ok := val.(excelize.Cell); ok {
			style, val = c.StyleID, c.Value
		}
		switch x := val.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			b = append(rw.open(b, i, r, style), "><v>"...)
			b = AppendFloat(b, x)
			b = append(b, "</v></c>"...)
		case int:
			b = append(rw.open(b, i, r, style), "><v>"...)
			b = strconv.AppendInt(b, int64(x), 10)
			b = append(b, "</v></c>"...)
		case string:
			b = append(rw.open(b, i, r, style), ` t="inlineStr"><is><t`...)
			if spaced(x) {
				b = append(b, ` xml:space="preserve"`...)
			}
			b = append(b, '>')
			b = appendCellText(b, x)
			b = append(b, "</t></is></c>"...)
		default:
			panic("xlsx: unsupported cell value type") // a programming error in this package
		}
	}
	return append(b, "</row>"...)
}

// open appends the start of a cell, up to its attributes: <c r=".."
// s="..".
func (rw *rowWriter) open(b []byte, col, r, style int) []byte {
	b = append(b, `<c r="`...)
	b = append(b, rw.refs[col]...)
	b = strconv.AppendInt(b, int64(r), 10)
	b = append(b, '"')
	if style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	return b
}

// flush ends the rows.
func (rw *rowWriter) flush() error { return rw.w.Flush() }

// appendCellText appends s as the text of an inline string cell: XML
// escaped, characters XML 1.0 does not allow replaced by U+FFFD, literal
// _xHHHH_ sequences escaped (Excel would decode them), at most
// excelize.TotalCellChars UTF-16 units.
func appendCellText(b []byte, s string) []byte {
	units := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		n := 1
		if r >= 0x10000 {
			n = 2
		}
		if units+n > excelize.TotalCellChars {
			break
		}
		units += n
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '\r':
			b = append(b, "&#xD;"...)
		case r == '_' && isHexEscape(s[i:]):
			b = append(b, "_x005F_"...)
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\t' && r != '\n', r == 0xFFFE, r == 0xFFFF:
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// isHexEscape reports whether s starts with _xHHHH_.
func isHexEscape(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for i := 2; i < 6; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// spaced reports whether s starts or ends with white space (which needs
// xml:space="preserve" to survive).
func spaced(s string) bool {
	return s != "" && (strings.ContainsRune(" \t\n\r", rune(s[0])) || strings.ContainsRune(" \t\n\r", rune(s[len(s)-1])))
}
