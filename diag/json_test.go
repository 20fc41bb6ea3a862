package diag

import (
	"encoding/json"
	"math"
	"testing"
)

// TestAppendJSONString: every string comes back through encoding/json as
// written (invalid UTF-8 as U+FFFD), and the escapes are the short ones.
func TestAppendJSONString(t *testing.T) {
	for _, tt := range []struct{ in, want, back string }{
		{"幸福社区", `"幸福社区"`, "幸福社区"},
		{"a\"b\\c", `"a\"b\\c"`, "a\"b\\c"},
		{"l1\nl2\r\t", `"l1\nl2\r\t"`, "l1\nl2\r\t"},
		{"nul\x00esc\x1b", `"nul\u0000esc\u001b"`, "nul\x00esc\x1b"},
		{"bad\xffutf8", `"bad\ufffdutf8"`, "bad\ufffdutf8"},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`, "ls\u2028ps\u2029"},
	} {
		got := string(AppendJSONString(nil, tt.in))
		if got != tt.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != tt.back {
			t.Errorf("%s decodes to %q (%v), want %q", got, back, err, tt.back)
		}
	}
}

// TestAppendJSONFloat: missing values are null, others the shortest
// round-trip form.
func TestAppendJSONFloat(t *testing.T) {
	for _, tt := range []struct {
		x    float64
		want string
	}{{math.NaN(), "null"}, {math.Inf(1), "null"}, {math.Inf(-1), "null"}, {31.25, "31.25"}, {0.1, "0.1"}} {
		if got := string(AppendJSONFloat(nil, tt.x)); got != tt.want {
			t.Errorf("AppendJSONFloat(%v) = %s, want %s", tt.x, got, tt.want)
		}
	}
}
