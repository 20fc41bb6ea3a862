package csvdata

import "unicode/utf8"

// maxDistance is the largest edit distance at which a candidate is offered
// as "did you mean": a third of the word's length, at least 1 and at most 3.
func maxDistance(word string) int {
	n := utf8.RuneCountInString(word) / 3
	return max(1, min(3, n))
}

// closest returns the candidate nearest to word by edit distance, when it is
// within maxDistance(word); ties go to the candidate that sorts first. The
// empty string means no suggestion. budget, when not nil, is decremented by
// the number of candidates compared; once it is exhausted closest stops
// looking, which bounds the cost of suggestions when there are many unknown
// words and many candidates.
func closest(word string, candidates []string, budget *int) string {
	limit := maxDistance(word)
	best, bestD := "", limit+1
	w := []rune(word)
	var row []int
	for _, c := range candidates {
		if budget != nil {
			if *budget <= 0 {
				break
			}
			*budget--
		}
		if c == word {
			continue
		}
		lc := utf8.RuneCountInString(c)
		if d := lc - len(w); d > limit || -d > limit {
			continue
		}
		d := editDistance(w, c, bestD, &row)
		if d < bestD || (d == bestD && d <= limit && c < best) {
			best, bestD = c, d
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, or a value ≥
// bound once it is known to reach bound. row is scratch space.
func editDistance(a []rune, b string, bound int, row *[]int) int {
	n := len(a)
	if cap(*row) < n+1 {
		*row = make([]int, n+1)
	}
	r := (*row)[:n+1]
	for i := range r {
		r[i] = i
	}
	j := 0
	for _, cb := range b {
		j++
		prev := r[0] // r[j-1][i-1]
		r[0] = j
		rowMin := r[0]
		for i := 1; i <= n; i++ {
			cost := 1
			if a[i-1] == cb {
				cost = 0
			}
			cur := min(r[i]+1, r[i-1]+1, prev+cost)
			prev = r[i]
			r[i] = cur
			rowMin = min(rowMin, cur)
		}
		if rowMin >= bound {
			return bound
		}
	}
	return r[n]
}
