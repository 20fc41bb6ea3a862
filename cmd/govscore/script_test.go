package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Script tests: each testdata/script/*.txtar holds a project's files and the
// commands to run on it with their expected exit code and output. The
// archive's comment holds one directive per line:
//
//	run ARGS…          run govscore with ARGS (split on spaces) in the project dir
//	exit N             the expected exit code of the last run
//	stdout TEXT        the last run's stdout contains TEXT
//	stderr TEXT        the last run's stderr contains TEXT
//	!stderr TEXT       the last run's stderr does not contain TEXT
//	exists PATH        PATH exists under the project dir
//	!exists PATH       PATH does not exist (e.g. no partial output)
//	same A B           files A and B are byte-identical
//	append F N TEXT    append TEXT (Go escapes: \n, \x1b…) N times to file F,
//	                   {i} in TEXT standing for the repetition's number (1…N)
//	replace F OLD NEW  replace OLD by NEW (both Go-quoted strings) in file F
//
// Lines starting with # are comments.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			runScript(t, f)
		})
	}
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	comment, files := parseTxtar(data)
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := -1
	for n, line := range strings.Split(comment, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verb, arg, _ := strings.Cut(line, " ")
		where := path + ":" + strconv.Itoa(n+1)
		switch verb {
		case "run":
			stdout.Reset()
			stderr.Reset()
			args := strings.Fields(arg)
			for i, a := range args {
				parts := strings.Split(a, ",")
				for j, p := range parts {
					if p == "." || strings.HasPrefix(p, "./") {
						parts[j] = filepath.Join(dir, p)
					}
				}
				args[i] = strings.Join(parts, ",")
			}
			e := &env{stdout: &stdout, stderr: &stderr,
				now:    func() time.Time { return time.Unix(1700000000, 0) },
				getenv: func(k string) string { return map[string]string{"SOURCE_DATE_EPOCH": "1700000000", langEnv: "en"}[k] }}
			code = mainEnv(context.Background(), args, e)
		case "exit":
			want, _ := strconv.Atoi(arg)
			if code != want {
				t.Fatalf("%s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", where, code, want, stdout.String(), stderr.String())
			}
		case "stdout", "stderr", "!stdout", "!stderr":
			got := stdout.String()
			if strings.HasSuffix(verb, "stderr") {
				got = stderr.String()
			}
			has := strings.Contains(got, arg)
			if strings.HasPrefix(verb, "!") == has {
				t.Fatalf("%s: %s %s %q; it was:\n%s", where, strings.TrimPrefix(verb, "!"), map[bool]string{true: "contains", false: "does not contain"}[has], arg, got)
			}
		case "exists", "!exists":
			_, err := os.Stat(filepath.Join(dir, arg))
			if (err == nil) != (verb == "exists") {
				t.Fatalf("%s: %s %s: stat error %v", where, verb, arg, err)
			}
		case "same":
			a, b, _ := strings.Cut(arg, " ")
			da, err1 := os.ReadFile(filepath.Join(dir, a))
			db, err2 := os.ReadFile(filepath.Join(dir, b))
			if err1 != nil || err2 != nil || !bytes.Equal(da, db) {
				t.Fatalf("%s: %s and %s differ (%v, %v)", where, a, b, err1, err2)
			}
		case "append":
			name, rest, _ := strings.Cut(arg, " ")
			ns, text, _ := strings.Cut(rest, " ")
			n, err1 := strconv.Atoi(ns)
			text, err2 := strconv.Unquote(`"` + text + `"`)
			f, err3 := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err := errors.Join(err1, err2, err3); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			var all strings.Builder
			for i := 1; i <= n; i++ {
				all.WriteString(strings.ReplaceAll(text, "{i}", strconv.Itoa(i)))
			}
			_, err = f.WriteString(all.String())
			if err := errors.Join(err, f.Close()); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		case "replace":
			name, rest, _ := strings.Cut(arg, " ")
			oldq, err1 := strconv.QuotedPrefix(rest)
			newq, err2 := strconv.QuotedPrefix(strings.TrimSpace(rest[len(oldq):]))
			if err := errors.Join(err1, err2); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			from, _ := strconv.Unquote(oldq)
			to, _ := strconv.Unquote(newq)
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(p)
			if err != nil || !bytes.Contains(b, []byte(from)) {
				t.Fatalf("%s: %s does not contain %q (%v)", where, name, from, err)
			}
			if err := os.WriteFile(p, bytes.Replace(b, []byte(from), []byte(to), 1), 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("%s: unknown directive %q", where, verb)
		}
	}
}

// parseTxtar splits a txtar archive into its comment and files.
func parseTxtar(data []byte) (string, map[string][]byte) {
	files := map[string][]byte{}
	var comment strings.Builder
	var name string
	var cur *bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trim := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trim, "-- ") && strings.HasSuffix(trim, " --") && len(trim) > 6 {
			if cur != nil {
				files[name] = cur.Bytes()
			}
			name = strings.TrimSpace(trim[3 : len(trim)-3])
			cur = &bytes.Buffer{}
			continue
		}
		if cur == nil {
			comment.WriteString(line)
		} else {
			cur.WriteString(line)
		}
	}
	if cur != nil {
		files[name] = cur.Bytes()
	}
	return comment.String(), files
}

// TestHelpPrintedOnce: --help prints the command's usage once, and a bad
// flag prints the short usage line only, for every command.
func TestHelpPrintedOnce(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, now: time.Now, getenv: func(k string) string { return map[string]string{langEnv: "en"}[k] }}
			if code := mainEnv(context.Background(), []string{c.name, "--help"}, e); code != 0 {
				t.Fatalf("--help: exit %d", code)
			}
			if n := strings.Count(stdout.String(), "usage: govscore "+c.name); n != 1 {
				t.Errorf("--help printed the usage %d times:\n%s", n, stdout.String())
			}
			stdout.Reset()
			if code := mainEnv(context.Background(), []string{c.name, "--no-such-flag"}, e); code != 2 {
				t.Errorf("bad flag: exit %d, want 2", code)
			}
			if strings.Contains(stdout.String(), "Flags:") {
				t.Errorf("a bad flag printed the whole flag list to stdout")
			}
		})
	}
}
