package i18n

import (
	"fmt"
	"testing"
)

// TestPad: ASCII pads as fmt does; Chinese counts two columns a character,
// so that columns line up in a terminal.
func TestPad(t *testing.T) {
	for _, s := range []string{"", "a", "group", "exactly-sixteen!", "longer than sixteen"} {
		if got, want := PadRight(s, 16), fmt.Sprintf("%-16s", s); got != want {
			t.Errorf("PadRight(%q) = %q, want %q", s, got, want)
		}
		if got, want := PadLeft(s, 7), fmt.Sprintf("%7s", s); got != want {
			t.Errorf("PadLeft(%q) = %q, want %q", s, got, want)
		}
	}
	for _, c := range []struct {
		s string
		w int
	}{{"同类组", 6}, {"社区a", 5}, {"（全角）", 8}, {"ok", 2}} {
		if Width(c.s) != c.w {
			t.Errorf("Width(%q) = %d, want %d", c.s, Width(c.s), c.w)
		}
	}
	if got := PadRight("同类组", 16); got != "同类组          " {
		t.Errorf("PadRight(同类组) = %q", got)
	}
	if got := PadLeft("名义名次", 7); got != "名义名次" {
		t.Errorf("PadLeft(名义名次, 7) = %q (wider: unchanged)", got)
	}
}
