package synth

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// metricKind is the shape of a synthetic metric's values.
type metricKind uint8

const (
	count metricKind = iota // integers 50..1000
	rate                    // 0.050..0.990, three decimals
	score                   // 30.0..100.0, one decimal
)

// leaf is one generated leaf indicator.
type leaf struct {
	expr      string
	normalize string // YAML flow value of `normalize:`
	transform string
	winsorize bool
	lower     bool
	missing   string // YAML flow value of `missing:`, "" = default (exclude)
	weight    int
	appliesTo []string
}

// design is the structure of a synthetic indicator set: its metrics, leaves
// and dimensions. It depends only on the number of leaves and the seed.
type design struct {
	metrics []metricKind // metric j is named metricName(j)
	leaves  []leaf
	dims    []int // dims[k] = weight of dimension k
	dimOf   []int // dimOf[i] = dimension of leaf i
}

// Extra data columns used by the adjustments.
var adjustmentMetrics = []string{"awards", "complaints", "accidents"}

func metricName(j int) string { return "m" + pad(j+1, 3) }

// pad writes n in decimal with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// newDesign draws the structure of a set with m leaves.
func newDesign(m int, seed uint64) *design {
	rng := rand.New(rand.NewPCG(seed, 0x5e7))
	nm := max(6, m)
	d := &design{metrics: make([]metricKind, nm), leaves: make([]leaf, m), dimOf: make([]int, m)}
	for j := range d.metrics {
		d.metrics[j] = metricKind(j % 3)
	}
	nd := max(1, (m+2)/5)
	d.dims = make([]int, nd)
	for k := range d.dims {
		d.dims[k] = 1 + rng.IntN(4)
	}
	// pick draws a metric of a kind (indices kind, kind+3, kind+6, …).
	pick := func(kind metricKind) int {
		n := (nm - int(kind) + 2) / 3
		return int(kind) + 3*rng.IntN(n)
	}
	// pick2 draws two different metrics of a kind (there are at least two
	// of each, as nm ≥ 6).
	pick2 := func(kind metricKind) (string, string) {
		a := pick(kind)
		b := pick(kind)
		for b == a {
			b = pick(kind)
		}
		return metricName(a), metricName(b)
	}
	for i := range d.leaves {
		d.dimOf[i] = i * nd / m
		l := leaf{weight: 1 + rng.IntN(3), normalize: "minmax"}
		switch nargs := 1 + rng.IntN(3); {
		case i == 0:
			l.expr = "share" // the derived metric
		case nargs == 1:
			switch kind := metricKind(rng.IntN(3)); kind {
			case count:
				l.expr = metricName(pick(count))
				l.transform = "log1p"
				l.winsorize = rng.IntN(2) == 0
				if rng.IntN(2) == 0 {
					l.normalize = "rank"
				}
			case rate:
				l.expr = metricName(pick(rate))
				if rng.IntN(2) == 0 {
					l.normalize = "{method: goalpost, low: 0.2, high: 0.95}"
				}
			case score:
				l.expr = metricName(pick(score))
				if rng.IntN(2) == 0 {
					l.normalize = "{method: none, clip: true}"
				} else {
					l.normalize = "{method: zscore, mean: 70, sd: 10}"
				}
			}
		case nargs == 2:
			a, b := pick2(count)
			l.expr = "ratio(" + a + ", " + b + ")"
			l.normalize = [...]string{"minmax", "zscore", "rank"}[rng.IntN(3)]
		default:
			a, b := pick2(score)
			l.expr = "(" + a + " + " + b + ") / 2 + (" + metricName(pick(rate)) + " ?? 0) * 10"
			l.normalize = [...]string{"minmax", "rank"}[rng.IntN(2)]
		}
		if !strings.HasPrefix(l.normalize, "{method: none") && rng.IntN(4) == 0 {
			l.lower = true
		}
		switch r := rng.IntN(20); {
		case r < 12:
		case r < 15:
			l.missing = "mean"
		case r < 17:
			l.missing = "{impute: median, by: region}"
		case r < 19:
			l.missing = "zero"
		default:
			l.missing = "min"
		}
		if i > 0 && rng.IntN(10) == 0 {
			first := rng.IntN(len(Kinds))
			l.appliesTo = []string{Kinds[first], Kinds[(first+1+rng.IntN(len(Kinds)-1))%len(Kinds)]}
		}
		d.leaves[i] = l
	}
	return d
}

