package indicators

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// Keys of a tree node, by kind of node.
var (
	commonKeys    = []string{"id", "name", "description", "weight", "applies_to", "applies_when", "round", "missing", "rank"}
	leafKeys      = []string{"expr", "direction", "normalize", "transform", "winsorize", "treat"}
	compositeKeys = []string{"children", "aggregate", "weighting"}
	nodeKeys      = append(append(append([]string{}, commonKeys...), leafKeys...), compositeKeys...)

	// defaultKeys are the leaf fields `defaults:` may give.
	defaultKeys = []string{"direction", "normalize", "transform", "winsorize", "treat", "missing", "weight", "round"}
)

// maxDepth bounds the nesting of the tree.
const maxDepth = 64

// leafSpec holds leaf settings read from a mapping (`defaults:` or a
// node), with the fields that were given, for positions and for telling
// "given" from "defaulted".
type leafSpec struct {
	node  Node
	given map[string]*field
}

// defaults reads the `defaults:` mapping.
func (r *reader) defaults(s *Set, f *field) *leafSpec {
	d := &leafSpec{given: map[string]*field{}}
	if f == nil {
		return d
	}
	m := r.mapping(f.raw, "defaults", f.keyPos)
	if m == nil {
		return d
	}
	for _, k := range defaultKeys {
		if g := m.get(k); g != nil {
			if r.leafField(s, &d.node, g) {
				d.given[k] = g
			}
		}
	}
	if g := m.get("expr"); g != nil {
		r.errorf(g.keyPos, "defaults: expr cannot be defaulted; each leaf has its own expression")
	}
	r.unknown(m, defaultKeys)
	return d
}

// leafField reads one leaf setting into n. It reports whether the value was
// valid.
func (r *reader) leafField(s *Set, n *Node, f *field) bool {
	before := r.errs.Len()
	switch f.key {
	case "direction":
		if v, ok := r.enum(f, "higher", "lower"); ok {
			n.Direction = Higher
			if v == "lower" {
				n.Direction = Lower
			}
		}
	case "normalize":
		n.Normalize = r.normalize(f)
	case "transform":
		if v, ok := r.enum(f, "log", "log1p", "sqrt", "none"); ok {
			n.Transform = Transform(v)
			if v == "none" {
				n.Transform = TransformNone
			}
		}
	case "winsorize":
		n.Winsorize = r.winsorize(f)
	case "missing":
		n.Missing = r.missing(f)
	case "weight":
		n.Weight = r.weight(f)
	case "round":
		n.Round = r.round(f)
	case "treat":
		n.Treat = r.treat(f)
	default:
		return false
	}
	return r.errs.Len() == before
}

// weight reads a weight, which must be > 0.
func (r *reader) weight(f *field) float64 {
	v, ok := r.number(f)
	if !ok {
		return 1
	}
	if v <= 0 {
		r.errorf(f.valuePos(r), "weight must be > 0, got %g; remove the node or give it a positive relative weight", v)
		return 1
	}
	return v
}

// round reads a number of digits, ≥ 0.
func (r *reader) round(f *field) int {
	v, ok := r.integer(f)
	if !ok {
		return -1
	}
	if v < 0 {
		r.errorf(f.valuePos(r), "round: want a number of decimal digits ≥ 0, got %d", v)
		return -1
	}
	return v
}

// aggregateChoices are the aggregation methods a composite may name.
var aggregateChoices = []string{string(Arithmetic), string(Geometric), string(TOPSIS), string(GRA)}

// aggregate reads a composite's `aggregate:` into n.
func (r *reader) aggregate(n *Node, f *field) {
	if v, ok := r.enum(f, aggregateChoices...); ok {
		n.Aggregate = Aggregate(v)
	}
}

