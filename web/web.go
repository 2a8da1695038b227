// Package web is Bulwark's server-rendered user interface: HTML pages over
// the same domain services as the JSON API, with browser sessions, CSRF
// protection and strict security headers. Templates and the stylesheet are
// embedded, so the binary carries its whole UI.
//
// Every state change goes through a service method, which authorises it and
// records it in the ledger; this package only decides what to show.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
)

// Services is what the pages need; *sqldb.DB implements all of it.
type Services interface {
	bulwark.ScopeService
	bulwark.UserService
	bulwark.AuthService
	bulwark.LedgerService
	bulwark.CatalogService
	bulwark.EvidenceService
	bulwark.ProductService
	bulwark.FindingService
	bulwark.DashboardService
	AdvisoryService
}

// AdvisoryService is the vulnerability intelligence the pages import and
// show; *sqldb.DB implements it.
type AdvisoryService interface {
	// ImportAdvisories stores OSV records; items that failed to read are
	// counted as rejections. Errors: EFORBIDDEN.
	ImportAdvisories(ctx context.Context, items []osv.Item) (*bulwark.AdvisoryImportResult, error)
	// FindAdvisories returns the records of a vulnerability by any id or
	// alias. Errors: ENOTFOUND.
	FindAdvisories(ctx context.Context, id string) ([]*bulwark.Advisory, error)
}

// Options configure the pages.
type Options struct {
	// VerifierKey is the ledger's public key in signed-note format. The
	// ledger page shows it and event pages verify against it.
	VerifierKey string
	Logger      *slog.Logger
	// Version is shown in the footer.
	Version string
	// MaxUploadBytes bounds one uploaded file (evidence, import lists);
	// 0 means DefaultMaxUploadBytes. The store applies its own limits too.
	MaxUploadBytes int64
	// MaxSBOMBytes bounds one uploaded SBOM, which may be larger than other
	// files; 0 means DefaultMaxSBOMBytes. The store applies its own limit.
	MaxSBOMBytes int64
	// MaxAdvisoryBytes bounds one uploaded advisory file or archive (OSV's
	// all.zip of an ecosystem is large); 0 means DefaultMaxAdvisoryBytes.
	MaxAdvisoryBytes int64
	// Export writes a ledger bundle of events [from, to), as the JSON
	// API's export does; nil leaves the ledger page without its download.
	Export func(ctx context.Context, w io.Writer, from, to int64) error
}

// DefaultMaxUploadBytes is the upload limit when Options sets none.
const DefaultMaxUploadBytes = 32 << 20

// DefaultMaxSBOMBytes is the SBOM upload limit when Options sets none; it
// matches what the JSON API accepts.
const DefaultMaxSBOMBytes = 128 << 20

// DefaultMaxAdvisoryBytes is the advisory upload limit when Options sets
// none; it matches what the JSON API accepts.
const DefaultMaxAdvisoryBytes = 512 << 20

// Pages serves the UI. Create it with New and mount it with Routes.
type Pages struct {
	svc   Services
	opts  Options
	log   *slog.Logger
	pages map[string]*template.Template
	files fs.FS // static files, rooted at static/
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames lists the page templates; each defines "content" and is parsed
// together with the layout and the shared partials.
var pageNames = []string{
	"login", "home", "users", "user", "scopes", "tokens", "ledger", "event", "error",
	"catalog", "component", "version", "request", "queue", "support", "policy", "waivers", "import", "notifications",
	"products", "product", "release", "diff", "whereused", "gaterun",
	"vulnerabilities", "vulnerability", "findings", "finding", "advisoryimport",
}

// staticNames are files the layout links to; New fails if one is missing.
var staticNames = []string{"style.css", "app.js", "favicon.svg"}

// New parses the embedded templates. It returns an error at start-up if a
// template is missing or broken, rather than on the first request.
func New(svc Services, opts Options) (*Pages, error) {
	if svc == nil {
		return nil, errors.New("web: New needs services")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.MaxSBOMBytes <= 0 {
		opts.MaxSBOMBytes = DefaultMaxSBOMBytes
	}
	if opts.MaxAdvisoryBytes <= 0 {
		opts.MaxAdvisoryBytes = DefaultMaxAdvisoryBytes
	}
	p := &Pages{svc: svc, opts: opts, log: opts.Logger, pages: map[string]*template.Template{}}

	base, err := template.New("layout.html").Funcs(templateFuncs).Funcs(vulnFuncs).
		ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/charts.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout templates: %w", err)
	}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: %s template: %w", name, err)
		}
		if t, err = t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("web: %s template: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: %s template defines no \"content\"", name)
		}
		// html/template escapes lazily, on the first Execute. Run each page
		// once on empty data so that escaping mistakes stop the start-up;
		// errors from the empty data itself are expected and ignored.
		var terr *template.Error
		if err := t.Execute(io.Discard, &view{}); errors.As(err, &terr) {
			return nil, fmt.Errorf("web: %s template: %w", name, err)
		}
		p.pages[name] = t
	}

	p.files, err = fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	for _, name := range staticNames {
		if _, err := fs.Stat(p.files, name); err != nil {
			return nil, fmt.Errorf("web: static file %s: %w", name, err)
		}
	}
	return p, nil
}

