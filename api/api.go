package api

import (
	"context"
	_ "embed"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// Services is what the API serves; *sqldb.DB implements it.
type Services interface {
	bulwark.ScopeService
	bulwark.UserService
	bulwark.AuthService
	bulwark.LedgerService
	bulwark.EvidenceService
	bulwark.CatalogService
	bulwark.ProductService
	bulwark.FindingService
	bulwark.DashboardService
	AdvisoryService // its import takes records read by the osv package
}

// Options configure the API.
type Options struct {
	Logger      *slog.Logger
	VerifierKey string
	// Export writes a ledger bundle of events [from, to); to 0 means all.
	Export func(ctx context.Context, w io.Writer, from, to int64) error
	// MaxEvidenceBytes bounds an evidence upload body.
	MaxEvidenceBytes int64
	// MaxSBOMBytes bounds an SBOM upload body (the store may set less).
	MaxSBOMBytes int64
}

// API holds the handlers.
type API struct {
	svc    Services
	opts   Options
	log    *slog.Logger
	routes []string
}

// New returns the API over svc.
func New(svc Services, opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxEvidenceBytes <= 0 {
		opts.MaxEvidenceBytes = bulwark.DefaultMaxEvidenceBytes
	}
	if opts.MaxSBOMBytes <= 0 {
		opts.MaxSBOMBytes = MaxSBOMBytes
	}
	return &API{svc: svc, opts: opts, log: opts.Logger}
}

// handlerFunc is a handler that returns its error to one renderer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// public serves h to anyone.
func (a *API) public(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeProblem(w, r, a.log, err)
		}
	}
}

// authed serves h to a caller with a valid bearer token, as that principal.
func (a *API) authed(h handlerFunc) http.HandlerFunc {
	return a.public(func(w http.ResponseWriter, r *http.Request) error {
		auth := r.Header.Get("Authorization")
		scheme, secret, ok := strings.Cut(auth, " ")
		if auth == "" {
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "send an API token: Authorization: Bearer <token>")
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "the Authorization header must be \"Bearer <token>\"")
		}
		p, err := a.svc.TokenPrincipal(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			return err
		}
		return h(w, r.WithContext(bulwark.WithPrincipal(r.Context(), p)))
	})
}

// pathID parses a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, bulwark.FieldError(name, "%q is not an id", v)
	}
	return n, nil
}

// queryInt parses an optional non-negative integer query value.
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, bulwark.FieldError(name, "%s must be a whole number ≥ 0, got %q", name, v)
	}
	return n, nil
}

// queryBool parses an optional true/false query value.
func queryBool(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, bulwark.FieldError(name, "%s is true or false, got %q", name, v)
	}
}

func page(r *http.Request) (bulwark.Page, error) {
	q := r.URL.Query()
	return bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
}

// paged serves a list that takes only ?limit and ?cursor.
func paged[T any](find func(context.Context, bulwark.Page) ([]T, string, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pg, err := page(r)
		if err != nil {
			return err
		}
		items, next, err := find(r.Context(), pg)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, newList(items, next))
	}
}

// byID serves one thing named by the {id} path value.
func byID[T any](find func(context.Context, int64) (T, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		v, err := find(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}
}

// created decodes the body, hands it to do and answers 201 with the result.
func created[In, Out any](do func(context.Context, In) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decode(w, r, &in); err != nil {
			return err
		}
		out, err := do(r.Context(), in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, out)
	}
}

// acted serves an action on the {id} thing whose body decodes into In,
// and answers 204.
func acted[In any](do func(context.Context, int64, In) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in In
		if err := decode(w, r, &in); err != nil {
			return err
		}
		if err := do(r.Context(), id, in); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

type reasonBody struct {
	Reason string `json:"reason"`
}

// reasoned serves an action on the {id} thing whose body is {"reason": …}
// and answers 204.
func reasoned(do func(context.Context, int64, string) error) handlerFunc {
	return acted(func(ctx context.Context, id int64, in reasonBody) error { return do(ctx, id, in.Reason) })
}
