package indicators

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestReferenceExamples parses every ```yaml block of docs/yaml-reference.md
// that starts with `govscore: 1`, so that the reference cannot rot.
func TestReferenceExamples(t *testing.T) {
	const doc = "../docs/yaml-reference.md"
	src, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	n := 0
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```yaml" {
			continue
		}
		start := i + 1
		j := start
		for j < len(lines) && strings.TrimSpace(lines[j]) != "```" {
			j++
		}
		block := strings.Join(lines[start:j], "\n") + "\n"
		i = j
		if !strings.HasPrefix(block, "govscore: 1") {
			continue
		}
		n++
		t.Run(fmt.Sprintf("line%d", start), func(t *testing.T) {
			if _, err := Parse(fmt.Sprintf("%s:block@%d", doc, start), []byte(block)); err != nil {
				t.Errorf("example at %s:%d does not parse:\n%v", doc, start, err)
			}
		})
	}
	if n < 5 {
		t.Errorf("found %d examples, want at least 5", n)
	}
}
