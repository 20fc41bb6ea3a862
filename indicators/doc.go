// Package indicators turns an indicator-set YAML file (SPEC §4) into a typed,
// validated Set.
//
// Parse is strict: unknown keys (with "did you mean" suggestions), wrong
// types, duplicate keys, duplicate ids, dangling references and impossible
// settings are errors positioned at file:line:col, and every problem in a
// file is reported at once as a diag.List, sorted by position. Columns are
// 1-based and counted in runes. Methodological remarks that are not errors
// (a geometric mean over a scale starting at 0, an applies_to kind that an
// ancestor excludes) are returned in Set.Warnings.
//
// Expressions are kept as source text with their YAML position (Expr); the
// engine package compiles them and maps expression errors back to the file
// through Expr.At. Checks that need the data (is an identifier a metric
// present in some data file? do derived metrics form a cycle?) belong to the
// engine, which sees both.
//
// The user-facing description of every key is docs/yaml-reference.md. Where
// the specification leaves a choice open, this package decides as follows:
//
//   - `defaults:` gives leaf settings only. Its weight and round reach the
//     leaves, never the composites; a leaf's own value always wins, and
//     `transform: none` and `winsorize: none` switch a default off.
//   - Free-text values (name, description, unit, version, grade names)
//     accept any scalar and keep its text as written: `version: 2024.10`
//     is "2024.10". An empty name defaults to the id.
//   - `period:` is validated with dataset.ParsePeriod and stored in canonical
//     form ("2024-q3" becomes "2024-Q3").
//   - Node ids and adjustment ids share one namespace: an adjustment may not
//     reuse a node id. A composite id may not be one of the fixed results.csv
//     columns (score, rank, grade, ...), since every composite gets a column.
//   - Metric names may not be the expression environment's own names (prev,
//     assess, subject, period), govscore's functions or expr-lang keywords.
//   - `applies_to: []` is an error (it would apply to nothing).
//   - `winsorize:` may give only one bound; the other defaults to 0 (lower)
//     or 1 (upper).
//   - A goalpost's low and high must lie in the domain of the leaf's
//     transform (log: > 0, log1p: > −1, sqrt: ≥ 0), since they are
//     transformed like the values.
//   - A target's T, A and B must lie in the transform's domain too (A ≤ B;
//     `target: median` has nothing to check). A leaf's own `direction:` with
//     `normalize: target` is a warning (it does not apply); `to: [a, b]`
//     needs a < b and on zscore is a warning (it only moves `missing: zero`).
//   - `numerics:` is spreadsheet (default) or r; `min_raters:` is a count or
//     a mapping of roles of `roles` (another name is an error) and
//     `default`.
//   - A composite's `missing:` accepts the same forms as a leaf's; it
//     defaults to exclude (no imputation).
//   - A YAML number is accepted as expression text; so is an unquoted
//     decimal such as 1e3, which goccy/go-yaml leaves a string, wherever a
//     number is expected.
//   - A folded block scalar (>) keeps its source line breaks in Expr.Text:
//     expr-lang reads a line break as a space, so the expression means the
//     same and every position maps exactly. A multi-line plain or quoted
//     scalar is folded as YAML says, and its positions past the first line
//     are approximate.
//   - Anchors, aliases, tags and merge keys (<<) are accepted; an explicit
//     key overrides a merged one. A file with a second YAML document is an
//     error. A UTF-8 byte order mark is ignored.
//
// A file nested deeper than MaxNesting levels is refused at the level before
// the YAML parser sees it (CheckNesting), and a control character (NUL,
// ESC…) in a name or text is an error at the value (line breaks and tabs
// are allowed in texts).
//
// A Set is immutable after Parse and safe for concurrent use.
package indicators
