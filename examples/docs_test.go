package examples_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/govscore/govscore/batch"
)

// TestYAMLReferenceTryIt runs the "Try it" example of docs/yaml-reference.md:
// the first ```yaml block is the indicator set, the ```csv blocks named
// data/… are its data, and the ```csv results.csv block is the expected
// output, so the reference cannot drift from what govscore does.
func TestYAMLReferenceTryIt(t *testing.T) {
	doc, err := os.ReadFile("../docs/yaml-reference.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```(yaml|csv)( [^\\n]*)?\\n(.*?)^```").FindAllSubmatch(doc, -1)
	dir := t.TempDir()
	var want []byte
	wroteSet := false
	for _, b := range blocks {
		lang, name, body := string(b[1]), string(bytes.TrimSpace(b[2])), b[3]
		switch {
		case lang == "yaml" && !wroteSet:
			name, wroteSet = "indicators.yaml", true
		case lang == "csv" && name == "results.csv":
			want = body
			continue
		case lang == "csv" && name != "":
		default:
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want == nil {
		t.Fatal("docs/yaml-reference.md has no ```csv results.csv block")
	}
	files, err := batch.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := render(t, files)["results.csv"]
	if !bytes.Equal(got, want) {
		t.Errorf("docs/yaml-reference.md \"Try it\" results.csv is out of date:\ngot\n%s\nwant\n%s", got, want)
	}
}
