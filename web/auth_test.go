package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/demo"
)

func TestLoginSetsSecureSessionCookie(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	before := time.Now()
	r := b.login("admin", "")
	if r.location() != "/" {
		t.Errorf("after sign-in: Location %q, want /", r.location())
	}
	c := r.cookie(sessionCookie)
	if c == nil {
		t.Fatal("no session cookie")
	}
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("session cookie: HttpOnly=%v Secure=%v SameSite=%v Path=%q; want HttpOnly, Secure, Lax, /", c.HttpOnly, c.Secure, c.SameSite, c.Path)
	}
	if want := before.Add(bulwark.SessionLifetime); c.Expires.Before(want.Add(-time.Minute)) || c.Expires.After(want.Add(time.Minute)) {
		t.Errorf("session cookie expires %v, want about %v", c.Expires, want)
	}
	// The secret must open a session in the store.
	p, _, err := e.db.SessionPrincipal(e.sys, c.Value)
	if err != nil || p.Name != "admin" {
		t.Fatalf("cookie does not open admin's session: %v", err)
	}
	home := b.get("/")
	wantStatus(t, "home", home, http.StatusOK)
	wantText(t, "home", home, "Welcome, Ada Admin", "admin")
}

func TestLoginWrongPassword(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	tok := b.loginForm("")
	r := b.do(http.MethodPost, "/login", url.Values{"csrf": {tok}, "name": {"admin"}, "password": {"not-the-password"}})
	wantStatus(t, "wrong password", r, http.StatusUnauthorized)
	wantText(t, "wrong password", r, "wrong user name or password")
	if r.cookie(sessionCookie) != nil || b.cookies[sessionCookie] != nil {
		t.Error("a failed sign-in set a session cookie")
	}
	if !strings.Contains(r.body, `value="admin"`) {
		t.Error("the user name typed was not kept in the form")
	}
	if strings.Contains(r.body, "not-the-password") {
		t.Error("the password typed came back in the page")
	}
}

func TestLoginRateLimited(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	tok := b.loginForm("")
	var r *response
	for range bulwark.MaxFailuresAccount + 1 {
		r = b.do(http.MethodPost, "/login", url.Values{"csrf": {tok}, "name": {"auditor"}, "password": {"wrong-password"}})
	}
	wantStatus(t, "too many failures", r, http.StatusTooManyRequests)
	wantText(t, "too many failures", r, "too many failed sign-ins")
}

func TestLoginNeedsDoubleSubmitToken(t *testing.T) {
	e := newEnv(t)
	before := e.ledgerSize()

	// No cookie and no field.
	b := e.browser()
	r := b.do(http.MethodPost, "/login", url.Values{"name": {"admin"}, "password": {demo.Password}})
	wantStatus(t, "sign-in without token", r, http.StatusForbidden)

	// A field that is not the cookie's.
	b.loginForm("")
	r = b.do(http.MethodPost, "/login", url.Values{"csrf": {"forged-forged-forged-forged-forged"}, "name": {"admin"}, "password": {demo.Password}})
	wantStatus(t, "sign-in with a forged token", r, http.StatusForbidden)

	// The right token from another site.
	tok := b.loginForm("")
	r = b.do(http.MethodPost, "/login", url.Values{"csrf": {tok}, "name": {"admin"}, "password": {demo.Password}}, "Origin", "https://evil.example")
	wantStatus(t, "sign-in from another origin", r, http.StatusForbidden)

	if b.cookies[sessionCookie] != nil {
		t.Error("a rejected sign-in set a session cookie")
	}
	if after := e.ledgerSize(); after != before {
		t.Errorf("rejected sign-ins changed the ledger: %d events, then %d", before, after)
	}
	// The CSRF cookie itself is strict.
	c := e.browser().get("/login").cookie(csrfCookie)
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("csrf cookie %+v: want HttpOnly, Secure, SameSite=Strict", c)
	}
}

