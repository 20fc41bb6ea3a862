package engine

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
)

// Options are the optional inputs of EvaluateWith.
type Options struct {
	// Assess holds the combined assessment score of each item
	// (assess.<item>), one value per subject indexed like
	// Dataset.Subjects, NaN = missing. An item of the Schema absent here is
	// all-missing.
	Assess map[string][]float64
	// Parallelism bounds the number of expressions evaluated at once;
	// 0 means runtime.GOMAXPROCS(0).
	Parallelism int
	// Groups is each subject's peer-group index (as dataset.PeerGroups
	// numbers them; any non-negative numbering will do), indexed like
	// Dataset.Subjects. The group statistics (group.mean(m), …) of a
	// subject are taken over the subjects of its group that rated_when
	// admits. nil means dataset.PeerGroups over the set's peer_groups.
	Groups []int
}

// Evaluate computes every derived metric, leaf and adjustment expression of
// the plan for each subject of ds in period. It is EvaluateWith without
// assessment scores.
func (p *Plan) Evaluate(ctx context.Context, ds *dataset.Dataset, period dataset.Period) (*Values, error) {
	return p.EvaluateWith(ctx, ds, period, Options{})
}

// EvaluateWith computes the plan's expressions for each subject of ds in
// period. Derived metrics are computed first (in period and, for
// prev.<derived>, the periods before it); then the leaves and adjustments,
// in parallel (at most opts.Parallelism at once), each into its own
// pre-sized column, so the result does not depend on scheduling. It stops
// early with ctx's error when ctx is cancelled. An operation on present
// values that gives no finite number yields missing and one warning per
// subject and expression (Values.Warnings).
func (p *Plan) EvaluateWith(ctx context.Context, ds *dataset.Dataset, period dataset.Period, opts Options) (*Values, error) {
	n := ds.Len()
	for item, col := range opts.Assess {
		if len(col) != n {
			return nil, fmt.Errorf("engine: assessment column %q has %d values, want one per subject (%d)", item, len(col), n)
		}
	}
	if opts.Groups != nil && len(opts.Groups) != n {
		return nil, fmt.Errorf("engine: %d peer-group indices, want one per subject (%d)", len(opts.Groups), n)
	}
	e := &evaluation{plan: p, ds: ds, opts: opts, period: period, n: n,
		memo: map[derivedKey][]float64{}, attrs: map[string][]string{}, groupMemo: map[groupKey][]float64{}}
	for _, q := range ds.Periods() {
		if q.Kind == period.Kind && (e.earliest.IsZero() || q.Before(e.earliest)) {
			e.earliest = q
		}
	}

	v := &Values{
		Period:      period,
		Leaves:      make([][]float64, len(p.leaves)),
		Points:      make([][]float64, len(p.points)),
		When:        make([][]float64, len(p.when)),
		Derived:     map[string][]float64{},
		PrevDerived: map[string][]float64{},
		Assess:      opts.Assess,
	}
	// rated_when first: it decides the pools of the group statistics.
	if pr := p.ratedWhen; pr != nil {
		env, err := e.env(ctx, period, pr.inputs)
		if err != nil {
			return nil, err
		}
		v.RatedWhen = make([]float64, n)
		if _, err := e.run(ctx, pr, env, period, v.RatedWhen); err != nil {
			return nil, err
		}
	}
	if p.hasGroup {
		e.setGroups(v.RatedWhen)
	}
	for _, q := range []dataset.Period{period, period.Prev()} {
		for i, pr := range p.derived {
			col, err := e.derived(ctx, i, q)
			if err != nil {
				return nil, err
			}
			if col == nil {
				col = e.missing()
			}
			if q == period {
				v.Derived[pr.id] = col
			} else {
				v.PrevDerived[pr.id] = col
			}
		}
	}

	// The batch expressions, evaluated in parallel into fixed slots.
	type job struct {
		pr  *program
		out *[]float64
	}
	var jobs []job
	for i, pr := range p.leaves {
		jobs = append(jobs, job{pr, &v.Leaves[i]})
	}
	for i := range p.points {
		if p.points[i] != nil {
			jobs = append(jobs, job{p.points[i], &v.Points[i]})
		}
		if p.when[i] != nil {
			jobs = append(jobs, job{p.when[i], &v.When[i]})
		}
	}
	if p.applies != nil {
		v.AppliesWhen = make([][]float64, len(p.applies))
		for k, pr := range p.applies {
			if pr != nil {
				jobs = append(jobs, job{pr, &v.AppliesWhen[k]})
			}
		}
	}
	all := make([]int, len(p.inputs))
	for i := range all {
		all[i] = i
	}
	env, err := e.env(ctx, period, all)
	if err != nil {
		return nil, err
	}
	warns := make([][]diag.Warning, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	limit := opts.Parallelism
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0)
	}
	g.SetLimit(limit)
	for j, jb := range jobs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			if col, ok := shared(jb.pr, env); ok {
				*jb.out = col
				return nil
			}
			out := make([]float64, n)
			w, err := e.run(gctx, jb.pr, env, period, out)
			if err != nil {
				return err
			}
			*jb.out = out
			warns[j] = w
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if p.hasGroup {
		v.Group = map[string][]float64{}
		for _, in := range all {
			if ref := p.inputs[in]; ref.kind == inGroup {
				v.Group[ref.String()] = env.cols[in]
			}
		}
	}
	v.Warnings = e.warnings
	for _, w := range warns {
		v.Warnings = append(v.Warnings, w...)
	}
	v.Warnings = diag.SortWarnings(v.Warnings)
	return v, nil
}

