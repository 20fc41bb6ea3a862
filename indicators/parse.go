package indicators

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// topKeys are the keys allowed at the top level of an indicator set.
var topKeys = []string{
	"govscore", "id", "name", "version", "period", "kinds", "roles", "peer_groups", "scale", "numerics",
	"min_coverage", "defaults", "metrics", "tree", "aggregate", "round", "clamp_total",
	"adjustments", "grades", "ranking", "assessments", "uncertainty", "rated_when", "display", "timezone",
	"data",
}

// ParseFile reads and parses the indicator set at path (see Parse). A file
// that cannot be read yields the *fs.PathError, wrapped, rather than a
// diag.List, so that callers can tell I/O failures from invalid input.
func ParseFile(path string) (*Set, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading indicator set: %w", err)
	}
	return Parse(path, src)
}

// Parse parses and validates the indicator set in src; filename is used in
// positions only. On failure the error is a diag.List holding every problem
// found, sorted by position, and the Set is nil. A UTF-8 byte order mark is
// ignored. src is kept verbatim in Set.Source.
func Parse(filename string, src []byte) (*Set, error) {
	s, err := ParsePartial(filename, src)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ParsePartial is Parse that also returns, next to the errors, the set as far
// as it could be read (nil only when the YAML itself does not parse). Such a
// set is incomplete — a node with an error may be missing or half-filled —
// and is meant for diagnostics only: compiling its expressions against the
// data reports their problems in the same run as the YAML's, so that a user
// sees every problem at once. Never score a set that came with an error.
func ParsePartial(filename string, src []byte) (*Set, error) {
	r := &reader{file: filename, anchors: map[string][]anchor{}, kindItems: map[*Node][]item{}}
	s := &Set{File: filename, Source: src, Pos: diag.Pos{File: filename, Line: 1, Col: 1}}

	body := bytes.TrimPrefix(src, []byte("\ufeff"))
	if e := CheckNesting(filename, body); e != nil {
		return nil, diag.List{e}
	}
	f, err := parseYAML(body)
	if err != nil {
		r.syntaxError(err, body)
		return nil, r.errs.Err()
	}
	var top ast.Node
	if len(f.Docs) > 0 {
		top = f.Docs[0].Body
	}
	for _, d := range f.Docs[min(1, len(f.Docs)):] {
		if d.Body == nil {
			continue
		}
		at := r.pos(d.Body)
		if d.Start != nil {
			at = r.tokPos(d.Start)
		}
		r.errorf(at, "a second YAML document: an indicator set is one document; remove the \"---\" separator and merge or split the files")
		break
	}
	r.collectAnchors(top)
	r.set(s, top)
	s.Warnings = diag.SortWarnings(r.warnings)
	if err := r.errs.Err(); err != nil {
		return s, err
	}
	return s, nil
}

// parseYAML runs the goccy/go-yaml parser, turning a panic inside it into a
// syntax error so that no input crashes the caller.
func parseYAML(src []byte) (f *ast.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("cannot parse YAML: %v", p)
		}
	}()
	// Duplicate keys are reported by the reader, together with every other
	// problem, rather than as the parser's single error.
	return parser.ParseBytes(src, 0, parser.AllowDuplicateMapKey())
}

// syntaxError records a YAML syntax error at its token; src is the parsed
// text, from which the error's line is read for syntaxHints.
func (r *reader) syntaxError(err error, src []byte) {
	var te interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &te) {
		at := r.tokPos(te.GetToken())
		r.errorf(at, "YAML syntax error: %s%s", te.GetMessage(), syntaxHints(src, at.Line))
		return
	}
	r.errorf(diag.Pos{File: r.file, Line: 1, Col: 1}, "YAML syntax error: %v", err)
}

