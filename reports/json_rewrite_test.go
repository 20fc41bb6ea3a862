package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/indicators"
)

// exampleResults are the committed results.json files of the examples.
func exampleResults(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../examples/*/expected/results.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example results.json: %v", err)
	}
	return files
}

// treatedDir writes a variant of testdata/small with the JRC outlier
// treatment on every leaf and a statistical weighting of the service
// composite, so that results.json has "treat" records and "@method".
func treatedDir(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(smallDir, "indicators.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(string(src), "min_coverage: 0.5\n", "min_coverage: 0.5\ndefaults:\n  treat: {method: jrc, skew: 0.5, kurtosis: 0.5, winmax: 2}\n", 1)
	y = strings.Replace(y, "    rank: true\n    children:\n", "    rank: true\n    weighting: {method: entropy}\n    children:\n", 1)
	if y == string(src) {
		t.Fatal("testdata/small changed: the treated variant no longer applies")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "indicators.yaml"), []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"metrics.csv", "subjects.csv"} {
		data, err := os.ReadFile(filepath.Join(smallDir, "data", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rewriteBatches are batches covering every member of results.json: node
// ranks, adjustments, assessments, the robustness analysis, treatments and
// statistical weightings, unrated subjects.
func rewriteBatches(t *testing.T) map[string]*batch.Batch {
	t.Helper()
	bs := map[string]*batch.Batch{
		"small/2024":   loadBatch(t, smallDir, "2024"),
		"small/2023":   loadBatch(t, smallDir, "2023"),
		"assessed":     assessedBatch(t, 0),
		"assessed+unc": assessedBatch(t, 20),
		"treated":      loadBatch(t, treatedDir(t), "2024"),
	}
	for _, f := range exampleResults(t) {
		dir := filepath.Dir(filepath.Dir(f))
		bs[filepath.Base(dir)] = loadBatch(t, dir, "")
	}
	return bs
}

// writeJSONBytes returns results.json of v.
func writeJSONBytes(t testing.TB, v *View) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// firstDiff describes where got and want first differ.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-80)
	return "at byte " + itoa(i) + ":\n got: " + string(got[lo:min(len(got), i+80)]) + "\nwant: " + string(want[lo:min(len(want), i+80)])
}

// TestResultsRewrite decodes every committed results.json of the examples
// and the results.json of every test batch, builds the View from it and
// writes it again: the bytes must be identical — the decoder and the writer
// describe one schema.
func TestResultsRewrite(t *testing.T) {
	docs := map[string][]byte{}
	for _, f := range exampleResults(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = data
	}
	sets := map[string]*indicators.Set{}
	for name, b := range rewriteBatches(t) {
		docs[name] = writeJSONBytes(t, NewView(b))
		sets[name] = b.Project.Set
	}
	for name, want := range docs {
		t.Run(name, func(t *testing.T) {
			res, err := DecodeResults(bytes.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			// Without the set, and with the set the batch was scored with
			// when the test has it.
			withSets := []*indicators.Set{nil}
			if set := sets[name]; set != nil {
				withSets = append(withSets, set)
			}
			for _, set := range withSets {
				v, err := res.View(set)
				if err != nil {
					t.Fatal(err)
				}
				if got := writeJSONBytes(t, v); !bytes.Equal(got, want) {
					t.Errorf("with set %v: rewritten results.json differs %s", set != nil, firstDiff(got, want))
				}
			}
		})
	}
}

// TestReadViewAdjustmentOrder reads without the set a results.json whose
// first subject lists only the second adjustment and a later one both, so
// that the adjustments are first seen out of set order: the view must
// still list them in set order (the order results.json lists each
// subject's) and write every subject's list as it was read.
func TestReadViewAdjustmentOrder(t *testing.T) {
	b := loadBatch(t, smallDir, "2024")
	var want []string
	for _, a := range b.Project.Set.Adjustments {
		want = append(want, a.ID)
	}
	res, err := DecodeResults(bytes.NewReader(writeJSONBytes(t, NewView(b))))
	if err != nil {
		t.Fatal(err)
	}
	both := slices.IndexFunc(res.Results, func(r ResultsSubject) bool { return slices.Equal(adjIDs(r), want) })
	if len(want) != 2 || both < 0 {
		t.Fatalf("testdata/small needs two adjustments and a subject with both: %v", want)
	}
	first := (both + 1) % len(res.Results)
	res.Results[first].Adjustments = res.Results[both].Adjustments[1:]
	res.Results[0], res.Results[first] = res.Results[first], res.Results[0]
	v, err := res.View(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range v.Adjustments {
		got = append(got, a.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("adjustments %v, want %v", got, want)
	}
	again, err := DecodeResults(bytes.NewReader(writeJSONBytes(t, v)))
	if err != nil {
		t.Fatal(err)
	}
	for k := range res.Results {
		if a, b := adjIDs(res.Results[k]), adjIDs(again.Results[k]); !slices.Equal(a, b) {
			t.Errorf("subject %s: adjustments read %v, written %v", res.Results[k].Subject, a, b)
		}
	}
}

func adjIDs(r ResultsSubject) []string {
	var out []string
	for _, a := range r.Adjustments {
		out = append(out, a.ID)
	}
	return out
}
