// Package scoring turns evaluated indicator values into results: it treats,
// normalises, weights, aggregates, adjusts, grades and ranks subjects within
// their peer groups (SPEC §4.4–§4.10). It is pure computation: no I/O, no
// clock, no printing. Score is the entry point; Round is the rounding rule
// every tier uses.
//
// # Pipeline
//
// Subjects are split into peer groups by the values of Set.PeerGroups
// (dataset.Subject.Attr; an absent attribute counts as ""), labelled by the
// values joined with "/" ("all" when PeerGroups is empty); groups are sorted
// by label in byte order.
//
// A node applies to a subject when Node.Applies(kind) and the
// applies_when column (Input.AppliesWhen) of the node and of each ancestor
// is 1 for it (Result.Applies). A subject whose Input.RatedWhen is not 1
// is unrated first (UnratedRatedWhen). Coverage of a subject = present raw
// values / applicable leaves (unweighted). A subject with no applicable
// leaf (coverage 0) or coverage < Set.MinCoverage is unrated and removed
// before any statistic: imputation pools, normalisation statistics,
// quotas. A subject whose final aggregate is missing is marked unrated at
// the end; statistics already computed are not redone.
// SubjectResult.Unrated records which of these rules applied first.
//
// For each leaf and peer group, over the rated subjects the leaf applies to:
//
//  1. impute: mean | median | min of the present raw values of the pool
//     (the group, or those sharing the subject's `by` attribute); the median
//     of an even count is the mean of the two middle values. An empty pool
//     leaves the value missing. `zero` sets the normalised value to the
//     scale's lo; such a cell has no raw value and takes no part in any
//     statistic.
//  2. transform: log (x ≤ 0 → missing), log1p (x ≤ −1 → missing), sqrt
//     (x < 0 → missing).
//  3. winsorise: clamp to the R type 7 quantiles (see Quantile) of the
//     group's present transformed values; or `treat: jrc` (SPEC §6):
//     mcda.TreatJRC over the same values (imputed ones included). Winsorised
//     points are marked Cell.Outlier and listed in LeafStats.Treat.Points;
//     with the log fallback ln(x − s), s = min − 0.01(max − min), every
//     value is transformed and none is marked, and goalposts are mapped by
//     the same function (a goalpost ≤ s makes the leaf uninformative, as a
//     transform's domain does).
//  4. normalise, with stats (min, max, mean, sd with n−1, n) over the
//     group's present treated values, imputed ones included:
//     minmax  lo + (hi−lo)(x−min)/(max−min)   (lower: (max−x)/(max−min))
//     zscore  m + s(x−mean)/sd                (lower: m − s·z); m, s = 50, 10
//     when both are 0
//     goalpost lo + (hi−lo)·clamp((x−L)/(H−L), 0, 1), L and H transformed
//     like x (lower: (H−x)/(H−L))
//     rank    lo + (hi−lo)(r−1)/(n−1), r the fractional rank (ties share the
//     mean rank; lower: (n−r)/(n−1))
//     none    x, clamped to [lo, hi] when Clip.
//     target  band [A, B] (a point T is [T, T]; median = the median of the
//     treated values; A, B transformed like x): hi − (hi−lo)(A−x)/D⁻
//     below, hi − (hi−lo)(x−B)/D⁺ above, hi inside, D∓ the largest
//     distances below/above in the group; direction does not apply.
//     An empty method means minmax. Normalize.To, when set, replaces
//     [lo, hi] for the leaf (also the zero policy's lo and clip's range).
//  5. round when the leaf has `round`, by the set's rule (Rounder: Round,
//     or RoundR under `numerics: r`).
//
// A relative method (minmax, zscore, rank) is uninformative in a group
// when n < 2 or max == min there (max == min is tested rather than sd == 0,
// which floating point can miss for equal values; both are also checked for
// zscore). Goalposts that the transform cannot map (log of a goalpost ≤ 0,
// …) make the leaf uninformative in every group. An uninformative leaf is
// left out of every subject's aggregation in the group, with one warning
// per group; it is not missing data. No warning is given for a group
// without any rated subject the leaf applies to.
//
// A cell's status is, in this order: unrated (subject unrated),
// uninformative, imputed (the missing policy filled it, zero included),
// missing (no value — also a value imputed at step 1 that the transform
// cannot take, e.g. a median of 0 under log: Cell.Imputed still shows the
// imputed raw value), ok. Cells of leaves that do not apply to the subject have an
// empty status.
//
// # Aggregation
//
// Composites are computed bottom-up, one node at a time for all subjects,
// so a parent always sees its children's imputed values. The children that
// take part are those that apply, have a value, are not uninformative and
// have weight > 0; their weights are normalised to wᵢ/Σw over them.
// arithmetic: Σ wᵢvᵢ; geometric: exp(Σ wᵢ ln vᵢ), missing with a warning
// when any vᵢ ≤ 0. A composite with no participating child (or a failed
// geometric mean) is missing; its own missing policy then fills it
// group-wide: zero → lo; mean | median | min of the node's present,
// non-imputed values among the group's other rated subjects it applies to
// (narrowed by `by`). The filled value is rounded like a computed one and
// marked in SubjectResult.NodeImputed. The root (Set.Root) is aggregated
// the same way from the top-level nodes.
//
// # Weighting, TOPSIS and GRA (SPEC §6)
//
// Each composite's children weights are settled per peer group, over the
// group's rated members the composite applies to (Group.Weights):
//
//   - no `weighting:`: the children's `weight` fields;
//   - ahp: the priority vector indicators.Parse computed;
//   - entropy, critic, pca: mcda.Entropy, CRITIC, PCA over the complete
//     cases. The columns are the children with a value for at least one
//     member (an uninformative child, or one that applies to no member,
//     gets weight 0 instead of leaving no complete case); the complete
//     cases are the members with a value for every column. Fewer than 3
//     is a *WeightingError, as is an mcda error (infinite values);
//   - combine: mcda.Combine of the two parts, each normalised.
//
// Statistical weights replace the weight fields for every subject of the
// group; each subject then renormalises over its participating children.
// Group.Weights reports them normalised over the children that take part
// in the group.
//
// TOPSIS and GRA aggregate a composite per peer group: the columns are the
// children with weight > 0 and a value for some member, their weights
// normalised to sum 1 (the children's normalised weights at the node); a
// member lacking a value for any column is missing at the node for GRA as
// for TOPSIS (then the node's missing policy applies), and takes no part in
// the ideal points, the reference series or Δmin/Δmax.
//
// # Rescoring
//
// Rescorer re-aggregates a Result under a Variant (other normalisation or
// aggregation, weight factors, dropped leaves) for the robustness analyses,
// reusing everything up to normalisation; its zero Variant reproduces
// Score's scores and ranks bit for bit.
//
// The effective weight of a node is the product of the normalised weights
// on its path from the root; it is 0 when the node or an ancestor took no
// part (the descendants of an imputed composite get 0, and so do the
// children of a composite whose geometric mean failed).
//
// # Missing: fail
//
// When a leaf with `missing: fail` has a missing raw value for a rated
// subject it applies to, Score returns a *MissingError for the first such
// leaf in tree order, listing every such subject; a composite with
// `missing: fail` does the same when it has no value after aggregation.
//
// # Adjustments, grades, ranks
//
// For each rated subject and each adjustment that applies to its kind: a
// missing condition counts false and a missing points value counts 0 (no
// clamping then), both with a warning; otherwise points are clamped to
// [min, max]. score = root value + Σ points, clamped to the scale when
// clamp_total. A held cap_grade adjustment makes the subject vetoed.
//
// Grades are assigned per group from the score rounded to Ranking.Digits:
// the first grade whose min ≤ score; then the worst held cap lowers it;
// then quotas, best grade first: at most ⌊max_share·n_rated + ε⌋ holders
// keep the grade (ε = 1e-9 relative, so 0.2·10 gives 2); holders are
// sorted by rounded score, best first, ties by id; when the first subject
// past the quota ties with the last one within it, every holder with that
// score moves down too; those moved count against the next grade's quota.
// A quota on the last grade is ignored (there is no grade to move to).
//
// Ranks per group from the rounded score (Ranking.Desc: higher is better):
// competition (1, 2, 2, 4) or ordinal (ties by subject id). Result.Order
// lists groups by label, rated subjects by rank then id, then unrated
// subjects by id. Warnings are sorted with diag.SortWarnings.
package scoring
