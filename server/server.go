package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/govscore/govscore/store/postgres"
)

// Config tunes a Server. The zero value is usable.
type Config struct {
	// SecureCookies marks cookies Secure even on plain-HTTP requests, for
	// a server behind a TLS-terminating proxy. Requests that arrive over
	// TLS always get Secure cookies.
	SecureCookies bool
	// SessionTTL is how long a browser session lasts (default 12 h);
	// TokenTTL how long a bearer token lasts (default 24 h).
	SessionTTL, TokenTTL time.Duration
	// MaxBody is the largest request body for data submissions (default
	// 32 MiB); other requests take at most 1 MiB.
	MaxBody int64
	// MaxConns bounds the database connections (default 32); requests
	// beyond it wait for one.
	MaxConns int
	// Now is the clock (default time.Now); GeneratedAt of batches comes
	// from it.
	Now func() time.Time
	// VerifyEvery is how often the standing published batches (per
	// period the newest publication and the one the published diff
	// compares it with) are verified against the digests recorded when
	// they were stored (default 1 minute). Negative: only at start and
	// when a request first needs a batch.
	VerifyEvery time.Duration
	// VerifyAllEvery is how often every published batch, superseded ones
	// included, is verified (default 24 hours; the first check, at
	// start, covers them all). Negative: only at start.
	VerifyAllEvery time.Duration
}

// Server is the govscore server of record (SPEC §9). Create one with New;
// it is an http.Handler, safe for concurrent use.
type Server struct {
	db       *postgres.DB
	log      *slog.Logger
	cfg      Config
	throttle *throttle
	runner   *runner
	verifier *verifier
	// stopVerify ends the verification loop; verifyDone is closed when
	// it has.
	stopVerify context.CancelFunc
	verifyDone chan struct{}
	routes     []route
	handler    http.Handler
}

// New returns a server on db, logging to log. It marks failed the batch
// runs a previous server left unfinished (nothing of them was stored).
func New(ctx context.Context, db *postgres.DB, log *slog.Logger, cfg Config) (*Server, error) {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 24 * time.Hour
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 32 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 32
	}
	db.SetMaxOpenConns(cfg.MaxConns)
	s := &Server{db: db, log: log, cfg: cfg, throttle: newThrottle()}
	s.runner = newRunner(s)
	s.verifier = newVerifier(s)
	ids, err := db.FailInterruptedRuns(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		log.Warn("batch run interrupted by a stop of the server: marked failed", "run", id)
	}
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.path, s.guard(rt))
	}
	mux.HandleFunc("/", s.notFound)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "cross_origin", "cross-origin request refused: use the site's own forms or an API client without a browser origin")
	}))
	s.handler = s.recoverPanics(s.securityHeaders(s.logRequests(cop.Handler(s.authenticate(mux)))))
	every := cfg.VerifyEvery
	if every == 0 {
		every = time.Minute
	}
	if every < 0 {
		every = 1<<63 - 1 // at start only
	}
	allEvery := cfg.VerifyAllEvery
	if allEvery == 0 {
		allEvery = 24 * time.Hour
	}
	if allEvery < 0 {
		allEvery = 1<<63 - 1 // at start only
	}
	vctx, stop := context.WithCancel(context.Background())
	s.stopVerify, s.verifyDone = stop, make(chan struct{})
	go func() {
		defer close(s.verifyDone)
		s.verifier.loop(vctx, every, allEvery)
	}()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close cancels the batch runs in progress and the verification of
// published batches, and waits for them to end (each run marks itself
// cancelled, storing nothing).
func (s *Server) Close() {
	s.stopVerify()
	s.runner.stopAll()
	<-s.verifyDone
}

// ListenAndServe serves on addr until ctx is done, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (up to
// 10 s) and cancels the batch runs. ready, when not nil, receives the
// address listened on.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	s.log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	go s.purgeSessions(ctx)
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	s.Close()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// purgeSessions deletes expired sessions every hour until ctx is done.
func (s *Server) purgeSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.db.PurgeSessions(ctx); err != nil {
				s.log.Warn("purging sessions", "err", err)
			} else if n > 0 {
				s.log.Info("purged expired sessions", "n", n)
			}
		}
	}
}

// securityHeaders sets the headers every response carries: a CSP without
// inline script or style, no sniffing, no framing, no referrer to other
// sites.
func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// statusWriter records the status of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logRequests logs one structured line per request (never its body or
// credentials).
func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		s.log.Debug("request", "method", r.Method, "path", logPath(r.URL.Path), "status", sw.status,
			"ms", float64(time.Since(start).Microseconds())/1000, "remote", clientAddr(r))
	})
}

// recoverPanics turns a panic in a handler into a 500 and a log line.
func (s *Server) recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "path", logPath(r.URL.Path), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.fail(w, r, http.StatusInternalServerError, "internal", "internal error")
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// clientAddr is the request's remote IP address (the throttling key).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// apiError is the JSON body of every API error (SPEC §9).
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// isAPI reports whether the request is for the JSON API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// fail writes an error: JSON {error, message} on the API, a page
// elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if isAPI(r) {
		writeJSON(w, status, apiError{Error: code, Message: msg})
		return
	}
	s.errorPage(w, r, status, msg)
}

// failErr maps a store error to its status: not found 404, locked period
// or batch status conflicts 409, a cancelled request nothing, else 500.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, postgres.ErrLocked), errors.Is(err, postgres.ErrTransition), errors.Is(err, postgres.ErrPublished),
		errors.Is(err, postgres.ErrExists), errors.Is(err, postgres.ErrBatchExists):
		s.fail(w, r, http.StatusConflict, "conflict", err.Error())
	case isIntegrity(err):
		s.fail(w, r, http.StatusConflict, "integrity", err.Error())
	case errors.Is(err, context.Canceled):
		// the client went away
	default:
		s.log.Error("request failed", "method", r.Method, "path", logPath(r.URL.Path), "err", err)
		s.fail(w, r, http.StatusInternalServerError, "internal", "internal error; the server log has the details")
	}
}

// answerJSON answers v with 200, or fails with status and msg when
// status is not 0.
func (s *Server) answerJSON(w http.ResponseWriter, r *http.Request, v any, status int, msg string) {
	if status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// writeJSON writes v as the JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// readJSON decodes the request body into v (unknown fields refused); a
// failure has been answered (400 or 413) when it returns false.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request body exceeds %d bytes", mbe.Limit))
			return false
		}
		s.fail(w, r, http.StatusBadRequest, "bad_request", "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "not_found", "no such page: "+r.URL.Path)
}
