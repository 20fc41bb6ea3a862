// Package server is `govscore serve`: the evaluation cycle on a server of
// record shared by every party (SPEC §9) — the office (admin) that opens
// periods, runs, approves and publishes batches; the departments
// (providers) that submit the metrics declared with their `provider:`; the
// evaluated subjects that read their explanation; and the public that
// reads the published rankings.
//
// # Shape
//
// net/http with Go 1.22 pattern routing (routes.go holds the one route
// table: JSON API under /api/v1, documented in openapi.json, and the HTML
// pages), html/template pages that work without JavaScript, log/slog. All
// state lives in PostgreSQL through package store/postgres (schema
// migration 0003_server.sql); the server holds only caches and the
// failed-login throttle in memory.
//
// # Security
//
//   - Passwords: argon2id (64 MiB, 3 passes, 4 lanes, 16-byte salt),
//     at least 12 characters; a login of an unknown name costs the same.
//   - Sessions: random 256-bit tokens; the database keeps their SHA-256
//     only. Browsers get an HttpOnly, SameSite=Lax cookie (Secure over TLS
//     or with Config.SecureCookies), machine clients a bearer token from
//     POST /api/v1/sessions. Sessions expire (12 h, tokens 24 h); logout
//     deletes the session row, so a copied cookie dies with it. A login
//     always opens a new session (no fixation).
//   - CSRF: http.CrossOriginProtection refuses cross-origin unsafe
//     requests from browsers; a request authenticated by the cookie must
//     also carry the session's form token (field csrf or header
//     X-CSRF-Token).
//   - Throttling: failed logins are limited per client address and per
//     (account, address) — never per account alone, so an attacker cannot
//     lock the real user out from another address (429 with Retry-After).
//   - Authorisation: every route declares who may call it (guard); rows
//     are checked in the handlers (a provider's metrics are those whose
//     declaration has its provider; a subject reads its own explanation).
//   - Headers: a CSP without inline script or style, nosniff,
//     frame-ancestors 'none', Referrer-Policy same-origin. Bodies are
//     limited (1 MiB, data submissions Config.MaxBody) with 413; the
//     http.Server has read, write and idle timeouts and shuts down
//     gracefully.
//
// # Appeals and gaming checks
//
// appeals.go (routes in appealRoutes, schema migration 0006_appeals.sql):
// a subject files an appeal against one of its own metric values,
// combined ratings or adjustments in the period's published batch, inside
// the admin's appeal window, with an optional attachment sniffed by
// content; the admin decides once, an accepted correction is a new data
// version attributed to the appeal (in a locked period too), and a
// recomputation is a batch run linked to it, whose published diff marks
// the appeal. gaming.go serves the checks of package gaming on the data
// of record: a report, never a score change.
//
// # Data of record
//
// Metric values are versioned, never overwritten (metric_versions): each
// version records the submission (account, file, SHA-256, time) and the
// version it replaces. A batch run reads the current versions of its
// period and the previous one in one snapshot, records them (run_inputs)
// and stores its batch and its end in one transaction, so a run killed at
// any point has stored nothing; a starting server marks runs left running
// as failed. A period's newest published batch stands; the older ones stay,
// and the diff names the subjects and the inputs that changed. Every write
// is in the append-only audit_log (the database refuses UPDATE, DELETE and
// TRUNCATE on it).
//
// # Collection
//
// collect.go holds the routes of collection (docs/collection.md): a
// provider downloads its fill-in workbook, uploads CSV or XLSX, sees its
// problems at their cells or a preview against the current values, and
// confirms a draft (upload_drafts, migration 0005) into a new version; the
// admin opens rating rounds and issues rater tokens (SHA-256 stored, shown
// once on a printable QR sheet and as CSV); a token's questionnaire at
// /q/{token} is saved, resumed and submitted once, its answers sealed
// without key or time (sealed_answers) until the round is closed, when
// they are shuffled and stored as ratings under pseudonyms in one
// submission; subject accounts rate their peers and themselves; assessors
// upload their results. No page, export or log links a rating to a token.
package server
