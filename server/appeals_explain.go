package server

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/store/postgres"
)

// disputeExplanation is how the disputed number was built, shown with an
// appeal: the subject's result in the disputed batch, the leaves that read
// the number, and by kind the metric's versions (admin only: they name the
// submitting accounts), the item's combined score with its role means (a
// role mean only where it rests on at least min_raters ratings; never a
// rater or a single rating), or the adjustment's definition, result and
// the current values of the metrics it reads.
type disputeExplanation struct {
	Kind        string          `json:"kind"`
	Target      string          `json:"target"`
	Name        string          `json:"name"`
	Current     *float64        `json:"current"`
	Batch       int64           `json:"batch"`
	Score       *float64        `json:"score"`
	Rank        int             `json:"rank,omitempty"`
	Grade       string          `json:"grade,omitempty"`
	Leaves      []explainNode   `json:"leaves"`
	Versions    []versionJSON   `json:"versions,omitempty"`
	Rating      *ratingJSON     `json:"rating,omitempty"`
	Adjustment  *adjustmentJSON `json:"adjustment,omitempty"`
	GradeReason string          `json:"grade_reason,omitempty"`
}

// versionJSON is one version of a metric cell.
type versionJSON struct {
	Version int64    `json:"version"`
	Value   *float64 `json:"value"`
	By      string   `json:"by"`
	File    string   `json:"file"`
	At      string   `json:"at"`
}

// ratingJSON is an item's combined score for one subject, with what it
// rests on per role.
type ratingJSON struct {
	Combined *float64   `json:"combined"`
	SE       *float64   `json:"se"`
	Roles    []roleJSON `json:"roles"`
	// Ratings are the single ratings (opaque rater ids), for the admin
	// only: what an accepted appeal may withdraw.
	Ratings []raterJSON `json:"ratings,omitempty"`
}

// raterJSON is one current rating of the item and subject.
type raterJSON struct {
	Rater string  `json:"rater"`
	Role  string  `json:"role"`
	Score float64 `json:"score"`
}

// roleJSON is one role of a combined rating: its weight, how many ratings
// it has and, only when they are at least min_raters, their (trimmed) mean.
type roleJSON struct {
	Role      string   `json:"role"`
	Weight    float64  `json:"weight"`
	Ratings   int      `json:"ratings"`
	MinRaters int      `json:"min_raters"`
	Mean      *float64 `json:"mean"`
}

// adjustmentJSON is an adjustment's definition and its result for the
// subject in the disputed batch.
type adjustmentJSON struct {
	Points   string      `json:"points,omitempty"`
	When     string      `json:"when,omitempty"`
	Min      *float64    `json:"min,omitempty"`
	Max      *float64    `json:"max,omitempty"`
	CapGrade string      `json:"cap_grade,omitempty"`
	Held     bool        `json:"held"`
	Result   float64     `json:"result_points"`
	Capped   bool        `json:"capped"`
	Inputs   []inputJSON `json:"inputs"`
}

// inputJSON is a metric an adjustment reads and its current value.
type inputJSON struct {
	Metric string   `json:"metric"`
	Value  *float64 `json:"value"`
}

// readsOf lists the metric names (and assess.<item>) an expression text
// reads, sorted, as expr-lang's parser (the engine's) sees them: its
// identifiers that are not functions, `prev.m` as m, `assess.<item>`;
// subject attributes, period, group statistics' names and the text of
// string literals are not metrics. A text that does not parse reads
// nothing (a stored set's expressions compiled).
func readsOf(text string) []string {
	tree, err := parser.Parse(text)
	if err != nil {
		return nil
	}
	var out []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	v := &identVisitor{notRead: map[ast.Node]bool{}}
	ast.Walk(&tree.Node, v)
	for _, m := range v.members {
		switch base := m.Node.(*ast.IdentifierNode); base.Value {
		case "prev":
			add(m.Property.(*ast.StringNode).Value)
		case "assess":
			add("assess." + m.Property.(*ast.StringNode).Value)
		}
	}
	for _, id := range v.idents {
		if !v.notRead[id] && id.Value != "period" {
			add(id.Value)
		}
	}
	slices.Sort(out)
	return out
}

// identVisitor gathers the identifiers of an expression tree, the member
// accesses on a bare name (prev.m, assess.x, subject.a, group.mean) and the
// identifiers that are not read as values: called functions and the bases
// of those member accesses.
type identVisitor struct {
	idents  []*ast.IdentifierNode
	members []*ast.MemberNode
	notRead map[ast.Node]bool
}

