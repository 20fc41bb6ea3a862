package indicators

import (
	"strings"

	"github.com/govscore/govscore/diag"
)

// suggest returns the candidate closest to s by edit distance (optimal
// string alignment: insertions, deletions, substitutions and adjacent
// transpositions, compared case-insensitively), or "" when none is close
// enough to be a plausible typo: at most 1 edit for words of up to 4 runes,
// 2 up to 8, 3 beyond. A word that is a prefix of a candidate or has one as
// a prefix ("low" for "lower", "skewness" for "skew"), both of 3 runes or
// more, is close enough too. Ties go to the earlier
// candidate.
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	ls := []rune(strings.ToLower(s))
	limit := 3
	switch {
	case len(ls) <= 4:
		limit = 1
	case len(ls) <= 8:
		limit = 2
	}
	for _, c := range candidates {
		if diag.Opposite(strings.ToLower(s), strings.ToLower(c)) {
			continue
		}
		lc := strings.ToLower(c)
		d := diag.EditDistance(string(ls), lc)
		if len(ls) >= 3 && len(lc) >= 3 && (strings.HasPrefix(lc, string(ls)) || strings.HasPrefix(string(ls), lc)) {
			d = min(d, limit)
		}
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// isSetID reports whether s matches [a-z0-9-]+.
func isSetID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// reservedNames are the identifiers an expression environment already uses
// (SPEC §4.3) or that expr-lang reads as operators and literals; a metric
// cannot take one of these names.
var reservedNames = map[string]bool{
	"prev": true, "assess": true, "subject": true, "period": true,
	"ratio": true, "clamp": true, "log": true, "log10": true, "sqrt": true, "has": true, "coalesce": true,
	"true": true, "false": true, "nil": true, "not": true, "and": true, "or": true, "in": true,
	"matches": true, "contains": true, "startsWith": true, "endsWith": true, "let": true, "if": true, "else": true,
}

// resultColumns are the fixed columns of results.csv (SPEC §8); a composite
// node id cannot repeat one, since each composite gets a column of its own.
var resultColumns = map[string]bool{
	"peer_group": true, "subject": true, "name": true, "kind": true, "status": true,
	"rank": true, "score": true, "grade": true, "coverage": true, "vetoed": true,
}
