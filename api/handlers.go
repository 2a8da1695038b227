package api

import (
	_ "embed"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

//go:embed openapi.json
var openAPIDoc []byte

func notFound(r *http.Request) error {
	return bulwark.Errorf(bulwark.ENOTFOUND, "no API route %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path)
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}

type meResponse struct {
	Kind   bulwark.PrincipalKind `json:"kind"`
	UserID int64                 `json:"user_id"`
	Name   string                `json:"name"`
	Grants []bulwark.Grant       `json:"grants"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p := bulwark.PrincipalFrom(r.Context())
	g := p.Grants
	if g == nil {
		g = []bulwark.Grant{}
	}
	return writeJSON(w, http.StatusOK, meResponse{p.Kind, p.UserID, p.Name, g})
}

// Scopes.

type newScope struct {
	ParentID int64             `json:"parent_id"`
	Kind     bulwark.ScopeKind `json:"kind"`
	Name     string            `json:"name"`
	Reason   string            `json:"reason"`
}

func (a *API) createScope(w http.ResponseWriter, r *http.Request) error {
	var in newScope
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.ParentID <= 0 {
		return bulwark.FieldError("parent_id", "name the parent scope")
	}
	s, err := a.svc.CreateScope(r.Context(), in.ParentID, in.Kind, in.Name, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, s)
}

// Users.

type grantRequest struct {
	Role    bulwark.Role `json:"role"`
	ScopeID int64        `json:"scope_id"`
	Reason  string       `json:"reason"`
}

func (a *API) grantRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in grantRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g, err := a.svc.GrantRole(r.Context(), id, in.Role, in.ScopeID, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, g)
}

func (a *API) revokeGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.svc.RevokeGrant(r.Context(), id, r.URL.Query().Get("reason")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type passwordRequest struct {
	Password string `json:"password"`
	Reason   string `json:"reason"`
}

func (a *API) setPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in passwordRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := a.svc.SetPassword(r.Context(), id, in.Password, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Tokens.

type tokenCreated struct {
	*bulwark.Token
	Secret string `json:"secret"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in bulwark.NewToken
	if err := decode(w, r, &in); err != nil {
		return err
	}
	tok, secret, err := a.svc.CreateToken(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, tokenCreated{tok, secret})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.svc.RevokeToken(r.Context(), id, r.URL.Query().Get("reason")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Ledger.

// checkpoint serves the signed note as text (what log tooling expects), or
// JSON when asked for it.
func (a *API) checkpoint(w http.ResponseWriter, r *http.Request) error {
	cp, err := a.svc.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		return writeJSON(w, http.StatusOK, cp)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = io.WriteString(w, cp.Note)
	return err
}

func (a *API) publicKey(w http.ResponseWriter, r *http.Request) error {
	if a.opts.VerifierKey == "" {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "no ledger signing key is configured")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := io.WriteString(w, a.opts.VerifierKey+"\n")
	return err
}

func (a *API) proveInclusion(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("index") == "" {
		return bulwark.FieldError("index", "name the event: ?index=N")
	}
	index, err := queryInt(r, "index")
	if err != nil {
		return err
	}
	size, err := queryInt(r, "size")
	if err != nil {
		return err
	}
	p, err := a.svc.ProveInclusion(r.Context(), index, size)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (a *API) proveConsistency(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("old") == "" {
		return bulwark.FieldError("old", "name the earlier tree size: ?old=N")
	}
	oldSize, err := queryInt(r, "old")
	if err != nil {
		return err
	}
	newSize, err := queryInt(r, "new")
	if err != nil {
		return err
	}
	p, err := a.svc.ProveConsistency(r.Context(), oldSize, newSize)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := bulwark.EventFilter{Kind: q.Get("kind"), Subject: q.Get("subject"), Actor: q.Get("actor")}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return bulwark.FieldError(name, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", name, v)
			}
			*dst = t
		}
	}
	if q.Get("scope_id") != "" {
		id, err := queryInt(r, "scope_id")
		if err != nil {
			return err
		}
		s, err := a.svc.FindScopeByID(r.Context(), id)
		if err != nil {
			return err
		}
		f.ScopePath = s.Path
	}
	items, next, err := a.svc.FindEvents(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

type eventResponse struct {
	*bulwark.Event
	Leaf string `json:"leaf"`
}

func (a *API) getEvent(w http.ResponseWriter, r *http.Request) error {
	index, err := pathID(r, "index")
	if err != nil {
		return err
	}
	ev, leaf, err := a.svc.FindEvent(r.Context(), index)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, eventResponse{ev, string(leaf)})
}

func (a *API) export(w http.ResponseWriter, r *http.Request) error {
	if a.opts.Export == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "export is not configured")
	}
	from, err := queryInt(r, "from")
	if err != nil {
		return err
	}
	to, err := queryInt(r, "to")
	if err != nil {
		return err
	}
	// Errors before the first byte still become problems: the exporter
	// authorises and checks the range before it writes.
	bw := &lazyWriter{w: w}
	if err := a.opts.Export(r.Context(), bw, from, to); err != nil {
		if bw.started {
			a.log.ErrorContext(r.Context(), "export failed mid-stream", "err", err)
			return nil
		}
		return err
	}
	return nil
}

// lazyWriter sets the bundle headers on the first write.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", "application/json")
		l.w.Header().Set("Content-Disposition", `attachment; filename="ledger-bundle.json"`)
	}
	return l.w.Write(p)
}

// Evidence.

func (a *API) putEvidence(w http.ResponseWriter, r *http.Request) error {
	scopeID, err := queryInt(r, "scope_id")
	if err != nil {
		return err
	}
	if scopeID == 0 {
		return bulwark.FieldError("scope_id", "name the scope: ?scope_id=N")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxEvidenceBytes))
	if err != nil {
		return jsonError(err)
	}
	q := r.URL.Query()
	ev, err := a.svc.PutEvidence(r.Context(), scopeID, q.Get("name"), r.Header.Get("Content-Type"), body, q.Get("reason"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ev)
}

func (a *API) getEvidence(w http.ResponseWriter, r *http.Request) error {
	ev, content, err := a.svc.GetEvidence(r.Context(), r.PathValue("digest"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ev.MediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(ev.Name, `"`, "")+`"`)
	w.Header().Set("Digest", ev.Digest)
	_, err = w.Write(content)
	return err
}
