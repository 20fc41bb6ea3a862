package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/i18n"
)

// Assessment outputs respect two privacy rules (SPEC §5, issue 4): a role's
// mean is never shown when it rests on fewer than min_raters ratings (the
// role is then reported as missing), and no individual rater's score is
// ever written — reciprocity flags name the two subjects only.

// writeAssessJSON writes the "assessments" member of results.json: per item
// its roles, reliability analysis and every subject's combined score with
// its standard error, 90% interval and per-role statistics.
func writeAssessJSON(j *jw, v *View) {
	j.key("assessments", 1).raw("[")
	if v.Assess == nil {
		j.raw("],\n")
		return
	}
	for ii := range v.Assess {
		it := &v.Assess[ii]
		if ii > 0 {
			j.raw(",")
		}
		j.raw("\n    {")
		j.key("id", 0).str(it.ID).raw(", ")
		j.key("name", 0).str(it.Name).raw(", ")
		if it.MinRatersKnown {
			j.key("min_raters", 0).int(it.MinRaters).raw(", ")
		}
		j.key("roles", 0).raw("[")
		for r, rw := range it.Roles {
			if r > 0 {
				j.raw(", ")
			}
			j.raw("{").key("role", 0).str(rw.Role).raw(", ").key("weight", 0).num(rw.Weight)
			if it.MinRatersKnown {
				j.raw(", ").key("min_raters", 0).int(at(it.RoleMinRaters, r))
			}
			j.raw("}")
		}
		j.raw("],\n      ")
		j.key("reliability", 0).raw("{")
		j.key("raters", 0).int(it.Raters).raw(", ")
		j.key("ratings", 0).int(it.Ratings).raw(", ")
		j.key("role_ratings", 0).raw("{")
		for r, rw := range it.Roles {
			if r > 0 {
				j.raw(", ")
			}
			j.key(rw.Role, 0).int(at(it.RoleRatings, r))
		}
		j.raw("}, ")
		j.key("role_means", 0).raw("{")
		for r, rw := range it.Roles {
			if r > 0 {
				j.raw(", ")
			}
			mean := math.NaN()
			if r < len(it.RoleMeans) {
				mean = it.RoleMeans[r]
			}
			j.key(rw.Role, 0).num(mean)
		}
		j.raw("}, ")
		j.key("icc1", 0).num(it.ICC1).raw(", ")
		j.key("krippendorff_alpha", 0).num(it.Alpha).raw(", ")
		j.key("reciprocity", 0).raw("{")
		j.key("dyads", 0).int(it.Dyads).raw(", ")
		j.key("r", 0).num(it.Reciprocity).raw(", ")
		j.key("flagged_pairs", 0).raw("[")
		for k, p := range it.Flagged {
			if k > 0 {
				j.raw(", ")
			}
			j.raw("[").str(p[0]).raw(", ").str(p[1]).raw("]")
		}
		j.raw("]}},\n      ")
		j.key("subjects", 0).raw("[")
		for k := range it.Subjects {
			s := &it.Subjects[k]
			if k > 0 {
				j.raw(",")
			}
			j.raw("\n        {")
			j.key("subject", 0).str(v.subjectID(k)).raw(", ")
			j.key("score", 0).num(s.Score).raw(", ")
			j.key("se", 0).num(s.SE).raw(", ")
			j.key("ci90", 0).raw("[").num(s.Low).raw(", ").num(s.High).raw("], ")
			j.key("roles", 0).raw("{")
			for r, rw := range it.Roles {
				if r > 0 {
					j.raw(", ")
				}
				st := &s.Roles[r]
				j.key(rw.Role, 0)
				if !st.Present {
					j.raw("{").key("n", 0).int(st.N).raw(", ").key("mean", 0).raw("null}")
					continue
				}
				j.raw("{").key("n", 0).int(st.N).raw(", ").key("kept", 0).int(st.Kept).raw(", ")
				j.key("mean", 0).num(st.Mean).raw(", ").key("sd", 0).num(st.SD).raw("}")
			}
			j.raw("}}")
		}
		j.raw("\n      ]}")
	}
	j.raw("\n  ],\n")
}

