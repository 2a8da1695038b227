package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// roleSummaries say in a sentence what each role is for (PRODUCT.md).
var roleSummaries = map[bulwark.Role]string{
	bulwark.RoleDeveloper:       "You build the product: choose certified components, request new ones, upload bills of materials from your pipeline and fix the findings raised against your releases.",
	bulwark.RoleBUSecurity:      "You lead security in your business unit: self-assess at development checkpoints and decide how each finding affects your releases.",
	bulwark.RoleProductSecurity: "You evaluate and certify components and partners, verify the first line's checkpoint work and own the security baselines and policy.",
	bulwark.RoleAuditor:         "You read everything, sample decisions, verify the ledger independently and export evidence for review.",
	bulwark.RolePSIRT:           "You run incident cases from first report to disclosure: triage, CVE IDs, advisories and notifications.",
	bulwark.RoleSupplierManager: "You keep the partner registry: commitments, certifications and periodic performance and credit assessments.",
	bulwark.RoleAdmin:           "You manage who can do what: users, their roles, the scope tree and API access.",
}

// actionLinks are the pages where an action is taken or its results read.
var actionLinks = map[bulwark.Action]navItem{
	bulwark.ActionLedgerRead:  {"Browse the ledger", "/ledger", "ledger"},
	bulwark.ActionUserRead:    {"Users and roles", "/admin/users", "users"},
	bulwark.ActionScopeCreate: {"Scope tree", "/admin/scopes", "scopes"},
	bulwark.ActionTokenIssue:  {"API tokens", "/tokens", "tokens"},

	bulwark.ActionCatalogRead:       {"Search the catalog", "/catalog", "catalog"},
	bulwark.ActionComponentRequest:  {"Request a component", "/catalog/request", "request"},
	bulwark.ActionComponentEvaluate: {"Evaluation queue", "/catalog/queue", "queue"},
	bulwark.ActionPolicyEdit:        {"Catalog policy", "/policy", "policy"},
	bulwark.ActionWaiverRequest:     {"Waivers", "/waivers", "waivers"},
	bulwark.ActionCatalogImport:     {"Import a list", "/catalog/import", "import"},

	bulwark.ActionProductRead:   {"Where a component is used", "/where-used", "where-used"},
	bulwark.ActionProductManage: {"Products and releases", "/products", "products"},

	bulwark.ActionFindingTriage:  {"Findings to triage", "/findings?state=in_triage", "findings"},
	bulwark.ActionAdvisoryImport: {"Import advisories", "/advisories/import", "advisory-import"},
}

// rootActions are taken at the organisation root: their pages need the
// role held there, not merely somewhere.
var rootActions = map[bulwark.Action]bool{
	bulwark.ActionComponentEvaluate: true,
	bulwark.ActionPolicyEdit:        true,
	bulwark.ActionCatalogImport:     true,
	bulwark.ActionAdvisoryImport:    true,
}

// roleCard is one role the user holds, where, and what it lets them do.
type roleCard struct {
	Role    bulwark.Role
	Summary string
	Scopes  [][]crumb
	Actions []string
	Links   []navItem
}

type eventRow struct {
	*bulwark.Event
	ScopeName string
}

// todoCard points a role at work waiting for it, with a count when there
// is one to give.
type todoCard struct {
	Title, Text, Count, Accent string
	Links                      []navItem
}

type homeData struct {
	DisplayName  string
	Todo         []todoCard
	Cards        []roleCard
	CanLedger    bool
	Recent       []eventRow
	RecentError  string
	ScopeCount   int
	ActiveTokens int
}

