package indicators

import (
	"strconv"

	"github.com/goccy/go-yaml/ast"

	"github.com/govscore/govscore/diag"
)

// This file holds the numeric keys of SPEC §4.4 step 5 and §4.6: the
// `target` normalisation, `to: [a, b]` on any method, and `numerics:`.

// Numerics is the set's arithmetic convention (`numerics:`, SPEC §4.6).
type Numerics string

// Arithmetic conventions.
const (
	// NumericsSpreadsheet rounds half away from zero on the 15-significant-
	// digit decimal representation, as a spreadsheet does (the default).
	NumericsSpreadsheet Numerics = "spreadsheet"
	// NumericsR reproduces R ≥ 4.0: round(x, d) on the binary value, and
	// R's two-pass mean for arithmetic aggregates with equal weights.
	NumericsR Numerics = "r"
)

// Target is the normalisation method whose best value is a point or a band
// (适度型 / 区间型 indicators, SPEC §4.4 step 5).
const Target NormMethod = "target"

// numerics reads the top-level `numerics:` (default spreadsheet).
func (r *reader) numerics(f *field) Numerics {
	if f == nil {
		return NumericsSpreadsheet
	}
	v, ok := r.enum(f, string(NumericsSpreadsheet), string(NumericsR))
	if !ok {
		return NumericsSpreadsheet
	}
	return Numerics(v)
}

// target reads `target:` of {method: target}: a number T (the band [T, T]),
// a band [A, B] with A ≤ B, or the word median.
func (r *reader) target(f *field, out *Normalize) {
	switch v := r.resolve(f.value).(type) {
	case *ast.StringNode:
		if v.Value == "median" {
			out.TargetMedian = true
			return
		}
		if _, err := strconv.ParseFloat(v.Value, 64); err != nil {
			r.errorf(f.valuePos(r), "normalize: target wants a number T, a band [A, B] or median, got %q", v.Value)
			return
		}
	case *ast.SequenceNode:
		if len(v.Values) != 2 {
			r.errorf(f.valuePos(r), "normalize: target band wants two numbers [A, B], got %d values", len(v.Values))
			return
		}
		a, ok1 := r.numberNode("target[0]", r.resolve(v.Values[0]), r.pos(v.Values[0]))
		b, ok2 := r.numberNode("target[1]", r.resolve(v.Values[1]), r.pos(v.Values[1]))
		if !ok1 || !ok2 {
			return
		}
		if a > b {
			r.errorf(f.valuePos(r), "normalize: target band [%g, %g] has A > B; write the lower end first, [%g, %g]", a, b, b, a)
			return
		}
		out.TargetLow, out.TargetHigh = a, b
		return
	}
	t, ok := r.numberNode("target", r.resolve(f.value), f.valuePos(r))
	if !ok {
		return
	}
	out.TargetLow, out.TargetHigh = t, t
}

// to reads `to: [a, b]` (a < b), the range that replaces the scale for a
// leaf's normalised values.
func (r *reader) to(f *field) *[2]float64 {
	nodes, ok := r.list(f)
	if !ok {
		return nil
	}
	if len(nodes) != 2 {
		r.errorf(f.valuePos(r), "normalize: to wants two numbers [a, b], got %d values", len(nodes))
		return nil
	}
	a, ok1 := r.numberNode("to[0]", r.resolve(nodes[0]), r.pos(nodes[0]))
	b, ok2 := r.numberNode("to[1]", r.resolve(nodes[1]), r.pos(nodes[1]))
	if !ok1 || !ok2 {
		return nil
	}
	if a >= b {
		r.errorf(f.valuePos(r), "normalize: to [%g, %g] needs a < b: it is the range [a, b] the leaf's values are put on (e.g. [0, 0.8])", a, b)
		return nil
	}
	return &[2]float64{a, b}
}

// checkTarget validates a leaf normalised by target once its transform and
// direction are known: the band must lie in the transform's domain, and an
// own `direction:` is ignored (a warning), since a target has no direction.
func (r *reader) checkTarget(n *Node, m *mapping, own map[string]*field) {
	if n.Normalize.Method != Target {
		return
	}
	if g := m.get("direction"); g != nil {
		r.warnf(g.keyPos, n.ID, "direction does not apply to normalize: target (the best value is the target; distances below and above both lower the value); remove it")
	}
	if n.Transform == TransformNone || n.Normalize.TargetMedian {
		return
	}
	f := own["normalize"]
	if f == nil {
		return
	}
	for _, b := range []float64{n.Normalize.TargetLow, n.Normalize.TargetHigh} {
		if !inDomain(n.Transform, b) {
			r.errorf(f.valuePos(r), "normalize: target %g is outside the domain of transform %s (%s); the target is transformed like the values",
				b, n.Transform, domainText(n.Transform))
			return
		}
	}
}

// checkTo warns that `to` moves only the zero policy's value of a zscore
// leaf: m + s·z involves no range.
func (r *reader) checkTo(n *Node, own map[string]*field) {
	if n.Normalize.To == nil || n.Normalize.Method != ZScore {
		return
	}
	at := diag.Pos{}
	if f := own["normalize"]; f != nil {
		at = f.valuePos(r)
	}
	r.warnf(at, n.ID, "normalize: to on zscore changes only the value of `missing: zero` (a); zscore values are mean + sd·z, so set mean and sd for their range")
}
