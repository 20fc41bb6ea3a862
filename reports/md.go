package reports

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// MarkdownOptions tune WriteMarkdown.
type MarkdownOptions struct {
	// Lang is the language of the labels: "zh" (the default) or "en".
	Lang string
	// Top is the number of rated subjects listed per peer group; 0 means
	// all of them up to DefaultMarkdownMax.
	Top int
}

// DefaultMarkdownMax is the number of rated (and of unrated) subjects
// results.md lists per peer group when MarkdownOptions.Top is 0: a larger
// group lists its first DefaultMarkdownMax and counts the rest ("… N"), so
// that the summary stays a summary at 100,000 subjects. results.csv and
// results.xlsx hold every subject.
const DefaultMarkdownMax = 500

// WriteMarkdown writes results.md, a summary for a README, an issue or a
// chat: the batch's provenance, then per peer group the ranking table
// (rank, subject, score, grade, the change since the previous batch when v
// has one, the rank band P5–P95 when the uncertainty analysis ran), the
// grade distribution, each listed subject's main weakness
// (View.Shortfalls) and the unrated subjects; then the warnings count.
// Text from the data is escaped so that it cannot break the tables.
func WriteMarkdown(w io.Writer, v *View, opt MarkdownOptions) error {
	L, err := labelsFor(opt.Lang)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	digits := scoreDigits(v)
	bands := newBandRenderer(v, L)
	p := func(ss ...string) {
		for _, s := range ss {
			bw.WriteString(s)
		}
	}
	p("# ", mdEscape(v.Meta.SetName), " — ", L["report"], " ", mdEscape(v.Meta.Period), "\n\n")
	p("- ", L["indicatorSet"], ": `", v.Meta.SetID, "` ", L["version"], " ", mdEscape(v.Meta.SetVersion), "\n")
	if v.HasPrevious {
		p("- ", L["change"], ": ", L["prevPeriod"], " ", mdEscape(v.PrevPeriod), "\n")
	}
	if !v.Meta.GeneratedAt.IsZero() {
		p("- ", L["generated"], ": ", v.generatedShown(), "\n")
	}
	p("- ", L["setSHA"], ": `", v.Meta.SetSHA256, "`\n")
	p("- ", L["dataSHA"], ": `", v.Meta.DataSHA256, "`\n")
	for gi := range v.Groups {
		g := &v.Groups[gi]
		p("\n## ", L["group"], ": ", mdEscape(v.names(L).group(g.Label)), "\n\n")
		p(L["subjects"], " ", strconv.Itoa(len(g.Members)), " · ", L["rated"], " ", strconv.Itoa(g.NRated), "\n\n")
		head, numeric := mdHead(v, L, bands.bands != nil)
		p("| ", strings.Join(head, " | "), " |\n|")
		for i := range head {
			if numeric[i] {
				p("---:|")
			} else {
				p("---|")
			}
		}
		p("\n")
		top := opt.Top
		if top <= 0 {
			top = DefaultMarkdownMax
		}
		shown, nUnrated := 0, 0
		var unrated []string
		counts := map[string]int{}
		for _, k := range g.Members {
			s := v.Subject(k)
			if !s.Rated {
				if nUnrated++; nUnrated <= DefaultMarkdownMax {
					why := ""
					if reason := reasonText(L, s.UnratedReason); reason != "" {
						why = ", " + mdEscape(reason)
					}
					unrated = append(unrated, mdEscape(s.Name)+" (`"+mdCode(s.ID)+"`, "+L["coverage"]+" "+fmtPercent(s.Coverage)+why+")")
				}
				continue
			}
			counts[s.Grade]++
			if shown >= top {
				continue
			}
			shown++
			grade := mdEscape(s.Grade)
			if s.Vetoed {
				grade += " (" + L["veto"] + ")"
			}
			row := []string{strconv.Itoa(s.Rank), mdEscape(s.Name), "`" + mdCode(s.ID) + "`", fmtNum(s.Score, digits), grade}
			row = append(row, nodeRanks(v, k)...)
			if v.HasPrevious {
				r := (&htmlRenderer{v: v, L: L, digits: digits}).row(k)
				row = append(row, mdEscape(r.RankChange), r.ScoreChange)
			}
			if bands.bands != nil {
				var br htmlRow
				bands.band(k, &br)
				row = append(row, br.Band)
			}
			weak := ""
			if sf := v.Shortfalls(k, 1); len(sf) > 0 {
				n := &v.Nodes[v.Leaves[sf[0].Leaf]]
				weak = mdEscape(n.Name) + " (−" + fmtNum(sf[0].Points, 2) + ")"
			}
			row = append(row, weak)
			p("| ", strings.Join(row, " | "), " |\n")
		}
		if g.NRated > shown {
			p("\n… ", strconv.Itoa(g.NRated-shown), "\n")
		}
		p("\n", L["gradeDist"], ": ")
		var parts []string
		for _, name := range v.gradeOrder() {
			parts = append(parts, mdEscape(name)+" "+strconv.Itoa(counts[name]))
		}
		p(strings.Join(parts, " · "), "\n")
		p(mdImputed(v, L, g.Members))
		if nUnrated > len(unrated) {
			unrated = append(unrated, "… "+strconv.Itoa(nUnrated-len(unrated)))
		}
		if len(unrated) > 0 {
			p("\n", L["unrated"], ": ", strings.Join(unrated, "; "), "\n")
		}
	}
	if n := len(v.Warnings); n > 0 {
		p("\n", L["warnings"], ": ", strconv.Itoa(n), "\n")
	}
	p("\n", L["weaknessRule"], "\n")
	return bw.Flush()
}

// mdHead returns the columns of results.md's ranking table and which of
// them hold numbers (right-aligned): rank, subject, id, score, grade, the
// node ranks, the changes since the previous batch, the rank band and the
// main weakness.
func mdHead(v *View, L labels, bands bool) (head []string, numeric []bool) {
	add := func(num bool, names ...string) {
		for _, n := range names {
			head = append(head, n)
			numeric = append(numeric, num)
		}
	}
	add(true, L["rank"])
	add(false, L["subject"], L["id"])
	add(true, L["score"])
	add(false, L["grade"])
	add(true, rankHeads(v, L)...)
	if v.HasPrevious {
		add(true, L["rankChange"], L["scoreChange"])
	}
	if bands {
		add(true, L["rankBand"])
	}
	add(false, L["weaknesses"])
	return head, numeric
}

// mdEscape escapes the characters that Markdown (and GitHub's tables) give
// a meaning to, and folds line breaks into spaces.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '!', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode makes s safe inside a code span in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "\\|", "\n", " ", "\r", " ").Replace(s)
}
