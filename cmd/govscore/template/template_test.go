package template_test

import (
	"context"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/cmd/govscore/template"
	"github.com/govscore/govscore/expect"
	"github.com/govscore/govscore/indicators"
)

// copyFS writes the project in language lang into dir, as `govscore init
// --lang lang` does, and returns the paths it wrote.
func copyFS(t *testing.T, lang, dir string) []string {
	t.Helper()
	root, err := template.Project(lang)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, path)
		b, err := fs.ReadFile(root, path)
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

// run scaffolds the project in language lang and scores its default
// period.
func run(t *testing.T, lang string) (*batch.Batch, batch.Files) {
	t.Helper()
	dir := t.TempDir()
	copyFS(t, lang, dir)
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
	b, err := batch.Run(context.Background(), p, p.Set, batch.Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return b, files
}

func TestLanguages(t *testing.T) {
	if !slices.Equal(template.Languages, []string{"zh", "en"}) {
		t.Fatalf("Languages = %v, want [zh en] (zh, the default, first)", template.Languages)
	}
	entries, err := fs.ReadDir(template.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		dirs = append(dirs, e.Name())
	}
	want := slices.Sorted(slices.Values(template.Languages))
	if !slices.Equal(dirs, want) {
		t.Fatalf("FS holds %v, want one directory per language %v", dirs, want)
	}
}

func TestProjectUnknownLanguage(t *testing.T) {
	for _, lang := range []string{"", "fr", "ZH", "zh/data", ".", "en/"} {
		t.Run(lang, func(t *testing.T) {
			if _, err := template.Project(lang); err == nil {
				t.Fatalf("Project(%q): no error", lang)
			}
		})
	}
}

func TestProjectFiles(t *testing.T) {
	want := []string{"data/metrics.csv", "data/subjects.csv", "indicators.yaml", "tests.yaml"}
	for _, lang := range template.Languages {
		t.Run(lang, func(t *testing.T) {
			got := copyFS(t, lang, t.TempDir())
			if !slices.Equal(got, want) {
				t.Fatalf("project %s holds %v, want %v", lang, got, want)
			}
		})
	}
}

// TestProjectRunsAndPasses scaffolds each project and runs it: it must load,
// score, and meet its own tests.yaml.
func TestProjectRunsAndPasses(t *testing.T) {
	for _, lang := range template.Languages {
		t.Run(lang, func(t *testing.T) {
			_, files := run(t, lang)
			suite, err := expect.ParseFile(files.Tests)
			if err != nil {
				t.Fatal(err)
			}
			results := expect.Run(context.Background(), suite, files)
			if len(results) != 2 {
				t.Errorf("%d test cases ran, want 2", len(results))
			}
			for _, r := range results {
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

// TestTranslationsScoreAlike: the zh project is a translation of the en
// one, so every subject gets the same status, score, rank and node values,
// and grades in the same position of the grade list.
func TestTranslationsScoreAlike(t *testing.T) {
	en, _ := run(t, "en")
	zh, _ := run(t, "zh")
	gradeIndex := func(b *batch.Batch, name string) int {
		return slices.IndexFunc(b.Project.Set.Grades, func(g *indicators.Grade) bool { return g.Name == name })
	}
	if len(en.Result.Subjects) != len(zh.Result.Subjects) {
		t.Fatalf("en has %d subjects, zh %d", len(en.Result.Subjects), len(zh.Result.Subjects))
	}
	for i, e := range en.Result.Subjects {
		z := zh.Result.Subjects[i]
		id := en.Project.Data.Subjects[i].ID
		if zid := zh.Project.Data.Subjects[i].ID; zid != id {
			t.Fatalf("subject %d: en %s, zh %s", i, id, zid)
		}
		if e.Rated != z.Rated || e.Rank != z.Rank || !same(e.Score, z.Score) {
			t.Errorf("%s: en score %v rank %d, zh score %v rank %d", id, e.Score, e.Rank, z.Score, z.Rank)
		}
		if ge, gz := gradeIndex(en, e.Grade), gradeIndex(zh, z.Grade); ge != gz {
			t.Errorf("%s: en grade %q (#%d), zh grade %q (#%d)", id, e.Grade, ge, z.Grade, gz)
		}
		if len(e.Nodes) != len(z.Nodes) {
			t.Fatalf("%s: en has %d nodes, zh %d", id, len(e.Nodes), len(z.Nodes))
		}
		for k := range e.Nodes {
			if !same(e.Nodes[k], z.Nodes[k]) {
				t.Errorf("%s: node %d: en %v, zh %v", id, k, e.Nodes[k], z.Nodes[k])
			}
		}
	}
}

// same reports whether a and b are both NaN or within 1e-9.
func same(a, b float64) bool {
	return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= 1e-9
}
