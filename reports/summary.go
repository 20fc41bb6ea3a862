package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/govscore/govscore/i18n"
	"github.com/govscore/govscore/scoring"
)

// WriteSummary prints the ranking of each peer group of the publication
// view for a terminal: at most top rated subjects per group (all when
// top ≤ 0), with their ranks on the `rank: true` nodes (SPEC §4.10), then
// the number of unrated subjects and of warnings. Scores are shown with a
// fixed number of decimals (the set's `display: {digits: N}`, SPEC §4.6);
// the files keep the exact values.
func WriteSummary(w io.Writer, v *View, top int) error {
	return WriteSummaryLang(w, v, top, i18n.En)
}

// WriteSummaryLang is WriteSummary in lang, peer groups by their display
// names.
func WriteSummaryLang(w io.Writer, v *View, top int, lang i18n.Lang) error {
	var sb strings.Builder
	printf := func(format string, args ...any) { fmt.Fprintf(&sb, i18n.T(lang, format), args...) }
	names := i18n.Namer{Lang: lang, Kinds: v.KindNames, Roles: v.RoleNames}
	printf("%s %s — period %s\n", v.Meta.SetID, v.Meta.SetName, v.Meta.Period)
	digits := v.Digits
	ranked := v.RankedNodes()
	for gi := range v.Groups {
		g := &v.Groups[gi]
		label := g.Label
		if lang != i18n.En {
			label = names.Group(label)
		}
		printf("\n[%s] %d subjects, %d rated\n", label, len(g.Members), g.NRated)
		head := []string{i18n.T(lang, "rank"), i18n.T(lang, "subject"), i18n.T(lang, "name"), i18n.T(lang, "score"), i18n.T(lang, "grade")}
		for _, i := range ranked {
			head = append(head, v.Nodes[i].ID+"_rank")
		}
		rows := [][]string{head}
		shown, unrated, byRule := 0, 0, 0
		for _, k := range g.Members {
			s := v.Subject(k)
			if !s.Rated {
				unrated++
				if s.UnratedReason == string(scoring.UnratedRatedWhen) {
					byRule++
				}
				continue
			}
			if top > 0 && shown >= top {
				continue
			}
			shown++
			veto := ""
			if s.Vetoed {
				veto = i18n.T(lang, " (veto)")
			}
			row := []string{strconv.Itoa(s.Rank), s.ID, s.Name, strconv.FormatFloat(scoring.Round(s.Score, digits), 'f', digits, 64), s.Grade + veto}
			for _, i := range ranked {
				rk := "-"
				if r := v.NodeRank(k, i); r > 0 {
					rk = strconv.Itoa(r)
				}
				row = append(row, rk)
			}
			rows = append(rows, row)
		}
		writeTable(&sb, rows, "  ")
		if g.NRated > shown {
			printf("  … %d more\n", g.NRated-shown)
		}
		switch {
		case byRule > 0:
			printf("  %d unrated (%d by rated_when; others: coverage below %s or no score)\n", unrated, byRule, FormatFloat(v.MinCoverage))
		case unrated > 0:
			printf("  %d unrated (coverage below %s or no score)\n", unrated, FormatFloat(v.MinCoverage))
		}
	}
	if n := len(v.Warnings); n > 0 {
		printf("\n%d warnings (see results.json or stderr)\n", n)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// writeTable writes rows as aligned columns separated by two spaces, padding
// by display width so that Chinese text lines up.
func writeTable(sb *strings.Builder, rows [][]string, indent string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], i18n.Width(c))
		}
	}
	for _, r := range rows {
		sb.WriteString(indent)
		for i, c := range r {
			sb.WriteString(c)
			if i < len(r)-1 {
				sb.WriteString(strings.Repeat(" ", widths[i]-i18n.Width(c)+2))
			}
		}
		sb.WriteByte('\n')
	}
}
