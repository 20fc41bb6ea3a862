package reports

// runText keeps, per leaf, the text of the last value written, so that a
// value repeated from subject to subject (a leaf's effective weight, its
// status) is formatted once per run of equal values instead of once per
// cell. The zero value of a leaf formats its first value.
type runText[T comparable] struct {
	last   []T
	text   [][]byte
	format func([]byte, T) []byte
}

// newRunText returns a runText for n leaves formatting with format.
func newRunText[T comparable](n int, format func([]byte, T) []byte) *runText[T] {
	return &runText[T]{last: make([]T, n), text: make([][]byte, n), format: format}
}

// appendTo appends the text of leaf l's value x to buf, formatting x only
// when it differs from the leaf's last value (a NaN always does).
func (r *runText[T]) appendTo(buf []byte, l int, x T) []byte {
	if x != r.last[l] || r.text[l] == nil {
		r.last[l] = x
		r.text[l] = r.format(r.text[l][:0], x)
	}
	return append(buf, r.text[l]...)
}

// appendJSONRuns appends the JSON list of one subject's entries over
// leaves leaves: for subject j of a cell block of n subjects, "null" where
// the cell does not apply, else r's text of vals[l*n+j].
func appendJSONRuns[T comparable](buf []byte, r *runText[T], vals []T, applies []bool, leaves, n, j int) []byte {
	for l := range leaves {
		if l > 0 {
			buf = append(buf, ',')
		}
		x := l*n + j
		if !applies[x] {
			buf = append(buf, "null"...)
			continue
		}
		buf = r.appendTo(buf, l, vals[x])
	}
	return buf
}
