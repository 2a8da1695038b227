package api

import (
	"net/http"
)

// Routes registers every API route on mux. The OpenAPI document lists the
// same routes; a test keeps the two in step.
func (a *API) Routes(mux *http.ServeMux) {
	handle := func(pattern string, h http.HandlerFunc) {
		a.routes = append(a.routes, pattern)
		mux.HandleFunc(pattern, h)
	}
	handle("GET /api/v1/openapi.json", a.public(a.openAPI))
	handle("GET /api/v1/me", a.authed(a.me))

	handle("GET /api/v1/scopes", a.authed(a.listScopes))
	handle("POST /api/v1/scopes", a.authed(a.createScope))
	handle("GET /api/v1/scopes/{id}", a.authed(a.getScope))

	handle("GET /api/v1/users", a.authed(a.listUsers))
	handle("POST /api/v1/users", a.authed(a.createUser))
	handle("GET /api/v1/users/{id}", a.authed(a.getUser))
	handle("POST /api/v1/users/{id}/grants", a.authed(a.grantRole))
	handle("PUT /api/v1/users/{id}/password", a.authed(a.setPassword))
	handle("DELETE /api/v1/grants/{id}", a.authed(a.revokeGrant))

	handle("GET /api/v1/tokens", a.authed(a.listTokens))
	handle("POST /api/v1/tokens", a.authed(a.createToken))
	handle("DELETE /api/v1/tokens/{id}", a.authed(a.revokeToken))

	handle("GET /api/v1/ledger/checkpoint", a.public(a.checkpoint))
	handle("GET /api/v1/ledger/key", a.public(a.publicKey))
	handle("GET /api/v1/ledger/proof/inclusion", a.public(a.proveInclusion))
	handle("GET /api/v1/ledger/proof/consistency", a.public(a.proveConsistency))
	handle("GET /api/v1/ledger/events", a.authed(a.listEvents))
	handle("GET /api/v1/ledger/events/{index}", a.authed(a.getEvent))
	handle("GET /api/v1/ledger/export", a.authed(a.export))

	handle("POST /api/v1/evidence", a.authed(a.putEvidence))
	handle("GET /api/v1/evidence/{digest}", a.authed(a.getEvidence))

	// Anything else under /api/ is a problem document, not the UI's 404 page.
	mux.HandleFunc("/api/", a.public(func(w http.ResponseWriter, r *http.Request) error {
		return notFound(r)
	}))
}

// RoutePatterns lists the registered patterns (after Routes).
func (a *API) RoutePatterns() []string { return append([]string(nil), a.routes...) }
