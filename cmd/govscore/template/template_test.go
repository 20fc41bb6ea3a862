package template_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/cmd/govscore/template"
	"github.com/govscore/govscore/expect"
)

// copyFS writes the template's non-Go files into dir, as `govscore init`
// does.
func copyFS(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := fs.WalkDir(template.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) == ".go" {
			return err
		}
		names = append(names, path)
		b, err := template.FS.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestFSFiles(t *testing.T) {
	got := copyFS(t, t.TempDir())
	want := []string{"data/metrics.csv", "data/subjects.csv", "indicators.yaml", "tests.yaml"}
	if !slices.Equal(got, want) {
		t.Fatalf("FS holds %v, want %v", got, want)
	}
}

// TestProjectRunsAndPasses scaffolds the project and runs it: it must load,
// score, and meet its own tests.yaml.
func TestProjectRunsAndPasses(t *testing.T) {
	dir := t.TempDir()
	copyFS(t, dir)
	files, err := batch.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := files.Check(); err != nil {
		t.Fatal(err)
	}
	p, err := batch.Load(files)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if _, err := p.Run(context.Background(), batch.Options{}); err != nil {
		t.Fatalf("run: %v", err)
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
}
