package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/mcda"
	"github.com/govscore/govscore/scoring"
)

// MaxTied is the most subjects Band.Tied lists.
const MaxTied = 50

// Uncertainty is the outcome of the uncertainty analysis (SPEC §6).
type Uncertainty struct {
	Replications int      `json:"replications"`
	Seed         uint64   `json:"seed"`
	WeightNoise  float64  `json:"weight_noise"`
	Normalize    []string `json:"normalize_alternatives"`
	Aggregate    []string `json:"aggregate_alternatives"`
	// RaterBootstrap is true when each replication also resampled the
	// batch's data through Options.Resampler (the rater bootstrap).
	RaterBootstrap bool `json:"rater_bootstrap"`
	// Subjects holds one band per rated subject, in the result's output
	// order (peer group, nominal rank, id).
	Subjects []Band `json:"subjects"`
}

// Band is one subject's rank distribution over the replications.
type Band struct {
	Group   string `json:"peer_group"`
	Subject string `json:"subject"`
	Nominal int    `json:"nominal_rank"`
	Median  Num    `json:"median_rank"`
	P05     Num    `json:"p05_rank"`
	P95     Num    `json:"p95_rank"`
	// Unscored counts the replications in which the subject had no score
	// (and so ranked after every subject with one).
	Unscored int `json:"unscored"`
	// TiedCount is the number of other subjects of the group whose
	// [p05, p95] interval overlaps this one's; Tied lists at most MaxTied
	// of them, nearest nominal rank first (ties by id).
	TiedCount int      `json:"tied_count"`
	Tied      []string `json:"tied_with"`
}

// Resampler redraws the data that the uncertainty analysis bootstraps: the
// rater bootstrap of SPEC §6, when the batch has assessments. The analysis
// does not know where the data come from; package batch implements it over
// the batch's ratings (batch.Batch.RaterBootstrap), so that analysis depends
// on neither the ratings nor the expression engine.
type Resampler interface {
	// Resample draws one bootstrap sample from rng and returns in with the
	// columns that depend on the resampled data (the raw values of the
	// leaves that read them, the adjustments' points and conditions)
	// replaced by fresh ones; in's own columns are not modified. The same
	// rng state must give the same columns. Resample is called
	// concurrently, each call with its own rng.
	Resample(ctx context.Context, rng *rand.Rand, in scoring.Input) (scoring.Input, error)
}

// replication draws a replication's variant from its generator: node
// weight factors, then a normalisation, then an aggregation (see the
// package doc).
func replication(set *indicators.Set, rng *rand.Rand, factors []float64) scoring.Variant {
	d := set.Uncertainty.WeightNoise
	for k := range factors {
		factors[k] = 1 + d*(2*rng.Float64()-1)
	}
	v := scoring.Variant{Factors: factors}
	if alt := set.Uncertainty.Normalize; len(alt) > 0 {
		v.Normalize = alt[rng.IntN(len(alt))]
	}
	if alt := set.Uncertainty.Aggregate; len(alt) > 0 {
		v.Aggregate = alt[rng.IntN(len(alt))]
	}
	return v
}

// runUncertainty runs opt.Replications replications in parallel and
// summarises each rated subject's ranks.
func runUncertainty(ctx context.Context, rs *scoring.Rescorer, in scoring.Input, res *scoring.Result, opt Options) (*Uncertainty, error) {
	set := in.Set
	n, nr := len(in.Subjects), opt.Replications
	// ranks[i*nr + j] is subject i's rank in replication j; unscored[i*nr+j]
	// marks a missing score.
	ranks := make([]int32, n*nr)
	unscored := make([]bool, n*nr)
	workers := opt.workers()
	type buffers struct {
		ws      *scoring.Workspace
		factors []float64
		scores  []float64
		ranks   []int
	}
	pool := make(chan *buffers, workers)
	for range workers {
		pool <- &buffers{ws: rs.NewWorkspace(), factors: make([]float64, len(set.Nodes)),
			scores: make([]float64, n), ranks: make([]int, n)}
	}
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(workers)
	for j := range nr {
		eg.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			b := <-pool
			defer func() { pool <- b }()
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(j)))
			v := replication(set, rng, b.factors)
			if opt.Resampler == nil {
				if err := rs.Rescore(v, b.ws, b.scores, b.ranks); err != nil {
					return err
				}
			} else if err := bootstrapRescore(ctx, opt.Resampler, rng, v, in, res, b.scores, b.ranks); err != nil {
				return fmt.Errorf("replication %d: %w", j, err)
			}
			for i := range n {
				ranks[i*nr+j] = int32(b.ranks[i])
				unscored[i*nr+j] = math.IsNaN(b.scores[i])
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, fmt.Errorf("analysis: uncertainty: %w", err)
	}

	u := &Uncertainty{Replications: nr, Seed: opt.Seed, WeightNoise: set.Uncertainty.WeightNoise,
		Normalize: []string{}, Aggregate: []string{}, RaterBootstrap: opt.Resampler != nil}
	for _, m := range set.Uncertainty.Normalize {
		u.Normalize = append(u.Normalize, string(m))
	}
	for _, a := range set.Uncertainty.Aggregate {
		u.Aggregate = append(u.Aggregate, string(a))
	}
	pos := make(map[int]int, n) // subject → index in u.Subjects
	sorted := make([]float64, nr)
	for _, i := range res.Order {
		sr := &res.Subjects[i]
		if !sr.Rated {
			continue
		}
		for j := range nr {
			sorted[j] = float64(ranks[i*nr+j])
		}
		slices.Sort(sorted)
		b := Band{Group: sr.Group, Subject: in.Subjects[i].ID, Nominal: sr.Rank,
			Median: Num(mcda.Quantile7(sorted, 0.5)), P05: Num(mcda.Quantile7(sorted, 0.05)),
			P95: Num(mcda.Quantile7(sorted, 0.95)), Tied: []string{}}
		for j := range nr {
			if unscored[i*nr+j] {
				b.Unscored++
			}
		}
		pos[i] = len(u.Subjects)
		u.Subjects = append(u.Subjects, b)
	}
	for g := range res.Groups {
		tied(u, res, in, g, pos)
	}
	return u, nil
}

