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
	f.Add([]byte("govscore: 1\nid: x\nkinds: [k]\ntree:\n  - {id: x, expr: x}\ndata:\n  subjects: {file: data/名单.xlsx, header_row: 2, columns: {id: 编码}, values: {kind: {部门: k}}}\n  metrics: [data/m.xlsx, {file: m.csv, subject_by: name, period: \"2024\", thousands: true}]\n  assessments: {file: s.xlsx, layout: survey, item: a, period: \"2024\", role: {column: 身份}, rater: 序号, questions: {q: x}, labels: {好: 1}}\n"))
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
		kept, _ := list.Kept() // the count of errors not kept has no position
		for _, e := range kept {
			if e.Pos.File != "f.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Fatalf("unpositioned error %q at %+v", e.Msg, e.Pos)
			}
		}
	})
}
