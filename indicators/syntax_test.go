package indicators

import "testing"

// TestSyntaxErrorHints: a YAML syntax error on a line holding a character
// that an input method types in place of an ASCII one says so, at the
// parser's position.
func TestSyntaxErrorHints(t *testing.T) {
	const (
		colon = `; full-width colon "：" (U+FF1A) on this line: YAML needs an ASCII colon ":"`
		space = `; full-width space (U+3000) on this line: YAML needs ASCII spaces " " to indent and to separate`
		tab   = `; tab (U+0009) in the indentation of this line: YAML indents with spaces only`
		head  = "govscore: 1\nkinds: [a]\ntree:\n  - id: a\n"
	)
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"full-width colon after a key", "govscore: 1\nid： x\nkinds: [a]\n", "s.yaml:2:1: YAML syntax error: non-map value is specified" + colon},
		{"full-width colon without a space", "govscore: 1\nid：x\nkinds: [a]\n", "s.yaml:2:1: YAML syntax error: non-map value is specified" + colon},
		{"full-width colon in a node", head + "    expr：b\n", "s.yaml:5:5: YAML syntax error: non-map value is specified" + colon},
		{"full-width colon on the first line after a BOM", "\ufeffgovscore：1\nkinds: [a]\n", "s.yaml:1:1: YAML syntax error: unexpected key name" + colon},
		{"full-width colon with CRLF", "govscore: 1\r\nid：x\r\nkinds: [a]\r\n", "s.yaml:2:1: YAML syntax error: non-map value is specified" + colon},
		{"full-width space after a colon", head + "    expr:\u3000b\n", "s.yaml:5:5: YAML syntax error: non-map value is specified" + space},
		{"full-width space in the indentation", head + "    expr: b\n  \u3000- id: c\n", "s.yaml:6:3: YAML syntax error: value is not allowed in this context" + space},
		{"full-width colon and space", "govscore: 1\nid：\u3000x\nkinds: [a]\n", "s.yaml:2:1: YAML syntax error: non-map value is specified" + colon + space},
		{"tab indenting a key", head + "\texpr: b\n", "s.yaml:5:1: YAML syntax error: found character '\t' that cannot start any token" + tab},
		{"tab indenting a list item", "govscore: 1\nkinds: [a]\ntree:\n\t- id: a\n", "s.yaml:4:1: YAML syntax error: found character '\t' that cannot start any token" + tab},
		{"no hint for other errors", "govscore: 1\nkinds: [dept\ntree:\n  - id: a\n", "s.yaml:3:1: YAML syntax error: ',' or ']' must be specified"},
		{"no hint for a full-width colon on another line", "govscore: 1\nname: 指标：说明\nkinds: [dept\ntree:\n  - id: a\n", "s.yaml:4:1: YAML syntax error: ',' or ']' must be specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant  %s", err, tt.want)
			}
		})
	}
}

func TestSyntaxHintsLines(t *testing.T) {
	const src = "a: 1\nb：2\n\tc: 3\n"
	tests := []struct {
		name string
		src  string
		line int
		want string
	}{
		{"clean line", src, 1, ""},
		{"colon line", src, 2, `; full-width colon "：" (U+FF1A) on this line: YAML needs an ASCII colon ":"`},
		{"tab line", src, 3, `; tab (U+0009) in the indentation of this line: YAML indents with spaces only`},
		{"empty last line", src, 4, ""},
		{"past the end", src, 9, ""},
		{"tab after the indentation", "  key:\tvalue\n", 1, ""},
		{"no final newline", "x:\u3000y", 1, `; full-width space (U+3000) on this line: YAML needs ASCII spaces " " to indent and to separate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := syntaxHints([]byte(tt.src), tt.line); got != tt.want {
				t.Errorf("syntaxHints(line %d) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}
