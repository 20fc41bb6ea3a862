package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// dbEnv is the environment variable naming the database (SPEC §7).
const dbEnv = "GOVSCORE_DATABASE_URL"

// dbURL returns --db, else $GOVSCORE_DATABASE_URL.
func dbURL(e *env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return e.getenv(dbEnv)
}

// openDB opens the database and, unless migrating, checks its schema.
func openDB(ctx context.Context, e *env, flagValue string, check bool) (*postgres.DB, error) {
	u := dbURL(e, flagValue)
	if u == "" {
		return nil, usagef("no database: give --db URL or set %s", dbEnv)
	}
	db, err := postgres.Open(ctx, u)
	if err != nil {
		return nil, err
	}
	if check {
		if err := db.CheckSchema(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func cmdDB(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, e.tr("usage: ")+"govscore db migrate [--db URL]\n       govscore db import DIR | --subjects F --metrics F[,F] [--indicators F] [--db URL]")
		if len(args) == 0 {
			return usagef("missing subcommand (migrate or import)")
		}
		return nil
	}
	switch args[0] {
	case "migrate":
		return dbMigrate(ctx, e, args[1:])
	case "import":
		return dbImport(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q (want migrate or import)", args[0])
}

func dbMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "db")
	url := fs.String("db", "", "database `URL` (default $"+dbEnv+")")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("db migrate takes no arguments: %s", strings.Join(pos, " "))
	}
	db, err := openDB(ctx, e, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, e.tr("schema is up to date (version %d)\n"), postgres.SchemaVersion())
		return nil
	}
	fmt.Fprintf(e.stdout, e.tr("applied migrations %s; schema version %d\n"), joinInts(applied), postgres.SchemaVersion())
	return nil
}

func dbImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "db")
	url := fs.String("db", "", "database `URL` (default $"+dbEnv+")")
	var in inputFlags
	in.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	files, err := importFiles(&in, pos)
	if err != nil {
		return err
	}
	var set *indicators.Set
	if files.Indicators != "" {
		if set, err = indicators.ParseFile(files.Indicators); err != nil {
			return err
		}
	}
	// Reading the files is a run's reading (memlimit.go). Once read, the
	// import holds the data once, in the dataset, and streams it to the
	// server: the storing limit keeps the heap near that live heap
	// instead of letting the COPY's garbage grow it to twice as much.
	restoreLoad := setMemoryLimit(e, files)
	data, err := batch.LoadData(files, set)
	if err != nil {
		restoreLoad()
		return err
	}
	defer restoreLoad()
	defer setStoringMemoryLimit(e)()
	opt := postgres.ImportOptions{Progress: progressLines(e, "import: %d metric rows sent\n")}
	for _, f := range data.Files {
		opt.Files = append(opt.Files, postgres.FileInfo{Name: f.Name, SHA256: f.SHA256, Bytes: f.Bytes})
	}
	db, err := openDB(ctx, e, *url, true)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Import(ctx, data.Dataset, data.Given, data.Ratings, opt)
	if err != nil {
		return err
	}
	printWarnings(e.stderr, rep.Warnings, 20, e.lang)
	fmt.Fprintf(e.stdout, e.tr("import %d: subjects %d added, %d updated, %d unchanged; metric values %d added, %d changed, %d unchanged"),
		rep.ID, rep.SubjectsAdded, rep.SubjectsUpdated, rep.SubjectsUnchanged, rep.MetricsAdded, rep.MetricsChanged, rep.MetricsUnchanged)
	if len(data.Ratings.Rows) > 0 || len(files.Assessments) > 0 {
		fmt.Fprintf(e.stdout, e.tr("; ratings %d added, %d changed, %d unchanged"), rep.AssessmentsAdded, rep.AssessmentsChanged, rep.AssessmentsUnchanged)
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// importFiles resolves the files of `db import`: DIR (its data/ files and,
// when present, indicators.yaml for kinds and bounds) or the flags.
func importFiles(in *inputFlags, pos []string) (batch.Files, error) {
	files, _, err := in.resolve(pos)
	if err != nil {
		return files, err
	}
	if files.Dir == "" && (files.Subjects == "" || len(files.Metrics) == 0) {
		return files, usagef("give DIR, or --subjects F and --metrics F[,F]")
	}
	return files, nil
}

// dbBatch is a batch scored from the database by `govscore run --db`,
// waiting to be stored with its rendered outputs.
type dbBatch struct {
	db *postgres.DB
	b  *batch.Batch
}

func (d *dbBatch) close() { d.db.Close() }

// loadAndRunDB is loadAndRun for `govscore run --db`: batch.Run with the
// indicator set from files and the data (subjects, metrics, ratings) from
// the database.
func loadAndRunDB(ctx context.Context, e *env, url string, files batch.Files, opt batch.Options) (*dbBatch, error) {
	if err := checkPeriodFlag(opt.Period); err != nil {
		return nil, err
	}
	if files.Indicators == "" {
		return nil, usagef("missing the indicator set (DIR/indicators.yaml or --indicators)")
	}
	set, err := indicators.ParseFile(files.Indicators)
	if err != nil {
		return nil, err
	}
	if opt.At, err = generatedAt(e); err != nil {
		return nil, usagef("%v", err)
	}
	db, err := openDB(ctx, e, url, true)
	if err != nil {
		return nil, err
	}
	// A server on this machine shares its cores with the run's rendering.
	db.ShareCPU(postgres.LocalServer(url))
	// The metrics and ratings of a period come from one snapshot of the
	// database; reading datasets of a million rows or more is reported.
	src := &postgres.Snapshot{DB: db, Options: postgres.LoadOptions{Progress: progressLines(e, "run: %d metric rows read\n")}}
	b, err := batch.Run(ctx, src, set, opt)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &dbBatch{db: db, b: b}, nil
}

// batchRecord converts a batch into what the database stores of it.
func batchRecord(b *batch.Batch) *postgres.BatchRecord {
	return &postgres.BatchRecord{
		Set: b.Project.Set, SetSHA256: b.Meta.SetSHA256,
		Period: b.Meta.Period, DataSHA256: b.Meta.DataSHA256, EngineVersion: b.Meta.EngineVersion, GeneratedAt: b.Meta.GeneratedAt,
		Subjects: b.Project.Data.Subjects, Result: b.Result, Warnings: b.Warnings,
	}
}

// save stores the batch with the outputs a file run would write (the
// --format selection), prints its id, and writes the files to outDir only
// when -o was given. The summary is printed from view, the outputs' view
// of the batch (nil when they have none: it is built then).
func (d *dbBatch) save(ctx context.Context, e *env, outputs []output, view *reports.View, outDir string, quiet bool, top int) error {
	stored := make([]postgres.Output, len(outputs))
	for i, o := range outputs {
		stored[i] = postgres.Output{Name: o.name, Write: o.write}
		// A pair (indicators.csv with results.json) is rendered in one
		// pass when both are stored, as when both are staged.
		if p := o.pair; p != nil && o.name == p.first && p.staged(outputs) {
			stored[i].JointWith, stored[i].Joint = p.second, p.write
		}
	}
	// With -o, render each output once: into the staged files, which the
	// database then stores; they move into place once the batch is stored.
	var st *staged
	if outDir != "" {
		var err error
		if st, err = stage(outDir, outputs); err != nil {
			return err
		}
		defer st.cleanup()
		for i, o := range outputs {
			name := o.name
			stored[i] = postgres.Output{Name: name, Write: func(w io.Writer) error { return st.copyTo(name, w) }}
		}
	}
	id, err := d.db.SaveBatch(ctx, batchRecord(d.b), stored)
	if err != nil {
		return err
	}
	if st != nil {
		if err := st.commit(); err != nil {
			return fmt.Errorf("batch %d is stored, but writing %s failed: %w", id, outDir, err)
		}
	}
	b := d.b
	printWarnings(e.stderr, b.Warnings, 20, e.lang)
	if !quiet {
		if view == nil {
			view = publicationView(b)
		}
		if err := reports.WriteSummaryLang(e.stdout, view, top, e.lang); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, e.tr("batch %d (draft): %s %s, period %s, data sha256 %.12s\n"), id, b.Meta.SetID, b.Meta.SetVersion, b.Meta.Period, b.Meta.DataSHA256)
	return nil
}

func cmdBatch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "batch")
	url := fs.String("db", "", "database `URL` (default $"+dbEnv+")")
	by := fs.String("by", "", "`name` recorded as approver or publisher (default $USER, else the database user)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing subcommand (list, show, verify, approve, publish or diff)")
	}
	ids := func(n int) ([]int64, error) {
		if len(pos)-1 != n {
			return nil, usagef("batch %s takes %d batch id(s)", pos[0], n)
		}
		out := make([]int64, n)
		for i := range out {
			v, err := strconv.ParseInt(pos[1+i], 10, 64)
			if err != nil || v <= 0 {
				return nil, usagef("invalid batch id %q", pos[1+i])
			}
			out[i] = v
		}
		return out, nil
	}
	var want int
	switch pos[0] {
	case "list":
		want = 0
	case "show", "verify", "approve", "publish":
		want = 1
	case "diff":
		want = 2
	default:
		return usagef("unknown subcommand %q (want list, show, verify, approve, publish or diff)", pos[0])
	}
	id, err := ids(want)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, e, *url, true)
	if err != nil {
		return err
	}
	defer db.Close()
	who := *by
	if who == "" {
		who = e.getenv("USER")
	}
	switch pos[0] {
	case "list":
		bs, err := db.Batches(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tSET\tVERSION\tPERIOD\tSUBJECTS\tRATED\tDATA\tCREATED")
		for _, b := range bs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%.12s\t%s\n", b.ID, b.Status, b.SetID, b.SetVersion, b.Period, b.Subjects, b.Rated, b.DataSHA256, b.CreatedAt.Format("2006-01-02 15:04:05Z"))
		}
		return tw.Flush()
	case "show":
		b, err := db.Batch(ctx, id[0])
		if err != nil {
			return err
		}
		printBatch(e.stdout, b)
		return showDigest(ctx, e.stdout, db, id[0])
	case "verify":
		return batchVerify(ctx, e.stdout, db, id[0])
	case "approve":
		if err := db.Approve(ctx, id[0], who); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, e.tr("batch %d approved\n"), id[0])
		return nil
	case "publish":
		if err := db.Publish(ctx, id[0], who); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, e.tr("batch %d published; it can no longer change\n"), id[0])
		return nil
	}
	changes, err := db.Diff(ctx, id[0], id[1])
	if err != nil {
		return err
	}
	printDiff(e.stdout, id[0], id[1], changes)
	return nil
}

