package indicators

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// This file holds the generic walk over goccy/go-yaml's AST: typed scalar
// reads that report "want X, got Y" at the value, mappings with duplicate
// and unknown-key detection, and aliases, anchors, tags and merge keys.

// reader walks one YAML file's AST and collects errors and warnings.
type reader struct {
	file     string
	errs     diag.List
	warnings []diag.Warning
	anchors  map[string][]anchor
	depth    int // tree nesting depth, guards against self-referencing aliases
	work     int // mappings read so far, guards against alias blow-up

	// kindItems keeps each node's applies_to entries with their positions,
	// for the "never applies" warnings.
	kindItems map[*Node][]item
	// rankFields keeps the `rank:` field of each node with rank: true, for
	// checkRankColumns.
	rankFields map[*Node]*field
	// roleKeys are the positions of the ids of the top-level `roles:`.
	roleKeys map[string]diag.Pos
}

// maxWork bounds the number of mappings one file may expand to (aliases can
// make a short file expand exponentially).
const maxWork = 100000

// errorf records an error at pos.
func (r *reader) errorf(pos diag.Pos, format string, args ...any) {
	r.errs.Add(pos, format, args...)
}

// warnf records a warning at pos about node id.
func (r *reader) warnf(pos diag.Pos, id, format string, args ...any) {
	r.warnings = append(r.warnings, diag.Warning{Pos: pos, Node: id, Msg: fmt.Sprintf(format, args...)})
}

// tokPos converts a token position to a diag.Pos. goccy/go-yaml counts
// columns in runes, 1-based, as diag.Pos does.
func (r *reader) tokPos(tk *token.Token) diag.Pos {
	if tk == nil || tk.Position == nil {
		return diag.Pos{File: r.file, Line: 1, Col: 1}
	}
	p := diag.Pos{File: r.file, Line: tk.Position.Line, Col: tk.Position.Column}
	if p.Line < 1 {
		p.Line = 1
	}
	if p.Col < 1 {
		p.Col = 1
	}
	return p
}

// pos is the position a person would point at for node n: the first key of
// a block mapping (whose own token is its first ':'), the token otherwise.
func (r *reader) pos(n ast.Node) diag.Pos {
	switch v := n.(type) {
	case nil:
		return diag.Pos{File: r.file, Line: 1, Col: 1}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return r.pos(v.Values[0])
		}
	case *ast.MappingValueNode:
		return r.pos(v.Key)
	case *ast.LiteralNode:
		return r.tokPos(v.Start)
	}
	return r.tokPos(n.GetToken())
}

// collectAnchors records every anchor of the document with its position,
// so that an alias can refer to an anchor in any part of the file read
// before or after it (the reader does not visit keys in file order).
func (r *reader) collectAnchors(n ast.Node) {
	if n == nil {
		return
	}
	ast.Walk(anchorVisitor{r}, n)
}

type anchorVisitor struct{ r *reader }

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Value != nil {
		if name, ok := a.Name.(*ast.StringNode); ok {
			v.r.anchors[name.Value] = append(v.r.anchors[name.Value], anchor{pos: v.r.tokPos(a.Start), value: a.Value})
		}
	}
	return v
}

// anchor is a YAML anchor (&name) and the node it names.
type anchor struct {
	pos   diag.Pos
	value ast.Node
}

// resolve strips anchors, tags and aliases from n. An alias names the
// closest anchor of that name before it; an alias with none is an error and
// yields nil.
func (r *reader) resolve(n ast.Node) ast.Node {
	for i := 0; i < 64; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.MappingKeyNode:
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if s, ok := v.Value.(*ast.StringNode); ok {
				name = s.Value
			}
			at := r.tokPos(v.Start)
			var target ast.Node
			for _, a := range r.anchors[name] {
				if a.pos.Less(at) {
					target = a.value
				}
			}
			if target == nil {
				r.errorf(at, "unknown alias *%s: define the anchor &%s before using it", name, name)
				return nil
			}
			n = target
		default:
			return n
		}
		if n == nil {
			return nil
		}
	}
	r.errorf(r.pos(n), "alias chain too deep")
	return nil
}

