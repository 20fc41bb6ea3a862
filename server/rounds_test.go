package server

import (
	"encoding/base64"
	"fmt"
	"html"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/govscore/govscore/reports"
)

// collectEnv is a test server with testdata/indicators_collect.yaml in
// force (an item peer_review with roles public, peer and self), period 2024
// open and the metrics of the test cycle submitted.
func collectEnv(t testing.TB) *env {
	e := newEnv(t)
	yaml, err := os.ReadFile("testdata/indicators_collect.yaml")
	if err != nil {
		t.Fatal(err)
	}
	admin := e.token("office")
	e.must(e.do("PUT", "/api/v1/set", admin, yaml), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024", admin, map[string]string{"status": "open"}), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=police.csv", e.token("police"), policeCSV), 200)
	e.must(e.do("PUT", "/api/v1/periods/2024/metrics?file=stats.csv", e.token("stats"), statsCSV), 200)
	return e
}

// issued is the answer of POST /api/v1/tokens.
type issued struct {
	Round  int64
	Tokens []string
	URLs   []string
}

// openRound opens a round through the API and returns its tokens.
func (e *env) openRound(spec map[string]any) issued {
	e.t.Helper()
	var out issued
	e.must(e.do("POST", "/api/v1/tokens", e.token("office"), spec), 201).json(e.t, &out)
	return out
}

var fiveSubjects = []string{"a1", "a2", "a3", "b1", "b2"}

// addSubjectAccount creates the subject account of subject id (named id).
func (e *env) addSubjectAccount(id string) {
	e.t.Helper()
	e.must(e.do("POST", "/api/v1/accounts", e.token("office"), map[string]any{"name": id, "role": "subject", "subject": id, "password": testPassword}), 201)
}

