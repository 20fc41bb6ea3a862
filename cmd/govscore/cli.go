package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/i18n"
)

// Exit codes (SPEC §2).
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
	exitFailure = 3
)

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch: its output streams and the clock.
type env struct {
	stdout, stderr io.Writer
	now            func() time.Time
	getenv         func(string) string
	// lang is the language of the messages: --lang, else $GOVSCORE_LANG,
	// else Chinese. langSet is true when --lang was given: the written
	// outputs follow --lang only, never the environment.
	lang    i18n.Lang
	langSet bool
}

// langEnv names the environment variable giving the default language of
// the terminal messages.
const langEnv = "GOVSCORE_LANG"

// outLang is the language of the written outputs (report.html,
// results.xlsx, results.md, a starter project): --lang, else Chinese.
func (e *env) outLang() string {
	if e.langSet {
		return string(e.lang)
	}
	return string(i18n.Default)
}

// tr returns msg in the language of the messages.
func (e *env) tr(msg string) string { return i18n.T(e.lang, msg) }

// presetLang sets e.lang from $GOVSCORE_LANG and a --lang in args, before
// the command parses its flags: the usage errors of the flag parsing are in
// that language too.
func (e *env) presetLang(args []string) {
	e.lang = i18n.Default
	if l, err := i18n.Parse(e.getenv(langEnv)); err == nil {
		e.lang = l
	}
	for i, a := range args {
		if a == "--" {
			return
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		if l, err := i18n.Parse(val); err == nil {
			e.lang = l
		}
	}
}

func commands() []command {
	return []command{
		{"init", "DIR [--lang zh|en]", "scaffold a working project (small indicator set + sample data, in Chinese or English)", cmdInit},
		{"validate", "DIR [--max-errors N]", "check YAML, expressions and data; print the problems (the first 50 by default, every one with --max-errors 0) and their count; write nothing", cmdValidate},
		{"run", "DIR [-o OUT] [--period P] [--format csv,json,html,xlsx,md] [--lang zh|en]", "run a batch and write its outputs", cmdRun},
		{"template", "DIR [--provider P] [--period P] -o F.xlsx", "write the fill-in workbook of a data provider: one row per subject, one column per metric, with Excel data validation", cmdTemplate},
		{"explain", "DIR --subject ID|NAME [--period P]", "show how a subject's score was built", cmdExplain},
		{"analyse", "DIR [--json] [--uncertainty N --seed S] [--period P]", "robustness analysis: correlations, Cronbach's alpha, collinearity, leave-one-out rank shifts, uncertainty bands", cmdAnalyse},
		{"test", "DIR", "run the expectations in DIR/tests.yaml", cmdTest},
		{"audit", "DIR [--period P] [--json]", "gaming checks on the collected data (straight-lining, identical answers, reciprocal pairs, values just above a grade or veto threshold, jumps): a report, no score changes", cmdAudit},
		{"assess", "DIR [--period P]", "assessment reliability report: raters, role means, ICC(1), Krippendorff's alpha, reciprocity flags", cmdAssess},
		{"gen", "DIR --subjects N --leaves M [--seed S]", "write a synthetic project (for benchmarks)", cmdGen},
		{"db", "migrate | import DIR [--db URL]", "create or upgrade the database schema; import subjects and metrics", cmdDB},
		{"batch", "list | show ID | verify ID | approve ID | publish ID | diff A B [--db URL]", "stored batches, their lifecycle and integrity", cmdBatch},
		{"serve", "--db URL [--addr 127.0.0.1:8080] [--project DIR] [--throwaway-admin]", "the server of record for every party: accounts, versioned data, batches, publication site and JSON API", cmdServe},
		{"user", "add NAME --role admin|provider|assessor|subject [--provider P] [--subject ID] [--items a,b] --password-file F [--db URL]", "create a server account (the first admin included)", cmdUser},
		{"report", "OUT [--format html,xlsx,md,csv] [--lang zh|en] | --batch ID [--db URL] [-o OUT]", "re-render report.html, results.xlsx, results.md (and with csv the CSV files) from OUT/results.json; or write the outputs of a stored batch", cmdReport},
	}
}

// usageError is a command-line mistake (exit 2). It keeps its format so
// that it is printed in the language of the messages.
type usageError struct {
	format string
	args   []any
}

func (e *usageError) Error() string { return fmt.Sprintf(e.format, e.args...) }

// message is the error in lang.
func (e *usageError) message(lang i18n.Lang) string { return i18n.F(lang, e.format, e.args...) }

// usagef returns a usage error; format is a catalogue key (i18n).
func usagef(format string, args ...any) error { return &usageError{format, args} }

// testFailure is returned by `govscore test` when expectations fail (exit 1).
type testFailure struct{ failed int }

func (e *testFailure) Error() string { return e.message(i18n.En) }

func (e *testFailure) message(lang i18n.Lang) string {
	return i18n.F(lang, "%d test case(s) failed", e.failed)
}

// Main runs govscore with args (without the program name) and returns the
// exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return mainEnv(ctx, args, &env{stdout: stdout, stderr: stderr, now: time.Now, getenv: osGetenv})
}

