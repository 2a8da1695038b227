package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

type tokenRow struct {
	*bulwark.Token
	Status string // active, expired or revoked
	Form   *form
}

// grantChoice is one of the user's grants offered for a new token.
type grantChoice struct {
	Value   string // "role:scopeID"
	Role    bulwark.Role
	Crumbs  []crumb
	Checked bool
}

type lifetime struct {
	Days     int
	Label    string
	Selected bool
}

type tokensData struct {
	Tokens    []tokenRow
	Next      string
	Paged     bool
	Form      *form
	Grants    []grantChoice
	Lifetimes []lifetime
	// NewSecret is set only on the response to a successful creation: the
	// one time the secret is ever shown.
	NewSecret string
	NewToken  *bulwark.Token
}

var tokenFields = []string{"name", "expires_in", "expires_at", "grants", "reason"}

// tokenLifetimes are the expiry choices, in days; the service caps them.
var tokenLifetimes = []int{7, 30, 90, 180, 366}

const defaultTokenDays = 90

// tokenPage carries what a token form submission brings back to the page.
type tokenPage struct {
	form      *form
	checked   []string
	revoke    *form
	revokeID  int64
	newSecret string
	newToken  *bulwark.Token
}

// tokens lists the caller's API tokens with a form to issue one.
func (p *Pages) tokens(w http.ResponseWriter, r *http.Request) error {
	return p.renderTokens(w, r, http.StatusOK, tokenPage{})
}

func (p *Pages) renderTokens(w http.ResponseWriter, r *http.Request, status int, tp tokenPage) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	if !canAnywhere(pr, bulwark.ActionTokenIssue) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Your roles do not include issuing API tokens.")
	}
	q := r.URL.Query()
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	toks, next, err := p.svc.FindTokens(ctx, page)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &tokensData{Next: next, Paged: page.Cursor != "", Form: tp.form, NewSecret: tp.newSecret, NewToken: tp.newToken}
	if d.Form == nil {
		d.Form = newForm(tokenFields...)
	}
	now := time.Now()
	for _, t := range toks {
		row := tokenRow{Token: t, Status: "active", Form: newForm("reason")}
		switch {
		case t.RevokedAt != nil:
			row.Status = "revoked"
		case !t.ExpiresAt.After(now):
			row.Status = "expired"
		}
		if tp.revoke != nil && tp.revokeID == t.ID {
			row.Form = tp.revoke
		}
		d.Tokens = append(d.Tokens, row)
	}
	for _, g := range pr.Grants {
		v := fmt.Sprintf("%s:%d", g.Role, g.ScopeID)
		d.Grants = append(d.Grants, grantChoice{Value: v, Role: g.Role, Crumbs: idx.breadcrumb(g.ScopePath, g.ScopeName), Checked: slices.Contains(tp.checked, v)})
	}
	days := defaultTokenDays
	if n, err := strconv.Atoi(d.Form.Get("expires_in")); err == nil {
		days = n
	}
	for _, n := range tokenLifetimes {
		d.Lifetimes = append(d.Lifetimes, lifetime{Days: n, Label: fmt.Sprintf("%d days", n), Selected: n == days})
	}
	v := &view{Title: "API tokens", Section: "tokens", Data: d}
	if tp.revoke != nil && !slices.ContainsFunc(d.Tokens, func(t tokenRow) bool { return t.ID == tp.revokeID }) {
		v.Error = tp.revoke.Message()
	}
	p.render(w, r, status, "tokens", v)
	return nil
}

// createToken issues a token and shows its secret on this response only.
func (p *Pages) createToken(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, tokenFields...)
	checked := r.PostForm["grants"]
	nt := bulwark.NewToken{Name: r.PostForm.Get("name"), Reason: r.PostForm.Get("reason")}
	days, err := strconv.Atoi(r.PostForm.Get("expires_in"))
	if err != nil || !slices.Contains(tokenLifetimes, days) {
		err = bulwark.FieldError("expires_in", "choose how long the token lives")
	} else {
		nt.ExpiresAt = time.Now().Add(time.Duration(days) * 24 * time.Hour)
		for _, v := range checked {
			var g bulwark.TokenGrant
			if g, err = parseTokenGrant(v); err != nil {
				break
			}
			nt.Grants = append(nt.Grants, g)
		}
	}
	if err == nil {
		tok, secret, cerr := p.svc.CreateToken(r.Context(), nt)
		if cerr == nil {
			return p.renderTokens(w, r, http.StatusOK, tokenPage{newSecret: secret, newToken: tok})
		}
		err = cerr
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderTokens(w, r, status, tokenPage{form: f, checked: checked})
}

// parseTokenGrant reads a "role:scopeID" checkbox value.
func parseTokenGrant(v string) (bulwark.TokenGrant, error) {
	role, id, ok := strings.Cut(v, ":")
	scope, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || scope <= 0 {
		return bulwark.TokenGrant{}, bulwark.FieldError("grants", "%q is not one of your grants", v)
	}
	r, err := bulwark.ParseRole(role)
	if err != nil {
		return bulwark.TokenGrant{}, bulwark.FieldError("grants", "%q is not one of your grants", v)
	}
	return bulwark.TokenGrant{Role: r, ScopeID: scope}, nil
}

// revokeToken revokes one of the caller's tokens.
func (p *Pages) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "token")
	if err != nil {
		return err
	}
	if err := p.svc.RevokeToken(r.Context(), id, r.PostForm.Get("reason")); err != nil {
		status, show := formStatus(err)
		if !show {
			return err
		}
		f := formFrom(r, "reason")
		f.fail(err)
		return p.renderTokens(w, r, status, tokenPage{revoke: f, revokeID: id})
	}
	http.Redirect(w, r, "/tokens?done=token-revoked", http.StatusSeeOther)
	return nil
}