// syntaxHints returns, for a syntax error on line (from 1) of src, a hint
// for each character on that line that YAML does not take in place of an
// ASCII one — a full-width colon U+FF1A, a full-width space U+3000 (both
// typed by Chinese input methods), a tab in the indentation — each as
// "; <what> on this line: <what to type>", or "" when there is none.
func syntaxHints(src []byte, line int) string {
	text := src
	for i := 1; i < line; i++ {
		nl := bytes.IndexByte(text, '\n')
		if nl < 0 {
			return ""
		}
		text = text[nl+1:]
	}
	if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
		text = text[:nl]
	}
	var b strings.Builder
	if bytes.ContainsRune(text, '\uFF1A') {
		b.WriteString(`; full-width colon "：" (U+FF1A) on this line: YAML needs an ASCII colon ":"`)
	}
	if bytes.ContainsRune(text, '\u3000') {
		b.WriteString(`; full-width space (U+3000) on this line: YAML needs ASCII spaces " " to indent and to separate`)
	}
	if indent := text[:len(text)-len(bytes.TrimLeft(text, " \t"))]; bytes.IndexByte(indent, '\t') >= 0 {
		b.WriteString(`; tab (U+0009) in the indentation of this line: YAML indents with spaces only`)
	}
	return b.String()
}

// set reads the top-level mapping into s.
func (r *reader) set(s *Set, top ast.Node) {
	var m *mapping
	if top == nil {
		m = &mapping{pos: s.Pos, what: "indicator set", index: map[string]*field{}}
	} else if m = r.mapping(top, "indicator set", s.Pos); m == nil {
		return
	}
	r.require(m, "govscore", "id", "kinds", "tree")

	if f := m.get("govscore"); f != nil {
		if v, ok := r.integer(f); ok && v != FormatVersion {
			r.errorf(f.valuePos(r), "govscore: unsupported format version %d; this release reads version %d", v, FormatVersion)
		}
	}
	if f := m.get("id"); f != nil {
		if v, ok := r.str(f); ok {
			if !isSetID(v) {
				r.errorf(f.valuePos(r), "id: %q is not a valid set id; use lower-case letters, digits and '-' (e.g. \"im-municipal-2024\")", v)
			}
			s.ID = v
		}
	}
	if f := m.get("name"); f != nil {
		s.Name, _ = r.text(f)
	}
	if f := m.get("version"); f != nil {
		s.Version, _ = r.text(f)
	}
	if f := m.get("period"); f != nil {
		text, ok := r.text(f)
		if ok {
			p, err := dataset.ParsePeriod(text)
			if err != nil {
				r.errorf(f.valuePos(r), "period: %v", err)
			} else {
				s.Period = p.String()
			}
		}
	}
	s.Kinds, s.KindNames = r.kinds(m.get("kinds"))
	s.Roles, s.RoleNames = r.roleNames(m.get("roles"))
	s.PeerGroups = []string{"kind"}
	if f := m.get("peer_groups"); f != nil {
		s.PeerGroups = []string{}
		items, _ := r.strList(f)
		for _, it := range items {
			s.PeerGroups = append(s.PeerGroups, it.s)
		}
	}
	s.Scale = [2]float64{0, 100}
	if f := m.get("scale"); f != nil {
		s.Scale = r.scale(f)
	}
	if f := m.get("min_coverage"); f != nil {
		if v, ok := r.number(f); ok {
			if v < 0 || v > 1 {
				r.errorf(f.valuePos(r), "min_coverage: %g is outside [0, 1]; it is the share of applicable leaves a subject needs (e.g. 0.8)", v)
			}
			s.MinCoverage = v
		}
	}
	if f := m.get("clamp_total"); f != nil {
		s.ClampTotal, _ = r.boolean(f)
	}
	if f := m.get("rated_when"); f != nil {
		s.RatedWhen, _ = r.expr(f)
	}
	s.Metrics = r.metrics(m.get("metrics"))
	defs := r.defaults(s, m.get("defaults"))

	s.Root = &Node{Weight: 1, Round: -1, Index: -1, LeafIndex: -1, Aggregate: Arithmetic,
		Missing: Missing{Policy: Exclude}, Pos: m.pos}
	agg := m.get("aggregate")
	if agg != nil {
		r.aggregate(s.Root, agg)
	}
	if f := m.get("round"); f != nil {
		s.Root.Round = r.round(f)
	}
	ids := map[string]diag.Pos{}
	if f := m.get("tree"); f != nil {
		s.Root.Children = r.children(s, s.Root, f, defs, ids)
	}
	r.checkGeometric(s, s.Root, agg)
	r.index(s)

	s.Grades = r.grades(m.get("grades"))
	s.Adjustments = r.adjustments(s, m.get("adjustments"), ids)
	r.checkRankColumns(s, ids)
	s.Ranking = r.ranking(m.get("ranking"))
	s.Display = r.display(m.get("display"))
	s.TimeZone = r.timezone(m.get("timezone"))
	r.advanced(s, m)
	r.checkRoleNames(s)
	s.Numerics = r.numerics(m.get("numerics"))
	s.Data = r.dataMap(m.get("data"))
	r.unknown(m, topKeys)
}

