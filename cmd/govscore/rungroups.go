package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/internal/splitstream"
	"github.com/govscore/govscore/internal/spool"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// byGroupFormats are the formats a run by peer group writes: the files
// that list the subjects group after group.
var byGroupFormats = map[string]bool{"csv": true, "json": true}

// groupParts assembles the outputs of a run by peer group (batch.RunByGroup)
// from what each group's view writes: results.csv and indicators.csv are
// each group's rows after the first group's header (the groups come in
// output order); results.json is the first group's head (format, meta,
// settings, tree: the same for every group), then each group's elements
// of "groups", "results" and the "indicators" subjects, then the whole
// batch's warnings: the groups' elements are spooled to files in dir until
// the last group is done. Only one group is held in memory.
//
// When the outputs are staged (st not nil: files to write), the CSV files
// are written plain into the staging directory and finish assembles
// results.json there. Otherwise (a run that only stores its outputs in
// the database) nothing is staged: the CSV files are spooled compressed
// with the others, and writeOutput gives each output from the spools —
// results.json assembled as it is read, never held in a file.
type groupParts struct {
	dir       string
	st        *staged
	csv, json bool

	results, indicators *part // CSV, header included
	groups, subjects    *part // results.json's "groups" and "results" elements
	cells               *part // results.json's "indicators" subjects
	head, cellsHead     []byte
	summary             strings.Builder
}

// The markers cut a group's results.json into its parts (splitstream):
// before the first, the head; then the "groups" elements, the "results"
// elements, the "indicators" leaves, its subjects, and the rest (the
// assessments, empty in a run by group, and the group's warnings).
var jsonMarkers = [][]byte{
	[]byte("\n  \"groups\": ["),
	[]byte("\n  ],\n  \"results\": ["),
	[]byte("\n  ],\n  \"indicators\": {"),
	[]byte(",\n    \"subjects\": ["),
	[]byte("\n    ]},\n  \"assessments\": ["),
}

// newGroupParts opens the parts of the outputs of want: results.csv and
// indicators.csv (with the byte order mark when bom) in the staging
// directory of st, or, when st is nil, compressed in a fresh directory
// under the system's temporary one, where the spools of results.json go
// too, compressed when compressJSON.
func newGroupParts(st *staged, want map[string]bool, bom, compressJSON bool) (*groupParts, error) {
	dir, err := os.MkdirTemp("", "govscore-groups-")
	if err != nil {
		return nil, err
	}
	gp := &groupParts{dir: dir, st: st, csv: want["csv"], json: want["json"]}
	csvDir, compressCSV := dir, true
	if st != nil {
		csvDir, compressCSV = st.tx.Dir(), false
	}
	for _, s := range []struct {
		on         bool
		dst        **part
		dir, name  string
		compressed bool
	}{{gp.csv, &gp.results, csvDir, "results.csv", compressCSV}, {gp.csv, &gp.indicators, csvDir, "indicators.csv", compressCSV},
		{gp.json, &gp.groups, dir, "groups", compressJSON}, {gp.json, &gp.subjects, dir, "subjects", compressJSON},
		{gp.json, &gp.cells, dir, "cells", compressJSON}} {
		if !s.on {
			continue
		}
		f, err := spool.Create(s.dir, s.name, s.compressed)
		if err != nil {
			gp.close()
			return nil, err
		}
		*s.dst = &part{name: s.name, File: f}
	}
	if gp.csv && bom {
		for _, s := range []*part{gp.results, gp.indicators} {
			s.WriteString("\ufeff")
		}
	}
	return gp, nil
}

