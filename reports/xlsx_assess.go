package reports

import (
	"math"

	"github.com/govscore/govscore/i18n"
)

// assessSheet writes one row per (subject, assessment item, role) for the
// subjects with a rating of the item: the combined score, its SE and 90%
// interval, then the role's weight, count and mean. A role mean resting on
// fewer than min_raters ratings is replaced by a note (SPEC §5); no
// individual rating is written.
func (x *xlsxWriter) assessSheet() error {
	v, L := x.v, x.L
	if len(v.Assess) == 0 {
		return nil
	}
	cols := []column{{L["group"], 14, 0}, {L["id"], 16, 0}, {L["name"], 24, 0}, {idHead(L, "assessItem"), 18, 0}, {L["assessItem"], 22, 0},
		{L["combined"], 11, x.num}, {L["se"], 9, x.num}, {L["ci90"] + " −", 11, x.num}, {L["ci90"] + " +", 11, x.num},
		{L["role"], 14, 0}, {L["roleWeight"], 9, 0}, {L["nRatings"], 9, 0}, {L["roleMean"], 26, x.num}}
	t, err := x.newTable(L["assessResults"], cols, 3)
	if err != nil {
		return err
	}
	r := &htmlRenderer{v: v, L: L}
	for k := range v.NumSubjects() {
		s := v.Subject(k)
		for _, ha := range r.assess(k) {
			var it *ViewAssessItem
			for i := range v.Assess {
				if v.Assess[i].ID == ha.ID {
					it = &v.Assess[i]
				}
			}
			as := &it.Subjects[k]
			for ri, rw := range it.Roles {
				ro := as.Roles[ri]
				var mean any = ro.Mean
				if ha.Roles[ri].Hidden || math.IsNaN(ro.Mean) {
					mean = ha.Roles[ri].Mean // the note, never the number
				}
				if err := t.add(v.names(L).group(s.Group), s.ID, s.Name, it.ID, it.Name, as.Score, as.SE, as.Low, as.High, v.names(L).of(i18n.Role, rw.Role), rw.Weight, ro.N, mean); err != nil {
					return err
				}
			}
		}
	}
	return t.close()
}

// reliabilitySheet writes each assessment item's reliability: raters,
// ratings, ICC(1), Krippendorff's alpha, reciprocity and its number of
// dyads as numbers, and the flagged pairs by subject names; the note on
// reading them is on the rules sheet.
func (x *xlsxWriter) reliabilitySheet() error {
	v, L, X := x.v, x.L, x.X
	if len(v.Assess) == 0 {
		return nil
	}
	cols := []column{{idHead(L, "assessItem"), 18, 0}, {L["assessItem"], 22, 0}, {L["raters"], 9, 0}, {L["ratings"], 9, 0},
		{L["icc1"], 9, x.num3}, {L["kalpha"], 12, x.num3}, {L["reciprocity"], 18, x.num3}, {X["dyads"], 9, 0}, {L["flagged"], 40, x.text}}
	if v.Public {
		cols = cols[:len(cols)-1] // no flagged pairs in public
	}
	t, err := x.newTable(L["reliability"], cols, 1)
	if err != nil {
		return err
	}
	for i, row := range reliabilityRows(v) {
		it := &v.Assess[i]
		var recip, dyads any
		if it.Dyads > 0 {
			recip, dyads = it.Reciprocity, it.Dyads
		}
		vals := []any{it.ID, it.Name, it.Raters, it.Ratings, it.ICC1, it.Alpha, recip, dyads, row.Flagged}
		if v.Public {
			vals = vals[:len(vals)-1]
		}
		if err := t.add(vals...); err != nil {
			return err
		}
	}
	return t.close()
}
