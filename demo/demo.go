// Package demo seeds an organisation for `bulwark serve --demo`: a region,
// a country, two business units with a project each, one user per role,
// a certified catalog, products with release lineage, imported advisories
// and the triage that followed them. Everything goes through the same
// services (and so the same ledger) as any other change.
//
// Seeding tells a story over the past three months: Run moves a Clock
// (the store's clock) forward from about 90 days ago to now, so releases,
// imports and decisions carry the dates they would have had, findings have
// ages and SLA due dates fall in the past. With the shared data folder
// (real SBOMs and OSV packs) the story is told with real components and
// advisories; without it, with a small built-in set.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/exploit"
	"github.com/bulwark-sec/bulwark/osv"
)

// OrgName names the organisation root when serve --demo creates it.
const OrgName = "Acme Networks"

// Password is every demo user's password.
const Password = "bulwark-demo"

// DefaultData is where serve --demo looks for the shared data folder,
// relative to the working directory.
const DefaultData = "../shared/data"

// Services are what Seed needs.
type Services interface {
	bulwark.ScopeService
	bulwark.UserService
}

// Store is everything Run seeds through; *sqldb.DB is one.
type Store interface {
	Services
	bulwark.CatalogService
	bulwark.ProductService
	bulwark.FindingService
	CreateToken(ctx context.Context, t bulwark.NewToken) (*bulwark.Token, string, error)
	ImportAdvisories(ctx context.Context, items []osv.Item) (*bulwark.AdvisoryImportResult, error)
	ImportEPSS(ctx context.Context, e *exploit.EPSS) (*bulwark.SignalImportResult, error)
	ImportKEV(ctx context.Context, k *exploit.KEV) (*bulwark.SignalImportResult, error)
}

// Options configure Run.
type Options struct {
	// Data is the shared data folder (DefaultData); when it does not hold
	// the SBOMs and OSV packs the demo reads, the built-in set is used.
	Data string
	// Clock is the store's clock; Run moves it through the past and
	// leaves it at real time. Nil seeds everything "now".
	Clock *Clock
	// ParseCatalog reads an approved-component list (catalogfile.Parse).
	ParseCatalog func([]byte) ([]bulwark.ImportRow, []bulwark.RowError, error)
}

// Result says what Run seeded.
type Result struct {
	Org *Org
	// Data is the shared data folder used, "" for the built-in set;
	// Looked is where Run looked for it.
	Data, Looked string
	Products     int
	Releases     int
	Advisories   int // records imported
	Findings     map[bulwark.FindingState]int
	Took         time.Duration
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

// person is a demo user.
type person struct {
	name, display string
	role          bulwark.Role
	scope         func(*Org) *bulwark.Scope
}

// people are the demo's users, one per role and a second 2nd-line member
// so four-eyes can always be completed. Devices has its own 1st-line
// security, who triages its findings.
var people = []person{
	{"developer", "Dana Developer", bulwark.RoleDeveloper, func(o *Org) *bulwark.Scope { return o.Core5G }},
	{"bu-security", "Bo Security (Networks)", bulwark.RoleBUSecurity, func(o *Org) *bulwark.Scope { return o.Networks }},
	{"bu-security-devices", "Dee Security (Devices)", bulwark.RoleBUSecurity, func(o *Org) *bulwark.Scope { return o.Devices }},
	{"product-security", "Priya Product-Security", bulwark.RoleProductSecurity, func(o *Org) *bulwark.Scope { return o.Root }},
	{"product-security-2", "Quinn Product-Security", bulwark.RoleProductSecurity, func(o *Org) *bulwark.Scope { return o.Root }},
	{"auditor", "Aud Itor", bulwark.RoleAuditor, func(o *Org) *bulwark.Scope { return o.Root }},
	{"psirt", "Pat PSIRT", bulwark.RolePSIRT, func(o *Org) *bulwark.Scope { return o.Root }},
	{"supplier-manager", "Sam Supplier-Manager", bulwark.RoleSupplierManager, func(o *Org) *bulwark.Scope { return o.Root }},
	{"admin", "Ada Admin", bulwark.RoleAdmin, func(o *Org) *bulwark.Scope { return o.Root }},
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
	for _, p := range people {
		scope := p.scope(org)
		u, err := svc.CreateUser(ctx, bulwark.NewUser{Name: p.name, DisplayName: p.display, Email: p.name + "@example.com",
			HomeScopeID: scope.ID, Password: Password, Reason: "demo organisation"})
		if err != nil {
			return nil, err
		}
		if _, err := svc.GrantRole(ctx, u.ID, p.role, scope.ID, "demo organisation"); err != nil {
			return nil, err
		}
		org.Users = append(org.Users, Login{Name: p.name, Role: string(p.role), Scope: scope.Name})
	}
	return org, nil
}

// Logins lists the demo's accounts without a database, for a data
// directory that was seeded before.
func Logins() []Login {
	out := make([]Login, len(people))
	for i, p := range people {
		out[i] = Login{Name: p.name, Role: string(p.role)}
	}
	return out
}

// String lists the demo logins for the start-up banner.
func (o *Org) String() string {
	var b strings.Builder
	for _, u := range o.Users {
		if u.Scope == "" {
			fmt.Fprintf(&b, "  %-20s %s\n", u.Name, u.Role)
		} else {
			fmt.Fprintf(&b, "  %-20s %-18s in %s\n", u.Name, u.Role, u.Scope)
		}
	}
	fmt.Fprintf(&b, "  (every demo password is %q)\n", Password)
	return b.String()
}

// Run seeds the whole demo under root: the organisation, then three months
// of its history in date order, ending at real now. ctx must carry the
// system principal; people act as themselves.
func Run(ctx context.Context, st Store, root *bulwark.Scope, o Options) (res *Result, err error) {
	defer bulwark.Wrap(&err, "demo.Run")
	began := time.Now()
	data, err := loadShared(o.Data)
	if err != nil {
		return nil, err
	}
	s := &seeder{ctx: ctx, st: st, clock: o.Clock, parse: o.ParseCatalog, data: data,
		today: time.Now().UTC().Truncate(24 * time.Hour), releases: map[string]*bulwark.Release{}}
	defer o.Clock.Reset()
	s.story(root)
	if s.err != nil {
		return nil, s.err
	}
	res = &Result{Org: s.org, Looked: o.Data, Products: s.products, Releases: len(s.releases), Advisories: s.advisories, Took: time.Since(began)}
	if data != nil {
		res.Data = data.dir
	}
	d, err := st.Dashboard(ctx)
	if err != nil {
		return nil, err
	}
	res.Findings = d.ByState
	return res, nil
}

// Summary is the start-up banner's account of what was seeded.
func (r *Result) Summary() string {
	source := fmt.Sprintf("the built-in set (no shared data at %q)", r.Looked)
	switch {
	case r.Looked == "":
		source = "the built-in set (no shared data folder given)"
	case r.Data != "":
		source = "real SBOMs and OSV advisories from " + r.Data
	}
	var states []string
	for _, st := range bulwark.FindingStates {
		states = append(states, fmt.Sprintf("%d %s", r.Findings[st], st))
	}
	return fmt.Sprintf("Demo organisation seeded from %s in %s: %d products, %d releases, %d advisories; findings: %s.\n",
		source, r.Took.Round(time.Millisecond), r.Products, r.Releases, r.Advisories, strings.Join(states, ", "))
}
