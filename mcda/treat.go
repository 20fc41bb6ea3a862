package mcda

import "math"

// TreatOutcome says what TreatJRC did to a set of values.
type TreatOutcome int

// Treatment outcomes.
const (
	// TreatUndefined: skewness or kurtosis is undefined (fewer than four
	// present values, or all equal), so the values are left untreated.
	TreatUndefined TreatOutcome = iota
	// TreatPassed: the values already pass and are left untreated.
	TreatPassed
	// TreatWinsorised: winsorisation made the values pass.
	TreatWinsorised
	// TreatLog: winsorisation up to winmax points did not make the values
	// pass; the original values were log-transformed instead.
	TreatLog
)

// String returns "undefined", "passed", "winsorised" or "log".
func (o TreatOutcome) String() string {
	switch o {
	case TreatUndefined:
		return "undefined"
	case TreatPassed:
		return "passed"
	case TreatWinsorised:
		return "winsorised"
	case TreatLog:
		return "log"
	}
	return "TreatOutcome(?)"
}

// Treatment is the result of TreatJRC.
type Treatment struct {
	// Values are the treated values, index for index with the input; the
	// input's NaN and ±Inf entries are returned unchanged.
	Values  []float64
	Outcome TreatOutcome
	// High and Low are the ascending indices of the values winsorised down
	// from the top and up from the bottom, as COINr's winsorise reports
	// them (the points moved at the last step at each end, which include
	// all earlier ones at that end). Both are nil unless Outcome is
	// TreatWinsorised.
	High, Low []int
	// SkewBefore and KurtBefore are Skewness and Kurtosis of the input;
	// SkewAfter and KurtAfter those of Values (equal to the former when
	// untreated). NaN when undefined.
	SkewBefore, KurtBefore float64
	SkewAfter, KurtAfter   float64
	// Pass reports whether Values pass the test (false for TreatUndefined;
	// TreatLog values may still fail it).
	Pass bool
}

// TreatJRC applies the JRC/COIN outlier treatment of SPEC §6
// (`treat: {method: jrc}`), exactly as COINr's Treat does by default
// (winsorise, then log_CT on the original values, check_SkewKurt as the
// test), to the present (finite) values of x.
//
// The values pass when
//
//	|skew| < skewLimit  or  kurtosis < kurtLimit
//
// with Skewness and Kurtosis as defined there. If either is undefined (fewer
// than four present values, or all equal) the values are left untreated.
// Otherwise, while they fail and fewer than winmax points have been changed:
// if skew ≥ 0 every point equal to the maximum is set to the largest other
// value, else every point equal to the minimum is set to the smallest other
// value; the count of changed points is the number of points moved at the
// last high step plus those moved at the last low step (COINr's nwin). If
// they still fail, the original values are replaced by
//
//	ln(x − min + 0.01·(max − min))
//
// If a winsorisation step makes every value equal, the values are returned
// untreated (TreatUndefined), as COINr's Treat.numeric does when its test
// yields NA.
// winmax ≤ 0 allows no winsorisation.
func TreatJRC(x []float64, winmax int, skewLimit, kurtLimit float64) Treatment {
	idx := make([]int, 0, len(x))
	vals := make([]float64, 0, len(x))
	for i, v := range x {
		if finite(v) {
			idx = append(idx, i)
			vals = append(vals, v)
		}
	}
	t := Treatment{Values: append([]float64(nil), x...)}
	sk, ku, ok := skewKurt(vals)
	t.SkewBefore, t.KurtBefore = sk, ku
	t.SkewAfter, t.KurtAfter = sk, ku
	if !ok {
		t.Outcome = TreatUndefined
		return t
	}
	passes := func(sk, ku float64) bool { return math.Abs(sk) < skewLimit || ku < kurtLimit }
	if passes(sk, ku) {
		t.Outcome, t.Pass = TreatPassed, true
		return t
	}

	cur := append([]float64(nil), vals...)
	var high, low []int // positions in vals moved at the last high / low step
	pass := false
	for !pass && len(high)+len(low) < winmax {
		if sk >= 0 {
			high = winsorStep(cur, math.Max)
		} else {
			low = winsorStep(cur, math.Min)
		}
		sk, ku, ok = skewKurt(cur)
		if !ok {
			t.Outcome = TreatUndefined
			return t
		}
		pass = passes(sk, ku)
	}
	if pass {
		for p, v := range cur {
			t.Values[idx[p]] = v
		}
		t.High, t.Low = indicesOf(high, idx), indicesOf(low, idx)
		t.Outcome, t.Pass = TreatWinsorised, true
		t.SkewAfter, t.KurtAfter = sk, ku
		return t
	}

	lo, hi := minMax(vals)
	shift := lo - 0.01*(hi-lo)
	logged := make([]float64, len(vals))
	for p, v := range vals {
		logged[p] = math.Log(v - shift)
		t.Values[idx[p]] = logged[p]
	}
	t.Outcome = TreatLog
	t.SkewAfter, t.KurtAfter, _ = skewKurt(logged)
	t.Pass = passes(t.SkewAfter, t.KurtAfter)
	return t
}

