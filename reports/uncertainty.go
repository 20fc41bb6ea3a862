package reports

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/govscore/govscore/diag"
)

// UncertaintyHeader is the header of uncertainty.csv.
var UncertaintyHeader = []string{"peer_group", "subject", "nominal_rank", "median_rank", "p05_rank", "p95_rank", "unscored", "tied_count", "tied_with"}

// WriteUncertaintyCSV writes uncertainty.csv from the view's uncertainty
// analysis (View.Uncertainty; the header alone when it was not run): one
// row per rated subject in output order; tied_with lists the statistically
// tied subjects (at most analysis.MaxTied, nearest nominal rank first)
// separated by spaces. Ranks are written as the shortest round-tripping
// decimal (diag.FormatNum), missing ones empty.
func WriteUncertaintyCSV(w io.Writer, v *View) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	line := appendHeader(nil, UncertaintyHeader)
	if _, err := bw.Write(line); err != nil {
		return err
	}
	if u := v.Uncertainty; u != nil {
		for i := range u.Subjects {
			s := &u.Subjects[i]
			fields := [...]string{s.Group, s.Subject, strconv.Itoa(s.Nominal), diag.FormatNum(float64(s.Median), ""),
				diag.FormatNum(float64(s.P05), ""), diag.FormatNum(float64(s.P95), ""), strconv.Itoa(s.Unscored),
				strconv.Itoa(s.TiedCount), strings.Join(s.Tied, " ")}
			line = line[:0]
			for f, x := range fields {
				if f > 0 {
					line = append(line, ',')
				}
				line = appendCSVField(line, x)
			}
			line = append(line, '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
