package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/gaming"
	"github.com/govscore/govscore/i18n"
)

// cmdAudit is `govscore audit DIR [--period P] [--json]`: the gaming
// checks (package gaming) on the batch period's collected data. A report:
// it changes no score, and flags are not failures (exit 0).
func cmdAudit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit")
	var in inputFlags
	in.register(fs)
	period := fs.String("period", "", "batch `period` (default: the set's period, else the latest in the data)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var opt gaming.Options
	def := gaming.DefaultOptions()
	fs.IntVar(&opt.MinRatings, "min-ratings", def.MinRatings, "fewest ratings of a rater for the straight-lining and identical-answer checks")
	fs.Float64Var(&opt.GradeMargin, "grade-margin", def.GradeMargin, "score `points` above a grade's min that count as just above it")
	fs.Float64Var(&opt.VetoMargin, "veto-margin", def.VetoMargin, "share of a veto threshold within which a safe value counts as just escaping it")
	fs.Float64Var(&opt.Jump, "jump", def.Jump, "relative change from the previous period that counts as a jump")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if opt.MinRatings < 1 || opt.GradeMargin <= 0 || opt.VetoMargin <= 0 || opt.Jump <= 0 {
		return usagef("--min-ratings, --grade-margin, --veto-margin and --jump must be positive")
	}
	files, _, err := in.files(pos)
	if err != nil {
		return err
	}
	if err := checkPeriodFlag(*period); err != nil {
		return err
	}
	p, err := batch.Load(files)
	if err != nil {
		return err
	}
	at, err := generatedAt(e)
	if err != nil {
		return usagef("%v", err)
	}
	b, err := batch.Run(ctx, p, p.Set, batch.Options{Period: *period, At: at})
	if err != nil {
		return err
	}
	ratings, err := p.Ratings(ctx, b.Period)
	if err != nil {
		return err
	}
	rep := gaming.Run(gaming.InputOf(b, ratings), opt)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeAuditText(e.stdout, rep, e.lang)
}

// checkTitle describes each gaming check in a few words (translated when
// printed).
var checkTitle = map[string]string{
	gaming.StraightLining:   "same score to every subject",
	gaming.IdenticalVectors: "identical answers across raters",
	gaming.Reciprocity:      "reciprocal favour-trading pairs",
	gaming.NearGrade:        "just above a grade's minimum",
	gaming.NearVeto:         "just escaping a veto",
	gaming.Jump:             "jump from the previous period",
}

// writeAuditText prints a gaming report for a person, its framing in the
// language lang: the count of each check, then every flag with its
// message (the JSON report keeps the gaming package's English text).
func writeAuditText(w io.Writer, rep *gaming.Report, lang i18n.Lang) error {
	tr := func(s string) string { return i18n.T(lang, s) }
	var b strings.Builder
	total := len(rep.Flags)
	fmt.Fprintf(&b, tr("gaming checks, period %s: %d flag(s) — a report for the office, no score was changed\n"), rep.Period, total)
	for _, c := range gaming.Checks {
		fmt.Fprintf(&b, "  %-18s %s %d\n", c, tr(checkTitle[c]), rep.Counts[c])
	}
	for _, f := range rep.Flags {
		fmt.Fprintf(&b, "%s: %s\n", f.Check, i18n.Error(lang, f.Text.Format, f.Text.Args, f.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
