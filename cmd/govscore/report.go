package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/internal/atomicdir"
	"github.com/govscore/govscore/reports"
)

// Every output format (csv, json, html, xlsx, md) renders a reports.View. `run`
// builds it from the batch, with the previous period scored from the same
// data as the previous batch when the data hold that period; `report OUT`
// reads it back from OUT/results.json.

// pubOptions are the options of the publication formats.
type pubOptions struct {
	lang     string // zh or en
	internal bool   // --audience internal; the zero value is public
}

// view is v for the audience of o (reports.PublicView unless internal).
func (o pubOptions) view(v *reports.View) *reports.View {
	if o.internal {
		return v
	}
	return reports.PublicView(v)
}

// outputs are the files of the formats in want, in the order of formats,
// rendered from v in lang: the reading formats from v for the audience of
// f (made once for all of them), the CSV files with the byte order mark f
// asks for.
func (f *outFlags) outputs(v *reports.View, want map[string]bool, lang string) ([]output, []string) {
	var outputs []output
	var written []string
	o := f.pub(lang)
	var av *reports.View // v for the audience, made when first needed
	for _, x := range formats {
		if !want[x.name] {
			continue
		}
		xv := v
		if x.audience {
			if av == nil {
				av = o.view(v)
			}
			xv = av
		}
		publish := x.publish
		fn := func(w io.Writer) error { return publish(w, xv, o) }
		if x.name == "csv" {
			fn = f.csv(fn)
		}
		outputs = append(outputs, output{name: x.file, write: fn})
		written = append(written, x.file)
	}
	f.pairCells(outputs, v)
	return outputs, written
}

// publishHTML, publishXLSX and publishMarkdown render the reading formats
// from v, already the view for the audience (outFlags.outputs).
func publishHTML(w io.Writer, v *reports.View, o pubOptions) error {
	return reports.WriteHTML(w, v, reports.HTMLOptions{Lang: o.lang})
}

func publishXLSX(w io.Writer, v *reports.View, o pubOptions) error {
	return reports.WriteXLSX(w, v, reports.XLSXOptions{Lang: o.lang})
}

func publishMarkdown(w io.Writer, v *reports.View, o pubOptions) error {
	return reports.WriteMarkdown(w, v, reports.MarkdownOptions{Lang: o.lang})
}

// outFlags are the flags of run and report that shape the written files.
type outFlags struct {
	audience string
	bom      bool
}

func (f *outFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.audience, "audience", reports.AudiencePublic, "`audience` of report.html, results.xlsx and results.md: public (no warnings, file paths, flagged pairs or role means of fewer than 3 ratings) or internal (everything)")
	fs.BoolVar(&f.bom, "bom", true, "start results.csv and indicators.csv with a UTF-8 byte order mark, so that Excel opens them as UTF-8 (--bom=false: none)")
}

// check validates the flags.
func (f *outFlags) check() error {
	if f.audience != reports.AudiencePublic && f.audience != reports.AudienceInternal {
		return usagef("--audience must be public or internal, got %q", f.audience)
	}
	return nil
}

// pub returns the publication options of the flags in lang.
func (f *outFlags) pub(lang string) pubOptions {
	return pubOptions{lang: lang, internal: f.audience == reports.AudienceInternal}
}

// csv wraps the writer of a CSV file: with --bom it starts with U+FEFF.
func (f *outFlags) csv(write func(io.Writer) error) func(io.Writer) error {
	if !f.bom {
		return write
	}
	return func(w io.Writer) error {
		if err := f.writeBOM(w); err != nil {
			return err
		}
		return write(w)
	}
}

// writeBOM writes U+FEFF to the CSV file w with --bom, nothing without.
func (f *outFlags) writeBOM(w io.Writer) error {
	if !f.bom {
		return nil
	}
	_, err := io.WriteString(w, "\ufeff")
	return err
}

func publishJSON(w io.Writer, v *reports.View, _ pubOptions) error {
	return reports.WriteJSON(w, v)
}

func publishResultsCSV(w io.Writer, v *reports.View, _ pubOptions) error {
	return reports.WriteResultsCSV(w, v)
}

func publishIndicatorsCSV(w io.Writer, v *reports.View, _ pubOptions) error {
	return reports.WriteIndicatorsCSV(w, v)
}

// publicationView is the view of b, with the previous period attached when
// batch.Run scored it (batch.Options.Previous).
func publicationView(b *batch.Batch) *reports.View {
	v := reports.NewView(b)
	if b.Previous != nil {
		v.SetPrevious(reports.NewView(b.Previous))
	}
	return v
}

