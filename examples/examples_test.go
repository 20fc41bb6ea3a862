// Package examples_test runs every example project under examples/: its
// indicator set and data must load without error, its tests.yaml
// expectations must hold, and a generated data set must be reproducible from
// its gen_data.go.
package examples_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/expect"
	"github.com/govscore/govscore/reports"
)

// projects lists the example directories (those holding an indicators.yaml).
func projects(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob("*/indicators.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) == 0 {
		t.Fatal("no example project found")
	}
	var dirs []string
	for _, f := range m {
		dirs = append(dirs, filepath.Dir(f))
	}
	return dirs
}

var update = flag.Bool("update", false, "rewrite each example's expected/ outputs")

// render runs the project in dir and renders the CSV and JSON outputs, with
// generated_at fixed as SOURCE_DATE_EPOCH would.
func render(t *testing.T, files batch.Files) map[string][]byte {
	t.Helper()
	p, err := batch.Load(files)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{At: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out := map[string][]byte{}
	v := reports.NewView(b)
	for name, w := range map[string]func(io.Writer, *reports.View) error{
		"results.csv":    reports.WriteResultsCSV,
		"indicators.csv": reports.WriteIndicatorsCSV,
		"results.json":   reports.WriteJSON,
	} {
		var buf bytes.Buffer
		if err := w(&buf, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = buf.Bytes()
	}
	return out
}

// TestExamplesGolden checks each example's outputs against its committed
// expected/ files (go test ./examples -update rewrites them after a
// reviewed change).
func TestExamplesGolden(t *testing.T) {
	for _, dir := range projects(t) {
		t.Run(dir, func(t *testing.T) {
			files, err := batch.FromDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range render(t, files) {
				path := filepath.Join(dir, "expected", name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./examples -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the committed output; review the change and run go test ./examples -update", path)
				}
			}
		})
	}
}

// TestExamplesRowOrder shuffles the rows of every data file: the outputs
// must be byte-identical.
func TestExamplesRowOrder(t *testing.T) {
	for _, dir := range projects(t) {
		t.Run(dir, func(t *testing.T) {
			files, err := batch.FromDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if files.Subjects == "" {
				t.Skip("the data are workbooks named by the set's data: section (office-xlsx); the row order of CSV files is what this test shuffles")
			}
			want := render(t, files)
			tmp := t.TempDir()
			rng := rand.New(rand.NewPCG(1, 2))
			shuffle := func(path string) string {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.SplitAfter(strings.TrimRight(string(data), "\n")+"\n", "\n")
				lines = lines[:len(lines)-1]
				body := lines[1:]
				rng.Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
				dst := filepath.Join(tmp, filepath.Base(path))
				if err := os.WriteFile(dst, []byte(strings.Join(lines, "")), 0o644); err != nil {
					t.Fatal(err)
				}
				return dst
			}
			sh := files
			sh.Dir = "" // the shuffled copies are named one by one
			sh.Subjects = shuffle(files.Subjects)
			sh.Metrics, sh.Assessments = nil, nil
			for _, m := range files.Metrics {
				sh.Metrics = append(sh.Metrics, shuffle(m))
			}
			for _, a := range files.Assessments {
				sh.Assessments = append(sh.Assessments, shuffle(a))
			}
			got := render(t, sh)
			for _, name := range []string{"results.csv", "indicators.csv", "results.json"} {
				g := string(got[name])
				w := string(want[name])
				if name == "results.json" {
					// Warnings name the files they come from; those moved.
					g = strings.ReplaceAll(g, tmp+"/", "")
					w = strings.ReplaceAll(w, dir+"/data/", "")
				}
				if g != w {
					t.Errorf("%s changes when the data rows are shuffled", name)
				}
			}
		})
	}
}

func TestExamplesExpectations(t *testing.T) {
	for _, dir := range projects(t) {
		t.Run(dir, func(t *testing.T) {
			files, err := batch.FromDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if files.Tests == "" {
				t.Fatal("example has no tests.yaml")
			}
			suite, err := expect.ParseFile(files.Tests)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range expect.Run(context.Background(), suite, files) {
				if r.Err != nil {
					t.Errorf("%s: %v", r.Name, r.Err)
				}
				for _, f := range r.Failures {
					t.Errorf("%s: %s: %s: %s", f.Pos, r.Name, f.Subject, f.Msg)
				}
			}
		})
	}
}

// TestGeneratedDataReproducible reruns each example's gen_data.go in a
// scratch directory and compares its output with the committed data files.
func TestGeneratedDataReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs gen_data.go")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	for _, dir := range projects(t) {
		gen := filepath.Join(dir, "gen_data.go")
		src, err := os.ReadFile(gen)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Run(dir, func(t *testing.T) {
			tmp := t.TempDir()
			if err := os.WriteFile(filepath.Join(tmp, "gen_data.go"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(gobin, "run", "gen_data.go")
			cmd.Dir = tmp
			cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOFLAGS=")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go run gen_data.go: %v\n%s", err, out)
			}
			// Further generators (gen_*.go) read what gen_data.go wrote.
			more, _ := filepath.Glob(filepath.Join(dir, "gen_*.go"))
			for _, g := range more {
				if filepath.Base(g) == "gen_data.go" {
					continue
				}
				src, err := os.ReadFile(g)
				if err != nil {
					t.Fatal(err)
				}
				name := filepath.Base(g)
				if err := os.WriteFile(filepath.Join(tmp, name), src, 0o644); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(gobin, "run", name)
				cmd.Dir = tmp
				cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOFLAGS=")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go run %s: %v\n%s", name, err, out)
				}
			}
			got, err := filepath.Glob(filepath.Join(tmp, "data", "*.csv"))
			if err != nil || len(got) == 0 {
				t.Fatalf("gen_data.go wrote no CSV file (%v)", err)
			}
			for _, g := range got {
				name := filepath.Base(g)
				a, err := os.ReadFile(g)
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(filepath.Join(dir, "data", name))
				if err != nil {
					t.Fatalf("%s generated but not committed: %v", name, err)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("data/%s differs from the output of gen_data.go: run `go run gen_data.go` in %s", name, dir)
				}
			}
		})
	}
}
