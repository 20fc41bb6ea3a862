package server

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"
)

// appealRoutesTested are the API routes of appealRoutes, whose
// authorisation TestAppealAuthorisation checks (TestAuthorisationMatrix
// counts them as covered).
var appealRoutesTested = []string{
	"GET /api/v1/periods/{period}/appeal-window", "PUT /api/v1/periods/{period}/appeal-window",
	"GET /api/v1/periods/{period}/gaming", "GET /api/v1/appeals", "POST /api/v1/appeals",
	"GET /api/v1/appeals/{id}", "GET /api/v1/appeals/{id}/attachment",
	"POST /api/v1/appeals/{id}/decision", "POST /api/v1/appeals/{id}/recompute",
}

// TestAppealAuthorisation calls every route of appealRoutes, API and
// pages, as every party: 401 for the public on the API (the login page
// for pages), 403 for the roles not admitted and for another subject's
// appeal, success for the admitted.
func TestAppealAuthorisation(t *testing.T) {
	e := newEnv(t)
	e.cycle()
	e.openWindow("2024")
	fileAs := func(who string, att bool) string {
		b := map[string]any{"period": "2024", "target": map[string]string{"metric": "cases"}, "reason": "r"}
		if att {
			b["attachment"] = map[string]string{"name": "a.png", "data": base64.StdEncoding.EncodeToString(pngFile)}
		}
		var ap appealOut
		e.must(e.do("POST", "/api/v1/appeals", e.token(who), b), 201).json(t, &ap)
		return itoa(ap.ID)
	}
	own := fileAs("a1", true)     // a1's, with an attachment
	apiDec := fileAs("a1", false) // decided through the API
	pageDec := fileAs("a1", false)
	ok := onlyParties
	now := time.Now().UTC()
	window := map[string]string{"opens_at": now.Add(-time.Hour).Format(time.RFC3339), "closes_at": now.Add(time.Hour).Format(time.RFC3339)}
	accounts := []string{"office", "police", "stats", "a1", "b1", "survey"}
	api := []struct {
		route, path string
		body        any
		want        map[string]int
	}{
		{"GET /api/v1/periods/{period}/appeal-window", "/api/v1/periods/2024/appeal-window", nil, ok(200, accounts...)},
		{"PUT /api/v1/periods/{period}/appeal-window", "/api/v1/periods/2024/appeal-window", window, ok(200, "office")},
		{"GET /api/v1/periods/{period}/gaming", "/api/v1/periods/2024/gaming", nil, ok(200, "office")},
		{"GET /api/v1/appeals", "/api/v1/appeals", nil, ok(200, "office", "a1", "b1")},
		{"POST /api/v1/appeals", "/api/v1/appeals", map[string]any{"period": "2024", "target": map[string]string{"metric": "cases"}, "reason": "r"}, ok(201, "a1", "b1")},
		// Own rows: a1's appeal is a1's and the admin's, not b1's.
		{"GET /api/v1/appeals/{id}", "/api/v1/appeals/" + own, nil, ok(200, "office", "a1")},
		{"GET /api/v1/appeals/{id}/attachment", "/api/v1/appeals/" + own + "/attachment", nil, ok(200, "office", "a1")},
		{"POST /api/v1/appeals/{id}/decision", "/api/v1/appeals/" + apiDec + "/decision", map[string]any{"accept": false, "reason": "no"}, ok(200, "office")},
		{"POST /api/v1/appeals/{id}/recompute", "/api/v1/appeals/" + apiDec + "/recompute", nil, ok(202, "office")},
	}
	for _, c := range api {
		method, _, _ := strings.Cut(c.route, " ")
		for _, p := range parties {
			tok := ""
			if p != "public" {
				tok = e.token(p)
			}
			if r := e.do(method, c.path, tok, c.body); r.status != c.want[p] {
				t.Errorf("%s %s as %s: %d, want %d (%s)", method, c.path, p, r.status, c.want[p], strings.TrimSpace(string(r.body)))
			}
		}
	}
	for _, k := range appealRoutesTested {
		found := false
		for _, c := range api {
			found = found || c.route == k
		}
		if !found {
			t.Errorf("%s is not exercised", k)
		}
	}
	// Pages (bearer tokens: no form token needed; redirects followed).
	form := func(v url.Values) any { return v.Encode() }
	login := 200 // the public is sent to the login page (GET) …
	pages := []struct {
		method, path string
		body         any
		want         map[string]int
	}{
		{"GET", "/appeals", nil, ok(200, "office", "a1", "b1")},
		{"POST", "/appeals", form(url.Values{"period": {"2024"}, "target": {"metric:cases"}, "reason": {"form"}}), ok(200, "a1", "b1")},
		{"GET", "/appeals/" + own, nil, ok(200, "office", "a1")},
		{"POST", "/appeals/" + pageDec + "/decision", form(url.Values{"accept": {"0"}, "reason": {"no"}}), ok(200, "office")},
		{"POST", "/appeals/" + pageDec + "/recompute", form(nil), ok(200, "office")},
		{"POST", "/admin/appeal-window", form(url.Values{"period": {"2024"}, "opens_at": {now.Add(-time.Hour).Format("2006-01-02T15:04")},
			"closes_at": {now.Add(time.Hour).Format("2006-01-02T15:04")}}), ok(200, "office")},
		{"GET", "/admin/gaming?period=2024", nil, ok(200, "office")},
	}
	for _, c := range pages {
		if c.method == "GET" {
			c.want["public"] = login
		}
		for _, p := range parties {
			tok := ""
			if p != "public" {
				tok = e.token(p)
			}
			r := e.do(c.method, c.path, tok, c.body, "Content-Type", "application/x-www-form-urlencoded")
			if r.status != c.want[p] {
				t.Errorf("%s %s as %s: %d, want %d", c.method, c.path, p, r.status, c.want[p])
			}
			if p == "public" && c.method == "GET" && !strings.Contains(string(r.body), `action="/login"`) {
				t.Errorf("GET %s as the public: not the login page", c.path)
			}
		}
	}
	// The route table's /api routes of appeals are all in the list.
	for _, rt := range (&Server{}).appealRoutes() {
		k := rt.method + " " + rt.path
		if strings.HasPrefix(rt.path, "/api/") && !strings.Contains(strings.Join(appealRoutesTested, "|"), k) {
			t.Errorf("%s is missing from appealRoutesTested", k)
		}
	}
}
