package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/govscore/govscore/store/postgres"
)

// cookieName is the session cookie.
const cookieName = "govscore_session"

// access is who may call a route: the public, or any of some roles.
type access struct {
	public bool
	roles  []string // nil with public false: any logged-in account
}

var (
	public        = access{public: true}
	anyAccount    = access{}
	adminOnly     = access{roles: []string{"admin"}}
	adminProvider = access{roles: []string{"admin", "provider"}}
	adminSubject  = access{roles: []string{"admin", "subject"}}
)

// route is one entry of the route table: a Go 1.22 pattern, who may call
// it, its body limit, and its handler. Handlers check row-level access
// themselves (a provider's metrics, a subject's own results).
type route struct {
	method, path string
	access       access
	big          bool // takes data files: Config.MaxBody instead of 1 MiB
	summary      string
	h            http.HandlerFunc
}

type ctxKey int

const sessionKey ctxKey = iota

// sessionOf returns the request's session, nil when not logged in.
func sessionOf(r *http.Request) *postgres.Session {
	s, _ := r.Context().Value(sessionKey).(*postgres.Session)
	return s
}

// accountOf returns the logged-in account, nil for the public.
func accountOf(r *http.Request) *postgres.Account {
	if s := sessionOf(r); s != nil {
		return s.Account
	}
	return nil
}

// newToken returns a random 256-bit token, URL-safe base64.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is what the database stores of a session token.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// authenticate attaches the session of a bearer token (Authorization:
// Bearer) or of the session cookie to the request context. A token or
// cookie that names no live session is ignored (the request is the
// public's); a bearer token is only a bearer token, a cookie only a cookie.
func (s *Server) authenticate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var tok, kind string
		if a := r.Header.Get("Authorization"); a != "" {
			t, ok := strings.CutPrefix(a, "Bearer ")
			if !ok {
				s.fail(w, r, http.StatusUnauthorized, "unauthorized", "Authorization must be \"Bearer <token>\" from POST /api/v1/sessions")
				return
			}
			tok, kind = strings.TrimSpace(t), "bearer"
		} else if c, err := r.Cookie(cookieName); err == nil {
			tok, kind = c.Value, "cookie"
		}
		if tok != "" {
			sess, err := s.db.SessionByHash(r.Context(), tokenHash(tok))
			switch {
			case err == nil && sess.Kind == kind:
				r = r.WithContext(context.WithValue(r.Context(), sessionKey, sess))
			case err == nil, errors.Is(err, postgres.ErrNotFound):
				if kind == "bearer" {
					s.fail(w, r, http.StatusUnauthorized, "unauthorized", "the bearer token is unknown or expired: get a new one from POST /api/v1/sessions")
					return
				}
			default:
				s.failErr(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// guard enforces a route's access and body limit, and the form token of
// state-changing requests made with the session cookie.
func (s *Server) guard(rt route) http.Handler {
	limit := int64(1 << 20)
	if rt.big {
		limit = s.cfg.MaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request body has %d bytes; the limit is %d", r.ContentLength, limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		sess := sessionOf(r)
		if !rt.access.public {
			if sess == nil {
				if !isAPI(r) && r.Method == http.MethodGet {
					http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.fail(w, r, http.StatusUnauthorized, "unauthorized", "log in first (POST /api/v1/sessions gives a bearer token)")
				return
			}
			if rt.access.roles != nil && !slices.Contains(rt.access.roles, sess.Account.Role) {
				s.fail(w, r, http.StatusForbidden, "forbidden", fmt.Sprintf("the %s account %q may not do this", sess.Account.Role, sess.Account.Name))
				return
			}
		}
		if sess != nil && sess.Kind == "cookie" && !safeMethod(r.Method) {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				got = formValue(r, "csrf")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
				s.fail(w, r, http.StatusForbidden, "csrf", "the form token is missing or wrong: reload the page and try again")
				return
			}
		}
		rt.h(w, r)
	})
}

// formValue reads a form field of a urlencoded or multipart body without
// failing the request when the body is something else.
func formValue(r *http.Request, key string) string {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return ""
		}
		return r.PostFormValue(key)
	}
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return r.PostFormValue(key)
	}
	return ""
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// errBadLogin is the one message of every failed login: it does not say
// whether the name exists.
var errBadLogin = errors.New("wrong name or password")

