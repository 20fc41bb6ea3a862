package i18n

import (
	"strings"

	"golang.org/x/text/width"
)

// Width is the number of terminal columns s takes: East Asian wide and
// fullwidth characters (Chinese text) take two, the others one.
func Width(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// PadRight is s followed by spaces up to n columns (Width), like
// fmt's %-ns for ASCII text; s is returned as it is when wider.
func PadRight(s string, n int) string {
	if w := Width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// PadLeft is s preceded by spaces up to n columns (Width), like fmt's %ns
// for ASCII text; s is returned as it is when wider.
func PadLeft(s string, n int) string {
	if w := Width(s); w < n {
		return strings.Repeat(" ", n-w) + s
	}
	return s
}
