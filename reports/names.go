package reports

import (
	"strings"

	"github.com/govscore/govscore/i18n"
)

// disp gives the display names of the reading formats: in Chinese the
// set's `kinds:`/`roles:` names over i18n's built-in ones (kinds, roles,
// peer groups, methods, statuses, grade reasons); in English the ids as
// the set writes them.
type disp struct {
	en bool
	n  i18n.Namer
}

// names returns the display names of v in the language of L.
func (v *View) names(L labels) disp {
	if L["lang"] == "en" {
		return disp{en: true, n: i18n.Namer{Lang: i18n.En}}
	}
	return disp{n: i18n.Namer{Lang: i18n.Zh, Kinds: v.KindNames, Roles: v.RoleNames}}
}

// of returns the display name of id in class c.
func (d disp) of(c i18n.Class, id string) string {
	if d.en || id == "" {
		return id
	}
	return d.n.Name(c, id)
}

// group returns the display name of a peer-group label.
func (d disp) group(label string) string {
	if d.en {
		return label
	}
	return d.n.Group(label)
}

// kinds returns the display names of kinds, joined by ", " (、 in Chinese).
func (d disp) kinds(ids []string) string {
	if d.en {
		return strings.Join(ids, ", ")
	}
	out := make([]string, len(ids))
	for i, k := range ids {
		out[i] = d.n.Kind(k)
	}
	return strings.Join(out, "、")
}

// reason returns a grade reason of the scoring in the display language.
func (d disp) reason(s string) string {
	if d.en {
		return s
	}
	return i18n.GradeReason(i18n.Zh, s)
}

// idHead is the header of the id column of what (a label key): "指标编号",
// "Indicator id".
func idHead(L labels, what string) string {
	if L["lang"] == "en" {
		return L[what] + " id"
	}
	return L[what] + L["id"]
}
