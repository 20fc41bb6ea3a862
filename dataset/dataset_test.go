package dataset

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/diag"
)

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in, canon, prev string
	}{
		{"2024", "2024", "2023"},
		{"2024-H1", "2024-H1", "2023-H2"},
		{"2024-h2", "2024-H2", "2024-H1"},
		{"2024-Q1", "2024-Q1", "2023-Q4"},
		{"2024-Q3", "2024-Q3", "2024-Q2"},
		{"2024-01", "2024-01", "2023-12"},
		{"2024-12", "2024-12", "2024-11"},
	} {
		p, err := ParsePeriod(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if p.String() != tc.canon || p.Prev().String() != tc.prev {
			t.Errorf("%s: got %s (prev %s), want %s (prev %s)", tc.in, p, p.Prev(), tc.canon, tc.prev)
		}
		if !p.Prev().Before(p) {
			t.Errorf("%s: Prev is not Before", tc.in)
		}
	}
	for _, bad := range []string{"", "24", "2024-", "2024-Q5", "2024-Q0", "2024-H3", "2024-13", "2024-00", "2024/01", "20a4", "2024-1"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestDatasetColumnsAndFingerprint(t *testing.T) {
	p, _ := ParsePeriod("2024")
	q, _ := ParsePeriod("2023")
	subs := []Subject{{ID: "b", Kind: "k"}, {ID: "a", Kind: "k", Attrs: MakeAttrs(map[string]string{"region": "n"})}}
	d := New(subs, []string{"region"})
	if d.Subjects[0].ID != "a" {
		t.Fatal("subjects are not sorted by id")
	}
	if i, ok := d.SubjectIndex("b"); !ok || i != 1 {
		t.Fatalf("SubjectIndex(b) = %d, %v", i, ok)
	}
	if d.Column("x", p) != nil {
		t.Fatal("absent column should be nil")
	}
	d.MutableColumn("x", p)[1] = 3
	d.MutableColumn("y", q)[0] = 1
	c := d.Column("x", p)
	if !math.IsNaN(c[0]) || c[1] != 3 {
		t.Fatalf("column = %v", c)
	}
	if m := d.Metrics(); len(m) != 2 || m[0] != "x" || m[1] != "y" {
		t.Fatalf("Metrics = %v", m)
	}
	if ps := d.Periods(); len(ps) != 2 || ps[0] != q || ps[1] != p {
		t.Fatalf("Periods = %v", ps)
	}
	// The same content in another order has the same fingerprint; other
	// content does not.
	e := New([]Subject{subs[1], subs[0]}, []string{"region"})
	e.MutableColumn("y", q)[0] = 1
	e.MutableColumn("x", p)[1] = 3
	if d.Fingerprint() != e.Fingerprint() {
		t.Fatal("fingerprint depends on insertion order")
	}
	e.MutableColumn("x", p)[0] = 0
	if d.Fingerprint() == e.Fingerprint() {
		t.Fatal("fingerprint ignores a value")
	}
	if v, ok := d.Subjects[0].Attr("region"); !ok || v != "n" {
		t.Fatalf("Attr(region) = %q, %v", v, ok)
	}
	if _, ok := d.Subjects[0].Attr("nope"); ok {
		t.Fatal("Attr of an unknown column reported ok")
	}
}

// TestBuilderKeyedByID: values given by subject id land on that subject
// whatever the order the subjects were given in (dataset.New sorts them).
func TestBuilderKeyedByID(t *testing.T) {
	y, _ := ParsePeriod("2024")
	b, err := NewBuilder([]Subject{{ID: "z"}, {ID: "b"}, {ID: "c"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range map[string]float64{"z": 26, "b": 2, "c": 3} {
		if err := b.Set(id, "x", y, v); err != nil {
			t.Fatal(err)
		}
	}
	d, err := b.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]float64{"z": 26, "b": 2, "c": 3} {
		i, ok := d.SubjectIndex(id)
		if !ok || d.Column("x", y)[i] != want {
			t.Errorf("subject %s: x = %v, want %v", id, d.Column("x", y)[i], want)
		}
	}
}

func TestBuilderErrors(t *testing.T) {
	y, _ := ParsePeriod("2024")
	if _, err := NewBuilder([]Subject{{ID: "a"}, {ID: "a"}, {ID: ""}}, nil); err == nil ||
		!strings.Contains(err.Error(), `duplicate subject id "a"`) || !strings.Contains(err.Error(), "empty id") {
		t.Errorf("NewBuilder with a duplicate and an empty id: %v", err)
	}
	b, err := NewBuilder([]Subject{{ID: "alpha"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, subject, metric string
		v                     float64
		want                  string
	}{
		{"unknown subject", "alpah", "x", 1, `unknown subject "alpah" (did you mean "alpha"?)`},
		{"invalid metric", "alpha", "2x", 1, `invalid metric name "2x"`},
		{"infinite value", "alpha", "x", math.Inf(1), "is not finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.Set(tc.subject, tc.metric, y, tc.v)
			var de *diag.Error
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) || de.Subject != tc.subject || de.Period != "2024" {
				t.Errorf("Set: %v (%+v), want %q with its coordinates", err, de, tc.want)
			}
		})
	}
	if _, err := b.Dataset(); err == nil {
		t.Error("Dataset() after failed Sets: no error")
	}
}

// TestNewOwned: NewOwned keeps the caller's slice (sorted in place by id
// when it is not in order, untouched when it is) with the same dataset as
// New, which copies.
func TestNewOwned(t *testing.T) {
	mk := func(ids ...string) []Subject {
		out := make([]Subject, len(ids))
		for i, id := range ids {
			out[i] = Subject{ID: id, Name: "n" + id, Kind: "gov"}
		}
		return out
	}
	for _, ids := range [][]string{{"a", "b", "c"}, {"c", "a", "b"}, {"b"}, {}} {
		given := mk(ids...)
		copied := New(mk(ids...), []string{"region"})
		owned := NewOwned(given, []string{"region"})
		if len(given) > 0 && &owned.Subjects[0] != &given[0] {
			t.Errorf("%v: NewOwned copied the subjects", ids)
		}
		if len(owned.Subjects) != len(copied.Subjects) {
			t.Fatalf("%v: %d subjects, New gives %d", ids, len(owned.Subjects), len(copied.Subjects))
		}
		for i := range owned.Subjects {
			o, c := owned.Subjects[i], copied.Subjects[i]
			ov, oOK := o.Attr("region")
			cv, cOK := c.Attr("region")
			if o.ID != c.ID || o.Name != c.Name || ov != cv || oOK != cOK {
				t.Errorf("%v: subject %d = %+v, New gives %+v", ids, i, o, c)
			}
			if j, ok := owned.SubjectIndex(o.ID); !ok || j != i {
				t.Errorf("%v: SubjectIndex(%s) = %d, %v", ids, o.ID, j, ok)
			}
		}
	}
}

func TestNewZeroColumn(t *testing.T) {
	d := New([]Subject{{ID: "a", Kind: "k"}, {ID: "b", Kind: "k"}}, nil)
	p := Period{Kind: Year, Year: 2024}
	c := d.NewZeroColumn("m", p)
	if len(c) != 2 || c[0] != 0 || c[1] != 0 {
		t.Fatalf("NewZeroColumn = %v, want [0 0]", c)
	}
	c[1] = 3
	if got := d.Column("m", p); len(got) != 2 || got[1] != 3 {
		t.Errorf("Column after NewZeroColumn = %v", got)
	}
	if again := d.NewZeroColumn("m", p); again != nil {
		t.Errorf("NewZeroColumn of an existing column = %v, want nil", again)
	}
	if m := d.MutableColumn("m", p); &m[0] != &c[0] {
		t.Error("MutableColumn does not return the column NewZeroColumn made")
	}
}
