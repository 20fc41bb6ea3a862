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
}

func commands() []command {
	return []command{
		{"init", "DIR [--lang zh|en]", "scaffold a working project (small indicator set + sample data, in Chinese or English)", cmdInit},
		{"validate", "DIR [--max-errors N]", "check YAML, expressions and data; print the problems (the first 50 by default, every one with --max-errors 0) and their count; write nothing", cmdValidate},
		{"run", "DIR [-o OUT] [--period P] [--format csv,json,html,xlsx,md] [--lang zh|en]", "run a batch and write its outputs", cmdRun},
		{"template", "DIR [--provider P] [--period P] -o F.xlsx", "write the fill-in workbook of a data provider: one row per subject, one column per metric, with Excel data validation", cmdTemplate},
		{"explain", "DIR --subject ID [--period P]", "show how a subject's score was built", cmdExplain},
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

// usageError is a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// testFailure is returned by `govscore test` when expectations fail (exit 1).
type testFailure struct{ failed int }

func (e *testFailure) Error() string { return fmt.Sprintf("%d test case(s) failed", e.failed) }

// Main runs govscore with args (without the program name) and returns the
// exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return mainEnv(ctx, args, &env{stdout: stdout, stderr: stderr, now: time.Now, getenv: osGetenv})
}

func mainEnv(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			printUsage(e.stderr)
			return exitUsage
		}
		printUsage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		return report(e.stderr, c, err)
	}
	fmt.Fprintf(e.stderr, "govscore: unknown command %q\n\n", args[0])
	printUsage(e.stderr)
	return exitUsage
}

func report(w io.Writer, c command, err error) int {
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
		fmt.Fprintf(w, "govscore %s: %v\nusage: govscore %s %s\nRun 'govscore %s --help' for the flags.\n", c.name, err, c.name, c.args, c.name)
		return exitUsage
	case errors.As(err, &list):
		fmt.Fprintln(w, err)
		fmt.Fprintf(w, "govscore %s: %d problem(s); nothing was written\n", c.name, list.Len())
		return exitInvalid
	case batch.IsInvalidInput(err):
		fmt.Fprintln(w, err)
		fmt.Fprintf(w, "govscore %s: invalid input; nothing was written\n", c.name)
		return exitInvalid
	case errors.As(err, &tf):
		fmt.Fprintf(w, "govscore %s: %v\n", c.name, err)
		return exitInvalid
	}
	fmt.Fprintf(w, "govscore %s: %v\n", c.name, err)
	return exitFailure
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "govscore — governance performance evaluation: indicator sets in YAML, data in CSV, explainable rankings.")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  govscore %-9s %s\n      %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nFlags may come before or after DIR; every command has --help.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 invalid input (nothing written), 2 usage error, 3 other failure.")
}

// newFlags returns a FlagSet for command c that prints its usage to e.stdout
// on --help.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, c := range commands() {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(e.stdout, "usage: govscore %s %s\n\n%s\n\nFlags:\n", c.name, c.args, c.summary)
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
func printWarnings(w io.Writer, ws []diag.Warning, max int) {
	for i, x := range ws {
		if i == max {
			fmt.Fprintf(w, "warning: … and %d more (all are in results.json)\n", len(ws)-max)
			return
		}
		fmt.Fprintf(w, "warning: %s\n", x)
	}
}
