package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestOfficeWorkbooksReproducible reruns make_workbooks.go and compares
// every sheet's cells with the committed workbooks (cells, not bytes: a
// workbook's zip is not byte-stable across excelize versions).
func TestOfficeWorkbooksReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs make_workbooks.go")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	tmp := t.TempDir()
	cmd := exec.Command(gobin, "run", "./examples/office-xlsx/make_workbooks.go", tmp)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run make_workbooks.go: %v\n%s", err, out)
	}
	got, _ := filepath.Glob(filepath.Join(tmp, "*.xlsx"))
	committed, _ := filepath.Glob(filepath.Join("office-xlsx", "data", "*"))
	if len(got) == 0 || len(got) != len(committed) {
		t.Fatalf("make_workbooks.go wrote %d workbooks, %d are committed", len(got), len(committed))
	}
	for _, g := range got {
		name := filepath.Base(g)
		a, b := cells(t, g), cells(t, filepath.Join("office-xlsx", "data", name))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("data/%s differs from the output of make_workbooks.go: rerun it", name)
		}
	}
}

// cells returns every sheet's rows as text.
func cells(t *testing.T, path string) map[string][][]string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		out[s] = rows
	}
	return out
}
