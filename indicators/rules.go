package indicators

import (
	"fmt"

	"github.com/govscore/govscore/diag"
)

// gradeKeys and adjustmentKeys are the keys of a grade and an adjustment.
var (
	gradeKeys      = []string{"name", "min", "max_share"}
	adjustmentKeys = []string{"id", "name", "points", "when", "min", "max", "cap_grade", "applies_to"}
	rankingKeys    = []string{"method", "order", "digits"}
)

// grades reads `grades:`, best first.
func (r *reader) grades(f *field) []*Grade {
	if f == nil {
		return nil
	}
	items, ok := r.list(f)
	if !ok {
		return nil
	}
	var out []*Grade
	names := map[string]diag.Pos{}
	var prevMin *Grade
	for i, it := range items {
		m := r.mapping(it, fmt.Sprintf("grade %d", i+1), r.pos(it))
		if m == nil {
			continue
		}
		g := &Grade{Pos: m.pos}
		last := i == len(items)-1
		r.require(m, "name")
		if nf := m.get("name"); nf != nil {
			if v, ok := r.text(nf); ok {
				switch prev, dup := names[v]; {
				case v == "":
					r.errorf(nf.valuePos(r), "grade name is empty")
				case dup:
					r.errorf(nf.valuePos(r), "duplicate grade %q (first at line %d)", v, prev.Line)
				default:
					names[v] = nf.valuePos(r)
				}
				g.Name = v
				m.what = fmt.Sprintf("grade %q", v)
			}
		}
		mf := m.get("min")
		switch {
		case mf != nil && last:
			r.errorf(mf.keyPos, "%s is the last grade and takes every score below the one before it; remove its min", m.what)
		case mf != nil:
			if v, ok := r.number(mf); ok {
				g.Min = &v
				if prevMin != nil && v >= *prevMin.Min {
					r.errorf(mf.valuePos(r), "%s: min %g must be below %g, the min of %q (grades are listed best first)", m.what, v, *prevMin.Min, prevMin.Name)
				}
				prevMin = g
			}
		case !last:
			r.errorf(m.pos, "%s: missing min (every grade but the last needs the lowest score it takes)", m.what)
		}
		if sf := m.get("max_share"); sf != nil {
			if last {
				r.errorf(sf.keyPos, "%s: max_share on the last grade is impossible: there is no lower grade to move the excess to", m.what)
			} else if v, ok := r.number(sf); ok {
				if v < 0 || v > 1 {
					r.errorf(sf.valuePos(r), "%s: max_share %g is outside [0, 1]; it is the largest share of rated subjects the grade may hold", m.what, v)
				}
				g.MaxShare = &v
			}
		}
		r.unknown(m, gradeKeys)
		out = append(out, g)
	}
	return out
}

// adjustments reads `adjustments:`; ids share the tree's namespace.
func (r *reader) adjustments(s *Set, f *field, ids map[string]diag.Pos) []*Adjustment {
	if f == nil {
		return nil
	}
	items, ok := r.list(f)
	if !ok {
		return nil
	}
	var out []*Adjustment
	for i, it := range items {
		m := r.mapping(it, fmt.Sprintf("adjustment %d", i+1), r.pos(it))
		if m == nil {
			continue
		}
		a := &Adjustment{Pos: m.pos}
		r.require(m, "id")
		if g := m.get("id"); g != nil {
			if id, ok := r.str(g); ok {
				a.ID = id
				r.checkID(id, g, ids)
				m.what = fmt.Sprintf("adjustment %q", id)
			}
		}
		a.Name = a.ID
		if g := m.get("name"); g != nil {
			if v, ok := r.text(g); ok && v != "" {
				a.Name = v
			}
		}
		if g := m.get("points"); g != nil {
			a.Points, _ = r.expr(g)
		}
		if g := m.get("when"); g != nil {
			a.When, _ = r.expr(g)
		}
		hasPoints := m.has("points")
		for _, k := range []string{"min", "max"} {
			g := m.get(k)
			if g == nil {
				continue
			}
			if !hasPoints {
				r.errorf(g.keyPos, "%s: %s clamps points, but the adjustment has no points; remove %s", m.what, k, k)
				continue
			}
			if v, ok := r.number(g); ok {
				if k == "min" {
					a.Min = &v
				} else {
					a.Max = &v
				}
			}
		}
		if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
			r.errorf(m.get("max").valuePos(r), "%s: max %g is below min %g", m.what, *a.Max, *a.Min)
		}
		if g := m.get("cap_grade"); g != nil {
			if v, ok := r.text(g); ok {
				a.CapGrade = v
				r.checkGrade(s, v, g.valuePos(r))
			}
		}
		if !hasPoints && !m.has("cap_grade") {
			r.errorf(m.pos, "%s has neither points nor cap_grade, so it does nothing; add points (a bonus or deduction) or cap_grade (a veto)", m.what)
		}
		if g := m.get("applies_to"); g != nil {
			a.AppliesTo = r.appliesTo(s, nil, g)
		}
		r.unknown(m, adjustmentKeys)
		out = append(out, a)
	}
	return out
}

// checkGrade reports a cap_grade that names no grade.
func (r *reader) checkGrade(s *Set, name string, at diag.Pos) {
	names := make([]string, 0, len(s.Grades))
	for _, g := range s.Grades {
		if g.Name == name {
			return
		}
		names = append(names, g.Name)
	}
	if len(names) == 0 {
		r.errorf(at, "unknown grade %q in cap_grade; the set defines no grades (add a grades: list)", name)
		return
	}
	if sg := suggest(name, names); sg != "" {
		r.errorf(at, "unknown grade %q in cap_grade (did you mean %q?); grades are: %s", name, sg, quoteList(names))
		return
	}
	r.errorf(at, "unknown grade %q in cap_grade; grades are: %s", name, quoteList(names))
}

// ranking reads `ranking:`.
func (r *reader) ranking(f *field) Ranking {
	out := Ranking{Method: Competition, Desc: true, Digits: 9}
	if f == nil {
		return out
	}
	m := r.mapping(f.raw, "ranking", f.keyPos)
	if m == nil {
		return out
	}
	if g := m.get("method"); g != nil {
		if v, ok := r.enum(g, string(Competition), string(Ordinal)); ok {
			out.Method = RankMethod(v)
		}
	}
	if g := m.get("order"); g != nil {
		if v, ok := r.enum(g, "desc", "asc"); ok {
			out.Desc = v == "desc"
		}
	}
	if g := m.get("digits"); g != nil {
		if v, ok := r.integer(g); ok {
			if v < 0 {
				r.errorf(g.valuePos(r), "ranking: digits must be ≥ 0, got %d", v)
			} else {
				out.Digits = v
			}
		}
	}
	r.unknown(m, rankingKeys)
	return out
}
