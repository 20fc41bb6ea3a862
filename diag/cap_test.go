package diag

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestListCapCounts: past MaxCollected, Add only counts; Len, Sort, Error
// and Append keep the count exact (issue 12).
func TestListCapCounts(t *testing.T) {
	const n = 3*MaxCollected + 7
	var l List
	for i := range n {
		l.Add(Pos{File: "f", Line: n - i}, "e%d", i)
	}
	if len(l) != MaxCollected+1 || l.Len() != n {
		t.Fatalf("kept %d, Len %d; want %d kept and Len %d", len(l), l.Len(), MaxCollected+1, n)
	}
	err := l.Err()
	var got List
	if !errors.As(err, &got) || got.Len() != n {
		t.Fatalf("Err: %v", err)
	}
	s := err.Error()
	if !strings.HasSuffix(s, fmt.Sprintf("(and %d more errors)", n-MaxErrors)) || strings.Count(s, "\n") != MaxErrors {
		t.Errorf("Error() ends %q", s[len(s)-60:])
	}
	// The kept errors are sorted; the count stays last.
	if got[0].Pos.Line > got[1].Pos.Line || got[len(got)-1].omitted != n-MaxCollected {
		t.Errorf("not sorted or count lost: first %v, last %v", got[0], got[len(got)-1])
	}
	// Append merges counts; AddOmitted adds to them.
	var m List
	m.Add(Pos{File: "g"}, "one")
	m.Append(got)
	m.AddOmitted(5)
	if m.Len() != n+1+5 || len(m) != MaxCollected+1 {
		t.Errorf("after Append: kept %d, Len %d", len(m), m.Len())
	}
	// A small list with a count keeps adding below the cap.
	var k List
	k.AddOmitted(2)
	k.Add(Pos{File: "h"}, "x")
	if k.Len() != 3 || len(k) != 2 || k[0].Msg != "x" {
		t.Errorf("k = %v", k)
	}
	if !strings.Contains(k.Error(), "h: x\n(and 2 more errors)") {
		t.Errorf("k.Error() = %q", k.Error())
	}
}
