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

	handle("GET /api/v1/scopes", a.authed(paged(a.svc.FindScopes)))
	handle("POST /api/v1/scopes", a.authed(a.createScope))
	handle("GET /api/v1/scopes/{id}", a.authed(byID(a.svc.FindScopeByID)))

	handle("GET /api/v1/users", a.authed(paged(a.svc.FindUsers)))
	handle("POST /api/v1/users", a.authed(created(a.svc.CreateUser)))
	handle("GET /api/v1/users/{id}", a.authed(byID(a.svc.FindUserByID)))
	handle("POST /api/v1/users/{id}/grants", a.authed(a.grantRole))
	handle("PUT /api/v1/users/{id}/password", a.authed(a.setPassword))
	handle("DELETE /api/v1/grants/{id}", a.authed(a.revokeGrant))

	handle("GET /api/v1/tokens", a.authed(paged(a.svc.FindTokens)))
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

	handle("GET /api/v1/catalog/components", a.authed(a.searchCatalog))
	handle("GET /api/v1/catalog/components/{id}", a.authed(byID(a.svc.FindComponent)))
	handle("POST /api/v1/catalog/requests", a.authed(created(a.svc.RequestVersion)))
	handle("GET /api/v1/catalog/queue", a.authed(paged(a.svc.EvaluationQueue)))
	handle("GET /api/v1/catalog/versions/{id}", a.authed(byID(a.svc.FindVersion)))
	handle("POST /api/v1/catalog/versions/{id}/evaluation", a.authed(reasoned(a.svc.StartEvaluation)))
	handle("POST /api/v1/catalog/versions/{id}/findings", a.authed(a.addFinding))
	handle("PUT /api/v1/catalog/versions/{id}/details", a.authed(a.updateDetails))
	handle("POST /api/v1/catalog/versions/{id}/decisions", a.authed(a.decide))
	handle("POST /api/v1/catalog/versions/{id}/lifecycle", a.authed(a.transition))
	handle("POST /api/v1/catalog/versions/{id}/renewal", a.authed(a.renew))
	handle("POST /api/v1/catalog/import", a.authed(a.importCatalog))

	handle("GET /api/v1/policy", a.authed(a.getPolicy))
	handle("PUT /api/v1/policy", a.authed(a.updatePolicy))
	handle("GET /api/v1/policy/history", a.authed(a.policyHistory))

	handle("GET /api/v1/waivers", a.authed(a.listWaivers))
	handle("POST /api/v1/waivers", a.authed(created(a.svc.RequestWaiver)))
	handle("GET /api/v1/waivers/{id}", a.authed(byID(a.svc.FindWaiver)))
	handle("POST /api/v1/waivers/{id}/approval", a.authed(reasoned(a.svc.ApproveWaiver)))
	handle("POST /api/v1/waivers/{id}/revocation", a.authed(reasoned(a.svc.RevokeWaiver)))

	handle("GET /api/v1/products", a.authed(a.products))
	handle("POST /api/v1/products", a.authed(created(a.svc.CreateProduct)))
	handle("GET /api/v1/products/{id}", a.authed(byID(a.svc.FindProduct)))
	handle("POST /api/v1/products/{id}/releases", a.authed(a.createRelease))
	handle("GET /api/v1/releases/{id}", a.authed(byID(a.svc.FindRelease)))
	handle("POST /api/v1/releases/{id}/state", a.authed(acted(a.moveRelease)))
	handle("POST /api/v1/releases/{id}/uses", a.authed(acted(a.addUse)))
	handle("DELETE /api/v1/releases/{id}/uses/{uses}", a.authed(a.removeUse))
	handle("PUT /api/v1/releases/{id}/sbom", a.authed(a.storeSBOM))
	handle("GET /api/v1/releases/{id}/sbom", a.authed(a.exportSBOM))
	handle("GET /api/v1/releases/{id}/components", a.authed(a.releaseComponents))
	handle("GET /api/v1/releases/{id}/graph", a.authed(byID(a.svc.ReleaseGraph)))
	handle("GET /api/v1/releases/{id}/diff", a.authed(a.diff))
	handle("GET /api/v1/releases/{id}/gate-runs", a.authed(a.gateRuns))
	handle("GET /api/v1/where-used", a.authed(a.whereUsed))
	handle("POST /api/v1/gate", a.authed(a.gate))
	handle("GET /api/v1/gate-runs/{id}", a.authed(byID(a.svc.FindGateRun)))
	handle("POST /api/v1/gate-runs/{id}/requests", a.authed(a.requestUncertified))

	handle("POST /api/v1/advisories/import", a.authed(a.importAdvisories))
	handle("GET /api/v1/advisories/{id}", a.authed(a.findAdvisories))
	handle("POST /api/v1/match", a.authed(a.match))
	handle("POST /api/v1/exploit-signals", a.authed(a.importSignals))
	handle("GET /api/v1/findings", a.authed(a.findings))
	handle("POST /api/v1/findings/triage", a.authed(a.triageMany))
	handle("GET /api/v1/dashboard", a.authed(a.roleDashboard))
	handle("GET /api/v1/dashboard/vulnerabilities", a.authed(a.dashboard))
	handle("GET /api/v1/findings/{id}", a.authed(byID(a.svc.FindFinding)))
	handle("POST /api/v1/findings/{id}/triage", a.authed(a.triage))
	handle("GET /api/v1/vulnerabilities/{id}/impact", a.authed(a.impact))
	handle("GET /api/v1/releases/{id}/vex", a.authed(a.exportVEX))

	handle("GET /api/v1/notifications", a.authed(paged(a.svc.Notifications)))
	handle("POST /api/v1/notifications/{id}/read", a.authed(a.readNotification))

	// Anything else under /api/ is a problem document, not the UI's 404 page.
	mux.HandleFunc("/api/", a.public(func(w http.ResponseWriter, r *http.Request) error {
		return notFound(r)
	}))
}

// RoutePatterns lists the registered patterns (after Routes).
func (a *API) RoutePatterns() []string { return append([]string(nil), a.routes...) }
