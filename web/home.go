package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
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
	// The dashboard of one role the caller holds, chosen by the tabs when
	// there are several.
	Tabs      []roleTab
	Dash      *roleView
	DashError string
}

// home shows the dashboard of a role held, what waits for the caller, and
// per role held where it is held and what it allows.
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
	// The dashboard is read for every role at once; only the chosen one is
	// drawn. Without it the rest of the page still serves.
	if dash, err := p.svc.RoleDashboard(ctx); err != nil {
		p.log.WarnContext(ctx, "web: home: role dashboard", "err", err)
		d.DashError = "The dashboard could not be read just now: " + bulwark.ErrorMessage(err)
	} else {
		d.Tabs, d.Dash = p.dashboardOf(r, pr, dash)
	}
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

// The role dashboards: for the role chosen (the first held unless the
// "role" parameter names another), tiles that open the lists behind them,
// charts, and lists sortable on the server.

// dashboardOf picks the role to show and builds its dashboard.
func (p *Pages) dashboardOf(r *http.Request, pr *bulwark.Principal, d *bulwark.RoleDashboard) ([]roleTab, *roleView) {
	if len(d.Roles) == 0 {
		return nil, nil
	}
	q := r.URL.Query()
	role := d.Roles[0]
	if want := bulwark.Role(q.Get("role")); slices.Contains(d.Roles, want) {
		role = want
	}
	var tabs []roleTab
	base := url.Values{}
	if len(d.Roles) > 1 {
		base.Set("role", string(role))
		for _, r := range d.Roles {
			tabs = append(tabs, roleTab{Role: r, Href: "/?" + url.Values{"role": {string(r)}}.Encode() + "#dashboard", Current: r == role})
		}
	}
	b := &dashBuilder{pr: pr, sort: parseSort(q), base: base, now: d.At}
	var v *roleView
	switch role {
	case bulwark.RoleDeveloper:
		v = b.developer(d.Developer)
	case bulwark.RoleBUSecurity:
		v = b.buSecurity(d.BUSecurity)
	case bulwark.RoleProductSecurity:
		v = b.productSecurity(d.ProductSecurity)
	case bulwark.RoleAuditor:
		v = b.auditor(d.Auditor, p.opts.Export != nil && canAtRoot(pr, bulwark.ActionLedgerRead))
	case bulwark.RolePSIRT:
		v = b.psirt(d.PSIRT)
	case bulwark.RoleSupplierManager:
		v = b.supplierManager(d.SupplierManager)
	case bulwark.RoleAdmin:
		v = b.admin(d.Admin)
	}
	if v != nil {
		v.Role = role
	}
	return tabs, v
}

// dashBuilder builds the dashboards of one request.
type dashBuilder struct {
	pr   *bulwark.Principal
	sort tableSort
	base url.Values
	now  time.Time
}

// findingsPart adds the tiles, charts and empty state every role that
// works on findings shares: its own tiles first, then the history, the
// SLA status and the extra charts.
func (b *dashBuilder) findingsPart(v *roleView, s *bulwark.FindingSummary, id string, extra ...*barChart) {
	v.AsOf = s.AsOf.UTC().Format(timeLayout)
	active := 0
	for _, n := range s.ByState {
		active += n
	}
	if active == 0 {
		v.Empty = b.noFindings()
		return
	}
	v.Charts = append(v.Charts, chartBox{Cols: historyChart(id+"-history", s.History)}, chartBox{Bar: slaChart(id+"-sla", s.SLA)})
	for _, c := range extra {
		v.Charts = append(v.Charts, chartBox{Bar: c})
	}
}

