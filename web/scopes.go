package web

import (
	"net/http"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

type scopesData struct {
	Tree      []*scopeNode
	Count     int
	CanCreate bool
	Parents   []scopeOption
	Kinds     []bulwark.ScopeKind
	Form      *form
}

var scopeFields = []string{"parent_id", "kind", "name", "reason"}

// scopes shows the scope tree the caller can see and a form to add a child.
func (p *Pages) scopes(w http.ResponseWriter, r *http.Request) error {
	return p.renderScopes(w, r, http.StatusOK, newForm(scopeFields...))
}

func (p *Pages) renderScopes(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	if !canAdminister(pr) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "The scope tree is kept by administrators; your roles do not include it. Your own scopes are listed on your home page.")
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &scopesData{Tree: idx.tree(), Count: len(idx.byID), Form: f, Kinds: bulwark.ScopeKinds[1:]}
	d.Parents = idx.options(pr, bulwark.ActionScopeCreate)
	d.CanCreate = len(d.Parents) > 0
	p.render(w, r, status, "scopes", &view{Title: "Scopes", Section: "scopes", Data: d})
	return nil
}

// createScope adds a child scope through the service.
func (p *Pages) createScope(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, scopeFields...)
	parent, err := formID(r, "parent_id", "parent scope")
	if err == nil {
		kind := bulwark.ScopeKind(strings.TrimSpace(r.PostForm.Get("kind")))
		if _, err = p.svc.CreateScope(r.Context(), parent, kind, r.PostForm.Get("name"), r.PostForm.Get("reason")); err == nil {
			http.Redirect(w, r, "/admin/scopes?done=scope-created", http.StatusSeeOther)
			return nil
		}
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderScopes(w, r, status, f)
}
