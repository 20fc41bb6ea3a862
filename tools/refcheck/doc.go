// Package refcheck checks govscore's core scoring against an independent reference.
//
// The reference, refcheck.py (Python 3, standard library only), implements SPEC.md §4.3–§4.10
// and the results.csv and indicators.csv outputs of §8 from the specification text and
// docs/decisions.md alone. It generates random small evaluation projects, scores them, runs
// `govscore run DIR -o OUT --format csv -q` on them and compares every number (1e-9 relative or
// absolute; ranks, grades and statuses exactly). The package holds only the test that drives it;
// see README.md.
package refcheck
