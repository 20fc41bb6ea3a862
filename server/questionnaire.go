package server

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/store/postgres"
)

// A questionnaire is one rater's answers in a rating round (SPEC §9): a
// rater token's (/q/{token}, no account) or a subject account's in a peer
// round (/rounds/{id}). It can be saved and resumed until it is
// submitted, once. See docs/collection.md for the anonymity design.

// accountKey is the key hash of a subject account's questionnaire in a
// round.
func accountKey(round, account int64) []byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("govscore/account-questionnaire\x00%d\x00%d", round, account)))
	return h[:]
}

// qField is one question: a subject to rate, with the role it is rated in.
type qField struct {
	Subject, Name, Role string
	Value, Error        string
}

// qPage is a questionnaire page.
type qPage struct {
	Action   string // the form's action
	Round    *postgres.Round
	ItemName string
	Lo, Hi   string
	Fields   []qField
	Saved    bool
	Done     bool
	Message  string
}

// questionnaire is a key with its round and item.
type questionnaire struct {
	hash  []byte
	key   *postgres.RaterKey
	round *postgres.Round
	item  *indicators.AssessmentItem
}

// loadQuestionnaire reads the questionnaire of a key hash; it answers 404
// itself (false) when there is none.
func (s *Server) loadQuestionnaire(w http.ResponseWriter, r *http.Request, hash []byte) (*questionnaire, bool) {
	k, err := s.db.RaterKeyByHash(r.Context(), hash)
	if errors.Is(err, postgres.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "not_found", tr(langOf(r), "no_questionnaire"))
		return nil, false
	}
	if err != nil {
		s.failErr(w, r, err)
		return nil, false
	}
	rd, err := s.db.RoundByID(r.Context(), k.Round)
	if err != nil {
		s.failErr(w, r, err)
		return nil, false
	}
	set, err := s.currentSet(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return nil, false
	}
	it := assessmentItem(set, rd.Item)
	if it == nil {
		s.fail(w, r, http.StatusConflict, "conflict", fmt.Sprintf("the set in force no longer has item %s", rd.Item))
		return nil, false
	}
	return &questionnaire{hash: hash, key: k, round: rd, item: it}, true
}

// fields lists the questions: every subject of the round for a token; for
// a subject account its peers with the round's role, and itself with role
// self when the round allows.
func (s *Server) fields(r *http.Request, q *questionnaire) ([]qField, error) {
	ds, err := s.db.ServerSubjects(r.Context())
	if err != nil {
		return nil, err
	}
	var out []qField
	for _, id := range q.round.Subjects {
		f := qField{Subject: id, Name: id, Role: q.round.Role}
		if i, ok := ds.SubjectIndex(id); ok {
			f.Name = ds.Subjects[i].Name
		}
		if q.key.Kind == "account" && id == q.key.Subject {
			if !q.round.AllowSelf {
				continue
			}
			f.Role = "self"
		}
		if v, ok := q.key.Pending[id]; ok {
			f.Value = formatNumber(v)
		}
		out = append(out, f)
	}
	return out, nil
}

// parseAnswer checks one answer against the item's scale: "" is no
// answer (ok false, no error).
func parseAnswer(raw string, it *indicators.AssessmentItem) (float64, bool, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0, false, ""
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, fmt.Sprintf("%q is not a number", raw)
	}
	if v < it.Scale[0] || v > it.Scale[1] {
		return 0, false, fmt.Sprintf("%s is outside the scale %s–%s", raw, formatNumber(it.Scale[0]), formatNumber(it.Scale[1]))
	}
	return v, true, ""
}

// answers checks the answers given by subject against the questions; it
// returns the peer answers, the self answer (nil for none) and the
// number of problems (marked on fields).
func answers(q *questionnaire, fields []qField, given map[string]string) (map[string]float64, *float64, int) {
	out := map[string]float64{}
	var self *float64
	bad := 0
	for i := range fields {
		f := &fields[i]
		raw, has := given[f.Subject]
		if !has {
			continue
		}
		f.Value = strings.TrimSpace(raw)
		v, ok, msg := parseAnswer(raw, q.item)
		if msg != "" {
			f.Error = msg
			bad++
			continue
		}
		if !ok {
			continue
		}
		if f.Role == "self" {
			self = &v
		} else {
			out[f.Subject] = v
		}
	}
	return out, self, bad
}