// checkGeometric warns about a geometric mean (read from f, n's children
// read) over children whose values can reach 0 or below: a child at its
// lower bound would make the node missing.
func (r *reader) checkGeometric(s *Set, n *Node, f *field) {
	if f == nil || n.Aggregate != Geometric || len(n.Children) == 0 {
		return
	}
	lo := lowerBound(s, n) // a geometric composite's: its least child's
	if lo > 0 {
		return
	}
	r.warnf(f.valuePos(r), n.ID, "geometric aggregate over a scale starting at %g: geometric means need positive values, so a child at %g makes the node missing; use a scale with lo > 0 or the arithmetic aggregate", lo, lo)
}

// lowerBound is the least value node n can take: a leaf's lower end of
// its range (its `to:`, else the set's scale), an arithmetic or geometric
// composite's least child bound (a weighted mean stays within its
// children's), any other composite's the set's scale.
func lowerBound(s *Set, n *Node) float64 {
	if len(n.Children) == 0 {
		lo, _ := n.Normalize.Range(s.Scale)
		return lo
	}
	if n.Aggregate != Arithmetic && n.Aggregate != Geometric {
		return s.Scale[0]
	}
	lo := math.Inf(1)
	for _, c := range n.Children {
		lo = min(lo, lowerBound(s, c))
	}
	return lo
}

// normMethods lists the normalisation methods with the keys each takes.
var normMethods = map[NormMethod][]string{
	MinMax:   {"method"},
	ZScore:   {"method", "mean", "sd"},
	Goalpost: {"method", "low", "high"},
	Rank:     {"method"},
	NormNone: {"method", "clip"},
	Target:   {"method", "target"},
}

// normChoices are the normalisation method names in documentation order.
var normChoices = []string{"minmax", "zscore", "goalpost", "rank", "none", "target"}

// normalize reads `normalize:`: a method name or a mapping with `method:`.
func (r *reader) normalize(f *field) Normalize {
	out := Normalize{Method: MinMax}
	if _, isMap := f.value.(*ast.MappingNode); !isMap {
		v, ok := r.enum(f, normChoices...)
		if !ok {
			return out
		}
		out.Method = NormMethod(v)
		switch out.Method {
		case Goalpost:
			r.errorf(f.valuePos(r), "normalize: goalpost needs its bounds; write {method: goalpost, low: L, high: H}")
		case Target:
			r.errorf(f.valuePos(r), "normalize: target needs its best value; write {method: target, target: T}, {method: target, target: [A, B]} or {method: target, target: median}")
		case ZScore:
			out.Mean, out.SD = 50, 10
		}
		return out
	}
	m := r.mapping(f.raw, "normalize", f.keyPos)
	if m == nil {
		return out
	}
	allKeys := []string{"method", "low", "high", "mean", "sd", "clip", "target", "to"}
	if !r.require(m, "method") {
		for _, g := range m.fields {
			if contains(allKeys, g.key) {
				g.used = true
			}
		}
		r.unknown(m, allKeys)
		return out
	}
	mf := m.get("method")
	v, ok := r.enum(mf, normChoices...)
	if !ok {
		for _, g := range m.fields {
			g.used = true
		}
		return out
	}
	out.Method = NormMethod(v)
	allowed := append(slices.Clone(normMethods[out.Method]), "to")
	for _, g := range m.fields {
		if g.used || contains(allowed, g.key) {
			continue
		}
		for _, meth := range normChoices {
			if contains(normMethods[NormMethod(meth)], g.key) {
				r.errorf(g.keyPos, "normalize: %q does not apply to method %s (it belongs to %s)", g.key, out.Method, meth)
				g.used = true
				break
			}
		}
	}
	switch out.Method {
	case ZScore:
		out.Mean, out.SD = 50, 10
		if g := m.get("mean"); g != nil {
			out.Mean, _ = r.number(g)
		}
		if g := m.get("sd"); g != nil {
			if sd, ok := r.number(g); ok {
				if sd <= 0 {
					r.errorf(g.valuePos(r), "normalize: zscore sd must be > 0, got %g", sd)
				}
				out.SD = sd
			}
		}
	case Goalpost:
		lo, hi := m.get("low"), m.get("high")
		if !r.require(m, "low", "high") {
			break
		}
		l, ok1 := r.number(lo)
		h, ok2 := r.number(hi)
		if ok1 && ok2 && l >= h {
			r.errorf(hi.valuePos(r), "normalize: goalpost low must be < high (got low %g, high %g); for a lower-is-better indicator keep low < high and set direction: lower", l, h)
		}
		out.Low, out.High = l, h
	case NormNone:
		if g := m.get("clip"); g != nil {
			out.Clip, _ = r.boolean(g)
		}
	case Target:
		if r.require(m, "target") {
			r.target(m.get("target"), &out)
		}
	}
	if g := m.get("to"); g != nil {
		out.To = r.to(g)
	}
	r.unknown(m, allowed)
	return out
}

