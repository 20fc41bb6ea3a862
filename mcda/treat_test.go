package mcda

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

func TestTreatJRC(t *testing.T) {
	seq := func(from, to int, extra ...float64) []float64 {
		var x []float64
		for i := from; i <= to; i++ {
			x = append(x, float64(i))
		}
		return append(x, extra...)
	}
	neg := func(x []float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = -v
		}
		return out
	}
	// log_CT of 1:20, 100, 200: ln(x − 1 + 0.01·199) = ln(x + 0.99).
	logCT := make([]float64, 22)
	for i, v := range seq(1, 20, 100, 200) {
		logCT[i] = math.Log(v + 0.99)
	}
	tests := []struct {
		name      string
		x         []float64
		winmax    int
		outcome   TreatOutcome
		high, low []int
		want      []float64
		skewBefore, kurtBefore,
		skewAfter, kurtAfter float64
		pass bool
	}{
		{
			// COINr test-treat.R: one high outlier is winsorised to 10.
			name: "one-outlier", x: seq(1, 10, 100), winmax: 5,
			outcome: TreatWinsorised, high: []int{10},
			want:       seq(1, 10, 10),
			skewBefore: 3.2556381840605075, kurtBefore: 10.706673906421969,
			skewAfter: Skewness(seq(1, 10, 10)), kurtAfter: Kurtosis(seq(1, 10, 10)),
			pass: true,
		},
		{
			// 200 → 100 (1 point), still failing; then both 100s → 20
			// (2 points, nwin = 2) and the values pass.
			name: "two-steps", x: seq(1, 20, 100, 200), winmax: 5,
			outcome: TreatWinsorised, high: []int{20, 21},
			want:       seq(1, 20, 20, 20),
			skewBefore: Skewness(seq(1, 20, 100, 200)), kurtBefore: Kurtosis(seq(1, 20, 100, 200)),
			skewAfter: Skewness(seq(1, 20, 20, 20)), kurtAfter: Kurtosis(seq(1, 20, 20, 20)),
			pass: true,
		},
		{
			// COINr test-treat.R: winmax 1 stops after 200 → 100, still
			// failing, so the original values are logged: ln(x + 0.99).
			name: "log-fallback", x: seq(1, 20, 100, 200), winmax: 1,
			outcome: TreatLog, want: logCT,
			skewBefore: Skewness(seq(1, 20, 100, 200)), kurtBefore: Kurtosis(seq(1, 20, 100, 200)),
			skewAfter: 0.9694984073838677, kurtAfter: 2.245995664401919,
			pass: true,
		},
		{
			name: "no-winsorisation-allowed", x: seq(1, 20, 100, 200), winmax: 0,
			outcome: TreatLog, want: logCT,
			skewBefore: Skewness(seq(1, 20, 100, 200)), kurtBefore: Kurtosis(seq(1, 20, 100, 200)),
			skewAfter: 0.9694984073838677, kurtAfter: 2.245995664401919,
			pass: true,
		},
		{
			// The mirror image of one-outlier: −100 is raised to −10.
			name: "low-outlier", x: neg(seq(1, 10, 100)), winmax: 5,
			outcome: TreatWinsorised, low: []int{10},
			want:       neg(seq(1, 10, 10)),
			skewBefore: -3.2556381840605075, kurtBefore: 10.706673906421969,
			skewAfter: -Skewness(seq(1, 10, 10)), kurtAfter: Kurtosis(seq(1, 10, 10)),
			pass: true,
		},
		{
			// Skew ≥ 0: 200 → 6; then skew < 0: −30 → 1 (nwin = 1 + 1).
			name: "both-ends", x: []float64{200, 6, 1, 1, 1, -30}, winmax: 5,
			outcome: TreatWinsorised, high: []int{0}, low: []int{5},
			want:       []float64{6, 6, 1, 1, 1, 1},
			skewBefore: Skewness([]float64{200, 6, 1, 1, 1, -30}), kurtBefore: Kurtosis([]float64{200, 6, 1, 1, 1, -30}),
			skewAfter: Skewness([]float64{6, 6, 1, 1, 1, 1}), kurtAfter: Kurtosis([]float64{6, 6, 1, 1, 1, 1}),
			pass: true,
		},
		{
			// Missing and infinite entries are ignored and kept.
			name: "missing-kept", x: append([]float64{nan}, seq(1, 10, 100, math.Inf(1))...), winmax: 5,
			outcome: TreatWinsorised, high: []int{11},
			want:       append([]float64{nan}, seq(1, 10, 10, math.Inf(1))...),
			skewBefore: 3.2556381840605075, kurtBefore: 10.706673906421969,
			skewAfter: Skewness(seq(1, 10, 10)), kurtAfter: Kurtosis(seq(1, 10, 10)),
			pass: true,
		},
		{
			// 1, 2, 3, 10: d = (−3, −2, −1, 6), Σd² = 50, Σd³ = 180,
			// Σd⁴ = 1394; skew = 2·180/50^1.5·√12/2 = 1.7636326;
			// r = 4·1394/2500 = 2.2304, kurt = (5(r−3)+6)·3/2 = 3.228.
			// |1.76| < 2 → passes untreated.
			name: "passes", x: []float64{1, 2, 3, 10}, winmax: 5,
			outcome: TreatPassed, want: []float64{1, 2, 3, 10},
			skewBefore: 1.763632614803888, kurtBefore: 3.228,
			skewAfter: 1.763632614803888, kurtAfter: 3.228,
			pass: true,
		},
		{
			name: "three-values", x: []float64{1, 2, 100}, winmax: 5,
			outcome: TreatUndefined, want: []float64{1, 2, 100},
			skewBefore: Skewness([]float64{1, 2, 100}), kurtBefore: nan,
			skewAfter: Skewness([]float64{1, 2, 100}), kurtAfter: nan,
		},
		{
			name: "all-equal", x: []float64{5, 5, 5, 5, nan}, winmax: 5,
			outcome: TreatUndefined, want: []float64{5, 5, 5, 5, nan},
			skewBefore: nan, kurtBefore: nan, skewAfter: nan, kurtAfter: nan,
		},
		{
			// Skew 2.236 ≥ 2 and kurtosis 5 ≥ 3.5 fail; winsorising 100 → 1
			// makes all values equal, so the values stay untreated.
			name: "winsorised-to-constant", x: []float64{1, 1, 1, 1, 100}, winmax: 5,
			outcome: TreatUndefined, want: []float64{1, 1, 1, 1, 100},
			skewBefore: math.Sqrt(5), kurtBefore: 5, skewAfter: math.Sqrt(5), kurtAfter: 5,
		},
		{
			name: "empty", x: nil, winmax: 5, outcome: TreatUndefined, want: []float64{},
			skewBefore: nan, kurtBefore: nan, skewAfter: nan, kurtAfter: nan,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := slices.Clone(tt.x)
			got := TreatJRC(tt.x, tt.winmax, 2, 3.5)
			if got.Outcome != tt.outcome {
				t.Fatalf("outcome %v, want %v", got.Outcome, tt.outcome)
			}
			if !slices.Equal(got.High, tt.high) || !slices.Equal(got.Low, tt.low) {
				t.Errorf("high %v low %v, want %v %v", got.High, got.Low, tt.high, tt.low)
			}
			assertSlice(t, "values", got.Values, tt.want)
			assertClose(t, "skew before", got.SkewBefore, tt.skewBefore)
			assertClose(t, "kurt before", got.KurtBefore, tt.kurtBefore)
			assertClose(t, "skew after", got.SkewAfter, tt.skewAfter)
			assertClose(t, "kurt after", got.KurtAfter, tt.kurtAfter)
			if got.Pass != tt.pass {
				t.Errorf("pass %v, want %v", got.Pass, tt.pass)
			}
			assertSlice(t, "input (unchanged)", tt.x, orig)
		})
	}
}