func printBatch(w io.Writer, b *postgres.BatchInfo) {
	fmt.Fprintf(w, "batch %d\n", b.ID)
	fmt.Fprintf(w, "  status:         %s\n", b.Status)
	fmt.Fprintf(w, "  indicator set:  %s %q version %s (sha256 %s)\n", b.SetID, b.SetName, b.SetVersion, b.SetSHA256)
	fmt.Fprintf(w, "  period:         %s\n", b.Period)
	fmt.Fprintf(w, "  data sha256:    %s\n", b.DataSHA256)
	fmt.Fprintf(w, "  engine:         %s\n", b.EngineVersion)
	fmt.Fprintf(w, "  subjects:       %d (%d rated)\n", b.Subjects, b.Rated)
	fmt.Fprintf(w, "  generated at:   %s\n", b.GeneratedAt.Format("2006-01-02T15:04:05Z"))
	fmt.Fprintf(w, "  created:        %s by %s\n", b.CreatedAt.Format("2006-01-02T15:04:05Z"), b.CreatedBy)
	if b.ApprovedAt != nil {
		fmt.Fprintf(w, "  approved:       %s by %s\n", b.ApprovedAt.Format("2006-01-02T15:04:05Z"), b.ApprovedBy)
	}
	if b.PublishedAt != nil {
		fmt.Fprintf(w, "  published:      %s by %s\n", b.PublishedAt.Format("2006-01-02T15:04:05Z"), b.PublishedBy)
	}
}

func printDiff(w io.Writer, a, b int64, changes []postgres.Change) {
	if len(changes) == 0 {
		fmt.Fprintf(w, "batches %d and %d give every subject the same score, rank and grade\n", a, b)
		return
	}
	num := func(x float64) string { return diag.FormatNum(x, "-") }
	rank := func(r int) string {
		if r == 0 {
			return "-"
		}
		return strconv.Itoa(r)
	}
	str := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PEER GROUP\tSUBJECT\tSCORE %d\tSCORE %d\tDELTA\tRANK %d\tRANK %d\tGRADE %d\tGRADE %d\n", a, b, a, b, a, b)
	for _, c := range changes {
		delta := "-"
		if !math.IsNaN(c.ScoreA) && !math.IsNaN(c.ScoreB) {
			delta = strconv.FormatFloat(c.ScoreB-c.ScoreA, 'g', 6, 64)
		}
		subj := c.Subject
		switch {
		case !c.InA:
			subj += " (new)"
		case !c.InB:
			subj += " (gone)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.PeerGroup, subj, num(c.ScoreA), num(c.ScoreB), delta,
			rank(c.RankA), rank(c.RankB), str(c.GradeA), str(c.GradeB))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d subject(s) changed\n", len(changes))
}

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report")
	url := fs.String("db", "", "database `URL` (default $"+dbEnv+")")
	id := fs.Int64("batch", 0, "batch `id` to render")
	out := fs.String("o", "", "output `directory` (with --batch: default ./batch-<id>; with OUT: default OUT itself)")
	var rf reportFlags
	rf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && *id == 0 {
		// report.go: re-render OUT from its results.json, into OUT or -o.
		return reportFromResults(e, pos[0], *out, rf)
	}
	if len(pos) > 0 {
		return usagef("report takes no arguments: %s", strings.Join(pos, " "))
	}
	if *id <= 0 {
		return usagef("missing --batch ID")
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(".", fmt.Sprintf("batch-%d", *id))
	}
	db, err := openDB(ctx, e, *url, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := reportVerify(ctx, e.stderr, db, *id); err != nil {
		return err
	}
	names, err := db.OutputNames(ctx, *id)
	if err != nil {
		return err
	}
	var outputs []output
	for _, n := range names {
		outputs = append(outputs, output{name: n, write: func(w io.Writer) error { return db.WriteOutput(ctx, *id, n, w) }})
	}
	if err := writeAtomic(dir, outputs); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, e.tr("wrote %s to %s\n"), strings.Join(names, ", "), dir)
	return nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// progressLines returns the progress function of a long read or write of
// metric rows: it prints format (translated) with the count on stderr at
// 1, 2, … 9 million, then 10, 20, … 90 million, 100, 200, … million, so
// that a national-scale import (515 million values) reports two dozen
// lines, not five hundred; each count once.
func progressLines(e *env, format string) func(n int64) {
	next := int64(1_000_000)
	return func(n int64) {
		if n < next {
			return
		}
		fmt.Fprintf(e.stderr, e.tr(format), n)
		step := int64(1_000_000)
		for step*10 <= n {
			step *= 10
		}
		next = (n/step + 1) * step
	}
}
