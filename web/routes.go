package web

import (
	"net/http"
	"strings"
)

// Routes registers every UI route on mux. The JSON API, health and metrics
// live elsewhere; nothing here matches /api/, /healthz, /readyz or /metrics.
func (p *Pages) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", p.static())

	mux.Handle("GET /login", p.public(p.loginPage))
	mux.Handle("POST /login", p.public(p.login))
	mux.Handle("POST /logout", p.signedIn(p.logout))

	mux.Handle("GET /{$}", p.signedIn(p.home))

	mux.Handle("GET /admin/users", p.signedIn(p.users))
	mux.Handle("POST /admin/users", p.signedIn(p.createUser))
	mux.Handle("GET /admin/users/{id}", p.signedIn(p.user))
	mux.Handle("POST /admin/users/{id}/grants", p.signedIn(p.grantRole))
	mux.Handle("POST /admin/grants/{id}/revoke", p.signedIn(p.revokeGrant))
	mux.Handle("POST /admin/users/{id}/password", p.signedIn(p.setPassword))

	mux.Handle("GET /admin/scopes", p.signedIn(p.scopes))
	mux.Handle("POST /admin/scopes", p.signedIn(p.createScope))

	mux.Handle("GET /tokens", p.signedIn(p.tokens))
	mux.Handle("POST /tokens", p.signedIn(p.createToken))
	mux.Handle("POST /tokens/{id}/revoke", p.signedIn(p.revokeToken))

	mux.Handle("GET /ledger", p.signedIn(p.ledger))
	mux.Handle("GET /ledger/events/{index}", p.signedIn(p.event))
	mux.Handle("GET /ledger/bundle", p.signedIn(p.ledgerBundle))

	mux.Handle("GET /notifications", p.signedIn(p.notifications))
	mux.Handle("POST /notifications/{id}/read", p.signedIn(p.markRead))

	mux.Handle("GET /catalog", p.signedIn(p.catalog))
	mux.Handle("GET /catalog/components/{id}", p.signedIn(p.component))
	mux.Handle("GET /catalog/request", p.signedIn(p.requestPage))
	mux.Handle("POST /catalog/request", p.signedIn(p.requestComponent))
	mux.Handle("GET /catalog/queue", p.signedIn(p.queue))
	mux.Handle("GET /catalog/support", p.signedIn(p.support))
	mux.Handle("GET /catalog/import", p.signedIn(p.importPage))
	mux.Handle("POST /catalog/import", p.signedInUpload(p.importList))

	mux.Handle("GET /catalog/versions/{id}", p.signedIn(p.version))
	mux.Handle("POST /catalog/versions/{id}/evaluation", p.signedIn(p.startEvaluation))
	mux.Handle("POST /catalog/versions/{id}/findings", p.signedInUpload(p.addFinding))
	mux.Handle("POST /catalog/versions/{id}/details", p.signedIn(p.updateDetails))
	mux.Handle("POST /catalog/versions/{id}/decisions", p.signedIn(p.decide))
	mux.Handle("POST /catalog/versions/{id}/lifecycle", p.signedIn(p.transition))
	mux.Handle("POST /catalog/versions/{id}/renewal", p.signedIn(p.renew))
	mux.Handle("GET /evidence/{digest}", p.signedIn(p.evidence))

	mux.Handle("GET /policy", p.signedIn(p.policyPage))
	mux.Handle("POST /policy", p.signedIn(p.updatePolicy))

	mux.Handle("GET /waivers", p.signedIn(p.waivers))
	mux.Handle("POST /waivers", p.signedIn(p.requestWaiver))
	mux.Handle("POST /waivers/{id}/approve", p.signedIn(p.approveWaiver))
	mux.Handle("POST /waivers/{id}/revoke", p.signedIn(p.revokeWaiver))

	mux.Handle("GET /products", p.signedIn(p.products))
	mux.Handle("POST /products", p.signedIn(p.createProduct))
	mux.Handle("GET /products/{id}", p.signedIn(p.product))
	mux.Handle("POST /products/{id}/releases", p.signedIn(p.createRelease))
	mux.Handle("GET /releases/{id}", p.signedIn(p.release))
	mux.Handle("POST /releases/{id}/state", p.signedIn(p.moveRelease))
	mux.Handle("POST /releases/{id}/uses", p.signedIn(p.addUse))
	mux.Handle("POST /releases/{id}/uses/{uses}/remove", p.signedIn(p.removeUse))
	mux.Handle("GET /releases/{id}/sbom", p.signedIn(p.exportSBOM))
	mux.Handle("POST /releases/{id}/sbom", p.signedInSBOM(p.uploadSBOM))
	mux.Handle("GET /releases/{id}/diff", p.signedIn(p.diff))
	mux.Handle("GET /releases/{id}/vex", p.signedIn(p.exportVEX))
	mux.Handle("GET /where-used", p.signedIn(p.whereUsed))
	mux.Handle("GET /gate-runs/{id}", p.signedIn(p.gateRun))
	mux.Handle("POST /gate-runs/{id}/requests", p.signedIn(p.requestUncertified))

	mux.Handle("GET /vulnerabilities", p.signedIn(p.vulnerabilities))
	mux.Handle("GET /vulnerabilities/search", p.signedIn(p.vulnerabilitySearch))
	mux.Handle("GET /vulnerabilities/{id}", p.signedIn(p.vulnerability))
	mux.Handle("GET /vulnerabilities/{id}/impact.csv", p.signedIn(p.impactCSV))
	mux.Handle("GET /vulnerabilities/{id}/impact.json", p.signedIn(p.impactJSON))
	mux.Handle("GET /findings", p.signedIn(p.findings))
	mux.Handle("POST /findings/triage", p.signedIn(p.triageFindings))
	mux.Handle("GET /findings/{id}", p.signedIn(p.finding))
	mux.Handle("POST /findings/{id}/triage", p.signedIn(p.triage))
	mux.Handle("GET /advisories/import", p.signedIn(p.advisoryImportPage))
	mux.Handle("POST /advisories/import", p.wrap(true, p.opts.MaxAdvisoryBytes, p.importAdvisories))
}

// static serves the embedded stylesheet and script. Their URLs carry the
// version, so a short cache lifetime is enough.
func (p *Pages) static() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(p.files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