// home shows, per role held, where it is held and what it allows.
func (p *Pages) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &homeData{DisplayName: pr.Name, ScopeCount: len(idx.byID), CanLedger: canAnywhere(pr, bulwark.ActionLedgerRead)}
	if u, err := p.svc.FindUserByID(ctx, pr.UserID); err == nil && u.DisplayName != "" {
		d.DisplayName = u.DisplayName
	}
	for _, role := range rolesOf(pr) {
		c := roleCard{Role: role, Summary: roleSummaries[role]}
		for _, g := range pr.Grants {
			if g.Role == role {
				c.Scopes = append(c.Scopes, idx.breadcrumb(g.ScopePath, g.ScopeName))
			}
		}
		for _, a := range bulwark.Actions() {
			if !slices.Contains(bulwark.Policy[a].Roles, role) {
				continue
			}
			c.Actions = append(c.Actions, bulwark.Policy[a].Description)
			if l, ok := actionLinks[a]; ok && (!rootActions[a] || canAtRoot(pr, a)) {
				c.Links = append(c.Links, l)
			}
		}
		d.Cards = append(d.Cards, c)
	}

	// The token count is a convenience: without it the page still serves.
	toks, _, err := p.svc.FindTokens(ctx, bulwark.Page{Limit: bulwark.MaxPageLimit})
	if err != nil {
		p.log.WarnContext(ctx, "web: home: count tokens", "err", err)
	}
	now := time.Now()
	for _, t := range toks {
		if t.RevokedAt == nil && t.ExpiresAt.After(now) {
			d.ActiveTokens++
		}
	}
	d.Todo = p.todo(r, pr)
	if d.CanLedger {
		evs, _, err := p.svc.FindEvents(ctx, bulwark.EventFilter{}, bulwark.Page{Limit: 8})
		if err != nil {
			if _, ok := formStatus(err); !ok {
				return err
			}
			d.RecentError = bulwark.ErrorMessage(err)
		}
		for _, e := range evs {
			d.Recent = append(d.Recent, eventRow{Event: e, ScopeName: idx.scopeLabel(e.Scope)})
		}
	}
	p.render(w, r, http.StatusOK, "home", &view{Title: "Home", Section: "home", Data: d})
	return nil
}

// todo lists what the caller's roles should act on. The counts are a
// convenience: one that cannot be read is left out, and the page serves.
func (p *Pages) todo(r *http.Request, pr *bulwark.Principal) []todoCard {
	ctx := r.Context()
	count := func(n int, more bool) string {
		if more {
			return strconv.Itoa(n) + "+"
		}
		return strconv.Itoa(n)
	}
	var out []todoCard
	if canAtRoot(pr, bulwark.ActionComponentEvaluate) {
		vs, next, err := p.svc.EvaluationQueue(ctx, bulwark.Page{Limit: bulwark.MaxPageLimit})
		if err != nil {
			p.log.WarnContext(ctx, "web: home: evaluation queue", "err", err)
		} else {
			out = append(out, todoCard{Title: "Evaluation queue", Count: count(len(vs), next != ""), Accent: "product-security",
				Text:  "Component versions requested or under evaluation, waiting for your findings and decisions.",
				Links: []navItem{{"Open the queue", "/catalog/queue", "queue"}}})
		}
	}
	if canAnywhere(pr, bulwark.ActionWaiverApprove) {
		ws, next, err := p.svc.FindWaivers(ctx, expiringWindow, bulwark.Page{Limit: bulwark.MaxPageLimit})
		if err != nil {
			p.log.WarnContext(ctx, "web: home: expiring waivers", "err", err)
		} else {
			out = append(out, todoCard{Title: "Waivers expiring soon", Count: count(len(ws), next != ""), Accent: "auditor",
				Text:  fmt.Sprintf("Active waivers that end within %d days: renew the component or let them lapse.", expiringWindow),
				Links: []navItem{{"Review waivers", "/waivers", "waivers"}}})
		}
	}
	if canAnywhere(pr, bulwark.ActionComponentRequest) {
		ns, next, err := p.svc.Notifications(ctx, bulwark.Page{Limit: bulwark.DefaultPageLimit})
		if err != nil {
			p.log.WarnContext(ctx, "web: home: notifications", "err", err)
		} else {
			unread := 0
			for _, n := range ns {
				if n.ReadAt == nil {
					unread++
				}
			}
			out = append(out, todoCard{Title: "Unread notifications", Count: count(unread, unread == len(ns) && next != ""), Accent: "developer",
				Text:  "Decisions on components you requested, and lifecycle changes to them.",
				Links: []navItem{{"Read notifications", "/notifications", "notifications"}}})
		}
		out = append(out, todoCard{Title: "Need a component?", Accent: "developer",
			Text:  "Search the catalog for a certified version first. If there is none, request one: product security evaluates it against the policy.",
			Links: []navItem{{"Request a component", "/catalog/request", "request"}, {"Search the catalog", "/catalog", "catalog"}}})
	}
	return out
}