func TestPostWithoutValidCSRFIsForbidden(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("admin")
	form := func() url.Values {
		return url.Values{"parent_id": {itoa(e.org.Root.ID)}, "kind": {"region"}, "name": {"Asia"}, "reason": {"expansion"}}
	}
	other := e.signedIn("auditor") // signing in is itself a ledger event
	before := e.ledgerSize()

	noToken := form()
	r := b.do(http.MethodPost, "/admin/scopes", noToken)
	wantStatus(t, "no csrf", r, http.StatusForbidden)
	wantText(t, "no csrf", r, "Nothing was changed")

	wrong := form()
	wrong.Set("csrf", strings.Repeat("x", 43))
	wantStatus(t, "wrong csrf", b.do(http.MethodPost, "/admin/scopes", wrong), http.StatusForbidden)

	// Another user's token does not do either.
	stolen := form()
	stolen.Set("csrf", other.csrf)
	wantStatus(t, "someone else's csrf", b.do(http.MethodPost, "/admin/scopes", stolen), http.StatusForbidden)

	right := form()
	right.Set("csrf", b.csrf)
	wantStatus(t, "foreign origin", b.do(http.MethodPost, "/admin/scopes", right, "Origin", "https://evil.example"), http.StatusForbidden)
	wantStatus(t, "null origin", b.do(http.MethodPost, "/admin/scopes", right, "Origin", "null"), http.StatusForbidden)
	wantStatus(t, "cross-site fetch", b.do(http.MethodPost, "/admin/scopes", right, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	wantStatus(t, "no csrf on logout", b.do(http.MethodPost, "/logout", url.Values{}), http.StatusForbidden)

	if after := e.ledgerSize(); after != before {
		t.Fatalf("rejected forms changed the ledger: %d events, then %d", before, after)
	}
	if scopes, _, _ := e.db.FindScopes(e.sys, bulwark.Page{Limit: 100}); len(scopes) != 7 {
		t.Fatalf("rejected forms changed the scopes: %d, want the 7 of the demo", len(scopes))
	}

	// The same form with its token and our own origin goes through.
	r = b.do(http.MethodPost, "/admin/scopes", right, "Origin", e.srv.URL)
	wantStatus(t, "valid form", r, http.StatusSeeOther)
	if after := e.ledgerSize(); after != before+1 {
		t.Fatalf("valid form: ledger %d, want %d", after, before+1)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t)
	for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example", "//evil.example/%2e%2e"} {
		b := e.browser()
		// The page must not carry the foreign target into its form...
		page := b.get("/login?next=" + url.QueryEscape(next))
		if strings.Contains(page.body, "evil.example") {
			t.Errorf("sign-in page with next=%q carries it into the page", next)
		}
		// ...and a crafted form must not be obeyed either.
		tok := b.loginForm("")
		r := b.do(http.MethodPost, "/login", url.Values{"csrf": {tok}, "name": {"admin"}, "password": {demo.Password}, "next": {next}})
		wantStatus(t, "sign-in with next="+next, r, http.StatusSeeOther)
		if r.location() != "/" {
			t.Errorf("next=%q: redirected to %q, want /", next, r.location())
		}
	}

	// A local next is honoured: sign-in returns to the page asked for.
	b := e.browser()
	r := b.get("/ledger?kind=scope.created")
	wantStatus(t, "ledger signed out", r, http.StatusSeeOther)
	loc, err := url.Parse(r.location())
	if err != nil || loc.Path != "/login" || loc.Query().Get("next") != "/ledger?kind=scope.created" {
		t.Fatalf("signed-out ledger redirects to %q, want /login with next", r.location())
	}
	r = b.login("auditor", loc.Query().Get("next"))
	if r.location() != "/ledger?kind=scope.created" {
		t.Errorf("after sign-in: Location %q, want the ledger page asked for", r.location())
	}
	// An already signed-in browser visiting /login with a foreign next goes home.
	if r := b.get("/login?next=//evil.example"); r.status != http.StatusSeeOther || r.location() != "/" {
		t.Errorf("signed-in /login?next=//evil.example: %d to %q, want 303 to /", r.status, r.location())
	}
}

func TestExpiredSession(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("auditor")
	if _, err := e.db.Raw().Exec("UPDATE sessions SET expires_at = 0"); err != nil {
		t.Fatal(err)
	}
	r := b.get("/ledger")
	wantStatus(t, "expired session", r, http.StatusSeeOther)
	if !strings.HasPrefix(r.location(), "/login?") {
		t.Fatalf("expired session redirects to %q", r.location())
	}
	if c := r.cookie(sessionCookie); c == nil || c.MaxAge >= 0 {
		t.Error("the stale session cookie was not cleared")
	}
	page := b.get(r.location())
	wantStatus(t, "sign-in after expiry", page, http.StatusOK)
	wantText(t, "sign-in after expiry", page, "your session has expired")

	// A stale cookie sent straight to the sign-in page says the same.
	stale := e.browser()
	stale.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: "no-such-session"}
	page = stale.get("/login")
	wantStatus(t, "sign-in with a stale cookie", page, http.StatusOK)
	wantText(t, "sign-in with a stale cookie", page, "your session has expired")
}

func TestTooLargeForm(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("admin")
	before := e.ledgerSize()
	r := b.post("/admin/scopes", url.Values{"parent_id": {itoa(e.org.Root.ID)}, "kind": {"region"}, "name": {"Asia"},
		"reason": {strings.Repeat("x", maxFormBytes)}})
	wantStatus(t, "oversized form", r, http.StatusRequestEntityTooLarge)
	if after := e.ledgerSize(); after != before {
		t.Errorf("an oversized form changed the ledger")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("psirt")
	secret := b.cookies[sessionCookie].Value
	r := b.post("/logout", nil)
	wantStatus(t, "logout", r, http.StatusSeeOther)
	if b.cookies[sessionCookie] != nil {
		t.Error("logout did not clear the cookie")
	}
	if _, _, err := e.db.SessionPrincipal(e.sys, secret); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Errorf("session still open after logout: %v", err)
	}
	page := b.get(r.location())
	wantText(t, "after logout", page, "You have signed out")
	if r := b.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("home after logout: %d, want a redirect to sign in", r.status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("developer")
	for _, path := range []string{"/login", "/", "/ledger", "/admin/users/999999", "/static/style.css", "/static/app.js"} {
		r := b.get(path)
		h := r.header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
		if strings.HasSuffix(path, ".css") || strings.HasSuffix(path, ".js") {
			continue
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "style=") || onAttr.MatchString(r.body) {
			t.Errorf("%s: inline script or style in the page", path)
		}
	}
	if r := b.get("/static/"); r.status != http.StatusNotFound {
		t.Errorf("/static/ lists files: %d", r.status)
	}
}
