package indicators

import (
	"strings"
	"testing"
)

// TestParseTarget reads the target and to forms and numerics.
func TestParseTarget(t *testing.T) {
	src := `govscore: 1
id: target
kinds: [dept]
numerics: r
tree:
  - id: point
    expr: x
    normalize: {method: target, target: 1}
  - id: band
    expr: x
    transform: log
    normalize: {method: target, target: [2, 4], to: [0, 0.8]}
  - id: med
    expr: x
    direction: lower
    normalize: {method: target, target: median}
  - id: z
    expr: x
    normalize: {method: zscore, to: [0, 1]}
`
	s, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Numerics != NumericsR {
		t.Errorf("Numerics = %q, want r", s.Numerics)
	}
	p, b, m := s.Leaves[0].Normalize, s.Leaves[1].Normalize, s.Leaves[2].Normalize
	if p.Method != Target || p.TargetLow != 1 || p.TargetHigh != 1 || p.TargetMedian || p.To != nil {
		t.Errorf("point: %+v", p)
	}
	if b.TargetLow != 2 || b.TargetHigh != 4 || b.To == nil || *b.To != [2]float64{0, 0.8} {
		t.Errorf("band: %+v", b)
	}
	if lo, hi := b.Range(s.Scale); lo != 0 || hi != 0.8 {
		t.Errorf("band range = [%v, %v], want [0, 0.8]", lo, hi)
	}
	if lo, hi := p.Range(s.Scale); lo != 0 || hi != 100 {
		t.Errorf("point range = [%v, %v], want the scale", lo, hi)
	}
	if !m.TargetMedian {
		t.Errorf("median: %+v", m)
	}
	var msgs []string
	for _, w := range s.Warnings {
		msgs = append(msgs, w.Pos.String()+": "+w.Msg)
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{"t.yaml:15:5: direction does not apply to normalize: target", "t.yaml:19:16: normalize: to on zscore changes only"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	def, err := Parse("d.yaml", []byte(strings.Replace(src, "numerics: r\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if def.Numerics != NumericsSpreadsheet {
		t.Errorf("default Numerics = %q, want spreadsheet", def.Numerics)
	}
}

// TestParseMinRaters reads min_raters as a count and per role.
func TestParseMinRaters(t *testing.T) {
	src := `govscore: 1
id: mr
kinds: [dept]
tree:
  - {id: a, expr: x}
assessments:
  - id: sat
    roles: {public: 40, superior: 20, peer: 10}
    min_raters: {public: 30, superior: 1, default: 3}
  - id: two
    roles: {public: 1}
    min_raters: 5
`
	s, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Assessments[0]
	if a.MinRaters != 3 || a.RoleMinRaters(0) != 30 || a.RoleMinRaters(1) != 1 || a.RoleMinRaters(2) != 3 {
		t.Errorf("sat: default %d, roles %+v", a.MinRaters, a.Roles)
	}
	if b := s.Assessments[1]; b.MinRaters != 5 || b.RoleMinRaters(0) != 5 {
		t.Errorf("two: %+v", b)
	}
}
