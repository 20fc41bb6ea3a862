package server

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPI []byte

// routeTable lists every route of the server: the JSON API (documented in
// openapi.json, checked by TestOpenAPIMatchesRoutes) and the pages.
func (s *Server) routeTable() []route {
	routes := []route{
		// JSON API (SPEC §9).
		{"POST", "/api/v1/sessions", public, false, "log in: a bearer token", s.apiLogin},
		{"DELETE", "/api/v1/sessions/current", anyAccount, false, "log out", s.apiLogout},
		{"GET", "/api/v1/me", anyAccount, false, "the caller's account", s.apiMe},
		{"GET", "/api/v1/accounts", adminOnly, false, "list accounts", s.apiAccounts},
		{"POST", "/api/v1/accounts", adminOnly, false, "create an account", s.apiAddAccount},
		{"PUT", "/api/v1/set", adminOnly, false, "put the indicator set in force", s.apiPutSet},
		{"GET", "/api/v1/periods", anyAccount, false, "list periods", s.apiPeriods},
		{"PUT", "/api/v1/periods/{period}", adminOnly, false, "open or lock a period", s.apiPutPeriod},
		{"GET", "/api/v1/periods/{period}/metrics", adminProvider, false, "current metric values", s.apiGetMetrics},
		{"PUT", "/api/v1/periods/{period}/metrics", adminProvider, true, "submit metric values", s.apiPutMetrics},
		{"GET", "/api/v1/periods/{period}/history", adminOnly, false, "every version of one value", s.apiHistory},
		{"POST", "/api/v1/batches", adminOnly, false, "run a batch", s.apiStartBatch},
		{"GET", "/api/v1/batches/{id}", adminOnly, false, "a batch's status and progress", s.apiGetBatch},
		{"POST", "/api/v1/batches/{id}/cancel", adminOnly, false, "cancel a running batch", s.apiCancelBatch},
		{"POST", "/api/v1/batches/{id}/approve", adminOnly, false, "approve a batch", s.apiApprove},
		{"POST", "/api/v1/batches/{id}/publish", adminOnly, false, "publish a batch", s.apiPublish},
		{"GET", "/api/v1/subjects/{subject}/explanation", adminSubject, false, "a subject's explanation (its own, for a subject)", s.apiSubjectExplanation},
		{"GET", "/api/v1/audit", adminOnly, false, "the audit log", s.apiAudit},
		{"GET", "/api/v1/published", public, false, "published periods", s.apiPublishedList},
		{"GET", "/api/v1/published/{period}", public, false, "the published results.json", s.apiPublished},
		{"GET", "/api/v1/published/{period}/diff", public, false, "changes since the superseded batch", s.apiPublishedDiff},
		{"GET", "/api/v1/published/{period}/subjects/{subject}", public, false, "a subject's published explanation", s.apiExplanation},
		{"GET", "/api/v1/openapi.json", public, false, "this API's OpenAPI 3 document", s.apiOpenAPI},

		// Pages.
		{"GET", "/{$}", public, false, "", s.pageHome},
		{"GET", "/static/site.css", public, false, "", s.pageCSS},
		{"GET", "/lang/{lang}", public, false, "", s.pageLang},
		{"GET", "/methodology", public, false, "", s.pageMethodology},
		{"GET", "/p/{period}", public, false, "", s.pagePeriod},
		{"GET", "/p/{period}/diff", public, false, "", s.pageDiff},
		{"GET", "/p/{period}/s/{subject}", public, false, "", s.pageSubject},
		{"GET", "/p/{period}/files/{name}", public, false, "", s.pageFile},
		{"GET", "/login", public, false, "", s.pageLogin},
		{"POST", "/login", public, false, "", s.pageLoginPost},
		{"POST", "/logout", anyAccount, false, "", s.pageLogout},
		{"GET", "/admin", adminOnly, false, "", s.pageAdmin},
		{"POST", "/admin/periods", adminOnly, false, "", s.pageAdminPeriod},
		{"POST", "/admin/runs", adminOnly, false, "", s.pageAdminRun},
		{"POST", "/admin/runs/{id}/{action}", adminOnly, false, "", s.pageAdminRunAction},
		{"GET", "/admin/history", adminOnly, false, "", s.pageHistory},
		{"GET", "/admin/audit", adminOnly, false, "", s.pageAudit},
		{"GET", "/provider", adminProvider, false, "", s.pageProvider},
		{"POST", "/provider", adminProvider, true, "", s.pageProviderPost},
		{"GET", "/me", adminSubject, false, "", s.pageMe},
	}
	routes = append(routes, s.appealRoutes()...)
	routes = append(routes, s.recordRoutes()...)
	routes = append(routes, s.collectRoutes()...)
	return routes
}

// apiOpenAPI is GET /api/v1/openapi.json.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}
