package scoring

import (
	"math"
	"slices"
)

// radixMin is the length from which the radix sorts below are used: under
// it pdqsort and the merge sort are as fast and need no scratch.
const radixMin = 256

// floatKey maps x (not NaN) to an unsigned key in the same order: the sign
// bit flipped for non-negative values, all bits for negative ones. −0 maps
// just below +0.
func floatKey(x float64) uint64 {
	u := math.Float64bits(x)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

// keyFloat inverts floatKey.
func keyFloat(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

// radixScratch holds the key and payload buffers of the radix sorts, reused
// from call to call.
type radixScratch struct {
	keys, tmpK []uint64
	vals, tmpV []int32
}

// sortFloats sorts x (no NaN) ascending, leaving exactly what slices.Sort
// leaves: an LSD radix sort of the float keys, whose result is the one
// ascending sequence of x's bit patterns, except that pdqsort may order −0
// and +0 either way; so x holding both goes to slices.Sort, as does a short
// x.
func sortFloats(x []float64, rs *radixScratch) {
	if len(x) < radixMin {
		slices.Sort(x)
		return
	}
	rs.keys = slices.Grow(rs.keys[:0], len(x))[:len(x)]
	keys := rs.keys
	negZero, posZero := false, false
	for i, v := range x {
		if v == 0 {
			if math.Signbit(v) {
				negZero = true
			} else {
				posZero = true
			}
		}
		keys[i] = floatKey(v)
	}
	if negZero && posZero {
		slices.Sort(x)
		return
	}
	rs.tmpK = slices.Grow(rs.tmpK[:0], len(x))[:len(x)]
	keys, _ = radixSort(keys, rs.tmpK, nil, nil)
	for i, k := range keys {
		x[i] = keyFloat(k)
	}
}

// radixSort sorts keys ascending, stably, by LSD radix sort on bytes,
// carrying vals (nil, or as long as keys) along; tmpK and tmpV are scratch
// of the same lengths. It skips a byte all keys share. It returns the
// slices holding the result (keys or tmpK, vals or tmpV).
func radixSort(keys, tmpK []uint64, vals, tmpV []int32) ([]uint64, []int32) {
	var counts [8][256]int
	for _, k := range keys {
		for b := 0; b < 8; b++ {
			counts[b][byte(k>>(8*b))]++
		}
	}
	n := len(keys)
	for b := 0; b < 8; b++ {
		c := &counts[b]
		if c[byte(keys[0]>>(8*b))] == n {
			continue // every key has this byte
		}
		sum := 0
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		sh := uint(8 * b)
		if vals == nil {
			for _, k := range keys {
				d := byte(k >> sh)
				tmpK[c[d]] = k
				c[d]++
			}
		} else {
			for j, k := range keys {
				d := byte(k >> sh)
				tmpK[c[d]], tmpV[c[d]] = k, vals[j]
				c[d]++
			}
			vals, tmpV = tmpV, vals
		}
		keys, tmpK = tmpK, keys
	}
	return keys, vals
}

// midRanks writes into r[p] the fractional rank of x[p] among the values of
// x that are not NaN (RankAmong's (#{v < x} + 1 + #{v ≤ x}) / 2, −0 equal
// to +0), NaN for a NaN x[p]. It sorts (value, p) pairs once, by radix
// sort, and gives each run of equal values its mean rank, instead of two
// searches per value. len(x) < 2³¹.
func midRanks(x, r []float64, rs *radixScratch) {
	rs.keys, rs.vals = rs.keys[:0], rs.vals[:0]
	for p, v := range x {
		r[p] = math.NaN()
		if math.IsNaN(v) {
			continue
		}
		if v == 0 {
			v = 0 // −0 ranks as +0
		}
		rs.keys = append(rs.keys, floatKey(v))
		rs.vals = append(rs.vals, int32(p))
	}
	n := len(rs.keys)
	if n == 0 {
		return
	}
	rs.tmpK = slices.Grow(rs.tmpK[:0], n)[:n]
	rs.tmpV = slices.Grow(rs.tmpV[:0], n)[:n]
	keys, order := radixSort(rs.keys, rs.tmpK, rs.vals, rs.tmpV)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && keys[hi] == keys[lo] {
			hi++
		}
		rank := float64(lo+1+hi) / 2
		for _, p := range order[lo:hi] {
			r[p] = rank
		}
		lo = hi
	}
}
