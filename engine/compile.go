package engine

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"golang.org/x/text/width"

	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
)

// reserved are the names an expression gives a meaning of their own.
var reserved = map[string]bool{"prev": true, "subject": true, "assess": true, "period": true, "group": true}

// builtinAttrs are the subject attributes every dataset has.
var builtinAttrs = []string{"id", "name", "kind", "parent"}

// compiler holds the state of one Compile call.
type compiler struct {
	set    *indicators.Set
	schema Schema
	plan   *Plan
	cfg    *conf.Config

	metrics     map[string]bool // declared or in the data
	metricNames []string        // sorted, for suggestions
	attrs       map[string]bool
	attrNames   []string
	assess      map[string]bool
	metricPos   map[string]diag.Pos // declared metrics
	errs        diag.List
}

// Compile checks and compiles every expression of set — derived metrics,
// leaves, adjustment points and conditions — against the data described by
// schema. It reports every problem it finds at once, as a diag.List of
// positioned errors with the YAML source line and a caret under the column:
// unknown metrics, attributes and items (with a suggestion), syntax errors,
// unsupported constructs, type errors, and cycles among derived metrics.
func Compile(set *indicators.Set, schema Schema) (*Plan, error) {
	c := &compiler{
		set:       set,
		schema:    schema,
		plan:      &Plan{set: set, inputIdx: map[inputRef]int{}, derivedIdx: map[string]int{}},
		metrics:   map[string]bool{},
		attrs:     map[string]bool{},
		assess:    map[string]bool{},
		metricPos: map[string]diag.Pos{},
	}
	for _, m := range set.Metrics {
		c.metricPos[m.Name] = c.filePos(m.Pos)
		if reserved[m.Name] || funcs[m.Name].op != opNone {
			c.errs.Add(c.filePos(m.Pos), "metric name %q is reserved (it names a function or one of prev, subject, assess, period, group)", m.Name)
			continue
		}
		c.metrics[m.Name] = true
	}
	for _, m := range schema.Metrics {
		if !reserved[m] && funcs[m].op == opNone {
			c.metrics[m] = true
		}
	}
	for m := range c.metrics {
		c.metricNames = append(c.metricNames, m)
	}
	sort.Strings(c.metricNames)
	for _, a := range append(append([]string(nil), builtinAttrs...), schema.Attrs...) {
		if !c.attrs[a] {
			c.attrs[a] = true
			c.attrNames = append(c.attrNames, a)
		}
	}
	for _, a := range schema.Assess {
		c.assess[a] = true
	}
	c.cfg = c.checkerConfig()

	p := c.plan
	for _, m := range set.Metrics {
		if m.Expr == nil || !c.metrics[m.Name] {
			continue
		}
		p.derivedIdx[m.Name] = len(p.derived)
		p.derived = append(p.derived, c.compileExpr(m.Expr, fmt.Sprintf("metric %q", m.Name), m.Name, tNum))
	}
	for _, l := range set.Leaves {
		p.leaves = append(p.leaves, c.compileExpr(l.Expr, fmt.Sprintf("leaf %q", l.ID), l.ID, tNum))
	}
	p.points = make([]*program, len(set.Adjustments))
	p.when = make([]*program, len(set.Adjustments))
	for i, a := range set.Adjustments {
		if a.Points != nil {
			p.points[i] = c.compileExpr(a.Points, fmt.Sprintf("adjustment %q: points", a.ID), a.ID, tNum)
		}
		if a.When != nil {
			p.when[i] = c.compileExpr(a.When, fmt.Sprintf("adjustment %q: when", a.ID), a.ID, tBool)
		}
	}
	for _, nd := range set.Nodes {
		if nd.AppliesWhen == nil {
			continue
		}
		if p.applies == nil {
			p.applies = make([]*program, len(set.Nodes))
		}
		p.applies[nd.Index] = c.compileCond(nd.AppliesWhen, fmt.Sprintf("node %q: applies_when", nd.ID), nd.ID, "applies_when")
	}
	if set.RatedWhen != nil {
		p.ratedWhen = c.compileCond(set.RatedWhen, "rated_when", "rated_when", "rated_when")
	}
	c.checkCycles()
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	for _, progs := range [][]*program{p.derived, p.leaves, p.points, p.when, p.applies, {p.ratedWhen}} {
		for _, pr := range progs {
			if pr != nil {
				pr.code = generate(pr.root)
			}
		}
	}
	return p, nil
}