// bootstrapRescore is one replication with the rater bootstrap: the data
// resampled with rng (after the variant's draws), the batch scored anew
// (scoring.Score: imputation, treatment, normalisation statistics and
// statistical weights follow the resampled values), then re-scored under
// v. A subject rated nominally but not in the resampled batch gets no
// score; fixUnscored ranks it with the other unscored subjects.
func bootstrapRescore(ctx context.Context, rsp Resampler, rng *rand.Rand, v scoring.Variant, in scoring.Input, res *scoring.Result, scores []float64, ranks []int) error {
	in2, err := rsp.Resample(ctx, rng, in)
	if err != nil {
		return err
	}
	res2, err := scoring.Score(in2)
	if err != nil {
		return err
	}
	var methods []indicators.NormMethod
	if v.Normalize != "" {
		methods = append(methods, v.Normalize)
	}
	rs2, err := scoring.NewRescorer(in2, res2, methods...)
	if err != nil {
		return err
	}
	if err := rs2.Rescore(v, rs2.NewWorkspace(), scores, ranks); err != nil {
		return err
	}
	fixUnscored(in, res, res2, scores, ranks)
	return nil
}

// fixUnscored gives the nominally rated subjects that res2 left unrated no
// score, and re-ranks every nominally rated subject without a score in its
// group after those with one, as Rescore ranks a missing score: sharing
// rank m + 1 (competition) or taking m + 1, m + 2, … by id (ordinal), m the
// number of the group's subjects with a score.
func fixUnscored(in scoring.Input, res, res2 *scoring.Result, scores []float64, ranks []int) {
	lost := false
	for i := range res.Subjects {
		if res.Subjects[i].Rated && !res2.Subjects[i].Rated {
			scores[i] = math.NaN()
			lost = true
		}
	}
	if !lost {
		return
	}
	ordinal := in.Set.Ranking.Method == indicators.Ordinal
	for _, grp := range res.Groups {
		m := 0
		var none []int
		for _, i := range grp.Members {
			switch {
			case !math.IsNaN(scores[i]) && res2.Subjects[i].Rated:
				m++
			case res.Subjects[i].Rated:
				none = append(none, i)
			}
		}
		slices.SortFunc(none, func(a, b int) int { return strings.Compare(in.Subjects[a].ID, in.Subjects[b].ID) })
		for p, i := range none {
			ranks[i] = m + 1
			if ordinal {
				ranks[i] += p
			}
		}
	}
}

// tied fills the tied bands of group g's rated subjects: subject a is tied
// with b when p05(a) ≤ p95(b) and p05(b) ≤ p95(a). The count uses binary
// search over the sorted bounds: #{b: p05(b) ≤ p95(a)} − #{b: p95(b) <
// p05(a)} − 1 (a itself). The list walks outward from a in nominal order.
func tied(u *Uncertainty, res *scoring.Result, in scoring.Input, g int, pos map[int]int) {
	var order []int // positions in u.Subjects, in nominal order (rank, id)
	for _, i := range res.Order {
		if p, ok := pos[i]; ok && u.Subjects[p].Group == res.Groups[g].Label {
			order = append(order, p)
		}
	}
	lows := make([]float64, len(order))
	highs := make([]float64, len(order))
	for q, p := range order {
		lows[q], highs[q] = float64(u.Subjects[p].P05), float64(u.Subjects[p].P95)
	}
	slices.Sort(lows)
	slices.Sort(highs)
	overlaps := func(a, b *Band) bool { return a.P05 <= b.P95 && b.P05 <= a.P95 }
	for q, p := range order {
		ba := &u.Subjects[p]
		le, _ := slices.BinarySearch(lows, math.Nextafter(float64(ba.P95), math.Inf(1)))
		lt, _ := slices.BinarySearch(highs, float64(ba.P05))
		ba.TiedCount = le - lt - 1
		l, r := q-1, q+1
		for len(ba.Tied) < min(MaxTied, ba.TiedCount) && (l >= 0 || r < len(order)) {
			take := r
			switch {
			case l < 0:
			case r >= len(order):
				take = l
			default:
				bl, br := &u.Subjects[order[l]], &u.Subjects[order[r]]
				dl, dr := abs(bl.Nominal-ba.Nominal), abs(br.Nominal-ba.Nominal)
				if dl < dr || (dl == dr && bl.Subject < br.Subject) {
					take = l
				}
			}
			if take == l {
				l--
			} else {
				r++
			}
			if bb := &u.Subjects[order[take]]; overlaps(ba, bb) {
				ba.Tied = append(ba.Tied, bb.Subject)
			}
		}
	}
}

// abs returns |x|.
func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
