package server

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// parties are the callers of the authorisation matrix: the public (no
// token), and one account per party, with a second provider and subject
// for other parties' rows.
var parties = []string{"public", "office", "police", "stats", "a1", "b1", "survey"}

// onlyParties is the statuses of a route for who: status for them, 401
// for the public and 403 for every other party.
func onlyParties(status int, who ...string) map[string]int {
	m := map[string]int{"public": 401}
	for _, p := range parties[1:] {
		m[p] = 403
	}
	for _, p := range who {
		m[p] = status
	}
	return m
}

// everyParty is the statuses of a route that answers every party,
// the public too, with status.
func everyParty(status int) map[string]int {
	m := map[string]int{}
	for _, p := range parties {
		m[p] = status
	}
	return m
}

// TestAuthorisationMatrix calls every API route as every party and checks
// 401 (not logged in), 403 (role or row not theirs) or the route's
// success status; own rows succeed and other parties' rows are refused.
func TestAuthorisationMatrix(t *testing.T) {
	e := newEnv(t)
	run := e.cycle()
	e.useRatedSet() // an assessment item, for the ratings routes
	yaml, err := os.ReadFile("testdata/indicators_rated.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ok := onlyParties
	everyone := everyParty
	id := itoa(run)
	cases := []struct {
		route string // the route table entry it exercises
		path  string
		body  func(party string) any
		want  map[string]int
	}{
		{"GET /api/v1/me", "/api/v1/me", nil, ok(200, "office", "police", "stats", "a1", "b1", "survey")},
		{"GET /api/v1/accounts", "/api/v1/accounts", nil, ok(200, "office")},
		{"POST /api/v1/accounts", "/api/v1/accounts", func(p string) any {
			return map[string]any{"name": "new-" + p, "role": "provider", "provider": "police", "password": testPassword}
		}, ok(201, "office")},
		{"PUT /api/v1/set", "/api/v1/set", func(string) any { return yaml }, ok(200, "office")},
		{"GET /api/v1/periods", "/api/v1/periods", nil, ok(200, "office", "police", "stats", "a1", "b1", "survey")},
		{"PUT /api/v1/periods/{period}", "/api/v1/periods/2025", func(string) any { return map[string]string{"status": "open"} }, ok(200, "office")},
		{"GET /api/v1/periods/{period}/metrics", "/api/v1/periods/2024/metrics", nil, ok(200, "office", "police", "stats")},
		// Own rows: police submits cases; stats may not (other's rows).
		{"PUT /api/v1/periods/{period}/metrics", "/api/v1/periods/2024/metrics", func(string) any { return policeCSV }, ok(200, "office", "police")},
		{"PUT /api/v1/periods/{period}/metrics", "/api/v1/periods/2024/metrics", func(string) any { return statsCSV }, ok(200, "office", "stats")},
		{"GET /api/v1/periods/{period}/history", "/api/v1/periods/2024/history?subject=a1&metric=cases", nil, ok(200, "office")},
		{"GET /api/v1/periods/{period}/ratings", "/api/v1/periods/2024/ratings", nil, ok(200, "office", "survey")},
		// Own rows: the assessor rates as third_party; another role's
		// ratings are not its to give.
		{"PUT /api/v1/periods/{period}/ratings", "/api/v1/periods/2024/ratings", func(string) any { return ratingsCSV }, ok(200, "office", "survey")},
		{"PUT /api/v1/periods/{period}/ratings", "/api/v1/periods/2024/ratings", func(string) any {
			return strings.ReplaceAll(strings.ReplaceAll(ratingsCSV, "third_party", "public"), "firm", "crowd")
		}, ok(200, "office")},
		{"GET /api/v1/periods/{period}/ratings/history", "/api/v1/periods/2024/ratings/history?item=satisfaction&subject=a1", nil, ok(200, "office")},
		{"POST /api/v1/batches", "/api/v1/batches", func(string) any { return map[string]string{"period": "2024"} }, ok(202, "office")},
		{"GET /api/v1/batches/{id}", "/api/v1/batches/" + id, nil, ok(200, "office")},
		{"POST /api/v1/batches/{id}/cancel", "/api/v1/batches/" + id + "/cancel", nil, ok(409, "office")},
		{"POST /api/v1/batches/{id}/approve", "/api/v1/batches/" + id + "/approve", nil, ok(409, "office")},
		{"POST /api/v1/batches/{id}/publish", "/api/v1/batches/" + id + "/publish", nil, ok(409, "office")},
		// Own rows: a1 reads a1, not b1's.
		{"GET /api/v1/subjects/{subject}/explanation", "/api/v1/subjects/a1/explanation", nil, ok(200, "office", "a1")},
		{"GET /api/v1/subjects/{subject}/explanation", "/api/v1/subjects/b1/explanation", nil, ok(200, "office", "b1")},
		{"GET /api/v1/audit", "/api/v1/audit", nil, ok(200, "office")},
		{"GET /api/v1/published", "/api/v1/published", nil, everyone(200)},
		{"GET /api/v1/published/{period}", "/api/v1/published/2024", nil, everyone(200)},
		{"GET /api/v1/published/{period}/diff", "/api/v1/published/2024/diff", nil, everyone(200)},
		{"GET /api/v1/published/{period}/subjects/{subject}", "/api/v1/published/2024/subjects/a1", nil, everyone(200)},
		{"GET /api/v1/openapi.json", "/api/v1/openapi.json", nil, everyone(200)},
	}
	covered := map[string]bool{"POST /api/v1/sessions": true, "DELETE /api/v1/sessions/current": true} // TestSessions
	// The routes of collection: TestCollectAuthorisation.
	for _, k := range collectAPIRoutes {
		covered[k] = true
	}
	for _, c := range cases {
		covered[c.route] = true
		method, _, _ := strings.Cut(c.route, " ")
		for _, p := range parties {
			tok := ""
			if p != "public" {
				tok = e.token(p)
			}
			var body any
			if c.body != nil {
				body = c.body(p)
			}
			r := e.do(method, c.path, tok, body)
			if r.status != c.want[p] {
				t.Errorf("%s %s as %s: %d, want %d (%s)", method, c.path, p, r.status, c.want[p], strings.TrimSpace(string(r.body)))
			}
		}
	}
	// TestAppealAuthorisation checks the routes of appealRoutes.
	for _, k := range appealRoutesTested {
		covered[k] = true
	}
	for _, rt := range (&Server{}).routeTable() {
		if k := rt.method + " " + rt.path; strings.HasPrefix(rt.path, "/api/") && !covered[k] {
			t.Errorf("route %s is not in the authorisation matrix", k)
		}
	}
	// A provider reads only its own metrics.
	r := e.must(e.do("GET", "/api/v1/periods/2024/metrics", e.token("police"), nil), 200)
	for _, line := range strings.Split(strings.TrimSpace(string(r.body)), "\n")[1:] {
		if f := strings.Split(line, ","); f[2] != "cases" {
			t.Errorf("police reads %q", line)
		}
	}
	if n := strings.Count(string(r.body), "\n"); n != 6 {
		t.Errorf("police reads %d lines, want header + 5", n)
	}
	// Pages: the admin pages refuse other roles and send the public to
	// the login page.
	for _, p := range []string{"/admin", "/admin/audit", "/admin/history?period=2024&subject=a1&metric=cases",
		"/admin/ratings", "/admin/ratings/history?period=2024&item=satisfaction&subject=a1"} {
		for _, party := range parties {
			tok := ""
			if party != "public" {
				tok = e.token(party)
			}
			r := e.do("GET", p, tok, nil)
			want := map[bool]int{true: 200, false: 403}[party == "office"]
			if party == "public" {
				want = http.StatusOK // redirected to /login and followed
				if !strings.Contains(string(r.body), `action="/login"`) {
					t.Errorf("GET %s as the public: not the login page", p)
				}
			}
			if r.status != want {
				t.Errorf("GET %s as %s: %d, want %d", p, party, r.status, want)
			}
		}
	}
}
