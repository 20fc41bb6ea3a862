package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/cmd/govscore/template"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/expect"
	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/internal/atomicdir"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/synth"
)

func cmdValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate")
	var in inputFlags
	in.register(fs)
	period := fs.String("period", "", "also check that this `period` can be scored")
	maxErrors := fs.Int("max-errors", diag.MaxErrors, fmt.Sprintf("print at most `N` problems, then their count (0: every problem kept, up to %d)", diag.MaxCollected))
	files, _, err := in.parse(fs, args)
	if err != nil {
		return err
	}
	if err := checkPeriodFlag(*period); err != nil {
		return err
	}
	if *maxErrors < 0 {
		return usagef("--max-errors %d: give 0 (all) or a positive number", *maxErrors)
	}
	p, err := batch.Load(files)
	var list diag.List
	if errors.As(err, &list) {
		return &cappedList{list: list, max: *maxErrors}
	}
	if err != nil {
		return err
	}
	per, err := p.ResolvePeriod(*period)
	if err != nil {
		return err
	}
	// Score the period in memory, writing nothing, for the warnings that
	// only scoring finds (an indicator without a value in a peer group).
	b, err := batch.Run(ctx, p, p.Set, batch.Options{Period: per.String(), At: e.now()})
	if err != nil {
		return err
	}
	printWarnings(e.stderr, b.Warnings, 50, e.lang)
	var periods []string
	for _, q := range p.Data.Periods() {
		periods = append(periods, q.String())
	}
	fmt.Fprintf(e.stdout, e.tr("ok: %s — %d nodes (%d indicators), %d subjects, %d metrics, periods %s; batch period %s\n"),
		p.Set.ID, len(p.Set.Nodes), len(p.Set.Leaves), p.Data.Len(), len(p.Data.Metrics()), strings.Join(periods, ", "), per)
	return nil
}

// cappedList is a diag.List printed with at most max errors (0: all).
type cappedList struct {
	list diag.List
	max  int
}

func (c *cappedList) Error() string { return c.list.Format(c.max) }

// Unwrap returns the list, so that the exit code is that of invalid input.
func (c *cappedList) Unwrap() error { return c.list }

func cmdExplain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "explain")
	var in inputFlags
	in.register(fs)
	subject := fs.String("subject", "", "`id` or name of the subject to explain (required)")
	period := fs.String("period", "", "batch `period` (default: the set's period, else the latest in the data)")
	files, _, err := in.parse(fs, args)
	if err != nil {
		return err
	}
	if *subject == "" {
		return usagef("--subject is required")
	}
	b, err := loadAndRun(ctx, e, files, batch.Options{Period: *period})
	if err != nil {
		return err
	}
	si, err := findSubject(b, *subject, files.Subjects)
	if err != nil {
		return err
	}
	return reports.WriteExplainLang(e.stdout, b, si, e.lang)
}

func cmdInit(ctx context.Context, e *env, args []string) error {
	fset := newFlags(e, "init")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one DIR")
	}
	root, err := template.Project(e.outLang())
	if err != nil {
		return usagef("%v", err)
	}
	dir := pos[0]
	// Staged and moved into place by one rename: a full disk or a crash
	// leaves no half project (atomicdir).
	tx, err := atomicdir.Begin(dir, atomicdir.Options{})
	if err != nil {
		return err
	}
	defer tx.Close()
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return usagef("%s exists and is not empty; choose a new directory", dir)
	}
	err = fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, path)
		if err != nil {
			return err
		}
		return tx.WriteFile(path, func(w io.Writer) error { _, err := w.Write(data); return err })
	})
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, e.tr("created %s\nnext: govscore validate %s && govscore run %s\n"), dir, dir, dir)
	return nil
}

func cmdGen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gen")
	n := fs.Int("subjects", 1000, "number of `subjects`")
	m := fs.Int("leaves", 50, "number of leaf `indicators`")
	seed := fs.Uint64("seed", 1, "random `seed` (same seed, same files)")
	period := fs.String("period", "2024", "`period` of the generated metrics")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one DIR")
	}
	if *n < 1 || *m < 1 {
		return usagef("--subjects and --leaves must be ≥ 1")
	}
	// Written into a staging directory, then moved into place (atomicdir):
	// a full disk leaves the earlier files, not partial ones.
	tx, err := atomicdir.Begin(pos[0], atomicdir.Options{})
	if err != nil {
		return err
	}
	defer tx.Close()
	if err := synth.Write(tx.Dir(), synth.Config{Subjects: *n, Leaves: *m, Seed: *seed, Period: *period}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, e.tr("wrote a synthetic project of %d subjects × %d indicators to %s\n"), *n, *m, pos[0])
	return nil
}

func cmdTest(ctx context.Context, e *env, args []string) error {
	fset := newFlags(e, "test")
	var in inputFlags
	in.register(fset)
	testsFile := fset.String("tests", "", "tests `file` (default DIR/tests.yaml)")
	verbose := fset.Bool("v", false, "list every case, not only failures")
	files, _, err := in.parse(fset, args)
	if err != nil {
		return err
	}
	if *testsFile != "" {
		files.Tests = *testsFile
	}
	if files.Tests == "" {
		return usagef("no tests.yaml in the project (or --tests FILE)")
	}
	suite, err := expect.ParseFile(files.Tests)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range expect.Run(ctx, suite, files) {
		switch {
		case r.Err != nil:
			failed++
			fmt.Fprintf(e.stdout, e.tr("--- FAIL: %s\n    could not score the case:\n%s\n"), r.Name, indent(errorText(r.Err, e.lang), "    "))
		case len(r.Failures) > 0:
			failed++
			fmt.Fprintf(e.stdout, e.tr("--- FAIL: %s\n"), r.Name)
			for _, f := range r.Failures {
				fmt.Fprintf(e.stdout, e.tr("    %s: subject %s: %s\n"), f.Pos, f.Subject, i18n.Error(e.lang, f.Text.Format, f.Text.Args, f.Msg))
			}
		case *verbose:
			fmt.Fprintf(e.stdout, e.tr("--- PASS: %s\n"), r.Name)
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stdout, e.tr("FAIL: %d of %d cases\n"), failed, len(suite.Tests))
		return &testFailure{failed: failed}
	}
	fmt.Fprintf(e.stdout, e.tr("ok: %d cases passed\n"), len(suite.Tests))
	return nil
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func cmdAssess(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "assess")
	var in inputFlags
	in.register(fs)
	period := fs.String("period", "", "batch `period` (default: the set's period, else the latest in the data)")
	files, _, err := in.parse(fs, args)
	if err != nil {
		return err
	}
	b, err := loadAndRun(ctx, e, files, batch.Options{Period: *period})
	if err != nil {
		return err
	}
	return reports.WriteAssessLang(e.stdout, b, e.lang)
}
