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