// winsorStep sets every value of x equal to its extreme (ext = math.Max: the
// maximum; math.Min: the minimum) to the most extreme of the other values,
// and returns the positions it changed. x holds at least two distinct
// values.
func winsorStep(x []float64, ext func(a, b float64) float64) []int {
	e := x[0]
	for _, v := range x[1:] {
		e = ext(e, v)
	}
	var moved []int
	next := math.NaN()
	for p, v := range x {
		switch {
		case v == e:
			moved = append(moved, p)
		case math.IsNaN(next):
			next = v
		default:
			next = ext(next, v)
		}
	}
	for _, p := range moved {
		x[p] = next
	}
	return moved
}

// indicesOf maps positions among the present values to indices of the input.
func indicesOf(pos, idx []int) []int {
	if len(pos) == 0 {
		return nil
	}
	out := make([]int, len(pos))
	for k, p := range pos {
		out[k] = idx[p]
	}
	return out
}

// Skewness returns the sample skewness of the finite values of x (NaN and
// ±Inf are ignored), as e1071's skewness type 2, Excel's SKEW and COINr's
// skew: with n values and d = x − x̄,
//
//	G₁ = √n Σd³ / (Σd²)^{3/2} · √(n(n−1)) / (n−2)
//
// It is NaN when n < 3 or all values are equal.
func Skewness(x []float64) float64 {
	v := finiteValues(x)
	if len(v) < 3 || isConstant(v) {
		return math.NaN()
	}
	s2, s3, _ := centralSums(v)
	n := float64(len(v))
	return math.Sqrt(n) * s3 / math.Pow(s2, 1.5) * math.Sqrt(n*(n-1)) / (n - 2)
}

// Kurtosis returns the sample excess kurtosis of the finite values of x
// (NaN and ±Inf are ignored), as e1071's kurtosis type 2, Excel's KURT and
// COINr's kurt: with n values and d = x − x̄,
//
//	r  = n Σd⁴ / (Σd²)²
//	G₂ = ((n+1)(r−3) + 6)(n−1) / ((n−2)(n−3))
//
// It is NaN when n < 4 or all values are equal.
func Kurtosis(x []float64) float64 {
	v := finiteValues(x)
	if len(v) < 4 || isConstant(v) {
		return math.NaN()
	}
	s2, _, s4 := centralSums(v)
	n := float64(len(v))
	r := n * s4 / (s2 * s2)
	return ((n+1)*(r-3) + 6) * (n - 1) / ((n - 2) * (n - 3))
}

// skewKurt returns Skewness and Kurtosis of x (all finite); ok is false when
// either is undefined.
func skewKurt(x []float64) (sk, ku float64, ok bool) {
	sk, ku = Skewness(x), Kurtosis(x)
	return sk, ku, !math.IsNaN(sk) && !math.IsNaN(ku)
}

// centralSums returns Σd², Σd³ and Σd⁴ with d = x − x̄.
func centralSums(x []float64) (s2, s3, s4 float64) {
	m := meanOf(x)
	for _, v := range x {
		d := v - m
		d2 := d * d
		s2 += d2
		s3 += d2 * d
		s4 += d2 * d2
	}
	return s2, s3, s4
}

// finiteValues returns the finite values of x (x itself when all are).
func finiteValues(x []float64) []float64 {
	for i, v := range x {
		if !finite(v) {
			out := append(make([]float64, 0, len(x)), x[:i]...)
			for _, v := range x[i+1:] {
				if finite(v) {
					out = append(out, v)
				}
			}
			return out
		}
	}
	return x
}
