// Package i18n is govscore's message catalogue: the display names of the
// identifiers an indicator set and its results use (kinds, roles, methods,
// statuses, missing-data policies, directions), the grade reasons the
// scoring writes, and the texts the command line prints, in Chinese (zh,
// the default) and English (en).
//
// Messages are keyed by their English text, gettext style: code writes
// T(lang, "Peer group: %s (%d subjects, %d rated)\n") and the catalogue holds
// the Chinese for it. English needs no entry; a key without a Chinese entry
// is a missing translation, which TestCatalogueComplete finds by reading
// every T call with a constant key in the repository's Go sources. A
// Chinese text may reorder its arguments with explicit indexes (%[2]s).
//
// The report labels of report.html, results.xlsx and results.md are still
// the reports package's own table (reports.Languages); this package gives
// them their display names.
package i18n

import (
	"fmt"
	"slices"
)

// Lang is a language of the outputs: "zh" or "en".
type Lang string

// The languages.
const (
	Zh Lang = "zh" // Chinese, the default
	En Lang = "en" // English
)

// Default is the language used when none is given.
const Default = Zh

// Langs lists the languages, the default first.
var Langs = []Lang{Zh, En}

// Codes returns the codes of Langs ("zh", "en"), the default first: the
// languages of the report labels and of the server's pages.
func Codes() []string {
	out := make([]string, len(Langs))
	for i, l := range Langs {
		out[i] = string(l)
	}
	return out
}

// Parse returns the language named s ("zh" or "en").
func Parse(s string) (Lang, error) {
	if slices.Contains(Langs, Lang(s)) {
		return Lang(s), nil
	}
	return "", fmt.Errorf("unknown --lang %q (available: zh, en)", s)
}

// T returns the text of msg (an English text or format, the key) in lang:
// the Chinese of the catalogue for zh, msg itself for en or when the
// catalogue has no entry.
func T(lang Lang, msg string) string {
	if lang == Zh {
		if s, ok := zh[msg]; ok {
			return s
		}
	}
	return msg
}

// F formats T(lang, format) with args.
func F(lang Lang, format string, args ...any) string {
	return fmt.Sprintf(T(lang, format), args...)
}

// Translated reports whether msg has a Chinese entry.
func Translated(msg string) bool {
	_, ok := zh[msg]
	return ok
}
