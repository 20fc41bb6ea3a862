package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGracefulShutdown stops a listening server while a submission is in
// flight and a batch run is between scoring and storing: the submission
// completes and is stored, the run ends cancelled with nothing stored (a
// new run of the same data then stores its batch), and ListenAndServe
// returns cleanly; the server then refuses connections.
func TestGracefulShutdown(t *testing.T) {
	e := newEnv(t)
	admin, police := e.token("office"), e.token("police")
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", e.token("stats"), statsCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics", police, policeCSV), 200)

	scored := make(chan int64, 1)
	testHookScored = func(ctx context.Context, run int64) {
		scored <- run
		<-ctx.Done() // hold the run until the server stops
	}
	t.Cleanup(func() { testHookScored = nil })

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	s, err := New(ctx, e.db, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{VerifyEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addrc <- a }) }()
	base := "http://" + (<-addrc).String()
	c := &http.Client{}

	// A batch run, held after scoring.
	req, _ := http.NewRequest("POST", base+"/api/v1/batches", strings.NewReader(`{"period":"2024"}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("starting the run: %v %v", err, resp)
	}
	var started struct{ ID int64 }
	json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	run := <-scored

	// A submission whose body is still being sent when the server stops.
	body := strings.Replace(policeCSV, "a1,2024,120", "a1,2024,121", 1)
	pr, pw := io.Pipe()
	req, _ = http.NewRequest("PUT", base+"/api/v1/periods/2024/metrics?file=late.csv", pr)
	req.Header.Set("Authorization", "Bearer "+police)
	req.ContentLength = int64(len(body))
	type result struct {
		status int
		body   string
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := c.Do(req)
		if err != nil {
			resc <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resc <- result{status: resp.StatusCode, body: string(b)}
	}()
	half := len(body) / 2
	if _, err := pw.Write([]byte(body[:half])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the handler is reading the body
	stop()                             // SIGTERM: shutdown begins
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the server stopped with a request in flight: %v", err)
	default:
	}
	if _, err := pw.Write([]byte(body[half:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-resc
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"changed": 1`) {
		t.Fatalf("the in-flight submission: %d %q %v", r.status, r.body, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ListenAndServe: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop")
	}
	if _, err := c.Get(base + "/"); err == nil {
		t.Error("the stopped server still answers")
	}

	// The held run ended cancelled, storing nothing; the submission's
	// value is stored.
	info, err := e.db.Run(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	if run != started.ID || info.Status != "cancelled" || info.BatchID != 0 || !strings.Contains(info.Error, "server stopped") {
		t.Errorf("the run after shutdown: %+v", info)
	}
	if bs, err := e.db.Batches(context.Background()); err != nil || len(bs) != 0 {
		t.Errorf("batches after shutdown: %v %v", bs, err)
	}
	h, err := e.db.History(context.Background(), "2024", "a1", "cases")
	if err != nil || len(h) != 2 || !h[0].Value.Valid || h[0].Value.Float64 != 121 || h[0].File != "late.csv" {
		t.Errorf("history of a1 cases: %+v %v", h, err)
	}
	// Nothing half-stored blocks a new run.
	testHookScored = nil
	e.runBatch("2024")
}