// describe names the YAML type of n for "want X, got Y" messages.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "null (an empty value)"
	case *ast.StringNode:
		return fmt.Sprintf("string %q", clip(v.Value))
	case *ast.LiteralNode:
		return "a block string"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "number " + n.GetToken().Value
	case *ast.BoolNode:
		return "boolean " + n.GetToken().Value
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return "a " + strings.ToLower(n.Type().String())
}

// clip shortens long values quoted in messages.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:37]) + "..."
	}
	return s
}

// field is one key: value entry of a mapping.
type field struct {
	key    string
	keyPos diag.Pos
	value  ast.Node // resolved (no anchors, aliases or tags); nil for null
	raw    ast.Node // as written, for positions
	used   bool
	merged bool // came from a merge key (<<)
}

// pos is the position of the field's value (its key when the value is
// empty).
func (f *field) valuePos(r *reader) diag.Pos {
	if f.raw == nil {
		return f.keyPos
	}
	if _, ok := f.raw.(*ast.NullNode); ok {
		return f.keyPos
	}
	return r.pos(f.raw)
}

// mapping is a YAML mapping read into fields, in file order.
type mapping struct {
	pos    diag.Pos
	what   string // "node \"x\"", "top level", ... for messages
	fields []*field
	index  map[string]*field
}

// mapping reads n as a mapping, reporting duplicate and non-string keys.
// what names the mapping in messages. It returns nil (after reporting) when
// n is not a mapping.
func (r *reader) mapping(n ast.Node, what string, at diag.Pos) *mapping {
	rn := r.resolve(n)
	mn, ok := rn.(*ast.MappingNode)
	if !ok {
		if rn != nil {
			at = r.pos(n)
		}
		r.errorf(at, "%s: want a mapping (key: value lines), got %s", what, describe(rn))
		return nil
	}
	r.work++
	if r.work == maxWork {
		r.errorf(r.pos(mn), "the file expands to more than %d mappings (aliases?); simplify it", maxWork)
	}
	if r.work >= maxWork {
		return nil
	}
	m := &mapping{pos: r.pos(mn), what: what, index: map[string]*field{}}
	r.addEntries(m, mn, false, 0)
	return m
}

// addEntries adds the entries of mn to m. Entries coming from a merge key
// (merged) never override explicit ones and are not duplicates.
func (r *reader) addEntries(m *mapping, mn *ast.MappingNode, merged bool, depth int) {
	for _, mv := range mn.Values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			if depth > 8 {
				r.errorf(r.pos(mv), "merge keys nested too deeply")
				continue
			}
			src := r.resolve(mv.Value)
			switch s := src.(type) {
			case *ast.MappingNode:
				r.addEntries(m, s, true, depth+1)
			case *ast.SequenceNode:
				for _, e := range s.Values {
					if em, ok := r.resolve(e).(*ast.MappingNode); ok {
						r.addEntries(m, em, true, depth+1)
					} else {
						r.errorf(r.pos(e), "merge key <<: want a mapping or an alias of one, got %s", describe(r.resolve(e)))
					}
				}
			default:
				r.errorf(r.pos(mv), "merge key <<: want a mapping or an alias of one, got %s", describe(src))
			}
			continue
		}
		kn := r.resolve(mv.Key)
		var key string
		switch k := kn.(type) {
		case *ast.StringNode:
			key = k.Value
		case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode:
			key = k.GetToken().Value
		default:
			r.errorf(r.pos(mv), "%s: keys must be plain strings, got %s", m.what, describe(kn))
			continue
		}
		f := &field{key: key, keyPos: r.pos(mv.Key), raw: mv.Value, value: r.resolve(mv.Value)}
		if _, ok := f.value.(*ast.NullNode); ok {
			f.value = nil
		}
		if prev, dup := m.index[key]; dup {
			switch {
			case merged:
				// An explicit key, or an earlier merge, wins over a merge.
			case prev.merged:
				*prev = *f // an explicit key overrides a merged one
			default:
				r.errorf(f.keyPos, "duplicate key %q (first at line %d); remove one of them", key, prev.keyPos.Line)
			}
			continue
		}
		f.merged = merged
		m.index[key] = f
		m.fields = append(m.fields, f)
	}
}

