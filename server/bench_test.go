package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govscore/govscore/synth"
)

// seededEnv is a test server whose data of record is a synthetic project
// of n subjects and leaves indicators for period, run, approved and
// published.
func seededEnv(b *testing.B, n, leaves int, period string) *env {
	b.Helper()
	e := newEnvOpts(b, Config{}, false)
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "project")
	if err := synth.Write(dir, synth.Config{Subjects: n, Leaves: leaves, Seed: 1, Period: period}); err != nil {
		b.Fatal(err)
	}
	acct, _, err := e.db.AccountByName(ctx, "office")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := SeedProject(ctx, e.db, dir, acct); err != nil {
		b.Fatal(err)
	}
	id := e.runBatch(period)
	e.publish(id)
	return e
}

// quantile is the q-quantile of sorted durations (nearest rank).
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.5) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkLoad is the loopback load test of the issue: 200 concurrent
// clients, each with its own bearer token, submit 20,000 metric values
// (10 files of 10 values each: two subjects' 5 metrics) to an open period
// and, after each submission, read the published ranking of 4,000
// subjects or a subject's explanation. Afterwards every value is stored
// exactly once.
// Run with -benchtime=1x.
func BenchmarkLoad(b *testing.B) {
	const clients, files, perSubject, perFile = 200, 10, 5, 10
	e := seededEnv(b, clients*files*perFile/perSubject, 5, "2023")
	admin := e.token("office")
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	header := "subject,period"
	for m := 1; m <= perSubject; m++ {
		header += fmt.Sprintf(",m%03d", m)
	}
	tokens := make([]string, clients)
	for i := range tokens {
		r := e.must(e.do("POST", "/api/v1/sessions", "", map[string]string{"name": "office", "password": testPassword}), 201)
		var out struct{ Token string }
		r.json(b, &out)
		tokens[i] = out.Token
	}
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for b.Loop() {
		var mu sync.Mutex
		var submit, read []time.Duration
		var wg sync.WaitGroup
		start := time.Now()
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for f := range files {
					n := (i*files + f) * 2
					subj := fmt.Sprintf("s%04d", n+1)
					val := strings.Repeat(fmt.Sprintf(",0.%d", 1+(i+f)%9), perSubject)
					row := subj + ",2024" + val + "\n" + fmt.Sprintf("s%04d", n+2) + ",2024" + val
					t0 := time.Now()
					req, _ := http.NewRequest("PUT", e.ts.URL+"/api/v1/periods/2024/metrics", strings.NewReader(header+"\n"+row+"\n"))
					req.Header.Set("Authorization", "Bearer "+tokens[i])
					resp, err := c.Do(req)
					if err != nil {
						b.Errorf("client %d file %d: %v", i, f, err)
						return
					}
					if resp.StatusCode != 200 {
						msg, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						b.Errorf("client %d file %d: %d %s", i, f, resp.StatusCode, msg)
						return
					}
					resp.Body.Close()
					d := time.Since(t0)
					path := "/p/2023"
					if f%2 == 1 {
						path = "/api/v1/published/2023/subjects/" + subj
					}
					t1 := time.Now()
					resp, err = c.Get(e.ts.URL + path)
					if err != nil || resp.StatusCode != 200 {
						b.Errorf("client %d read %s: %v", i, path, err)
						return
					}
					resp.Body.Close()
					mu.Lock()
					submit = append(submit, d)
					read = append(read, time.Since(t1))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		wall := time.Since(start)
		slices.Sort(submit)
		slices.Sort(read)
		b.ReportMetric(float64(len(submit)*perFile)/wall.Seconds(), "values/s")
		b.ReportMetric(float64(len(submit)+len(read))/wall.Seconds(), "req/s")
		b.ReportMetric(ms(quantile(submit, 0.5)), "submit-p50-ms")
		b.ReportMetric(ms(quantile(submit, 0.99)), "submit-p99-ms")
		b.ReportMetric(ms(quantile(read, 0.5)), "read-p50-ms")
		b.ReportMetric(ms(quantile(read, 0.99)), "read-p99-ms")
	}
	b.StopTimer()
	vals, err := e.db.CurrentValues(context.Background(), "2024", nil)
	if err != nil {
		b.Fatal(err)
	}
	if len(vals) != clients*files*perFile {
		b.Errorf("%d current values, want %d", len(vals), clients*files*perFile)
	}
	var versions int
	for _, v := range vals {
		h, _ := e.db.History(context.Background(), "2024", v.Subject, v.Metric)
		versions += len(h)
		if len(h) != 1 && b.N == 1 {
			b.Errorf("%s %s: %d versions", v.Subject, v.Metric, len(h))
			break
		}
	}
}

// pageLatency requests path n times (b.Loop) after one warm-up request
// (the set cache, the first verification of the batch) and reports the
// p50 and p95 latency; path returns the path of each request.
func pageLatency(b *testing.B, e *env, path func(i int) string) {
	c := &http.Client{}
	get := func(p string) time.Duration {
		t0 := time.Now()
		resp, err := c.Get(e.ts.URL + p)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("GET %s: %v %v", p, err, resp)
		}
		var buf [64 << 10]byte
		for {
			if _, err := resp.Body.Read(buf[:]); err != nil {
				break
			}
		}
		resp.Body.Close()
		return time.Since(t0)
	}
	get(path(0))
	var ds []time.Duration
	i := 0
	for b.Loop() {
		i++
		ds = append(ds, get(path(i)))
	}
	slices.Sort(ds)
	b.ReportMetric(ms(quantile(ds, 0.5)), "p50-ms")
	b.ReportMetric(ms(quantile(ds, 0.95)), "p95-ms")
}

// BenchmarkRankingPage10k reads the published ranking page of 10,000
// subjects (4 peer groups, every subject's rank, score, grade and
// dimension values, rendered from the database on every request) and
// reports the p50 and p95 latency.
func BenchmarkRankingPage10k(b *testing.B) {
	e := seededEnv(b, 10_000, 20, "2024")
	pageLatency(b, e, func(int) string { return "/p/2024" })
}

// BenchmarkSubjectPage10k reads the published explanation pages of
// subjects of a 10,000-subject batch (a different subject each request)
// and reports the p50 and p95 latency.
func BenchmarkSubjectPage10k(b *testing.B) {
	e := seededEnv(b, 10_000, 20, "2024")
	pageLatency(b, e, func(i int) string { return fmt.Sprintf("/p/2024/s/s%05d", 1+(i*7919)%10_000) })
}

// BenchmarkVerifyPublished10k verifies the published batch of 10,000
// subjects as the server does at start and every --verify-every: the
// batch digest recomputed from its rows and every output read back.
func BenchmarkVerifyPublished10k(b *testing.B) {
	e := seededEnv(b, 10_000, 20, "2024")
	ctx := context.Background()
	for b.Loop() {
		if n, err := e.s.verifier.verifyAll(ctx); err != nil || n != 0 {
			b.Fatalf("%d failed, %v", n, err)
		}
	}
}
