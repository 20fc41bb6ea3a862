package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/govscore/govscore/analysis"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/indicators"
)

// uncertaintyFlags are the flags of the uncertainty analysis, shared by run
// and analyse.
type uncertaintyFlags struct {
	n        int
	seed     uint64
	analysis string // run only: auto | on | off
}

// AutoAnalysisLimit is the number of subjects up to which `govscore run
// --analysis auto` (the default) adds the robustness analysis to
// results.json. The analysis re-scores the batch once per leaf (leave-one-out)
// and computes correlation matrices: on very large batches it would cost more
// than the batch itself, so there it is left to `govscore analyse` or
// `--analysis on`.
const AutoAnalysisLimit = 20000

// registerUncertainty adds --uncertainty and --seed to fs.
func registerUncertainty(fs *flag.FlagSet) *uncertaintyFlags {
	u := &uncertaintyFlags{}
	fs.IntVar(&u.n, "uncertainty", 0, "run the uncertainty analysis with `N` replications (0 = none)")
	fs.Uint64Var(&u.seed, "seed", 1, "`seed` of the uncertainty analysis (same seed → same output, whatever the CPU count)")
	return u
}

// check rejects a negative replication count.
func (u *uncertaintyFlags) check() error {
	if u.n < 0 {
		return usagef("--uncertainty must be ≥ 0, got %d", u.n)
	}
	return nil
}

// options are the analysis options of `govscore run` (batch.Options
// Analysis and AnalysisLimit): with --uncertainty N > 0 or --analysis on
// always; else, when results.json is written (hasJSON), with --analysis
// auto up to AutoAnalysisLimit subjects; never with --analysis off.
func (u *uncertaintyFlags) options(hasJSON bool) (*analysis.Options, int) {
	opt := &analysis.Options{Replications: u.n, Seed: u.seed}
	switch {
	case u.n > 0 || (hasJSON && u.analysis == "on"):
		return opt, 0
	case !hasJSON || u.analysis == "off":
		return nil, 0
	}
	return opt, AutoAnalysisLimit
}

// cmdAnalyse is `govscore analyse DIR`: the robustness analysis as text, or
// as JSON with --json.
func cmdAnalyse(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "analyse")
	var in inputFlags
	in.register(fs)
	period := fs.String("period", "", "batch `period` (default: the set's period, else the latest in the data)")
	asJSON := fs.Bool("json", false, "print the analysis as JSON")
	u := registerUncertainty(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := u.check(); err != nil {
		return err
	}
	files, _, err := in.files(pos)
	if err != nil {
		return err
	}
	b, err := loadAndRun(ctx, e, files, batch.Options{Period: *period, Analysis: &analysis.Options{Replications: u.n, Seed: u.seed}})
	if err != nil {
		return err
	}
	rep := b.Analysis
	if *asJSON {
		js, err := rep.JSON()
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(append(js, '\n'))
		return err
	}
	return writeAnalysisText(e.stdout, b, rep, e.lang)
}

// writeAnalysisText prints the analysis for a person: per group the flags,
// the alphas and weights of the composites, each leaf's correlation with
// its parent and leave-one-out shift, then the uncertainty bands and the
// methodology warnings.
func writeAnalysisText(w io.Writer, b *batch.Batch, rep *analysis.Report, lang i18n.Lang) error {
	var buf bytes.Buffer
	printf := func(format string, args ...any) { fmt.Fprintf(&buf, i18n.T(lang, format), args...) }
	printf("Analysis of %s, period %s\n", b.Meta.SetID, b.Meta.Period)
	for _, g := range rep.Groups {
		printf("\n== peer group %s (%d rated)\n", g.Label, g.Rated)
		printf("\nComposites (Cronbach's alpha; children weights in effect)\n")
		for _, n := range g.Nodes {
			if n.Leaf {
				continue
			}
			printf("  %-28s alpha %-7s", n.ID, f3(n.Alpha))
			if n.WeightCases > 0 {
				printf(" (%d complete cases)", n.WeightCases)
			}
			printf("\n")
			node := nodeByID(b, n.ID)
			for c, wt := range n.Weights {
				if node != nil && c < len(node.Children) {
					printf("      %-24s %.4f\n", node.Children[c].ID, float64(wt))
				}
			}
		}
		printf("\nIndicators (r with parent: Pearson / Spearman; leave-one-out rank change: max / mean; mean effective weight)\n")
		for _, n := range g.Nodes {
			if !n.Leaf {
				continue
			}
			flags := ""
			switch {
			case n.Uninformative:
				flags = "  " + i18n.T(lang, "UNINFORMATIVE")
			case n.LowVariance:
				flags = "  " + i18n.T(lang, "LOW VARIANCE")
			}
			loo := "-"
			if n.LeaveOneOut != nil {
				loo = fmt.Sprintf("%d / %s", n.LeaveOneOut.Max, f3p(float64(n.LeaveOneOut.Mean)))
			}
			printf("  %-28s r %s / %s   shift %-12s  w %.4f%s\n", n.ID, f3p(float64(n.ParentPearson)), f3p(float64(n.ParentSpearman)), loo, float64(n.EffectiveWeight), flags)
		}
		if len(g.Collinear) > 0 {
			printf("\nCollinear siblings (|r| > %g)\n", analysis.Collinear)
			for _, c := range g.Collinear {
				printf("  %s: %s ~ %s  r = %.3f\n", c.Parent, c.A, c.B, float64(c.R))
			}
		}
	}
	if u := rep.Uncertainty; u != nil {
		printf("\nUncertainty: %d replications, seed %d, weight noise ±%g", u.Replications, u.Seed, u.WeightNoise)
		if len(u.Normalize) > 0 {
			printf(", normalize %s", strings.Join(u.Normalize, "|"))
		}
		if len(u.Aggregate) > 0 {
			printf(", aggregate %s", strings.Join(u.Aggregate, "|"))
		}
		if u.RaterBootstrap {
			printf(", rater bootstrap")
		}
		// Padded by display width: group labels, subjects and the
		// headings may be Chinese.
		l, r := i18n.PadRight, i18n.PadLeft
		printf("\n  %s %s %s %s %7s %7s  %s\n", l(i18n.T(lang, "peer group"), 16), l(i18n.T(lang, "subject"), 20), r(i18n.T(lang, "nominal"), 7), r(i18n.T(lang, "median"), 7), "p05", "p95", i18n.T(lang, "tied with"))
		for _, s := range u.Subjects {
			tied := strings.Join(s.Tied, " ")
			if s.TiedCount > len(s.Tied) {
				tied += i18n.F(lang, " … (%d in all)", s.TiedCount)
			}
			printf("  %s %s %7d %7s %7s %7s  %s\n", l(s.Group, 16), l(s.Subject, 20), s.Nominal, f3p(float64(s.Median)), f3p(float64(s.P05)), f3p(float64(s.P95)), tied)
		}
	}
	if len(rep.Warnings) > 0 {
		printf("\nMethodology warnings\n")
		for _, x := range rep.Warnings {
			printf("  %s\n", x)
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// nodeByID finds a node of the batch's set by id (nil when none).
func nodeByID(b *batch.Batch, id string) *indicators.Node {
	for _, n := range b.Project.Set.Nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// f3 formats an optional number with 3 decimals ("-" when nil or NaN).
func f3(x *analysis.Num) string {
	if x == nil {
		return "-"
	}
	return f3p(float64(*x))
}

// f3p formats a number with 3 decimals ("-" for NaN).
func f3p(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}
