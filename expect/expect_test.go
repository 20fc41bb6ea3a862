package expect

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := `tolerance: 0.5
tests:
  - name: one
    expect:
      - subject: a
        score: 10
        raw: {x: null}
`
	s, err := Parse("tests.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if *s.Tolerance != 0.5 || len(s.Tests) != 1 || s.Tests[0].Expect[0].Subject != "a" {
		t.Fatalf("parsed %+v", s)
	}
	x := s.Tests[0].Expect[0]
	if x.Score.Value != 10 || x.Score.Missing || !orMissing(x.Raw["x"]).Missing {
		t.Fatalf("numbers: %+v %+v", x.Score, x.Raw["x"])
	}
	if x.Pos.Line != 5 || x.Pos.Col != 9 {
		t.Fatalf("expectation position = %v, want tests.yaml:5:9", x.Pos)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown key", "tests:\n  - name: a\n    expcet: []\n", `tests.yaml:3:5: unknown field "expcet"`},
		{"no tests", "tolerance: 1\n", "tests.yaml:1:1: no tests"},
		{"no expectations", "tests:\n  - name: a\n", `test "a": no expectations`},
		{"bad status", "tests:\n  - name: a\n    expect:\n      - {subject: s, status: good}\n", "status must be rated or unrated"},
		{"no subject", "tests:\n  - name: a\n    expect:\n      - {score: 1}\n", "expectation without `subject`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("tests.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