// noFindings says what makes findings appear, linking only to what the
// caller may do.
func (b *dashBuilder) noFindings() *emptyState {
	e := &emptyState{Title: "No findings yet", Links: []navItem{{"Products and releases", "/products", "products"}}}
	if canAtRoot(b.pr, bulwark.ActionAdvisoryImport) {
		e.Text = "Findings appear when imported advisories match the components of releases. Import advisories (OSV records or archives) on the Import advisories page, and make sure each release carries its SBOM."
		e.Links = append([]navItem{{"Import advisories", "/advisories/import", "advisory-import"}}, e.Links...)
	} else {
		e.Text = "Findings appear when advisories, which PSIRT and product security import, match the components of your releases. Make sure each release carries its SBOM: upload it on the release's page."
	}
	return e
}

func findingTile(n int, label, href, class string) tile {
	if n == 0 {
		class = ""
	}
	return tile{Num: count(n), Label: label, Href: href, Class: class}
}

func (b *dashBuilder) developer(s *bulwark.DeveloperDashboard) *roleView {
	f := s.Findings
	v := &roleView{Title: "Developer dashboard", Lede: "The open findings in your projects, your component requests and the releases whose last gate failed."}
	v.Tiles = tileSet{Label: "Your work", Tiles: []tile{
		findingTile(f.Open, "open findings to fix", "/findings?state=open", ""),
		findingTile(f.ByRating["critical"]+f.ByRating["high"], "critical or high", "/findings?state=open&sort=severity", "stat-critical"),
		findingTile(f.SLA.Breached, "past their SLA", "/findings?overdue=1", "stat-breached"),
		{Num: count(s.OpenRequests), Label: "requests waiting", Href: "#requests"},
		findingTile(s.FailedGateCount, "releases failing their gate", "#failed-gates", "stat-fail"),
	}}
	b.findingsPart(v, f, "dev", ageChart("dev-age", f.ByAge))

	reqs := s.Requests
	t := &dashTable{ID: "requests", Title: "Your component requests", Count: shown(len(reqs), len(reqs), "requests"),
		Empty:      "You have not requested a component yet. Search the catalog for a certified version first; request one when none fits.",
		EmptyLinks: []navItem{{"Search the catalog", "/catalog", "catalog"}}}
	if canAnywhere(b.pr, bulwark.ActionComponentRequest) {
		t.EmptyLinks = append(t.EmptyLinks, navItem{"Request a component", "/catalog/request", "request"})
	}
	t.Heads = sortRows(reqs, t.ID, []sortColumn[bulwark.RequestStatus]{
		{Key: "version", Label: "Version", Cmp: func(a, b bulwark.RequestStatus) int { return strings.Compare(a.PURL, b.PURL) }},
		{Key: "state", Label: "State", Cmp: func(a, b bulwark.RequestStatus) int { return versionStateOrder(a.State) - versionStateOrder(b.State) }},
		{Key: "scope", Label: "For", Cmp: func(a, b bulwark.RequestStatus) int { return strings.Compare(a.Scope, b.Scope) }},
		{Key: "requested", Label: "Requested", Cmp: func(a, b bulwark.RequestStatus) int { return a.RequestedAt.Compare(b.RequestedAt) }},
		{Key: "updated", Label: "Last change", Cmp: func(a, b bulwark.RequestStatus) int { return a.UpdatedAt.Compare(b.UpdatedAt) }},
	}, "state", b.sort, b.base)
	for _, r := range reqs {
		t.Rows = append(t.Rows, []dashCell{
			{Text: r.PURL, Href: fmt.Sprintf("/catalog/versions/%d", r.VersionID), Strong: true},
			{Text: string(r.State), Badge: "state state-" + cssToken(string(r.State)), Head: "State"},
			{Text: orNone(r.Scope, r.IntendedProduct), Head: "For"},
			{Text: r.RequestedAt.UTC().Format(dateLayout), Head: "Requested"},
			{Text: r.UpdatedAt.UTC().Format(dateLayout), Head: "Last change"},
		})
	}
	v.Tables = append(v.Tables, t)

	gates := s.FailedGates
	g := &dashTable{ID: "failed-gates", Title: "Releases whose last gate failed", Count: shown(len(gates), s.FailedGateCount, "releases"),
		Note:  "The latest gate run of each release in your scopes; a later passing run takes a release off this list.",
		Empty: "No release in your scopes failed its last gate. Gates run from your pipeline (bulwark gate) or from a release's page."}
	g.Heads = sortRows(gates, g.ID, []sortColumn[bulwark.GateFailure]{
		{Key: "release", Label: "Release", Cmp: func(a, b bulwark.GateFailure) int { return strings.Compare(a.Release.String(), b.Release.String()) }},
		{Key: "scope", Label: "Scope", Cmp: func(a, b bulwark.GateFailure) int { return strings.Compare(a.Scope, b.Scope) }},
		{Key: "failures", Label: "Failed checks", Num: true, Cmp: func(a, b bulwark.GateFailure) int { return a.Failures - b.Failures }},
		{Key: "when", Label: "Gate run", Cmp: func(a, b bulwark.GateFailure) int { return a.At.Compare(b.At) }},
	}, "-when", b.sort, b.base)
	for _, f := range gates {
		g.Rows = append(g.Rows, []dashCell{
			{Text: f.Release.String(), Href: fmt.Sprintf("/releases/%d", f.Release.ID), Strong: true},
			{Text: f.Scope, Head: "Scope"},
			{Text: count(f.Failures), Num: true, Head: "Failed checks"},
			{Text: f.At.UTC().Format(timeLayout), Href: fmt.Sprintf("/gate-runs/%d", f.RunID), Title: "Open the gate run", Head: "Gate run"},
		})
	}
	v.Tables = append(v.Tables, g)
	v.Links = []navItem{{"Open findings", "/findings?state=open", "findings"}, {"Products and releases", "/products", "products"}, {"Search the catalog", "/catalog", "catalog"}}
	return v
}