// Visit implements ast.Visitor.
func (v *identVisitor) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		v.idents = append(v.idents, x)
	case *ast.CallNode:
		v.notRead[x.Callee] = true
	case *ast.MemberNode:
		base, ok := x.Node.(*ast.IdentifierNode)
		if _, prop := x.Property.(*ast.StringNode); ok && prop {
			v.notRead[base] = true
			v.members = append(v.members, x)
		}
	}
}

// exprMetrics lists the names the set's expressions read that are not
// declared derived metrics, functions or subject attributes: the metrics
// the data must hold.
func exprMetrics(set *indicators.Set) []string {
	derived := map[string]bool{}
	for _, m := range set.Metrics {
		if m.Expr != nil {
			derived[m.Name] = true
		}
	}
	var out []string
	add := func(e *indicators.Expr) {
		if e == nil {
			return
		}
		for _, id := range readsOf(e.Text) {
			if derived[id] || slices.Contains(out, id) {
				continue
			}
			out = append(out, id)
		}
	}
	for _, n := range set.Leaves {
		add(n.Expr)
	}
	for _, m := range set.Metrics {
		add(m.Expr)
	}
	for _, a := range set.Adjustments {
		add(a.Points)
		add(a.When)
	}
	slices.Sort(out)
	return out
}

// expands returns name and the derived metrics that read it, directly or
// through others.
func expands(set *indicators.Set, name string) []string {
	reads := map[string][]string{}
	for _, m := range set.Metrics {
		if m.Expr != nil {
			reads[m.Name] = readsOf(m.Expr.Text)
		}
	}
	names := []string{name}
	for changed := true; changed; {
		changed = false
		for _, m := range set.Metrics {
			if m.Expr == nil || slices.Contains(names, m.Name) {
				continue
			}
			for _, id := range reads[m.Name] {
				if slices.Contains(names, id) {
					names = append(names, m.Name)
					changed = true
					break
				}
			}
		}
	}
	return names
}

// adjustmentMetrics lists the collected metrics an adjustment reads
// (through derived metrics too).
func adjustmentMetrics(set *indicators.Set, a *indicators.Adjustment) []string {
	var reads []string
	add := func(e *indicators.Expr) {
		if e == nil {
			return
		}
		for _, id := range readsOf(e.Text) {
			if !slices.Contains(reads, id) {
				reads = append(reads, id)
			}
		}
	}
	add(a.Points)
	add(a.When)
	for i := 0; i < len(reads); i++ { // reads grows by what its derived metrics read
		if m := metricDecl(set, reads[i]); m != nil {
			add(m.Expr)
		}
	}
	var out []string
	for _, m := range collectedMetrics(set) {
		if slices.Contains(reads, m) {
			out = append(out, m)
		}
	}
	return out
}

