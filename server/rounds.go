package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// maxTokens is the most rater tokens one request issues.
const maxTokens = 5000

// roundSpec is a rating round as the admin asks for it (form or JSON).
type roundSpec struct {
	Item     string   `json:"item"`
	Role     string   `json:"role"`
	Period   string   `json:"period"`
	Subjects []string `json:"subjects"`
	Peers    bool     `json:"peers"`
	Self     bool     `json:"self"`
}

// assessmentItem returns the set's assessment item id.
func assessmentItem(set *indicators.Set, id string) *indicators.AssessmentItem {
	for _, it := range set.Assessments {
		if it.ID == id {
			return it
		}
	}
	return nil
}

// itemRoles are the role names of an item.
func itemRoles(it *indicators.AssessmentItem) []string {
	out := make([]string, len(it.Roles))
	for i, r := range it.Roles {
		out[i] = r.Role
	}
	return out
}

// checkRound checks a round against the set in force and the subject
// register; it returns the round to store or a message for a 400.
func (s *Server) checkRound(ctx context.Context, in roundSpec) (*postgres.Round, string, error) {
	set, err := s.currentSet(ctx)
	if err != nil {
		return nil, "", err
	}
	it := assessmentItem(set, in.Item)
	if it == nil {
		var ids []string
		for _, a := range set.Assessments {
			ids = append(ids, a.ID)
		}
		return nil, fmt.Sprintf("item %q: the set in force has no such assessment item (it has: %s)", in.Item, strings.Join(ids, ", ")), nil
	}
	roles := itemRoles(it)
	if !slices.Contains(roles, in.Role) || in.Role == "self" {
		return nil, fmt.Sprintf("role %q: item %s has the roles %s (self is given by the round's self option)", in.Role, it.ID, strings.Join(roles, ", ")), nil
	}
	if in.Self && !in.Peers {
		return nil, "self rating is for the subjects' own accounts: set peers too", nil
	}
	if in.Self && !slices.Contains(roles, "self") {
		return nil, fmt.Sprintf("item %s has no role self: declare it under roles to let subjects rate themselves", it.ID), nil
	}
	if _, err := parsePeriodExact(in.Period); err != nil {
		return nil, err.Error(), nil
	}
	ds, err := s.db.ServerSubjects(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(in.Subjects) == 0 {
		return nil, "choose the subjects to rate", nil
	}
	var subjects []string
	for _, id := range in.Subjects {
		if _, ok := ds.SubjectIndex(id); !ok {
			return nil, fmt.Sprintf("subject %q is not in the register", id), nil
		}
		if !slices.Contains(subjects, id) {
			subjects = append(subjects, id)
		}
	}
	slices.Sort(subjects)
	return &postgres.Round{Item: it.ID, Role: in.Role, Period: in.Period, Subjects: subjects, Peers: in.Peers, AllowSelf: in.Self}, "", nil
}

// newRaterToken returns a random token (newToken) whose first character is
// a letter or digit: a rater token is printed, exported to CSV and opened
// in spreadsheets, where a leading - reads as a formula. Redrawing the
// 2 of 64 first characters costs less than 0.05 bits of the 256.
func newRaterToken() string {
	for {
		if t := newToken(); t[0] != '-' && t[0] != '_' {
			return t
		}
	}
}

// issueTokens creates n rater tokens of a round and returns them; only
// their hashes are stored.
func (s *Server) issueTokens(ctx context.Context, round int64, n int, actor string) ([]string, error) {
	toks := make([]string, n)
	hashes := make([][]byte, n)
	for i := range toks {
		toks[i] = newRaterToken()
		hashes[i] = tokenHash(toks[i])
	}
	if err := s.db.AddTokens(ctx, round, hashes, actor); err != nil {
		return nil, err
	}
	return toks, nil
}

// siteURL is the scheme and host the request came to, for the links of a
// token sheet.
func siteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// apiTokens is POST /api/v1/tokens (admin): {item, role, period,
// subjects, count, peers?, self?} opens a round and issues count tokens,
// or {round, count} issues more for an open round → 201 {round, tokens,
// urls}. The tokens are shown this once.
func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	var in struct {
		roundSpec
		Round int64 `json:"round"`
		Count int   `json:"count"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	if in.Count < 0 || in.Count > maxTokens || (in.Count == 0 && in.Round != 0) {
		s.fail(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("count %d: want 1 to %d tokens (0 opens a round without tokens, e.g. for peers)", in.Count, maxTokens))
		return
	}
	a := accountOf(r)
	id := in.Round
	if id == 0 {
		rd, msg, err := s.checkRound(r.Context(), in.roundSpec)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		if msg != "" {
			s.fail(w, r, http.StatusBadRequest, "bad_request", msg)
			return
		}
		if id, err = s.db.AddRound(r.Context(), *rd, a.Name); err != nil {
			s.failErr(w, r, err)
			return
		}
	}
	toks := []string{}
	if in.Count > 0 {
		var err error
		toks, err = s.issueTokens(r.Context(), id, in.Count, a.Name)
		if errors.Is(err, postgres.ErrClosed) {
			s.fail(w, r, http.StatusConflict, "conflict", err.Error())
			return
		}
		if err != nil {
			s.failErr(w, r, err)
			return
		}
	}
	urls := make([]string, len(toks))
	for i, t := range toks {
		urls[i] = siteURL(r) + "/q/" + t
	}
	writeJSON(w, http.StatusCreated, map[string]any{"round": id, "tokens": toks, "urls": urls})
}

// apiRounds is GET /api/v1/rounds (admin): the rating rounds with their
// numbers of questionnaires and submissions.
func (s *Server) apiRounds(w http.ResponseWriter, r *http.Request) {
	rs, err := s.db.Rounds(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if rs == nil {
		rs = []postgres.Round{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"rounds": rs})
}

// apiCloseRound is POST /api/v1/rounds/{id}/close (admin).
func (s *Server) apiCloseRound(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	rep, status, msg := s.closeRound(r, id)
	s.answerJSON(w, r, rep, status, msg)
}

// pageRounds is GET /admin/rounds: the rounds, and the form of a new one.
func (s *Server) pageRounds(w http.ResponseWriter, r *http.Request) {
	s.renderRounds(w, r, http.StatusOK, r.URL.Query().Get("msg"))
}

func (s *Server) renderRounds(w http.ResponseWriter, r *http.Request, status int, msg string) {
	ctx := r.Context()
	rs, err := s.db.Rounds(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	ps, err := s.db.ServerPeriods(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	ds, err := s.db.ServerSubjects(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var items []*indicators.AssessmentItem
	if set, err := s.currentSet(ctx); err == nil {
		items = set.Assessments
	}
	s.render(w, r, status, "rounds", "rounds", map[string]any{"Rounds": rs, "Periods": ps, "Subjects": ds.Subjects,
		"Items": items, "Message": msg})
}

// pageAddRound is POST /admin/rounds: open a round.
func (s *Server) pageAddRound(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderRounds(w, r, http.StatusBadRequest, err.Error())
		return
	}
	in := roundSpec{Item: r.PostForm.Get("item"), Role: strings.TrimSpace(r.PostForm.Get("role")), Period: r.PostForm.Get("period"),
		Subjects: r.PostForm["subject"], Peers: r.PostForm.Get("peers") == "1", Self: r.PostForm.Get("self") == "1"}
	rd, msg, err := s.checkRound(r.Context(), in)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if msg != "" {
		s.renderRounds(w, r, http.StatusBadRequest, msg)
		return
	}
	if _, err := s.db.AddRound(r.Context(), *rd, accountOf(r).Name); err != nil {
		s.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/rounds", http.StatusSeeOther)
}

// sheetToken is one token of a printable sheet.
type sheetToken struct {
	N     int
	Token string
	URL   string
	QR    template.URL // a data: URL of the PNG
}

// pageIssueTokens is POST /admin/rounds/{id}/tokens: issues count tokens
// and shows them this once as a printable sheet of links with QR codes,
// with a button that downloads the same tokens as CSV.
func (s *Server) pageIssueTokens(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("count")))
	if err != nil || n < 1 || n > maxTokens {
		s.renderRounds(w, r, http.StatusBadRequest, fmt.Sprintf("count %q: want 1 to %d tokens", r.PostFormValue("count"), maxTokens))
		return
	}
	rd, err := s.db.RoundByID(r.Context(), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	toks, err := s.issueTokens(r.Context(), id, n, accountOf(r).Name)
	if errors.Is(err, postgres.ErrClosed) {
		s.renderRounds(w, r, http.StatusConflict, err.Error())
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	sheet := make([]sheetToken, len(toks))
	for i, t := range toks {
		u := siteURL(r) + "/q/" + t
		png, err := qrcode.Encode(u, qrcode.Medium, 192)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		sheet[i] = sheetToken{N: i + 1, Token: t, URL: u, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	}
	s.render(w, r, http.StatusCreated, "tokens", "tokens", map[string]any{"Round": rd, "Tokens": sheet})
}

// pageTokensCSV is POST /admin/rounds/{id}/tokens.csv: the tokens the
// sheet shows (sent back by its form: the server keeps none) as CSV. Each
// must be a token of the round.
func (s *Server) pageTokensCSV(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	toks := r.PostForm["token"]
	hashes := make([][]byte, len(toks))
	for i, t := range toks {
		hashes[i] = tokenHash(t)
	}
	in, err := s.db.KeysInRound(r.Context(), id, hashes)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if !in {
		s.fail(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("a token is not one of round %d", id))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"round-%d-tokens.csv\"", id))
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"n", "token", "url"})
	for i, t := range toks {
		// A rater token never starts with - or _ (newRaterToken), so the
		// neutralisation is a safeguard only; the URL starts with its
		// scheme and is written as it is (a ' in it would break the link).
		cw.Write([]string{strconv.Itoa(i + 1), reports.NeutraliseFormula(t), siteURL(r) + "/q/" + t})
	}
	cw.Flush()
}

// pageCloseRound is POST /admin/rounds/{id}/close.
func (s *Server) pageCloseRound(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	rep, status, msg := s.closeRound(r, id)
	if status != 0 {
		s.renderRounds(w, r, status, msg)
		return
	}
	http.Redirect(w, r, "/admin/rounds?msg="+urlQueryEscape(fmt.Sprintf("round %d closed: %d ratings stored (version %d)", id, rep.Added+rep.Changed, rep.Version)), http.StatusSeeOther)
}

// shuffle puts sealed questionnaires in a random order (crypto/rand):
// the order they were submitted in is not kept anywhere.
func shuffle(sealed []postgres.Sealed) {
	for i := len(sealed) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		k := int(j.Int64())
		sealed[i], sealed[k] = sealed[k], sealed[i]
	}
}

// roundRatings turns the sealed questionnaires of a round into ratings:
// shuffled, each named by a pseudonym of the round (round{id}-{n}, n its
// place in the shuffled order), its ratings by subject. A self rating is
// its own questionnaire, with role self.
func roundRatings(r *postgres.Round, sealed []postgres.Sealed) ([]assess.Rating, error) {
	shuffle(sealed)
	var out []assess.Rating
	for n, q := range sealed {
		rater := fmt.Sprintf("round%d-%d", r.ID, n+1)
		role := r.Role
		if q.Self != "" {
			role = "self"
		}
		subjects := make([]string, 0, len(q.Answers))
		for s := range q.Answers {
			subjects = append(subjects, s)
		}
		slices.Sort(subjects)
		for _, s := range subjects {
			out = append(out, assess.Rating{Item: r.Item, Subject: s, Rater: rater, Role: role, Score: q.Answers[s]})
		}
	}
	return out, nil
}

// closeRound closes a round and stores its answers as ratings; it
// returns the report, or a status and message.
func (s *Server) closeRound(r *http.Request, id int64) (*postgres.SubmitReport, int, string) {
	a := accountOf(r)
	rd, err := s.db.RoundByID(r.Context(), id)
	if errors.Is(err, postgres.ErrNotFound) {
		return nil, http.StatusNotFound, err.Error()
	} else if err != nil {
		s.log.Error("closing a round", "round", id, "err", err)
		return nil, http.StatusInternalServerError, "internal error; the server log has the details"
	}
	need := 1
	if set, err := s.currentSet(r.Context()); err == nil {
		if it := assessmentItem(set, rd.Item); it != nil {
			if k := slices.Index(itemRoles(it), rd.Role); k >= 0 {
				need = it.RoleMinRaters(k)
			}
		}
	}
	rep, err := s.db.CloseRound(r.Context(), id, a.ID, a.Name, need, roundRatings)
	switch {
	case err == nil:
		return rep, 0, ""
	case errors.Is(err, postgres.ErrNotFound):
		return nil, http.StatusNotFound, err.Error()
	case errors.Is(err, postgres.ErrClosed), errors.Is(err, postgres.ErrLocked), errors.Is(err, postgres.ErrTooFew):
		return nil, http.StatusConflict, err.Error()
	}
	s.log.Error("closing a round", "round", id, "err", err)
	return nil, http.StatusInternalServerError, "internal error; the server log has the details"
}