// waiverTable lists waivers with the columns both security roles use.
func (b *dashBuilder) waiverTable(id, title, empty string, ws []*bulwark.Waiver, total int, def string) *dashTable {
	t := &dashTable{ID: id, Title: title, Count: shown(len(ws), total, "waivers"), Empty: empty,
		Links: []navItem{{"All waivers", "/waivers", "waivers"}}}
	t.Heads = sortRows(ws, id, []sortColumn[*bulwark.Waiver]{
		{Key: "component", Label: "Component", Cmp: func(a, b *bulwark.Waiver) int { return strings.Compare(a.ComponentPURL, b.ComponentPURL) }},
		{Key: "scope", Label: "Scope", Cmp: func(a, b *bulwark.Waiver) int { return strings.Compare(a.ScopeName, b.ScopeName) }},
		{Key: "by", Label: "Requested by", Cmp: func(a, b *bulwark.Waiver) int { return strings.Compare(a.RequestedBy, b.RequestedBy) }},
		{Key: "expires", Label: "Ends", Cmp: func(a, b *bulwark.Waiver) int { return a.ExpiresAt.Compare(b.ExpiresAt) }},
	}, def, b.sort, b.base)
	for _, w := range ws {
		what := w.ComponentPURL + " " + w.Versions
		if w.Vulnerability != "" {
			what += " · " + w.Vulnerability
		}
		t.Rows = append(t.Rows, []dashCell{
			{Text: what, Href: "/waivers#waiver-" + strconv.FormatInt(w.ID, 10), Mono: true},
			{Text: w.ScopeName, Head: "Scope"},
			{Text: w.RequestedBy, Head: "Requested by"},
			{Text: fmt.Sprintf("%s (%s)", w.ExpiresAt.UTC().Format(dateLayout), daysLeft(w.ExpiresAt.Sub(b.now))), Head: "Ends"},
		})
	}
	return t
}

