package server

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
)

// collectAPIRoutes are the API routes of collection, which
// TestCollectAuthorisation covers for every party.
var collectAPIRoutes = []string{"POST /api/v1/tokens", "GET /api/v1/rounds", "POST /api/v1/rounds/{id}/close", "POST /api/v1/questionnaires/{token}"}

// send is e.do with a form (urlencoded, or multipart with a file when
// file is not "") and an optional bearer token; redirects are followed.
func (e *env) send(method, path, token string, form url.Values, file, content string) *response {
	e.t.Helper()
	var body io.Reader
	ct := ""
	switch {
	case file != "":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range form {
			w.WriteField(k, v[0])
		}
		fw, _ := w.CreateFormFile("file", file)
		fw.Write([]byte(content))
		w.Close()
		body, ct = &buf, w.FormDataContentType()
	case form != nil:
		body, ct = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	return e.request(method, path, token, ct, body)
}

// TestCollectAuthorisation calls every route of collection (API and
// pages) as every party: the public gets 401 (or the login page), other
// roles 403, the party the route is for its success status, and rows of
// another party (a draft, a peer round) 404.
func TestCollectAuthorisation(t *testing.T) {
	e := collectEnv(t)
	only := onlyParties
	page := func(m map[string]int) map[string]int { // a GET page sends the public to the login page
		m["public"] = 200
		return m
	}
	everyone := everyParty
	pub := e.openRound(map[string]any{"item": "peer_review", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": 3 * len(parties)})
	peer := e.openRound(map[string]any{"item": "peer_review", "role": "peer", "period": "2024", "subjects": []string{"a1", "a2", "a3"}, "peers": true, "count": 0})
	closing := make([]issued, 2)
	for i := range closing {
		closing[i] = e.openRound(map[string]any{"item": "peer_review", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": 1})
	}
	// police's draft, to be confirmed by police only.
	draftPage := e.send("POST", "/provider/upload", e.token("police"), url.Values{"period": {"2024"}}, "p.csv", "subject,period,cases\na1,2024,121\n")
	_, rest, _ := strings.Cut(string(draftPage.body), `name="draft" value="`)
	draft, _, _ := strings.Cut(rest, `"`)
	tokenN := 0
	nextToken := func() string { tokenN++; return pub.Tokens[tokenN-1] }
	cases := []struct {
		method, path string
		form         func() url.Values
		file         string // multipart with this file content
		want         map[string]int
	}{
		{"POST", "/api/v1/tokens", nil, "", only(201, "office")},
		{"GET", "/api/v1/rounds", nil, "", only(200, "office")},
		{"POST", "/api/v1/rounds/" + itoa(closing[0].Round) + "/close", nil, "", only(200, "office")},
		{"POST", "/api/v1/questionnaires/{token}", nil, "", everyone(201)},
		{"GET", "/provider/template?period=2024", nil, "", page(only(200, "office", "police", "stats"))},
		{"POST", "/provider/upload", func() url.Values { return url.Values{"period": {"2024"}} }, "subject,period,cases\na1,2024,122\n", func() map[string]int {
			m := only(200, "office", "police")
			m["stats"] = 403 // not its metric
			return m
		}()},
		{"POST", "/provider/confirm", func() url.Values { return url.Values{"draft": {draft}} }, "", func() map[string]int {
			m := only(404, "office", "stats") // not their draft
			m["police"] = 200
			return m
		}()},
		{"GET", "/admin/rounds", nil, "", page(only(200, "office"))},
		{"POST", "/admin/rounds", func() url.Values {
			return url.Values{"item": {"peer_review"}, "role": {"public"}, "period": {"2024"}, "subject": {"a1", "b1"}}
		}, "", only(200, "office")}, // 303 to /admin/rounds, followed
		{"POST", "/admin/rounds/" + itoa(pub.Round) + "/tokens", func() url.Values { return url.Values{"count": {"2"}} }, "", only(201, "office")},
		{"POST", "/admin/rounds/" + itoa(pub.Round) + "/tokens.csv", func() url.Values { return url.Values{"token": {pub.Tokens[len(pub.Tokens)-1]}} }, "", only(200, "office")},
		{"POST", "/admin/rounds/" + itoa(closing[1].Round) + "/close", func() url.Values { return url.Values{} }, "", only(200, "office")},
		{"GET", "/assessor", nil, "", page(only(200, "survey"))},
		{"POST", "/assessor", func() url.Values { return url.Values{"period": {"2024"}, "action": {"submit"}} },
			"period,item,subject,rater,role,score\n2024,satisfaction,a1,t1,third_party,80\n", only(200, "survey")},
		{"GET", "/q/{token}", nil, "", everyone(200)},
		{"POST", "/q/{token}", func() url.Values { return url.Values{"action": {"save"}, "a.a1": {"50"}} }, "", everyone(200)},
		{"GET", "/rounds", nil, "", page(only(200, "a1", "b1"))},
		{"GET", "/rounds/" + itoa(peer.Round), nil, "", func() map[string]int {
			m := page(only(200, "a1"))
			m["b1"] = 404 // not a subject of the round
			return m
		}()},
		{"POST", "/rounds/" + itoa(peer.Round), func() url.Values { return url.Values{"action": {"save"}, "a.a2": {"60"}} }, "", func() map[string]int {
			m := only(200, "a1")
			m["b1"] = 404
			return m
		}()},
	}
	for _, c := range cases {
		for _, p := range parties {
			tok := ""
			if p != "public" {
				tok = e.token(p)
			}
			path := c.path
			if strings.Contains(path, "{token}") {
				path = strings.ReplaceAll(path, "{token}", nextToken())
			}
			var r *response
			switch {
			case c.method == "POST" && strings.HasPrefix(path, "/api/v1/tokens"):
				r = e.do("POST", path, tok, map[string]any{"item": "peer_review", "role": "public", "period": "2024", "subjects": []string{"a1"}, "count": 1})
			case strings.HasPrefix(path, "/api/v1/questionnaires/"):
				r = e.do("POST", path, tok, map[string]any{"answers": map[string]float64{"a1": 50}})
			case strings.HasPrefix(path, "/api/"):
				r = e.do(c.method, path, tok, nil)
			case c.form != nil:
				r = e.send(c.method, path, tok, c.form(), map[bool]string{true: "p.csv"}[c.file != ""], c.file)
			default:
				r = e.send(c.method, path, tok, nil, "", "")
			}
			if r.status != c.want[p] {
				t.Errorf("%s %s as %s: %d, want %d (%.300s)", c.method, c.path, p, r.status, c.want[p], strings.TrimSpace(string(r.body)))
			}
			if p == "public" && c.want[p] == 200 && c.method == "GET" && !strings.HasPrefix(c.path, "/q/") && !strings.Contains(string(r.body), `action="/login"`) {
				t.Errorf("GET %s as the public: not the login page", c.path)
			}
		}
	}
	for _, rt := range (&Server{}).collectRoutes() {
		matched := false
		for _, c := range cases {
			p, _, _ := strings.Cut(c.path, "?")
			matched = matched || (c.method == rt.method && routeMatches(rt.path, p))
		}
		if !matched {
			t.Errorf("route %s %s is not in the collection authorisation matrix", rt.method, rt.path)
		}
	}
}

// routeMatches reports whether path matches the route pattern (each
// {param} segment matches any one segment).
func routeMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") || ps[i] == xs[i] {
			continue
		}
		return false
	}
	return true
}
