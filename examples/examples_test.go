// Package examples_test runs every example project under examples/: its
// indicator set and data must load without error, its tests.yaml
// expectations must hold, and a generated data set must be reproducible from
// its gen_data.go.
package examples_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/expect"
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

func TestExamplesRun(t *testing.T) {
	for _, dir := range projects(t) {
		t.Run(dir, func(t *testing.T) {
			files, err := batch.FromDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			p, err := batch.Load(files)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if _, err := p.Run(context.Background(), batch.Options{}); err != nil {
				t.Fatalf("run: %v", err)
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
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
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