// renderQuestionnaire writes the questionnaire page.
func (s *Server) renderQuestionnaire(w http.ResponseWriter, r *http.Request, status int, action string, q *questionnaire, fields []qField, p qPage) {
	p.Action, p.Round, p.Fields = action, q.round, fields
	p.ItemName = q.item.Name
	p.Lo, p.Hi = formatNumber(q.item.Scale[0]), formatNumber(q.item.Scale[1])
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, status, "questionnaire", "questionnaire", &p)
}

// loadQuestionnaireFields is loadQuestionnaire with the questionnaire's
// fields; it answers a failure itself (false).
func (s *Server) loadQuestionnaireFields(w http.ResponseWriter, r *http.Request, hash []byte) (*questionnaire, []qField, bool) {
	q, ok := s.loadQuestionnaire(w, r, hash)
	if !ok {
		return nil, nil, false
	}
	fields, err := s.fields(r, q)
	if err != nil {
		s.failErr(w, r, err)
		return nil, nil, false
	}
	return q, fields, true
}

// showQuestionnaire is the GET of a questionnaire.
func (s *Server) showQuestionnaire(w http.ResponseWriter, r *http.Request, action string, hash []byte) {
	q, fields, ok := s.loadQuestionnaireFields(w, r, hash)
	if !ok {
		return
	}
	p := qPage{Done: q.key.Submitted}
	if p.Done {
		p.Message = tr(langOf(r), "already_submitted")
	}
	if q.round.Status != "open" && !q.key.Submitted {
		p.Message = tr(langOf(r), "round_closed")
	}
	s.renderQuestionnaire(w, r, http.StatusOK, action, q, fields, p)
}

// postQuestionnaire is the POST of a questionnaire's form: action save
// stores the answers as pending, submit seals them (once: 409 after).
func (s *Server) postQuestionnaire(w http.ResponseWriter, r *http.Request, action string, hash []byte) {
	q, ok := s.loadQuestionnaire(w, r, hash)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	fields, err := s.fields(r, q)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	given := map[string]string{}
	for _, f := range fields {
		if v, ok := r.PostForm["a."+f.Subject]; ok && len(v) > 0 {
			given[f.Subject] = v[0]
		}
	}
	peers, self, bad := answers(q, fields, given)
	lang := langOf(r)
	if bad > 0 {
		s.renderQuestionnaire(w, r, http.StatusUnprocessableEntity, action, q, fields, qPage{Message: tr(lang, "fix_answers")})
		return
	}
	submit := r.PostForm.Get("action") == "submit"
	if !submit {
		all := withSelf(peers, q.key.Subject, self)
		err := s.db.SaveAnswers(r.Context(), hash, all)
		if s.answersFailed(w, r, lang, err, action, q, fields) {
			return
		}
		s.renderQuestionnaire(w, r, http.StatusOK, action, q, fields, qPage{Saved: true})
		return
	}
	if len(peers) == 0 && self == nil {
		s.renderQuestionnaire(w, r, http.StatusUnprocessableEntity, action, q, fields, qPage{Message: tr(lang, "no_answer")})
		return
	}
	err = s.db.SubmitAnswers(r.Context(), hash, peers, q.key.Subject, self)
	if s.answersFailed(w, r, lang, err, action, q, fields) {
		return
	}
	s.renderQuestionnaire(w, r, http.StatusOK, action, q, nil, qPage{Done: true})
}

// answersFailed answers err from saving or submitting a questionnaire's
// answers on its page (a closed round or answers already submitted, with
// their message; anything else as a failure) and reports whether it did.
func (s *Server) answersFailed(w http.ResponseWriter, r *http.Request, lang string, err error, action string, q *questionnaire, fields []qField) bool {
	if status, msg := questionnaireStatus(lang, err); status != 0 {
		s.renderQuestionnaire(w, r, status, action, q, fields, qPage{Message: msg, Done: errors.Is(err, postgres.ErrSubmitted)})
		return true
	} else if err != nil {
		s.failErr(w, r, err)
		return true
	}
	return false
}

// withSelf merges the peer answers and the self answer.
func withSelf(peers map[string]float64, self string, selfScore *float64) map[string]float64 {
	out := make(map[string]float64, len(peers)+1)
	for k, v := range peers {
		out[k] = v
	}
	if selfScore != nil && self != "" {
		out[self] = *selfScore
	}
	return out
}

// questionnaireStatus maps the errors of saving or submitting: 409 for a
// questionnaire submitted already or a closed round.
func questionnaireStatus(lang string, err error) (int, string) {
	switch {
	case errors.Is(err, postgres.ErrSubmitted):
		return http.StatusConflict, tr(lang, "already_submitted")
	case errors.Is(err, postgres.ErrClosed):
		return http.StatusConflict, tr(lang, "round_closed")
	}
	return 0, ""
}

