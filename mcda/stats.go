package mcda

import "math"

// Quantile7 returns the q-quantile of the ascending-sorted values by R's
// type 7 definition (Hyndman & Fan 1996; SPEC §4.4 step 4):
//
//	h = (n−1)q,  Q = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])
//
// q is clamped to [0, 1]. Quantile7 returns NaN for an empty slice or a NaN
// q. sorted must be in ascending order without NaN; this is not checked.
func Quantile7(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	h := float64(n-1) * q
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// CronbachAlpha returns Cronbach's alpha of the k columns (items) of x over
// its complete rows (cases; rows holding a NaN are dropped):
//
//	α = k/(k−1) · (1 − Σᵢ σᵢ² / σₜ²)
//
// where σᵢ² is the sample variance (n−1) of item i and σₜ² that of the row
// totals. It is NaN when k < 2, fewer than two complete rows remain, or
// σₜ² = 0. CronbachAlpha panics if the rows differ in length.
func CronbachAlpha(x [][]float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	k := len(x[0])
	rows := make([][]float64, 0, len(x))
	for _, r := range x {
		if len(r) != k {
			panic("mcda: CronbachAlpha of a ragged matrix")
		}
		complete := true
		for _, v := range r {
			if math.IsNaN(v) {
				complete = false
				break
			}
		}
		if complete {
			rows = append(rows, r)
		}
	}
	if k < 2 || len(rows) < 2 {
		return math.NaN()
	}
	var items float64
	for j := range k {
		items += sampleVar(column(rows, j))
	}
	totals := make([]float64, len(rows))
	for i, r := range rows {
		for _, v := range r {
			totals[i] += v
		}
	}
	vt := sampleVar(totals)
	if vt == 0 {
		return math.NaN()
	}
	kf := float64(k)
	return kf / (kf - 1) * (1 - items/vt)
}