func TestTreatOutcomeString(t *testing.T) {
	for o, want := range map[TreatOutcome]string{
		TreatUndefined: "undefined", TreatPassed: "passed", TreatWinsorised: "winsorised",
		TreatLog: "log", TreatOutcome(9): "TreatOutcome(?)",
	} {
		if got := o.String(); got != want {
			t.Errorf("%d: %q, want %q", int(o), got, want)
		}
	}
}

// asemExpect is the treatment of every COINr ASEM indicator after division
// by its denominator (missing values ignored), with COINr's defaults (winmax
// 5, skew 2, kurtosis 3.5). Computed by testdata/reference.py, a plain-Python
// transcription of COINr's treat.R; columns: indicator, present values,
// outcome, points winsorised high and low, skew and kurtosis before and after.
var asemExpect = []struct {
	code                     string
	n                        int
	outcome                  TreatOutcome
	high, low                int
	skew0, kurt0, skew, kurt float64
}{
	{"LPI", 51, TreatPassed, 0, 0, -0.304268128297043, -0.656751412485131, -0.304268128297043, -0.656751412485131},
	{"Flights", 51, TreatWinsorised, 1, 0, 2.24355572966801, 6.29820195987697, 1.75381162545083, 3.24692199175287},
	{"Ship", 51, TreatPassed, 0, 0, -0.575668041929831, -0.681479454104933, -0.575668041929831, -0.681479454104933},
	{"Bord", 51, TreatWinsorised, 3, 0, 4.21139947159027, 19.9046340799533, 1.65955413648669, 1.53920767598352},
	{"Elec", 50, TreatPassed, 0, 0, 1.79875856554431, 3.16740270532877, 1.79875856554431, 3.16740270532877},
	{"Gas", 50, TreatWinsorised, 3, 0, 4.63387573245499, 21.8956008795691, 1.88912627383364, 2.7238030933006},
	{"ConSpeed", 43, TreatPassed, 0, 0, 0.462203723707922, 0.187321419069997, 0.462203723707922, 0.187321419069997},
	{"Cov4G", 51, TreatPassed, 0, 0, -1.37251912510789, 0.541931446910913, -1.37251912510789, 0.541931446910913},
	{"Goods", 51, TreatPassed, 0, 0, 0.754846238424993, -0.571116220341776, 0.754846238424993, -0.571116220341776},
	{"Services", 51, TreatWinsorised, 4, 0, 3.95044996462935, 17.6476119653685, 1.62477522968251, 2.11554345594836},
	{"FDI", 51, TreatWinsorised, 2, 0, 2.45535243031935, 5.77707220853671, 1.91573893374504, 2.40624829491189},
	{"PRemit", 51, TreatPassed, 0, 0, 1.35350720097699, 3.03506532863274, 1.35350720097699, 3.03506532863274},
	{"ForPort", 48, TreatWinsorised, 3, 0, 6.72150637959019, 45.9473745899642, 1.26559670354323, 0.622035194528754},
	{"Embs", 51, TreatPassed, 0, 0, -0.367952855467896, -0.993112250617892, -0.367952855467896, -0.993112250617892},
	{"IGOs", 51, TreatPassed, 0, 0, -0.06347178045731, -0.248981004779725, -0.06347178045731, -0.248981004779725},
	{"UNVote", 51, TreatPassed, 0, 0, -0.675399423050541, -1.2043321411727, -0.675399423050541, -1.2043321411727},
	{"CostImpEx", 51, TreatWinsorised, 1, 0, 2.69142601371096, 9.84263323082698, 1.58974836231753, 2.35844543710222},
	{"Tariff", 48, TreatWinsorised, 3, 0, 2.44917948805345, 5.41091882258184, 2.06002933173847, 3.49866490694522},
	{"TBTs", 50, TreatPassed, 0, 0, -0.395674578932419, -1.54545518184887, -0.395674578932419, -1.54545518184887},
	{"TIRcon", 51, TreatPassed, 0, 0, -1.15917910585813, -0.684747583243826, -1.15917910585813, -0.684747583243826},
	{"RTAs", 51, TreatPassed, 0, 0, -0.678014308269118, 0.133048185203679, -0.678014308269118, 0.133048185203679},
	{"Visa", 51, TreatPassed, 0, 0, -1.76181098200601, 2.16514756216367, -1.76181098200601, 2.16514756216367},
	{"StMob", 51, TreatWinsorised, 2, 0, 2.89444294109679, 10.1064724644753, 1.07772843491746, 0.661950377141898},
	{"Research", 51, TreatPassed, 0, 0, 0.309395492799675, -0.378359213842425, 0.309395492799675, -0.378359213842425},
	{"Pat", 45, TreatPassed, 0, 0, 1.3977633901297, 1.50424972553029, 1.3977633901297, 1.50424972553029},
	{"CultServ", 47, TreatWinsorised, 2, 0, 5.08218131646914, 26.2373518439737, 1.97204903018917, 3.9409590525315},
	{"CultGood", 44, TreatPassed, 0, 0, 0.879972255403945, 0.199021148844144, 0.879972255403945, 0.199021148844144},
	{"Tourist", 51, TreatPassed, 0, 0, 1.636780255242, 2.81442646068862, 1.636780255242, 2.81442646068862},
	{"MigStock", 51, TreatPassed, 0, 0, 1.32092584515042, 1.75012328804475, 1.32092584515042, 1.75012328804475},
	{"Lang", 51, TreatPassed, 0, 0, 0.0933840142762094, -1.07685476145372, 0.0933840142762094, -1.07685476145372},
	{"Renew", 51, TreatPassed, 0, 0, 0.822493598164078, -0.066097797314638, 0.822493598164078, -0.066097797314638},
	{"PrimEner", 50, TreatPassed, 0, 0, 0.749589374798284, -0.146736281189422, 0.749589374798284, -0.146736281189422},
	{"CO2", 51, TreatPassed, 0, 0, 1.10715761618858, 1.83219799427032, 1.10715761618858, 1.83219799427032},
	{"MatCon", 51, TreatPassed, 0, 0, 0.759285681768628, 0.424487166791779, 0.759285681768628, 0.424487166791779},
	{"Forest", 51, TreatWinsorised, 2, 0, 2.71126766379643, 9.3478358921069, 1.42396956636895, 1.79880274139267},
	{"Poverty", 44, TreatWinsorised, 3, 0, 2.92128092027989, 7.87851731090619, 1.86403405129229, 1.88118921981447},
	{"Palma", 45, TreatPassed, 0, 0, 1.32671553064855, 2.30031331440488, 1.32671553064855, 2.30031331440488},
	{"TertGrad", 44, TreatPassed, 0, 0, -0.383410823627675, -0.303413988992339, -0.383410823627675, -0.303413988992339},
	{"FreePress", 51, TreatPassed, 0, 0, 0.753917389948979, -0.780349481437202, 0.753917389948979, -0.780349481437202},
	{"TolMin", 51, TreatPassed, 0, 0, 0.0633328034204152, -0.660276237808023, 0.0633328034204152, -0.660276237808023},
	{"NGOs", 51, TreatWinsorised, 3, 0, 3.41287831114613, 13.0520096212495, 1.15479572635304, 0.132196974172725},
	{"CPI", 51, TreatPassed, 0, 0, 0.0202750630403465, -1.24970883905041, 0.0202750630403465, -1.24970883905041},
	{"FemLab", 49, TreatWinsorised, 0, 1, -2.0558127613156, 5.02431792410245, -1.94395824341464, 4.40622660607248},
	{"WomParl", 51, TreatPassed, 0, 0, 0.0858880311895831, -0.789179358193494, 0.0858880311895831, -0.789179358193494},
	{"PubDebt", 50, TreatPassed, 0, 0, 1.99943007183029, 5.97160464667763, 1.99943007183029, 5.97160464667763},
	{"PrivDebt", 50, TreatPassed, 0, 0, 0.957195996880445, 1.42863670947606, 0.957195996880445, 1.42863670947606},
	{"GDPGrow", 51, TreatPassed, 0, 0, -0.0516054308954715, -0.930312207428726, -0.0516054308954715, -0.930312207428726},
	{"RDExp", 47, TreatPassed, 0, 0, 0.609541137027054, -0.275571451201434, 0.609541137027054, -0.275571451201434},
	{"NEET", 49, TreatPassed, 0, 0, 1.60096391414841, 3.63194790902609, 1.60096391414841, 3.63194790902609},
}

