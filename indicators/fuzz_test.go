package indicators

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/govscore/govscore/diag"
)

// FuzzParse checks that Parse never panics, that it returns either a set or
// a diag.List, and that every error it reports is positioned.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("govscore: 1\nid: x\nkinds: [k]\ntree:\n  - &a {id: x, children: [*a]}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("f.yaml", src)
		if err == nil {
			if s == nil || s.Root == nil || len(s.Nodes) == 0 {
				t.Fatalf("nil error but incomplete set")
			}
			return
		}
		if s != nil {
			t.Fatalf("set returned with error %v", err)
		}
		var list diag.List
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %T is not a non-empty diag.List", err)
		}
		for _, e := range list {
			if e.Pos.File != "f.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Fatalf("unpositioned error %q at %+v", e.Msg, e.Pos)
			}
		}
	})
}
