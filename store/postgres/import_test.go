package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/govscore/govscore/batch"
)

func TestAppendCopyText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "stats office", "stats office"},
		{"empty", "", ""},
		{"backslash", `a\b`, `a\\b`},
		{"null marker", `\N`, `\\N`},
		{"tab", "a\tb", `a\tb`},
		{"newline", "a\nb", `a\nb`},
		{"carriage return", "a\rb", `a\rb`},
		{"end of data marker", `\.`, `\\.`},
		{"utf-8", "统计局", "统计局"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendCopyText([]byte("x"), tc.in)); got != "x"+tc.want {
				t.Errorf("appendCopyText(%q) = %q, want %q", tc.in, got, "x"+tc.want)
			}
		})
	}
}

// storedMetrics returns every metrics row as "subject|period|metric" →
// value (NaN for NULL) and source.
func storedMetrics(t *testing.T, db *DB) (map[string]float64, map[string]string) {
	t.Helper()
	rows, err := db.x.Query(`SELECT s.code, m.period, n.name, m.value, coalesce(m.source, '<null>')
FROM metrics m JOIN subjects s ON s.id = m.subject_id JOIN metric_names n ON n.id = m.metric_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	vals, srcs := map[string]float64{}, map[string]string{}
	for rows.Next() {
		var code, period, name, src string
		var v *float64
		if err := rows.Scan(&code, &period, &name, &v, &src); err != nil {
			t.Fatal(err)
		}
		k := code + "|" + period + "|" + name
		vals[k] = math.NaN()
		if v != nil {
			vals[k] = *v
		}
		srcs[k] = src
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vals, srcs
}

// TestImportBlocksOrderAndEncoding imports rows that take every path of
// the importer — columns new to the database copied in, existing columns
// merged block by block — with
// subjects out of key order, sources varying within a column and in need
// of escaping, and values that must read back bit for bit.
func TestImportBlocksOrderAndEncoding(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{
		"subjects.csv": subjectsCSV,
		"m2023.csv":    "subject,period,metric,value,source\nc1,2023,x,1,a\nd1,2023,x,2,a\n",
		// Subjects in reverse key order, sources that vary and need
		// escaping, extreme and inexact values, a missing token.
		"long.csv": "subject,period,metric,value,source\n" +
			"d2,2023,x,1.7976931348623157e308,\"tab\there\"\n" +
			"d1,2023,x,5,a\n" +
			"d2,2023,y,0.1,\"back\\slash \\N\"\n" +
			"d1,2023,y,-4.9e-324,\"new\nline\"\n" +
			"c1,2023,y,NA,\n" +
			"d2,2025,x,0.30000000000000004,b\n" +
			"c1,2025,x,-1.5e-7,b\n",
		// The wide layout, for a third year.
		"wide.csv": "subject,period,source,x,y\nd2,2026,w,1e-300,2\nc1,2026,w,3,NA\n",
	})
	subj := f["subjects.csv"]
	if _, err := importFiles(ctx, db, subj, []string{f["m2023.csv"]}); err != nil {
		t.Fatal(err)
	}
	rep, err := importFiles(ctx, db, subj, []string{f["long.csv"], f["wide.csv"]})
	if err != nil {
		t.Fatal(err)
	}
	// x 2023 exists: d2 added, d1 changed; everything else is new.
	if rep.MetricsAdded != 10 || rep.MetricsChanged != 1 || rep.MetricsUnchanged != 0 {
		t.Errorf("report %+v, want 10 added, 1 changed", rep)
	}
	vals, srcs := storedMetrics(t, db)
	nan := math.NaN()
	want := []struct {
		key string
		v   float64
		src string
	}{
		{"c1|2023|x", 1, "a"},
		{"d1|2023|x", 5, "a"},
		{"d2|2023|x", math.MaxFloat64, "tab\there"},
		{"d2|2023|y", 0.1, `back\slash \N`},
		{"d1|2023|y", -4.9e-324, "new\nline"},
		{"c1|2023|y", nan, "<null>"},
		{"d2|2025|x", 0.30000000000000004, "b"},
		{"c1|2025|x", -1.5e-7, "b"},
		{"d2|2026|x", 1e-300, "w"},
		{"d2|2026|y", 2, "w"},
		{"c1|2026|x", 3, "w"},
		{"c1|2026|y", nan, "w"},
	}
	if len(vals) != len(want) {
		t.Errorf("%d rows stored, want %d: %v", len(vals), len(want), vals)
	}
	for _, w := range want {
		got, ok := vals[w.key]
		switch {
		case !ok:
			t.Errorf("%s not stored", w.key)
		case math.IsNaN(w.v) != math.IsNaN(got), !math.IsNaN(w.v) && math.Float64bits(got) != math.Float64bits(w.v):
			t.Errorf("%s = %v, want %v bit for bit", w.key, got, w.v)
		}
		if ok && srcs[w.key] != w.src {
			t.Errorf("%s source = %q, want %q", w.key, srcs[w.key], w.src)
		}
	}
	// One block per column (the subjects' ids are close), the key
	// enforced.
	if n := count(t, db, `SELECT count(*) FROM metric_blocks`); n != 5 {
		t.Errorf("%d blocks, want 5 (x and y in 2023 and 2026, x in 2025)", n)
	}
	if _, err := db.x.Exec(`INSERT INTO metric_blocks SELECT * FROM metric_blocks WHERE period = '2026' LIMIT 1`); err == nil {
		t.Error("a duplicate block was accepted")
	}
	// Importing the same files again changes nothing.
	rep, err = importFiles(ctx, db, subj, []string{f["long.csv"], f["wide.csv"]})
	if err != nil {
		t.Fatal(err)
	}
	if rep.MetricsUnchanged != 11 || rep.MetricsAdded+rep.MetricsChanged != 0 {
		t.Errorf("re-import %+v, want 11 unchanged", rep)
	}
}

// manyRows writes 1000 subjects and a metrics file of 30 000 rows, big
// enough for several COPY chunks.
func manyRows(t *testing.T) map[string]string {
	var s, m strings.Builder
	s.WriteString("id,name,kind\n")
	m.WriteString("subject,period,metric,value,source\n")
	for i := range 1000 {
		fmt.Fprintf(&s, "s%04d,Subject %d,gov\n", i, i)
		for j := range 30 {
			fmt.Fprintf(&m, "s%04d,2024,m%02d,%d.5,statistics bureau\n", i, j, i*j)
		}
	}
	return writeFiles(t, map[string]string{"subjects.csv": s.String(), "metrics.csv": m.String()})
}

func TestImportFailsMidCopy(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fault returns the error the import must wrap (nil: any).
		fault func(t *testing.T, db *DB, cancel context.CancelFunc) error
	}{
		{"server lost", func(t *testing.T, db *DB, _ context.CancelFunc) error {
			if _, err := db.x.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
				t.Error(err)
			}
			return nil
		}},
		{"cancelled", func(_ *testing.T, _ *DB, cancel context.CancelFunc) error {
			cancel()
			return context.Canceled
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			f := manyRows(t)
			files := testFiles{f["subjects.csv"], []string{f["metrics.csv"]}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var want error
			chunks := 0
			testHookCopyFlush = func() {
				if chunks++; chunks == 1 {
					want = tc.fault(t, db, cancel)
				}
			}
			_, err := importFiles(ctx, db, files.subjects, files.metrics)
			testHookCopyFlush = nil
			if chunks == 0 {
				t.Fatal("the import sent no chunk: the test data is too small")
			}
			if err == nil {
				t.Fatal("the import succeeded")
			}
			t.Logf("error: %v", err)
			if want != nil && !errors.Is(err, want) {
				t.Errorf("err = %v, want %v", err, want)
			}
			for _, tbl := range []string{"imports", "subjects", "metric_blocks", "metric_columns"} {
				if n := count(t, db, "SELECT count(*) FROM "+tbl); n != 0 {
					t.Errorf("%s has %d rows after the failed import", tbl, n)
				}
			}
			rep, err := importFiles(context.Background(), db, files.subjects, files.metrics)
			if err != nil {
				t.Fatalf("re-run: %v", err)
			}
			if rep.MetricsAdded != 30_000 {
				t.Errorf("re-run added %d rows, want 30000", rep.MetricsAdded)
			}
		})
	}
}

// testFiles names the files of a test import.
type testFiles struct {
	subjects string
	metrics  []string
}

// importFiles reads and validates the files as `govscore db import` does
// (batch.LoadData) and imports them.
func importFiles(ctx context.Context, db *DB, subjects string, metrics []string) (*ImportReport, error) {
	data, err := batch.LoadData(batch.Files{Subjects: subjects, Metrics: metrics}, nil)
	if err != nil {
		return nil, err
	}
	var opt ImportOptions
	for _, f := range data.Files {
		opt.Files = append(opt.Files, FileInfo{Name: f.Name, SHA256: f.SHA256, Bytes: f.Bytes})
	}
	return db.Import(ctx, data.Dataset, data.Given, data.Ratings, opt)
}

// TestImportBlankRows imports a metrics file with the blank rows ",,,,"
// that Excel writes for formatted but empty rows: validate and run skip
// them with a warning, and so does the import (it used to re-read the
// file and fail on them with "internal error: validated metrics name an
// unknown subject").
func TestImportBlankRows(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{
		"subjects.csv": "id,name,kind\na1,A1,k\na2,A2,k\n",
		"wide.csv":     "subject,period,source,x,y\na1,2024,office,1,2\n,,,,\n  , ,,,\na2,2024,,3,NA\n,,,,\n",
		"long.csv":     "subject,period,metric,value\n,,,\na1,2023,x,7\n",
	})
	rep, err := importFiles(ctx, db, f["subjects.csv"], []string{f["wide.csv"], f["long.csv"]})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if rep.MetricsAdded != 5 || rep.SubjectsAdded != 2 {
		t.Errorf("report %+v, want 5 metric values and 2 subjects added", rep)
	}
	var blank []string
	for _, w := range rep.Warnings {
		if strings.Contains(w.Msg, "blank row") {
			blank = append(blank, w.String())
		}
	}
	if len(blank) != 2 {
		t.Errorf("blank-row warnings %q, want one per file", blank)
	}
	vals, srcs := storedMetrics(t, db)
	for k, want := range map[string]float64{"a1|2024|x": 1, "a1|2024|y": 2, "a2|2024|x": 3, "a1|2023|x": 7} {
		if got, ok := vals[k]; !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v (stored %v), want %v", k, got, ok, want)
		}
	}
	if v, ok := vals["a2|2024|y"]; !ok || !math.IsNaN(v) {
		t.Errorf("a2|2024|y = %v (stored %v), want a stored missing value", v, ok)
	}
	if len(vals) != 5 {
		t.Errorf("%d values stored, want 5: %v", len(vals), vals)
	}
	if srcs["a1|2024|x"] != "office" || srcs["a2|2024|x"] != "<null>" {
		t.Errorf("sources %v, want office for a1 and none for a2", srcs)
	}
}

// storedRow is one metrics row as TestImportGeneratedRowForRow compares
// it.
type storedRow struct {
	value    float64 // NaN for NULL
	null     bool
	source   string // "<null>" for NULL
	importID int64
	loadedAt string
}

// storedRows returns every metrics row by "subject|period|metric".
func storedRows(t *testing.T, db *DB) map[string]storedRow {
	t.Helper()
	rows, err := db.x.Query(`SELECT s.code, m.period, n.name, m.value, coalesce(m.source, '<null>'), m.import_id, m.loaded_at::text
FROM metrics m JOIN subjects s ON s.id = m.subject_id JOIN metric_names n ON n.id = m.metric_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]storedRow{}
	for rows.Next() {
		var code, period, name string
		var v *float64
		var r storedRow
		if err := rows.Scan(&code, &period, &name, &v, &r.source, &r.importID, &r.loadedAt); err != nil {
			t.Fatal(err)
		}
		r.value, r.null = math.NaN(), v == nil
		if v != nil {
			r.value = *v
		}
		out[code+"|"+period+"|"+name] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportGeneratedRowForRow imports generated files of a few thousand
// subjects twice over — first half the subjects and one column, so that
// the subjects' database ids are not in dataset order, then every subject
// with that column changed in part (the merge), new columns of its year
// and a new year's partition, with cells not given, missing values and
// varying sources — and checks the stored rows one by one against the
// cells the loader gave (value bit for bit, NULL, source, import id) and
// the report's counts against them; importing the second files again
// changes no row. The rows go in COPY's binary format, and in the text
// format (the fallback when the connection cannot be taken over).
func TestImportGeneratedRowForRow(t *testing.T) {
	for _, text := range []bool{false, true} {
		t.Run(map[bool]string{false: "binary", true: "text"}[text], func(t *testing.T) {
			textCopyOnly = text
			defer func() { textCopyOnly = false }()
			testImportRowForRow(t)
		})
	}
}

func testImportRowForRow(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	const n = 2500
	r := rand.New(rand.NewPCG(13, 13))
	var subjAll, subjHalf, first, wide, long strings.Builder
	subjAll.WriteString("id,name,kind,region\n")
	subjHalf.WriteString("id,name,kind,region\n")
	first.WriteString("subject,period,metric,value,source\n")
	wide.WriteString("subject,period,source,x,y,z\n")
	long.WriteString("subject,period,metric,value,source\n")
	num := func() string {
		switch r.IntN(12) {
		case 0:
			return "NA"
		case 1:
			return ""
		case 2:
			return "0.30000000000000004"
		}
		return strconv.FormatFloat(r.NormFloat64()*100, 'g', -1, 64)
	}
	sources := []string{"", "bureau", "\"tab\there\"", `back\slash`, "统计局"}
	for i := range n {
		code := fmt.Sprintf("s%05d", (i*7)%n)
		row := fmt.Sprintf("%s,Subject %d,gov,r%d\n", code, i, i%5)
		subjAll.WriteString(row)
		if i%2 == 1 {
			// Half the subjects in reverse order: ids not in code order.
			subjHalf.WriteString(row)
			fmt.Fprintf(&first, "%s,2023,x,%d.25,first\n", code, i)
		}
		if r.IntN(9) > 0 {
			// x keeps the first import's value for some subjects.
			x := num()
			if i%2 == 1 && r.IntN(3) == 0 {
				x = fmt.Sprintf("%d.25", i)
			}
			src := sources[r.IntN(len(sources))]
			if i%2 == 1 && r.IntN(2) == 0 {
				src = "first"
			}
			fmt.Fprintf(&wide, "%s,2023,%s,%s,%s,%s\n", code, src, x, num(), num())
		}
		for _, m := range []string{"x", "w"} {
			if r.IntN(4) > 0 {
				fmt.Fprintf(&long, "%s,2024,%s,%s,%s\n", code, m, num(), sources[r.IntN(len(sources))])
			}
		}
	}
	f := writeFiles(t, map[string]string{"all.csv": subjAll.String(), "half.csv": subjHalf.String(),
		"first.csv": first.String(), "wide.csv": wide.String(), "long.csv": long.String()})

	// expected returns the rows the files give, as the loader reads them.
	expected := func(subjects string, metrics []string) map[string]storedRow {
		data, err := batch.LoadData(batch.Files{Subjects: subjects, Metrics: metrics}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]storedRow{}
		srcs := data.Given.Sources()
		for _, g := range data.Given.Columns() {
			col := data.Dataset.Column(g.Metric, g.Period)
			for i := range data.Dataset.Len() {
				if !g.Has(i) {
					continue
				}
				s := srcs[g.SourceIndex(i)]
				if s == "" {
					s = "<null>"
				}
				out[data.Dataset.Subjects[i].ID+"|"+g.Period.String()+"|"+g.Metric] = storedRow{value: col[i], null: col[i] != col[i], source: s}
			}
		}
		return out
	}
	same := func(a, b storedRow) bool {
		return a.null == b.null && a.source == b.source && (a.null || math.Float64bits(a.value) == math.Float64bits(b.value))
	}

	rep1, err := importFiles(ctx, db, f["half.csv"], []string{f["first.csv"]})
	if err != nil {
		t.Fatal(err)
	}
	want := expected(f["half.csv"], []string{f["first.csv"]})
	for k, w := range want {
		w.importID = rep1.ID
		want[k] = w
	}
	second := []string{f["wide.csv"], f["long.csv"]}
	var added, changed, unchanged int64
	for k, w := range expected(f["all.csv"], second) {
		old, ok := want[k]
		switch {
		case !ok:
			added++
		case same(old, w):
			unchanged++
			continue
		default:
			changed++
		}
		w.importID = rep1.ID + 1
		want[k] = w
	}
	if changed == 0 || unchanged == 0 || added == 0 {
		t.Fatalf("the test data gives %d added, %d changed, %d unchanged: every path wanted", added, changed, unchanged)
	}
	rep2, err := importFiles(ctx, db, f["all.csv"], second)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.ID != rep1.ID+1 || rep2.MetricsAdded != added || rep2.MetricsChanged != changed || rep2.MetricsUnchanged != unchanged {
		t.Errorf("report %d: %d added, %d changed, %d unchanged; want %d: %d, %d, %d", rep2.ID,
			rep2.MetricsAdded, rep2.MetricsChanged, rep2.MetricsUnchanged, rep1.ID+1, added, changed, unchanged)
	}
	if rep2.SubjectsAdded != n/2 || rep2.SubjectsUnchanged != n/2 {
		t.Errorf("report: subjects %d added, %d unchanged; want %d and %d", rep2.SubjectsAdded, rep2.SubjectsUnchanged, n/2, n/2)
	}
	got := storedRows(t, db)
	if len(got) != len(want) {
		t.Errorf("%d rows stored, want %d", len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		if !ok || !same(g, w) || g.importID != w.importID {
			if bad++; bad <= 10 {
				t.Errorf("%s: stored %+v (%v), want %+v", k, g, ok, w)
			}
		}
	}
	// One load time per import, whether its rows were copied straight in
	// (their time encoded by the client) or merged (a parameter).
	times := map[int64]map[string]bool{}
	for _, g := range got {
		if times[g.importID] == nil {
			times[g.importID] = map[string]bool{}
		}
		times[g.importID][g.loadedAt] = true
	}
	if len(times) != 2 || len(times[rep1.ID]) != 1 || len(times[rep2.ID]) != 1 {
		t.Errorf("load times by import: %v, want one for each of the two imports", times)
	}
	// Importing the second files again changes no row, not even its
	// import id or load time.
	rep3, err := importFiles(ctx, db, f["all.csv"], second)
	if err != nil {
		t.Fatal(err)
	}
	if rep3.MetricsUnchanged != int64(len(expected(f["all.csv"], second))) || rep3.MetricsAdded+rep3.MetricsChanged != 0 {
		t.Errorf("re-import: %+v, want every value unchanged", rep3)
	}
	again := storedRows(t, db)
	for k, g := range got {
		if a := again[k]; !same(a, g) || a.importID != g.importID || a.loadedAt != g.loadedAt {
			t.Errorf("%s changed by the re-import: %+v, was %+v", k, a, g)
			break
		}
	}
}