// at returns xs[i], 0 past its end.
func at(xs []int, i int) int {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}

// roleBreakdown describes how subject si's combined score of item it was
// built: each role's ratings count, trimmed mean and share of the score.
func (e *explainer) roleBreakdown(it *assess.ItemResult, indent string) string {
	si := e.si
	var sb strings.Builder
	sum := 0.0
	for r, rw := range it.Roles {
		if it.Stat(si, r).Present {
			sum += rw.Weight
		}
	}
	sb.WriteString(e.trf("%sassess.%s %s = %s (SE %s, 90%% interval [%s, %s])\n", indent, it.ID, it.Name,
		num(it.Score[si]), num(it.SE[si]), num(it.Low[si]), num(it.High[si])))
	for r, rw := range it.Roles {
		st := it.Stat(si, r)
		if !st.Present {
			sb.WriteString(e.trf("%s  %-12s weight %s: %d rating(s), fewer than min_raters: not used, not shown\n", indent, e.name(i18n.Role, rw.Role), num(rw.Weight), st.N))
			continue
		}
		share := rw.Weight / sum
		sb.WriteString(e.trf("%s  %-12s weight %s (share %.3f): %d rating(s), %d kept after trimming, mean %s, sd %s → contributes %s\n",
			indent, e.name(i18n.Role, rw.Role), num(rw.Weight), share, st.N, st.Kept, fixed(st.Mean), fixed(st.SD), fixed(share*st.Mean)))
	}
	return sb.String()
}

// WriteAssess writes the assessment reliability report of a batch (the
// `govscore assess` command): per item the raters and ratings, per-role
// means, ICC(1), Krippendorff's alpha and, for two-way items, reciprocity
// with the flagged pairs.
func WriteAssess(w io.Writer, b *batch.Batch) error {
	return WriteAssessLang(w, b, i18n.En)
}

// WriteAssessLang is WriteAssess in lang, roles by their display names.
func WriteAssessLang(w io.Writer, b *batch.Batch, lang i18n.Lang) error {
	var sb strings.Builder
	printf := func(format string, args ...any) { fmt.Fprintf(&sb, i18n.T(lang, format), args...) }
	role := func(id string) string {
		if lang == i18n.En {
			return id
		}
		return SetNamer(b.Project.Set, lang).Role(id)
	}
	if b.Assess == nil || len(b.Assess.Items) == 0 {
		printf("the indicator set declares no assessment items\n")
		_, err := io.WriteString(w, sb.String())
		return err
	}
	printf("Assessments — period %s\n", b.Meta.Period)
	for ii := range b.Assess.Items {
		it := &b.Assess.Items[ii]
		rel := it.Reliability
		printf("\n%s %s: %d ratings by %d raters\n", it.ID, it.Name, rel.Ratings, rel.Raters)
		for r, rw := range it.Roles {
			mean := i18n.T(lang, "not shown (fewer than min_raters ratings)")
			if !math.IsNaN(rel.RoleMeans[r]) {
				mean = i18n.F(lang, "mean %s", fixed(rel.RoleMeans[r]))
			}
			printf("  role %-12s weight %-6s %6d ratings, %s\n", role(rw.Role), num(rw.Weight), rel.RoleRatings[r], mean)
		}
		printf("  ICC(1) %s   Krippendorff's alpha (interval) %s\n", fixed(rel.ICC1), fixed(rel.Alpha))
		if rel.Reciprocity.Dyads > 0 {
			printf("  reciprocity: %d pairs of subjects rate each other, r = %s\n", rel.Reciprocity.Dyads, fixed(rel.Reciprocity.R))
			for _, p := range rel.Reciprocity.Flagged {
				printf("  FLAG: %s and %s rate each other far above their usual ratings (both > 1.5 sd): review for collusion\n", p.A, p.B)
			}
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