func (b *dashBuilder) buSecurity(s *bulwark.BUSecurityDashboard) *roleView {
	f := s.Findings
	v := &roleView{Title: "Business unit security dashboard", Lede: "What waits for your analysis in your scopes: findings in triage, findings past or near their SLA, and waivers about to end."}
	v.Tiles = tileSet{Label: "Findings and waivers", Tiles: []tile{
		findingTile(f.ByState[bulwark.FindingInTriage], "in triage", "/findings?state=in_triage", "stat-critical"),
		findingTile(f.ByState[bulwark.FindingAffected], "affected, to fix", "/findings?state=affected", ""),
		findingTile(f.SLA.Breached, "past their SLA", "/findings?overdue=1", "stat-breached"),
		findingTile(f.SLA.DueSoon, "due within 7 days", "/findings?state=open&sort=due", ""),
		findingTile(len(s.ExpiringWaivers), "waivers ending in 30 days", "#expiring-waivers", ""),
	}}
	b.findingsPart(v, f, "bu", stateChart("bu-state", f.ByState), ageChart("bu-age", f.ByAge))
	v.Tables = append(v.Tables, b.waiverTable("expiring-waivers", "Waivers ending within 30 days",
		"No waiver in your scopes ends within 30 days.", s.ExpiringWaivers, len(s.ExpiringWaivers), "expires"))
	v.Links = []navItem{{"Findings to triage", "/findings?state=in_triage", "findings"}, {"Past their SLA", "/findings?overdue=1", "findings"}}
	return v
}

func (b *dashBuilder) productSecurity(s *bulwark.ProductSecurityDashboard) *roleView {
	f, q := s.Findings, s.Queue
	evaluator := canAtRoot(b.pr, bulwark.ActionComponentEvaluate)
	v := &roleView{Title: "Product security dashboard", Lede: "The certification queue, waivers waiting for a second pair of eyes, and the critical and known-exploited findings across your scopes."}
	queueHref := ""
	if evaluator {
		queueHref = "/catalog/queue"
	}
	v.Tiles = tileSet{Label: "Waiting for you", Tiles: []tile{
		{Num: count(q.Requested), Label: "requested, not started", Href: queueHref},
		{Num: count(q.UnderEvaluation), Label: "under evaluation", Href: queueHref},
		{Num: count(s.PendingCount), Label: "waivers to approve", Href: "#pending-waivers"},
		findingTile(f.ByRating["critical"], "critical, open", "/findings?state=open&rating=critical", "stat-critical"),
		findingTile(f.KEV, "known exploited (KEV), open", "/findings?state=open&kev=1", "stat-breached"),
	}}
	// The queue's chart stands before the findings': it is this role's own work.
	var labels []string
	var values [][]int
	for _, a := range q.ByAge {
		labels = append(labels, a.Label)
		values = append(values, []int{a.Requested, a.UnderEvaluation})
	}
	if q.Requested+q.UnderEvaluation > 0 {
		c := newBarChart("ps-queue", "Certification queue by age", []chartSeries{{"requested", "seg-requested"}, {"under evaluation", "seg-evaluating"}}, labels, values, nil)
		c.Note = "Days since each version was requested."
		v.Charts = append(v.Charts, chartBox{Bar: c})
	}
	b.findingsPart(v, f, "ps", ratingChart("ps-rating", f.ByRating))

	oldest := q.Oldest
	t := &dashTable{ID: "queue", Title: "Oldest in the certification queue", Count: shown(len(oldest), q.Requested+q.UnderEvaluation, "versions"),
		Empty: "Nothing waits for certification. Versions developers request appear here, oldest first."}
	if evaluator {
		t.Links = []navItem{{"Open the queue", "/catalog/queue", "queue"}}
	}
	t.Heads = sortRows(oldest, t.ID, []sortColumn[*bulwark.ComponentVersion]{
		{Key: "version", Label: "Version", Cmp: func(a, b *bulwark.ComponentVersion) int { return strings.Compare(a.PURL, b.PURL) }},
		{Key: "state", Label: "State", Cmp: func(a, b *bulwark.ComponentVersion) int {
			return versionStateOrder(a.State) - versionStateOrder(b.State)
		}},
		{Key: "license", Label: "Licence", Cmp: func(a, b *bulwark.ComponentVersion) int { return strings.Compare(a.License, b.License) }},
		{Key: "waiting", Label: "Waiting", Num: true, Cmp: func(a, b *bulwark.ComponentVersion) int { return b.CreatedAt.Compare(a.CreatedAt) }},
	}, "-waiting", b.sort, b.base)
	for _, cv := range oldest {
		t.Rows = append(t.Rows, []dashCell{
			{Text: cv.PURL, Href: fmt.Sprintf("/catalog/versions/%d", cv.ID), Strong: true},
			{Text: string(cv.State), Badge: "state state-" + cssToken(string(cv.State)), Head: "State"},
			{Text: cv.License, Mono: true, Head: "Licence"},
			{Text: plural(int(b.now.Sub(cv.CreatedAt).Hours()/24), "day", "days"), Num: true, Head: "Waiting"},
		})
	}
	v.Tables = append(v.Tables, t,
		b.waiverTable("pending-waivers", "Waivers awaiting approval", "No waiver awaits approval in your scopes.", s.PendingWaivers, s.PendingCount, "by"))
	v.Links = []navItem{{"Critical findings", "/findings?state=open&rating=critical", "findings"}, {"Known exploited", "/findings?state=open&kev=1", "findings"}, {"Vulnerability dashboard", "/vulnerabilities", "vulnerabilities"}}
	return v
}

