package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkQuestionnaires: 200 concurrent clients on loopback submit
// 2,000 questionnaires (10 each, 5 answers each) through the form a
// phone posts (POST /q/{token}); each client also sends its first token
// twice at once. Every questionnaire is stored exactly once (2,000
// sealed, 200 duplicates refused with 409), and closing the round stores
// 10,000 ratings in one submission. Run with -benchtime=1x.
func BenchmarkQuestionnaires(b *testing.B) {
	const clients, each = 200, 10
	for b.Loop() {
		b.StopTimer()
		e := collectEnv(b)
		round := e.openRound(map[string]any{"item": "peer_review", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": clients * each})
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		var mu sync.Mutex
		var lat []time.Duration
		var ok, dup, other atomic.Int64
		post := func(tok string, k int) {
			form := url.Values{"action": {"submit"}}
			for j, s := range fiveSubjects {
				form.Set("a."+s, fmt.Sprint(40+(k+j)%60))
			}
			t0 := time.Now()
			resp, err := c.Post(e.ts.URL+"/q/"+tok, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			if err != nil {
				b.Error(err)
				other.Add(1)
				return
			}
			resp.Body.Close()
			d := time.Since(t0)
			switch resp.StatusCode {
			case 200:
				ok.Add(1)
			case 409:
				dup.Add(1)
			default:
				other.Add(1)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range each {
					tok := round.Tokens[i*each+k]
					if k == 0 { // the same token twice at once
						var twice sync.WaitGroup
						twice.Add(1)
						go func() { defer twice.Done(); post(tok, i) }()
						post(tok, i)
						twice.Wait()
						continue
					}
					post(tok, i*each+k)
				}
			}()
		}
		wg.Wait()
		wall := time.Since(start)
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(ok.Load())/wall.Seconds(), "questionnaires/s")
		b.ReportMetric(ms(quantile(lat, 0.5)), "p50-ms")
		b.ReportMetric(ms(quantile(lat, 0.99)), "p99-ms")
		b.ReportMetric(wall.Seconds(), "wall-s")
		if ok.Load() != clients*each || dup.Load() != clients || other.Load() != 0 {
			b.Errorf("%d stored, %d refused as duplicates, %d other; want %d, %d, 0", ok.Load(), dup.Load(), other.Load(), clients*each, clients)
		}
		rd, err := e.db.RoundByID(context.Background(), round.Round)
		if err != nil {
			b.Fatal(err)
		}
		if rd.Submitted != clients*each {
			b.Errorf("%d questionnaires marked submitted, want %d", rd.Submitted, clients*each)
		}
		t0 := time.Now()
		var rep struct{ Added int }
		e.must(e.do("POST", "/api/v1/rounds/"+itoa(round.Round)+"/close", e.token("office"), nil), 200).json(b, &rep)
		b.ReportMetric(ms(time.Since(t0)), "close-ms")
		if rep.Added != clients*each*len(fiveSubjects) {
			b.Errorf("closing stored %d ratings, want %d", rep.Added, clients*each*len(fiveSubjects))
		}
		cur, err := e.db.CurrentRatings(context.Background(), "2024")
		if err != nil {
			b.Fatal(err)
		}
		if len(cur) != clients*each*len(fiveSubjects) {
			b.Errorf("%d current ratings, want %d", len(cur), clients*each*len(fiveSubjects))
		}
		b.StartTimer()
	}
}
