package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/govscore/govscore/batch"
)

// WriteSummary prints the ranking of each peer group for a terminal: at most
// top rated subjects per group (all when top ≤ 0), then the number of
// unrated subjects and of warnings.
func WriteSummary(w io.Writer, b *batch.Batch, top int) error {
	set := b.Project.Set
	subs := b.Project.Data.Subjects
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s — period %s\n", set.ID, set.Name, b.Meta.Period)
	for _, g := range b.Result.Groups {
		fmt.Fprintf(&sb, "\n[%s] %d subjects, %d rated\n", g.Label, len(g.Members), g.NRated)
		tw := tabwriter.NewWriter(&sb, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  rank\tsubject\tname\tscore\tgrade\t")
		shown, unrated := 0, 0
		for _, si := range b.Result.Order {
			r := &b.Result.Subjects[si]
			if r.Group != g.Label {
				continue
			}
			if !r.Rated {
				unrated++
				continue
			}
			if top > 0 && shown >= top {
				continue
			}
			shown++
			veto := ""
			if r.Vetoed {
				veto = " (veto)"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s%s\t\n", r.Rank, subs[si].ID, subs[si].Name, FormatFloat(r.Score), r.Grade, veto)
		}
		tw.Flush()
		if g.NRated > shown {
			fmt.Fprintf(&sb, "  … %d more\n", g.NRated-shown)
		}
		if unrated > 0 {
			fmt.Fprintf(&sb, "  %d unrated (coverage below %s or no score)\n", unrated, FormatFloat(set.MinCoverage))
		}
	}
	if n := len(b.Warnings); n > 0 {
		fmt.Fprintf(&sb, "\n%d warnings (see results.json or stderr)\n", n)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