// winsorize reads `winsorize: {lower: q1, upper: q2}` (defaults 0 and 1) or
// `winsorize: none`.
func (r *reader) winsorize(f *field) *Winsorize {
	if s, ok := f.value.(*ast.StringNode); ok && s.Value == "none" {
		return nil
	}
	m := r.mapping(f.raw, "winsorize", f.keyPos)
	if m == nil {
		return nil
	}
	w := &Winsorize{Lower: 0, Upper: 1}
	ok := true
	for _, k := range []string{"lower", "upper"} {
		g := m.get(k)
		if g == nil {
			continue
		}
		v, good := r.number(g)
		if !good {
			ok = false
			continue
		}
		if v < 0 || v > 1 {
			r.errorf(g.valuePos(r), "winsorize: %s is a quantile and must be in [0, 1], got %g", k, v)
			ok = false
		}
		if k == "lower" {
			w.Lower = v
		} else {
			w.Upper = v
		}
	}
	if len(m.fields) == 0 {
		r.errorf(m.pos, "winsorize: give lower and/or upper quantiles, e.g. {lower: 0.05, upper: 0.95}")
	}
	if ok && w.Lower >= w.Upper {
		r.errorf(m.pos, "winsorize: lower (%g) must be < upper (%g)", w.Lower, w.Upper)
	}
	r.unknown(m, []string{"lower", "upper"})
	return w
}

// missing reads a missing-data policy: a word or {impute: M, by: ATTR}.
func (r *reader) missing(f *field) Missing {
	out := Missing{Policy: Exclude}
	if _, isMap := f.value.(*ast.MappingNode); !isMap {
		if v, ok := r.enum(f, "exclude", "zero", "mean", "median", "min", "fail"); ok {
			out.Policy = MissingPolicy(v)
		}
		return out
	}
	m := r.mapping(f.raw, "missing", f.keyPos)
	if m == nil {
		return out
	}
	r.require(m, "impute")
	if g := m.get("impute"); g != nil {
		if v, ok := r.enum(g, "mean", "median", "min"); ok {
			out.Policy = MissingPolicy(v)
		}
	}
	if g := m.get("by"); g != nil {
		if v, ok := r.str(g); ok {
			if strings.TrimSpace(v) == "" {
				r.errorf(g.valuePos(r), "missing: by must name a subject attribute (e.g. region)")
			}
			out.By = v
		}
	}
	r.unknown(m, []string{"impute", "by"})
	return out
}

// children reads a list of tree nodes (`tree:` or `children:`).
func (r *reader) children(s *Set, parent *Node, f *field, defs *leafSpec, ids map[string]diag.Pos) []*Node {
	items, ok := r.list(f)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		r.errorf(f.valuePos(r), "%s: the list is empty; give at least one node", f.key)
		return nil
	}
	if r.depth >= maxDepth {
		r.errorf(f.valuePos(r), "%s: the tree is nested more than %d levels deep", f.key, maxDepth)
		return nil
	}
	r.depth++
	defer func() { r.depth-- }()
	out := make([]*Node, 0, len(items))
	for _, it := range items {
		if n := r.node(s, it, f.keyPos, defs, ids); n != nil {
			out = append(out, n)
		}
	}
	return out
}

