// Package analysis computes the robustness and quality statistics of a
// scored batch (SPEC §6, "Analysis reported per batch" and "Uncertainty
// analysis"): what an expert reviewer of a composite indicator checks
// before trusting its ranking. It is pure computation over a scoring.Input
// and its scoring.Result: no I/O, no clock; the only randomness is the
// uncertainty analysis's, derived from a seed.
//
// # Per peer group
//
// All statistics are taken over the group's rated subjects. For each
// group, Analyse reports:
//
//   - Pearson and Spearman correlation matrices of the leaves' normalised
//     values (Cell.Value), pairwise complete (mcda.CorrMatrix). A leaf that
//     is constant, uninformative or present for fewer than two subjects has
//     null correlations.
//   - Each node's (leaf or composite) Pearson and Spearman correlation with
//     its parent's value (the score before adjustments, RootValue, for a
//     top-level node).
//   - Cronbach's alpha of each composite over its children's values: the
//     children with a value for some subject of the group, the subjects
//     with every one of them (listwise, mcda.CronbachAlpha).
//   - Collinearity flags: sibling pairs whose Pearson |r| > 0.9 (with a
//     warning: the pair double-counts one aspect).
//   - Low-variance flags for leaves: the leaf is uninformative (SPEC §4.4),
//     or its normalised values have a sample sd below 1% of the scale's
//     span, or one value is held by at least 90% of the subjects with a
//     value. Such a leaf barely discriminates.
//   - Leave-one-out rank shifts per leaf: the batch re-scored without the
//     leaf (scoring.Variant.Drop: its siblings reweighted, every other
//     choice unchanged, the set of rated subjects fixed), and the largest
//     and mean absolute change of rank over the group's rated subjects.
//   - Effective weights: each composite's children weights in effect in
//     the group (scoring.Group.Weights) and each node's mean effective
//     weight over the rated subjects it applies to.
//
// # Uncertainty analysis
//
// Uncertainty runs N replications of the model (scoring.Rescorer). Each
// replication j draws from its own generator, math/rand/v2's PCG seeded
// with (seed, j), in this order: one weight factor per node in tree order,
// uniform in [1 − δ, 1 + δ] (δ = uncertainty.weight_noise), multiplying the
// node's weight in effect at its parent (explicit `weight` fields as well
// as AHP and statistical weights, which are held at their nominal
// per-group values); then, when uncertainty.alternatives.normalize is not
// empty, one of its methods uniformly, replacing the method of every leaf
// with a relative normalisation (goalpost and none leaves keep their
// targets); then, when alternatives.aggregate is not empty, one of its
// methods uniformly, replacing every composite's aggregation and the
// root's. A replication in which a subject's score is missing (a
// geometric mean over a value ≤ 0, say) ranks it after every subject with
// a score and counts it in Band.Unscored.
//
// Per rated subject: the nominal rank, and the median, 5th and 95th
// percentiles of its N replication ranks (R type 7 quantiles,
// mcda.Quantile7). Subjects of the same group whose [p05, p95] intervals
// overlap are "statistically tied": Band.TiedCount counts them and
// Band.Tied lists at most MaxTied of them, the nearest in nominal rank
// first (ties by id).
//
// Replications run in parallel over a bounded errgroup; each writes its
// ranks by replication index, so the result is the same whatever
// GOMAXPROCS or Options.Workers. Cancelling ctx stops the analysis with
// ctx.Err().
//
// # Rater bootstrap
//
// When Options.Resampler is set (the batch has assessments), each
// replication also resamples the ratings: after the draws above, the same
// generator is handed to Resampler.Resample, which (as package batch
// implements it) resamples per (item, subject, role) the ratings with
// replacement, same count, recombines each item as assess.Combine does
// (trim, min_raters, role weights; standardised ratings are resampled, see
// assess.Bootstrap) and re-evaluates the expressions that read
// assess.<item>: only the raw values of those leaves (and adjustments) change.
// The replication then scores the resampled batch anew (scoring.Score:
// imputation, treatment, normalisation statistics and statistical weights
// follow the resampled values) and re-scores it under the drawn variant. A
// subject that the resampled batch leaves unrated (its coverage changed) is
// unscored in that replication. The draws of one replication depend on
// (seed, replication index) only, so the result still does not depend on
// the number of CPUs. Uncertainty.RaterBootstrap records that it ran.
//
// The analysis takes the bootstrap as an interface so that it depends on
// neither the ratings (package assess) nor the expressions (package
// engine); batch.Batch.RaterBootstrap supplies it.
//
// # Methodology warnings
//
// Methodology returns the remarks an expert would make: entropy weights
// computed over fewer than 10 subjects, an AHP matrix whose CR exceeds
// 0.8·max_cr, |r| > 0.9 between siblings (from Analyse), and geometric
// aggregation — at a node or among the uncertainty alternatives — over a
// scale starting at 0 or below.
package analysis
