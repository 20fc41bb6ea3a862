package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/store/postgres"
)

// testDatabase creates an empty database for one test, dropped when it
// ends, and returns its URL; it skips without a server (fails under CI).
func testDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("GOVSCORE_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GOVSCORE_TEST_DATABASE_URL is empty and CI=true: the PostgreSQL tests must run")
		}
		t.Skip("GOVSCORE_TEST_DATABASE_URL is empty: skipping PostgreSQL tests (scripts/test sets it)")
	}
	var b [6]byte
	rand.Read(b[:])
	name := "govscore_test_" + hex.EncodeToString(b[:])
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// passwords of the test accounts.
const testPassword = "correct horse battery"

// testAccounts are the accounts of every test server: one per party, and
// a second provider and subject for "other's rows".
var testAccounts = []AccountSpec{
	{Name: "office", Role: "admin"},
	{Name: "police", Role: "provider", Provider: "police"},
	{Name: "stats", Role: "provider", Provider: "stats"},
	{Name: "a1", Role: "subject", Subject: "a1"},
	{Name: "b1", Role: "subject", Subject: "b1"},
	{Name: "survey", Role: "assessor", Items: []string{"satisfaction"}},
}

// env is a running test server on its own database, holding the subjects
// and indicator set of testdata and the testAccounts.
type env struct {
	t      testing.TB
	db     *postgres.DB
	s      *Server
	ts     *httptest.Server
	tokens map[string]string
}

func newEnv(t testing.TB) *env { return newEnvWith(t, Config{}) }

// newEnvWith is newEnv with a server configuration.
func newEnvWith(t testing.TB, cfg Config) *env { return newEnvOpts(t, cfg, true) }

// newEnvOpts is newEnvWith; without testdata it holds the accounts only.
func newEnvOpts(t testing.TB, cfg Config, testdata bool) *env {
	t.Helper()
	return newEnvLog(t, cfg, testdata, io.Discard)
}

// newEnvLog is newEnvOpts with the server's log written to logs (JSON,
// debug level).
func newEnvLog(t testing.TB, cfg Config, testdata bool, logs io.Writer) *env {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, testDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if testdata {
		yaml, err := os.ReadFile("testdata/indicators.yaml")
		if err != nil {
			t.Fatal(err)
		}
		set, err := UseSet(ctx, db, "indicators.yaml", yaml, "setup")
		if err != nil {
			t.Fatal(err)
		}
		data, err := batch.LoadData(batch.Files{Subjects: "testdata/subjects.csv"}, set)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Import(ctx, data.Dataset, data.Given, data.Ratings, postgres.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range testAccounts {
		a.Password = testPassword
		if err := AddAccount(ctx, db, a, "setup"); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(ctx, db, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return &env{t: t, db: db, s: s, ts: ts, tokens: map[string]string{}}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v.
func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d body %q: %v", r.status, r.body, err)
	}
}

// do sends a request with an optional bearer token; a body that is not
// []byte or string is sent as JSON.
func (e *env) do(method, path, token string, body any, hdr ...string) *response {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "text/csv"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/octet-stream"
	default:
		js, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(js), "application/json"
	}
	return e.request(method, path, token, ct, rd, hdr...)
}

// request sends a body of content type ct (none when "") with an optional
// bearer token and header pairs hdr, and reads the whole response.
func (e *env) request(method, path, token, ct string, body io.Reader, hdr ...string) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// token logs name in through the API (once) and returns its bearer token.
func (e *env) token(name string) string {
	e.t.Helper()
	if tok, ok := e.tokens[name]; ok {
		return tok
	}
	r := e.do("POST", "/api/v1/sessions", "", map[string]string{"name": name, "password": testPassword})
	if r.status != http.StatusCreated {
		e.t.Fatalf("login %s: %d %s", name, r.status, r.body)
	}
	var out struct{ Token string }
	r.json(e.t, &out)
	e.tokens[name] = out.Token
	return out.Token
}

// must checks a response's status.
func (e *env) must(r *response, status int) *response {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// Data of the test cycle: police submits cases, stats the rest.
const (
	policeCSV = "subject,period,cases\na1,2024,120\na2,2024,80\na3,2024,200\nb1,2024,30\nb2,2024,45\n"
	statsCSV  = "subject,period,metric,value\na1,2024,residents,100000\na2,2024,residents,90000\na3,2024,residents,150000\nb1,2024,residents,40000\nb2,2024,residents,50000\n" +
		"a1,2024,satisfied,0.9\na2,2024,satisfied,85%\na3,2024,satisfied,0.7\nb1,2024,satisfied,0.8\nb2,2024,satisfied,NA\n"
)

// cycle opens 2024, submits the test data, runs, approves and publishes a
// batch; it returns the run id.
func (e *env) cycle() int64 {
	e.t.Helper()
	admin := e.token("office")
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=police.csv", e.token("police"), policeCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=stats.csv", e.token("stats"), statsCSV), 200)
	id := e.runBatch("2024")
	e.publish(id)
	return id
}

// publish approves and publishes batch id as the admin.
func (e *env) publish(id int64) {
	e.t.Helper()
	admin := e.token("office")
	e.must(e.do("POST", "/api/v1/batches/"+itoa(id)+"/approve", admin, nil), 200)
	e.must(e.do("POST", "/api/v1/batches/"+itoa(id)+"/publish", admin, nil), 200)
}

// runBatch starts a batch of period and waits until it is stored.
func (e *env) runBatch(period string) int64 {
	e.t.Helper()
	admin := e.token("office")
	var out struct{ ID int64 }
	e.must(e.do("POST", "/api/v1/batches", admin, map[string]string{"period": period}), 202).json(e.t, &out)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var st struct {
			Status string
			Error  string
		}
		e.must(e.do("GET", "/api/v1/batches/"+itoa(out.ID), admin, nil), 200).json(e.t, &st)
		switch st.Status {
		case "draft":
			return out.ID
		case "failed", "cancelled":
			e.t.Fatalf("batch %d %s: %s", out.ID, st.Status, st.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("batch %d did not finish", out.ID)
	return 0
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// browserClient is an HTTP client with a cookie jar that does not follow
// redirects (tests look at them).
func browserClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
