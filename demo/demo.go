// Package demo seeds a small organisation for `bulwark serve --demo`: a
// region, a country, two business units with a project each, and one user
// per role, all through the same services (and so the same ledger) as any
// other change.
package demo

import (
	"context"
	"fmt"

	"github.com/bulwark-sec/bulwark"
)

// OrgName names the organisation root when serve --demo creates it.
const OrgName = "Acme Networks"

// Password is every demo user's password.
const Password = "bulwark-demo"

// Services are what seeding needs.
type Services interface {
	bulwark.ScopeService
	bulwark.UserService
}

// Org names what Seed created.
type Org struct {
	Root, Region, Country *bulwark.Scope
	Networks, Devices     *bulwark.Scope // business units
	Core5G, HomeRouter    *bulwark.Scope // projects
	Users                 []Login
}

// Login is one demo account.
type Login struct {
	Name, Role, Scope string
}

// Seed creates the demo organisation under root. ctx must carry the system
// principal.
func Seed(ctx context.Context, svc Services, root *bulwark.Scope) (org *Org, err error) {
	defer bulwark.Wrap(&err, "demo.Seed")
	org = &Org{Root: root}
	mk := func(parent *bulwark.Scope, kind bulwark.ScopeKind, name string) *bulwark.Scope {
		if err != nil {
			return nil
		}
		var s *bulwark.Scope
		s, err = svc.CreateScope(ctx, parent.ID, kind, name, "demo organisation")
		return s
	}
	org.Region = mk(root, bulwark.ScopeRegion, "Europe")
	org.Country = mk(org.Region, bulwark.ScopeCountry, "Germany")
	org.Networks = mk(org.Country, bulwark.ScopeBusinessUnit, "Networks")
	org.Devices = mk(org.Country, bulwark.ScopeBusinessUnit, "Devices")
	org.Core5G = mk(org.Networks, bulwark.ScopeProject, "5G Core")
	org.HomeRouter = mk(org.Devices, bulwark.ScopeProject, "Home Router")
	if err != nil {
		return nil, err
	}
	people := []struct {
		name, display string
		role          bulwark.Role
		scope         *bulwark.Scope
	}{
		{"developer", "Dana Developer", bulwark.RoleDeveloper, org.Core5G},
		{"bu-security", "Bo Security (Networks)", bulwark.RoleBUSecurity, org.Networks},
		{"product-security", "Priya Product-Security", bulwark.RoleProductSecurity, root},
		// A second 2nd-line member, so four-eyes can always be completed.
		{"product-security-2", "Quinn Product-Security", bulwark.RoleProductSecurity, root},
		{"auditor", "Aud Itor", bulwark.RoleAuditor, root},
		{"psirt", "Pat PSIRT", bulwark.RolePSIRT, root},
		{"supplier-manager", "Sam Supplier-Manager", bulwark.RoleSupplierManager, root},
		{"admin", "Ada Admin", bulwark.RoleAdmin, root},
	}
	for _, p := range people {
		u, err := svc.CreateUser(ctx, bulwark.NewUser{Name: p.name, DisplayName: p.display, Email: p.name + "@example.com",
			HomeScopeID: p.scope.ID, Password: Password, Reason: "demo organisation"})
		if err != nil {
			return nil, err
		}
		if _, err := svc.GrantRole(ctx, u.ID, p.role, p.scope.ID, "demo organisation"); err != nil {
			return nil, err
		}
		org.Users = append(org.Users, Login{Name: p.name, Role: string(p.role), Scope: p.scope.Name})
	}
	return org, nil
}

// String lists the demo logins for the start-up banner.
func (o *Org) String() string {
	s := ""
	for _, u := range o.Users {
		s += fmt.Sprintf("  %-18s %-18s in %s\n", u.Name, u.Role, u.Scope)
	}
	return s + fmt.Sprintf("  (every demo password is %q)\n", Password)
}