// kinds reads the required `kinds:` list.
func (r *reader) kinds(f *field) ([]string, map[string]string) {
	if f == nil {
		return nil, nil
	}
	if _, ok := f.value.(*ast.MappingNode); ok {
		ids, names, _ := r.namedIDs(f)
		if len(ids) == 0 {
			r.errorf(f.valuePos(r), "kinds: the mapping is empty; name the kinds of subjects evaluated (e.g. {gov_department: 政府部门})")
		}
		return ids, names
	}
	items, ok := r.strList(f)
	if ok && len(items) == 0 {
		r.errorf(f.valuePos(r), "kinds: the list is empty; name the kinds of subjects evaluated (e.g. [party_org, gov_department])")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.s)
	}
	return out, nil
}

// roleNames reads the optional top-level `roles:`: the rater roles with
// their display names, `{public: 群众, superior: 上级}`, or a list of ids.
func (r *reader) roleNames(f *field) ([]string, map[string]string) {
	if f == nil {
		return nil, nil
	}
	r.roleKeys = map[string]diag.Pos{}
	if _, ok := f.value.(*ast.MappingNode); ok {
		ids, names, pos := r.namedIDs(f)
		r.roleKeys = pos
		return ids, names
	}
	items, _ := r.strList(f)
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.s)
		r.roleKeys[it.s] = it.pos
	}
	return out, nil
}

// checkRoleNames reports a role of the top-level `roles:` that no
// assessment item weighs: a typo would otherwise leave a role without its
// name silently.
func (r *reader) checkRoleNames(s *Set) {
	var known []string
	for _, it := range s.Assessments {
		for _, rw := range it.Roles {
			if !contains(known, rw.Role) {
				known = append(known, rw.Role)
			}
		}
	}
	for _, id := range s.Roles {
		if contains(known, id) {
			continue
		}
		pos := r.roleKeys[id]
		sg := suggest(id, known)
		switch {
		case len(known) == 0:
			r.errorf(pos, "roles: %q: the set has no assessment item with roles; name roles only for the items' roles", id)
		case sg != "":
			r.errorf(pos, "roles: %q is a role of no assessment item (did you mean %q?); the roles are: %s", id, sg, quoteList(known))
		default:
			r.errorf(pos, "roles: %q is a role of no assessment item; the roles are: %s", id, quoteList(known))
		}
	}
}

// namedIDs reads a mapping of ids to display names, `{id: 名称}`, in file
// order: every name a non-empty string. pos holds each id's position.
func (r *reader) namedIDs(f *field) (ids []string, names map[string]string, pos map[string]diag.Pos) {
	m := r.mapping(f.raw, f.key, f.keyPos)
	if m == nil {
		return nil, nil, nil
	}
	ids = make([]string, 0, len(m.fields))
	names = make(map[string]string, len(m.fields))
	pos = make(map[string]diag.Pos, len(m.fields))
	for _, g := range m.fields {
		g.used = true
		pos[g.key] = g.keyPos
		if strings.TrimSpace(g.key) == "" {
			r.errorf(g.keyPos, "%s: empty id", f.key)
			continue
		}
		name, ok := r.text(g)
		if !ok {
			continue
		}
		if strings.TrimSpace(name) == "" {
			r.errorf(g.valuePos(r), "%s: %q: want a display name (%s: {%s: 名称}), got nothing", f.key, g.key, f.key, g.key)
			continue
		}
		ids = append(ids, g.key)
		names[g.key] = name
	}
	return ids, names, pos
}

