package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/reports"
	"github.com/govscore/govscore/store/postgres"
)

// codeOf is the `error` code of an HTTP status in API error bodies.
func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported"
	case http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusTooManyRequests:
		return "throttled"
	}
	return "internal"
}

func formatNumber(x float64) string { return reports.FormatFloat(x) }

// setCache holds parsed indicator sets by the SHA-256 of their YAML.
var setCache = struct {
	sync.Mutex
	m map[[32]byte]*indicators.Set
}{m: map[[32]byte]*indicators.Set{}}

// currentSet returns the indicator set in force, parsed (cached by id);
// ErrNotFound when none was set.
func (s *Server) currentSet(ctx context.Context) (*indicators.Set, error) {
	_, yaml, err := s.db.CurrentSet(ctx)
	if err != nil {
		return nil, err
	}
	return parseStoredSet(yaml)
}

// parseStoredSet parses a stored set's YAML, once per content.
func parseStoredSet(yaml string) (*indicators.Set, error) {
	key := sha256.Sum256([]byte(yaml))
	setCache.Lock()
	defer setCache.Unlock()
	if set, ok := setCache.m[key]; ok {
		return set, nil
	}
	set, err := indicators.Parse("indicators.yaml", []byte(yaml))
	if err != nil {
		return nil, fmt.Errorf("stored indicator set: %w", err)
	}
	setCache.m[key] = set
	return set, nil
}

// AccountSpec is an account to create: `govscore user add` and POST
// /api/v1/accounts.
type AccountSpec struct {
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Provider string   `json:"provider,omitempty"`
	Subject  string   `json:"subject,omitempty"`
	Items    []string `json:"items,omitempty"`
	Password string   `json:"password"`
}

// Check reports what is wrong with an account spec, in words a person
// can act on.
func (a *AccountSpec) Check() error {
	switch {
	case a.Name == "" || len([]rune(a.Name)) > 64:
		return fmt.Errorf("account name %q: give 1 to 64 characters", a.Name)
	case strings.IndexFunc(a.Name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '/' }) >= 0:
		return fmt.Errorf("account name %q: no spaces, slashes or control characters", a.Name)
	case !slices.Contains(postgres.Roles, a.Role):
		return fmt.Errorf("role %q: want one of %s", a.Role, strings.Join(postgres.Roles, ", "))
	case a.Role == "provider" && a.Provider == "":
		return errors.New("a provider account needs --provider P: the `provider:` of the metrics it submits")
	case a.Role != "provider" && a.Provider != "":
		return errors.New("--provider is only for the role provider")
	case a.Role == "subject" && a.Subject == "":
		return errors.New("a subject account needs --subject ID: the subject it is")
	case a.Role != "subject" && a.Subject != "":
		return errors.New("--subject is only for the role subject")
	case a.Role == "assessor" && len(a.Items) == 0:
		return errors.New("an assessor account needs --items a,b: the assessment items it rates")
	case a.Role != "assessor" && len(a.Items) > 0:
		return errors.New("--items is only for the role assessor")
	}
	return nil
}

// AddAccount checks spec, hashes its password with argon2id and stores
// the account, recorded in the audit log as created by actor.
func AddAccount(ctx context.Context, db *postgres.DB, spec AccountSpec, actor string) error {
	if err := spec.Check(); err != nil {
		return err
	}
	hash, err := HashPassword(spec.Password)
	if err != nil {
		return err
	}
	_, err = db.AddAccount(ctx, postgres.Account{Name: spec.Name, Role: spec.Role, Provider: spec.Provider,
		Subject: spec.Subject, Items: spec.Items}, hash, actor)
	return err
}

// apiAddAccount is POST /api/v1/accounts (admin).
func (s *Server) apiAddAccount(w http.ResponseWriter, r *http.Request) {
	var spec AccountSpec
	if !s.readJSON(w, r, &spec) {
		return
	}
	if err := AddAccount(r.Context(), s.db, spec, accountOf(r).Name); err != nil {
		if errors.Is(err, postgres.ErrExists) {
			s.fail(w, r, http.StatusConflict, "conflict", err.Error())
			return
		}
		if errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "SQLSTATE") {
			s.failErr(w, r, err)
			return
		}
		s.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"name": spec.Name, "role": spec.Role})
}

// apiAccounts is GET /api/v1/accounts (admin).
func (s *Server) apiAccounts(w http.ResponseWriter, r *http.Request) {
	as, err := s.db.Accounts(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = accountJSON(a)
	}
	writeJSON(w, http.StatusOK, out)
}

// UseSet parses an indicator set and makes it the one in force, as
// actor; the error of an invalid set names file:line:col.
func UseSet(ctx context.Context, db *postgres.DB, name string, yaml []byte, actor string) (*indicators.Set, error) {
	set, err := indicators.Parse(name, yaml)
	if err != nil {
		return nil, err
	}
	if _, err := db.UseSet(ctx, set, actor); err != nil {
		return nil, err
	}
	return set, nil
}

// apiPutSet is PUT /api/v1/set (admin): the indicator set YAML in force
// from now on.
func (s *Server) apiPutSet(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", err.Error())
		return
	}
	set, err := UseSet(r.Context(), s.db, "indicators.yaml", data, accountOf(r).Name)
	if err != nil {
		if strings.Contains(err.Error(), "indicators.yaml:") {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid", "message": err.Error()})
			return
		}
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": set.ID, "version": set.Version, "name": set.Name})
}

// apiPeriods is GET /api/v1/periods: the periods and their status.
func (s *Server) apiPeriods(w http.ResponseWriter, r *http.Request) {
	ps, err := s.db.ServerPeriods(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	out := make([]map[string]any, len(ps))
	for i, p := range ps {
		out[i] = map[string]any{"period": p.Period, "status": p.Status, "updated_by": p.UpdatedBy, "updated_at": p.UpdatedAt}
	}
	writeJSON(w, http.StatusOK, out)
}

// apiPutPeriod is PUT /api/v1/periods/{period} {status: open|locked}
// (admin).
func (s *Server) apiPutPeriod(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	var in struct {
		Status string `json:"status"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	if in.Status != "open" && in.Status != "locked" {
		s.fail(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("status %q: want open or locked", in.Status))
		return
	}
	if err := s.db.SetPeriodStatus(r.Context(), per.String(), in.Status, accountOf(r).Name); err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"period": per.String(), "status": in.Status})
}

// apiAudit is GET /api/v1/audit?before=ID (admin): 100 entries, newest
// first.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	log, err := s.db.AuditLog(r.Context(), before, 100)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, log)
}

// pathID reads a positive integer {id} of the URL; a malformed one is
// answered with 400.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != raw {
		s.fail(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("id %q: want a positive integer", raw))
		return 0, false
	}
	return id, true
}