// checkerConfig is the typed environment and function table handed to
// expr-lang's parser and checker.
func (c *compiler) checkerConfig() *conf.Config {
	env := map[string]any{
		"prev":    map[string]float64{},
		"assess":  map[string]float64{},
		"subject": map[string]string{},
		"period":  "",
	}
	for m := range c.metrics {
		env[m] = 0.0
	}
	cfg := conf.CreateNew()
	declareFuncs(cfg)
	cfg.WithEnv(env)
	return cfg
}

func (c *compiler) isMetric(name string) bool { return c.metrics[name] }

// filePos fills in the file name of a position from the set when missing.
func (c *compiler) filePos(p diag.Pos) diag.Pos {
	if p.File == "" {
		p.File = c.set.File
	}
	return p
}

// compileCond compiles an applies_when or rated_when condition (key): a
// bool over subject.<attribute> and period only.
func (c *compiler) compileCond(e *indicators.Expr, label, id, key string) *program {
	return c.compile(e, label, id, tBool, key)
}

// compileExpr parses, checks and builds one expression; it returns nil
// after recording errors.
func (c *compiler) compileExpr(e *indicators.Expr, label, id string, want typ) *program {
	return c.compile(e, label, id, want, "")
}

// compile is compileExpr; a non-empty subjectOnly restricts the inputs to
// subject attributes and period, naming the key in the message.
func (c *compiler) compile(e *indicators.Expr, label, id string, want typ, subjectOnly string) *program {
	errAt := func(line, col int, msg diag.Text) {
		pos := c.filePos(e.At(line, col))
		c.errs.Add(pos, "%s: %s%s", label, msg, c.snippet(pos))
	}
	errFrom := func(from int, msg diag.Text) {
		line, col := lineCol(e.Text, from)
		errAt(line, col, msg)
	}
	if from, msg, ok := checkExprLimits(e.Text); !ok {
		errFrom(from, msg)
		return nil
	}
	tree, err := parser.ParseWithConfig(e.Text, c.cfg)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			errAt(fe.Line, fe.Column, diag.Textf("syntax error: %s", fe.Message))
		} else {
			errAt(1, 0, diag.Textf("syntax error: %s", err.Error()))
		}
		return nil
	}
	b := &builder{c: c, subjectOnly: subjectOnly}
	root := b.build(&tree.Node)
	if root != nil && root.typ == tNil {
		if want == tBool {
			b.nilInBool(root)
		} else {
			root = asNum(root)
		}
	}
	if len(b.nameErrs) > 0 {
		for _, pe := range b.nameErrs {
			errFrom(pe.from, pe.msg)
		}
		return nil
	}
	if fe := check(tree, c.cfg); fe != nil {
		errFrom(fe.From, diag.Textf("%s", fe.Message))
		return nil
	}
	if len(b.typeErrs) > 0 || root == nil {
		for _, pe := range b.typeErrs {
			errFrom(pe.from, pe.msg)
		}
		return nil
	}
	if root.typ != want {
		errAt(1, 0, diag.Textf("expression must produce a %s, got %s", want, root.typ))
		return nil
	}
	pos := c.filePos(e.Pos)
	return &program{label: label, id: id, pos: pos, text: e.Text, root: root, inputs: b.used}
}

// check runs expr-lang's type checker, turning a panic on odd input into
// an error at the start of the expression.
func check(tree *parser.Tree, cfg *conf.Config) (fe *file.Error) {
	defer func() {
		if r := recover(); r != nil {
			fe = &file.Error{Message: fmt.Sprintf("cannot type-check the expression (%v)", r)}
		}
	}()
	_, err := checker.Check(tree, cfg)
	if err == nil {
		return nil
	}
	if errors.As(err, &fe) {
		return fe
	}
	return &file.Error{Message: err.Error()}
}

