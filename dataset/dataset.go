// Package dataset holds the data a batch is computed from: the subjects
// being evaluated and their metric values per period, stored column by
// column ([]float64 per metric and period, indexed like Dataset.Subjects,
// NaN = missing).
//
// A Dataset is canonical: subjects are sorted by id and columns are keyed by
// (metric, period), so the order of the input rows never shows in anything
// computed from it. Loading from CSV lives in package csvdata; this package
// does no I/O.
package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"sort"

	"github.com/govscore/govscore/diag"
)

// Subject is a unit being evaluated (治理主体).
type Subject struct {
	ID     string
	Name   string
	Kind   string
	Parent string   // id of the parent subject, "" for none
	Attrs  Attrs    // the other columns of subjects.csv (MakeAttrs builds them by hand)
	Pos    diag.Pos // the subject's row in subjects.csv
}

// Attr returns a subject attribute by column name: id, name, kind, parent or
// a free attribute. ok is false when the dataset has no such column.
func (s *Subject) Attr(name string) (v string, ok bool) {
	switch name {
	case "id":
		return s.ID, true
	case "name":
		return s.Name, true
	case "kind":
		return s.Kind, true
	case "parent":
		return s.Parent, true
	}
	return s.Attrs.Get(name)
}

type colKey struct {
	metric string
	period Period
}

// Dataset is the subjects and metric columns of an evaluation. Build one
// with a Builder (values keyed by subject id), or — in a loader that looks
// each subject's index up with SubjectIndex — with New and MutableColumn;
// after that it is read-only and safe for concurrent use.
type Dataset struct {
	// Subjects sorted by ID.
	Subjects []Subject
	// AttrNames are the free attribute columns (not id, name, kind, parent),
	// sorted.
	AttrNames []string
	// Warnings found while loading (e.g. a file decoded as GB18030).
	Warnings []diag.Warning

	index map[string]int
	cols  map[colKey][]float64
}

// New returns a dataset of the given subjects, sorted by id: index i of
// its columns is Subjects[i], not the i-th subject given (use SubjectIndex,
// or a Builder). attrNames are the free attribute columns: every
// subject's Attrs is aligned with them (an attribute a subject lacks is
// "", one it has beyond them is dropped). The caller guarantees unique
// ids.
func New(subjects []Subject, attrNames []string) *Dataset {
	return NewOwned(append([]Subject(nil), subjects...), attrNames)
}

// NewOwned is New without the copy of subjects: it sorts and aligns them
// in place, and the dataset keeps the slice, which the caller must no
// longer use. For loaders, which build the slice for the dataset (a
// million subjects' records are ~190 MB, and copying them, pointers and
// all, cost ~1 s at 1M). Subjects already in id order, as files usually
// list them, are not sorted again.
func NewOwned(subjects []Subject, attrNames []string) *Dataset {
	s := subjects
	for i := 1; i < len(s); i++ {
		if s[i].ID < s[i-1].ID {
			sort.Slice(s, func(i, j int) bool { return s[i].ID < s[j].ID })
			break
		}
	}
	a := append([]string(nil), attrNames...)
	sort.Strings(a)
	alignAttrs(s, a)
	d := &Dataset{Subjects: s, AttrNames: a, index: make(map[string]int, len(s)), cols: map[colKey][]float64{}}
	for i := range s {
		d.index[s[i].ID] = i
	}
	return d
}

// WithoutColumns returns a dataset of the same subjects (shared, not
// copied) without any metric column: what a reader of the subjects only
// needs, so that the columns can be collected once nothing else holds d.
func (d *Dataset) WithoutColumns() *Dataset {
	return &Dataset{Subjects: d.Subjects, AttrNames: d.AttrNames, Warnings: d.Warnings, index: d.index, cols: map[colKey][]float64{}}
}

// Len is the number of subjects.
func (d *Dataset) Len() int { return len(d.Subjects) }

// SubjectIndex returns the position of the subject with the given id.
func (d *Dataset) SubjectIndex(id string) (int, bool) {
	i, ok := d.index[id]
	return i, ok
}

