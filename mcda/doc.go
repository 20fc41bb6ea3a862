// Package mcda holds the multi-criteria decision analysis mathematics of
// govscore (SPEC §6): statistical weights (entropy, CRITIC, PCA, and their
// combination), the TOPSIS and grey relational aggregations, the JRC/COIN
// outlier treatment, and the analysis statistics reported per batch
// (Pearson and Spearman correlation, Cronbach's alpha, type-7 quantiles,
// skewness and kurtosis).
//
// The package is pure: no I/O, no clock, no randomness, no logging. Every
// function is deterministic and safe for concurrent use; none modifies its
// arguments.
//
// # Matrices
//
// A matrix is a [][]float64 with one row per subject (case) and one column
// per child node (criterion). All rows must have the same length.
//
// # Missing values
//
// NaN means missing throughout. Each function states what it does with it:
//
//   - Entropy, CRITIC and PCA use the complete cases only: a row holding a
//     NaN is dropped before anything is computed, and at least MinCases
//     complete rows must remain. ±Inf is an error (ErrNotFinite).
//   - TOPSIS and GRA give NaN to a row holding a NaN or ±Inf, and such a row
//     takes no part in the ideal points, the reference series or Δmin/Δmax.
//   - TreatJRC, Skewness and Kurtosis ignore NaN and ±Inf entries; TreatJRC
//     returns them unchanged.
//   - Pearson and Spearman skip the pairs where either value is NaN;
//     CorrMatrix does so for each pair of columns (pairwise complete);
//     CronbachAlpha drops incomplete rows (listwise).
//   - Quantile7 expects sorted values without NaN.
//
// # Choices where the specification is silent
//
//   - Constant columns. A constant column gets entropy divergence d = 0 and
//     CRITIC weight 0; its Pearson correlation with any other column is
//     taken as 0 by CRITIC and PCA (1 on the PCA diagonal). Pearson and
//     Spearman themselves return NaN when either input is constant, as R's
//     cor does.
//   - Perfect correlation in CRITIC. A correlation within 1e-12 of 1 is
//     taken as exactly 1, so that columns which are exact multiples of each
//     other get exactly zero conflict instead of floating-point noise.
//   - Repeated largest eigenvalue in PCA. When the largest eigenvalue of the
//     correlation matrix has multiplicity k > 1 (within a relative 1e-10), its
//     unit eigenvector is not unique; PCA then uses the mean of uⱼ² over an
//     orthonormal basis of the eigenspace, wⱼ = (1/k)Σₗ uⱼₗ², which does not
//     depend on the basis chosen, still sums to 1, and gives equal weights
//     for uncorrelated children (correlation matrix I).
//   - Weights passed to TOPSIS are used as given (C is unchanged by a
//     positive rescaling of w); GRA divides w by its sum, and returns NaN for
//     every row when that sum is 0. Combine replaces a vector summing to 0
//     by equal weights.
//   - TreatJRC: if winsorisation makes every present value equal (so that
//     skewness and kurtosis become undefined) the values are returned
//     untreated (TreatUndefined). COINr there either stops with an error
//     (R's while(NA)) or, once winmax is reached, returns the values
//     untreated because its pass check is NA; govscore always does the
//     latter. A winmax ≤ 0 allows no winsorisation (straight to the log
//     fallback). When the log fallback is used, the winsorised indices are
//     not reported, since the returned values do not carry that
//     winsorisation.
//   - Large values. Entropy and the correlations of CRITIC and PCA divide
//     each column by its largest absolute value first (which changes no
//     weight), so values up to the float64 range do not overflow; CRITIC's
//     σ is scaled back. Weights that still overflow are an ErrNotFinite
//     error, never NaN.
//   - Quantile7 clamps q to [0, 1] and returns NaN for an empty input or a
//     NaN q.
//
// # References
//
//   - Entropy weights: Zou Z., Yun Y., Sun J. (2006), Entropy method for
//     determination of weight of evaluating indicators in fuzzy synthetic
//     evaluation for water quality assessment, J. Environ. Sci. 18(5).
//   - CRITIC: Diakoulaki D., Mavrotas G., Papayannakis L. (1995), Determining
//     objective weights in multiple criteria problems: the CRITIC method,
//     Computers & Operations Research 22(7).
//   - PCA weights: OECD/JRC (2008), Handbook on Constructing Composite
//     Indicators, §6.1.
//   - TOPSIS: Hwang C.-L., Yoon K. (1981), Multiple Attribute Decision
//     Making, Springer.
//   - Grey relational analysis: Deng J. (1982), Control problems of grey
//     systems, Systems & Control Letters 1(5).
//   - Outlier treatment: Becker W. et al. (2017), COIN Tool; COINr
//     (github.com/bluefoxr/COINr) functions Treat, winsorise, check_SkewKurt,
//     log_CT, skew and kurt.
//   - Skewness and kurtosis: Joanes D. N., Gill C. A. (1998), Comparing
//     measures of sample skewness and kurtosis, The Statistician 47(1),
//     types G1 and G2 (e1071 type 2, Excel SKEW and KURT).
//   - Quantiles: Hyndman R. J., Fan Y. (1996), Sample quantiles in
//     statistical packages, The American Statistician 50(4), definition 7.
//   - Cronbach's alpha: Cronbach L. J. (1951), Coefficient alpha and the
//     internal structure of tests, Psychometrika 16(3).
package mcda