// get returns the field for key, marking it used, or nil.
func (m *mapping) get(key string) *field {
	if m == nil {
		return nil
	}
	f := m.index[key]
	if f != nil {
		f.used = true
	}
	return f
}

// has reports whether key is present, without marking it used.
func (m *mapping) has(key string) bool {
	if m == nil {
		return false
	}
	_, ok := m.index[key]
	return ok
}

// unknown reports every field not taken with get as an unknown key,
// suggesting the closest of allowed.
func (r *reader) unknown(m *mapping, allowed []string) {
	if m == nil {
		return
	}
	for _, f := range m.fields {
		if f.used {
			continue
		}
		if s := suggest(f.key, allowed); s != "" {
			r.errorf(f.keyPos, "unknown key %q in %s (did you mean %q?)", f.key, m.what, s)
		} else {
			r.errorf(f.keyPos, "unknown key %q in %s; valid keys: %s", f.key, m.what, strings.Join(allowed, ", "))
		}
	}
}

// require reports the keys that m lacks.
func (r *reader) require(m *mapping, keys ...string) bool {
	ok := true
	for _, k := range keys {
		if !m.has(k) {
			r.errorf(m.pos, "%s: missing required key %q", m.what, k)
			ok = false
		}
	}
	return ok
}

// text reads a free-text value (name, description, unit): any scalar is
// taken as written; null is "".
func (r *reader) text(f *field) (string, bool) {
	switch v := f.value.(type) {
	case nil:
		return "", true
	case *ast.StringNode:
		return v.Value, r.noControl(f, v.Value, "\n\t")
	case *ast.LiteralNode:
		return v.Value.Value, r.noControl(f, v.Value.Value, "\n\t")
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	r.errorf(f.valuePos(r), "%s: want a string, got %s", f.key, describe(f.value))
	return "", false
}

// str reads a string value (an identifier, an enum word).
func (r *reader) str(f *field) (string, bool) {
	switch v := f.value.(type) {
	case *ast.StringNode:
		return v.Value, r.noControl(f, v.Value, "")
	case *ast.LiteralNode:
		s := strings.TrimSpace(v.Value.Value)
		return s, r.noControl(f, s, "")
	}
	r.errorf(f.valuePos(r), "%s: want a string, got %s", f.key, describe(f.value))
	return "", false
}

// noControl records an error when the string value of f holds a control
// character other than the allowed ones (a NUL or an ESC written as "\0"
// or "\e" in a double-quoted YAML string would reach terminals, outputs
// and PostgreSQL), and reports whether there was none.
func (r *reader) noControl(f *field, s, allowed string) bool {
	if _, what, bad := dataset.ControlChar(s, allowed); bad {
		r.errorf(f.valuePos(r), "%s: %s: names and texts must not hold control characters; delete it", f.key, what)
		return false
	}
	return true
}

// scalarNumber converts a number node. Unquoted strings that read as a
// decimal number (goccy/go-yaml leaves "1e3" a string) count as numbers.
func scalarNumber(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		case int:
			return float64(x), true
		}
		f, err := strconv.ParseFloat(v.Token.Value, 64)
		return f, err == nil
	case *ast.FloatNode:
		return v.Value, true
	case *ast.InfinityNode:
		return v.Value, true
	case *ast.NanNode:
		return math.NaN(), true
	case *ast.StringNode:
		if v.Token == nil || v.Token.Type != token.StringType {
			return 0, false
		}
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// number reads a finite number.
func (r *reader) number(f *field) (float64, bool) {
	return r.numberNode(f.key, f.value, f.valuePos(r))
}

// numberNode reads a finite number from n; what names it in messages.
func (r *reader) numberNode(what string, n ast.Node, at diag.Pos) (float64, bool) {
	if x, ok := scalarNumber(n); ok {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			r.errorf(at, "%s: want a finite number, got %s", what, describe(n))
			return 0, false
		}
		return x, true
	}
	r.errorf(at, "%s: want a number, got %s", what, describe(n))
	return 0, false
}

