package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/govscore/govscore/indicators"
)

// smallJSON returns results.json of testdata/small for 2024 and the set.
func smallJSON(t testing.TB) ([]byte, *indicators.Set) {
	t.Helper()
	b := loadBatch(t, smallDir, "2024")
	var buf bytes.Buffer
	if err := WriteJSON(&buf, NewView(b)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), b.Project.Set
}

// TestReadViewRoundTrip checks that a view read back from results.json
// (with the set) renders exactly as the view of the batch itself.
func TestReadViewRoundTrip(t *testing.T) {
	data, set := smallJSON(t)
	direct := NewView(loadBatch(t, smallDir, "2024"))
	read, err := ReadView(bytes.NewReader(data), set)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		want := renderHTML(t, direct, HTMLOptions{Lang: lang})
		got := renderHTML(t, read, HTMLOptions{Lang: lang})
		if got != want {
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("%s: line %d differs:\n got: %s\nwant: %s", lang, i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%s: lengths differ", lang)
		}
	}
	for k := range direct.NumSubjects() {
		d, r := direct.Subject(k), read.Subject(k)
		if d.ID != r.ID || d.Rank != r.Rank || !near(d.Score, r.Score, 0) || !near(d.Coverage, r.Coverage, 0) {
			t.Errorf("subject %d: read %s rank %d score %v, want %s rank %d score %v", k, r.ID, r.Rank, r.Score, d.ID, d.Rank, d.Score)
		}
		for l := range direct.Leaves {
			dc, rc := direct.Cell(k, l), read.Cell(k, l)
			if dc.Applies != rc.Applies || dc.Applies && (!near(dc.Raw, rc.Raw, 0) || !near(dc.Value, rc.Value, 0) || !near(dc.Weight, rc.Weight, 0) || dc.Status != rc.Status) {
				t.Errorf("subject %s leaf %d: read %+v, want %+v", d.ID, l, rc, dc)
			}
		}
	}
}

func TestReadViewWithoutSet(t *testing.T) {
	data, _ := smallJSON(t)
	v, err := ReadView(bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Nodes) != 7 || len(v.Leaves) != 5 || len(v.Groups) != 2 || v.NumSubjects() != 8 {
		t.Fatalf("read %d nodes, %d leaves, %d groups, %d subjects", len(v.Nodes), len(v.Leaves), len(v.Groups), v.NumSubjects())
	}
	if got := strings.Join(v.gradeOrder(), ","); got != "优秀,良好,不合格" && got != "优秀,良好,合格,不合格" {
		t.Errorf("grade order %q", got)
	}
	html := renderHTML(t, v, HTMLOptions{Lang: "en"})
	for _, want := range []string{"(definition not recorded in results.json)", "Ranking — community", "goalpost [0.5, 1]"} {
		if !strings.Contains(html, want) {
			t.Errorf("report without the set lacks %q", want)
		}
	}
	if n := v.Nodes[v.Leaves[1]]; n.Parent < 0 || v.Nodes[n.Parent].ID != "service" || n.Depth != 2 {
		t.Errorf("leaf resolution: parent %d depth %d", n.Parent, n.Depth)
	}
}

