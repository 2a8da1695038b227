package web

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// env is a running UI over a real, seeded SQLite store.
type env struct {
	t   *testing.T
	db  *sqldb.DB
	org *demo.Org
	srv *httptest.Server
	sys context.Context // acts as the local operator, to check the store directly
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, Options{})
}

// newEnvWith is newEnv with options for the pages; the logger, key and
// version are filled in.
func newEnvWith(t *testing.T, opts Options) *env {
	t.Helper()
	return newEnvServing(t, opts, nil)
}

// newEnvServing is newEnvWith with a middleware around the pages, such as
// one that slows a route down for a browser test to watch.
func newEnvServing(t *testing.T, opts Options, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	return newEnvOn(t, sqldbtest.Open(t, sqldb.SQLite), opts, wrap)
}

// newEnvOn is newEnvServing over a store the test opened itself, such as
// one with its own clock.
func newEnvOn(t *testing.T, db *sqldb.DB, opts Options, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	sys := sqldbtest.System(context.Background())
	root, err := db.CreateScope(sys, 0, bulwark.ScopeOrg, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	org, err := demo.Seed(sys, db, root)
	if err != nil {
		t.Fatal(err)
	}
	opts.VerifierKey, opts.Logger, opts.Version = db.VerifierKey(), testLogger(t), "test"
	if opts.Export == nil { // as `bulwark serve` wires it
		opts.Export = func(ctx context.Context, w io.Writer, from, to int64) error {
			return db.ExportBundle(ctx, w, sqldb.ExportOptions{From: from, To: to})
		}
	}
	pages, err := New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages.Routes(mux)
	var h http.Handler = mux
	if wrap != nil {
		h = wrap(mux)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, org: org, srv: srv, sys: sys}
}

// testLogger sends the pages' logs to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func (e *env) ledgerSize() int64 {
	e.t.Helper()
	n, err := e.db.LedgerSize(e.sys)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) userID(name string) int64 {
	e.t.Helper()
	u, err := e.db.FindUserByName(e.sys, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

// browser is a cookie-keeping client that does not follow redirects.
// net/http/cookiejar will not send Secure cookies over plain http, so
// cookies are kept and sent by hand.
type browser struct {
	e       *env
	client  *http.Client
	cookies map[string]*http.Cookie
	csrf    string // the session's token, read from the last page that had one
}

func (e *env) browser() *browser {
	return &browser{e: e, cookies: map[string]*http.Cookie{}, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	header http.Header
	body   string
	set    []*http.Cookie
}

func (r *response) location() string { return r.header.Get("Location") }

func (r *response) cookie(name string) *http.Cookie {
	for _, c := range r.set {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// text is the body with tags removed and entities decoded, for
// assertions about what a reader sees.
func (r *response) text() string {
	s := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(r.body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func (b *browser) do(method, path string, form url.Values, header ...string) *response {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.send(req)
}

// send sends req with the browser's cookies and keeps what comes back.
func (b *browser) send(req *http.Request) *response {
	b.e.t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, body: string(raw), set: resp.Cookies()}
	for _, c := range r.set {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if m := csrfField.FindStringSubmatch(r.body); m != nil && b.cookies[sessionCookie] != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return r
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) *response { return b.do(http.MethodGet, path, nil) }

// post sends a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) *response {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		if b.csrf == "" {
			b.get("/")
		}
		form.Set("csrf", b.csrf)
	}
	return b.do(http.MethodPost, path, form)
}

// loginForm fetches the sign-in page and returns its hidden CSRF token.
func (b *browser) loginForm(next string) string {
	b.e.t.Helper()
	path := "/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	r := b.get(path)
	if r.status != http.StatusOK {
		b.e.t.Fatalf("GET %s: %d", path, r.status)
	}
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		b.e.t.Fatal("sign-in page has no csrf field")
	}
	return html.UnescapeString(m[1])
}

// login signs in as a demo user and returns the redirect response.
func (b *browser) login(name, next string) *response {
	b.e.t.Helper()
	tok := b.loginForm(next)
	r := b.do(http.MethodPost, "/login", url.Values{"csrf": {tok}, "name": {name}, "password": {demo.Password}, "next": {next}})
	if r.status != http.StatusSeeOther || b.cookies[sessionCookie] == nil {
		b.e.t.Fatalf("sign-in as %s: status %d, want 303 and a session cookie\n%s", name, r.status, r.text())
	}
	return r
}

func (e *env) signedIn(name string) *browser {
	e.t.Helper()
	b := e.browser()
	b.login(name, "")
	b.get("/")
	return b
}

func wantStatus(t *testing.T, what string, r *response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, r.text())
	}
}

func wantText(t *testing.T, what string, r *response, want ...string) {
	t.Helper()
	text := r.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: page does not say %q\n%s", what, w, text)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		"/ledger?kind=scope.created":    "/ledger?kind=scope.created",
		"/admin/users/3":                "/admin/users/3",
		"//evil.example":                "/",
		"//evil.example/path":           "/",
		"/\\evil.example":               "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"evil.example":                  "/",
		"/ledger\r\nLocation: //x":      "/",
		"/login?next=//evil.example":    "/",
		"/%2F%2Fevil.example":           "/%2F%2Fevil.example",
		"/\x00":                         "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewFailsWithoutServices(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Fatal("New(nil) succeeded")
	}
}
