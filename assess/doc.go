// Package assess combines two-way (双向测评) and third-party (第三方评估)
// assessments into one score per item and subject, and measures how far the
// raters agree (SPEC §5). It is pure math: the ratings of one batch period
// come in as a slice of Rating, the results go out as columns indexed like
// the subjects. Loading ratings from CSV lives in package csvdata.
//
// # Combination
//
// For item k and subject s, the ratings of each role r of the item are
// (optionally standardised, see below, then) summarised as
//
//	nᵣ⁰ = number of ratings before trimming
//	present  ⇔ nᵣ⁰ ≥ max(1, min_ratersᵣ)  (the role's own count in
//	           Item.RoleMinRaters, else Item.MinRaters; Item.MinPresent)
//	trimming: when nᵣ⁰ > 2·trim + 2, drop the trim highest and trim lowest
//	nᵣ = number of ratings kept
//	mᵣ = mean of the kept ratings
//	sᵣ = sqrt(Σ(x − mᵣ)² / (nᵣ − 1)) over the kept ratings, 0 when nᵣ = 1
//
// and the role scores are combined with the item's role weights wᵣ over the
// present roles P:
//
//	A  = Σ_{r∈P} wᵣmᵣ / Σ_{r∈P} wᵣ
//	SE = sqrt(Σ_{r∈P} (wᵣ/Σ_{P}w)² · sᵣ²/nᵣ)
//	90% interval: [A − 1.645·SE, A + 1.645·SE]
//
// A is missing (NaN) when no role with a positive weight is present, and,
// with missing_role: fail, when any role with a positive weight is missing.
// A role of weight 0 never changes A or SE; its statistics are still
// reported.
//
// # Standardisation
//
// With standardize: true each rating x of rater j is replaced before the
// combination by
//
//	x' = μ + σ·(x − μⱼ)/σⱼ   when rater j gave ≥ 3 ratings of the item
//	x' = μ                   when moreover all of j's ratings are equal (σⱼ = 0)
//	x' = x                   when j gave fewer than 3 ratings
//
// where μ, σ are the mean and sample standard deviation of all the item's
// ratings (every subject and role) and μⱼ, σⱼ those of rater j's ratings of
// the item. Standardised ratings are not clipped to the item's scale.
//
// # Reliability
//
// Reported per item on the raw (not standardised) ratings, pooling roles:
//
// ICC(1) is Shrout & Fleiss (1979) ICC(1,1), the one-way random-effects
// intraclass correlation for a single rater, with subjects as targets. Over
// the t subjects with at least one rating, nᵢ ratings of subject i, N = Σnᵢ:
//
//	BMS = Σ nᵢ(ȳᵢ − ȳ)² / (t − 1)
//	WMS = Σᵢ Σⱼ (yᵢⱼ − ȳᵢ)² / (N − t)
//	k₀  = (N − Σnᵢ²/N) / (t − 1)
//	ICC(1) = (BMS − WMS) / (BMS + (k₀ − 1)·WMS)
//
// k₀ is the standard unbalanced one-way ANOVA adjustment (it equals k when
// every subject has k ratings). ICC(1) is NaN when t < 2, N − t < 1 or the
// denominator is 0.
//
// Krippendorff's alpha for interval data (Krippendorff 2011, "Computing
// Krippendorff's Alpha-Reliability") takes subjects as units and ratings as
// values; units with fewer than 2 ratings are not pairable and are dropped.
// With mᵤ values in unit u and n = Σmᵤ pairable values, the coincidence-matrix
// formula with δ²(c, k) = (c − k)² reduces to
//
//	D_o = (1/n) Σᵤ 1/(mᵤ − 1) · Σ_{i≠j∈u} (vᵢ − vⱼ)²
//	D_e = 1/(n(n − 1)) · Σ_{i≠j} (vᵢ − vⱼ)²       (all pairable values)
//	alpha = 1 − D_o/D_e
//
// computed as Σ_{i≠j}(vᵢ − vⱼ)² = 2m·Σ(vᵢ − v̄)². alpha is NaN when D_e = 0 or
// fewer than 2 values are pairable.
//
// Reciprocity applies to two-way items, where a rater id equals a subject id.
// Each rating is centred on its rater's mean rating of the item (over all the
// rater's ratings of the item, self-rating included): c(a→b) = x(a→b) − μₐ. A
// dyad is a pair of distinct subjects a, b that rated each other. Because a
// dyad has no natural first member, the correlation is the double-entry
// (pairwise intraclass) Pearson correlation: every dyad enters as (c(a→b),
// c(b→a)) and as (c(b→a), c(a→b)), which with m the mean of all 2D centred
// dyad ratings gives
//
//	r = 2·Σ (c(a→b) − m)(c(b→a) − m) / Σ [(c(a→b) − m)² + (c(b→a) − m)²]
//
// r is NaN with fewer than 2 dyads or no variation. A dyad is flagged as
// possible collusion (mutual inflation) when c(a→b) > 1.5·σₐ and
// c(b→a) > 1.5·σ_b, σ the rater's sample sd of the item's ratings (a rater
// with a single rating has σ = 0 and, being centred to 0, is never flagged).
//
// Per-role means (over all subjects) are NaN when the role has fewer than
// max(1, min_raters) ratings of the item, so that published outputs never show
// a mean resting on fewer than min_raters ratings; the same holds for the
// per-subject role statistics of a missing role.
//
// Result.RoleWarnings reports a role with weight > 0 that is missing for
// more than half of the rated subjects (or all of them), naming the role,
// the count and its min_raters (SPEC §5).
//
// # Rater bootstrap
//
// Bootstrap (NewBootstrap, Bootstrap.Resample) draws replicates of the
// combined scores for the uncertainty analysis: per (item, subject, role)
// the ratings are resampled with replacement, same count, and recombined
// with the same trimming and weights. Standardisation is estimated once on
// the period's ratings; the standardised ratings are resampled.
//
// # Determinism
//
// Results do not depend on the order of the ratings: ratings are grouped by
// integer keys (item, subject, role) and every sum runs in a canonical order
// (subject, role, score), so a shuffled input gives bit-identical numbers.
package assess
