package csvdata

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/govscore/govscore/dataset"
)

// TestLoadGiven: the given cells are those the metric files name — a
// number or a missing token, in either layout, blank rows aside — each
// with its source cell; a cell no row names is not given.
func TestLoadGiven(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	subjects := write("subjects.csv", "id,name,kind\nb,B,k\na,A,k\nc,C,k\n")
	wide := write("wide.csv", "subject,period,source,x,y\nb,2024, office ,1,NA\n,,,,\na,2024,,2,\n")
	long := write("long.csv", "subject,period,metric,value,source\nc,2024,x,3,survey\nc,2023,y,NA,survey\n")
	ds, given, err := LoadGiven(subjects, []string{wide, long}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	y23, _ := dataset.ParsePeriod("2023")
	src := func(c *dataset.GivenColumn, id string) (string, bool) {
		i, _ := ds.SubjectIndex(id)
		if !c.Has(i) {
			return "", false
		}
		return given.Sources()[c.SourceIndex(i)], true
	}
	cols := given.Columns()
	if len(cols) != 3 || cols[0].Period != y23 || cols[0].Metric != "y" || cols[1].Metric != "x" || cols[2].Metric != "y" || cols[1].Period == y23 {
		t.Fatalf("columns %v, want 2023 y, 2024 x, 2024 y", cols)
	}
	for _, tc := range []struct {
		col     *dataset.GivenColumn
		subject string
		given   bool
		source  string
	}{
		{cols[1], "a", true, ""},
		{cols[1], "b", true, "office"},
		{cols[1], "c", true, "survey"},
		{cols[2], "a", true, ""},       // an empty cell is a given missing value
		{cols[2], "b", true, "office"}, // NA
		{cols[2], "c", false, ""},
		{cols[0], "c", true, "survey"},
		{cols[0], "a", false, ""},
	} {
		s, ok := src(tc.col, tc.subject)
		if ok != tc.given || s != tc.source {
			t.Errorf("%s %s, subject %s: given %v source %q, want %v %q", tc.col.Metric, tc.col.Period, tc.subject, ok, s, tc.given, tc.source)
		}
	}
	if n := cols[1].Len() + cols[2].Len() + cols[0].Len(); n != 6 {
		t.Errorf("%d given cells, want 6", n)
	}
	if _, err := Load(subjects, []string{wide, long}, Options{}); err != nil {
		t.Errorf("Load of the same files: %v", err)
	}
}
