package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/internal/atomicdir"
	"github.com/govscore/govscore/reports"
)

var osGetenv = os.Getenv

// formats maps each output format to its file and writer, in the order the
// files are written; every writer renders the publication view (report.go),
// the reading formats (audience) the view for --audience.
var formats = []struct {
	name, file string
	publish    func(io.Writer, *reports.View, pubOptions) error
	audience   bool
}{
	{"csv", "results.csv", publishResultsCSV, false},
	{"csv", "indicators.csv", publishIndicatorsCSV, false},
	{"json", "results.json", publishJSON, false},
	{"html", "report.html", publishHTML, true},
	{"xlsx", "results.xlsx", publishXLSX, true},
	{"md", "results.md", publishMarkdown, true},
}

func availableFormats() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range formats {
		if !seen[f.name] {
			seen[f.name] = true
			out = append(out, f.name)
		}
	}
	return out
}

// parseFormats checks a --format list against the available formats.
func parseFormats(s string) (map[string]bool, error) {
	want := map[string]bool{}
	avail := availableFormats()
	if s == "" {
		for _, f := range avail {
			want[f] = true
		}
		return want, nil
	}
	for _, f := range splitList(s) {
		ok := false
		for _, a := range avail {
			ok = ok || a == f
		}
		if !ok {
			return nil, usagef("unknown format %q (available: %s)", f, strings.Join(avail, ", "))
		}
		want[f] = true
	}
	return want, nil
}

// loadAndRun scores the CSV project of files with batch.Run and opt (its
// At from SOURCE_DATE_EPOCH or the clock); shared by run, explain, analyse,
// assess and test.
func loadAndRun(ctx context.Context, e *env, files batch.Files, opt batch.Options) (*batch.Batch, error) {
	if err := checkPeriodFlag(opt.Period); err != nil {
		return nil, err
	}
	p, err := batch.Load(files)
	if err != nil {
		return nil, err
	}
	if opt.At, err = generatedAt(e); err != nil {
		return nil, usagef("%v", err)
	}
	return batch.Run(ctx, p, p.Set, opt)
}

// checkPeriodFlag rejects a malformed --period as a usage error (exit 2); a
// well-formed period the data do not hold is invalid input (exit 1).
func checkPeriodFlag(period string) error {
	if period == "" {
		return nil
	}
	if _, err := dataset.ParsePeriod(period); err != nil {
		return usagef("--period: %v", err)
	}
	return nil
}

// generatedAt honours SOURCE_DATE_EPOCH (reproducible-builds convention).
func generatedAt(e *env) (time.Time, error) {
	s := e.getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return e.now().UTC(), nil
	}
	var sec int64
	if _, err := fmt.Sscan(s, &sec); err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want a whole number of seconds", s)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run")
	var in inputFlags
	in.register(fs)
	out := fs.String("o", "", "output `directory` (default DIR/out/<period>)")
	period := fs.String("period", "", "batch `period` (default: the set's period, else the latest in the data)")
	format := fs.String("format", "", "comma-separated output `formats` (default: all of "+strings.Join(availableFormats(), ",")+")")
	quiet := fs.Bool("q", false, "do not print the ranking summary")
	top := fs.Int("top", 10, "subjects per peer group in the summary (0 = all)")
	var of outFlags
	of.register(fs)
	db := fs.String("db", "", "read the data from this database `URL` and store the batch there (default $"+dbEnv+")")
	byGroup := fs.Bool("by-group", false, "score one peer group at a time (--format csv,json; from files): the scoring memory is the largest group's")
	unc := registerUncertainty(fs)
	fs.StringVar(&unc.analysis, "analysis", "auto", "robustness `analysis` in results.json: auto (up to AutoAnalysisLimit = 20000 subjects), on or off")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if unc.analysis != "auto" && unc.analysis != "on" && unc.analysis != "off" {
		return usagef("--analysis must be auto, on or off, got %q", unc.analysis)
	}
	if err := unc.check(); err != nil {
		return err
	}
	if err := of.check(); err != nil {
		return err
	}
	want, err := parseFormats(*format)
	if err != nil {
		return err
	}
	files, dir, err := in.files(pos)
	if err != nil {
		return err
	}
	// The outputs (and, with --db, the stored rows) come from the scored
	// batch alone: the metric columns can go before scoring.
	opt := batch.Options{Period: *period, Previous: want["html"] || want["xlsx"] || want["md"], DropColumns: true}
	opt.Analysis, opt.AnalysisLimit = unc.options(want["json"])
	if *byGroup {
		return runByGroup(ctx, e, files, dir, dbURL(e, *db), opt, want, &of, *out, *quiet, *top)
	}
	var b *batch.Batch
	var stored *dbBatch // set when the data comes from a database
	if u := dbURL(e, *db); u != "" {
		if stored, err = loadAndRunDB(ctx, e, u, files, opt); err != nil {
			return err
		}
		defer stored.close()
		b = stored.b
	} else {
		defer setMemoryLimit(e, files)()
		if b, err = loadAndRun(ctx, e, files, opt); err != nil {
			return err
		}
	}
	if opt.AnalysisLimit > 0 && b.Analysis == nil {
		fmt.Fprintf(e.stderr, e.tr("note: %d subjects > %d: the robustness analysis is left out of results.json (use --analysis on, or govscore analyse)\n"), b.Project.Data.Len(), AutoAnalysisLimit)
	}
	if opt.Previous && b.PreviousErr != nil {
		fmt.Fprintf(e.stderr, e.tr("note: the previous period cannot be scored, so report.html, results.xlsx and results.md show no change from it: %v\n"), b.PreviousErr)
	}
	outDir := *out
	if outDir == "" {
		base := dir
		if base == "" {
			base = filepath.Dir(files.Indicators)
		}
		outDir = filepath.Join(base, "out", b.Meta.Period)
	}
	// Keep only what the view and the stored rows read: the data set's
	// metric columns, the expression values and the plan can go (issue 13).
	b = b.Published()
	if stored != nil {
		stored.b = b
	}
	outputs, written, view := runOutputs(b, want, e.outLang(), &of)
	if stored != nil {
		defer setStoringMemoryLimit(e)()
		return stored.save(ctx, e, outputs, view, *out, *quiet, *top)
	}
	if !*quiet && view == nil {
		view = publicationView(b)
	}
	// The view holds what the writers and the summary read: b is not used
	// below (and not captured), so the subjects' records and index can be
	// collected too while the files are written.
	warnings := b.Warnings
	if err := writeAtomic(outDir, outputs); err != nil {
		return err
	}
	printWarnings(e.stderr, warnings, 20, e.lang)
	if !*quiet {
		if err := reports.WriteSummaryLang(e.stdout, view, *top, e.lang); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, e.tr("\nwrote %s to %s\n"), strings.Join(written, ", "), outDir)
	}
	return nil
}

