package splitstream

import (
	"bytes"
	"io"
	"testing"
)

// TestSplitter cuts one stream written in two pieces, split at every
// point, and byte by byte, with the markers dropped and with them routed
// to a sink; a marker's first bytes also occur where it is not.
func TestSplitter(t *testing.T) {
	doc := []byte("he<Bad<A>mid<B<Bdle<BB>tail<A>")
	markers := [][]byte{[]byte("<A>"), []byte("<BB>")}
	var pieces [][][]byte
	for cut := 0; cut <= len(doc); cut++ {
		pieces = append(pieces, [][]byte{doc[:cut], doc[cut:]})
	}
	var bytewise [][]byte
	for i := range doc {
		bytewise = append(bytewise, doc[i:i+1])
	}
	pieces = append(pieces, bytewise)
	for cut, ps := range pieces {
		for _, route := range [][]int{nil, {0, 2}} {
			var a, b, c bytes.Buffer
			s := &Splitter{Markers: markers, Sinks: []io.Writer{&a, &b, &c}, MarkerTo: route}
			for _, p := range ps {
				if n, err := s.Write(p); err != nil || n != len(p) {
					t.Fatalf("cut %d: wrote %d of %d: %v", cut, n, len(p), err)
				}
			}
			if err := s.Finish(); err != nil || s.Found() != 2 {
				t.Fatalf("cut %d: found %d: %v", cut, s.Found(), err)
			}
			want := []string{"he<Bad", "mid<B<Bdle", "tail<A>"}
			if route != nil {
				want = []string{"he<Bad<A>", "mid<B<Bdle", "<BB>tail<A>"}
			}
			if got := []string{a.String(), b.String(), c.String()}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				t.Errorf("cut %d, route %v: %q, want %q", cut, route, got, want)
			}
		}
	}
}

// TestSplitterMissingMarker checks that Finish writes the bytes held back
// and names the marker not found.
func TestSplitterMissingMarker(t *testing.T) {
	var a, b bytes.Buffer
	s := &Splitter{Markers: [][]byte{[]byte("<A>")}, Sinks: []io.Writer{&a, &b}}
	if _, err := s.Write([]byte("no marker<")); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(); err == nil || err.Error() != `no "<A>"` {
		t.Errorf("Finish: %v", err)
	}
	if a.String() != "no marker<" || b.Len() != 0 || s.Found() != 0 {
		t.Errorf("sinks %q %q, found %d", a.String(), b.String(), s.Found())
	}
}
