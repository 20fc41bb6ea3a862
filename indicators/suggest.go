package indicators

import "strings"

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
		lc := strings.ToLower(c)
		d := editDistance(ls, []rune(lc))
		if len(ls) >= 3 && len(lc) >= 3 && (strings.HasPrefix(lc, string(ls)) || strings.HasPrefix(string(ls), lc)) {
			d = min(d, limit)
		}
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b.
func editDistance(a, b []rune) int {
	// d[i][j] = distance between a[:i] and b[:j], three rolling rows.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// isIdent reports whether s matches [A-Za-z_][A-Za-z0-9_]*.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
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
