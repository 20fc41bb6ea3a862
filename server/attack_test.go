package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// browser is a cookie-jar client of the test server that does not follow
// redirects.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser { return &browser{e: e, c: browserClient()} }

// send makes a request with the browser's cookies and extra headers.
func (b *browser) send(method, path string, form url.Values, hdr ...string) *response {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.ts.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: data}
}

// login logs the browser in through the form.
func (b *browser) login(name string) {
	b.e.t.Helper()
	r := b.send("POST", "/login", url.Values{"name": {name}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: %d %s", name, r.status, r.body)
	}
}

// cookie returns the browser's session cookie value.
func (b *browser) cookie() string {
	u, _ := url.Parse(b.e.ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == cookieName {
			return c.Value
		}
	}
	return ""
}

// csrf is the form token of the browser's session, read from a page.
func (b *browser) csrf() string {
	b.e.t.Helper()
	body := string(b.send("GET", "/admin", nil).body)
	_, rest, ok := strings.Cut(body, `name="csrf" value="`)
	if !ok {
		b.e.t.Fatal("no form token on /admin")
	}
	tok, _, _ := strings.Cut(rest, `"`)
	return tok
}

// sendMultipart posts a form with one file, as a browser does.
func (b *browser) sendMultipart(path string, fields map[string]string, file, content string) *response {
	b.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", file)
	fw.Write([]byte(content))
	w.Close()
	req, _ := http.NewRequest("POST", b.e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: data}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("office")
	open := url.Values{"period": {"2030"}, "status": {"open"}}
	if r := b.send("POST", "/admin/periods", open); r.status != http.StatusForbidden {
		t.Errorf("form without token: %d, want 403", r.status)
	}
	bad := url.Values{"period": {"2030"}, "status": {"open"}, "csrf": {"forged"}}
	if r := b.send("POST", "/admin/periods", bad); r.status != http.StatusForbidden {
		t.Errorf("form with a wrong token: %d, want 403", r.status)
	}
	good := url.Values{"period": {"2030"}, "status": {"open"}, "csrf": {b.csrf()}}
	if r := b.send("POST", "/admin/periods", good, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Errorf("cross-origin form with the right token: %d, want 403", r.status)
	}
	if r := b.send("PUT", "/api/v1/periods/2030", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Errorf("cross-origin API call with the cookie: %d, want 403", r.status)
	}
	if _, err := e.db.ServerPeriod(context.Background(), "2030"); err == nil {
		t.Fatal("a refused request opened the period")
	}
	if r := b.send("POST", "/admin/periods", good, "Origin", e.ts.URL, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusSeeOther {
		t.Errorf("same-origin form with the token: %d, want 303", r.status)
	}
	if _, err := e.db.ServerPeriod(context.Background(), "2030"); err != nil {
		t.Errorf("the good form did not open the period: %v", err)
	}
}

func TestSessions(t *testing.T) {
	e := newEnv(t)
	// Fixation: a cookie planted before login is not adopted.
	b := e.browser()
	u, _ := url.Parse(e.ts.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: "attacker-chosen", Path: "/"}})
	b.login("office")
	stolen := b.cookie()
	if stolen == "attacker-chosen" || len(stolen) < 43 {
		t.Fatalf("session cookie after login = %q", stolen)
	}
	r := b.send("GET", "/admin", nil)
	if r.status != 200 {
		t.Fatalf("/admin after login: %d", r.status)
	}
	// Logout, then replay the old cookie from another client.
	if r := b.send("POST", "/logout", url.Values{"csrf": {b.csrf()}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	thief := e.browser()
	thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: stolen, Path: "/"}})
	if r := thief.send("GET", "/admin", nil); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("stolen cookie after logout: %d %s, want a redirect to /login", r.status, r.header.Get("Location"))
	}
	if r := e.do("GET", "/api/v1/me", "", nil, "Cookie", cookieName+"="+stolen); r.status != http.StatusUnauthorized {
		t.Errorf("stolen cookie on the API after logout: %d, want 401", r.status)
	}
	// The cookie's attributes.
	req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader(url.Values{"name": {"office"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := browserClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	// A bearer token works until DELETE /api/v1/sessions/current.
	tok := e.token("police")
	e.must(e.do("GET", "/api/v1/me", tok, nil), 200)
	e.must(e.do("DELETE", "/api/v1/sessions/current", tok, nil), 204)
	e.must(e.do("GET", "/api/v1/me", tok, nil), 401)
	// A cookie is not a bearer token and the reverse.
	e.must(e.do("GET", "/api/v1/me", stolen, nil), 401)
	e.must(e.do("POST", "/api/v1/sessions", "", map[string]string{"name": "office", "password": "wrong password!"}), 401)
	e.must(e.do("POST", "/api/v1/sessions", "", map[string]string{"name": "nobody", "password": "wrong password!"}), 401)
}

func TestXSS(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	for _, p := range []string{"/p/2024", "/p/2024/s/c1"} {
		body := string(e.must(e.do("GET", p, "", nil), 200).body)
		if strings.Contains(body, "<script>") {
			t.Errorf("%s holds an unescaped <script>", p)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the subject's name escaped", p)
		}
	}
	// File content: a subject cell with markup comes back escaped in the
	// provider page's error list.
	b := e.browser()
	b.login("police")
	page := string(b.send("GET", "/provider", nil).body)
	_, rest, _ := strings.Cut(page, `name="csrf" value="`)
	tok, _, _ := strings.Cut(rest, `"`)
	r := b.sendMultipart("/provider", map[string]string{"csrf": tok, "period": "2024"}, "evil.csv", "subject,period,cases\n<img src=x onerror=alert(1)>,2024,3\n")
	if r.status != http.StatusUnprocessableEntity || strings.Contains(string(r.body), "<img src=x") || !strings.Contains(string(r.body), "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("provider upload with markup: %d\n%s", r.status, r.body)
	}
	// The 422 API body names the cell.
	var out struct {
		Errors []cellError
	}
	e.do("PUT", "/api/v1/periods/2024/metrics", e.token("police"), "subject,period,cases\na1,2024,many\n").json(t, &out)
	if len(out.Errors) != 1 || out.Errors[0].Line != 2 || out.Errors[0].Column != 9 || out.Errors[0].Cell != "many" {
		t.Errorf("422 errors = %+v, want line 2 column 9 cell many", out.Errors)
	}
}

func TestInjectionAndTraversal(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	admin := e.token("office")
	var h struct{ Versions []any }
	e.must(e.do("GET", "/api/v1/periods/2024/history?subject="+url.QueryEscape("a1' OR '1'='1")+"&metric=cases", admin, nil), 200).json(t, &h)
	if len(h.Versions) != 0 {
		t.Errorf("SQL in a parameter matched %d versions", len(h.Versions))
	}
	for path, want := range map[string]int{
		"/api/v1/published/2024'%20OR%20'1'='1":                  400,
		"/api/v1/published/2024/subjects/a1'%20OR%20'1'='1":      404,
		"/api/v1/published/..%2F..%2Fetc%2Fpasswd":               400,
		"/p/..%2F..%2Fetc%2Fpasswd":                              400,
		"/p/2024/files/..%2F..%2Fetc%2Fpasswd":                   404,
		"/p/2024/files/results.csv%00.html":                      404,
		"/api/v1/batches/1%20OR%201=1":                           400,
		"/api/v1/batches/..%2F1":                                 400,
		"/api/v1/batches/-1":                                     400,
		"/api/v1/periods/2024%3BDROP%20TABLE%20accounts/metrics": 400,
	} {
		if r := e.do("GET", path, admin, nil); r.status != want {
			t.Errorf("GET %s: %d, want %d (%s)", path, r.status, want, r.body)
		}
	}
	// A file name with a path is recorded as its base name.
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=..%2F..%2Fetc%2Fpasswd", e.token("police"), "subject,period,cases\na1,2024,121\n"), 200)
	hist, err := e.db.History(context.Background(), "2024", "a1", "cases")
	if err != nil || hist[0].File != "passwd" {
		t.Errorf("recorded file = %+v, %v", hist, err)
	}
	if _, err := e.db.Accounts(context.Background()); err != nil {
		t.Errorf("accounts after the attempts: %v", err)
	}
}

func TestBodyLimits(t *testing.T) {
	e := newEnvWith(t, Config{MaxBody: 1 << 20})
	big := strings.Repeat("x", 2<<20)
	if r := e.do("POST", "/api/v1/sessions", "", []byte(`{"name":"`+big+`"}`)); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB login body: %d, want 413", r.status)
	}
	huge := "subject,period,cases\n" + strings.Repeat("a1,2024,1\n", 200_000)
	e.must(e.do("PUT", "/api/v1/periods/2024", e.token("office"), map[string]string{"status": "open"}), 200)
	if r := e.do("PUT", "/api/v1/periods/2024/metrics", e.token("police"), huge); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("%d-byte submission: %d, want 413", len(huge), r.status)
	}
}

