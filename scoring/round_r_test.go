package scoring

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/govscore/govscore/indicators"
)

// TestRoundR pins R ≥ 4.0's round(x, d) (R's src/nmath/fround.c since
// R 4.0.0; ?round: "round(0.15, 1)" is 0.1 and "round(2.5)" is 2, IEC 60559
// ties to even at d = 0; M. Mächler, "Rounding to Decimal Digits in Binary",
// R blog 2020). Every expected value is also derived from the algorithm of
// SPEC §4.6 in exact arithmetic by checkNearer: .15 and .35 lie below the
// half in binary, .55 and .65 above; .25 and 0.125 are exact ties, and so is
// 0.45 (both candidates are 0.04999999999999998889… away), which goes to
// the even i = 4: 0.4.
func TestRoundR(t *testing.T) {
	tests := []struct {
		x      float64
		digits int
		want   float64
	}{
		{0.15, 1, 0.1}, {0.25, 1, 0.2}, {0.35, 1, 0.3}, {0.45, 1, 0.4}, {0.55, 1, 0.6}, {0.65, 1, 0.7},
		{2.5, 0, 2}, {0.5, 0, 0}, {1.5, 0, 2}, {-1.5, 0, -2}, {-2.5, 0, -2}, {-0.5, 0, 0},
		{0.285, 2, 0.28}, // 0.28499999999999997557…
		{2.675, 2, 2.67}, // 2.67499999999999982236…
		{1.005, 2, 1},    // 1.00499999999999989342…
		{0.125, 2, 0.12}, // exact tie, 12 even
		{0.375, 2, 0.38}, // exact tie, 37 odd
		{-0.285, 2, -0.28},
		{51.449999999999996, 1, 51.4},
		{123.456, 2, 123.46},
		{1.23456789012345678, 15, 1.23456789012345678}, // log10(2)·0.5 + 15 > 15: unchanged
		{0.1, 15, 0.1},
	}
	for _, tc := range tests {
		got := RoundR(tc.x, tc.digits)
		if got != tc.want {
			t.Errorf("RoundR(%v, %d) = %v, want %v", tc.x, tc.digits, got, tc.want)
		}
		if got == 0 && math.Signbit(got) {
			t.Errorf("RoundR(%v, %d) = -0, want +0", tc.x, tc.digits)
		}
		// The candidates' distances, exactly: R picks the nearer of the
		// two float64 candidates of the binary x (ties to an even i).
		if tc.digits < 15 {
			checkNearer(t, tc.x, tc.digits, got)
		}
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := RoundR(x, 2); !(got == x || (math.IsNaN(got) && math.IsNaN(x))) {
			t.Errorf("RoundR(%v, 2) = %v", x, got)
		}
	}
}

// checkNearer checks, in exact arithmetic, that got is the candidate
// (⌊p·|x|⌋/p or ⌈p·|x|⌉/p as float64s) nearer to the binary x, or on a tie
// the one whose i is even.
func checkNearer(t *testing.T, x float64, digits int, got float64) {
	t.Helper()
	ax := math.Abs(x)
	p := math.Pow(10, float64(digits))
	i := math.Floor(p * ax)
	down, up := i/p, math.Ceil(p*ax)/p
	ex := new(big.Float).SetPrec(0).SetFloat64(ax)
	dd := new(big.Float).Sub(ex, new(big.Float).SetFloat64(down))
	du := new(big.Float).Sub(new(big.Float).SetFloat64(up), ex)
	want := down
	switch c := du.Cmp(dd); {
	case c < 0, c == 0 && math.Mod(i, 2) == 1:
		want = up
	}
	if math.Abs(got) != want {
		t.Errorf("RoundR(%v, %d) = %v; exact distances pick %v", x, digits, got, want)
	}
}

// TestRoundRProperty: on random values and digits, RoundR agrees with the
// exact nearer-candidate rule (the float64 distances of R's algorithm are
// exact for these magnitudes) and never moves x by more than half a unit
// of the last digit plus an ulp.
func TestRoundRProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for range 20000 {
		d := rng.IntN(6)
		x := float64(rng.IntN(2000000)-1000000) / math.Pow(10, float64(d+1))
		if rng.IntN(2) == 0 {
			x = math.Nextafter(x, math.Inf(rng.IntN(3)-1))
		}
		got := RoundR(x, d)
		checkNearer(t, x, d, got)
		if diff := math.Abs(got - x); diff > 0.5/math.Pow(10, float64(d))+1e-9 {
			t.Fatalf("RoundR(%v, %d) = %v moves x by %v", x, d, got, diff)
		}
	}
}

