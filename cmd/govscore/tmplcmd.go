package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/workbook"
)

// cmdTemplate writes the fill-in workbook of a data provider (SPEC §3.1).
func cmdTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "template")
	var in inputFlags
	in.register(fs)
	provider := fs.String("provider", "", "write the metrics declared with provider `P` (default: every collected metric)")
	period := fs.String("period", "", "the `period` the values are for (default: the set's period)")
	out := fs.String("o", "", "the workbook to write, `F.xlsx` (required)")
	files, _, err := in.parse(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing -o F.xlsx")
	}
	if filepath.Ext(*out) != ".xlsx" {
		return usagef("-o %s: the template is an .xlsx workbook; name it F.xlsx", *out)
	}
	if err := checkPeriodFlag(*period); err != nil {
		return err
	}
	if files.Indicators == "" {
		return usagef("missing the indicator set (DIR/indicators.yaml or --indicators)")
	}
	set, err := indicators.ParseFile(files.Indicators)
	if err != nil {
		return err
	}
	per := *period
	if per == "" {
		per = set.Period
	}
	if per == "" {
		return usagef("the indicator set has no period: give --period P")
	}
	if p, err := dataset.ParsePeriod(per); err == nil {
		per = p.String()
	}
	ds, err := batch.LoadSubjects(files, set)
	if err != nil {
		return err
	}
	t, err := batch.Template(set, ds, *provider, per)
	if err != nil {
		return usagef("%v", err)
	}
	if err := writeFileAtomic(*out, func(f *os.File) error { return workbook.WriteTemplate(f, t) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, e.tr("wrote %s: %d subjects × %d metrics for period %s\n"), *out, len(t.Subjects), len(t.Metrics), per)
	return nil
}

// writeFileAtomic writes path through a temporary file in its directory,
// renamed over path once complete: a failure leaves no partial file.
func writeFileAtomic(path string, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".govscore-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