// lineCol converts a rune offset of text to a 1-based line and a 0-based
// column counted in runes, as expr-lang's file.Error reports them.
func lineCol(text string, from int) (line, col int) {
	line = 1
	i := 0
	for _, r := range text {
		if i == from {
			break
		}
		if r == '\n' {
			line++
			col = 0
		} else {
			col++
		}
		i++
	}
	return line, col
}

// snippet returns the source line at pos and a caret under its column,
// each line prefixed with " | ", or "" when the source is not at hand.
// Wide (CJK) characters count as two columns so that the caret lines up in
// a terminal; tabs are kept. A line longer than 2·snippetContext
// characters is shown from snippetContext characters before the column to
// as many after it, the cuts marked "...".
func (c *compiler) snippet(pos diag.Pos) string {
	if pos.Line < 1 || len(c.set.Source) == 0 {
		return ""
	}
	src := c.set.Source
	for i := 1; i < pos.Line; i++ {
		nl := bytes.IndexByte(src, '\n')
		if nl < 0 {
			return ""
		}
		src = src[nl+1:]
	}
	if nl := bytes.IndexByte(src, '\n'); nl >= 0 {
		src = src[:nl]
	}
	if !utf8.Valid(src) {
		return ""
	}
	runes := []rune(strings.TrimRight(string(src), "\r"))
	at := max(pos.Col-1, 0) // rune index of the column
	var head, tail string
	if len(runes) > 2*snippetContext {
		lo, hi := max(at-snippetContext, 0), min(at+snippetContext, len(runes))
		if lo > 0 {
			head = "..."
		}
		if hi < len(runes) {
			tail = "..."
		}
		runes, at = runes[lo:hi], at-lo
	}
	var caret strings.Builder
	caret.WriteString(strings.Repeat(" ", len(head)))
	for i, r := range runes {
		if i >= at {
			break
		}
		switch {
		case r == '\t':
			caret.WriteByte('\t')
		case isWide(r):
			caret.WriteString("  ")
		default:
			caret.WriteByte(' ')
		}
	}
	return "\n | " + head + string(runes) + tail + "\n | " + caret.String() + "^"
}

// snippetContext is the number of characters a snippet shows on each side
// of the column of a long line.
const snippetContext = 60

func isWide(r rune) bool {
	k := width.LookupRune(r).Kind()
	return k == width.EastAsianWide || k == width.EastAsianFullwidth
}

// checkCycles reports every cycle among derived metrics (references in the
// same period, group statistics included: group.mean(b) in a needs b for
// every subject first; prev.<metric> reaches an earlier period and cannot
// loop).
func (c *compiler) checkCycles() {
	p := c.plan
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(p.derived))
	var stack []int
	reported := map[string]bool{}
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		stack = append(stack, i)
		if pr := p.derived[i]; pr != nil {
			for _, in := range pr.inputs {
				ref := p.inputs[in]
				j, ok := p.derivedIdx[ref.name]
				if !(ref.kind == inMetric || ref.kind == inGroup && !ref.prev) || !ok {
					continue
				}
				switch color[j] {
				case grey:
					var names []string
					start := 0
					for k, s := range stack {
						if s == j {
							start = k
						}
					}
					cyc := stack[start:]
					// Start the message at the cycle's first metric in file order.
					first := 0
					for k := range cyc {
						if cyc[k] < cyc[first] {
							first = k
						}
					}
					for k := range cyc {
						names = append(names, p.derived[cyc[(first+k)%len(cyc)]].id)
					}
					names = append(names, names[0])
					msg := strings.Join(names, " → ")
					if !reported[msg] {
						reported[msg] = true
						c.errs.Add(c.metricPos[p.derived[cyc[first]].id], "derived metrics form a cycle: %s", msg)
					}
				case white:
					visit(j)
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
	}
	for i := range p.derived {
		if color[i] == white {
			visit(i)
		}
	}
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// name (diag.Closest), or "".
func didYouMean(name string, candidates []string) string {
	return diag.DidYouMean(name, candidates, nil)
}
