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
// CSV's columns and a primary key on (subject, period, metric)). It reports
// rows/s of both and the ratio. psql missing: the baseline is skipped.
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

	var psqlRate float64
	if psql, err := exec.LookPath("psql"); err == nil {
		setup := `DROP TABLE IF EXISTS psql_baseline; CREATE TABLE psql_baseline (subject text, period text, metric text, value double precision, source text, PRIMARY KEY (period, metric, subject))`
		if out, err := exec.Command(psql, url, "-qc", setup).CombinedOutput(); err != nil {
			b.Fatalf("psql: %v\n%s", err, out)
		}
		start := time.Now()
		cmd := exec.Command(psql, url, "-qc", `\copy psql_baseline (subject, period, metric, value, source) FROM '`+met+`' WITH (FORMAT csv, HEADER true)`)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("psql \\copy: %v\n%s", err, out)
		}
		psqlRate = float64(n) / time.Since(start).Seconds()
		b.ReportMetric(psqlRate, "psql_rows/s")
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
		rep, err := db.Import(context.Background(), ImportFiles{Subjects: subj, Metrics: []string{met}}, ImportOptions{})
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
	if psqlRate > 0 {
		b.ReportMetric(rate/psqlRate, "of_psql")
	}
}
