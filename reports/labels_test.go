package reports

import (
	"strings"
	"testing"
)

// TestLabelsComplete fails on a report label missing in one language or
// empty: every key of report.html/results.md (labelsByLang, with the
// publication labels merged in) and of results.xlsx (xlsxLabels) exists
// in every language of Languages.
func TestLabelsComplete(t *testing.T) {
	for name, tables := range map[string]map[string]labels{"labelsByLang": labelsByLang, "xlsxLabels": xlsxLabels} {
		keys := map[string]bool{}
		for _, lang := range Languages {
			if tables[lang] == nil {
				t.Fatalf("%s: no %s table", name, lang)
			}
			for k := range tables[lang] {
				keys[k] = true
			}
		}
		for k := range keys {
			for _, lang := range Languages {
				if v, ok := tables[lang][k]; !ok || strings.TrimSpace(v) == "" {
					t.Errorf("%s[%s][%q] is missing or empty", name, lang, k)
				}
			}
		}
	}
}
