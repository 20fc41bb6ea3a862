package dataset

import (
	"iter"
	"slices"
	"sort"
)

// Attrs are a subject's free attributes (the columns of subjects.csv
// other than id, name, kind and parent): values aligned with a list of
// names that every subject of a dataset shares. The zero value has no
// attributes.
//
// A dataset holds one value per subject and attribute and no map per
// subject: New aligns every subject's Attrs with Dataset.AttrNames and
// stores the values of all subjects in one array, so the attributes cost
// 16 bytes per subject and attribute (a string header; the text is shared
// with the input) instead of a map each (~300 bytes at one attribute).
// Attrs are read-only once built: Get and All read, MakeAttrs and New
// build.
type Attrs struct {
	names *attrNames // nil: no attributes
	vals  []string   // aligned with names.list
}

// attrNames is the sorted list of attribute names a dataset's subjects
// share.
type attrNames struct{ list []string }

// MakeAttrs returns the attributes m holds (a nil or empty m: none). It is
// the way to give attributes to a Subject built by hand; New re-aligns
// them with the dataset's names.
func MakeAttrs(m map[string]string) Attrs {
	if len(m) == 0 {
		return Attrs{}
	}
	names := &attrNames{list: make([]string, 0, len(m))}
	for k := range m {
		names.list = append(names.list, k)
	}
	sort.Strings(names.list)
	vals := make([]string, len(names.list))
	for j, k := range names.list {
		vals[j] = m[k]
	}
	return Attrs{names: names, vals: vals}
}

// Len returns the number of attributes.
func (a Attrs) Len() int { return len(a.vals) }

// Get returns the value of the attribute name; ok is false when there is
// no such attribute.
func (a Attrs) Get(name string) (v string, ok bool) {
	if a.names == nil {
		return "", false
	}
	l := a.names.list
	if len(l) <= 8 {
		for j, n := range l {
			if n == name {
				return a.vals[j], true
			}
		}
		return "", false
	}
	j := sort.SearchStrings(l, name)
	if j < len(l) && l[j] == name {
		return a.vals[j], true
	}
	return "", false
}

// at returns the value of attribute name, which is d.AttrNames[j] of the
// dataset the attributes belong to: the j-th value when they are aligned
// with the dataset's names (New), else by name ("" when absent).
func (a Attrs) at(j int, name string) string {
	if a.names != nil && j < len(a.vals) && a.names.list[j] == name {
		return a.vals[j]
	}
	v, _ := a.Get(name)
	return v
}

// All iterates over the attributes (name, value) in the order of their
// names.
func (a Attrs) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		if a.names == nil {
			return
		}
		for j, n := range a.names.list {
			if !yield(n, a.vals[j]) {
				return
			}
		}
	}
}

// AttrTable makes the Attrs of many subjects that share one list of
// attribute names (a loader's columns), without a map or a list of names
// per subject.
type AttrTable struct {
	names *attrNames
	perm  []int // perm[j] is the position in the given order of names.list[j]
}

// NewAttrTable returns the table of the attribute names given (in any
// order, e.g. the columns of a file; no duplicates).
func NewAttrTable(names []string) *AttrTable {
	perm := make([]int, len(names))
	for j := range perm {
		perm[j] = j
	}
	sort.Slice(perm, func(a, b int) bool { return names[perm[a]] < names[perm[b]] })
	t := &AttrTable{names: &attrNames{list: make([]string, len(names))}, perm: perm}
	for j, p := range perm {
		t.names.list[j] = names[p]
	}
	return t
}

// Attrs returns the attributes whose values vals holds, aligned with the
// names given to NewAttrTable. Attrs keeps vals (reordered in place): the
// caller gives each subject its own part of one array and does not modify
// it afterwards.
func (t *AttrTable) Attrs(vals []string) Attrs {
	if len(t.perm) == 0 {
		return Attrs{}
	}
	if len(vals) != len(t.perm) {
		panic("dataset: AttrTable.Attrs: wrong number of values")
	}
	var buf [8]string
	tmp := buf[:0]
	if len(vals) > len(buf) {
		tmp = make([]string, 0, len(vals))
	}
	tmp = append(tmp, vals...)
	for j, p := range t.perm {
		vals[j] = tmp[p]
	}
	return Attrs{names: t.names, vals: vals}
}

// alignAttrs aligns the attributes of subjects with names (sorted, no
// duplicates): afterwards every subject's Attrs has exactly these names,
// "" for an attribute it did not have. Subjects whose attributes already
// have these names keep their values where they are; the others' go to
// one array. With no names every subject's Attrs is cleared.
func alignAttrs(subjects []Subject, names []string) {
	if len(names) == 0 {
		for i := range subjects {
			subjects[i].Attrs = Attrs{}
		}
		return
	}
	shared := &attrNames{list: names}
	na := len(names)
	var slab []string
	for i := range subjects {
		a := &subjects[i].Attrs
		if a.names != nil && (a.names == shared || slices.Equal(a.names.list, names)) {
			a.names = shared
			continue
		}
		if len(slab) < na {
			slab = make([]string, na*(len(subjects)-i))
		}
		vals := slab[:na:na]
		slab = slab[na:]
		for j, n := range names {
			vals[j], _ = a.Get(n)
		}
		*a = Attrs{names: shared, vals: vals}
	}
}