// TestRatingRound: tokens are issued once, a questionnaire is saved and
// resumed, checked against the scale, submitted once (409 after, and one
// of ten concurrent submissions stores); subject accounts rate their peers
// and themselves; closing stores every answer as a rating in one
// submission, and a closed round takes nothing more.
func TestRatingRound(t *testing.T) {
	e := collectEnv(t)
	pub := e.openRound(map[string]any{"item": "peer_review", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": 4})
	if len(pub.Tokens) != 4 || !strings.HasSuffix(pub.URLs[0], "/q/"+pub.Tokens[0]) {
		t.Fatalf("tokens: %+v", pub)
	}
	// Bad rounds are refused with the reason.
	for _, bad := range []map[string]any{
		{"item": "nope", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": 1},
		{"item": "peer_review", "role": "boss", "period": "2024", "subjects": fiveSubjects, "count": 1},
		{"item": "satisfaction", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": 1, "peers": true, "self": true},
		{"item": "peer_review", "role": "public", "period": "2024", "subjects": []string{"zz"}, "count": 1},
	} {
		if r := e.do("POST", "/api/v1/tokens", e.token("office"), bad); r.status != 400 {
			t.Errorf("round %v: %d %s", bad, r.status, r.body)
		}
	}
	b := e.browser()
	q := "/q/" + pub.Tokens[0]
	page := b.send("GET", q, nil)
	if page.status != 200 || strings.Count(string(page.body), `type="number"`) != 5 || strings.Contains(string(page.body), "<script") {
		t.Fatalf("questionnaire: %d\n%s", page.status, page.body)
	}
	// Save, resume, then a bad answer, then submit.
	r := b.send("POST", q, url.Values{"action": {"save"}, "a.a1": {"70"}, "a.a2": {""}})
	if r.status != 200 || !strings.Contains(string(r.body), `id="q-saved"`) {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if !strings.Contains(string(b.send("GET", q, nil).body), `value="70"`) {
		t.Error("the saved answer is not shown when the questionnaire is opened again")
	}
	r = b.send("POST", q, url.Values{"action": {"submit"}, "a.a1": {"70"}, "a.a2": {"150"}})
	if r.status != 422 || !strings.Contains(string(r.body), "outside the scale 0–100") || !strings.Contains(string(r.body), `aria-invalid="true"`) {
		t.Fatalf("out of scale: %d %s", r.status, r.body)
	}
	r = b.send("POST", q, url.Values{"action": {"submit"}, "a.a1": {"70"}, "a.a2": {"60"}, "a.b1": {"90"}})
	if r.status != 200 || !strings.Contains(string(r.body), `id="q-done"`) {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := b.send("POST", q, url.Values{"action": {"submit"}, "a.a1": {"10"}}); r.status != 409 {
		t.Errorf("second submission (form): %d", r.status)
	}
	if r := e.do("POST", "/api/v1/questionnaires/"+pub.Tokens[0], "", map[string]any{"answers": map[string]float64{"a1": 10}}); r.status != 409 {
		t.Errorf("second submission (API): %d", r.status)
	}
	if r := b.send("POST", q, url.Values{"action": {"save"}, "a.a1": {"10"}}); r.status != 409 {
		t.Errorf("save after submission: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/questionnaires/nosuchtoken", "", map[string]any{"answers": map[string]float64{"a1": 10}}); r.status != 404 {
		t.Errorf("unknown token: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/questionnaires/"+pub.Tokens[1], "", map[string]any{"answers": map[string]float64{"c9": 10}}); r.status != 422 {
		t.Errorf("a subject not asked about: %d", r.status)
	}
	// One token, ten concurrent submissions: one stores.
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do("POST", "/api/v1/questionnaires/"+pub.Tokens[1], "", map[string]any{"answers": map[string]float64{"a1": float64(50 + i)}}).status
		}()
	}
	wg.Wait()
	n201 := 0
	for _, c := range codes {
		switch c {
		case 201:
			n201++
		case 409:
		default:
			t.Errorf("concurrent submission: %d", c)
		}
	}
	if n201 != 1 {
		t.Errorf("%d of 10 concurrent submissions of one token stored, want 1", n201)
	}
	// A peer round: a1, a2 and b1 rate the others and themselves.
	peer := e.openRound(map[string]any{"item": "peer_review", "role": "peer", "period": "2024", "subjects": fiveSubjects, "peers": true, "self": true, "count": 0})
	pid := itoa(peer.Round)
	e.addSubjectAccount("a2")
	for _, who := range []string{"a1", "b1", "a2"} {
		sb := e.browser()
		sb.login(who)
		if !strings.Contains(string(sb.send("GET", "/rounds", nil).body), `href="/rounds/`+pid+`"`) {
			t.Errorf("%s does not see the peer round", who)
		}
		page := string(sb.send("GET", "/rounds/"+pid, nil).body)
		if strings.Count(page, `type="number"`) != 5 || !strings.Contains(page, "（自评）") {
			t.Errorf("%s's questionnaire:\n%s", who, page)
		}
		tok := formToken(t, []byte(page))
		form := url.Values{"csrf": {tok}, "action": {"submit"}, "a.a1": {"80"}, "a.a2": {"75"}, "a.a3": {"65"}, "a.b1": {"85"}, "a.b2": {"55"}}
		if r := sb.send("POST", "/rounds/"+pid, form); r.status != 200 {
			t.Errorf("%s submits: %d %s", who, r.status, r.body)
		}
		if r := sb.send("POST", "/rounds/"+pid, form); r.status != 409 {
			t.Errorf("%s submits again: %d", who, r.status)
		}
	}
	// Not a subject of the round, or not a subject account.
	other := e.openRound(map[string]any{"item": "peer_review", "role": "peer", "period": "2024", "subjects": []string{"a2", "a3"}, "peers": true, "count": 0})
	sb := e.browser()
	sb.login("a1")
	if r := sb.send("GET", "/rounds/"+itoa(other.Round), nil); r.status != 404 {
		t.Errorf("a1 opens a round it is not in: %d", r.status)
	}
	if r := sb.send("GET", "/rounds/"+itoa(pub.Round), nil); r.status != 404 {
		t.Errorf("a1 opens a round without peers: %d", r.status)
	}
	// Two questionnaires are fewer than public's min_raters 3: closing
	// now would make each rating recognisable, and is refused; the round
	// stays open.
	if r := e.do("POST", "/api/v1/rounds/"+itoa(pub.Round)+"/close", e.token("office"), nil); r.status != 409 || !strings.Contains(string(r.body), "min_raters") {
		t.Errorf("closing with 2 of min_raters 3: %d %s", r.status, r.body)
	}
	e.must(e.do("POST", "/api/v1/questionnaires/"+pub.Tokens[2], "", map[string]any{"answers": map[string]float64{"a2": 61, "b2": 62}}), 201)
	// Closing stores the answers as ratings, in one submission each.
	var rep struct{ Added, Version int64 }
	e.must(e.do("POST", "/api/v1/rounds/"+itoa(pub.Round)+"/close", e.token("office"), nil), 200).json(t, &rep)
	if rep.Added != 6 {
		t.Errorf("public round closed with %d ratings, want 6 (3 + 1 + 2)", rep.Added)
	}
	e.must(e.do("POST", "/api/v1/rounds/"+pid+"/close", e.token("office"), nil), 200).json(t, &rep)
	if rep.Added != 15 {
		t.Errorf("peer round closed with %d ratings, want 15 (3 × (4 peers + self))", rep.Added)
	}
	if r := e.do("POST", "/api/v1/rounds/"+pid+"/close", e.token("office"), nil); r.status != 409 {
		t.Errorf("closing twice: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/questionnaires/"+pub.Tokens[3], "", map[string]any{"answers": map[string]float64{"a1": 10}}); r.status != 409 {
		t.Errorf("submission to a closed round: %d", r.status)
	}
	csv := string(e.must(e.do("GET", "/api/v1/periods/2024/ratings", e.token("office"), nil), 200).body)
	if strings.Count(csv, ",self,") != 3 || strings.Count(csv, ",peer,") != 12 || strings.Count(csv, ",public,") != 6 {
		t.Errorf("stored ratings:\n%s", csv)
	}
	var rounds struct {
		Rounds []struct {
			ID                                 int64
			Status                             string
			Questionnaires, Submitted, Ratings int
		}
	}
	e.must(e.do("GET", "/api/v1/rounds", e.token("office"), nil), 200).json(t, &rounds)
	for _, rd := range rounds.Rounds {
		if rd.ID == pub.Round && (rd.Status != "closed" || rd.Questionnaires != 4 || rd.Submitted != 3 || rd.Ratings != 6) {
			t.Errorf("public round: %+v", rd)
		}
	}
}

// TestTokenSheet: the admin opens a round and issues tokens from the
// pages: the sheet shows each token once, as a link and a QR code (a PNG),
// its CSV button gives the same tokens, a token not of the round is
// refused there, and each link opens its questionnaire.
func TestTokenSheet(t *testing.T) {
	e := collectEnv(t)
	b := e.browser()
	b.login("office")
	tok := formToken(t, b.send("GET", "/admin/rounds", nil).body)
	r := b.send("POST", "/admin/rounds", url.Values{"csrf": {tok}, "item": {"peer_review"}, "role": {"public"}, "period": {"2024"}, "subject": {"a1", "a2"}})
	if r.status != 303 {
		t.Fatalf("open a round: %d %s", r.status, r.body)
	}
	if r := b.send("POST", "/admin/rounds", url.Values{"csrf": {tok}, "item": {"peer_review"}, "role": {"public"}, "period": {"2024"}}); r.status != 400 || !strings.Contains(string(r.body), "choose the subjects") {
		t.Errorf("a round without subjects: %d", r.status)
	}
	sheet := b.send("POST", "/admin/rounds/1/tokens", url.Values{"csrf": {tok}, "count": {"3"}})
	body := string(sheet.body)
	if sheet.status != 201 || strings.Count(body, `<img src="data:image/png;base64,`) != 3 {
		t.Fatalf("sheet: %d\n%s", sheet.status, body)
	}
	var toks []string
	for _, part := range strings.Split(body, `name="token" value="`)[1:] {
		v, _, _ := strings.Cut(part, `"`)
		toks = append(toks, v)
	}
	if len(toks) != 3 {
		t.Fatalf("%d tokens in the CSV form, want 3", len(toks))
	}
	for _, v := range toks {
		if !strings.Contains(body, `href="`+e.ts.URL+`/q/`+v+`"`) {
			t.Errorf("the sheet has no link for a token")
		}
		_, rest, _ := strings.Cut(body, `<img src="data:image/png;base64,`)
		png, _, _ := strings.Cut(rest, `"`)
		if raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(png)); err != nil || !strings.HasPrefix(string(raw), "\x89PNG") {
			t.Errorf("the QR code is not a PNG: %v", err)
		}
		if r := e.do("GET", "/q/"+v, "", nil); r.status != 200 || !strings.Contains(string(r.body), "西城县") {
			t.Errorf("the token's questionnaire: %d", r.status)
		}
	}
	csvr := b.send("POST", "/admin/rounds/1/tokens.csv", url.Values{"csrf": {tok}, "token": toks})
	want := "n,token,url\n"
	for i, v := range toks {
		want += fmt.Sprintf("%d,%s,%s/q/%s\n", i+1, v, e.ts.URL, v)
	}
	if csvr.status != 200 || string(csvr.body) != want {
		t.Errorf("tokens.csv: %d\n%s\nwant\n%s", csvr.status, csvr.body, want)
	}
	if r := b.send("POST", "/admin/rounds/1/tokens.csv", url.Values{"csrf": {tok}, "token": {toks[0], "forged"}}); r.status != 400 {
		t.Errorf("a forged token in the CSV: %d", r.status)
	}
	// The tokens are shown once: the rounds page and API have counts only.
	for _, p := range []string{"/admin/rounds", "/api/v1/rounds"} {
		out := string(e.do("GET", p, e.token("office"), nil).body)
		for _, v := range toks {
			if strings.Contains(out, v) {
				t.Errorf("%s shows a token", p)
			}
		}
	}
}

// TestRaterTokenNeverFormulaLike: a rater token never begins with - or _
// (a spreadsheet reads a leading - as a formula, and the token CSV would
// then carry a neutralised token). 2,000 draws meet a leading - or _ in
// newToken with probability 1 − (62/64)^2000 ≈ 1.
func TestRaterTokenNeverFormulaLike(t *testing.T) {
	for range 2000 {
		tok := newRaterToken()
		if len(tok) != 43 || tok[0] == '-' || tok[0] == '_' {
			t.Fatalf("rater token %q: want 43 characters, not beginning with - or _", tok)
		}
		if reports.NeutraliseFormula(tok) != tok {
			t.Fatalf("rater token %q is formula-like", tok)
		}
	}
}
