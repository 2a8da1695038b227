package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// parseID reads a positive id from a path value; anything else is a page
// that does not exist.
func parseID(s, what string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, bulwark.Errorf(bulwark.ENOTFOUND, "there is no %s %q", what, s)
	}
	return id, nil
}

// formID reads a positive id from a form field, as a field error.
func formID(r *http.Request, field, what string) (int64, error) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, bulwark.FieldError(field, "choose a %s", what)
	}
	return id, nil
}

type userRow struct {
	*bulwark.User
	HomeName string
}

type usersData struct {
	Users       []userRow
	Next        string
	Paged       bool // not the first page
	CanCreate   bool
	HomeOptions []scopeOption
	Create      *form
	MinPassword int
}

var newUserFields = []string{"name", "display_name", "email", "home_scope_id", "password", "reason"}

// users lists the user directory with a form to add a user.
func (p *Pages) users(w http.ResponseWriter, r *http.Request) error {
	return p.renderUsers(w, r, http.StatusOK, newForm(newUserFields...))
}

func (p *Pages) renderUsers(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	q := r.URL.Query()
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	users, next, err := p.svc.FindUsers(ctx, page)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &usersData{Next: next, Paged: page.Cursor != "", Create: f, MinPassword: bulwark.MinPasswordLength}
	for _, u := range users {
		home := fmt.Sprintf("scope %d", u.HomeScopeID)
		if s, ok := idx.byID[u.HomeScopeID]; ok {
			home = s.Name
		}
		d.Users = append(d.Users, userRow{User: u, HomeName: home})
	}
	d.HomeOptions = idx.options(pr, bulwark.ActionUserCreate)
	d.CanCreate = len(d.HomeOptions) > 0
	p.render(w, r, status, "users", &view{Title: "Users", Section: "users", Data: d})
	return nil
}

// createUser adds a user through the service, which authorises and logs it.
func (p *Pages) createUser(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, newUserFields...)
	home, err := formID(r, "home_scope_id", "home scope")
	if err == nil {
		var u *bulwark.User
		u, err = p.svc.CreateUser(r.Context(), bulwark.NewUser{
			Name: r.PostForm.Get("name"), DisplayName: r.PostForm.Get("display_name"), Email: r.PostForm.Get("email"),
			HomeScopeID: home, Password: r.PostForm.Get("password"), Reason: r.PostForm.Get("reason"),
		})
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=user-created", u.ID), http.StatusSeeOther)
			return nil
		}
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderUsers(w, r, status, f)
}

type grantRow struct {
	bulwark.Grant
	Crumbs    []crumb
	CanRevoke bool
	Form      *form
}

type userData struct {
	User         *bulwark.User
	Self         bool
	HomeCrumbs   []crumb
	Grants       []grantRow
	CanGrant     bool
	RoleOptions  []bulwark.Role
	GrantScopes  []scopeOption
	GrantForm    *form
	CanPassword  bool
	PasswordForm *form
	MinPassword  int
	CanLedger    bool
	History      []eventRow
}

// userForms carries a failed submission back into the user page.
type userForms struct {
	grant, password, revoke *form
	revokeID                int64
}

var (
	grantFields    = []string{"role", "scope_id", "reason"}
	passwordFields = []string{"password", "reason"}
	revokeFields   = []string{"reason"}
)

// user shows one user: grants, and the forms to change them.
func (p *Pages) user(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "user")
	if err != nil {
		return err
	}
	return p.renderUser(w, r, http.StatusOK, id, userForms{})
}

