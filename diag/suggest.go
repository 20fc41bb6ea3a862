package diag

import (
	"fmt"
	"unicode/utf8"
)

// maxDistance is the largest edit distance at which a candidate is offered
// as "did you mean": a third of the word's length, at least 1 and at most 3.
func maxDistance(word string) int {
	n := utf8.RuneCountInString(word) / 3
	return max(1, min(3, n))
}

// Closest returns the candidate nearest to word by edit distance (optimal
// string alignment: insertions, deletions, substitutions and transpositions
// of adjacent runes), when it is within maxDistance(word); ties go to the
// candidate that sorts first. The empty string means no suggestion. budget,
// when not nil, is decremented by the number of candidates compared; once it
// is exhausted Closest stops looking, which bounds the cost of suggestions
// when there are many unknown words and many candidates.
func Closest(word string, candidates []string, budget *int) string {
	limit := maxDistance(word)
	best, bestD := "", limit+1
	w := []rune(word)
	var d distance
	for _, c := range candidates {
		if budget != nil {
			if *budget <= 0 {
				break
			}
			*budget--
		}
		if c == word || Opposite(c, word) {
			continue
		}
		if n := utf8.RuneCountInString(c) - len(w); n > limit || -n > limit {
			continue
		}
		k := d.osa(w, c, min(bestD, limit))
		if k < bestD || (k == bestD && k <= limit && c < best) {
			best, bestD = c, k
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}

// DidYouMean returns ` (did you mean "x"?)` for Closest(word, candidates,
// budget), or "" when there is no close candidate: ready to append to an
// error message.
func DidYouMean(word string, candidates []string, budget *int) string {
	if c := Closest(word, candidates, budget); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// EditDistance is the optimal string alignment distance between a and b,
// counted in runes: insertions, deletions, substitutions and transpositions
// of adjacent runes ("scroe" → "score" is 1).
func EditDistance(a, b string) int {
	var d distance
	ra := []rune(a)
	return d.osa(ra, b, len(ra)+utf8.RuneCountInString(b))
}

// distance holds the scratch rows of osa.
type distance struct {
	b                []rune
	prev2, prev, cur []int
}

// osa returns the optimal string alignment distance between a and b when it
// is at most limit, and limit+1 otherwise.
func (d *distance) osa(a []rune, b string, limit int) int {
	d.b = append(d.b[:0], []rune(b)...)
	n := len(a)
	grow := func(r []int) []int {
		if cap(r) < n+1 {
			return make([]int, n+1)
		}
		return r[:n+1]
	}
	d.prev2, d.prev, d.cur = grow(d.prev2), grow(d.prev), grow(d.cur)
	for i := range d.prev {
		d.prev[i] = i
	}
	for j := 1; j <= len(d.b); j++ {
		cb := d.b[j-1]
		d.cur[0] = j
		rowMin := j
		for i := 1; i <= n; i++ {
			cost := 1
			if a[i-1] == cb {
				cost = 0
			}
			v := min(d.prev[i]+1, d.cur[i-1]+1, d.prev[i-1]+cost)
			if i > 1 && j > 1 && a[i-1] == d.b[j-2] && a[i-2] == cb {
				v = min(v, d.prev2[i-2]+1)
			}
			d.cur[i] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			// Row minima never decrease: m(j+1) ≥ min(m(j), m(j−1)+1)
			// and m(j) ≤ m(j−1)+1, so the distance exceeds limit.
			return limit + 1
		}
		d.prev2, d.prev, d.cur = d.prev, d.cur, d.prev2
	}
	return min(d.prev[n], limit+1)
}

// negations are prefixes that turn a word into its opposite (不合格 is not
// a typo of 合格, nor "unrated" of "rated"): a candidate that differs from
// the word only by one of them is never suggested.
var negations = []string{"不", "非", "未", "无", "un", "non", "in", "dis", "not_", "no_"}

// Opposite reports whether a and b differ only by a negation prefix.
func Opposite(a, b string) bool {
	for _, n := range negations {
		if a == n+b || b == n+a {
			return true
		}
	}
	return false
}
