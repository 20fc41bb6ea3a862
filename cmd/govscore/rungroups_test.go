package main

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/jmoiron/sqlx"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govscore/govscore/synth"
)

// byGroupProject writes a generated project (several peer groups,
// transforms, winsorising, imputation by region, goalposts, z-scores,
// ranks, applies_to, adjustments, a veto, grades with quotas) with what
// the generator lacks added: node ranks, a group statistic, prev. over a
// second period, entropy weights and rated_when.
func byGroupProject(t *testing.T, subjects int) string {
	t.Helper()
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Config{Subjects: subjects, Leaves: 20, Seed: 7, Period: "2024"}); err != nil {
		t.Fatal(err)
	}
	setPath := filepath.Join(dir, "indicators.yaml")
	set, err := os.ReadFile(setPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(set)
	for _, r := range [][2]string{
		{"  - id: dim02\n    name: Dimension 2\n", "  - id: dim02\n    name: Dimension 2\n    rank: true\n"},
		{"  - id: dim03\n    name: Dimension 3\n", "  - id: dim03\n    name: Dimension 3\n    weighting: {method: entropy}\n"},
		{"      - id: ind006\n", "      - id: ind006\n        rank: true\n"},
		{"adjustments:\n", `  - id: dim_extra
    name: Extra
    weight: 2
    children:
      - id: ext_group
        name: Against the group mean
        expr: "m001 - group.mean(m001)"
      - id: ext_prev
        name: Change from the previous period
        expr: "m004 - prev.m004"
        missing: mean
      - id: ext_median
        name: Against the group median
        expr: "m003 / group.median(m003)"
        normalize: {method: target, target: 1}
rated_when: 'subject.region != "r3"'
adjustments:
`},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("generated set has no %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	if err := os.WriteFile(setPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	mPath := filepath.Join(dir, "data", "metrics.csv")
	m, err := os.ReadFile(mPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(m), "\n"), "\n")
	// Every 97th subject has no row in 2024 (a warning listing ten of
	// them across the groups, "and N more").
	var b bytes.Buffer
	for i, l := range lines {
		if i == 0 || i%97 != 0 {
			b.WriteString(l + "\n")
		}
	}
	// The previous period: two subjects in three, with the values of the
	// next subject's row.
	for i := 1; i+1 < len(lines); i++ {
		if i%3 == 0 {
			continue
		}
		id, _, _ := strings.Cut(lines[i], ",")
		_, rest, _ := strings.Cut(lines[i+1], ",2024,")
		fmt.Fprintf(&b, "%s,2023,%s\n", id, rest)
	}
	if err := os.WriteFile(mPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRunByGroupEqualsWholeRun is the contract of --by-group: the files,
// the warnings and the summary of a run by peer group are those of the
// whole run, byte for byte.
func TestRunByGroupEqualsWholeRun(t *testing.T) {
	dir := byGroupProject(t, 3000)
	whole, grouped := filepath.Join(t.TempDir(), "whole"), filepath.Join(t.TempDir(), "grouped")
	args := []string{"run", dir, "--format", "csv,json", "--analysis", "off", "--top", "3"}
	code, out1, err1 := runMain(t, append(args, "-o", whole)...)
	if code != 0 {
		t.Fatalf("whole run: exit %d\n%s", code, err1)
	}
	code, out2, err2 := runMain(t, append(args, "-o", grouped, "--by-group")...)
	if code != 0 {
		t.Fatalf("run by group: exit %d\n%s", code, err2)
	}
	sameFiles(t, "", whole, grouped, "results.csv", "indicators.csv", "results.json")
	res, _ := os.ReadFile(filepath.Join(whole, "results.json"))
	for _, want := range []string{`"ext_prev"`, `"node_ranks"`, `"label": "social_org"`, `"label": "party_org"`, `"unrated_reason": "rated_when"`} {
		if !bytes.Contains(res, []byte(want)) {
			t.Errorf("results.json has no %s: the project does not exercise it", want)
		}
	}
	if !strings.Contains(err1, "and 20 more") {
		t.Errorf("no warning lists the subjects without data:\n%s", err1)
	}
	if err1 != err2 {
		t.Errorf("warnings differ:\n%s\n---\n%s", err1, err2)
	}
	if strings.ReplaceAll(out1, whole, "OUT") != strings.ReplaceAll(out2, grouped, "OUT") {
		t.Errorf("summaries differ:\n%s\n---\n%s", out1, out2)
	}
}

// TestRunByGroupOneFormat: with one of csv and json, the run by group
// writes that format alone (its own writer, not the joint one of csv,json),
// byte for byte as the whole run.
func TestRunByGroupOneFormat(t *testing.T) {
	dir := byGroupProject(t, 1200)
	for _, c := range []struct {
		format string
		files  []string
	}{{"csv", []string{"results.csv", "indicators.csv"}}, {"json", []string{"results.json"}}} {
		whole, grouped := filepath.Join(t.TempDir(), "whole"), filepath.Join(t.TempDir(), "grouped")
		args := []string{"run", dir, "--format", c.format, "--analysis", "off"}
		if code, _, stderr := runMain(t, append(args, "-o", whole)...); code != 0 {
			t.Fatalf("%s, whole run: exit %d\n%s", c.format, code, stderr)
		}
		if code, _, stderr := runMain(t, append(args, "-o", grouped, "--by-group")...); code != 0 {
			t.Fatalf("%s, run by group: exit %d\n%s", c.format, code, stderr)
		}
		sameFiles(t, "--format "+c.format+": ", whole, grouped, c.files...)
	}
}

// TestRunByGroupRefuses: what a run by group cannot reproduce is a usage
// error that says why.
func TestRunByGroupRefuses(t *testing.T) {
	dir := byGroupProject(t, 200)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "csv,html"}, "csv and json only"},
		{[]string{"--format", "json"}, "robustness analysis"},
	} {
		args := append([]string{"run", dir, "-q", "--by-group", "-o", t.TempDir()}, c.args...)
		code, _, stderr := runMain(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestRunByGroupDBEqualsWholeRun: from the database, a run by peer group
// writes the files of the whole run and stores the same batch: the same
// batches row (but its creation time), the same batch_subjects,
// batch_warnings and batch_outputs rows, and outputs that `report
// --batch` gives back byte for byte; the batch verifies. So does a run by
// peer group without -o ("stored"), whose outputs are stored from
// compressed spools, results.json assembled as it is stored.
func TestRunByGroupDBEqualsWholeRun(t *testing.T) {
	dir := byGroupProject(t, 1500)
	tmp := t.TempDir()
	dbs := map[string]string{"whole": testDatabase(t), "grouped": testDatabase(t), "stored": testDatabase(t)}
	outs := map[string][2]string{}
	for name, db := range dbs {
		mustGov(t, "db", "migrate", "--db", db)
		mustGov(t, "db", "import", dir, "--db", db)
		args := []string{"run", dir, "--db", db, "--format", "csv,json", "--analysis", "off", "--top", "2"}
		if name != "stored" {
			args = append(args, "-o", filepath.Join(tmp, name))
		}
		if name != "whole" {
			args = append(args, "--by-group")
		}
		code, out, errs := gov(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", name, code, out, errs)
		}
		outs[name] = [2]string{strings.ReplaceAll(out, filepath.Join(tmp, name), "OUT"), errs}
		mustGov(t, "report", "--db", db, "--batch", "1", "-o", filepath.Join(tmp, name+"-report"))
		if out := mustGov(t, "batch", "verify", "1", "--db", db); !strings.Contains(out, "batch 1 verified") {
			t.Errorf("%s: batch verify: %q", name, out)
		}
	}
	for _, name := range []string{"grouped", "stored"} {
		if outs["whole"] != outs[name] {
			t.Errorf("%s: output differs:\n%q\n---\n%q", name, outs["whole"], outs[name])
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "stored")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run without -o wrote %s (%v)", filepath.Join(tmp, "stored"), err)
	}
	for _, f := range []string{"results.csv", "indicators.csv", "results.json"} {
		want, err := os.ReadFile(filepath.Join(tmp, "whole", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"grouped", "grouped-report", "stored-report", "whole-report"} {
			got, err := os.ReadFile(filepath.Join(tmp, d, f))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s differs from the whole run's", d, f)
			}
		}
	}
	queries := []string{
		`SELECT ROW(id, set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated, status)::text FROM batches ORDER BY id`,
		`SELECT ROW(x.*)::text FROM batch_subjects x ORDER BY batch_id, ord`,
		`SELECT ROW(x.*)::text FROM batch_warnings x ORDER BY batch_id, seq`,
		`SELECT ROW(x.*)::text FROM batch_outputs x ORDER BY batch_id, name`,
	}
	rows := map[string][]string{}
	for name, db := range dbs {
		conn, err := sqlx.Open("postgres", db)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, q := range queries {
			var got []string
			if err := conn.Select(&got, q); err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Errorf("%s: no rows for %s", name, q)
			}
			rows[name] = append(rows[name], got...)
		}
	}
	for _, name := range []string{"grouped", "stored"} {
		if len(rows["whole"]) != len(rows[name]) {
			t.Fatalf("%d stored rows, %d by group (%s)", len(rows["whole"]), len(rows[name]), name)
		}
		for i := range rows["whole"] {
			if rows["whole"][i] != rows[name][i] {
				t.Errorf("%s: stored row %d differs:\n%.300s\n%.300s", name, i, rows["whole"][i], rows[name][i])
				break
			}
		}
	}
}

// TestRunByGroupDBOneFormatStored: from the database without -o, with one
// of csv (here without the byte order mark) and json, the outputs stored
// from the spools are the whole run's, byte for byte, and only they are
// stored.
func TestRunByGroupDBOneFormatStored(t *testing.T) {
	dir := byGroupProject(t, 1200)
	tmp := t.TempDir()
	for _, c := range []struct {
		args  []string
		files []string
	}{{[]string{"--format", "csv", "--bom=false"}, []string{"results.csv", "indicators.csv"}}, {[]string{"--format", "json"}, []string{"results.json"}}} {
		name := c.args[1]
		whole, stored := testDatabase(t), testDatabase(t)
		for _, db := range []string{whole, stored} {
			mustGov(t, "db", "migrate", "--db", db)
			mustGov(t, "db", "import", dir, "--db", db)
		}
		args := append([]string{"run", dir, "--analysis", "off", "-q"}, c.args...)
		mustGov(t, append(args, "--db", whole, "-o", filepath.Join(tmp, name+"-whole"))...)
		mustGov(t, append(args, "--db", stored, "--by-group")...)
		report := filepath.Join(tmp, name+"-stored")
		mustGov(t, "report", "--db", stored, "--batch", "1", "-o", report)
		sameFiles(t, "--format "+name+", stored: ", filepath.Join(tmp, name+"-whole"), report, c.files...)
		ents, err := os.ReadDir(report)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != len(c.files) {
			t.Errorf("--format %s: report --batch wrote %d files, want %v", name, len(ents), c.files)
		}
	}
}

// sameFiles reports (prefixed by what) each of files that is empty in dir
// a or differs between dirs a and b.
func sameFiles(t *testing.T, what, a, b string, files ...string) {
	t.Helper()
	for _, f := range files {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s%s differs (%d and %d bytes)", what, f, len(x), len(y))
		}
	}
}
