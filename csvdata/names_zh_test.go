package csvdata

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govscore/govscore/datamap"
	"github.com/govscore/govscore/diag"
	"github.com/govscore/govscore/i18n"
)

// TestNameErrorsKeepFormat: the errors of a file naming subjects by name
// (an empty name, a name shared by two subjects, an unknown name) keep
// their format and arguments, so that they show in Chinese.
func TestNameErrorsKeepFormat(t *testing.T) {
	dir := t.TempDir()
	sp := filepath.Join(dir, "subjects.csv")
	if err := os.WriteFile(sp, []byte("标题\n编码,名称,类别\ns1,甲局,政府部门\ns2,甲局,政府部门\ns3,丙局,政府部门\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	subj := Input{Path: sp, Name: "subjects.csv", Map: &datamap.File{HeaderRow: 2,
		Columns: []datamap.Column{{Name: "id", Header: "编码"}, {Name: "name", Header: "名称"}, {Name: "kind", Header: "类别"}},
		Values:  map[string]map[string]string{"kind": {"政府部门": "gov"}}}}
	p := filepath.Join(dir, "m.csv")
	if err := os.WriteFile(p, []byte("名称,案件数\n甲局,1\n,2\n丁局,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &datamap.File{HeaderRow: 1, SubjectBy: "name", Period: "2024",
		Columns: []datamap.Column{{Name: "subject", Header: "名称"}, {Name: "cases", Header: "案件数"}}}
	_, err := LoadInputs(subj, []Input{{Path: p, Name: "m.csv", Map: m}}, Options{})
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("err = %v, want a diag.List", err)
	}
	want := map[string][2]string{
		"m.csv:2:1": {`the name "甲局" is shared by subjects "s1" and "s2"`, `名称 "甲局" 同时属于评价对象 "s1" 和 "s2"`},
		"m.csv:3:1": {`empty subject name`, `评价对象名称为空`},
		"m.csv:4:1": {`no subject is named "丁局"`, `没有名称为 "丁局" 的评价对象`},
	}
	for _, e := range list {
		w, ok := want[e.Pos.String()]
		if !ok {
			continue
		}
		delete(want, e.Pos.String())
		if !strings.HasPrefix(e.Msg, w[0]) {
			t.Errorf("%s: %q, want it to start with %q", e.Pos, e.Msg, w[0])
		}
		if zh := i18n.Error(i18n.Zh, e.Format, e.Args, e.Msg); !strings.HasPrefix(zh, w[1]) {
			t.Errorf("%s: Chinese %q, want it to start with %q", e.Pos, zh, w[1])
		}
	}
	for pos, w := range want {
		t.Errorf("no error at %s (%q) in\n%v", pos, w[0], err)
	}
}
