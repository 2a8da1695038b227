package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/exploit"
)

// dashFixture names what seedDashboards made.
type dashFixture struct {
	vulnFixture
	request       int64 // the developer's request for left-pad
	pending, soon int64 // a waiver awaiting approval, and one ending in ten days
}

// seedDashboards gives every role something to see: the vulnerable
// releases (six findings in 5G Core, three in Home Router, found over the
// last weeks), one of Home Router's triaged as not affected, lodash's
// injection in the KEV catalog, a component request, a failed gate, two
// waivers and a catalog list with suppliers and a support end.
func seedDashboards(t *testing.T, e *env) dashFixture {
	t.Helper()
	fx := dashFixture{vulnFixture: seedVulns(t, e)}
	now := time.Now()
	// Found at different times, so the history has a shape; changed
	// behind the store's back before any dashboard was read.
	if _, err := e.db.Raw().Exec("UPDATE findings SET created_at = created_at - (id % 5) * ?", int64(9*24*time.Hour/time.Microsecond)); err != nil {
		t.Fatal(err)
	}
	jinja := e.findingsOf(fx.router)["CVE-2019-10906"]
	if _, err := e.db.TriageFinding(e.as("bu-security-devices"), jinja.ID, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "code_not_reachable"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ImportKEV(e.as("psirt"), &exploit.KEV{Version: "2024.05.01", Released: now.UTC(),
		Entries: []exploit.Entry{{CVE: "CVE-2021-23337", Vendor: "lodash", Product: "lodash", Name: "Command injection", Added: now.UTC()}}}); err != nil {
		t.Fatal(err)
	}
	dev := e.as("developer")
	d, err := e.db.RequestVersion(dev, bulwark.IntroductionRequest{PURL: "pkg:npm/left-pad@1.3.0", ScopeID: e.org.Core5G.ID, IntendedProduct: "UPF",
		Justification: "padding in the session log", VersionDetails: bulwark.VersionDetails{License: "MIT", Supplier: "npm Open Source"}})
	if err != nil {
		t.Fatal(err)
	}
	fx.request = d.Version.ID
	if g, err := e.db.Gate(dev, "UPF", "1.0", bulwark.SBOMUpload{Name: "upf.cdx.json", Content: vulnSBOM()}); err != nil || !g.Failed() {
		t.Fatalf("gate: %+v %v", g, err)
	}
	bu, ps := e.as("bu-security"), e.as("product-security")
	w, err := e.db.RequestWaiver(bu, bulwark.NewWaiver{PURL: "pkg:npm/left-pad", ScopeID: e.org.Core5G.ID, Reason: "until it is certified", ExpiresAt: now.AddDate(0, 2, 0)})
	if err != nil {
		t.Fatal(err)
	}
	fx.pending = w.ID
	if w, err = e.db.RequestWaiver(bu, bulwark.NewWaiver{PURL: "pkg:pypi/flask", ScopeID: e.org.Core5G.ID, Reason: "upgrade in the next sprint", ExpiresAt: now.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	fx.soon = w.ID
	if err := e.db.ApproveWaiver(ps, w.ID, "reviewed"); err != nil {
		t.Fatal(err)
	}
	ends := now.AddDate(0, 0, 40)
	if _, err := e.db.Import(ps, []bulwark.ImportRow{
		{Line: 1, PURL: "pkg:npm/express@4.18.2", VersionDetails: bulwark.VersionDetails{License: "MIT", Supplier: "OpenJS Foundation", SupportEnds: &ends}},
		{Line: 2, PURL: "pkg:npm/lodash@4.17.21", VersionDetails: bulwark.VersionDetails{License: "MIT", Supplier: "OpenJS Foundation"}},
	}, nil, []byte("purl,license\n"), "approved.csv", false); err != nil {
		t.Fatal(err)
	}
	return fx
}

// tileShows reports whether a page has a figure tile with num and label.
func tileShows(body, num, label string) bool {
	return regexp.MustCompile(`<span class="stat-num">` + regexp.QuoteMeta(num) + `</span><span class="stat-label">` + regexp.QuoteMeta(label)).MatchString(body)
}

func wantTiles(t *testing.T, who string, r *response, tiles ...string) {
	t.Helper()
	for i := 0; i+1 < len(tiles); i += 2 {
		if !tileShows(r.body, tiles[i], tiles[i+1]) {
			t.Errorf("%s: no tile %s %q\n%s", who, tiles[i], tiles[i+1], r.text())
		}
	}
}

// TestHomeDashboardsEmpty: on a store with only people in it, every role's
// dashboard says what would fill it and links only to what the role may do.
func TestHomeDashboardsEmpty(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name  string
		title string
		says  []string
		links []string // links the empty states offer
		not   []string // links they must not offer
	}{
		{"developer", "Developer dashboard", []string{"No findings yet", "which PSIRT and product security import", "You have not requested a component yet",
			"No release in your scopes failed its last gate"}, []string{"/products", "/catalog/request"}, []string{"/advisories/import", "/catalog/queue"}},
		{"bu-security", "Business unit security dashboard", []string{"No findings yet", "No waiver in your scopes ends within 30 days"}, []string{"/products"}, []string{"/advisories/import"}},
		{"product-security", "Product security dashboard", []string{"No findings yet", "Import advisories (OSV records or archives)", "Nothing waits for certification",
			"No waiver awaits approval"}, []string{"/advisories/import", "/catalog/queue"}, nil},
		{"auditor", "Auditor dashboard", []string{"Ledger events per day", "checkpoint signed yet"}, []string{"/ledger", "/ledger/bundle?day="}, []string{"/advisories/import"}},
		{"psirt", "PSIRT dashboard", []string{"No findings yet", "No advisories yet", "No open finding in your scopes"}, []string{"/advisories/import"}, nil},
		{"supplier-manager", "Supplier management dashboard", []string{"No supplier is recorded in the catalog yet", "version's supplier support ends within 90 days"},
			[]string{"/catalog"}, []string{"/advisories/import"}},
		{"admin", "Administrator dashboard", []string{"Roles granted", "Scopes by level"}, []string{"/admin/users", "/admin/scopes", "/tokens"}, nil},
	} {
		r := e.signedIn(c.name).get("/")
		wantStatus(t, c.name+" home", r, http.StatusOK)
		wantText(t, c.name+" home", r, append([]string{c.title}, c.says...)...)
		for _, l := range c.links {
			if !strings.Contains(r.body, `href="`+l) {
				t.Errorf("%s: no link to %s", c.name, l)
			}
		}
		for _, l := range c.not {
			if strings.Contains(r.body, `href="`+l) {
				t.Errorf("%s: offered %s, which the role may not use", c.name, l)
			}
		}
		if m := styleAttr.FindString(r.body); m != "" {
			t.Errorf("%s: an inline style attribute, which the CSP refuses: %s", c.name, m)
		}
		// Without findings there is nothing to chart about them.
		if strings.Contains(r.body, `-history"`) {
			t.Errorf("%s: a findings history chart on an empty store", c.name)
		}
	}
	wantTiles(t, "admin", e.signedIn("admin").get("/"), "9", "people", "0", "without a role", "7", "scopes")
}

// TestHomeDashboardsShowEachRolesWork: each role's dashboard counts its own
// scopes' work, charts it, and lists it.
func TestHomeDashboardsShowEachRolesWork(t *testing.T) {
	e := newEnv(t)
	fx := seedDashboards(t, e)

	dev := e.signedIn("developer").get("/")
	wantTiles(t, "developer", dev, "6", "open findings to fix", "4", "critical or high", "1", "requests waiting", "1", "releases failing their gate")
	wantText(t, "developer", dev, "Your component requests", "pkg:npm/left-pad@1.3.0", "Releases whose last gate failed", "UPF 1.0", "Counts of findings as of")
	for _, id := range []string{`id="dev-history"`, `id="dev-sla"`, `id="dev-age"`, fmt.Sprintf(`href="/catalog/versions/%d"`, fx.request), `href="/gate-runs/`} {
		if !strings.Contains(dev.body, id) {
			t.Errorf("developer: no %s", id)
		}
	}
	// The history counts this week's six open findings in 5G Core.
	if !regexp.MustCompile(`aria-label="Open findings by week\. [^"]*this week \(now\): 6 \(`).MatchString(dev.body) {
		t.Errorf("developer: the history does not say this week's six findings")
	}
	if strings.Contains(dev.text(), "Router 1.0") || strings.Contains(dev.text(), "Home Router") {
		t.Error("developer's dashboard shows another business unit's release")
	}

	bu := e.signedIn("bu-security").get("/")
	wantTiles(t, "bu-security", bu, "6", "in triage", "0", "past their SLA", "1", "waivers ending in 30 days")
	wantText(t, "bu-security", bu, "Findings by state", "Waivers ending within 30 days", "pkg:pypi/flask")
	if !strings.Contains(bu.body, fmt.Sprintf(`href="/waivers#waiver-%d"`, fx.soon)) {
		t.Error("bu-security: the expiring waiver does not link to itself")
	}
	devices := e.signedIn("bu-security-devices").get("/")
	wantTiles(t, "bu-security-devices", devices, "2", "in triage")

	ps := e.signedIn("product-security").get("/")
	// 5G Core's two jinja findings; Home Router's is not affected. Lodash's
	// injection is in all three releases.
	wantTiles(t, "product-security", ps, "1", "requested, not started", "1", "waivers to approve", "2", "critical, open", "3", "known exploited (KEV), open")
	wantText(t, "product-security", ps, "Certification queue by age", "Oldest in the certification queue", "pkg:npm/left-pad@1.3.0", "Waivers awaiting approval")
	if !strings.Contains(ps.body, fmt.Sprintf(`href="/waivers#waiver-%d"`, fx.pending)) {
		t.Error("product-security: the pending waiver is not listed")
	}

	size := e.ledgerSize()
	aud := e.signedIn("auditor").get("/")
	wantTiles(t, "auditor", aud, fmt.Sprint(e.ledgerSize()), "events in the ledger")
	if size > e.ledgerSize() || !strings.Contains(aud.body, `id="aud-events"`) || !strings.Contains(aud.body, `href="/ledger/bundle?day=`+time.Now().UTC().Format(dateLayout)+`"`) {
		t.Error("auditor: no events chart or no link to today's evidence bundle")
	}

	psirt := e.signedIn("psirt").get("/")
	wantTiles(t, "psirt", psirt, "4", "advisories imported", "3", "known exploited (KEV), open", "8", "open findings")
	wantText(t, "psirt", psirt, "Recently imported advisories", "GHSA-35jh-r3h4-6jhm", "Withdrawn. Not a vulnerability after all",
		"Most widespread vulnerable components", "lodash 4.17.20")
	if !strings.Contains(psirt.body, `href="/vulnerabilities/GHSA-35jh-r3h4-6jhm"`) || !strings.Contains(psirt.body, `href="/findings?component=lodash&amp;state=open"`) {
		t.Error("psirt: the lists do not link to the advisory and the component's findings")
	}

	sm := e.signedIn("supplier-manager").get("/")
	wantTiles(t, "supplier-manager", sm, "2", "suppliers named in the catalog", "1", "support ending within 90 days")
	wantText(t, "supplier-manager", sm, "Catalog versions by supplier", "OpenJS Foundation", "npm Open Source", "pkg:npm/express@4.18.2")

	admin := e.signedIn("admin").get("/")
	wantTiles(t, "admin", admin, "10", "people", "0", "without a role")
	if !strings.Contains(admin.body, `aria-label="Roles granted. developer: 2; bu-security: 2; product-security: 2; auditor: 1;`) {
		t.Error("admin: the roles chart does not count router-dev's grant")
	}

	for name, r := range map[string]*response{"developer": dev, "bu-security": bu, "product-security": ps, "auditor": aud, "psirt": psirt, "supplier-manager": sm} {
		if m := styleAttr.FindString(r.body); m != "" {
			t.Errorf("%s: an inline style attribute, which the CSP refuses: %s", name, m)
		}
		if strings.Contains(r.text(), "could not be read") {
			t.Errorf("%s: the dashboard failed", name)
		}
	}
}

var advisoryRow = regexp.MustCompile(`<tr><td class="who-cell"><a class="strong" href="/vulnerabilities/([^"]+)"`)

// TestHomeDashboardSorts: a list is sorted on the server by the column the
// "sort" parameter names, either way, and says so; anything else leaves
// the default order.
func TestHomeDashboardSorts(t *testing.T) {
	e := newEnv(t)
	seedVulns(t, e)
	b := e.signedIn("psirt")
	order := func(path string) []string {
		t.Helper()
		r := b.get(path)
		wantStatus(t, path, r, http.StatusOK)
		var ids []string
		for _, m := range advisoryRow.FindAllStringSubmatch(r.body, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	up := []string{"GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm", "OSV-2020-111", "PYSEC-2019-217"}
	if got := order("/?sort=advisories.id"); fmt.Sprint(got) != fmt.Sprint(up) {
		t.Errorf("by id: %v, want %v", got, up)
	}
	down := []string{up[3], up[2], up[1], up[0]}
	if got := order("/?sort=advisories.-id"); fmt.Sprint(got) != fmt.Sprint(down) {
		t.Errorf("by id, descending: %v, want %v", got, down)
	}
	r := b.get("/?sort=advisories.-id")
	if !strings.Contains(r.body, `aria-sort="descending"><a class="sort-link" href="?sort=advisories.id#advisories">Advisory`) {
		t.Error("the sorted heading does not say its order or link to the other")
	}
	// By severity: critical jinja first, the withdrawn (unrated) last.
	if got := order("/?sort=advisories.rating"); len(got) != 4 || got[0] != "PYSEC-2019-217" || got[3] != "OSV-2020-111" {
		t.Errorf("by severity: %v", got)
	}
	if got := order("/?sort=advisories.nonsense"); len(got) != 4 {
		t.Errorf("an unknown column: %v", got)
	}
}

// TestHomeDashboardOfEachRole: someone holding two roles picks the
// dashboard of either; a role not held shows the first.
func TestHomeDashboardOfEachRole(t *testing.T) {
	e := newEnv(t)
	e.addUser("lead", bulwark.RoleDeveloper, e.org.Core5G)
	if _, err := e.db.GrantRole(e.sys, e.userID("lead"), bulwark.RoleBUSecurity, e.org.Networks.ID, "test"); err != nil {
		t.Fatal(err)
	}
	w, err := e.db.RequestWaiver(e.as("bu-security"), bulwark.NewWaiver{PURL: "pkg:npm/left-pad", ScopeID: e.org.Core5G.ID, Reason: "short", ExpiresAt: time.Now().AddDate(0, 0, 5)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.ApproveWaiver(e.as("product-security"), w.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn("lead")
	r := b.get("/")
	wantText(t, "lead", r, "Developer dashboard")
	if !strings.Contains(r.body, `href="/?role=bu-security#dashboard"`) || !strings.Contains(r.body, `aria-current="true">developer</a>`) {
		t.Error("no tab for the second role, or the first not marked current")
	}
	r = b.get("/?role=bu-security")
	wantText(t, "lead as bu-security", r, "Business unit security dashboard")
	if strings.Contains(r.text(), "Developer dashboard") {
		t.Error("both dashboards at once")
	}
	// Sorting keeps the chosen role.
	if !strings.Contains(r.body, `href="?role=bu-security&amp;sort=expiring-waivers.component#expiring-waivers"`) {
		t.Error("a sort link drops the role")
	}
	wantText(t, "lead sorting as bu-security", b.get("/?role=bu-security&sort=expiring-waivers.-component"), "Business unit security dashboard", "pkg:npm/left-pad")
	wantText(t, "lead as admin", b.get("/?role=admin"), "Developer dashboard")
	if single := e.signedIn("developer").get("/"); strings.Contains(single.body, `class="role-tabs"`) {
		t.Error("tabs for someone with one role")
	}
}