// Column returns the values of metric in period p, one per subject (NaN =
// missing), or nil when the dataset holds no row for that metric and period.
// The slice must not be modified.
func (d *Dataset) Column(metric string, p Period) []float64 {
	return d.cols[colKey{metric, p}]
}

// MutableColumn returns the column of metric in period p, creating it filled
// with NaN (missing) when absent. Loaders write values into it.
func (d *Dataset) MutableColumn(metric string, p Period) []float64 {
	k := colKey{metric, p}
	c, ok := d.cols[k]
	if !ok {
		c = make([]float64, len(d.Subjects))
		for i := range c {
			c[i] = math.NaN()
		}
		d.cols[k] = c
	}
	return c
}

// NewZeroColumn creates the column of metric in period p with every value
// 0, not NaN, and returns it, or returns nil when the column exists. It
// saves a loader that writes most cells MutableColumn's pass filling them
// with NaN: the caller must set every cell it does not give to NaN before
// the dataset is used.
func (d *Dataset) NewZeroColumn(metric string, p Period) []float64 {
	k := colKey{metric, p}
	if _, ok := d.cols[k]; ok {
		return nil
	}
	c := make([]float64, len(d.Subjects))
	d.cols[k] = c
	return c
}

// Metrics returns the names of the metrics with at least one row, sorted.
func (d *Dataset) Metrics() []string {
	seen := map[string]bool{}
	var out []string
	for k := range d.cols {
		if !seen[k.metric] {
			seen[k.metric] = true
			out = append(out, k.metric)
		}
	}
	sort.Strings(out)
	return out
}

// Periods returns the periods with at least one metric row, oldest first.
func (d *Dataset) Periods() []Period {
	seen := map[Period]bool{}
	var out []Period
	for k := range d.cols {
		if !seen[k.period] {
			seen[k.period] = true
			out = append(out, k.period)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// Fingerprint is the hex SHA-256 of the dataset's canonical content:
// subjects (sorted by id, with every attribute) and metric columns (sorted
// by metric and period). Two datasets with the same content have the same
// fingerprint whatever the order of the rows they were loaded from.
func (d *Dataset) Fingerprint() string {
	keys := make([]ColumnKey, 0, len(d.cols))
	for k := range d.cols {
		keys = append(keys, ColumnKey{k.metric, k.period})
	}
	fp, _ := FingerprintColumns(d, keys, func(k ColumnKey) ([]float64, error) { return d.cols[colKey{k.Metric, k.Period}], nil })
	return fp
}

// ColumnKey names a metric column: a metric in a period.
type ColumnKey struct {
	Metric string
	Period Period
}

// FingerprintColumns is the Fingerprint of a dataset with the subjects of
// d and the metric columns keys, whose values column returns one at a time
// (a reader that holds the columns elsewhere, e.g. spilled to a file, and
// one in memory at a time; d's own columns are not read). A column
// returned must have a value per subject of d.
func FingerprintColumns(d *Dataset, keys []ColumnKey, column func(ColumnKey) ([]float64, error)) (string, error) {
	h := sha256.New()
	str := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, a := range d.AttrNames {
		str(a)
	}
	for i := range d.Subjects {
		s := &d.Subjects[i]
		str(s.ID)
		str(s.Name)
		str(s.Kind)
		str(s.Parent)
		for j, a := range d.AttrNames {
			str(s.Attrs.at(j, a))
		}
	}
	keys = append([]ColumnKey(nil), keys...)
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Metric != keys[j].Metric {
			return keys[i].Metric < keys[j].Metric
		}
		return keys[i].Period.Before(keys[j].Period)
	})
	buf := make([]byte, 8)
	for _, k := range keys {
		col, err := column(k)
		if err != nil {
			return "", err
		}
		str(k.Metric)
		str(k.Period.String())
		for _, v := range col {
			bits := math.Float64bits(v)
			if v != v {
				bits = 0x7ff8000000000001 // one canonical missing
			}
			binary.LittleEndian.PutUint64(buf, bits)
			h.Write(buf)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