// writeYAML writes the indicator set. Averaging many loosely correlated
// leaves pulls scores towards the middle of the scale (with 50 leaves,
// roughly 46–61 from the 5th to the 95th percentile), so the grade
// thresholds sit there, with quotas that bind: about a quarter of the
// subjects reach A's minimum, and only 10% may hold it.
func (d *design) writeYAML(w *bufio.Writer, cfg Config) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Synthetic indicator set written by govscore's synth package (seed %d).\n", cfg.Seed)
	p("# Its data are random: it exists to exercise and benchmark the engine.\n")
	p("govscore: 1\nid: synthetic-%d\nname: Synthetic evaluation (%d indicators)\nversion: \"1\"\n", cfg.Seed, len(d.leaves))
	p("period: %q\n", cfg.Period)
	p("kinds: [%s]\npeer_groups: [kind]\nscale: [0, 100]\nmin_coverage: 0.5\nround: 2\n", strings.Join(Kinds, ", "))
	p("defaults:\n  normalize: minmax\n  missing: exclude\n")
	p("metrics:\n")
	for j, k := range d.metrics {
		switch k {
		case count:
			p("  %s: {name: Count %d, unit: items, min: 0}\n", metricName(j), j+1)
		case rate:
			p("  %s: {name: Rate %d, unit: \"%%\", min: 0, max: 1}\n", metricName(j), j+1)
		case score:
			p("  %s: {name: Score %d, unit: points, min: 0, max: 100}\n", metricName(j), j+1)
		}
	}
	for _, m := range adjustmentMetrics {
		p("  %s: {min: 0}\n", m)
	}
	p("  share: {name: Derived share, expr: \"ratio(%s, %s)\"}\n", metricName(0), metricName(3))
	p("tree:\n")
	for k, wgt := range d.dims {
		p("  - id: dim%s\n    name: Dimension %d\n    weight: %d\n    round: 2\n    children:\n", pad(k+1, 2), k+1, wgt)
		for i, l := range d.leaves {
			if d.dimOf[i] != k {
				continue
			}
			p("      - id: ind%s\n        name: Indicator %d\n        expr: %q\n", pad(i+1, 3), i+1, l.expr)
			if l.normalize != "minmax" {
				p("        normalize: %s\n", l.normalize)
			}
			if l.lower {
				p("        direction: lower\n")
			}
			if l.transform != "" {
				p("        transform: %s\n", l.transform)
			}
			if l.winsorize {
				p("        winsorize: {lower: 0.01, upper: 0.99}\n")
			}
			if l.missing != "" {
				p("        missing: %s\n", l.missing)
			}
			if l.weight != 1 {
				p("        weight: %d\n", l.weight)
			}
			if l.appliesTo != nil {
				p("        applies_to: [%s]\n", strings.Join(l.appliesTo, ", "))
			}
		}
	}
	p(`adjustments:
  - id: award_bonus
    points: "(awards ?? 0) * 1.5"
    max: 3
  - id: complaint_deduction
    points: "-2 * (complaints ?? 0)"
    min: -4
  - id: accident_veto
    when: "(accidents ?? 0) > 0"
    cap_grade: D
    applies_to: [gov_department, autonomous_org]
grades:
  - {name: A, min: 57, max_share: 0.1}
  - {name: B, min: 52, max_share: 0.4}
  - {name: C, min: 45}
  - {name: D}
ranking: {method: competition, order: desc, digits: 4}
`)
	return nil
}
