package indicators

import "math"

// Apply applies the transform to x (SPEC §4.4 step 3): log x, log(1 + x),
// √x, or x itself for TransformNone. A value outside the transform's
// domain (log: x ≤ 0; log1p: x ≤ −1; sqrt: x < 0) gives NaN (missing);
// NaN gives NaN.
func (t Transform) Apply(x float64) float64 {
	if !inDomain(t, x) {
		return math.NaN()
	}
	switch t {
	case TransformLog:
		return math.Log(x)
	case TransformLog1p:
		return math.Log1p(x)
	case TransformSqrt:
		return math.Sqrt(x)
	}
	return x
}
