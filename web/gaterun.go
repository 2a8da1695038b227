package web

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/bulwark-sec/bulwark"
)

type gateRunData struct {
	Run     *bulwark.GateResult
	Release *bulwark.Release
	Crumbs  []crumb
	// Uncertified are the components RequestUncertified would request,
	// worked out as the store does, so the button can say how many.
	Uncertified []bulwark.GateCheck
	CanRequest  bool
	Form        *form
	Tried       *requestResult // what the request just made did, when it is shown at once
}

// requestResult is what one RequestUncertified did.
type requestResult struct {
	Made   int
	Failed []string // each "purl: why"
}

var gateRequestFields = []string{"justification"}

func gateRunID(r *http.Request) (int64, error) { return parseID(r.PathValue("id"), "gate run") }

// gateRun shows one gate decision with every check, failures first.
func (p *Pages) gateRun(w http.ResponseWriter, r *http.Request) error {
	id, err := gateRunID(r)
	if err != nil {
		return err
	}
	return p.renderGateRun(w, r, http.StatusOK, id, nil, nil)
}

// renderGateRun shows the run; after a request, tried says what it did.
func (p *Pages) renderGateRun(w http.ResponseWriter, r *http.Request, status int, id int64, f *form, tried *requestResult) error {
	ctx := r.Context()
	g, err := p.svc.FindGateRun(ctx, id)
	if err != nil {
		return err
	}
	rel, err := p.svc.FindRelease(ctx, g.Release.ID)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &gateRunData{Run: g, Release: rel, Uncertified: uncertified(g), Form: f, Tried: tried}
	pr := bulwark.PrincipalFrom(ctx)
	if s, ok := idx.byID[rel.ScopeID]; ok {
		d.Crumbs = idx.breadcrumb(s.Path, s.Name)
		d.CanRequest = pr.Can(bulwark.ActionGateRun, s.Path) && pr.Can(bulwark.ActionComponentRequest, s.Path)
	}
	if d.Form == nil {
		d.Form = newForm(gateRequestFields...)
	}
	v := &view{Title: fmt.Sprintf("Gate run %d", g.ID), Section: "products", Data: d}
	if f.Failed() && !(d.CanRequest && len(d.Uncertified) > 0) {
		v.Error = f.Message()
	}
	p.render(w, r, status, "gaterun", v)
	return nil
}

// uncertified lists, once each, the components of a run that are not in
// the catalog (or were rejected) and not requested from it yet.
func uncertified(g *bulwark.GateResult) []bulwark.GateCheck {
	var out []bulwark.GateCheck
	seen := map[string]bool{}
	for _, c := range g.Checks {
		if c.Rule != bulwark.RuleUncertified && c.Rule != bulwark.RuleWaived || c.PURL == "" || seen[c.PURL] || slices.Contains(g.Requested, c.PURL) {
			continue
		}
		if c.State != "" && c.State != bulwark.StateRejected {
			continue
		}
		seen[c.PURL] = true
		out = append(out, c)
	}
	return out
}

// requestUncertified turns the run's uncertified components into
// introduction requests. When some could not be requested, the page says
// which and why right away: the store keeps only those that were.
func (p *Pages) requestUncertified(w http.ResponseWriter, r *http.Request) error {
	id, err := gateRunID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, gateRequestFields...)
	before, err := p.svc.FindGateRun(r.Context(), id)
	if err != nil {
		return err
	}
	g, err := p.svc.RequestUncertified(r.Context(), id, f.Get("justification"))
	if err == nil && len(g.RequestErrors) == 0 {
		http.Redirect(w, r, fmt.Sprintf("/gate-runs/%d?done=components-requested", id), http.StatusSeeOther)
		return nil
	}
	if err == nil {
		tried := &requestResult{Made: max(0, len(g.Requested)-len(before.Requested)), Failed: g.RequestErrors}
		return p.renderGateRun(w, r, http.StatusOK, id, nil, tried)
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderGateRun(w, r, status, id, f, nil)
}