// view is what every template receives: the chrome that the layout needs
// and the page's own Data.
type view struct {
	Title   string
	Section string // highlights one navigation entry
	P       *bulwark.Principal
	CSRF    string
	Nav     []navSection
	Roles   []bulwark.Role
	Version string
	Notice  string // one-line confirmation of the last action
	Unread  string // unread notifications for the top bar: "", "3" or "20+"
	Error   string // page-level error that belongs to no form field
	Status  int
	Data    any
}

// render executes the page template into a buffer first, so that a
// template failure becomes a clean 500 instead of half a page.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := p.pages[page]
	if !ok {
		p.internal(w, r, fmt.Errorf("web: no page template %q", page))
		return
	}
	st := stateFrom(r)
	v.P = st.principal
	if st.session != nil {
		v.CSRF = st.session.CSRFToken
	}
	v.Nav = navFor(v.P)
	v.Roles = rolesOf(v.P)
	v.Version = p.opts.Version
	v.Status = status
	if v.P != nil {
		v.Unread = p.unreadCount(r, v.P)
	}
	if v.Notice == "" {
		v.Notice = notices[r.URL.Query().Get("done")]
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		p.internal(w, r, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// internal answers a fault of ours without using templates (which may be
// what failed) and logs the cause.
func (p *Pages) internal(w http.ResponseWriter, r *http.Request, err error) {
	p.log.ErrorContext(r.Context(), "web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, "Bulwark could not show this page because of an internal error. It has been logged; please try again or tell your administrator.\n")
}

// notices are the confirmations a redirect after a successful form may ask
// for with ?done=…; only these fixed texts can appear, never request text.
var notices = map[string]string{
	"user-created":     "User created. Grant them a role below so they can work.",
	"role-granted":     "Role granted and recorded in the ledger.",
	"grant-revoked":    "Role revoked and recorded in the ledger.",
	"password-set":     "Password replaced. The user's open sessions have been signed out.",
	"scope-created":    "Scope created and recorded in the ledger.",
	"token-revoked":    "Token revoked. Requests that use it are refused from now on.",
	"signed-out":       "You have signed out.",
	"password-changed": "Password changed.",

	"evaluation-started": "Evaluation started and recorded in the ledger.",
	"finding-added":      "Finding recorded in the ledger.",
	"details-corrected":  "Details corrected; the automatic checks ran again.",
	"decided":            "Decision recorded in the ledger.",
	"lifecycle-changed":  "Lifecycle change recorded; those who requested the version are notified.",
	"renewed":            "Certification renewed and recorded in the ledger.",
	"requested":          "Request recorded. Product security evaluates it; you will be notified of the decision.",
	"policy-updated":     "Policy saved as a new version and recorded in the ledger.",
	"waiver-requested":   "Waiver requested. It applies once another product-security member approves it.",
	"waiver-approved":    "Waiver approved and recorded in the ledger.",
	"waiver-revoked":     "Waiver revoked and recorded in the ledger.",
	"notification-read":  "Notification marked as read.",

	"product-created":        "Product created and recorded in the ledger. Add its first release below.",
	"release-created":        "Release created in development. Upload its SBOM to see what it contains.",
	"release-released":       "Released. The SBOM and the composition are now frozen; the change is recorded in the ledger.",
	"release-maintained":     "The release is now maintained; the change is recorded in the ledger.",
	"release-end-of-support": "The release has reached end of support; the change is recorded in the ledger.",
	"use-added":              "Composition recorded in the ledger.",
	"use-removed":            "Composition changed and recorded in the ledger.",
	"sbom-unchanged":         "This SBOM is stored already: nothing changed.",
	"components-requested":   "Introduction requests recorded. Product security evaluates them; you will be notified of each decision.",
}
