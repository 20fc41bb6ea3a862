package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govscore/govscore/gaming"
)

// TestAuditCommand runs `govscore audit` on the Inner Mongolia example:
// the two reciprocal pairs that `govscore assess` flags are reported by
// pair, the text and JSON agree, and bad flags are usage errors.
func TestAuditCommand(t *testing.T) {
	code, out, errs := analyseCLI(t, "audit", analyseExample)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"gaming checks, period 2024", "reciprocity: a-cl-keji and g-cl-civil rate each other on two_way",
		"near_grade: a-cl-molin scores 90.43, 0.43 above the min 90 of grade 优秀"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// In Chinese, the flags read in Chinese too.
	code, out, errs = runLang(t, "audit", analyseExample)
	for _, want := range []string{"a-cl-keji 与 g-cl-civil 在 two_way 上互评远高于各自的评分习惯",
		"a-cl-molin 得分 90.43，仅比等次 优秀 的下限 90 高 0.43"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("zh: exit %d, output lacks %q:\n%s%s", code, want, out, errs)
		}
	}
	code, js, errs := analyseCLI(t, "audit", "--json", analyseExample)
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errs)
	}
	var rep gaming.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Period != "2024" || rep.Counts[gaming.Reciprocity] != 2 || len(rep.Flags) != strings.Count(out, "\n")-1-len(gaming.Checks) {
		t.Errorf("JSON report %+v does not match the text", rep.Counts)
	}
	for _, f := range rep.Flags {
		if f.Message == "" || len(f.Evidence) == 0 {
			t.Errorf("flag without evidence: %+v", f)
		}
	}
	// Same inputs, same report.
	if _, js2, _ := analyseCLI(t, "audit", "--json", analyseExample); js2 != js {
		t.Error("two runs differ")
	}
	if code, _, _ := analyseCLI(t, "audit", "--jump", "0", analyseExample); code != 2 {
		t.Errorf("--jump 0: exit %d, want 2", code)
	}
	if code, _, _ := analyseCLI(t, "audit", "--period", "2031", analyseExample); code != 1 {
		t.Errorf("--period 2031 (no data): exit %d, want 1", code)
	}
}