func mainEnv(ctx context.Context, args []string, e *env) int {
	e.presetLang(args)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			printUsage(e.stderr, e.lang)
			return exitUsage
		}
		printUsage(e.stdout, e.lang)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		return report(e.stderr, c, err, e.lang)
	}
	fmt.Fprintf(e.stderr, i18n.T(e.lang, "govscore: unknown command %q\n\n"), args[0])
	printUsage(e.stderr, e.lang)
	return exitUsage
}

func report(w io.Writer, c command, err error, lang i18n.Lang) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue *usageError
	var list diag.List
	var tf *testFailure
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(w, i18n.T(lang, "govscore %s: %v\nusage: govscore %s %s\nRun 'govscore %s --help' for the flags.\n"), c.name, ue.message(lang), c.name, c.args, c.name)
		return exitUsage
	case errors.As(err, &list):
		fmt.Fprintln(w, errorText(err, lang))
		fmt.Fprintf(w, i18n.T(lang, "govscore %s: %d problem(s); nothing was written\n"), c.name, list.Len())
		return exitInvalid
	case batch.IsInvalidInput(err):
		var mf *batch.MissingFilesError
		if errors.As(err, &mf) && lang != i18n.En {
			// The missing files, each a text of the catalogue.
			fmt.Fprint(w, i18n.T(lang, "missing input:"))
			for _, m := range mf.Missing {
				fmt.Fprint(w, "\n  "+i18n.T(lang, m))
			}
			fmt.Fprintln(w)
		} else {
			fmt.Fprintln(w, errorText(err, lang))
		}
		fmt.Fprintf(w, i18n.T(lang, "govscore %s: invalid input; nothing was written\n"), c.name)
		return exitInvalid
	case errors.As(err, &tf):
		fmt.Fprintf(w, "govscore %s: %s\n", c.name, tf.message(lang))
		return exitInvalid
	}
	translateErrors(err, lang)
	fmt.Fprintf(w, "govscore %s: %v\n", c.name, err)
	return exitFailure
}

func printUsage(w io.Writer, lang i18n.Lang) {
	fmt.Fprintln(w, i18n.T(lang, "govscore — governance performance evaluation: indicator sets in YAML, data in CSV, explainable rankings."))
	fmt.Fprintln(w, i18n.T(lang, "\nUsage:"))
	for _, c := range commands() {
		fmt.Fprintf(w, "  govscore %-9s %s\n      %s\n", c.name, c.args, i18n.T(lang, c.summary))
	}
	fmt.Fprintln(w, i18n.T(lang, "\nFlags may come before or after DIR; every command has --help; --lang zh|en sets the language."))
	fmt.Fprintln(w, i18n.T(lang, "Exit codes: 0 ok, 1 invalid input (nothing written), 2 usage error, 3 other failure."))
}

// newFlags returns a FlagSet for command c that prints its usage to e.stdout
// on --help.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("lang", "`language` of the messages and of the written reports: zh (default) or en", func(s string) error {
		l, err := i18n.Parse(s)
		if err != nil {
			return err
		}
		e.lang, e.langSet = l, true
		return nil
	})
	for _, c := range commands() {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(e.stdout, i18n.T(e.lang, "usage: govscore %s %s\n\n%s\n\nFlags:\n"), c.name, c.args, i18n.T(e.lang, c.summary))
				// The flags' descriptions in the language of the messages.
				fs.VisitAll(func(f *flag.Flag) { f.Usage = i18n.T(e.lang, f.Usage) })
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				fs.SetOutput(io.Discard)
			}
		}
	}
	return fs
}

