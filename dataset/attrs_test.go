package dataset

import (
	"maps"
	"testing"
)

// TestAttrs checks the ways attributes are built (MakeAttrs, AttrTable)
// and New's alignment with the dataset's names: a missing attribute reads
// "", one beyond the names is dropped, and the fingerprint does not depend
// on how the attributes were built.
func TestAttrs(t *testing.T) {
	a := MakeAttrs(map[string]string{"zone": "z1", "area": "a1"})
	if v, ok := a.Get("area"); !ok || v != "a1" || a.Len() != 2 {
		t.Fatalf("Get(area) = %q, %v; Len %d", v, ok, a.Len())
	}
	if _, ok := a.Get("nope"); ok {
		t.Fatal("Get(nope) found")
	}
	if got := maps.Collect(a.All()); len(got) != 2 || got["zone"] != "z1" {
		t.Fatalf("All = %v", got)
	}
	tab := NewAttrTable([]string{"zone", "area"}) // file order, not sorted
	b := tab.Attrs([]string{"z1", "a1"})
	for _, n := range []string{"zone", "area"} {
		va, _ := a.Get(n)
		if vb, ok := b.Get(n); !ok || va != vb {
			t.Fatalf("AttrTable: %s = %q, want %q", n, vb, va)
		}
	}
	if (Attrs{}).Len() != 0 || NewAttrTable(nil).Attrs(nil).Len() != 0 {
		t.Fatal("no attributes expected")
	}

	subs := []Subject{
		{ID: "b", Kind: "k", Attrs: b},
		{ID: "a", Kind: "k", Attrs: MakeAttrs(map[string]string{"zone": "z2", "extra": "x"})},
		{ID: "c", Kind: "k"},
	}
	d := New(subs, []string{"zone", "area"})
	want := map[string][2]string{"a": {"z2", ""}, "b": {"z1", "a1"}, "c": {"", ""}}
	for _, s := range d.Subjects {
		z, okz := s.Attr("zone")
		ar, oka := s.Attr("area")
		if !okz || !oka || [2]string{z, ar} != want[s.ID] {
			t.Errorf("%s: zone %q %v, area %q %v, want %v", s.ID, z, okz, ar, oka, want[s.ID])
		}
		if _, ok := s.Attr("extra"); ok {
			t.Errorf("%s: extra attribute kept", s.ID)
		}
	}
	subs2 := []Subject{
		{ID: "b", Kind: "k", Attrs: MakeAttrs(map[string]string{"zone": "z1", "area": "a1"})},
		{ID: "a", Kind: "k", Attrs: MakeAttrs(map[string]string{"zone": "z2", "area": ""})},
		{ID: "c", Kind: "k", Attrs: MakeAttrs(map[string]string{"zone": "", "area": ""})},
	}
	if f1, f2 := d.Fingerprint(), New(subs2, []string{"area", "zone"}).Fingerprint(); f1 != f2 {
		t.Errorf("fingerprints differ: %s, %s", f1, f2)
	}
}