func (b *dashBuilder) auditor(s *bulwark.AuditorDashboard, canExport bool) *roleView {
	v := &roleView{Title: "Auditor dashboard", Lede: "The ledger that records every decision: how large it is, how busy your scopes have been, and the latest checkpoint a verifier can hold it to."}
	cp := tile{Num: "none", Label: "checkpoint signed yet", Href: "/ledger"}
	if s.Checkpoint != nil {
		cp = tile{Num: strconv.FormatInt(s.Checkpoint.Size, 10), Label: "events in the latest checkpoint, " + s.Checkpoint.Time.UTC().Format(timeLayout), Href: "/ledger"}
	}
	v.Tiles = tileSet{Label: "The ledger", Tiles: []tile{
		{Num: strconv.FormatInt(s.LedgerSize, 10), Label: "events in the ledger", Href: "/ledger"},
		{Num: count(s.Events), Label: "events in your scopes, last 30 days", Href: "/ledger"},
		cp,
	}}
	if s.Events == 0 {
		v.Empty = &emptyState{Title: "No events in the last 30 days", Text: "Nothing was recorded in your scopes lately. Every decision and change made in them is appended to the ledger as it happens.",
			Links: []navItem{{"Browse the ledger", "/ledger", "ledger"}}}
	} else {
		var labels, short, hrefs []string
		var values [][]int
		for _, d := range s.PerDay {
			labels, short = append(labels, d.Day.Format("Mon 2 Jan 2006")), append(short, d.Day.Format("2 Jan"))
			values = append(values, []int{d.Events})
			if canExport {
				hrefs = append(hrefs, "/ledger/bundle?day="+d.Day.Format(dateLayout))
			}
		}
		c := newColumnChart("aud-events", "Ledger events per day", "Day (UTC)", []chartSeries{{"events", "seg-events"}}, labels, short, values, hrefs)
		c.Note = "Events recorded in your scopes on each of the last 30 days (UTC)."
		if canExport {
			c.Note += " Each day in the table downloads that day's evidence bundle."
		}
		v.Charts = append(v.Charts, chartBox{Cols: c})
	}
	v.Links = []navItem{{"Browse the ledger", "/ledger", "ledger"}}
	if canExport {
		v.Links = append(v.Links, navItem{"Export today's evidence bundle", "/ledger/bundle?day=" + b.now.UTC().Format(dateLayout), "ledger"})
	}
	return v
}

