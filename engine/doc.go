/*
Package engine compiles the expressions of an indicator set once and
evaluates them over a dataset, a column at a time.

Compile parses each expression (derived metrics, leaves, adjustment points
and conditions) with expr-lang's parser, type-checks it with expr-lang's
checker against a typed environment, and turns the checked tree into a
program of its own: expr-lang's VM is never used to evaluate. A Plan is
immutable and safe for concurrent use. Plan.Evaluate runs the programs for
every subject of a period, one tight loop per operation over blocks of
subjects; a scalar tree-walking evaluator with the same semantics decides
warnings and backs the tests.

An expression longer than MaxExprBytes or with brackets nested deeper than
MaxExprNesting is refused with a positioned error before expr-lang's
parser, which recurses once per level, sees it.

# Values

Every value is a number, a bool or a string. Numbers are float64 (integer
and decimal literals alike). A number or bool may be missing; strings never
are. Booleans are stored as 1 (true), 0 (false) or NaN (missing); numbers
use NaN for missing.

# Names

For subject s evaluated in period p:

	disputes_received      a metric: its value for (s, p), or missing. Any metric declared
	                       under `metrics:` or present in a data file may be used; a metric
	                       absent from the data in p is missing.
	resolution_rate        a derived metric (declared with expr): computed for s in p first.
	prev.disputes_received the metric (derived metrics too) in p's calendar predecessor.
	assess.satisfaction    the combined assessment score of the item (Options.Assess).
	subject.id, subject.name, subject.kind, subject.parent, subject.<attribute>
	                       strings from the subjects file ("" when the cell is empty).
	period                 the period being evaluated as a string ("2024", "2024-Q1").
	group.mean(m)          a group statistic of metric m (derived metrics too), or of
	group.median(prev.m)   prev.m: mean, median, min, max, sd (n−1) or count of the present
	                       values in the same period over the subject's peer group — the
	                       members of its group (Options.Groups) that rated_when admits.
	                       Missing when no value is present (sd: fewer than two).
	nil                    the missing number (see Missing values).

Any other identifier is a compile error with a suggestion ("unknown metric
"dispute_recieved" (did you mean "disputes_received"?)"), as are unknown
prev.<metric>, subject.<attribute> and assess.<item> names. The names prev,
subject, assess, period, group and the function names are reserved: a declared
metric cannot use them, and a data metric with such a name cannot be
referred to. A declared derived metric takes precedence over a data column
of the same name.

# Operators

	a + b   a - b   a * b   a / b   arithmetic on numbers
	a % b                           remainder of a float division, with the sign of a (math.Mod)
	a ** b  a ^ b                   power
	-a                              negation
	a < b   a <= b   a > b   a >= b number comparisons
	a == b  a != b                  between two numbers, two bools or two strings
	a < b … a >= b                  also between two strings, in byte order
	a and b  a && b  a or b  a || b  not a  !a   on bools
	c ? a : b                       c a bool; a and b both numbers or both bools
	                                (if c { a } else { b } is the same)
	a ?? b                          b when a is missing (two numbers or two bools)
	x in [k1, k2]                   x a number or a string, the list constants of its type

# Functions

	abs(x) floor(x) ceil(x) round(x)   round is half away from zero, to an integer
	min(x, …) max(x, …)                smallest / largest of one or more numbers
	ratio(a, b)                        a / b, missing when b == 0 (without warning)
	clamp(x, lo, hi)                   min(max(x, lo), hi)
	log(x) log10(x) sqrt(x) exp(x)     log is the natural logarithm
	pow(x, y)                          x ** y
	has(x)                             true when x is present; never missing
	coalesce(a, b, …)                  the first present argument, else missing
	n_present(a, b, …)                 how many arguments are present; never missing

Lists outside `in`, maps, closures and predicates (filter, map, all, …),
let, sequences, slicing, method calls, optional chaining and any other
function are compile errors at their position.

# Types

A leaf's expression, an adjustment's points and a derived metric must
produce a number; an adjustment's when must produce a bool. Otherwise
Compile reports "expression must produce a number, got bool" at the
expression. Operands of the wrong type are errors at the operator.
A node's applies_when and the set's rated_when must produce a bool and may
read only subject.<attribute> and period (Values.AppliesWhen,
Values.RatedWhen).

# Missing values

The literal nil is the missing number: it may stand wherever a number is
expected (c ? nil : x, x ?? nil, a function argument) and is then missing
like any absent value. Where a bool is expected, and as an operand of a
comparison, it is a compile error at its position.

Missing propagates: every operator and function other than ??, has,
coalesce and n_present gives missing when any of its operands is missing — and, or and
the comparisons included (`false and missing` is missing). A ternary whose
condition is missing is missing. Evaluation short-circuits like the scalar
reading of the expression: a ternary evaluates only the branch it chooses,
?? and coalesce stop at the first present operand.

# Non-finite results

An operation on present operands whose result is NaN or ±Inf — x/0, 0/0,
x % 0, log(0), log(-1), sqrt(-1), pow(0, -1), pow(-8, 0.5), overflow of
+ - * / exp and powers — gives missing at once, so `(a / b) ?? 0` is 0 when
b is 0. Each such subject gets one warning per expression naming the
subject, the leaf (adjustment or metric) id and the first failing operation
in evaluation order ("division by zero: value treated as missing"); an
operation in a branch that is not taken warns nothing, and an operation on
an operand that was already missing warns nothing either. ratio(a, 0) is
missing without a warning: it is the way to say "undefined here". Data
values are expected to be finite.

# Group statistics

A group statistic is an input of the plan, not an operation: its column is
computed once per (statistic, metric, period) — one pass over the metric's
column accumulating per-group sums, counts or extremes (two for sd; the
median buckets the values by group and sorts each bucket) and one pass
writing each subject its group's value — so it costs O(subjects) whatever
the number of groups. The pools are fixed for the evaluation: rated_when is
evaluated first, in the batch period.

# Derived metrics

Derived metrics are computed per subject before the indicators; they may use
other derived metrics, group statistics of them included (a cycle is a
compile error naming it, "derived metrics form a cycle: a → b → a"), and
prev.<derived>. Evaluate computes
every derived metric in the batch period and in the previous one
(Values.Derived, Values.PrevDerived); a prev.<derived> inside a derived
metric evaluated in p−1 refers to p−2, and so on, each (metric, period)
computed once. In a period before the first period of the data (of the
batch period's kind) every derived metric is missing, which ends such
chains.

# Performance

Each expression becomes a register program over blocks of 1024 subjects:
inputs are windows of the dataset's columns (no copies), constants are
folded at compile time (an operation whose constant result would not be
finite is kept, so it warns per subject as it should), a repeated
subexpression is computed once, c ? 1 : 0 reads c (a bool is already
1, 0 or NaN), operations with a constant operand have
kernels of their own, scratch buffers are reused within a program and
pooled across evaluations, and the last operation writes straight into
the result column.

Runs of operations are fused into one loop (fuse.go): an operation on two
columns followed by constant operations — `a / b * 100`,
`clamp((a / b - 0.6) / 0.38, 0, 1) * 100`, `a / b > 1.1 ? 0 : 100` — is a
head and a pipeline of constant stages (affine x*m + c, division by a
constant, clamp, affine, comparison with a result table) that reproduces
every operation's rounding bit for bit. Its loop does not fix non-finite
values: it only notices a zero divisor or an infinity, and then that
block is run again through the original instructions. Selections whose
outcome depends on the data (??, ?:, comparisons, has) compile to
conditional moves rather than branches.

Non-finite detection costs a comparison or two per value; rows flagged
there are replayed through the scalar evaluator to name the warning.
Leaves and adjustments run in parallel under an errgroup bounded by
GOMAXPROCS, each into its own pre-sized column, so results and warnings
are deterministic.
*/
package engine
