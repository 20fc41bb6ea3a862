package postgres

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// benchRows is the number of metric rows of BenchmarkImport:
// $GOVSCORE_BENCH_ROWS, default 1 000 000.
func benchRows() int {
	if s := os.Getenv("GOVSCORE_BENCH_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// writeBenchData writes subjects.csv and a long-layout metrics.csv of about
// rows rows (50 metrics per subject, period 2024).
func writeBenchData(b *testing.B, dir string, rows int) (subjects, metrics string) {
	const nm = 50
	ns := max(1, rows/nm)
	subjects = filepath.Join(dir, "subjects.csv")
	metrics = filepath.Join(dir, "metrics.csv")
	sf, _ := os.Create(subjects)
	sw := bufio.NewWriterSize(sf, 1<<20)
	sw.WriteString("id,name,kind,region\n")
	for i := range ns {
		fmt.Fprintf(sw, "s%07d,Subject %d,gov,r%d\n", i, i, i%13)
	}
	sw.Flush()
	sf.Close()
	mf, _ := os.Create(metrics)
	mw := bufio.NewWriterSize(mf, 1<<20)
	mw.WriteString("subject,period,metric,value,source\n")
	x := uint64(42)
	for i := range ns {
		for m := range nm {
			x = x*6364136223846793005 + 1442695040888963407
			fmt.Fprintf(mw, "s%07d,2024,m%02d,%d.%02d,stats\n", i, m, (x>>33)%100000, (x>>20)%100)
		}
	}
	mw.Flush()
	mf.Close()
	return subjects, metrics
}

// BenchmarkImport measures `db import` of a long metrics file against
// `psql \copy` of the same CSV in the same run (into a table with the
// CSV's columns and a primary key on (period, metric, subject), and into
// the same table without an index). It reports rows/s of all three and the
// ratios. psql missing: the baselines are skipped.
func BenchmarkImport(b *testing.B) {
	url := newDatabase(b)
	db, err := Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	rows := benchRows()
	subj, met := writeBenchData(b, b.TempDir(), rows)
	n := (rows / 50) * 50

	// Two baselines, both \copy of the same CSV: into a table with the
	// CSV's columns and a primary key (as metrics has one), and into the
	// same table without any index (the bare speed of COPY).
	var psqlRate, psqlBareRate float64
	if psql, err := exec.LookPath("psql"); err == nil {
		psqlRate = psqlCopy(b, psql, url, met, n, "psql_baseline", ", PRIMARY KEY (period, metric, subject)")
		psqlBareRate = psqlCopy(b, psql, url, met, n, "psql_bare", "")
	}
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		if i > 0 {
			b.StopTimer()
			db.x.Exec(`TRUNCATE metrics, metric_columns, subjects, imports CASCADE`)
			b.StartTimer()
		}
		start := time.Now()
		rep, err := importFiles(context.Background(), db, subj, []string{met})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		if rep.MetricsAdded != int64(n) {
			b.Fatalf("added %d rows, want %d", rep.MetricsAdded, n)
		}
	}
	rate := float64(n) * float64(b.N) / total.Seconds()
	b.ReportMetric(rate, "rows/s")
	// After ResetTimer, which drops metrics reported before it.
	if psqlRate > 0 {
		b.ReportMetric(psqlRate, "psql_rows/s")
		b.ReportMetric(rate/psqlRate, "of_psql")
		b.ReportMetric(psqlBareRate, "psql_bare_rows/s")
		b.ReportMetric(rate/psqlBareRate, "of_psql_bare")
	}
}

// psqlCopy creates table (subject, period, metric, value, source) plus
// extra DDL, runs `psql \copy` of the CSV file met into it and returns the
// rate in rows/s.
func psqlCopy(b *testing.B, psql, url, met string, n int, table, extra string) float64 {
	setup := `DROP TABLE IF EXISTS ` + table + `; CREATE TABLE ` + table + ` (subject text, period text, metric text, value double precision, source text` + extra + `)`
	if out, err := exec.Command(psql, url, "-qc", setup).CombinedOutput(); err != nil {
		b.Fatalf("psql: %v\n%s", err, out)
	}
	start := time.Now()
	cmd := exec.Command(psql, url, "-qc", `\copy `+table+` (subject, period, metric, value, source) FROM '`+met+`' WITH (FORMAT csv, HEADER true)`)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("psql \\copy: %v\n%s", err, out)
	}
	rate := float64(n) / time.Since(start).Seconds()
	if out, err := exec.Command(psql, url, "-qc", `DROP TABLE `+table).CombinedOutput(); err != nil {
		b.Fatalf("psql: %v\n%s", err, out)
	}
	return rate
}
