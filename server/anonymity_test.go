package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/govscore/govscore/i18n"
)

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a
// logger.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// publicScore is the score token i gives subject j of the public round:
// every token's answers are unique, so that a rating that could be
// traced would be traced to one token.
func publicScore(i, j int) float64 { return float64(40 + 5*i + j) }

// TestAnonymityHolds has ten tokens rate in a public round and three
// subject accounts rate each other and themselves, closes the rounds, publishes a
// batch, and then tries to re-identify the raters from every output there
// is — every page and API answer the admin and the public can read, the
// downloads, the audit log and the server's log at debug level — and
// fails: no output holds a token or its hash, the audit log says only
// that a questionnaire of a round was submitted, the stored ratings are
// in an order and under pseudonyms unrelated to the order of submission,
// all with one submission time, and role means resting on fewer than
// min_raters ratings are shown nowhere.
func TestAnonymityHolds(t *testing.T) {
	e := collectEnv(t)
	var logs lockedBuffer
	s2, err := New(context.Background(), e.db, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s2)
	t.Cleanup(func() { ts.Close(); s2.Close() })
	e.ts = ts
	pub := e.openRound(map[string]any{"item": "peer_review", "role": "public", "period": "2024", "subjects": fiveSubjects, "count": 10})
	secrets := slices.Clone(pub.Tokens)
	for i, tok := range pub.Tokens {
		b := e.browser()
		b.send("GET", "/q/"+tok, nil)
		form := url.Values{"action": {"save"}}
		for j, s := range fiveSubjects {
			if s == "b2" && i >= 2 { // b2 gets 2 public ratings: fewer than min_raters 3
				continue
			}
			form.Set("a."+s, strconv.FormatFloat(publicScore(i, j), 'f', -1, 64))
		}
		b.send("POST", "/q/"+tok, form)
		form.Set("action", "submit")
		if r := b.send("POST", "/q/"+tok, form); r.status != 200 {
			t.Fatalf("token %d: %d %s", i, r.status, r.body)
		}
	}
	peer := e.openRound(map[string]any{"item": "peer_review", "role": "peer", "period": "2024", "subjects": fiveSubjects, "peers": true, "self": true, "count": 0})
	e.addSubjectAccount("a2")
	for _, who := range []string{"a1", "b1", "a2"} {
		b := e.browser()
		b.login(who)
		page := b.send("GET", "/rounds/"+itoa(peer.Round), nil)
		secrets = append(secrets, b.cookie())
		form := url.Values{"csrf": {formToken(t, page.body)}, "action": {"submit"}, "a.a1": {"81"}, "a.a2": {"72"}, "a.a3": {"63"}, "a.b1": {"84"}, "a.b2": {"55"}}
		if r := b.send("POST", "/rounds/"+itoa(peer.Round), form); r.status != 200 {
			t.Fatalf("%s: %d %s", who, r.status, r.body)
		}
	}
	admin := e.token("office")
	for _, id := range []int64{pub.Round, peer.Round} {
		e.must(e.do("POST", "/api/v1/rounds/"+itoa(id)+"/close", admin, nil), 200)
	}
	run := e.runBatch("2024")
	e.publish(run)

	// Every output, as the admin and as the public.
	outputs := map[string]string{}
	paths := []string{"/api/v1/rounds", "/api/v1/audit", "/api/v1/periods/2024/ratings", "/api/v1/published/2024",
		"/api/v1/published/2024/diff", "/admin/rounds", "/admin/audit", "/admin/ratings", "/admin", "/p/2024", "/p/2024/diff",
		"/api/v1/batches/" + itoa(run)}
	for _, s := range fiveSubjects {
		paths = append(paths, "/api/v1/periods/2024/ratings/history?item=peer_review&subject="+s, "/admin/ratings/history?period=2024&item=peer_review&subject="+s,
			"/api/v1/subjects/"+s+"/explanation", "/api/v1/published/2024/subjects/"+s, "/p/2024/s/"+s)
	}
	for name := range downloadTypes {
		paths = append(paths, "/p/2024/files/"+name)
	}
	for _, p := range paths {
		for who, tok := range map[string]string{"admin": admin, "public": ""} {
			r := e.do("GET", p, tok, nil)
			if who == "admin" && r.status != 200 {
				t.Errorf("GET %s as the admin: %d", p, r.status)
			}
			outputs[who+" "+p] = string(r.body)
		}
	}
	outputs["server log"] = logs.String()
	for _, tok := range pub.Tokens {
		if r := e.do("GET", "/q/"+tok, "", nil); r.status != 200 {
			t.Errorf("GET /q/… after closing: %d", r.status)
		}
	}
	outputs["server log"] = logs.String()
	if !strings.Contains(outputs["server log"], `"path":"/q/…"`) {
		t.Error("the debug log does not show the questionnaire requests (redacted): the test does not see the log")
	}

	// 1. No output holds a token or its hash, in any encoding.
	for _, tok := range secrets {
		h := sha256.Sum256([]byte(tok))
		for _, needle := range []string{tok, hex.EncodeToString(h[:]), base64.StdEncoding.EncodeToString(h[:]), base64.RawURLEncoding.EncodeToString(h[:]), `\\x` + hex.EncodeToString(h[:])} {
			for name, out := range outputs {
				if strings.Contains(out, needle) {
					t.Errorf("%s holds a token or its hash (%.12s…)", name, needle)
				}
			}
		}
	}
	// 2. The audit log says a questionnaire of a round was submitted:
	// no key, no answer.
	var audit []struct {
		Actor, Action, Object string
		Detail                map[string]any
	}
	e.must(e.do("GET", "/api/v1/audit", admin, nil), 200).json(t, &audit)
	nq := 0
	for _, a := range audit {
		if a.Action == "questionnaire.submit" {
			nq++
			if a.Actor != "rater" || len(a.Detail) != 0 || !strings.HasPrefix(a.Object, "round/") {
				t.Errorf("audit entry of a questionnaire: %+v", a)
			}
		}
	}
	if nq != 13 {
		t.Errorf("%d questionnaire.submit audit entries, want 13", nq)
	}
	// 3. The stored ratings: the attacker knows the order the tokens were
	// submitted in (the audit log); the ratings are in an order, and under
	// pseudonyms, that do not follow it.
	rows, err := csv.NewReader(strings.NewReader(outputs["admin /api/v1/periods/2024/ratings"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	firstAt := map[int]int{} // token → position of its first rating
	pseudonym := map[int]string{}
	for pos, row := range rows[1:] {
		if row[col["item"]] != "peer_review" || row[col["role"]] != "public" || row[col["subject"]] != "a1" {
			continue
		}
		score, _ := strconv.ParseFloat(row[col["score"]], 64)
		i := int(score-40) / 5
		if publicScore(i, 0) != score {
			t.Fatalf("rating %v is no token's", row)
		}
		firstAt[i], pseudonym[i] = pos, row[col["rater"]]
	}
	if len(firstAt) != 10 {
		t.Fatalf("%d public raters of a1, want 10", len(firstAt))
	}
	inOrder, namedInOrder := true, true
	for i := 1; i < 10; i++ {
		inOrder = inOrder && firstAt[i] > firstAt[i-1]
		namedInOrder = namedInOrder && pseudonym[i] > pseudonym[i-1]
	}
	if inOrder || namedInOrder {
		t.Errorf("the ratings follow the order of submission (stored order %v, pseudonyms %v)", inOrder, namedInOrder)
	}
	var hist struct {
		Versions []struct {
			Submission int64
			At         string
			By, File   string
		}
	}
	e.must(e.do("GET", "/api/v1/periods/2024/ratings/history?item=peer_review&subject=a1", admin, nil), 200).json(t, &hist)
	subs := map[string]bool{}
	for _, v := range hist.Versions {
		subs[fmt.Sprint(v.Submission, v.At, v.By, v.File)] = true
	}
	if len(hist.Versions) != 13 || len(subs) != 2 { // 10 public + 2 peer (b1, a2) + 1 self, one submission per round
		t.Errorf("rating history of a1: %d versions in %d (submission, time) groups, want 13 in 2", len(hist.Versions), len(subs))
	}
	// 4. A role mean resting on fewer than min_raters ratings appears
	// nowhere: b2's public mean (2 ratings, min 3) and the peer means of
	// a1, a2 and b1 (2 ratings each, min 3).
	b2public := (publicScore(0, 4) + publicScore(1, 4)) / 2
	for name, out := range outputs {
		if strings.HasPrefix(name, "admin /api/v1/periods/2024/ratings") || strings.HasPrefix(name, "admin /admin/ratings") {
			continue // the ratings of record, for the admin: each rating under its pseudonym
		}
		for _, v := range []string{strconv.FormatFloat(b2public, 'f', -1, 64), strconv.FormatFloat(b2public, 'f', 2, 64)} {
			if strings.Contains(out, `"public": `+v) || strings.Contains(out, `"public":`+v) || strings.Contains(out, ">"+v+"<") {
				t.Errorf("%s shows b2's public mean %s (2 ratings, min_raters 3)", name, v)
			}
		}
	}
	// The report's role tables: every role row with fewer ratings than
	// its min_raters shows no mean (and b2's public row is among them).
	// The report (Chinese by default) heads each role row with the role's
	// display name.
	minRaters := map[string]int{}
	var shown []string
	for role, n := range map[string]int{"public": 3, "peer": 3, "self": 1} {
		d := i18n.Name(i18n.Zh, i18n.Role, role)
		minRaters[d] = n
		shown = append(shown, regexp.QuoteMeta(d))
	}
	slices.Sort(shown)
	roleRow := regexp.MustCompile(`<tr><th scope="row">(` + strings.Join(shown, "|") + `)</th><td class="num">[^<]*</td><td class="num">(\d+)</td><td class="([a-z]+)">`)
	for _, name := range []string{"admin /p/2024/files/report.html", "public /p/2024/files/report.html"} {
		hidden := 0
		for _, m := range roleRow.FindAllStringSubmatch(outputs[name], -1) {
			n, _ := strconv.Atoi(m[2])
			if n < minRaters[m[1]] && m[3] != "note" {
				t.Errorf("%s shows the %s mean of %d ratings (min_raters %d)", name, m[1], n, minRaters[m[1]])
			}
			if n < minRaters[m[1]] {
				hidden++
			}
		}
		if hidden < 4 { // at least b2's public role; the peer role of a1, a2 and b1 (2 ratings each)
			t.Errorf("%s: %d role rows under min_raters, want at least 4: the test does not see the role tables", name, hidden)
		}
	}
	if os.Getenv("GOVSCORE_DUMP_ANON") != "" {
		for name, out := range outputs {
			os.WriteFile(os.Getenv("GOVSCORE_DUMP_ANON")+"/"+strings.NewReplacer("/", "_", " ", "_", "?", "_").Replace(name), []byte(out), 0o644)
		}
	}
}
