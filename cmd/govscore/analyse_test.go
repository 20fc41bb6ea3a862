package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs govscore with args and returns the exit code and outputs.
func analyseCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, now: func() time.Time { return time.Unix(0, 0) },
		getenv: func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return "0"
			}
			if k == langEnv {
				return "en"
			}
			return ""
		}}
	code := mainEnv(context.Background(), args, e)
	return code, out.String(), errb.String()
}

const analyseExample = "../../examples/inner-mongolia-2024"

func TestAnalyseCommand(t *testing.T) {
	code, out, errs := analyseCLI(t, "analyse", analyseExample, "--uncertainty", "50", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"== peer group autonomous_org", "Cronbach's alpha", "leave-one-out", "Uncertainty: 50 replications, seed 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	code, out, errs = analyseCLI(t, "analyse", "--json", analyseExample)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Groups []struct {
			Label   string `json:"peer_group"`
			Pearson [][]*float64
		}
		Uncertainty any
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Groups) != 4 || rep.Uncertainty != nil {
		t.Fatalf("JSON %v: %+v", err, rep)
	}
}

func TestAnalyseUsage(t *testing.T) {
	for _, args := range [][]string{
		{"analyse", analyseExample, "--uncertainty", "-1"},
		{"run", analyseExample, "--uncertainty", "-5"},
		{"analyse"},
	} {
		if code, _, _ := analyseCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestRunUncertainty(t *testing.T) {
	var prev []byte
	for i := range 2 {
		out := filepath.Join(t.TempDir(), "out")
		code, _, errs := analyseCLI(t, "run", analyseExample, "-o", out, "-q", "--format", "csv,json", "--uncertainty", "40", "--seed", "9")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		csv, err := os.ReadFile(filepath.Join(out, "uncertainty.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(csv, []byte("peer_group,subject,nominal_rank,median_rank,p05_rank,p95_rank,unscored,tied_count,tied_with\n")) {
			t.Errorf("uncertainty.csv header: %.100s", csv)
		}
		if i == 1 && !bytes.Equal(csv, prev) {
			t.Error("uncertainty.csv differs between runs with the same seed")
		}
		prev = csv
		js, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(js, &doc); err != nil {
			t.Fatalf("results.json: %v", err)
		}
		a, ok := doc["analysis"].(map[string]any)
		if !ok || a["uncertainty"] == nil {
			t.Fatalf("results.json has no analysis.uncertainty")
		}
		if _, ok := doc["methodology_warnings"]; !ok {
			t.Error("results.json has no methodology_warnings")
		}
		groups := doc["groups"].([]any)
		if w := groups[0].(map[string]any)["weights"]; w == nil {
			t.Error("results.json groups have no weights")
		}
	}
	// Without --uncertainty: the analysis but no uncertainty.csv.
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errs := analyseCLI(t, "run", analyseExample, "-o", out, "-q", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(out, "uncertainty.csv")); !os.IsNotExist(err) {
		t.Errorf("uncertainty.csv written without --uncertainty (%v)", err)
	}
}

func TestWeightingErrorIsInvalidInput(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"indicators.yaml":   "govscore: 1\nid: w\nkinds: [a]\ntree:\n  - id: d\n    weighting: {method: entropy}\n    children:\n      - {id: x, expr: x}\n      - {id: y, expr: y}\n",
		"data/subjects.csv": "id,name,kind\ns1,S1,a\ns2,S2,a\n",
		"data/metrics.csv":  "subject,period,x,y\ns1,2024,1,2\ns2,2024,3,1\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errs := analyseCLI(t, "run", dir, "-q")
	if code != exitInvalid || !strings.Contains(errs, "entropy weights cannot be computed from 2 complete case(s)") {
		t.Errorf("exit %d, stderr %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Error("output written on invalid input")
	}
}

func TestF3p(t *testing.T) {
	if f3p(2) != "2.000" || f3p(math.NaN()) != "-" {
		t.Errorf("f3p(2) = %q, f3p(NaN) = %q", f3p(2), f3p(math.NaN()))
	}
}