func (b *dashBuilder) psirt(s *bulwark.PSIRTDashboard) *roleView {
	f := s.Findings
	importer := canAtRoot(b.pr, bulwark.ActionAdvisoryImport)
	v := &roleView{Title: "PSIRT dashboard", Lede: "The advisories imported lately, the known-exploited vulnerabilities in the portfolio and the components that carry the most of them."}
	v.Tiles = tileSet{Label: "Vulnerability intelligence", Tiles: []tile{
		{Num: count(s.Advisories), Label: "advisories imported", Href: "#advisories"},
		findingTile(f.KEV, "known exploited (KEV), open", "/findings?state=open&kev=1", "stat-breached"),
		findingTile(f.ByRating["critical"], "critical, open", "/findings?state=open&rating=critical", "stat-critical"),
		{Num: count(f.Open), Label: "open findings", Href: "/findings?state=open"},
	}}
	b.findingsPart(v, f, "psirt", ratingChart("psirt-rating", f.ByRating))

	adv := s.Recent
	t := &dashTable{ID: "advisories", Title: "Recently imported advisories", Count: shown(len(adv), s.Advisories, "advisories"),
		Empty: "No advisories yet. Advisories are OSV records (one file or an archive such as an ecosystem's all.zip)."}
	if importer {
		t.Empty += " Import them on the Import advisories page:"
		t.EmptyLinks = []navItem{{"Import advisories", "/advisories/import", "advisory-import"}}
		t.Links = []navItem{{"Import advisories", "/advisories/import", "advisory-import"}}
	}
	t.Heads = sortRows(adv, t.ID, []sortColumn[bulwark.AdvisoryBrief]{
		{Key: "id", Label: "Advisory", Cmp: func(a, b bulwark.AdvisoryBrief) int { return strings.Compare(a.ID, b.ID) }},
		{Key: "rating", Label: "Severity", Cmp: func(a, b bulwark.AdvisoryBrief) int { return ratingOrder(a.Rating) - ratingOrder(b.Rating) }},
		{Key: "summary", Label: "Summary", Cmp: func(a, b bulwark.AdvisoryBrief) int { return strings.Compare(a.Summary, b.Summary) }},
		{Key: "imported", Label: "Imported", Cmp: func(a, b bulwark.AdvisoryBrief) int { return a.ImportedAt.Compare(b.ImportedAt) }},
	}, "-imported", b.sort, b.base)
	for _, a := range adv {
		rating := orNone(a.Rating, "unrated")
		summary := orNone(a.Summary)
		if a.Withdrawn {
			summary = "Withdrawn. " + a.Summary
		}
		t.Rows = append(t.Rows, []dashCell{
			{Text: a.ID, Href: vulnPath(a.ID), Strong: true, Title: a.Key},
			{Text: rating, Badge: "sev sev-" + cssToken(orNone(a.Rating, "unknown")), Head: "Severity"},
			{Text: summary, Head: "Summary"},
			{Text: a.ImportedAt.UTC().Format(timeLayout), Head: "Imported"},
		})
	}
	v.Tables = append(v.Tables, t, b.componentTable(s.Top))
	v.Links = []navItem{{"Vulnerability dashboard", "/vulnerabilities", "vulnerabilities"}, {"Known exploited", "/findings?state=open&kev=1", "findings"}}
	return v
}

