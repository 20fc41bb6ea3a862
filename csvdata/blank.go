package csvdata

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govscore/govscore/diag"
)

// isBlankRow reports whether every cell of rec is empty or white space, as
// in the rows ",,,,," that Excel writes for formatted but empty rows.
func isBlankRow(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// blankLinesShown is how many line numbers a blank-rows warning lists.
const blankLinesShown = 5

// blankRows counts the blank rows skipped in one file and keeps the lines
// of the first blankLinesShown of them.
type blankRows struct {
	n     int
	lines []int
}

// add records a blank row starting on line.
func (b *blankRows) add(line int) {
	b.n++
	if len(b.lines) < blankLinesShown {
		b.lines = append(b.lines, line)
	}
}

// warning returns the file's one warning about its blank rows, "N blank
// rows skipped (lines 12, 40, …)", or false when there were none. In a
// worksheet (sheet not empty) the warning is at the sheet and counts rows
// ("(rows 12, 40)").
func (b *blankRows) warning(file, sheet string) (diag.Warning, bool) {
	if b.n == 0 {
		return diag.Warning{}, false
	}
	line := "line"
	if sheet != "" {
		line = "row"
	}
	var sb strings.Builder
	if b.n == 1 {
		fmt.Fprintf(&sb, "1 blank row skipped (%s %d)", line, b.lines[0])
	} else {
		fmt.Fprintf(&sb, "%d blank rows skipped (%ss ", b.n, line)
		for i, l := range b.lines {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(strconv.Itoa(l))
		}
		if b.n > len(b.lines) {
			sb.WriteString(", …")
		}
		sb.WriteString(")")
	}
	return diag.Warning{Pos: diag.Pos{File: file, Sheet: sheet}, Msg: sb.String()}, true
}