// tokenPath reads the {token} of /q/{token}.
func tokenPath(r *http.Request) []byte { return tokenHash(r.PathValue("token")) }

// pageQuestionnaire is GET /q/{token}.
func (s *Server) pageQuestionnaire(w http.ResponseWriter, r *http.Request) {
	s.showQuestionnaire(w, r, "/q/"+r.PathValue("token"), tokenPath(r))
}

// pageQuestionnairePost is POST /q/{token}.
func (s *Server) pageQuestionnairePost(w http.ResponseWriter, r *http.Request) {
	s.postQuestionnaire(w, r, "/q/"+r.PathValue("token"), tokenPath(r))
}

// apiQuestionnaire is POST /api/v1/questionnaires/{token} {answers:
// {subject: score}} → 201 once, 409 after (and once the round is closed);
// 422 for an answer outside the scale or a subject not asked about.
func (s *Server) apiQuestionnaire(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Answers map[string]json.Number `json:"answers"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	hash := tokenPath(r)
	q, fields, ok := s.loadQuestionnaireFields(w, r, hash)
	if !ok {
		return
	}
	given := map[string]string{}
	var probs []string
	for subj, v := range in.Answers {
		if !slices.ContainsFunc(fields, func(f qField) bool { return f.Subject == subj }) {
			probs = append(probs, fmt.Sprintf("subject %q is not asked about in this questionnaire", subj))
			continue
		}
		given[subj] = v.String()
	}
	peers, self, _ := answers(q, fields, given)
	for _, f := range fields {
		if f.Error != "" {
			probs = append(probs, fmt.Sprintf("subject %q: %s", f.Subject, f.Error))
		}
	}
	if len(probs) == 0 && len(peers) == 0 && self == nil {
		probs = append(probs, "no answer: give at least one {subject: score}")
	}
	if len(probs) > 0 {
		slices.Sort(probs)
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid", "message": strings.Join(probs, "; ")})
		return
	}
	err := s.db.SubmitAnswers(r.Context(), hash, peers, q.key.Subject, self)
	if status, msg := questionnaireStatus("en", err); status != 0 {
		s.fail(w, r, status, "conflict", msg)
		return
	} else if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"submitted": true})
}

// myRound checks that a subject account takes part in round id (a peer
// round listing its subject) and returns the key of its questionnaire,
// created on first use; it answers 404 itself (false) otherwise.
func (s *Server) myRound(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	id, ok := s.pathID(w, r)
	if !ok {
		return nil, false
	}
	a := accountOf(r)
	rd, err := s.db.RoundByID(r.Context(), id)
	if err != nil && !errors.Is(err, postgres.ErrNotFound) {
		s.failErr(w, r, err)
		return nil, false
	}
	if err != nil || a.Role != "subject" || !rd.Peers || !slices.Contains(rd.Subjects, a.Subject) {
		s.fail(w, r, http.StatusNotFound, "not_found", tr(langOf(r), "no_questionnaire"))
		return nil, false
	}
	h := accountKey(id, a.ID)
	if err := s.db.EnsureAccountKey(r.Context(), h, id, a.Subject); err != nil {
		s.failErr(w, r, err)
		return nil, false
	}
	return h, true
}

// pageMyRounds is GET /rounds (subject): the peer rounds its subject
// rates in.
func (s *Server) pageMyRounds(w http.ResponseWriter, r *http.Request) {
	rs, err := s.db.Rounds(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	a := accountOf(r)
	var mine []postgres.Round
	for _, rd := range rs {
		if rd.Peers && rd.Status == "open" && slices.Contains(rd.Subjects, a.Subject) {
			mine = append(mine, rd)
		}
	}
	s.render(w, r, http.StatusOK, "myrounds", "rate_peers", mine)
}

// pageMyRound is GET /rounds/{id} (subject): its questionnaire.
func (s *Server) pageMyRound(w http.ResponseWriter, r *http.Request) {
	if h, ok := s.myRound(w, r); ok {
		s.showQuestionnaire(w, r, "/rounds/"+r.PathValue("id"), h)
	}
}

// pageMyRoundPost is POST /rounds/{id} (subject).
func (s *Server) pageMyRoundPost(w http.ResponseWriter, r *http.Request) {
	if h, ok := s.myRound(w, r); ok {
		s.postQuestionnaire(w, r, "/rounds/"+r.PathValue("id"), h)
	}
}