// componentTable lists the most widespread vulnerable components.
func (b *dashBuilder) componentTable(top []bulwark.ComponentExposure) *dashTable {
	t := &dashTable{ID: "components", Title: "Most widespread vulnerable components", Note: "Open findings, by the releases that ship each component version.",
		Empty: "No open finding in your scopes."}
	t.Heads = sortRows(top, t.ID, []sortColumn[bulwark.ComponentExposure]{
		{Key: "component", Label: "Component", Cmp: func(a, b bulwark.ComponentExposure) int {
			return strings.Compare(a.Component+"@"+a.Version, b.Component+"@"+b.Version)
		}},
		{Key: "worst", Label: "Worst", Cmp: func(a, b bulwark.ComponentExposure) int { return ratingOrder(a.Worst) - ratingOrder(b.Worst) }},
		{Key: "vulns", Label: "Vulnerabilities", Num: true, Cmp: func(a, b bulwark.ComponentExposure) int { return a.Vulnerabilities - b.Vulnerabilities }},
		{Key: "releases", Label: "Releases", Num: true, Cmp: func(a, b bulwark.ComponentExposure) int { return a.Releases - b.Releases }},
	}, "-releases", b.sort, b.base)
	for _, c := range top {
		t.Rows = append(t.Rows, []dashCell{
			{Text: c.Component + " " + c.Version, Href: "/findings?" + url.Values{"state": {"open"}, "component": {c.Component}}.Encode(), Strong: true, Title: c.PURL},
			{Text: c.Worst, Badge: "sev sev-" + cssToken(c.Worst), Head: "Worst"},
			{Text: count(c.Vulnerabilities), Num: true, Head: "Vulnerabilities"},
			{Text: count(c.Releases), Num: true, Head: "Releases"},
		})
	}
	return t
}

func (b *dashBuilder) supplierManager(s *bulwark.SupplierDashboard) *roleView {
	v := &roleView{Title: "Supplier management dashboard", Lede: "Who supplies the components in the catalog, and whose promised support for a certified version ends soon."}
	v.Tiles = tileSet{Label: "Suppliers", Tiles: []tile{
		{Num: count(s.SupplierTotal), Label: "suppliers named in the catalog", Href: "#suppliers"},
		{Num: count(s.NoSupplier), Label: "versions naming no supplier", Href: "/catalog"},
		findingTile(s.SupportEndingCount, "support ending within 90 days", "/catalog/support?days=90", "stat-breached"),
	}}
	if len(s.Suppliers) > 0 {
		var labels []string
		var values [][]int
		for _, x := range s.Suppliers {
			labels = append(labels, clip(x.Supplier, 24)) // the table below names it whole
			values = append(values, []int{x.Usable, x.Versions - x.Usable})
		}
		c := newBarChart("sm-suppliers", "Catalog versions by supplier", []chartSeries{{"certified or deprecated", "seg-on-track"}, {"other states", "seg-no-sla"}}, labels, values, nil)
		c.Note = "The ten suppliers with the most versions."
		v.Charts = append(v.Charts, chartBox{Bar: c})
	}
	sup := s.Suppliers
	t := &dashTable{ID: "suppliers", Title: "Suppliers", Count: shown(len(sup), s.SupplierTotal, "suppliers"),
		Empty:      "No supplier is recorded in the catalog yet. Suppliers come with introduction requests and imported approved-component lists.",
		EmptyLinks: []navItem{{"Search the catalog", "/catalog", "catalog"}}}
	t.Heads = sortRows(sup, t.ID, []sortColumn[bulwark.SupplierCount]{
		{Key: "supplier", Label: "Supplier", Cmp: func(a, b bulwark.SupplierCount) int { return strings.Compare(a.Supplier, b.Supplier) }},
		{Key: "versions", Label: "Versions", Num: true, Cmp: func(a, b bulwark.SupplierCount) int { return a.Versions - b.Versions }},
		{Key: "usable", Label: "Certified or deprecated", Num: true, Cmp: func(a, b bulwark.SupplierCount) int { return a.Usable - b.Usable }},
	}, "-versions", b.sort, b.base)
	for _, x := range sup {
		t.Rows = append(t.Rows, []dashCell{{Text: x.Supplier, Strong: true}, {Text: count(x.Versions), Num: true, Head: "Versions"}, {Text: count(x.Usable), Num: true, Head: "Certified or deprecated"}})
	}
	ending := s.SupportEnding
	e := &dashTable{ID: "support", Title: "Support ending within 90 days", Count: shown(len(ending), s.SupportEndingCount, "versions"),
		Empty: "No certified or deprecated version's supplier support ends within 90 days.", Links: []navItem{{"Support ending", "/catalog/support", "support"}}}
	e.Heads = sortRows(ending, e.ID, []sortColumn[*bulwark.ComponentVersion]{
		{Key: "version", Label: "Version", Cmp: func(a, b *bulwark.ComponentVersion) int { return strings.Compare(a.PURL, b.PURL) }},
		{Key: "supplier", Label: "Supplier", Cmp: func(a, b *bulwark.ComponentVersion) int { return strings.Compare(a.Supplier, b.Supplier) }},
		{Key: "state", Label: "State", Cmp: func(a, b *bulwark.ComponentVersion) int {
			return versionStateOrder(a.State) - versionStateOrder(b.State)
		}},
		{Key: "ends", Label: "Support ends", Cmp: func(a, b *bulwark.ComponentVersion) int { return a.SupportEnds.Compare(*b.SupportEnds) }},
	}, "ends", b.sort, b.base)
	for _, cv := range ending {
		e.Rows = append(e.Rows, []dashCell{
			{Text: cv.PURL, Href: fmt.Sprintf("/catalog/versions/%d", cv.ID), Strong: true},
			{Text: orNone(cv.Supplier), Head: "Supplier"},
			{Text: string(cv.State), Badge: "state state-" + cssToken(string(cv.State)), Head: "State"},
			{Text: fmt.Sprintf("%s (%s)", cv.SupportEnds.UTC().Format(dateLayout), daysLeft(cv.SupportEnds.Sub(b.now))), Head: "Support ends"},
		})
	}
	v.Tables = append(v.Tables, t, e)
	v.Links = []navItem{{"Search the catalog", "/catalog", "catalog"}, {"Support ending", "/catalog/support", "support"}}
	return v
}