// TestRoundProperty compares Round with the exact reference on values at
// and next to decimal halves, where the 15-digit rule and the binary value
// part ways.
func TestRoundProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 3))
	for range 50000 {
		d := rng.IntN(8)
		m := rng.Int64N(1 << 40)
		x, _ := strconv.ParseFloat(strconv.FormatInt(m, 10)+"5e-"+strconv.Itoa(d+1), 64)
		switch rng.IntN(4) {
		case 0:
			x = math.Nextafter(x, 0)
		case 1:
			x = math.Nextafter(x, math.Inf(1))
		case 2:
			x = -x
		}
		if got, want := Round(x, d), refRound(x, d); got != want {
			t.Fatalf("Round(%v, %d) = %v, reference %v", x, d, got, want)
		}
	}
}

// TestRMean: with `numerics: r` an arithmetic aggregate of equally weighted
// children is R's two-pass mean, mean(c(86.1, 61.4, 97.3)) = 81.6 in R,
// where Σx/n in double gives 81.60000000000001; with unequal weights it
// stays Σwx/Σw. Spreadsheet numerics keep Σwx/Σw.
func TestRMean(t *testing.T) {
	vals := []float64{86.1, 61.4, 97.3}
	kids := []int{0, 1, 2}
	eq := []float64{2, 2, 2}
	if got, _ := weightedMean(eq, vals, kids, false, true, nil); got != 81.6 {
		t.Errorf("R mean = %v, want 81.6", got)
	}
	if got, _ := weightedMean(eq, vals, kids, false, false, nil); got != 81.60000000000001 {
		t.Errorf("spreadsheet mean = %v, want Σx/n in double = 81.60000000000001", got)
	}
	uneq := []float64{1, 2, 1}
	sw := vals[0] + 2*vals[1] + vals[2]
	if got, want := func() float64 { v, _ := weightedMean(uneq, vals, kids, false, true, nil); return v }(), sw/4; got != want {
		t.Errorf("R weighted mean = %v, want Σwx/Σw = %v", got, want)
	}
	// A missing child and a zero weight leave the others' R mean.
	vals2 := []float64{86.1, nan, 61.4, 5, 97.3}
	if got, _ := weightedMean([]float64{1, 1, 1, 0, 1}, vals2, []int{0, 1, 2, 3, 4}, false, true, nil); got != 81.6 {
		t.Errorf("R mean over the participating children = %v, want 81.6", got)
	}

	// Through Score: the root of three leaves with `none` normalisation.
	set := newSet(leaf("a", method(indicators.NormNone)), leaf("b", method(indicators.NormNone)), leaf("c", method(indicators.NormNone)))
	set.Numerics = indicators.NumericsR
	in := Input{Set: set, Subjects: subjects("s1"), Raw: [][]float64{{86.1}, {61.4}, {97.3}}}
	if got := mustScore(t, in).Subjects[0].Score; got != 81.6 {
		t.Errorf("Score with numerics r = %v, want 81.6", got)
	}
	set.Numerics = indicators.NumericsSpreadsheet
	if got := mustScore(t, in).Subjects[0].Score; got != 81.60000000000001 {
		t.Errorf("Score with spreadsheet numerics = %v, want 81.60000000000001", got)
	}
}

// TestNumericsRRounding: `numerics: r` rounds nodes and ranking digits with
// RoundR, in Score and in the Rescorer alike.
func TestNumericsRRounding(t *testing.T) {
	set := newSet(leaf("a", method(indicators.NormNone), round(2)))
	in := Input{Set: set, Subjects: subjects("s1", "s2"), Raw: [][]float64{{0.285, 0.15}}}
	set.Numerics = indicators.NumericsR
	checkFloats(t, "r", scores(mustScore(t, in)), []float64{0.28, 0.15})
	set.Numerics = indicators.NumericsSpreadsheet
	checkFloats(t, "spreadsheet", scores(mustScore(t, in)), []float64{0.29, 0.15})

	set.Root.Round = 1
	set.Numerics = indicators.NumericsR
	res := mustScore(t, in)
	checkFloats(t, "r root", scores(res), []float64{0.3, 0.1}) // round(0.28, 1), round(0.15, 1)
	r, err := NewRescorer(in, res)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 2)
	if err := r.Rescore(Variant{}, r.NewWorkspace(), got, nil); err != nil {
		t.Fatal(err)
	}
	checkFloats(t, "rescored", got, []float64{0.3, 0.1})
}

// BenchmarkRound measures the rounding rules on typical scores (fast path)
// and on decimal halves (digit path).
func BenchmarkRound(b *testing.B) {
	xs := make([]float64, 1024)
	halves := make([]float64, 1024)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range xs {
		xs[i] = rng.Float64() * 100
		halves[i] = float64(2*rng.IntN(100000)+1) / 200 // m.mm5
	}
	for _, bc := range []struct {
		name string
		f    func(float64, int) float64
		xs   []float64
	}{{"spreadsheet", Round, xs}, {"spreadsheet-halves", Round, halves}, {"r", RoundR, xs}} {
		b.Run(bc.name, func(b *testing.B) {
			var sink float64
			for i := range b.N {
				sink += bc.f(bc.xs[i&1023], 2)
			}
			_ = sink
		})
	}
}