// loadASEM returns the denominated indicator columns of the COINr ASEM data
// (NaN = missing), keyed by indicator code.
func loadASEM(t *testing.T) map[string][]float64 {
	t.Helper()
	read := func(name string) []map[string]string {
		f, err := os.Open(filepath.Join("testdata", "coinr-asem", name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]string
		for _, r := range recs[1:] {
			m := map[string]string{}
			for i, h := range recs[0] {
				m[h] = r[i]
			}
			out = append(out, m)
		}
		return out
	}
	num := func(s string) float64 {
		if s == "NA" {
			return nan
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	data := read("iData_raw.csv")
	cols := map[string][]float64{}
	for _, m := range read("iMeta.csv") {
		if m["Type"] != "Indicator" {
			continue
		}
		code, den := m["iCode"], m["Denominator"]
		for _, r := range data {
			v := num(r[code])
			if den != "NA" {
				v /= num(r[den])
			}
			cols[code] = append(cols[code], v)
		}
	}
	return cols
}

func TestTreatJRCOnASEM(t *testing.T) {
	cols := loadASEM(t)
	if len(cols) != len(asemExpect) {
		t.Fatalf("%d indicators, want %d", len(cols), len(asemExpect))
	}
	for _, e := range asemExpect {
		t.Run(e.code, func(t *testing.T) {
			x := cols[e.code]
			got := TreatJRC(x, 5, 2, 3.5)
			if got.Outcome != e.outcome || len(got.High) != e.high || len(got.Low) != e.low {
				t.Fatalf("outcome %v high %v low %v, want %v %d %d", got.Outcome, got.High, got.Low, e.outcome, e.high, e.low)
			}
			assertClose(t, "skew before", got.SkewBefore, e.skew0)
			assertClose(t, "kurt before", got.KurtBefore, e.kurt0)
			assertClose(t, "skew after", got.SkewAfter, e.skew)
			assertClose(t, "kurt after", got.KurtAfter, e.kurt)
			checkTreatment(t, x, got)
			if n := len(finiteValues(x)); n != e.n {
				t.Errorf("%d present values, want %d", n, e.n)
			}
		})
	}
}

// checkTreatment checks invariants of a treatment of x that hold whatever
// the data: missing entries are kept; winsorisation only moves the reported
// points, keeps the order of the values and stays within their range; a
// passing or undefined result is the input.
func checkTreatment(t *testing.T, x []float64, got Treatment) {
	t.Helper()
	if len(got.Values) != len(x) {
		t.Fatalf("len %d, want %d", len(got.Values), len(x))
	}
	moved := map[int]bool{}
	for _, i := range append(slices.Clone(got.High), got.Low...) {
		moved[i] = true
	}
	lo, hi := minMax(finiteValues(x))
	for i, v := range x {
		y := got.Values[i]
		if !finite(v) {
			if !(y == v || math.IsNaN(y) && math.IsNaN(v)) {
				t.Errorf("[%d] non-finite %v became %v", i, v, y)
			}
			continue
		}
		switch got.Outcome {
		case TreatUndefined, TreatPassed:
			if y != v {
				t.Errorf("[%d] %v changed to %v", i, v, y)
			}
		case TreatWinsorised:
			if !moved[i] && y != v {
				t.Errorf("[%d] unreported change %v → %v", i, v, y)
			}
			if moved[i] && y == v {
				t.Errorf("[%d] reported but unchanged", i)
			}
			if y < lo || y > hi {
				t.Errorf("[%d] %v outside [%v, %v]", i, y, lo, hi)
			}
		case TreatLog:
			assertClose(t, "log value", y, math.Log(v-lo+0.01*(hi-lo)))
		}
		for j, w := range x {
			if finite(w) && v < w && y > got.Values[j] {
				t.Errorf("order of [%d] and [%d] reversed", i, j)
			}
		}
	}
	if got.Outcome == TreatWinsorised && (math.Abs(got.SkewAfter) >= 2 && got.KurtAfter >= 3.5) {
		t.Errorf("winsorised values still fail: skew %v kurt %v", got.SkewAfter, got.KurtAfter)
	}
}

// FuzzTreatJRC checks the invariants of checkTreatment on arbitrary inputs.
func FuzzTreatJRC(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, 4.0, 100.0, 6.0, 7.0, uint8(5))
	f.Add(-100.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, uint8(1))
	f.Add(200.0, 6.0, 1.0, 1.0, 1.0, -30.0, math.NaN(), uint8(5))
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h float64, winmax uint8) {
		x := []float64{a, b, c, d, e, g, h}
		for _, v := range x {
			if math.Abs(v) > 1e100 {
				t.Skip() // Σd⁴ would overflow
			}
		}
		got := TreatJRC(x, int(winmax%8), 2, 3.5)
		checkTreatment(t, x, got)
	})
}
