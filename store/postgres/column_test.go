package postgres

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
)

// TestLoadDatasetColumnsBitExact: the columns read back from the database
// (sqlColumnBlocks, with subject ids on both sides of a block boundary)
// are those of the files bit for bit — negative zero, subnormals, the largest float, values that
// need 17 digits — with NA and absent cells missing, for the batch period
// and the previous one; the progress count includes the NULL rows.
func TestLoadDatasetColumnsBitExact(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	// The subjects' ids from 65,525 on: blocks 0 and 1.
	if _, err := db.x.Exec(`SELECT setval(pg_get_serial_sequence('subjects', 'id'), $1)`, blockIDs-12); err != nil {
		t.Fatal(err)
	}
	var subjects, metrics strings.Builder
	subjects.WriteString("id,name,kind\n")
	metrics.WriteString("subject,period,metric,value\n")
	values := []string{"-0", "5e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "0.1", "0.30000000000000004", "-123456.789", "NA", "1e21", "3"}
	rows := 0
	for i := range 23 {
		fmt.Fprintf(&subjects, "s%02d,Subject %d,gov\n", i, i)
		for j, m := range []string{"a", "b", "c"} {
			if (i+j)%5 == 4 {
				continue // absent cell
			}
			fmt.Fprintf(&metrics, "s%02d,2024,%s,%s\n", i, m, values[(i*3+j)%len(values)])
			rows++
		}
		if i%3 == 0 {
			fmt.Fprintf(&metrics, "s%02d,2023,a,%d.5\n", i, i)
			rows++
		}
	}
	f := writeFiles(t, map[string]string{"subjects.csv": subjects.String(), "metrics.csv": metrics.String()})
	if _, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(DISTINCT block) FROM metric_blocks`); n != 2 {
		t.Fatalf("the values are in %d blocks, want 2", n)
	}
	want, err := batch.LoadData(batch.Files{Subjects: f["subjects.csv"], Metrics: []string{f["metrics.csv"]}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := dataset.ParsePeriod("2024")
	var calls []int64
	got, err := db.LoadDataset(ctx, p, LoadOptions{Progress: func(n int64) { calls = append(calls, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int64{int64(rows)}) {
		t.Errorf("progress calls %v, want [%d] (every row, NA ones included)", calls, rows)
	}
	for _, k := range []struct {
		m string
		p dataset.Period
	}{{"a", p}, {"b", p}, {"c", p}, {"a", p.Prev()}} {
		w, g := want.Dataset.Column(k.m, k.p), got.Column(k.m, k.p)
		if len(w) != len(g) || len(w) != 23 {
			t.Fatalf("%s %s: %d values read back, %d in the files", k.m, k.p, len(g), len(w))
		}
		for i := range w {
			if math.Float64bits(w[i]) != math.Float64bits(g[i]) && !(math.IsNaN(w[i]) && math.IsNaN(g[i])) {
				t.Errorf("%s %s %s: read back %v (%#x), the files hold %v (%#x)", k.m, k.p, got.Subjects[i].ID, g[i], math.Float64bits(g[i]), w[i], math.Float64bits(w[i]))
			}
		}
	}
}

// TestLoadDatasetUncataloguedRow: a metric row whose (period, metric) has
// no catalogued column — which the import never writes — is reported, not
// silently skipped.
func TestLoadDatasetUncataloguedRow(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	rep, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]})
	if err != nil {
		t.Fatal(err)
	}
	var mid, sid int32
	if err := db.x.Get(&mid, `INSERT INTO metric_names (name) VALUES ('stray') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := db.x.Get(&sid, `SELECT id FROM subjects WHERE code = 'd2'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.x.Exec(`INSERT INTO metric_blocks (period, metric_id, block, first_id, vals, import_ids)
VALUES ('2024', $1, $2::integer >> 16, $2, '{1}', ARRAY[$3::bigint])`, mid, sid, rep.ID); err != nil {
		t.Fatal(err)
	}
	p, _ := dataset.ParsePeriod("2024")
	_, err = db.LoadDataset(ctx, p, LoadOptions{})
	want := fmt.Sprintf("row (2024, metric %d, subject %d) has no catalogued column", mid, sid)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadDataset = %v, want an error saying %q", err, want)
	}
}

// TestProgressTo: progress is called with each multiple of a million
// passed, as the row-by-row reader called it.
func TestProgressTo(t *testing.T) {
	var got []int64
	f := func(n int64) { got = append(got, n) }
	progressTo(0, 999_999, f)
	progressTo(999_999, 1_000_000, f)
	progressTo(1_000_000, 3_500_000, f)
	progressTo(3_500_000, 3_600_000, f)
	progressTo(3_600_000, 4_000_000, nil)
	if want := []int64{1_000_000, 2_000_000, 3_000_000}; !slices.Equal(got, want) {
		t.Errorf("progress calls %v, want %v", got, want)
	}
}

// TestLoadDatasetOneSnapshotTwoConnections: the columns read on the second
// connection come from the first one's snapshot: values changed and
// committed by another transaction once the reads have started are not
// seen, in any column.
func TestLoadDatasetOneSnapshotTwoConnections(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	var metrics strings.Builder
	metrics.WriteString("subject,period,metric,value\n")
	for _, s := range []string{"c1", "d1", "d2"} {
		for _, m := range []string{"a", "b", "c", "d"} {
			fmt.Fprintf(&metrics, "%s,2024,%s,1\n", s, m)
		}
	}
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metrics.String()})
	if _, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]}); err != nil {
		t.Fatal(err)
	}
	hooked := false
	testHookSnapshotShared = func() {
		hooked = true
		if _, err := db.x.Exec(`UPDATE metric_blocks SET vals = array_fill(2::float8, ARRAY[array_length(vals, 1)])`); err != nil {
			t.Errorf("changing the values: %v", err)
		}
	}
	defer func() { testHookSnapshotShared = nil }()
	p, _ := dataset.ParsePeriod("2024")
	ds, err := db.LoadDataset(ctx, p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hooked {
		t.Fatal("the columns were not read on two connections")
	}
	for _, m := range []string{"a", "b", "c", "d"} {
		if col := ds.Column(m, p); !slices.Equal(col, []float64{1, 1, 1}) {
			t.Errorf("%s = %v, want the snapshot's [1 1 1]", m, col)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM metrics WHERE value = 2`); n != 12 {
		t.Errorf("%d values changed, want 12 (the change committed)", n)
	}
}

// TestReadColumnsOneConnection: with a pool of one connection the columns
// are read on the transaction's own (no second connection to wait for):
// the same dataset as with two.
func TestReadColumnsOneConnection(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	if _, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]}); err != nil {
		t.Fatal(err)
	}
	p, _ := dataset.ParsePeriod("2024")
	two, err := db.LoadDataset(ctx, p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	one, err := db.LoadDataset(lctx, p, LoadOptions{})
	if err != nil {
		t.Fatalf("LoadDataset on one connection: %v", err)
	}
	for _, m := range two.Metrics() {
		a, b := two.Column(m, p), one.Column(m, p)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Errorf("%s[%d]: %v on one connection, %v on two", m, i, b[i], a[i])
			}
		}
	}
}

// TestReadColumnBlobUnknownSubject: a row whose subject is not in the
// snapshot's index is an error naming it, not a value dropped or written
// elsewhere.
func TestReadColumnBlobUnknownSubject(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	if _, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]}); err != nil {
		t.Fatal(err)
	}
	var mid int32
	if err := db.x.Get(&mid, `SELECT id FROM metric_names WHERE name = 'x'`); err != nil {
		t.Fatal(err)
	}
	var maxID int
	if err := db.x.Get(&maxID, `SELECT max(id) FROM subjects`); err != nil {
		t.Fatal(err)
	}
	index := make([]int32, maxID+1)
	for i := range index {
		index[i] = -1 // no subject known
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	p, _ := dataset.ParsePeriod("2024")
	col := make([]float64, 3)
	err = db.readColumnBlob(ctx, tx, p, mid, index, col, rowCounter(new(int64), nil))
	if err == nil || !strings.Contains(err.Error(), "has no subject") {
		t.Errorf("readColumnBlob with no subject known = %v, want a row with no subject", err)
	}
}
