package indicators

import (
	"runtime"
	"strings"
	"testing"
)

const goodHead = "govscore: 1\nid: s\nname: S\nkinds: [dept]\nmetrics:\n  a: {}\ntree:\n  - id: x\n    expr: a\n"

// TestHostileNesting: YAML nested deeper than MaxNesting gets one
// positioned error before the parser runs (before issue 12 a 100,000-deep
// flow sequence took more than 4 GB); ordinary files pass.
func TestHostileNesting(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"flow 100,000 deep", goodHead + "name2: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n",
			"s.yaml:10:107: collections nested more than 100 deep"},
		{"flow mappings", goodHead + "x: " + strings.Repeat("{a: ", 200) + "1" + strings.Repeat("}", 200) + "\n",
			"s.yaml:10:"},
		{"block sequence on one line", goodHead + "x: " + strings.Repeat("- ", 5000) + "1\n", "s.yaml:10:"},
		{"brackets in a quoted string", goodHead + "description: \"" + strings.Repeat("[", 500) + "\"\n", ""},
		{"brackets in a block scalar", goodHead + "description: |\n  " + strings.Repeat("[", 500) + "\n", ""},
		{"99 deep", goodHead + "x: " + strings.Repeat("[", 98) + strings.Repeat("]", 98) + "\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			e := CheckNesting("s.yaml", []byte(tc.src))
			runtime.ReadMemStats(&m1)
			if tc.want == "" {
				if e != nil {
					t.Fatalf("error %v", e)
				}
				return
			}
			if e == nil || !strings.Contains(e.Error(), tc.want) {
				t.Fatalf("error %v, want %q", e, tc.want)
			}
			if mb := (m1.TotalAlloc - m0.TotalAlloc) >> 20; mb > 200 {
				t.Errorf("the check allocated %d MB", mb)
			}
			_, err := Parse("s.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestControlCharacters: NUL, ESC and other control characters in YAML
// names and texts are rejected at the value; line breaks in texts are not.
func TestControlCharacters(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"ESC in the set name", strings.Replace(goodHead, "name: S", `name: "S\e[31m"`, 1),
			`s.yaml:3:7: name: control character U+001B (ESC) at character 2`},
		{"NUL in a kind", strings.Replace(goodHead, "kinds: [dept]", `kinds: ["de\0pt"]`, 1),
			`s.yaml:4:9: kinds[0]: control character U+0000 (NUL) at character 3`},
		{"line break in a node name", goodHead + "    name: |\n      two\n      lines\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tc.src))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
