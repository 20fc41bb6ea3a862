// Package template holds the project that `govscore init DIR` writes, in two
// languages: a small indicator set (two kinds, two dimensions, six
// indicators, an award bonus and four grades), sample data for ten subjects
// over two periods laid out as in SPEC §2 (data/subjects.csv,
// data/metrics.csv), and a tests.yaml with hand-worked expectations.
//
// The zh project is the en one translated for a 市域社会治理 evaluation
// office: comments, names, kinds (gov_department and autonomous_org instead
// of department and community) and grades (优秀, 良好, 合格, 不合格 instead of
// A–D) differ; the metric, node and subject ids, the numbers and the
// structure are the same, so both score identically.
package template

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

// FS holds one project tree per language, each under a directory named by
// its language: en/ and zh/, each with indicators.yaml, tests.yaml,
// data/subjects.csv and data/metrics.csv. Use Project to get one tree
// rooted at the project directory.
//
//go:embed en zh
var FS embed.FS

// Languages lists the languages of the projects in FS, the default (zh)
// first.
var Languages = []string{"zh", "en"}

// Project returns the project tree in language lang (one of Languages),
// rooted at the project directory, so that its paths are indicators.yaml,
// tests.yaml, data/subjects.csv and data/metrics.csv.
func Project(lang string) (fs.FS, error) {
	for _, l := range Languages {
		if l == lang {
			return fs.Sub(FS, lang)
		}
	}
	return nil, fmt.Errorf("no starter project in language %q (available: %s)", lang, strings.Join(Languages, ", "))
}
