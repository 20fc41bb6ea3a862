package dataset

import (
	"math"
	"testing"
)

func TestGivenAll(t *testing.T) {
	y, _ := ParsePeriod("2024")
	b, err := NewBuilder([]Subject{{ID: "b"}, {ID: "a"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set("b", "x", y, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Set("a", "x", y, math.NaN()); err != nil {
		t.Fatal(err)
	}
	if err := b.Set("a", "z", y, math.NaN()); err != nil {
		t.Fatal(err)
	}
	d, err := b.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	g := GivenAll(d)
	cols := g.Columns()
	if len(cols) != 1 || cols[0].Metric != "x" || cols[0].Len() != 1 {
		t.Fatalf("columns %v, want x with one cell (z has none)", cols)
	}
	ia, _ := d.SubjectIndex("a")
	ib, _ := d.SubjectIndex("b")
	if cols[0].Has(ia) || !cols[0].Has(ib) || g.Sources()[cols[0].SourceIndex(ib)] != "" {
		t.Errorf("given a %v, b %v: want b only, without a source", cols[0].Has(ia), cols[0].Has(ib))
	}
}
