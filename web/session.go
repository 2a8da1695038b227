package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

const (
	sessionCookie = "bulwark_session"
	// csrfCookie carries the double-submit token of the sign-in form, the
	// one form that is posted before there is a session to tie a token to.
	csrfCookie = "bulwark_csrf"
	// maxFormBytes bounds a form body; the UI's forms are small.
	maxFormBytes = 64 << 10
)

// contentSecurityPolicy allows only our own files: no inline script or
// style, no framing, forms only to ourselves.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders are sent with every response of the UI, static files included.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// reqState is what the middleware learned about the browser.
type reqState struct {
	principal *bulwark.Principal
	session   *bulwark.Session
	secret    string
	expired   bool // a session cookie came but no longer opens a session
}

type stateKey struct{}

func stateFrom(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// handlerFunc is a page handler. It writes the page itself, or returns an
// error that renderError turns into a page with the right status.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// errCSRF is returned when a form's token or origin does not match.
var errCSRF = bulwark.Errorf(bulwark.EFORBIDDEN,
	"This form could not be accepted: it has expired or was sent from another site. Go back, reload the page and try again. Nothing was changed.")

// public serves a page that needs no session (the sign-in page). The
// session is still resolved, so a signed-in browser can be sent on.
func (p *Pages) public(h handlerFunc) http.Handler { return p.wrap(false, 0, h) }

// signedIn serves a page that needs a session; POSTs must also carry the
// session's CSRF token.
func (p *Pages) signedIn(h handlerFunc) http.Handler { return p.wrap(true, 0, h) }

// signedInUpload is signedIn for a form that posts a file: the body may be
// multipart and as large as the upload limit.
func (p *Pages) signedInUpload(h handlerFunc) http.Handler {
	return p.wrap(true, p.opts.MaxUploadBytes, h)
}

// signedInSBOM is signedInUpload with the SBOM limit: bills of materials
// of large products exceed what other uploads need.
func (p *Pages) signedInSBOM(h handlerFunc) http.Handler { return p.wrap(true, p.opts.MaxSBOMBytes, h) }

// wrap serves h; upload is the largest file the route accepts in a
// multipart body, 0 for routes that take plain forms only.
func (p *Pages) wrap(needSession bool, upload int64, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		// Pages show data that depends on who asks, and once a token secret.
		w.Header().Set("Cache-Control", "no-store")

		st := &reqState{}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if err := p.serve(needSession, upload, h, w, r, st); err != nil {
			p.renderError(w, r, err)
		}
	})
}

// uploadMemory is how much of a multipart body is kept in memory; the rest
// goes to temporary files, removed when the request ends.
const uploadMemory = 8 << 20

func (p *Pages) serve(needSession bool, upload int64, h handlerFunc, w http.ResponseWriter, r *http.Request, st *reqState) error {
	post := r.Method == http.MethodPost
	if post {
		if !sameOrigin(r) {
			return errCSRF
		}
		err := p.parseBody(w, r, upload)
		if r.MultipartForm != nil {
			// r is a copy made by WithContext, so the server would not
			// remove this one's temporary files.
			defer r.MultipartForm.RemoveAll()
		}
		if err != nil {
			return err
		}
	}

	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		pr, s, err := p.svc.SessionPrincipal(r.Context(), c.Value)
		switch {
		case err == nil:
			st.principal, st.session, st.secret = pr, s, c.Value
			r = r.WithContext(bulwark.WithPrincipal(r.Context(), pr))
		case bulwark.ErrorCode(err) == bulwark.EUNAUTHORIZED:
			st.expired = true
			clearCookie(w, sessionCookie, http.SameSiteLaxMode)
		default:
			return err
		}
	}

	if needSession && st.principal == nil {
		q := url.Values{}
		if st.expired {
			q.Set("expired", "1")
		}
		// After sign-in, come back to the page asked for; a POST cannot be
		// replayed, so it goes home instead.
		if !post {
			if next := r.URL.RequestURI(); next != "/" {
				q.Set("next", next)
			}
		}
		target := "/login"
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
	if needSession && post && !tokensEqual(r.PostForm.Get("csrf"), st.session.CSRFToken) {
		return errCSRF
	}
	return h(w, r)
}

// parseBody reads a posted form into r.PostForm: URL-encoded for every
// form, multipart only where upload allows it. A multipart body on another
// route leaves PostForm without its CSRF token, so it is refused.
func (p *Pages) parseBody(w http.ResponseWriter, r *http.Request, upload int64) error {
	limit := int64(maxFormBytes)
	if upload > 0 {
		limit = upload + maxFormBytes // the file plus the form's other fields
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); upload > 0 && mt == "multipart/form-data" {
		err = r.ParseMultipartForm(uploadMemory)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		if upload > 0 {
			return bulwark.Errorf(bulwark.ETOOLARGE, "files are at most %d MiB here; nothing was changed", upload>>20)
		}
		return bulwark.Errorf(bulwark.ETOOLARGE, "the form is larger than %d KiB", maxFormBytes>>10)
	}
	return bulwark.Errorf(bulwark.EINVALID, "the form could not be read")
}

// sameOrigin rejects a request whose Origin is present but not this host,
// and one the browser marks as cross-site.
func sameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false // includes the opaque origin "null"
	}
	return strings.EqualFold(u.Host, r.Host)
}

// tokensEqual compares two secrets in constant time; empty never matches.
func tokensEqual(got, want string) bool {
	if got == "" || want == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setSessionCookie hands the browser the session secret.
func setSessionCookie(w http.ResponseWriter, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", Expires: expires.UTC(),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
}

// loginCSRF returns the double-submit token of the sign-in form, setting
// a fresh cookie when the browser has none.
func loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: tok, Path: "/",
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	})
	return tok
}

func clearCookie(w http.ResponseWriter, name string, site http.SameSite) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: true, SameSite: site,
	})
}

// clientAddr is the peer address without its port. Forwarded headers are
// not trusted: anyone can send them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext returns s if it is a path on this site, "/" otherwise, so that
// the sign-in page cannot be used to send people elsewhere.
func safeNext(s string) string {
	if s == "" || len(s) > 2048 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return s
}