// TestThrottledWrongPasswords sends 10,000 wrong passwords for the admin
// from one address: after the burst every attempt is refused with 429
// without checking the password, and the real admin still logs in from
// another address.
func TestThrottledWrongPasswords(t *testing.T) {
	e := newEnv(t)
	var refused, wrong atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := e.do("POST", "/api/v1/sessions", "", map[string]string{"name": "office", "password": fmt.Sprintf("guess number %d", i)})
				switch r.status {
				case http.StatusTooManyRequests:
					refused.Add(1)
				case http.StatusUnauthorized:
					wrong.Add(1)
				default:
					t.Errorf("guess %d: %d", i, r.status)
				}
			}
		}()
	}
	for i := range 10_000 {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if wrong.Load() > int64(e.s.throttle.PairBurst)+2 || refused.Load() < 10_000-int64(e.s.throttle.AddrBurst) {
		t.Errorf("%d checked, %d refused: the throttle let too many through", wrong.Load(), refused.Load())
	}
	// The real admin, from 127.0.0.2.
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	resp, err := c.Post(e.ts.URL+"/api/v1/sessions", "application/json", strings.NewReader(`{"name":"office","password":"`+testPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("the real admin from another address: %d, want 201", resp.StatusCode)
	}
	// From the attacker's address even the right password waits.
	if r := e.do("POST", "/api/v1/sessions", "", map[string]string{"name": "office", "password": testPassword}); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("right password from the throttled address: %d, want 429 with Retry-After", r.status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/", "/api/v1/published", "/login", "/nothing"} {
		r := e.do("GET", p, "", nil)
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", p, r.header)
		}
	}
	if r := e.do("GET", "/nothing", "", nil); r.status != 404 {
		t.Errorf("unknown page: %d", r.status)
	}
	if r := e.do("GET", "/api/v1/nothing", "", nil); r.status != 404 || !strings.Contains(string(r.body), `"error": "not_found"`) {
		t.Errorf("unknown API path: %d %s", r.status, r.body)
	}
}
