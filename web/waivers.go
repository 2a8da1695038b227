package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/policy"
)

// expiringWindow is how far ahead the waiver page warns of expiry, in days.
const expiringWindow = 30

type waiverItem struct {
	*bulwark.Waiver
	State      string
	ScopeName  string
	CanApprove bool
	CanRevoke  bool
	Form       *form // reason for approving or revoking, with its error
}

type waiversData struct {
	Expiring   []waiverItem
	All        []waiverItem
	NextURL    string
	Paged      bool
	CanRequest bool
	Scopes     []scopeOption
	Form       *form
	MaxDays    int // the policy's longest waiver, 0 when unknown
	Window     int
}

var (
	waiverFields       = []string{"purl", "versions", "vulnerability", "scope_id", "reason", "expires_at"}
	waiverActionFields = []string{"reason"}
)

// waiverPage carries a failed submission back into the page.
type waiverPage struct {
	request  *form
	action   *form
	actionID int64
}

// waivers lists waivers that expire soon and all of them, with the forms
// to request, approve and revoke them.
func (p *Pages) waivers(w http.ResponseWriter, r *http.Request) error {
	return p.renderWaivers(w, r, http.StatusOK, waiverPage{})
}

func (p *Pages) renderWaivers(w http.ResponseWriter, r *http.Request, status int, wp waiverPage) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	q := r.URL.Query()
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	expiring, _, err := p.svc.FindWaivers(ctx, expiringWindow, bulwark.Page{Limit: bulwark.MaxPageLimit})
	if err != nil {
		return err
	}
	all, next, err := p.svc.FindWaivers(ctx, 0, page)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &waiversData{Paged: page.Cursor != "", Form: wp.request, Window: expiringWindow}
	if d.Form == nil {
		d.Form = newForm(waiverFields...)
		d.Form.Values["versions"] = "*"
	}
	now := time.Now()
	item := func(wv *bulwark.Waiver) waiverItem {
		it := waiverItem{Waiver: wv, State: wv.State(now), ScopeName: wv.ScopeName, Form: newForm(waiverActionFields...)}
		if s, ok := idx.byID[wv.ScopeID]; ok && pr.Can(bulwark.ActionWaiverApprove, s.Path) {
			it.CanApprove = it.State == "pending"
			it.CanRevoke = it.State == "pending" || it.State == "active"
		}
		if wp.action != nil && wp.actionID == wv.ID {
			it.Form = wp.action
		}
		return it
	}
	for _, wv := range expiring {
		d.Expiring = append(d.Expiring, item(wv))
	}
	for _, wv := range all {
		d.All = append(d.All, item(wv))
	}
	slices.SortStableFunc(d.Expiring, func(a, b waiverItem) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	if next != "" {
		d.NextURL = "/waivers?" + url.Values{"cursor": {next}}.Encode()
	}
	d.Scopes = idx.options(pr, bulwark.ActionWaiverRequest)
	d.CanRequest = len(d.Scopes) > 0
	if d.CanRequest {
		// The limit is a hint for the form; the store enforces it.
		if doc, err := p.svc.CatalogPolicy(ctx); err == nil {
			if pol, err := policy.Parse(doc.Text); err == nil {
				d.MaxDays = pol.Waivers.MaxDays
			}
		}
	}
	v := &view{Title: "Waivers", Section: "waivers", Data: d}
	if wp.action != nil && !slices.ContainsFunc(d.All, func(it waiverItem) bool { return it.ID == wp.actionID && (it.CanApprove || it.CanRevoke) }) {
		v.Error = wp.action.Message()
	}
	if wp.request != nil && !d.CanRequest {
		v.Error = wp.request.Message()
	}
	p.render(w, r, status, "waivers", v)
	return nil
}

// requestWaiver proposes a time-boxed exception.
func (p *Pages) requestWaiver(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, waiverFields...)
	nw := bulwark.NewWaiver{PURL: f.Get("purl"), Versions: f.Get("versions"), Vulnerability: f.Get("vulnerability"), Reason: f.Get("reason")}
	scope, err := formID(r, "scope_id", "scope")
	var expires *time.Time
	if err == nil {
		nw.ScopeID = scope
		expires, err = parseDay("expires_at", f.Get("expires_at"))
	}
	if err == nil && expires == nil {
		err = bulwark.FieldError("expires_at", "choose when the waiver ends")
	}
	if err == nil {
		nw.ExpiresAt = *expires
		if _, err = p.svc.RequestWaiver(r.Context(), nw); err == nil {
			http.Redirect(w, r, "/waivers?done=waiver-requested", http.StatusSeeOther)
			return nil
		}
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderWaivers(w, r, status, waiverPage{request: f})
}

// approveWaiver makes a pending waiver apply; never its requester's own.
func (p *Pages) approveWaiver(w http.ResponseWriter, r *http.Request) error {
	return p.waiverAction(w, r, "waiver-approved", p.svc.ApproveWaiver)
}

// revokeWaiver ends a waiver early.
func (p *Pages) revokeWaiver(w http.ResponseWriter, r *http.Request) error {
	return p.waiverAction(w, r, "waiver-revoked", p.svc.RevokeWaiver)
}

func (p *Pages) waiverAction(w http.ResponseWriter, r *http.Request, done string, act func(ctx context.Context, id int64, reason string) error) error {
	id, err := parseID(r.PathValue("id"), "waiver")
	if err != nil {
		return err
	}
	f := formFrom(r, waiverActionFields...)
	if err := act(r.Context(), id, f.Get("reason")); err != nil {
		status, show := formStatus(err)
		if !show {
			return err
		}
		f.fail(err)
		return p.renderWaivers(w, r, status, waiverPage{action: f, actionID: id})
	}
	http.Redirect(w, r, "/waivers?done="+done, http.StatusSeeOther)
	return nil
}