func TestReadViewErrors(t *testing.T) {
	data, set := smallJSON(t)
	good := string(data)
	other := *set
	other.Source = []byte("changed")
	tests := []struct {
		name, json string
		set        *indicators.Set
		want       string
	}{
		{"not json", "{", nil, "results.json: unexpected EOF"},
		{"wrong format", `{"format": "other/1"}`, nil, `format "other/1"`},
		{"other set", good, &other, "was scored with indicator set sha256"},
		{"bad time", strings.Replace(good, `"generated_at": "2025-01-02T03:04:05Z"`, `"generated_at": "yesterday"`, 1), nil, "meta.generated_at"},
		{"unknown parent", strings.Replace(good, `"parent": "service"`, `"parent": "nowhere"`, 1), nil, `parent "nowhere" is not listed before it`},
		{"leaf parent", strings.Replace(good, `"parent": "trust"`, `"parent": "served_pc"`, 1), nil, `parent "served_pc" is a leaf`},
		{"bad node type", strings.Replace(good, `"type": "leaf"`, `"type": "twig"`, 1), nil, `type "twig"`},
		{"duplicate node", strings.Replace(good, `{"id": "trust"`, `{"id": "service"`, 1), nil, `tree node "service" twice`},
		{"node without id", strings.Replace(good, `{"id": "trust"`, `{"id": ""`, 1), nil, "has no id"},
		{"unknown stats indicator", strings.Replace(good, `{"indicator": "served_pc"`, `{"indicator": "nope"`, 1), nil, `unknown indicator "nope"`},
		{"duplicate group", strings.Replace(good, `"label": "department"`, `"label": "community"`, 1), nil, `peer group "community" twice`},
		{"unknown group", strings.Replace(good, `"peer_group": "department"`, `"peer_group": "nowhere"`, 1), nil, `unknown peer group "nowhere"`},
		{"duplicate subject", strings.Replace(good, `"subject": "c1", "name"`, `"subject": "c4", "name"`, 1), nil, `subject "c4" twice`},
		{"unknown composite", strings.Replace(good, `"nodes": {"service"`, `"nodes": {"nope"`, 1), nil, `unknown composite node "nope"`},
		{"adjustment not in set", strings.Replace(good, `{"id": "award_bonus"`, `{"id": "mystery"`, 1), set, `adjustment "mystery" is not in the indicator set`},
		{"unknown cell leaf", strings.Replace(good, `"leaves": ["served_pc"`, `"leaves": ["nope"`, 1), nil, `indicators.leaves: unknown indicator "nope"`},
		{"unknown cell subject", strings.Replace(good, `{"subject": "c4", "raw"`, `{"subject": "zz", "raw"`, 1), nil, `indicators: unknown subject "zz"`},
		{"short cell arrays", strings.Replace(good, `"weight": [`, `"weight": [1, `, 1), nil, "arrays of"},
		{"row layout bad width", strings.Replace(good, `"indicators": {`, `"indicators": {"rows": [["c4", "x"]], `, 1), nil, "want 6 fields"},
		{"row layout unknown subject", strings.Replace(good, `"indicators": {`, `"indicators": {"rows": [["zz", "served_pc", 1, 2, "ok", 0.5]], `, 1), nil, `indicators row 1: unknown subject "zz"`},
		{"row layout unknown leaf", strings.Replace(good, `"indicators": {`, `"indicators": {"rows": [["c4", "nope", 1, 2, "ok", 0.5]], `, 1), nil, `indicators row 1: unknown indicator "nope"`},
		{"row layout bad columns", strings.Replace(good, `"indicators": {`, `"indicators": {"columns": ["a"], `, 1), nil, "indicators.columns"},
		{"group subject count", strings.Replace(good, `"label": "department", "subjects": 3`, `"label": "department", "subjects": 4`, 1), nil, `peer group "department": subjects 4, but 3 results name it`},
		{"node status of unknown node", strings.Replace(good, `"node_status": {"service": "ok"`, `"node_status": {"nope": "ok"`, 1), nil, `node_status of unknown composite node "nope"`},
		{"bad node status", strings.Replace(good, `"node_status": {"service": "ok"`, `"node_status": {"service": "fine"`, 1), nil, `node_status "fine" of "service", want ok, imputed or missing`},
		{"rank of unranked node", strings.Replace(good, `"node_ranks": {"service": 1`, `"node_ranks": {"trust": 1`, 1), nil, `node_ranks of "trust", which is not a ranked node`},
		{"weights child count", strings.Replace(good, `"trust": {"complaint_rate": 0.5, "growth": 0.5}`, `"trust": {"complaint_rate": 0.5}`, 1), nil, `weights of "trust": 1 children, the tree has 2`},
		{"weights child missing", strings.Replace(good, `"trust": {"complaint_rate": 0.5, "growth": 0.5}`, `"trust": {"complaint_rate": 0.5, "nope": 0.5}`, 1), nil, `weights of "trust": no weight of child "growth"`},
		{"weights of a leaf", strings.Replace(good, `"service": {"served_pc": 0.6666666666666666`, `"served_pc": {"x": 1}, "service": {"served_pc": 0.6666666666666666`, 1), nil, "weights of 1 nodes that are not composites of the tree"},
		{"tree size differs from set", strings.Replace(good, `"tree": [`, `"tree": [{"id": "extra", "type": "composite"},`, 1), set, "tree nodes, the indicator set has"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.json == good && tt.set != &other {
				t.Fatal("the test's replacement did not apply")
			}
			_, err := ReadView(strings.NewReader(tt.json), tt.set)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReadViewRowLayout(t *testing.T) {
	data, _ := smallJSON(t)
	// Replace the compact cells by the row layout of earlier writers.
	s := string(data)
	i := strings.Index(s, `"indicators": {`)
	j := strings.Index(s, `"warnings": [`)
	s = s[:i] + `"indicators": {"columns": ["subject", "indicator", "raw", "value", "status", "weight"], "rows": [["c4", "served_pc", 122, 99.5, "ok", 0.4]]},` + "\n  " + s[j:]
	v, err := ReadView(strings.NewReader(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Cell(0, 0)
	if v.Subject(0).ID != "c4" || !c.Applies || !near(c.Raw, 122, 0) || !near(c.Value, 99.5, 0) || c.Status != "ok" || !near(c.Weight, 0.4, 0) {
		t.Fatalf("cell %+v", c)
	}
	if c := v.Cell(0, 1); !math.IsNaN(c.Value) || c.Applies {
		t.Errorf("a cell absent from the rows should not apply: %+v", c)
	}
}

// FuzzReadView seeds are small (a few hundred bytes): each execution
// renders the HTML report of what it read, and seeds of a whole batch
// (12 KB, 50 ms per render) left the fuzzer at 1–2 executions a second.
// The full results.json files are read back in TestReadViewRoundTrip and
// the assessment tests.
func FuzzReadView(f *testing.F) {
	f.Add([]byte(`{"format": "govscore.results/1", "tree": [{"id": "a", "type": "leaf"}], "groups": [{"label": "g"}], "results": [{"peer_group": "g", "subject": "s", "status": "rated"}], "indicators": {"leaves": ["a"], "subjects": [{"subject": "s", "raw": [1], "value": [2], "status": ["ok"], "weight": [1]}]}}`))
	f.Add([]byte(`{"format": "govscore.results/1",
"meta": {"indicator_set": {"id": "s", "name": "S", "version": "1", "sha256": "ab"}, "period": "2024", "previous_period": "2023", "generated_at": "2024-01-01T00:00:00Z"},
"scale": [0, 100], "min_coverage": 0.5, "ranking": {"method": "competition", "order": "desc", "digits": 2},
"tree": [{"id": "d", "name": "D", "depth": 1, "weight": 1, "share": 1, "type": "composite", "aggregate": "arithmetic"},
 {"id": "a", "name": "A", "parent": "d", "depth": 2, "weight": 2, "share": 0.5, "type": "leaf", "expr": "x / y", "direction": "higher", "normalize": "minmax"},
 {"id": "b", "parent": "d", "depth": 2, "weight": 1, "type": "leaf", "normalize": "goalpost", "low": 0, "high": 1, "applies_to": ["k"]}],
"groups": [{"label": "k", "subjects": 2, "rated": 1, "leaves": [{"indicator": "a", "n": 2, "missing": 0, "min": 1, "max": 3, "mean": 2, "sd": 1, "normalisation": {"n": 2, "min": 1, "max": 3}}]}],
"results": [{"peer_group": "k", "subject": "s1", "name": "One", "kind": "k", "status": "rated", "rank": 1, "score": 75.5, "grade": "A", "coverage": 1, "vetoed": false, "root": 70, "nodes": {"d": 70}, "adjustments": [{"id": "bonus", "held": true, "points": 5.5}], "grade_by_score": "A", "grade_reason": "score 75.5"},
 {"peer_group": "k", "subject": "s2", "name": "Two", "kind": "k", "status": "unrated", "score": null, "coverage": 0.4}],
"indicators": {"leaves": ["a", "b"], "subjects": [{"subject": "s1", "raw": [3, 0.5], "value": [100, 50], "status": ["ok", "imputed"], "weight": [0.5, 0.5]}, {"subject": "s2", "raw": [null, null], "value": [null, null], "status": ["missing", null], "weight": [0, 0]}]},
"warnings": [{"pos": "m.csv:2:3", "message": "w"}]}`))
	f.Add([]byte(`{"format": "govscore.results/1", "tree": [{"id": "a", "type": "leaf"}], "groups": [{"label": "g"}], "results": [{"peer_group": "g", "subject": "s", "status": "rated", "score": 1}], "indicators": {"columns": ["subject", "indicator", "raw", "value", "status", "weight"], "rows": [["s", "a", 1, 2, "ok", 1]]}}`))
	f.Add([]byte(`{"format": "govscore.results/1", "tree": [{"id": "d", "type": "composite"}, {"id": "a", "parent": "d", "type": "leaf", "normalize": "target", "target": "median"}, {"id": "b", "parent": "d", "type": "leaf", "normalize": "none", "clip": true, "winsorize": [0.05, 0.95]}],
"groups": [{"label": "g", "leaves": [{"indicator": "a", "n": 1, "treat": {"outcome": "winsorised", "skew_before": 3, "winsorised": ["s"], "log_shift": null}}], "weights": {"d": {"a": 0.4, "b": 0.6, "@method": "entropy", "@cases": 3}, "score": {"d": 1}}}],
"results": [{"peer_group": "g", "subject": "s", "status": "rated", "rank": 1, "score": 1, "nodes": {"d": 1}, "node_status": {"d": "imputed"}}],
"assessments": [{"id": "q", "name": "Q", "min_raters": 2, "roles": [{"role": "r", "weight": 1, "min_raters": 2}], "reliability": {"raters": 3, "role_ratings": {"r": 3}, "role_means": {"r": 4}, "icc1": null}, "subjects": [{"subject": "s", "score": 4, "ci90": [3, 5], "roles": {"r": {"n": 3, "kept": 3, "mean": 4, "sd": 1}}}]}],
"analysis": {"uncertainty": {"replications": 2, "subjects": [{"peer_group": "g", "subject": "s", "nominal_rank": 1, "median_rank": 1}]}}, "methodology_warnings": [{"node": "d", "message": "m"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ReadView(bytes.NewReader(b), nil)
		if err != nil {
			return
		}
		// Whatever reads must render.
		var buf bytes.Buffer
		if err := WriteHTML(&buf, v, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		// And write results.json, which reads back into a view that
		// writes the same bytes (one schema both ways).
		js := writeJSONBytes(t, v)
		again, err := ReadView(bytes.NewReader(js), nil)
		if err != nil {
			t.Fatalf("results.json written from a read view does not read: %v\n%s", err, js)
		}
		if js2 := writeJSONBytes(t, again); !bytes.Equal(js, js2) {
			t.Fatalf("results.json rewritten differs %s", firstDiff(js2, js))
		}
	})
}

// TestResultsModelRoundTrip checks that the exported results.json model
// survives encoding/json both ways: results.json decoded into Results,
// encoded again and decoded, renders the same report.
func TestResultsModelRoundTrip(t *testing.T) {
	data, set := smallJSON(t)
	res, err := DecodeResults(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := DecodeResults(bytes.NewReader(again))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*indicators.Set{set, nil} {
		v1, err := res.View(s)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := res2.View(s)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := renderHTML(t, v1, HTMLOptions{Lang: "en"}), renderHTML(t, v2, HTMLOptions{Lang: "en"}); a != b {
			t.Errorf("set %v: report.html differs after an encoding/json round trip", s != nil)
		}
		var c1, c2 bytes.Buffer
		if err := WriteResultsCSV(&c1, v1); err != nil {
			t.Fatal(err)
		}
		if err := WriteResultsCSV(&c2, v2); err != nil {
			t.Fatal(err)
		}
		if c1.String() != c2.String() {
			t.Errorf("results.csv differs after an encoding/json round trip")
		}
		if j1, j2 := writeJSONBytes(t, v1), writeJSONBytes(t, v2); !bytes.Equal(j1, j2) {
			t.Errorf("set %v: results.json differs after an encoding/json round trip %s", s != nil, firstDiff(j1, j2))
		}
	}
	if _, err := DecodeResults(strings.NewReader(`{"format": "other/1"}`)); err == nil || !strings.Contains(err.Error(), `format "other/1"`) {
		t.Errorf("DecodeResults of another format: %v", err)
	}
}

// TestTargetAndToRoundTrip checks that a leaf's target band or median and
// its own range `to` are in results.json and in the methodology, from the
// batch and from results.json.
func TestTargetAndToRoundTrip(t *testing.T) {
	b := loadBatch(t, smallDir, "2024")
	leaves := b.Project.Set.Leaves
	leaves[0].Normalize = indicators.Normalize{Method: indicators.Target, TargetLow: 0.9, TargetHigh: 1.1, To: &[2]float64{0, 0.8}}
	leaves[1].Normalize = indicators.Normalize{Method: indicators.Target, TargetMedian: true}
	js := writeJSONBytes(t, NewView(b))
	for _, want := range []string{`"normalize": "target", "target": [0.9, 1.1], "to": [0, 0.8]`, `"normalize": "target", "target": "median"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("results.json lacks %s", want)
		}
	}
	read, err := ReadView(bytes.NewReader(js), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*View{"direct": NewView(b), "read": read} {
		n0, n1 := v.Nodes[v.Leaves[0]], v.Nodes[v.Leaves[1]]
		if got, want := normDescription(n0, disp{en: true}), "target [0.9, 1.1] → [0, 0.8]"; !strings.HasSuffix(got, want) {
			t.Errorf("%s: %s normalisation %q, want … %q", name, n0.ID, got, want)
		}
		if got := normDescription(n1, disp{en: true}); !strings.HasSuffix(got, "target (median)") {
			t.Errorf("%s: %s normalisation %q", name, n1.ID, got)
		}
	}
}

// TestReadCellsStatusLimit checks that a results.json with more distinct
// cell statuses than a status byte holds is refused, not wrapped round.
func TestReadCellsStatusLimit(t *testing.T) {
	c := newReadCells(1, 1)
	for i := range math.MaxUint8 {
		if err := c.set(0, 0, 1, 2, 0.5, fmt.Sprint("s", i)); err != nil {
			t.Fatalf("status %d: %v", i, err)
		}
	}
	if got := c.names[c.cols[0].status[0]]; got != fmt.Sprint("s", math.MaxUint8-1) {
		t.Errorf("last status read back as %q", got)
	}
	err := c.set(0, 0, 1, 2, 0.5, "one too many")
	if err == nil || !strings.Contains(err.Error(), "more than 255 distinct cell statuses") {
		t.Errorf("err = %v, want the status limit", err)
	}
}
