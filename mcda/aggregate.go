package mcda

import "math"

// Rho is the distinguishing coefficient ρ of grey relational analysis
// (SPEC §6 fixes it at 0.5).
const Rho = 0.5

// TOPSIS aggregates the rows of v (subjects × children, values on the scale
// [lo, hi]) by the Technique for Order of Preference by Similarity to the
// Ideal Solution (SPEC §6 `aggregate: topsis`):
//
//	yᵢⱼ = wⱼ vᵢⱼ
//	A⁺ⱼ = maxᵢ yᵢⱼ,  A⁻ⱼ = minᵢ yᵢⱼ
//	D⁺ᵢ = √Σⱼ(yᵢⱼ − A⁺ⱼ)²,  D⁻ᵢ = √Σⱼ(yᵢⱼ − A⁻ⱼ)²
//	Cᵢ  = D⁻ᵢ / (D⁺ᵢ + D⁻ᵢ)              (D⁺ᵢ = D⁻ᵢ = 0: Cᵢ = 1)
//	valueᵢ = lo + (hi − lo) Cᵢ
//
// The ideal points A± are taken over the rows with every value present. A
// row holding a NaN or ±Inf gets NaN. C lies in [0, 1] and is unchanged by a
// positive rescaling of w, so w need not be normalised. TOPSIS panics if a
// row's length differs from len(w).
func TOPSIS(v [][]float64, w []float64, lo, hi float64) []float64 {
	m := len(w)
	complete := completeMask(v, m)
	best := make([]float64, m)
	worst := make([]float64, m)
	for j := range m {
		best[j], worst[j] = math.Inf(-1), math.Inf(1)
	}
	for i, r := range v {
		if !complete[i] {
			continue
		}
		for j, x := range r {
			y := w[j] * x
			best[j] = max(best[j], y)
			worst[j] = min(worst[j], y)
		}
	}
	out := make([]float64, len(v))
	for i, r := range v {
		if !complete[i] {
			out[i] = math.NaN()
			continue
		}
		var sp, sm float64
		for j, x := range r {
			y := w[j] * x
			dp, dm := y-best[j], y-worst[j]
			sp += dp * dp
			sm += dm * dm
		}
		dPlus, dMinus := math.Sqrt(sp), math.Sqrt(sm)
		c := 1.0
		if s := dPlus + dMinus; s != 0 {
			c = dMinus / s
		}
		out[i] = lo + (hi-lo)*c
	}
	return out
}

// GRA aggregates the rows of v (subjects × children, values on the scale
// [lo, hi], lo < hi) by grey relational analysis against the best observed
// value of each child (SPEC §6 `aggregate: gra`):
//
//	xᵢⱼ = (vᵢⱼ − lo) / (hi − lo)
//	Δᵢⱼ = |xᵢⱼ − maxₖ xₖⱼ|
//	ξᵢⱼ = (Δmin + ρΔmax) / (Δᵢⱼ + ρΔmax)      (Δmax = 0: ξᵢⱼ = 1)
//	valueᵢ = lo + (hi − lo) Σⱼ ŵⱼ ξᵢⱼ,   ŵ = w / Σw
//
// with ρ = Rho and Δmin, Δmax the smallest and largest Δ over the whole
// matrix. The reference series and Δmin/Δmax are taken over the rows with
// every value present; a row holding a NaN or ±Inf gets NaN, and so does
// every row when Σw = 0. GRA panics if a row's length differs from len(w).
func GRA(v [][]float64, w []float64, lo, hi float64) []float64 {
	m := len(w)
	complete := completeMask(v, m)
	var wsum float64
	for _, x := range w {
		wsum += x
	}
	span := hi - lo
	ref := make([]float64, m)
	for j := range m {
		ref[j] = math.Inf(-1)
	}
	for i, r := range v {
		if !complete[i] {
			continue
		}
		for j, x := range r {
			ref[j] = max(ref[j], (x-lo)/span)
		}
	}
	dMin, dMax := math.Inf(1), math.Inf(-1)
	for i, r := range v {
		if !complete[i] {
			continue
		}
		for j, x := range r {
			d := math.Abs((x-lo)/span - ref[j])
			dMin = min(dMin, d)
			dMax = max(dMax, d)
		}
	}
	out := make([]float64, len(v))
	for i, r := range v {
		if !complete[i] || wsum == 0 {
			out[i] = math.NaN()
			continue
		}
		var s float64
		for j, x := range r {
			xi := 1.0
			if dMax != 0 {
				d := math.Abs((x-lo)/span - ref[j])
				xi = (dMin + Rho*dMax) / (d + Rho*dMax)
			}
			s += w[j] / wsum * xi
		}
		out[i] = lo + span*s
	}
	return out
}

// completeMask reports for each row of v whether all its values are finite;
// it panics if a row's length is not m.
func completeMask(v [][]float64, m int) []bool {
	ok := make([]bool, len(v))
	for i, r := range v {
		if len(r) != m {
			panic("mcda: matrix row length differs from the number of weights")
		}
		ok[i] = true
		for _, x := range r {
			if !finite(x) {
				ok[i] = false
				break
			}
		}
	}
	return ok
}
