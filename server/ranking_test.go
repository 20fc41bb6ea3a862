package server

import (
	"bytes"
	"context"
	"html"
	"strconv"
	"strings"
	"testing"
)

// TestWriteEscaped: writeEscaped escapes as html.EscapeString does.
func TestWriteEscaped(t *testing.T) {
	for _, s := range []string{"", "plain 文本", `<script>alert("x")</script>`, "a&b'c", "&&", "<", "尾>"} {
		var b bytes.Buffer
		writeEscaped(&b, s)
		if b.String() != html.EscapeString(s) {
			t.Errorf("writeEscaped(%q) = %q, want %q", s, b.String(), html.EscapeString(s))
		}
	}
}

// TestRankingPage: the period page holds one table per peer group with
// one row per subject in the stored ranking order, with rank, escaped
// name, score and grade, and nothing of the rendering mark.
func TestRankingPage(t *testing.T) {
	e := newEnv(t)
	run := e.cycle()
	info, _ := e.db.Run(context.Background(), run)
	rows, err := e.db.Ranking(context.Background(), info.BatchID, []string{"safety", "service"})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		r := e.do("GET", "/p/2024", "", nil, "Cookie", "lang="+lang)
		if r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		body := string(r.body)
		if strings.Contains(body, "\x00") || strings.Contains(body, "ranking\x00") {
			t.Fatal("the page holds the ranking mark")
		}
		if n := strings.Count(body, "<caption>"); n != 2 {
			t.Errorf("%d tables, want 2 (county, district)", n)
		}
		if !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
			t.Errorf("the page does not end with </html>")
		}
		at := 0
		for _, row := range rows {
			want := "<tr><td>"
			if row.Rated {
				want += strconv.Itoa(row.Rank)
			} else {
				want += "–"
			}
			want += `</td><th scope="row"><a href="/p/2024/s/` + html.EscapeString(row.Subject) + `">` + html.EscapeString(row.Name) + "</a></th><td>"
			if row.Rated {
				want += strconv.FormatFloat(row.Score, 'f', 2, 64)
			} else {
				want += tr(lang, "unrated")
			}
			i := strings.Index(body[at:], want)
			if i < 0 {
				t.Fatalf("%s: row of %s not found in order (want %q)", lang, row.Subject, want)
			}
			at += i + len(want)
		}
		if n := strings.Count(body, "<tr><td>"); n != len(rows) {
			t.Errorf("%s: %d rows, want %d", lang, n, len(rows))
		}
	}
}
