package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// TestWriteAtomicReplacesARun: a second run into the same output directory
// leaves exactly its own outputs, none of the first run's.
func TestWriteAtomicReplacesARun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := writeAtomic(dir, []output{{name: "results.csv", write: text("a")}, {name: "results.json", write: text("a")}, {name: "report.html", write: text("a")}}); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(dir, []output{{name: "results.csv", write: text("b")}}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "results.csv" {
		t.Fatalf("files after the second run: %v, want [results.csv]", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "results.csv")); string(b) != "b" {
		t.Fatalf("results.csv = %q", b)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".out.tmp-*")); len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

// TestWriteAtomicSharedFolder: in a folder that holds other files too, only
// govscore's outputs are replaced (stale ones removed), other files stay.
func TestWriteAtomicSharedFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(dir, "report.html"), []byte("old"), 0o644)
	if err := writeAtomic(dir, []output{{name: "results.csv", write: text("new")}}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 2 || got[0] != "notes.txt" || got[1] != "results.csv" {
		t.Fatalf("files: %v, want [notes.txt results.csv]", got)
	}
}

// TestWriteAtomicFailureKeepsTheOldRun: a failure while moving the files into
// place (here results.md is a directory) restores the earlier files, and a
// failure while rendering touches nothing.
func TestWriteAtomicFailureKeepsTheOldRun(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "results.csv"), []byte("old"), 0o644)
	os.Mkdir(filepath.Join(dir, "results.md"), 0o755)
	os.WriteFile(filepath.Join(dir, "results.md", "x"), []byte("x"), 0o644)
	err := writeAtomic(dir, []output{{name: "results.csv", write: text("new")}, {name: "results.md", write: text("new")}})
	if err == nil {
		t.Fatal("moving a file onto a directory succeeded")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "results.csv")); !bytes.Equal(b, []byte("old")) {
		t.Fatalf("results.csv = %q after the failed run, want the old content", b)
	}
	boom := errors.New("render failed")
	err = writeAtomic(dir, []output{{name: "results.csv", write: text("newer")}, {name: "results.json", write: func(io.Writer) error { return boom }}})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the render error", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "results.csv")); !bytes.Equal(b, []byte("old")) {
		t.Fatalf("results.csv = %q after a render failure, want the old content", b)
	}
}

// TestWriteOutputsKeepsOthers: re-rendering some formats next to a batch's
// results.json keeps it.
func TestWriteOutputsKeepsOthers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := writeAtomic(dir, []output{{name: "results.json", write: text("src")}, {name: "report.html", write: text("a")}}); err != nil {
		t.Fatal(err)
	}
	if err := writeOutputs(dir, []output{{name: "report.html", write: text("b")}}, false); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 2 {
		t.Fatalf("files: %v, want results.json and report.html", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "report.html")); string(b) != "b" {
		t.Fatalf("report.html = %q", b)
	}
}
