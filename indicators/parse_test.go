package indicators

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.err golden files")

// TestGoodFiles checks that every testdata/*.good.yaml parses without error.
func TestGoodFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.good.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no good files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".good.yaml"), func(t *testing.T) {
			s, err := ParseFile(file)
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			checkInvariants(t, s)
		})
	}
}

// TestBadFiles checks that every testdata/*.bad.yaml fails with exactly the
// errors of its .err golden file (go test -update rewrites them).
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".bad.yaml"), func(t *testing.T) {
			s, err := ParseFile(file)
			if err == nil {
				t.Fatalf("ParseFile succeeded, want errors (set %q)", s.ID)
			}
			var list diag.List
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want diag.List", err)
			}
			checkPositioned(t, list, file)
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run go test -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// checkPositioned checks that every error names file:line:col and that the
// list is sorted.
func checkPositioned(t *testing.T, list diag.List, file string) {
	t.Helper()
	list, _ = list.Kept() // the count of errors not kept has no position
	for i, e := range list {
		if e.Pos.File != file || e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Errorf("error %d not positioned: %v", i, e)
		}
		if i > 0 && e.Pos.Less(list[i-1].Pos) {
			t.Errorf("errors not sorted: %v before %v", list[i-1], e)
		}
	}
}

// checkInvariants checks the tree bookkeeping of a parsed set.
func checkInvariants(t *testing.T, s *Set) {
	t.Helper()
	if s.Root == nil || s.Root.ID != "" || s.Root.Index != -1 || s.Root.Depth != 0 || s.Root.Weight != 1 || s.Root.IsLeaf() {
		t.Fatalf("bad root: %+v", s.Root)
	}
	leaves := 0
	for i, n := range s.Nodes {
		if n.Index != i {
			t.Errorf("node %q: Index %d, want %d", n.ID, n.Index, i)
		}
		if n.Parent == nil || n.Depth != n.Parent.Depth+1 {
			t.Errorf("node %q: bad parent or depth", n.ID)
		}
		if n.IsLeaf() {
			if n.LeafIndex != leaves || s.Leaves[leaves] != n {
				t.Errorf("node %q: LeafIndex %d, want %d", n.ID, n.LeafIndex, leaves)
			}
			if len(n.Children) != 0 {
				t.Errorf("leaf %q has children", n.ID)
			}
			leaves++
		} else if n.LeafIndex != -1 || len(n.Children) == 0 {
			t.Errorf("composite %q: LeafIndex %d, %d children", n.ID, n.LeafIndex, len(n.Children))
		}
		if n.Weight <= 0 {
			t.Errorf("node %q: weight %g", n.ID, n.Weight)
		}
	}
	if leaves != len(s.Leaves) {
		t.Errorf("%d leaves in Nodes, %d in Leaves", leaves, len(s.Leaves))
	}
}

// TestMetricProvider checks that `provider:` is read into Metric.Provider.
func TestMetricProvider(t *testing.T) {
	set, err := Parse("p.yaml", []byte(`govscore: 1
id: p
kinds: [county]
metrics:
  cases: {name: 案件数, provider: police}
  staff: {}
tree:
  - id: a
    expr: cases / staff
`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range set.Metrics {
		got[m.Name] = m.Provider
	}
	if got["cases"] != "police" || got["staff"] != "" {
		t.Errorf("providers = %v, want cases: police, staff: none", got)
	}
}