// errThrottled is a login refused by the throttle.
type errThrottled struct{ wait time.Duration }

func (e *errThrottled) Error() string {
	return fmt.Sprintf("too many failed logins from this address: try again in %s", e.wait.Round(time.Second))
}

// login checks a name and password under the throttle and opens a
// session of kind ("cookie" or "bearer"); it returns the token.
func (s *Server) login(r *http.Request, name, password, kind string) (string, *postgres.Session, error) {
	addr := clientAddr(r)
	if ok, wait := s.throttle.Take(name, addr); !ok {
		return "", nil, &errThrottled{wait}
	}
	acct, hash, err := s.db.AccountByName(r.Context(), name)
	if errors.Is(err, postgres.ErrNotFound) {
		VerifyPassword(dummyHash(), password)
		return "", nil, errBadLogin
	}
	if err != nil {
		return "", nil, err
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		// An account without a usable hash (a system account) cannot
		// log in.
		s.log.Warn("login to an account without a usable password hash", "account", name)
	}
	if !ok {
		s.log.Info("failed login", "account", name, "remote", addr)
		return "", nil, errBadLogin
	}
	s.throttle.Succeed(name, addr)
	ttl := s.cfg.SessionTTL
	if kind == "bearer" {
		ttl = s.cfg.TokenTTL
	}
	tok := newToken()
	sess := &postgres.Session{Account: acct, Kind: kind, CSRF: newToken(), ExpiresAt: s.cfg.Now().Add(ttl).UTC()}
	if err := s.db.AddSession(r.Context(), tokenHash(tok), acct.ID, kind, sess.CSRF, sess.ExpiresAt); err != nil {
		return "", nil, err
	}
	if err := s.db.Audit(r.Context(), postgres.AuditEntry{Actor: acct.Name, Action: "session.open", Object: "account/" + acct.Name,
		Detail: map[string]any{"kind": kind, "remote": addr}}); err != nil {
		return "", nil, err
	}
	return tok, sess, nil
}

// loginFailed answers a failed login: 429 when throttled, 401 for a wrong
// name or password.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	var th *errThrottled
	switch {
	case errors.As(err, &th):
		w.Header().Set("Retry-After", fmt.Sprint(int(th.wait.Seconds())+1))
		s.fail(w, r, http.StatusTooManyRequests, "throttled", th.Error())
	case errors.Is(err, errBadLogin):
		s.fail(w, r, http.StatusUnauthorized, "unauthorized", errBadLogin.Error())
	default:
		return false
	}
	return true
}

// apiLogin is POST /api/v1/sessions {name, password} → 201 {token}.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	tok, sess, err := s.login(r, in.Name, in.Password, "bearer")
	if err != nil {
		if !s.loginFailed(w, r, err) {
			s.failErr(w, r, err)
		}
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "expires_at": sess.ExpiresAt, "role": sess.Account.Role})
}

// apiLogout is DELETE /api/v1/sessions/current: ends the caller's session.
func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(r); err != nil {
		s.failErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// endSession deletes the request's session (cookie or bearer).
func (s *Server) endSession(r *http.Request) error {
	var tok string
	if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok = strings.TrimSpace(a)
	} else if c, err := r.Cookie(cookieName); err == nil {
		tok = c.Value
	}
	if tok == "" {
		return nil
	}
	return s.db.DeleteSession(r.Context(), tokenHash(tok))
}

// setSessionCookie sets (or, with an empty token, clears) the session
// cookie: HttpOnly, SameSite=Lax, Secure over TLS.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, tok string, expires time.Time) {
	c := &http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.cfg.SecureCookies}
	if tok == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

// apiMe is GET /api/v1/me: the caller's account.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	writeJSON(w, http.StatusOK, accountJSON(a))
}

// accountJSON is an account as the API shows it (never its hash).
func accountJSON(a *postgres.Account) map[string]any {
	m := map[string]any{"name": a.Name, "role": a.Role}
	if a.Provider != "" {
		m["provider"] = a.Provider
	}
	if a.Subject != "" {
		m["subject"] = a.Subject
	}
	if len(a.Items) > 0 {
		m["items"] = a.Items
	}
	return m
}