// reportFlags are the flags of `govscore report OUT`.
type reportFlags struct {
	format, indicators, previous *string
	out                          outFlags
}

func (f *reportFlags) register(fs *flag.FlagSet) {
	f.format = fs.String("format", "", "with OUT: comma-separated `formats` to render: html, xlsx, md, and csv (results.csv and indicators.csv re-created from results.json) (default: html,xlsx,md)")
	f.out.register(fs)
	f.indicators = fs.String("indicators", "", "with OUT: the indicator set `file` the batch was scored with (default: OUT/../../indicators.yaml when its SHA-256 matches)")
	f.previous = fs.String("previous", "", "with OUT: results.json `file` of the previous batch (default: OUT/../<previous period>/results.json when present)")
}

// reportFromResults re-renders the batch whose results.json is in out, into
// dest (out itself when dest is ""): the publication formats, and with
// --format csv the data files.
func reportFromResults(e *env, out, dest string, f reportFlags) error {
	if err := f.out.check(); err != nil {
		return err
	}
	want := map[string]bool{}
	if *f.format == "" {
		*f.format = "html,xlsx,md"
	}
	for _, name := range splitList(*f.format) {
		ok := false
		for _, x := range formats {
			ok = ok || x.name == name
		}
		if !ok {
			return usagef("unknown format %q (available: %s)", name, strings.Join(availableFormats(), ", "))
		}
		want[name] = true
	}
	// Complete an output swap a crash interrupted before reading OUT.
	if err := atomicdir.Recover(out); err != nil {
		return err
	}
	resultsPath := filepath.Join(out, "results.json")
	set, explicit, err := reportSet(out, *f.indicators)
	if err != nil {
		return err
	}
	v, err := readViewFile(resultsPath, set)
	if err != nil && set != nil && !explicit {
		// The set next to OUT changed since the batch: do without it.
		v, err = readViewFile(resultsPath, nil)
	}
	if err != nil {
		return err
	}
	prevPath := *f.previous
	if prevPath == "" && v.Meta.PrevPeriod != "" {
		// meta.previous_period names a sibling directory: accept a period
		// only, never a path (../../etc).
		if per, err := dataset.ParsePeriod(v.Meta.PrevPeriod); err != nil || per.String() != v.Meta.PrevPeriod {
			return diag.Textf("meta.previous_period %q is not a period (YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM); the file was altered: restore it, or name the previous results with --previous FILE",
				clip(v.Meta.PrevPeriod)).At(diag.Pos{File: resultsPath})
		}
		p := filepath.Join(filepath.Dir(filepath.Clean(out)), v.Meta.PrevPeriod, "results.json")
		if _, err := os.Stat(p); err == nil {
			prevPath = p
		}
	}
	if prevPath != "" {
		prev, err := readViewFile(prevPath, nil)
		if err != nil {
			return err
		}
		v.SetPrevious(prev)
	}
	// The publication formats and, with csv, the data files re-created from
	// results.json byte for byte.
	wantOut := maps.Clone(want)
	delete(wantOut, "json")
	outputs, written := f.out.outputs(v, wantOut, e.outLang())
	if want["json"] {
		fmt.Fprint(e.stderr, e.tr("note: results.json is the source of the report and is left as it is\n"))
	}
	if dest == "" {
		dest = out
	}
	if err := writeOutputs(dest, outputs, false); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, e.tr("wrote %s to %s\n"), strings.Join(written, ", "), dest)
	return nil
}

// reportSet loads the indicator set for re-rendering: the named file
// (explicit), else OUT/../../indicators.yaml when it exists and parses (the
// default layout DIR/out/<period>), else none.
func reportSet(out, file string) (set *indicators.Set, explicit bool, err error) {
	if file != "" {
		set, err := indicators.ParseFile(file)
		return set, true, err
	}
	file = filepath.Join(filepath.Dir(filepath.Dir(filepath.Clean(out))), "indicators.yaml")
	if _, err := os.Stat(file); err != nil {
		return nil, false, nil
	}
	set, err = indicators.ParseFile(file)
	if err != nil {
		return nil, false, nil // a broken set next to OUT: render from results.json alone
	}
	return set, false, nil
}

// readViewFile reads the results.json at path with the set's definitions.
func readViewFile(path string, set *indicators.Set) (*reports.View, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := reports.ReadView(f, set)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// clip shortens a value quoted in a message to 40 characters, so that a
// hostile file cannot flood the terminal.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "..."
	}
	return s
}