// scale reads `scale: [lo, hi]`.
func (r *reader) scale(f *field) [2]float64 {
	def := [2]float64{0, 100}
	nodes, ok := r.list(f)
	if !ok {
		return def
	}
	if len(nodes) != 2 {
		r.errorf(f.valuePos(r), "scale: want two numbers [lo, hi], got %d values", len(nodes))
		return def
	}
	lo, ok1 := r.numberNode("scale[0]", r.resolve(nodes[0]), r.pos(nodes[0]))
	hi, ok2 := r.numberNode("scale[1]", r.resolve(nodes[1]), r.pos(nodes[1]))
	if !ok1 || !ok2 {
		return def
	}
	if lo >= hi {
		r.errorf(f.valuePos(r), "scale: lo %g must be < hi %g (e.g. [0, 100])", lo, hi)
		return def
	}
	return [2]float64{lo, hi}
}

// metricKeys are the keys of a metric declaration.
var metricKeys = []string{"name", "unit", "min", "max", "expr", "provider"}

// metrics reads the `metrics:` declarations in file order.
func (r *reader) metrics(f *field) []*Metric {
	if f == nil {
		return nil
	}
	m := r.mapping(f.raw, "metrics", f.keyPos)
	if m == nil {
		return nil
	}
	var out []*Metric
	for _, mf := range m.fields {
		mf.used = true
		mt := &Metric{Name: mf.key, Pos: mf.keyPos}
		switch {
		case !dataset.IsIdentifier(mf.key):
			r.errorf(mf.keyPos, "metric name %q is not an identifier; use letters, digits and '_', not starting with a digit", mf.key)
		case reservedNames[mf.key]:
			r.errorf(mf.keyPos, "metric name %q is reserved in expressions; choose another name", mf.key)
		}
		out = append(out, mt)
		if mf.value == nil {
			continue // a bare declaration
		}
		dm := r.mapping(mf.raw, fmt.Sprintf("metric %q", mf.key), mf.keyPos)
		if dm == nil {
			continue
		}
		if g := dm.get("name"); g != nil {
			mt.Title, _ = r.text(g)
		}
		if g := dm.get("unit"); g != nil {
			mt.Unit, _ = r.text(g)
		}
		if g := dm.get("min"); g != nil {
			if v, ok := r.number(g); ok {
				mt.Min = &v
			}
		}
		if g := dm.get("max"); g != nil {
			if v, ok := r.number(g); ok {
				mt.Max = &v
			}
		}
		if mt.Min != nil && mt.Max != nil && *mt.Min > *mt.Max {
			r.errorf(dm.get("max").valuePos(r), "metric %q: max %g is below min %g", mt.Name, *mt.Max, *mt.Min)
		}
		if g := dm.get("expr"); g != nil {
			mt.Expr, _ = r.expr(g)
		}
		if g := dm.get("provider"); g != nil {
			mt.Provider, _ = r.text(g)
			if mt.Expr != nil {
				r.errorf(g.valuePos(r), "metric %q: a derived metric (expr) is computed, not submitted; remove provider", mt.Name)
			}
		}
		r.unknown(dm, metricKeys)
	}
	return out
}

// index fills Parent, Depth, Index and LeafIndex, Set.Nodes and Set.Leaves,
// and adds the applies_to and aggregate warnings.
func (r *reader) index(s *Set) {
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		for _, c := range n.Children {
			c.Parent = n
			c.Depth = depth
			c.Index = len(s.Nodes)
			c.LeafIndex = -1
			s.Nodes = append(s.Nodes, c)
			if c.IsLeaf() {
				c.LeafIndex = len(s.Leaves)
				s.Leaves = append(s.Leaves, c)
			}
			walk(c, depth+1)
		}
	}
	s.Root.Depth, s.Root.Index, s.Root.LeafIndex = 0, -1, -1
	walk(s.Root, 1)
	for _, n := range s.Nodes {
		for _, it := range r.kindItems[n] {
			for a := n.Parent; a != nil; a = a.Parent {
				if a.AppliesTo != nil && !contains(a.AppliesTo, it.s) {
					r.warnf(it.pos, n.ID, "applies_to names kind %q, but ancestor %q excludes it: the node never applies to %s subjects",
						it.s, a.ID, it.s)
					break
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// quoteList formats names for messages: "a", "b", "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