// node reads one tree node.
func (r *reader) node(s *Set, raw ast.Node, at diag.Pos, defs *leafSpec, ids map[string]diag.Pos) *Node {
	m := r.mapping(raw, "tree node", at)
	if m == nil {
		return nil
	}
	n := &Node{Weight: 1, Round: -1, Missing: Missing{Policy: Exclude}, Pos: m.pos, LeafIndex: -1}
	r.require(m, "id")
	if f := m.get("id"); f != nil {
		if id, ok := r.str(f); ok {
			n.ID = id
			r.checkID(id, f, ids)
		}
	}
	if n.ID != "" {
		m.what = fmt.Sprintf("node %q", n.ID)
	}
	n.Name = n.ID
	if f := m.get("name"); f != nil {
		if v, ok := r.text(f); ok && v != "" {
			n.Name = v
		}
	}
	if f := m.get("description"); f != nil {
		n.Description, _ = r.text(f)
	}
	if f := m.get("applies_to"); f != nil {
		n.AppliesTo = r.appliesTo(s, n, f)
	}
	if f := m.get("applies_when"); f != nil {
		n.AppliesWhen, _ = r.expr(f)
	}
	if f := m.get("rank"); f != nil {
		r.nodeRank(n, f)
	}

	isLeaf, isComp := m.has("expr"), m.has("children")
	switch {
	case isLeaf && isComp:
		r.errorf(m.get("children").keyPos, "%s has both expr and children: a leaf has expr, a composite has children; move the expression into a child node or remove it", m.what)
	case !isLeaf && !isComp:
		r.errorf(m.pos, "%s has neither expr nor children: give a leaf its expr or a composite its children", m.what)
	}
	wrong := func(keys []string, want, is string) {
		for _, k := range keys {
			if g := m.get(k); g != nil {
				r.errorf(g.keyPos, "%q is a %s field, but %s is a %s; remove it", k, want, m.what, is)
			}
		}
	}
	if isLeaf || !isComp {
		r.leaf(s, n, m, defs)
		if isComp {
			m.get("children") // reported above
		}
		if isLeaf && !isComp {
			wrong(compositeKeys, "composite", "leaf (it has expr)")
		}
	} else {
		r.composite(s, n, m, defs, ids)
		wrong(leafKeys, "leaf", "composite (it has children)")
	}
	r.unknown(m, nodeKeys)
	return n
}

// checkID validates a node or adjustment id and records it in ids.
func (r *reader) checkID(id string, f *field, ids map[string]diag.Pos) {
	if !dataset.IsIdentifier(id) {
		r.errorf(f.valuePos(r), "id %q is not an identifier; use letters, digits and '_', not starting with a digit (e.g. dispute_rate)", id)
		return
	}
	if prev, dup := ids[id]; dup {
		r.errorf(f.valuePos(r), "duplicate id %q (first used at line %d); ids must be unique in the set", id, prev.Line)
		return
	}
	ids[id] = f.valuePos(r)
}

