package web

import (
	"net/http"

	"github.com/bulwark-sec/bulwark"
)

type loginData struct {
	Form    *form
	Next    string
	CSRF    string // the double-submit token; the session has none yet
	Message string // why the sign-in page is shown (expired, signed out)
}

// loginPage shows the sign-in form, or sends a signed-in browser on.
func (p *Pages) loginPage(w http.ResponseWriter, r *http.Request) error {
	st := stateFrom(r)
	next := safeNext(r.URL.Query().Get("next"))
	if st.principal != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	d := &loginData{Form: newForm("name", "password"), Next: next}
	if st.expired || r.URL.Query().Get("expired") != "" {
		d.Message = "Sorry, your session has expired. Sign in again to continue."
	}
	p.renderLogin(w, r, http.StatusOK, d)
	return nil
}

// login checks the double-submit token, then the password, and opens a
// session.
func (p *Pages) login(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !tokensEqual(r.PostForm.Get("csrf"), c.Value) {
		return errCSRF
	}
	f := formFrom(r, "name", "password")
	next := safeNext(r.PostForm.Get("next"))
	secret, s, err := p.svc.Login(r.Context(), r.PostForm.Get("name"), r.PostForm.Get("password"), clientAddr(r))
	if err != nil {
		switch bulwark.ErrorCode(err) {
		case bulwark.EUNAUTHORIZED, bulwark.ERATELIMITED, bulwark.EINVALID:
			f.fail(err)
			p.renderLogin(w, r, statusOf(bulwark.ErrorCode(err)), &loginData{Form: f, Next: next})
			return nil
		}
		return err
	}
	setSessionCookie(w, secret, s.ExpiresAt)
	clearCookie(w, csrfCookie, http.SameSiteStrictMode)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// renderLogin shows the sign-in page without the signed-in chrome.
func (p *Pages) renderLogin(w http.ResponseWriter, r *http.Request, status int, d *loginData) {
	d.CSRF = loginCSRF(w, r)
	if d.Form == nil {
		d.Form = newForm("name", "password")
	}
	st := stateFrom(r)
	// The page is for signing in: show it as such even when a stale
	// principal is still in the request.
	st.principal, st.session = nil, nil
	p.render(w, r, status, "login", &view{Title: "Sign in", Data: d})
}

// logout ends the session in the store and in the browser.
func (p *Pages) logout(w http.ResponseWriter, r *http.Request) error {
	st := stateFrom(r)
	if err := p.svc.Logout(r.Context(), st.secret); err != nil {
		return err
	}
	clearCookie(w, sessionCookie, http.SameSiteLaxMode)
	http.Redirect(w, r, "/login?done=signed-out", http.StatusSeeOther)
	return nil
}
