package diag

import (
	"math"
	"strconv"
)

// FormatNum formats x for a message or a plain-text column: the shortest
// decimal that parses back to the same float64 (strconv 'g' form, so
// 1e+21 and 1e-07 keep their exponent), or missing when x is NaN.
func FormatNum(x float64, missing string) string {
	if math.IsNaN(x) {
		return missing
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