// collectedMetrics lists the set's collected metrics: declared without
// an expression, or read without a declaration.
func collectedMetrics(set *indicators.Set) []string {
	var out []string
	for _, m := range set.Metrics {
		if m.Expr == nil {
			out = append(out, m.Name)
		}
	}
	for _, m := range exprMetrics(set) {
		if metricDecl(set, m) == nil && !slices.Contains(out, m) && !strings.HasPrefix(m, "assess.") {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// explainDispute builds the explanation of appeal a's disputed number.
func (s *Server) explainDispute(ctx context.Context, a *postgres.Appeal, admin bool) (*disputeExplanation, error) {
	set, err := s.batchSet(ctx, a.Batch)
	if err != nil {
		return nil, err
	}
	ex := &disputeExplanation{Kind: a.Kind, Target: a.Target, Name: a.Target, Batch: a.Batch, Leaves: []explainNode{}}
	e, err := s.explain(ctx, postgres.BatchInfo{ID: a.Batch, Period: a.Period}, a.Subject)
	if err != nil {
		return nil, err
	}
	ex.Score, ex.Rank, ex.Grade = e.Score, e.Rank, e.Grade
	// The leaves that read the disputed number.
	var names []string
	switch a.Kind {
	case "metric":
		names = expands(set, a.Target)
		if m := metricDecl(set, a.Target); m != nil && m.Title != "" {
			ex.Name = m.Title
		}
	case "rating":
		names = expands(set, "assess."+a.Target)
		if it := setItem(set, a.Target); it != nil {
			ex.Name = it.Name
		}
	}
	leafReads := map[string][]string{}
	for _, n := range set.Leaves {
		leafReads[n.ID] = readsOf(exprText(n))
	}
	for _, n := range e.Nodes {
		if !n.Leaf {
			continue
		}
		for _, name := range names {
			if slices.Contains(leafReads[n.ID], name) {
				ex.Leaves = append(ex.Leaves, n)
				break
			}
		}
	}
	switch a.Kind {
	case "metric":
		if ex.Current, err = s.currentValue(ctx, a.Period, a.Subject, a.Target); err != nil {
			return nil, err
		}
		if admin {
			h, err := s.db.History(ctx, a.Period, a.Subject, a.Target)
			if err != nil {
				return nil, err
			}
			for _, v := range h {
				vj := versionJSON{Version: v.ID, By: v.By, File: v.File, At: v.At.UTC().Format("2006-01-02 15:04:05 UTC")}
				if v.Value.Valid {
					x := v.Value.Float64
					vj.Value = &x
				}
				ex.Versions = append(ex.Versions, vj)
			}
		}
	case "rating":
		if ex.Rating, err = s.ratingExplanation(ctx, set, a.Period, a.Subject, a.Target, admin); err != nil {
			return nil, err
		}
		ex.Current = ex.Rating.Combined
	case "adjustment":
		adj, ok := findAdjustment(set, a.Target)
		if !ok {
			return ex, nil
		}
		if adj.Name != "" {
			ex.Name = adj.Name
		}
		aj := &adjustmentJSON{Points: exprOf(adj.Points), When: exprOf(adj.When), Min: adj.Min, Max: adj.Max, CapGrade: adj.CapGrade, Inputs: []inputJSON{}}
		if r, err := s.adjustmentResult(ctx, a.Batch, a.Subject, adj.ID); err == nil {
			aj.Held, aj.Result, aj.Capped = r.Held, r.Points, r.Capped
			ex.GradeReason = r.gradeReason
		}
		for _, m := range adjustmentMetrics(set, adj) {
			v, err := s.currentValue(ctx, a.Period, a.Subject, m)
			if err != nil {
				return nil, err
			}
			aj.Inputs = append(aj.Inputs, inputJSON{Metric: m, Value: v})
		}
		ex.Adjustment = aj
		ex.Current = numPtr(aj.Result)
	}
	return ex, nil
}

func exprOf(e *indicators.Expr) string {
	if e == nil {
		return ""
	}
	return e.Text
}

// periodRatings are the current ratings of period (the data of record
// a run reads), in submission order.
func (s *Server) periodRatings(ctx context.Context, period string) ([]assess.Rating, error) {
	vs, err := s.db.CurrentRatings(ctx, period)
	if err != nil {
		return nil, err
	}
	out := make([]assess.Rating, 0, len(vs))
	for _, v := range vs {
		if v.Score.Valid {
			out = append(out, assess.Rating{Item: v.Item, Subject: v.Subject, Rater: v.Rater, Role: v.Role, Score: v.Score.Float64})
		}
	}
	return out, nil
}

// ratingExplanation combines the period's ratings of item (as a batch
// does) and returns subject's combined score with its role counts and the
// role means that rest on at least min_raters ratings; withRaters (the
// admin only) adds the single ratings of item and subject.
func (s *Server) ratingExplanation(ctx context.Context, set *indicators.Set, period, subject, item string, withRaters bool) (*ratingJSON, error) {
	ratings, err := s.periodRatings(ctx, period)
	if err != nil {
		return nil, err
	}
	out := &ratingJSON{Roles: []roleJSON{}}
	for _, r := range ratings {
		if withRaters && r.Item == item && r.Subject == subject {
			out.Ratings = append(out.Ratings, raterJSON{Rater: r.Rater, Role: r.Role, Score: r.Score})
		}
	}
	subjects, err := s.db.ServerSubjects(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(subjects.Subjects))
	for i, sj := range subjects.Subjects {
		ids[i] = sj.ID
	}
	si, ok := subjects.SubjectIndex(subject)
	if !ok {
		return out, nil
	}
	var mine []assess.Rating
	for _, r := range ratings {
		if r.Item == item {
			mine = append(mine, r)
		}
	}
	var items []assess.Item
	for _, it := range batch.AssessItems(set) {
		if it.ID == item {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return out, nil
	}
	res, err := assess.Combine(items, ids, mine)
	if err != nil {
		return nil, fmt.Errorf("combining %s: %w", item, err)
	}
	ir := &res.Items[0]
	out.Combined, out.SE = numPtr(ir.Score[si]), numPtr(ir.SE[si])
	for ri, rw := range ir.Roles {
		st := ir.Stat(si, ri)
		rj := roleJSON{Role: rw.Role, Weight: rw.Weight, Ratings: st.N, MinRaters: items[0].MinPresent(ri)}
		if st.Present && st.N >= rj.MinRaters && !math.IsNaN(st.Mean) {
			m := st.Mean
			rj.Mean = &m
		}
		out.Roles = append(out.Roles, rj)
	}
	return out, nil
}

// adjResult is one adjustment's result for a subject in a stored batch.
type adjResult struct {
	Held        bool    `json:"held"`
	Points      float64 `json:"points"`
	Capped      bool    `json:"capped"`
	gradeReason string
}

// adjustmentResult returns adjustment id's result for subject in the batch,
// from the explanation the batch stored with the subject's row (as the
// explanation page reads it); ErrNotFound when it does not apply, or when
// the batch was stored without explanations (before migration 0004's
// explain column).
func (s *Server) adjustmentResult(ctx context.Context, batchID int64, subject, id string) (*adjResult, error) {
	r, err := s.db.SubjectResultOf(ctx, batchID, subject)
	if err != nil {
		return nil, err
	}
	if r.Explain != nil {
		for _, a := range r.Explain.Adjustments {
			if a.ID == id {
				return &adjResult{Held: a.Held, Points: a.Points, Capped: a.Capped, gradeReason: r.Explain.GradeReason}, nil
			}
		}
	}
	return nil, fmt.Errorf("adjustment %s of %s in batch %d: %w", id, subject, batchID, postgres.ErrNotFound)
}

// outcomeJSON is one recomputation after an appeal: its run, the batch it
// stored and, for the appeal's subject, the result before (in the
// disputed batch) and after.
type outcomeJSON struct {
	Run       int64  `json:"run"`
	Status    string `json:"status"`
	Batch     int64  `json:"batch,omitempty"`
	Published bool   `json:"published"`
	resultChange
}

// outcome lists the recomputations of appeal a. A subject sees only the
// published ones (a draft batch is not a result yet): the caller filters.
func (s *Server) outcome(ctx context.Context, a *postgres.Appeal) ([]outcomeJSON, error) {
	out := []outcomeJSON{}
	var old *postgres.SubjectResult
	for _, id := range a.Runs {
		run, err := s.db.Run(ctx, id)
		if err != nil {
			return nil, err
		}
		o := outcomeJSON{Run: id, Status: run.Status, Batch: run.BatchID}
		if run.BatchStatus != "" {
			o.Status = run.BatchStatus
		}
		o.Published = run.BatchStatus == string(postgres.Published)
		if run.BatchID != 0 {
			if old == nil {
				if old, err = s.db.SubjectResultOf(ctx, a.Batch, a.Subject); err != nil {
					return nil, err
				}
			}
			nr, err := s.db.SubjectResultOf(ctx, run.BatchID, a.Subject)
			if err != nil {
				return nil, err
			}
			o.resultChange = newResultChange(old.Score, nr.Score, old.Rank, nr.Rank, old.Grade, nr.Grade)
		}
		out = append(out, o)
	}
	return out, nil
}

// appealMark is a changed input of a diff that holds an appeal's
// correction.
type appealMark struct {
	Appeal  int64  `json:"appeal"`
	Subject string `json:"subject"`
	Metric  string `json:"metric,omitempty"`
	Item    string `json:"item,omitempty"`
	Version int64  `json:"version,omitempty"`
}

// appealMarks lists the inputs whose new version is an appeal's
// correction, and the items and subjects whose ratings an appeal
// withdrew.
func (s *Server) appealMarks(ctx context.Context, inputs []postgres.InputChange, ratings []postgres.RatingChange) ([]appealMark, error) {
	out := []appealMark{}
	seen := map[appealMark]bool{}
	of, err := s.db.AppealsOfRatingChanges(ctx, ratings)
	if err != nil {
		return nil, err
	}
	for i, c := range ratings {
		a := of[i]
		// The item and subject only: a public diff names no rater.
		if m := (appealMark{Appeal: a, Subject: c.Subject, Item: c.Item}); a != 0 && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	var vs []int64
	for _, in := range inputs {
		if in.NewVersion != 0 {
			vs = append(vs, in.NewVersion)
		}
	}
	if len(vs) == 0 {
		return out, nil
	}
	byVersion, err := s.db.AppealsOfVersions(ctx, vs)
	if err != nil {
		return nil, err
	}
	for _, in := range inputs {
		if a, ok := byVersion[in.NewVersion]; ok && in.NewVersion != 0 {
			out = append(out, appealMark{Appeal: a, Subject: in.Subject, Metric: in.Metric, Version: in.NewVersion})
		}
	}
	return out, nil
}