// shared returns the input column that pr reads when pr is nothing but a
// numeric input (a leaf `expr: m039`) and the column holds no ±Inf (a
// metric's values are numbers or missing): pr's result would be a copy of
// it, so the values share it instead. Values' columns are read-only, like
// the dataset's; a bare-metric leaf then costs no column of its own (8 MB
// per leaf at 1M subjects).
func shared(pr *program, env *runEnv) ([]float64, bool) {
	if pr.root.kind != nInput || pr.root.typ != tNum {
		return nil, false
	}
	col := env.cols[pr.root.in]
	if len(col) == 0 {
		return nil, false
	}
	for _, x := range col {
		if math.IsInf(x, 0) {
			return nil, false
		}
	}
	return col, true
}

type derivedKey struct {
	metric int
	period dataset.Period
}

// evaluation is the state of one EvaluateWith call.
type evaluation struct {
	plan     *Plan
	ds       *dataset.Dataset
	opts     Options
	period   dataset.Period // the batch period
	earliest dataset.Period // first period of the data, zero when none
	n        int
	nanCol   []float64 // all missing, made by missing() when first needed
	memo     map[derivedKey][]float64
	attrs    map[string][]string
	warnings []diag.Warning // from derived metrics

	// Group statistics: gid[i] is subject i's pool (its peer group), or -1
	// when rated_when excludes it from every pool; grp[i] its peer group
	// (whose statistic it reads); ng the number of groups.
	gid, grp  []int
	ng        int
	groupMemo map[groupKey][]float64
}

type groupKey struct {
	in     int // plan input
	period dataset.Period
}

// missing returns a column of n missing values, shared by every absent
// input; it is made on first use, as most evaluations need none.
func (e *evaluation) missing() []float64 {
	if e.nanCol == nil {
		e.nanCol = make([]float64, e.n)
		for i := range e.nanCol {
			e.nanCol[i] = math.NaN()
		}
	}
	return e.nanCol
}

// derived returns the column of derived metric i in period q, computing it
// once. Before the first period of the data it is nil (all missing): the
// chain of prev.<derived> references stops there.
func (e *evaluation) derived(ctx context.Context, i int, q dataset.Period) ([]float64, error) {
	if e.earliest.IsZero() || q.Before(e.earliest) {
		return nil, nil
	}
	k := derivedKey{i, q}
	if col, ok := e.memo[k]; ok {
		return col, nil
	}
	pr := e.plan.derived[i]
	env, err := e.env(ctx, q, pr.inputs)
	if err != nil {
		return nil, err
	}
	out := make([]float64, e.n)
	w, err := e.run(ctx, pr, env, q, out)
	if err != nil {
		return nil, err
	}
	e.memo[k] = out
	e.warnings = append(e.warnings, w...)
	return out, nil
}

// env resolves the inputs ids of the plan for an evaluation in period q,
// computing the derived metrics they need first.
func (e *evaluation) env(ctx context.Context, q dataset.Period, ids []int) (*runEnv, error) {
	p := e.plan
	env := &runEnv{cols: make([][]float64, len(p.inputs)), strs: make([][]string, len(p.inputs)), period: q.String()}
	for _, id := range ids {
		ref := p.inputs[id]
		var col []float64
		switch ref.kind {
		case inMetric, inPrev:
			per := q
			if ref.kind == inPrev {
				per = q.Prev()
			}
			if di, ok := p.derivedIdx[ref.name]; ok {
				c, err := e.derived(ctx, di, per)
				if err != nil {
					return nil, err
				}
				col = c
			} else {
				col = e.ds.Column(ref.name, per)
			}
		case inAssess:
			col = e.opts.Assess[ref.name]
		case inGroup:
			c, err := e.group(ctx, id, q)
			if err != nil {
				return nil, err
			}
			col = c
		case inAttr:
			env.strs[id] = e.attr(ref.name)
			continue
		case inPeriod:
			continue
		}
		if col == nil {
			col = e.missing()
		}
		env.cols[id] = col
	}
	return env, nil
}

// attr returns the column of a subject attribute.
func (e *evaluation) attr(name string) []string {
	if col, ok := e.attrs[name]; ok {
		return col
	}
	col := make([]string, e.n)
	for i := range e.ds.Subjects {
		col[i], _ = e.ds.Subjects[i].Attr(name)
	}
	e.attrs[name] = col
	return col
}

// run evaluates pr into out and returns the warnings: for every subject
// whose column evaluation saw a non-finite result, the scalar evaluator
// replays the expression with short-circuit semantics and names the first
// operation that failed.
func (e *evaluation) run(ctx context.Context, pr *program, env *runEnv, q dataset.Period, out []float64) ([]diag.Warning, error) {
	mk, err := pr.code.run(ctx, env, out)
	if err != nil || mk.rows == nil {
		return nil, err
	}
	var ws []diag.Warning
	for s, marked := range mk.rows {
		if !marked {
			continue
		}
		sc := &scalar{env: rowEnv{env, s}}
		sc.eval(pr.root)
		if sc.ev == evNone {
			continue
		}
		msg := sc.ev.message(sc.evOp) + ": value treated as missing"
		if q != e.period {
			msg += " (period " + q.String() + ")"
		}
		ws = append(ws, diag.Warning{Pos: pr.pos, Subject: e.ds.Subjects[s].ID, Node: pr.id, Msg: msg})
	}
	return ws, nil
}

// rowEnv is one row of a runEnv, for the scalar evaluator.
type rowEnv struct {
	env *runEnv
	row int
}

func (r rowEnv) num(in int) float64 { return r.env.cols[in][r.row] }

func (r rowEnv) str(in int) string {
	if c := r.env.strs[in]; c != nil {
		return c[r.row]
	}
	return r.env.period
}
