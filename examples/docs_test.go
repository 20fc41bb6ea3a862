package examples_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
		case name == "run" || strings.HasPrefix(name, "run/"):
			continue // a ```yaml run example (TestYAMLReferenceRunExamples)
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

// TestYAMLReferenceRunExamples runs every ```yaml run block of
// docs/yaml-reference.md with the ```csv run/<file> blocks after it: the
// subjects and metrics files go to data/, and run/results.csv is the
// expected results.csv.
func TestYAMLReferenceRunExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/yaml-reference.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```(yaml|csv) run(/[^\\n]*)?\\n(.*?)^```").FindAllSubmatchIndex(doc, -1)
	type example struct {
		line  int
		files map[string][]byte
		want  []byte
	}
	var exs []*example
	for _, m := range blocks {
		lang, body := string(doc[m[2]:m[3]]), doc[m[6]:m[7]]
		name := ""
		if m[4] >= 0 {
			name = string(doc[m[4]+1 : m[5]])
		}
		switch {
		case lang == "yaml":
			exs = append(exs, &example{line: bytes.Count(doc[:m[0]], []byte("\n")) + 1,
				files: map[string][]byte{"indicators.yaml": body}})
		case len(exs) == 0:
			t.Fatalf("a ```csv run/%s block comes before any ```yaml run block", name)
		case name == "results.csv":
			exs[len(exs)-1].want = body
		default:
			exs[len(exs)-1].files["data/"+name] = body
		}
	}
	if len(exs) == 0 {
		t.Fatal("docs/yaml-reference.md has no ```yaml run example")
	}
	for _, ex := range exs {
		t.Run(fmt.Sprintf("line%d", ex.line), func(t *testing.T) {
			if ex.want == nil {
				t.Fatal("no ```csv run/results.csv block")
			}
			dir := t.TempDir()
			for name, body := range ex.files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			files, err := batch.FromDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(t, files)["results.csv"]; !bytes.Equal(got, ex.want) {
				t.Errorf("results.csv of the example at docs/yaml-reference.md:%d is out of date:\ngot\n%s\nwant\n%s", ex.line, got, ex.want)
			}
		})
	}
}
