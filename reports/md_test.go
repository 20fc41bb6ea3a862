package reports

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/govscore/govscore/synth"
)

func TestWriteMarkdownGolden(t *testing.T) {
	tests := []struct {
		name   string
		prev   bool
		opt    MarkdownOptions
		golden string
	}{
		{"zh with previous", true, MarkdownOptions{Lang: "zh"}, "results_zh.golden.md"},
		{"en top 2", false, MarkdownOptions{Lang: "en", Top: 2}, "results_en_top2.golden.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, smallView(t, tt.prev), tt.opt); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, buf.Bytes())
		})
	}
}

func TestWriteMarkdownContent(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, smallView(t, false), MarkdownOptions{Lang: "en", Top: 2}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	tests := []struct {
		name, want string
		present    bool
	}{
		{"escaped name", `西城社区 \<b\>`, false}, // rank 3, cut by Top
		{"escaped title", `小型测试评价 \<&\> "report"`, true},
		{"more line", "… 2", true},
		{"unrated listed with its reason", "unrated: 新建社区 (`c5`, Coverage 20.0%, coverage below the minimum)", true},
		{"grade distribution", "Grade distribution: 优秀 1 · 良好 1 · 合格 0 · 不合格 2", true},
		{"node rank and weakness columns", "| Rank | Subject | ID | Score | Grade | 服务效能 rank | 办结率 rank | Weaknesses", true},
		{"node ranks right-aligned", "|---:|---|---|---:|---|---:|---:|---|", true},
		{"node ranks", "| 2 | 东风社区 | `c1` | 75.49 | 良好 | 2 | 2 |", true},
		{"no change column", "Rank change", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(md, tt.want); got != tt.present {
				t.Errorf("contains %q = %v, want %v\n%s", tt.want, got, tt.present, md)
			}
		})
	}
}

func TestWriteMarkdownErrors(t *testing.T) {
	v := smallView(t, false)
	if err := WriteMarkdown(&failWriter{n: 1 << 30}, v, MarkdownOptions{Lang: "xx"}); err == nil || !strings.Contains(err.Error(), `unknown report language "xx"`) {
		t.Errorf("unknown language: err = %v", err)
	}
	if err := WriteMarkdown(&failWriter{}, v, MarkdownOptions{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("write failure: err = %v", err)
	}
}

func TestMdEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain 中文", "plain 中文"},
		{"a|b", `a\|b`},
		{"<script>", `\<script\>`},
		{"*x* _y_ `z`", "\\*x\\* \\_y\\_ \\`z\\`"},
		{"line\nbreak", "line break"},
	}
	for _, tt := range tests {
		if got := mdEscape(tt.in); got != tt.want {
			t.Errorf("mdEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWriteMarkdownLargeGroups checks that results.md lists at most
// DefaultMarkdownMax rated subjects per peer group and counts the rest.
func TestWriteMarkdownLargeGroups(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: 2400, Leaves: 6, Seed: 3, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	v := NewView(loadBatch(t, dir, "2024"))
	md := renderMD(t, v, MarkdownOptions{Lang: "en"})
	sections := strings.Split(md, "\n## ")[1:]
	if len(sections) != len(v.Groups) {
		t.Fatalf("%d group sections, want %d", len(sections), len(v.Groups))
	}
	for i, sec := range sections {
		g := &v.Groups[i]
		if g.NRated <= DefaultMarkdownMax {
			t.Fatalf("group %s has %d rated subjects: the test needs more than %d", g.Label, g.NRated, DefaultMarkdownMax)
		}
		rows := 0
		for _, line := range strings.Split(sec, "\n") {
			if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| Rank") {
				rows++
			}
		}
		if rows != DefaultMarkdownMax {
			t.Errorf("group %s lists %d subjects, want %d", g.Label, rows, DefaultMarkdownMax)
		}
		if want := "\n… " + strconv.Itoa(g.NRated-DefaultMarkdownMax) + "\n"; !strings.Contains(sec, want) {
			t.Errorf("group %s lacks the line %q", g.Label, strings.TrimSpace(want))
		}
	}
}
