package dataset

import (
	"fmt"
	"unicode"
)

// ControlChar finds the first control character (Unicode category Cc: C0
// controls such as NUL and ESC, DEL, C1 controls) in s, other than the
// ones allowed (e.g. "\n\t" in free text). It returns the character's
// index in runes (0-based) and a description for a message, such as
// "control character U+001B (ESC) at character 6", or ok = false.
//
// Names (subject ids and names, kinds, attributes, YAML names) must not
// hold any: they reach terminals (escape sequences), output files and
// PostgreSQL, which rejects NUL in text.
func ControlChar(s, allowed string) (index int, what string, ok bool) {
	i := 0
	for _, r := range s {
		if unicode.IsControl(r) && !containsRune(allowed, r) {
			return i, fmt.Sprintf("control character U+%04X%s at character %d", r, controlName(r), i+1), true
		}
		i++
	}
	return 0, "", false
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

func controlName(r rune) string {
	switch r {
	case 0:
		return " (NUL)"
	case '\t':
		return " (tab)"
	case '\n':
		return " (line break)"
	case '\r':
		return " (carriage return)"
	case 0x1b:
		return " (ESC)"
	case 0x7f:
		return " (DEL)"
	}
	return ""
}