// runOutputs are the files of `govscore run` for the --format selection
// want, in the order of formats, and their names: every format is written
// from one view of the batch (returned; nil when no format is wanted);
// uncertainty.csv comes last when the batch has an uncertainty analysis.
// The CSV files start with a byte order mark when of says so.
func runOutputs(b *batch.Batch, want map[string]bool, lang string, of *outFlags) ([]output, []string, *reports.View) {
	var view *reports.View // built once, for every format
	for _, f := range formats {
		if want[f.name] {
			view = publicationView(b)
			break
		}
	}
	outputs, written := of.outputs(view, want, lang)
	if u := b.Analysis; u != nil && u.Uncertainty != nil {
		if view == nil {
			view = publicationView(b)
		}
		v := view
		outputs = append(outputs, output{name: "uncertainty.csv", write: func(w io.Writer) error { return reports.WriteUncertaintyCSV(w, v) }})
		written = append(written, "uncertainty.csv")
	}
	return outputs, written, view
}

// output is one file to write: by write alone, or, when pair is set and
// the pair's other file is written too, with it by pair.write
// (stageOutputs).
type output struct {
	name  string
	write func(io.Writer) error
	pair  *outputPair
}

// writeAtomic writes every output into a fresh staging directory next to
// dir and then moves them into place (staged.commit, atomicdir), so that a
// failure or a crash leaves no partial file in dir and dir ends up holding
// the outputs of this run only.
func writeAtomic(dir string, outputs []output) error {
	return writeOutputs(dir, outputs, true)
}

// writeOutputs is writeAtomic; with replace false the outputs are added to
// dir and earlier outputs this write does not cover are kept (re-rendering
// some formats of a batch next to its results.json).
func writeOutputs(dir string, outputs []output, replace bool) error {
	st, err := stageOutputs(dir, outputs, replace)
	if err != nil {
		return err
	}
	defer st.cleanup()
	return st.commit()
}

// staged is a set of outputs written completely into a staging directory
// next to their destination, not yet moved into place.
type staged struct {
	tx *atomicdir.Tx
}

// stage writes the outputs into a fresh staging directory next to dir, to
// replace dir's earlier govscore outputs on commit.
func stage(dir string, outputs []output) (*staged, error) {
	return stageOutputs(dir, outputs, true)
}

// stageOutputs is stage; with replace false, commit keeps the earlier
// outputs it does not overwrite. The files are written concurrently, so
// that one file's system calls overlap another's formatting; a pair of
// outputs that are both staged is written by the pair's one writer
// (outputPair.stage).
func stageOutputs(dir string, outputs []output, replace bool) (*staged, error) {
	var opts atomicdir.Options
	if replace {
		opts.Stale = func(name string) bool { return outputNames[name] }
	}
	tx, err := atomicdir.Begin(dir, opts)
	if err != nil {
		return nil, err
	}
	st := &staged{tx: tx}
	var g errgroup.Group
	for _, o := range outputs {
		if p := o.pair; p != nil && p.staged(outputs) {
			if o.name == p.first {
				g.Go(func() error { return p.stage(tx) })
			}
			continue
		}
		g.Go(func() error {
			if err := tx.WriteFile(o.name, o.write); err != nil {
				return fmt.Errorf("writing %s: %w", o.name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		st.cleanup()
		return nil, err
	}
	return st, nil
}

// copyTo writes the staged output name to w (so that a rendered file can be
// stored elsewhere without rendering it again).
func (st *staged) copyTo(name string, w io.Writer) error {
	f, err := os.Open(st.tx.Path(name))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// outputNames are the files govscore writes into an output directory.
var outputNames = map[string]bool{
	"results.csv": true, "indicators.csv": true, "results.json": true, "report.html": true,
	"results.xlsx": true, "results.md": true, "uncertainty.csv": true,
}

// commit moves the staged files into place (atomicdir.Tx.Commit): a new or
// empty directory is renamed into place whole; in an existing one each
// output replaces its old version and, unless the outputs were staged to be
// added, earlier govscore outputs this run did not write are removed; other
// files stay. A crash at any point is completed by the next write of dir.
func (st *staged) commit() error { return st.tx.Commit() }

// cleanup removes whatever commit did not move and releases dir.
func (st *staged) cleanup() { st.tx.Close() }