// appliesTo reads an applies_to list, checking every kind against kinds.
func (r *reader) appliesTo(s *Set, n *Node, f *field) []string {
	if seq, isList := f.value.(*ast.SequenceNode); isList && len(seq.Values) == 0 {
		r.errorf(f.valuePos(r), "applies_to: the list is empty, so it would apply to no subject; remove applies_to to apply to every kind")
		return nil
	}
	items, _ := r.strList(f)
	out := make([]string, 0, len(items))
	var kept []item
	for _, it := range items {
		if !contains(s.Kinds, it.s) {
			if sg := suggest(it.s, s.Kinds); sg != "" {
				r.errorf(it.pos, "applies_to: unknown kind %q (did you mean %q?); kinds are: %s", it.s, sg, quoteList(s.Kinds))
			} else {
				r.errorf(it.pos, "applies_to: unknown kind %q; kinds are: %s", it.s, quoteList(s.Kinds))
			}
			continue
		}
		out = append(out, it.s)
		kept = append(kept, it)
	}
	if n != nil {
		r.kindItems[n] = kept
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// leaf reads a leaf's fields and applies the defaults.
func (r *reader) leaf(s *Set, n *Node, m *mapping, defs *leafSpec) {
	if f := m.get("expr"); f != nil {
		n.Expr, _ = r.expr(f)
	}
	n.Normalize = Normalize{Method: MinMax}
	own := map[string]*field{}
	for _, k := range defaultKeys {
		if f := m.get(k); f != nil {
			own[k] = f
			r.leafField(s, n, f)
		}
	}
	for k, f := range defs.given {
		if _, ok := own[k]; ok {
			continue
		}
		own[k] = f
		d := &defs.node
		switch k {
		case "direction":
			n.Direction = d.Direction
		case "normalize":
			n.Normalize = d.Normalize
		case "transform":
			n.Transform = d.Transform
		case "winsorize":
			if d.Winsorize != nil {
				w := *d.Winsorize
				n.Winsorize = &w
			}
		case "missing":
			n.Missing = d.Missing
		case "weight":
			n.Weight = d.Weight
		case "round":
			n.Round = d.Round
		case "treat":
			if d.Treat != nil {
				t := *d.Treat
				n.Treat = &t
			}
		}
	}
	if n.Winsorize != nil && n.Treat != nil {
		at := own["treat"].keyPos
		if f := m.get("treat"); f == nil {
			at = m.pos
		}
		r.errorf(at, "%s has both winsorize and treat; use one outlier treatment (write winsorize: none or treat: none to drop a default)", m.what)
	}
	r.checkTarget(n, m, own)
	r.checkTo(n, own)
	// A goalpost's bounds go through the transform too (SPEC §4.4): they
	// must lie in its domain.
	if n.Normalize.Method == Goalpost && n.Transform != TransformNone {
		if f := own["normalize"]; f != nil {
			for _, b := range []struct {
				name string
				v    float64
			}{{"low", n.Normalize.Low}, {"high", n.Normalize.High}} {
				if !inDomain(n.Transform, b.v) {
					r.errorf(f.valuePos(r), "normalize: goalpost %s %g is outside the domain of transform %s (%s); the bounds are transformed like the values",
						b.name, b.v, n.Transform, domainText(n.Transform))
				}
			}
		}
	}
}

// inDomain reports whether the transform is defined at x.
func inDomain(t Transform, x float64) bool {
	switch t {
	case TransformLog:
		return x > 0
	case TransformLog1p:
		return x > -1
	case TransformSqrt:
		return x >= 0
	}
	return true
}

// domainText describes a transform's domain.
func domainText(t Transform) string {
	switch t {
	case TransformLog:
		return "needs x > 0"
	case TransformLog1p:
		return "needs x > -1"
	case TransformSqrt:
		return "needs x ≥ 0"
	}
	return ""
}

// composite reads a composite's fields and its children.
func (r *reader) composite(s *Set, n *Node, m *mapping, defs *leafSpec, ids map[string]diag.Pos) {
	n.Aggregate = Arithmetic
	if f := m.get("id"); f != nil && resultColumns[n.ID] {
		r.errorf(f.valuePos(r), "composite id %q would clash with the results.csv column of that name; rename it", n.ID)
	}
	for _, k := range []string{"weight", "round", "missing"} {
		if f := m.get(k); f != nil {
			r.leafField(s, n, f)
		}
	}
	agg := m.get("aggregate")
	if agg != nil {
		r.aggregate(n, agg)
	}
	if f := m.get("children"); f != nil {
		n.Children = r.children(s, n, f, defs, ids)
	}
	r.checkGeometric(s, n, agg)
	if f := m.get("weighting"); f != nil {
		n.Weighting = r.weighting(f, len(n.Children))
	}
}