func (b *dashBuilder) admin(s *bulwark.AdminDashboard) *roleView {
	v := &roleView{Title: "Administrator dashboard", Lede: "Who can do what in the scopes you administer: people and their roles, the scope tree, and API access."}
	v.Tiles = tileSet{Label: "Access", Tiles: []tile{
		{Num: count(s.Users), Label: "people", Href: "/admin/users"},
		findingTile(s.WithoutRole, "without a role", "/admin/users", "stat-breached"),
		findingTile(s.Disabled, "disabled", "/admin/users", ""),
		{Num: count(s.Scopes), Label: "scopes", Href: "/admin/scopes"},
		{Num: count(s.ActiveTokens), Label: "active API tokens", Href: "/tokens"},
		findingTile(s.ExpiringTokens, "tokens ending within 14 days", "/tokens", "stat-breached"),
	}}
	var labels, kinds []string
	var values, kvalues [][]int
	for _, r := range bulwark.Roles {
		labels = append(labels, string(r))
		values = append(values, []int{s.ByRole[r]})
	}
	roles := newBarChart("admin-roles", "Roles granted", []chartSeries{{"grants", "seg-grants"}}, labels, values, nil)
	roles.Note = "Grants in your scopes, by role; a grant covers its scope and everything below it."
	for _, k := range bulwark.ScopeKinds {
		kinds = append(kinds, string(k))
		kvalues = append(kvalues, []int{s.ByKind[k]})
	}
	scopes := newBarChart("admin-scopes", "Scopes by level", []chartSeries{{"scopes", "seg-scopes"}}, kinds, kvalues, nil)
	v.Charts = []chartBox{{Bar: roles}, {Bar: scopes}}
	v.Links = []navItem{{"Users and roles", "/admin/users", "users"}, {"Scope tree", "/admin/scopes", "scopes"}, {"API tokens", "/tokens", "tokens"}}
	return v
}