// integer reads an integer (a number with no fractional part).
func (r *reader) integer(f *field) (int, bool) {
	x, ok := scalarNumber(f.value)
	if !ok {
		r.errorf(f.valuePos(r), "%s: want an integer, got %s", f.key, describe(f.value))
		return 0, false
	}
	if x != math.Trunc(x) || math.Abs(x) > 1<<31 {
		r.errorf(f.valuePos(r), "%s: want an integer, got %s", f.key, describe(f.value))
		return 0, false
	}
	return int(x), true
}

// boolean reads true or false.
func (r *reader) boolean(f *field) (bool, bool) {
	if b, ok := f.value.(*ast.BoolNode); ok {
		return b.Value, true
	}
	r.errorf(f.valuePos(r), "%s: want true or false, got %s", f.key, describe(f.value))
	return false, false
}

// list reads a sequence; its items are returned as written (unresolved).
func (r *reader) list(f *field) ([]ast.Node, bool) {
	if s, ok := f.value.(*ast.SequenceNode); ok {
		return s.Values, true
	}
	r.errorf(f.valuePos(r), "%s: want a list ([a, b] or \"- item\" lines), got %s", f.key, describe(f.value))
	return nil, false
}

// item is one string of a string list, with its position.
type item struct {
	s   string
	pos diag.Pos
}

// strList reads a list of non-empty strings, reporting duplicates.
func (r *reader) strList(f *field) ([]item, bool) {
	nodes, ok := r.list(f)
	if !ok {
		return nil, false
	}
	out := make([]item, 0, len(nodes))
	seen := map[string]bool{}
	for i, n := range nodes {
		rn := r.resolve(n)
		s, isStr := rn.(*ast.StringNode)
		if !isStr {
			r.errorf(r.pos(n), "%s[%d]: want a string, got %s", f.key, i, describe(rn))
			ok = false
			continue
		}
		if strings.TrimSpace(s.Value) == "" {
			r.errorf(r.pos(n), "%s[%d]: empty string", f.key, i)
			ok = false
			continue
		}
		if _, what, bad := dataset.ControlChar(s.Value, ""); bad {
			r.errorf(r.pos(n), "%s[%d]: %s: names must not hold control characters; delete it", f.key, i, what)
			ok = false
			continue
		}
		if seen[s.Value] {
			r.errorf(r.pos(n), "%s: %q is listed twice", f.key, s.Value)
			ok = false
			continue
		}
		seen[s.Value] = true
		out = append(out, item{s: s.Value, pos: r.pos(n)})
	}
	return out, ok
}

// enum reads a string that must be one of choices.
func (r *reader) enum(f *field, choices ...string) (string, bool) {
	s, ok := r.str(f)
	if !ok {
		return "", false
	}
	return r.oneOf(f.key, s, f.valuePos(r), choices)
}

// oneOf checks that s is one of choices.
func (r *reader) oneOf(what, s string, at diag.Pos, choices []string) (string, bool) {
	for _, c := range choices {
		if s == c {
			return s, true
		}
	}
	if sg := suggest(s, choices); sg != "" {
		r.errorf(at, "%s: unknown value %q (did you mean %q?)", what, s, sg)
	} else {
		r.errorf(at, "%s: unknown value %q; want one of %s", what, s, strings.Join(choices, ", "))
	}
	return "", false
}