// parseFlags parses args allowing flags before and after positional
// arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package calls Usage itself on -h and on every parse error;
	// print it once, for -h only (a parse error gets the short usage line).
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, flag.ErrHelp
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// inputFlags are the flags naming input files directly.
type inputFlags struct {
	indicators, subjects, metrics, assessments string
}

func (f *inputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.indicators, "indicators", "", "indicator set `file` (default DIR/indicators.yaml)")
	fs.StringVar(&f.subjects, "subjects", "", "subjects CSV `file` (default DIR/data/subjects.csv)")
	fs.StringVar(&f.metrics, "metrics", "", "comma-separated metrics CSV `files` (default DIR/data/metrics*.csv)")
	fs.StringVar(&f.assessments, "assessments", "", "comma-separated assessments CSV `files` (default DIR/data/assessments*.csv)")
}

// parse parses the command line of a command that reads a project (DIR
// or the file flags) and resolves its input files.
func (f *inputFlags) parse(fs *flag.FlagSet, args []string) (batch.Files, string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return batch.Files{}, "", err
	}
	return f.files(pos)
}

// files resolves the input files from DIR (when given) and the flags; a
// command reading a project needs DIR or --indicators.
func (f *inputFlags) files(pos []string) (batch.Files, string, error) {
	if len(pos) == 0 && f.indicators == "" {
		return batch.Files{}, "", usagef("missing DIR (or --indicators, --subjects and --metrics)")
	}
	return f.resolve(pos)
}

// resolve applies the file flags over DIR's files (DIR optional).
func (f *inputFlags) resolve(pos []string) (batch.Files, string, error) {
	var files batch.Files
	dir := ""
	switch len(pos) {
	case 0:
	case 1:
		dir = pos[0]
		var err error
		if files, err = batch.FromDir(dir); err != nil {
			return files, "", usagef("%v", err)
		}
	default:
		return files, "", usagef("too many arguments: %s", strings.Join(pos[1:], " "))
	}
	if f.indicators != "" {
		files.Indicators = f.indicators
	}
	if f.subjects != "" {
		files.Subjects = f.subjects
		files.ByFlag.Subjects = true
	}
	if f.metrics != "" {
		files.Metrics = splitList(f.metrics)
		files.ByFlag.Metrics = true
	}
	if f.assessments != "" {
		files.Assessments = splitList(f.assessments)
		files.ByFlag.Assessments = true
	}
	return files, dir, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// printWarnings writes warnings to stderr, at most max of them.
func printWarnings(w io.Writer, ws []diag.Warning, max int, lang i18n.Lang) {
	for i, x := range ws {
		if i == max {
			fmt.Fprintf(w, i18n.T(lang, "warning: … and %d more (all are in results.json)\n"), len(ws)-max)
			return
		}
		x.Msg = i18n.Message(lang, x.Msg)
		fmt.Fprintf(w, i18n.T(lang, "warning: %s\n"), x)
	}
}

// errorText is the text of err in lang, its positioned errors translated
// (translateErrors): an error list with its line counting the errors not
// shown in lang, other invalid input through the catalogue's patterns.
func errorText(err error, lang i18n.Lang) string {
	translateErrors(err, lang)
	more := i18n.T(lang, diag.MoreFormat)
	switch l := err.(type) {
	case diag.List:
		return l.FormatMore(diag.MaxErrors, more)
	case *cappedList:
		return l.list.FormatMore(l.max, more)
	}
	if batch.IsInvalidInput(err) {
		return i18n.Message(lang, err.Error())
	}
	return err.Error()
}

// translateErrors puts the messages of the positioned errors in err (a
// diag.List, or one diag.Error) into lang, where the catalogue knows them
// (i18n.Error, from the format and arguments each error keeps), just
// before they are printed.
func translateErrors(err error, lang i18n.Lang) {
	if lang == i18n.En {
		return
	}
	var list diag.List
	var one *diag.Error
	switch {
	case errors.As(err, &list):
		for _, de := range list {
			if n := de.Omitted(); n > 0 {
				de.Msg = fmt.Sprintf(i18n.T(lang, diag.OmittedFormat), n)
				continue
			}
			de.Msg = i18n.Error(lang, de.Format, de.Args, de.Msg)
		}
	case errors.As(err, &one):
		one.Msg = i18n.Error(lang, one.Format, one.Args, one.Msg)
	}
}
