package diag

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestListSortsDedupsAndCaps(t *testing.T) {
	var l List
	if l.Err() != nil {
		t.Fatal("empty list must give a nil error")
	}
	l.Add(Pos{File: "b.csv", Line: 2, Col: 1}, "second file")
	l.Add(Pos{File: "a.yaml", Line: 9, Col: 3}, "later")
	l.Add(Pos{File: "a.yaml", Line: 2, Col: 7}, "earlier")
	l.Add(Pos{File: "a.yaml", Line: 2, Col: 7}, "earlier")
	l.Append(&Error{Pos: Pos{File: "a.yaml", Line: 1}, Msg: "line only"})
	l.Append(errors.New("no position"))
	err := l.Err()
	want := "no position\na.yaml:1: line only\na.yaml:2:7: earlier\na.yaml:9:3: later\nb.csv:2:1: second file"
	if err.Error() != want {
		t.Fatalf("got\n%s\nwant\n%s", err, want)
	}
	var big List
	for i := 0; i < MaxErrors+5; i++ {
		big.Add(Pos{File: "f", Line: i + 1, Col: 1}, "e%d", i)
	}
	s := big.Err().Error()
	if !strings.HasSuffix(s, "(and 5 more errors)") || strings.Count(s, "\n") != MaxErrors {
		t.Fatalf("cap not applied: %q", s[len(s)-40:])
	}
	var asList List
	if !errors.As(fmt.Errorf("wrapped: %w", big.Err()), &asList) || len(asList) != MaxErrors+5 {
		t.Fatal("errors.As does not find the List")
	}
}

