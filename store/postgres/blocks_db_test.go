package postgres

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestMigrateMetricsToBlocks: migration 0011 moves the rows of the old
// metrics table into blocks: the view metrics shows the same rows (value
// bit for bit, NULL values, sources, import ids), subject ids on both
// sides of a block boundary and with gaps.
func TestMigrateMetricsToBlocks(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The schema as it was before 0011.
	if _, err := db.x.Exec(sqlCreateMigrations); err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations() {
		if m.version >= 11 {
			break
		}
		if _, err := db.x.Exec(m.sql); err != nil {
			t.Fatalf("migration %d: %v", m.version, err)
		}
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.x.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, m := range migrations() {
		if m.version < 11 {
			exec(`INSERT INTO govscore_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
		}
	}
	exec(`CREATE TABLE metrics_y2024 PARTITION OF metrics FOR VALUES FROM ('2024') TO ('2024~')`)
	exec(`INSERT INTO imports (files, sha256) VALUES ('[]', 'a'), ('[]', 'b')`)
	exec(`INSERT INTO metric_names (name) VALUES ('x'), ('y')`)
	exec(`INSERT INTO metric_columns VALUES ('2024', 1), ('2024', 2), ('2024-Q1', 1)`)
	type row struct {
		period      string
		metric, sid int32
		value       *float64
		source      *string
		imp         int64
	}
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	rows := []row{
		{"2024", 1, 3, f(1.5), s("bureau"), 1},
		{"2024", 1, 5, nil, nil, 1},                                // a given missing value, a gap before it
		{"2024", 1, blockIDs - 1, f(math.Copysign(0, -1)), nil, 2}, // the last id of block 0
		{"2024", 1, blockIDs, f(5e-324), s(`tab	"q" \N {x,y}`), 2}, // the first of block 1
		{"2024", 1, blockIDs + 7, f(math.MaxFloat64), nil, 1},
		{"2024", 2, 4, f(0.30000000000000004), nil, 2},
		{"2024-Q1", 1, 4, f(-1e300), s("统计局"), 1},
	}
	for _, r := range rows {
		exec(`INSERT INTO metrics (period, metric_id, subject_id, value, source, import_id, loaded_at) VALUES ($1, $2, $3, $4, $5, $6, now())`,
			r.period, r.metric, r.sid, r.value, r.source, r.imp)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != 11 {
		t.Fatalf("applied %v, want 11 first", applied)
	}
	if n := count(t, db, `SELECT count(*) FROM metric_blocks`); n != 4 {
		t.Errorf("%d blocks, want 4 (x 2024 in blocks 0 and 1, y 2024, x 2024-Q1)", n)
	}
	got := map[string]row{}
	q, err := db.x.Query(`SELECT period, metric_id, subject_id, value, source, import_id FROM metrics`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var r row
		if err := q.Scan(&r.period, &r.metric, &r.sid, &r.value, &r.source, &r.imp); err != nil {
			t.Fatal(err)
		}
		got[fmt.Sprint(r.period, r.metric, r.sid)] = r
	}
	if len(got) != len(rows) {
		t.Errorf("the view has %d rows, want %d: %v", len(got), len(rows), got)
	}
	for _, w := range rows {
		g, ok := got[fmt.Sprint(w.period, w.metric, w.sid)]
		switch {
		case !ok:
			t.Errorf("%+v: not in the view", w)
		case (g.value == nil) != (w.value == nil) || g.value != nil && math.Float64bits(*g.value) != math.Float64bits(*w.value):
			t.Errorf("%+v: value %v", w, g.value)
		case (g.source == nil) != (w.source == nil) || g.source != nil && *g.source != *w.source:
			t.Errorf("%+v: source %v", w, g.source)
		case g.imp != w.imp:
			t.Errorf("%+v: import %d", w, g.imp)
		}
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after the migration: %v", err)
	}
}

// TestImportBlocksTextAndBinary: the blocks an import stores are the same
// whether they go in COPY's binary format or its text format (the
// fallback), for values that need 17 digits, extremes, missing values and
// sources in need of escaping (genGiven); importing the same data again,
// in either format, changes nothing and reports every cell unchanged.
func TestImportBlocksTextAndBinary(t *testing.T) {
	ctx := context.Background()
	ds, given := genGiven(500, 3)
	cells := 0
	for _, g := range given.Columns() {
		cells += g.Len()
	}
	dump := func(db *DB) []string {
		var out []string
		if err := db.x.Select(&out, `SELECT concat_ws(' ', period, metric_id, block, first_id, vals::text, import_ids::text, sources::text)
FROM metric_blocks ORDER BY period, metric_id, block`); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var dumps [2][]string
	for k, text := range []bool{false, true} {
		db := open(t)
		textCopyOnly = text
		rep, err := db.Import(ctx, ds, given, nil, ImportOptions{})
		if err == nil && rep.MetricsAdded != int64(cells) {
			t.Errorf("text %v: %d cells added, want %d", text, rep.MetricsAdded, cells)
		}
		if err == nil {
			rep, err = db.Import(ctx, ds, given, nil, ImportOptions{})
		}
		textCopyOnly = false
		if err != nil {
			t.Fatalf("text %v: %v", text, err)
		}
		if rep.MetricsUnchanged != int64(cells) || rep.MetricsAdded+rep.MetricsChanged != 0 {
			t.Errorf("text %v: the second import %+v, want %d unchanged", text, rep, cells)
		}
		if n := count(t, db, `SELECT count(*) FROM metrics`); n != cells {
			t.Errorf("text %v: the view shows %d cells, want %d", text, n, cells)
		}
		dumps[k] = dump(db)
	}
	if fmt.Sprint(dumps[0]) != fmt.Sprint(dumps[1]) {
		t.Errorf("the blocks differ:\nbinary %v\ntext   %v", dumps[0], dumps[1])
	}
}

// TestImportCorruptStoredBlock: an import that merges into a stored block
// the importer did not write as it writes them (its import ids no longer
// saying which subjects have a cell) fails naming the block, and stores
// nothing.
func TestImportCorruptStoredBlock(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	ds, given := genGiven(200, 4)
	if _, err := db.Import(ctx, ds, given, nil, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.x.Exec(`UPDATE metric_blocks SET import_ids = array_fill(7::bigint, ARRAY[array_length(vals, 1)])
WHERE (period, metric_id, block) = (SELECT period, metric_id, block FROM metric_blocks ORDER BY 1, 2, 3 LIMIT 1)
	AND EXISTS (SELECT 1 FROM unnest(vals) v WHERE v IS NULL)`); err != nil {
		t.Fatal(err)
	}
	imports := count(t, db, `SELECT count(*) FROM imports`)
	_, err := db.Import(ctx, ds, given, nil, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "stored block") {
		t.Fatalf("import over a corrupt block: %v, want an error naming the stored block", err)
	}
	if n := count(t, db, `SELECT count(*) FROM imports`); n != imports {
		t.Errorf("%d imports after the failed one, want %d", n, imports)
	}
}