// parts are the spools opened.
func (gp *groupParts) parts() []*part {
	var ps []*part
	for _, p := range []*part{gp.results, gp.indicators, gp.groups, gp.subjects, gp.cells} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// close closes the spools and removes those of dir (the staged CSV files
// are the staging directory's).
func (gp *groupParts) close() {
	for _, p := range gp.parts() {
		p.Close()
	}
	os.RemoveAll(gp.dir)
}

// add writes the parts of one group's batch, the g-th in output order, and
// its lines of the terminal summary (top subjects per group).
func (gp *groupParts) add(e *env, g int, b *batch.Batch, top int) error {
	v := reports.NewView(b)
	if gp.csv {
		if err := reports.WriteResultsCSV(gp.results.rows(g > 0), v); err != nil {
			return err
		}
	}
	var sp *splitstream.Splitter
	var head, cellsHead bytes.Buffer
	if gp.json {
		sp = &splitstream.Splitter{Markers: jsonMarkers}
		sp.Sinks = []io.Writer{&head, gp.groups.elements(), gp.subjects.elements(), &cellsHead, gp.cells.elements(), io.Discard}
	}
	// indicators.csv and results.json share one formatting of the cells
	// when both are written, as in a whole run (outputPair).
	var err error
	switch {
	case gp.csv && gp.json:
		err = reports.WriteIndicatorsAndJSON(gp.indicators.rows(g > 0), sp, v)
	case gp.csv:
		err = reports.WriteIndicatorsCSV(gp.indicators.rows(g > 0), v)
	case gp.json:
		err = reports.WriteJSON(sp, v)
	}
	if err != nil {
		return err
	}
	if gp.json {
		if err := sp.Finish(); err != nil {
			return fmt.Errorf("run by peer group: results.json has %w", err)
		}
		if g == 0 {
			gp.head, gp.cellsHead = head.Bytes(), cellsHead.Bytes()
		} else if !bytes.Equal(head.Bytes(), gp.head) || !bytes.Equal(cellsHead.Bytes(), gp.cellsHead) {
			return errors.New("run by peer group: the groups' results.json differ outside their subjects")
		}
	}
	// The summary of the group, without the batch's header line (printed
	// once) and the group's count of warnings (the batch's is printed).
	v.Warnings = nil
	var sb strings.Builder
	if err := reports.WriteSummaryLang(&sb, v, top, e.lang); err != nil {
		return err
	}
	s := sb.String()
	if g > 0 {
		s = s[strings.IndexByte(s, '\n')+1:]
	}
	gp.summary.WriteString(s)
	return nil
}

// finish completes the parts: the spools are flushed and, when the
// outputs are staged, the CSV files closed and results.json written from
// the parts with the batch's warnings. It returns the names of the
// outputs, in the order of formats.
func (gp *groupParts) finish(run *batch.GroupRun) ([]string, error) {
	for _, p := range gp.parts() {
		if err := p.Finish(); err != nil {
			return nil, err
		}
	}
	var names []string
	if gp.csv {
		names = append(names, gp.results.name, gp.indicators.name)
		if gp.st != nil {
			for _, p := range []*part{gp.results, gp.indicators} {
				if err := p.Close(); err != nil {
					return nil, err
				}
			}
		}
	}
	if gp.json {
		if gp.st != nil {
			if err := gp.st.tx.WriteFile("results.json", func(w io.Writer) error { return gp.writeJSON(w, run) }); err != nil {
				return nil, fmt.Errorf("writing results.json: %w", err)
			}
		}
		names = append(names, "results.json")
	}
	return names, nil
}

// writeOutput writes the output name of the finished parts to w: a CSV
// file from its spool, results.json assembled from the spools
// (writeJSON).
func (gp *groupParts) writeOutput(name string, w io.Writer, run *batch.GroupRun) error {
	switch {
	case gp.csv && name == gp.results.name:
		return gp.results.CopyTo(w)
	case gp.csv && name == gp.indicators.name:
		return gp.indicators.CopyTo(w)
	case gp.json && name == "results.json":
		return gp.writeJSON(w, run)
	}
	return fmt.Errorf("run by peer group: no output %s", name)
}

// writeJSON writes results.json from the parts.
func (gp *groupParts) writeJSON(w io.Writer, run *batch.GroupRun) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for i, part := range []func() error{
		func() error { _, err := bw.Write(gp.head); return err },
		func() error { return gp.groups.CopyTo(bw) },
		func() error { return gp.subjects.CopyTo(bw) },
		func() error { _, err := bw.Write(gp.cellsHead); return err },
		func() error { return gp.cells.CopyTo(bw) },
	} {
		if err := part(); err != nil {
			return err
		}
		if _, err := bw.Write(jsonMarkers[i]); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("],\n  \"warnings\": "); err != nil {
		return err
	}
	if err := reports.WriteJSONWarnings(bw, run.Warnings); err != nil {
		return err
	}
	if _, err := bw.WriteString("\n}\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// part is one output part of every group, spooled to a file.
type part struct {
	name string
	*spool.File
	wrote bool // an element was written (elements)
}

// rows is the writer of one group's CSV file: after the first group, its
// header line is dropped.
func (s *part) rows(dropHeader bool) io.Writer {
	if !dropHeader {
		return s.File
	}
	return &skipLine{w: s.File}
}

// elements is the writer of one group's elements of a JSON array: a comma
// goes before them when an earlier group wrote some (each group's first
// element has none).
func (s *part) elements() io.Writer { return &elementWriter{s: s} }

// elementWriter writes to its spool, with a comma first when the spool
// already holds elements.
type elementWriter struct {
	s       *part
	started bool
}

func (e *elementWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !e.started {
		e.started = true
		if e.s.wrote {
			if _, err := e.s.WriteString(","); err != nil {
				return 0, err
			}
		}
		e.s.wrote = true
	}
	return e.s.Write(p)
}

// skipLine drops the bytes up to and including the first newline.
type skipLine struct {
	w    io.Writer
	done bool
}

func (s *skipLine) Write(p []byte) (int, error) {
	n := len(p)
	if !s.done {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return n, nil
		}
		s.done = true
		p = p[i+1:]
	}
	if _, err := s.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// runByGroup is `govscore run --by-group`: the batch is scored one peer
// group at a time (batch.RunByGroup), each group's outputs written or
// spooled as it comes and assembled into the files a whole run writes,
// byte for byte. From files the project is loaded whole (batch.Load
// validates every file at once) and each group's columns are gathered from
// it (batch.Split); from the database (db not "") the subjects are read
// first and the columns spilled to a file (postgres.Groups), each group's
// rows are stored as it comes (postgres.GroupBatch, in the transaction
// opened by the first group) and the rest of the batch at the end, as a
// whole run stores it.
func runByGroup(ctx context.Context, e *env, files batch.Files, dir, db string, opt batch.Options, want map[string]bool, of *outFlags, outDir string, quiet bool, top int) error {
	for f := range want {
		if !byGroupFormats[f] {
			return usagef("--by-group writes csv and json only (--format csv,json), not %s", f)
		}
	}
	if err := checkPeriodFlag(opt.Period); err != nil {
		return err
	}
	var err error
	if opt.At, err = generatedAt(e); err != nil {
		return usagef("%v", err)
	}
	opt.Previous = false
	if db != "" {
		return runByGroupDB(ctx, e, files, db, opt, want, of, outDir, quiet, top)
	}
	defer setMemoryLimit(e, files)()
	p, err := batch.Load(files)
	if err != nil {
		return err
	}
	per, err := p.ResolvePeriod(opt.Period)
	if err != nil {
		return err
	}
	if outDir == "" {
		base := dir
		if base == "" {
			base = filepath.Dir(files.Indicators)
		}
		outDir = filepath.Join(base, "out", per.String())
	}
	st, err := stage(outDir, nil)
	if err != nil {
		return err
	}
	defer st.cleanup()
	// results.json's parts are spooled plain: compressing them cost the
	// 100k run 1.4 CPU-s (+30%) and the plain results.json written to
	// OUT is as large as they are (BENCHMARKS.md, issue 13).
	gp, err := newGroupParts(st, want, of.bom, false)
	if err != nil {
		return err
	}
	defer gp.close()
	run, written, err := scoreByGroup(ctx, e, batch.Split{Data: p.Data}, p.Set, opt, gp, top, nil)
	if err != nil {
		return err
	}
	// The warnings of loading the files (the set's, the data's, the
	// resolution of the inputs) are the whole run's too.
	run.Warnings = diag.SortWarnings(append(run.Warnings, p.Warnings...))
	if err := st.commit(); err != nil {
		return err
	}
	printWarnings(e.stderr, run.Warnings, 20, e.lang)
	if !quiet {
		printGroupSummary(e, gp.summary.String(), run)
		fmt.Fprintf(e.stdout, e.tr("\nwrote %s to %s\n"), strings.Join(written, ", "), outDir)
	}
	return nil
}

// runByGroupDB is runByGroup from the database at url: the files are
// staged in OUT with -o (moved into place once the batch is stored) and
// stored from there with the batch; without -o nothing is staged, and the
// outputs are stored from groupParts' compressed spools (results.json
// assembled as it is stored).
func runByGroupDB(ctx context.Context, e *env, files batch.Files, url string, opt batch.Options, want map[string]bool, of *outFlags, outDir string, quiet bool, top int) error {
	if files.Indicators == "" {
		return usagef("missing the indicator set (DIR/indicators.yaml or --indicators)")
	}
	set, err := indicators.ParseFile(files.Indicators)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, e, url, true)
	if err != nil {
		return err
	}
	defer db.Close()
	src := &postgres.Groups{DB: db, Options: postgres.LoadOptions{Progress: progressLines(e, "run: %d metric rows read\n")}}
	defer src.Close()
	rows := db.NewGroupBatch()
	defer rows.Close()
	// With -o the files are staged in OUT; without, nothing is staged:
	// the outputs are stored from groupParts' compressed spools.
	var st *staged
	if outDir != "" {
		if st, err = stage(outDir, nil); err != nil {
			return err
		}
		defer st.cleanup()
	}
	gp, err := newGroupParts(st, want, of.bom, true)
	if err != nil {
		return err
	}
	defer gp.close()
	store := func(b *batch.Batch) error {
		m := b.Meta
		return rows.Add(ctx, &postgres.BatchRecord{Set: b.Project.Set, SetSHA256: m.SetSHA256, Period: m.Period, DataSHA256: m.DataSHA256,
			EngineVersion: m.EngineVersion, GeneratedAt: m.GeneratedAt, Subjects: b.Project.Data.Subjects, Result: b.Result})
	}
	run, written, err := scoreByGroup(ctx, e, src, set, opt, gp, top, store)
	if err != nil {
		return err
	}
	m := run.Meta
	head := &postgres.BatchRecord{Set: set, SetSHA256: m.SetSHA256, Period: m.Period, DataSHA256: m.DataSHA256,
		EngineVersion: m.EngineVersion, GeneratedAt: m.GeneratedAt, Warnings: run.Warnings}
	outputs := make([]postgres.Output, len(written))
	for i, name := range written {
		write := func(w io.Writer) error { return gp.writeOutput(name, w, run) }
		if st != nil {
			write = func(w io.Writer) error { return st.copyTo(name, w) }
		}
		outputs[i] = postgres.Output{Name: name, Write: write}
	}
	id, err := rows.Save(ctx, head, outputs)
	if err != nil {
		return err
	}
	if st != nil {
		if err := st.commit(); err != nil {
			return fmt.Errorf("batch %d is stored, but writing %s failed: %w", id, outDir, err)
		}
	}
	printWarnings(e.stderr, run.Warnings, 20, e.lang)
	if !quiet {
		printGroupSummary(e, gp.summary.String(), run)
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, e.tr("batch %d (draft): %s %s, period %s, data sha256 %.12s\n"), id, m.SetID, m.SetVersion, m.Period, m.DataSHA256)
	return nil
}

// scoreByGroup scores the batch of src one peer group at a time, writing
// each group's parts of the outputs into gp and passing its batch to also
// (when not nil); gp is finished at the end, its summary holds the
// groups' lines of the terminal summary. It returns the whole batch's
// GroupRun and the names of the outputs.
func scoreByGroup(ctx context.Context, e *env, src batch.GroupSource, set *indicators.Set, opt batch.Options, gp *groupParts, top int, also func(*batch.Batch) error) (*batch.GroupRun, []string, error) {
	mem := newSoftLimit(e)
	defer mem.restore()
	opt.GroupStart = mem.start
	run, err := batch.RunByGroup(ctx, src, set, opt, func(g int, b *batch.Batch) error {
		mem.scored(len(b.Result.Subjects))
		if err := gp.add(e, g, b, top); err != nil {
			return err
		}
		if also != nil {
			return also(b)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, batch.ErrByGroup) {
			return nil, nil, usagef("--by-group: %v", err)
		}
		return nil, nil, err
	}
	if opt.AnalysisLimit > 0 {
		fmt.Fprintf(e.stderr, e.tr("note: %d subjects > %d: the robustness analysis is left out of results.json (use --analysis on, or govscore analyse)\n"), run.Subjects, AutoAnalysisLimit)
	}
	written, err := gp.finish(run)
	if err != nil {
		return nil, nil, err
	}
	return run, written, nil
}

// printGroupSummary prints the groups' summary and the batch's count of
// warnings, as reports.WriteSummaryLang does for a whole batch.
func printGroupSummary(e *env, summary string, run *batch.GroupRun) {
	fmt.Fprint(e.stdout, summary)
	if n := len(run.Warnings); n > 0 {
		fmt.Fprintf(e.stdout, e.tr("\n%d warnings (see results.json or stderr)\n"), n)
	}
}
