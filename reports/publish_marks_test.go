package reports

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/govscore/govscore/batch"
)

// TestImputedMarks checks SPEC §4.7: a composite value filled by its missing
// policy is "imputed" in results.json's node_status and marked as such in
// report.html and results.md, from the batch and from results.json alike.
func TestImputedMarks(t *testing.T) {
	b := imputedTrustBatch(t)
	js := writeJSONBytes(t, NewView(b))
	if !strings.Contains(string(js), `"subject": "c1"`) || !strings.Contains(string(js), `"node_status": {"service": "ok", "trust": "imputed"}`) {
		t.Errorf("results.json lacks c1's imputed trust")
	}
	if !strings.Contains(string(js), `"subject": "c5"`) || !strings.Contains(string(js), `"node_status": {"service": null, "trust": null}`) {
		t.Errorf("results.json: unrated c5 should have null statuses")
	}
	read, err := ReadView(bytes.NewReader(js), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*View{"direct": NewView(b), "read": read} {
		html := renderHTML(t, v, HTMLOptions{Lang: "en"})
		if n := strings.Count(html, `<span class="badge imputed">imputed</span>`); n != 1 {
			t.Errorf("%s: report.html marks %d imputed values, want 1", name, n)
		}
		md := renderMD(t, v, MarkdownOptions{Lang: "en"})
		if !strings.Contains(md, "Imputed values (filled by the missing-data policy): 东风社区 (`c1`): 群众信任\n") {
			t.Errorf("%s: results.md does not list c1's imputed 群众信任:\n%s", name, md)
		}
	}
}

// imputedTrustBatch is testdata/small for 2024 with c1's trust marked as
// filled by its missing policy, as a `missing: mean` composite would.
func imputedTrustBatch(t *testing.T) *batch.Batch {
	t.Helper()
	b := loadBatch(t, smallDir, "2024")
	var trust, si int
	for _, n := range b.Project.Set.Nodes {
		if n.ID == "trust" {
			trust = n.Index
		}
	}
	for i, s := range b.Project.Data.Subjects {
		if s.ID == "c1" {
			si = i
		}
	}
	// The subject's own row: subjects without a filled node share one
	// (scoring.SubjectResult.NodeImputed).
	r := &b.Result.Subjects[si]
	r.NodeImputed = slices.Clone(r.NodeImputed)
	r.NodeImputed[trust] = true
	return b
}

// TestUnratedReasonShown checks that report.html says which rule left a
// subject unrated.
func TestUnratedReasonShown(t *testing.T) {
	html := renderHTML(t, smallView(t, false), HTMLOptions{Lang: "en"})
	for _, want := range []string{
		`<td>unrated <small>coverage below the minimum</small></td>`,
		`<p class="note">Unrated: coverage below the minimum. Coverage 20.0%.</p>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
}

// TestSummaryNodeRanks checks the terminal summary: the node-rank columns
// and the display digits.
func TestSummaryNodeRanks(t *testing.T) {
	b := loadBatch(t, smallDir, "2024")
	var buf bytes.Buffer
	if err := WriteSummary(&buf, NewView(b), 0); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"rank  subject  name", "service_rank  resolution_rank", "93.73", "1     c4       北山社区      93.73  优秀           1             1"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	b.Project.Set.Display.Digits = 1
	buf.Reset()
	if err := WriteSummary(&buf, NewView(b), 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), " 93.7 ") {
		t.Errorf("summary with display digits 1:\n%s", buf.String())
	}
}

// TestFmtNumSpreadsheet checks that the reading formats show numbers as a
// spreadsheet does (SPEC §4.6), not by the binary value's round-to-even.
func TestFmtNumSpreadsheet(t *testing.T) {
	for _, c := range []struct {
		x    float64
		d    int
		want string
	}{{31.25, 1, "31.3"}, {0.285, 2, "0.29"}, {-2.5, 0, "-3"}, {-0.001, 2, "0.00"}, {59.374999999999986, 1, "59.4"}} {
		if got := fmtNum(c.x, c.d); got != c.want {
			t.Errorf("fmtNum(%v, %d) = %q, want %q", c.x, c.d, got, c.want)
		}
	}
}