func TestWarnings(t *testing.T) {
	ws := []Warning{
		{Subject: "b", Node: "x", Msg: "m"},
		{Pos: Pos{File: "f", Line: 1, Col: 2}, Msg: "positioned"},
		{Subject: "a", Node: "x", Msg: "m"},
		{Subject: "a", Node: "x", Msg: "m"},
	}
	got := SortWarnings(ws)
	if len(got) != 3 || got[0].Subject != "a" || got[1].Subject != "b" || got[2].Pos.File != "f" {
		t.Fatalf("SortWarnings = %+v", got)
	}
	w := Warning{Pos: Pos{File: "f", Line: 3, Col: 4}, Group: "g", Subject: "s", Node: "n", Msg: "boom"}
	if s := w.String(); s != "f:3:4: group g, subject s, n: boom" {
		t.Fatalf("String = %q", s)
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"scroe", "score", 1}, {"kitten", "sitting", 3}, {"社区", "社会", 1}, {"abc", "", 3}, {"ab", "ba", 1}} {
		if got := EditDistance(tc.a, tc.b); got != tc.d {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
	cands := []string{"disputes_received", "disputes_resolved", "population"}
	if got := DidYouMean("dispute_recieved", cands, nil); got != ` (did you mean "disputes_received"?)` {
		t.Errorf("DidYouMean = %q", got)
	}
	if got := Closest("zzz", cands, nil); got != "" {
		t.Errorf("Closest(zzz) = %q, want none", got)
	}
	budget := 1
	if got := Closest("populaton", cands, &budget); got != "" || budget != 0 {
		t.Errorf("budget not honoured: %q, %d", got, budget)
	}
}

func TestClosest(t *testing.T) {
	ids := []string{"gov_department", "party_org", "social_org", "s1", "s2"}
	tests := []struct {
		name, word, want string
	}{
		{"one deletion", "gov_departmnt", "gov_department"},
		{"transposition", "party_ogr", "party_org"},
		{"too far", "xyz_abc", ""},
		{"short word tie goes to first sorted", "s3", "s1"},
		{"exact match is not a suggestion", "s1", "s2"},
		{"unicode", "社会组織", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Closest(tt.word, ids, nil); got != tt.want {
				t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
	t.Run("budget", func(t *testing.T) {
		b := 1
		if got := Closest("s3", []string{"zzz", "s1"}, &b); got != "" {
			t.Errorf("closest with budget 1 = %q, want none", got)
		}
		if b != 0 {
			t.Errorf("budget left = %d, want 0", b)
		}
	})
}

func TestNoOppositeSuggestions(t *testing.T) {
	for _, tc := range []struct{ word, cand string }{{"不合格", "合格"}, {"合格", "不合格"}, {"unrated", "rated"}} {
		if got := Closest(tc.word, []string{tc.cand}, nil); got != "" {
			t.Errorf("Closest(%q, [%q]) = %q, want no suggestion", tc.word, tc.cand, got)
		}
	}
	if got := Closest("合恪", []string{"合格"}, nil); got != "合格" {
		t.Errorf("a real typo is still suggested: got %q", got)
	}
}

func TestErrorCoordinatesAndUnwrap(t *testing.T) {
	cause := errors.New("value out of range")
	e := &Error{Pos: Pos{File: "database"}, Subject: "s1", Indicator: "x", Period: "2024", Err: cause}
	if got, want := e.Error(), "database: value out of range"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var l List
	l.Append(e)
	l.Append(errors.New("other"))
	wrapped := fmt.Errorf("loading: %w", l.Err())
	if !errors.Is(wrapped, cause) {
		t.Error("errors.Is does not find the cause through the List and the Error")
	}
	var de *Error
	if !errors.As(fmt.Errorf("checking: %w", e), &de) || de.Subject != "s1" || de.Indicator != "x" || de.Period != "2024" {
		t.Errorf("errors.As found %+v, want the coordinates s1, x, 2024", de)
	}
	var plain List
	plain.Append(errors.New("no position"))
	if plain[0].Err == nil || plain[0].Err.Error() != "no position" {
		t.Errorf("Append of a plain error keeps it as Err: %+v", plain[0])
	}
}

func TestFormatNum(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0.30000000000000004, "0.30000000000000004"},
		{1e21, "1e+21"},
		{-2.5, "-2.5"},
		{math.NaN(), "-"},
	} {
		if got := FormatNum(tc.x, "-"); got != tc.want {
			t.Errorf("FormatNum(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}

func TestSheetPos(t *testing.T) {
	cases := []struct {
		p    Pos
		want string
	}{
		{Pos{File: "a.xlsx", Sheet: "名单", Line: 12, Col: 3}, "a.xlsx:名单!C12"},
		{Pos{File: "a.xlsx", Sheet: "S", Line: 1, Col: 27}, "a.xlsx:S!AA1"},
		{Pos{File: "a.xlsx", Sheet: "S", Line: 7, Col: 16384}, "a.xlsx:S!XFD7"},
		{Pos{File: "a.xlsx", Sheet: "S", Line: 7}, "a.xlsx:S!7"},
		{Pos{File: "a.xlsx", Sheet: "S"}, "a.xlsx:S"},
		{Pos{File: "a.csv", Line: 2, Col: 3}, "a.csv:2:3"},
	}
	for _, c := range cases {
		if got := c.p.String(); got != c.want {
			t.Errorf("%#v: got %q, want %q", c.p, got, c.want)
		}
	}
	a, b := Pos{File: "a.xlsx", Sheet: "A", Line: 9}, Pos{File: "a.xlsx", Sheet: "B", Line: 1}
	if !a.Less(b) || b.Less(a) {
		t.Errorf("sheets do not order positions of one file")
	}
}

func TestFormatCap(t *testing.T) {
	var l List
	for i := 1; i <= 5; i++ {
		l.Add(Pos{File: "f", Line: i}, "e%d", i)
	}
	if got := l.Format(2); got != "f:1: e1\nf:2: e2\n(and 3 more errors)" {
		t.Errorf("Format(2) = %q", got)
	}
	if got := l.Format(0); strings.Count(got, "\n") != 4 || strings.Contains(got, "more") {
		t.Errorf("Format(0) = %q, want all five", got)
	}
	if l.Error() != l.Format(MaxErrors) {
		t.Errorf("Error and Format(MaxErrors) differ")
	}
}

// TestKept checks that Kept returns the positioned errors without the count
// of the ones not kept, and that count: the element a caller checking
// positions must not expect one from.
func TestKept(t *testing.T) {
	var l List
	for i := 1; i <= MaxCollected+3; i++ {
		l.Add(Pos{File: "f", Line: i}, "e%d", i)
	}
	kept, n := l.Kept()
	if len(kept) != MaxCollected || n != 3 || l.Len() != MaxCollected+3 {
		t.Fatalf("Kept = %d errors and %d counted, Len %d", len(kept), n, l.Len())
	}
	for _, e := range kept {
		if e.Pos.Line < 1 || e.Omitted() != 0 {
			t.Fatalf("kept error %v without a position", e)
		}
	}
	if last := l[len(l)-1]; last.Omitted() != 3 || last.Pos.Line != 0 {
		t.Errorf("last element %v, want the count of 3", last)
	}
	var short List
	short.Add(Pos{File: "f", Line: 1}, "one")
	if k, n := short.Kept(); len(k) != 1 || n != 0 {
		t.Errorf("Kept of one error = %d, %d", len(k), n)
	}
}

// TestAddKeepsFormat checks that an error made by List.Add, or by Text.At,
// keeps its English format and arguments beside the message (the
// catalogue translates them), a Text argument printing as its English.
func TestAddKeepsFormat(t *testing.T) {
	var l List
	inner := Textf("unknown subject %q", "s9")
	l.Add(Pos{File: "f", Line: 2}, "%s (%d more rows name it)", inner, 3)
	e := l[0]
	if e.Error() != `f:2: unknown subject "s9" (3 more rows name it)` {
		t.Errorf("Error() = %q", e.Error())
	}
	if e.Format != "%s (%d more rows name it)" || len(e.Args) != 2 || e.Args[1] != any(3) {
		t.Errorf("Format, Args = %q, %#v", e.Format, e.Args)
	} else if a, ok := e.Args[0].(Text); !ok || a.Format != inner.Format {
		t.Errorf("Args[0] = %#v, want the Text", e.Args[0])
	}
	at := inner.At(Pos{File: "g"})
	if at.Msg != `unknown subject "s9"` || at.Format != inner.Format || len(at.Args) != 1 || at.Error() != `g: unknown subject "s9"` {
		t.Errorf("At = %#v", at)
	}
}