func (p *Pages) renderUser(w http.ResponseWriter, r *http.Request, status int, id int64, forms userForms) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	u, err := p.svc.FindUserByID(ctx, id)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &userData{
		User: u, Self: pr.UserID == u.ID, RoleOptions: bulwark.Roles, MinPassword: bulwark.MinPasswordLength,
		GrantForm: forms.grant, PasswordForm: forms.password,
	}
	if d.GrantForm == nil {
		d.GrantForm = newForm(grantFields...)
	}
	if d.PasswordForm == nil {
		d.PasswordForm = newForm(passwordFields...)
	}
	home, homeSeen := idx.byID[u.HomeScopeID]
	if homeSeen {
		d.HomeCrumbs = idx.breadcrumb(home.Path, home.Name)
	}
	for _, g := range u.Grants {
		row := grantRow{Grant: g, Crumbs: idx.breadcrumb(g.ScopePath, g.ScopeName), CanRevoke: pr.Can(bulwark.ActionUserGrant, g.ScopePath)}
		row.Form = newForm(revokeFields...)
		if forms.revoke != nil && forms.revokeID == g.ID {
			row.Form = forms.revoke
		}
		d.Grants = append(d.Grants, row)
	}
	d.GrantScopes = idx.options(pr, bulwark.ActionUserGrant)
	d.CanGrant = len(d.GrantScopes) > 0
	d.CanPassword = d.Self || (homeSeen && pr.Can(bulwark.ActionUserPassword, home.Path))
	if canAnywhere(pr, bulwark.ActionLedgerRead) {
		d.CanLedger = true
		evs, _, err := p.svc.FindEvents(ctx, bulwark.EventFilter{Subject: fmt.Sprintf("user:%d", u.ID)}, bulwark.Page{Limit: 10})
		if err != nil {
			return err
		}
		for _, e := range evs {
			d.History = append(d.History, eventRow{Event: e, ScopeName: idx.scopeLabel(e.Scope)})
		}
	}
	v := &view{Title: u.Name, Section: "users", Data: d}
	if forms.revoke != nil && d.revokeRow(forms.revokeID) == nil {
		// The grant is not on this page (revoked meanwhile): say so above it.
		v.Error = forms.revoke.Message()
	}
	p.render(w, r, status, "user", v)
	return nil
}

func (d *userData) revokeRow(id int64) *grantRow {
	for i := range d.Grants {
		if d.Grants[i].ID == id {
			return &d.Grants[i]
		}
	}
	return nil
}

// grantRole gives the user a role in a scope.
func (p *Pages) grantRole(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "user")
	if err != nil {
		return err
	}
	f := formFrom(r, grantFields...)
	role, err := bulwark.ParseRole(r.PostForm.Get("role"))
	var scopeID int64
	if err == nil {
		scopeID, err = formID(r, "scope_id", "scope")
	}
	if err == nil {
		if _, err = p.svc.GrantRole(r.Context(), id, role, scopeID, r.PostForm.Get("reason")); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=role-granted", id), http.StatusSeeOther)
			return nil
		}
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderUser(w, r, status, id, userForms{grant: f})
}

// revokeGrant removes a grant. The form names the user only to know which
// page to come back to.
func (p *Pages) revokeGrant(w http.ResponseWriter, r *http.Request) error {
	gid, err := parseID(r.PathValue("id"), "grant")
	if err != nil {
		return err
	}
	back, _ := strconv.ParseInt(r.PostForm.Get("user_id"), 10, 64)
	err = p.svc.RevokeGrant(r.Context(), gid, r.PostForm.Get("reason"))
	if err == nil {
		target := "/admin/users"
		if back > 0 {
			target = fmt.Sprintf("/admin/users/%d?done=grant-revoked", back)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
	status, show := formStatus(err)
	if !show || back <= 0 {
		return err
	}
	f := formFrom(r, revokeFields...)
	f.fail(err)
	return p.renderUser(w, r, status, back, userForms{revoke: f, revokeID: gid})
}

// setPassword replaces a user's password. Doing it to oneself ends one's
// own session too, so that case goes back to the sign-in page.
func (p *Pages) setPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "user")
	if err != nil {
		return err
	}
	f := formFrom(r, passwordFields...)
	err = p.svc.SetPassword(r.Context(), id, r.PostForm.Get("password"), r.PostForm.Get("reason"))
	if err == nil {
		if bulwark.PrincipalFrom(r.Context()).UserID == id {
			clearCookie(w, sessionCookie, http.SameSiteLaxMode)
			http.Redirect(w, r, "/login?done=password-changed", http.StatusSeeOther)
			return nil
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=password-set", id), http.StatusSeeOther)
		return nil
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderUser(w, r, status, id, userForms{password: f})
}
