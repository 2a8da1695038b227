package sqldb_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// testClock is a store clock the test moves.
type testClock struct{ us atomic.Int64 }

func (c *testClock) now() time.Time      { return time.UnixMicro(c.us.Load()).UTC() }
func (c *testClock) set(t time.Time)     { c.us.Store(t.UnixMicro()) }
func (c *testClock) add(d time.Duration) { c.us.Add(d.Microseconds()) }

func clocked(db *sqldb.DB, at time.Time) *testClock {
	c := &testClock{}
	c.set(at)
	db.SetClock(c.now)
	return c
}

// dashboardNow is a Wednesday; its week began on Monday 10 March.
var dashboardNow = time.Date(2025, 3, 12, 12, 0, 0, 0, time.UTC)

// vulnerableRelease creates a release of a new product in scope and stores
// an SBOM with the given purls, at the clock's time.
func vulnerableRelease(t *testing.T, db *sqldb.DB, ctx context.Context, scope *bulwark.Scope, product string, purls ...string) *bulwark.Release {
	t.Helper()
	p, err := db.CreateProduct(ctx, bulwark.NewProduct{ScopeID: scope.ID, Name: product})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.CreateRelease(ctx, p.ID, bulwark.NewRelease{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	var comps []comp
	for _, u := range purls {
		comps = append(comps, comp{u, "MIT"})
	}
	if _, err := db.StoreSBOM(ctx, r.ID, upload("bom.json", cdx(t, comps, nil))); err != nil {
		t.Fatal(err)
	}
	return r
}

func releaseFindings(t *testing.T, db *sqldb.DB, release int64) map[string]*bulwark.VulnFinding {
	t.Helper()
	list, _, err := db.Findings(sqldbtest.System(context.Background()), bulwark.FindingFilter{ReleaseID: release, All: true}, bulwark.Page{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*bulwark.VulnFinding{}
	for _, f := range list {
		out[f.Rating] = f
	}
	return out
}

// history reads one rating's open counts, oldest week first.
func history(weeks []bulwark.WeekCount, rating string) []int {
	var out []int
	for _, w := range weeks {
		out = append(out, w.ByRating[rating])
	}
	return out
}

// TestDashboardHistoryAndScopes: findings found and closed at known times
// give the weekly history; every figure counts only the caller's scopes.
func TestDashboardHistoryAndScopes(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		clock := clocked(db, dashboardNow.AddDate(0, 0, -40))
		org := seed(t, db)
		dev, bu, psirt := as(t, db, "developer"), as(t, db, "bu-security"), as(t, db, "psirt")
		routerDev := person(t, db, "router-dev", bulwark.RoleDeveloper, org.HomeRouter)
		sys := sqldbtest.System(context.Background())
		var items []osv.Item
		for _, a := range worklistAdvisories {
			items = append(items, record(t, a))
		}
		if _, err := db.ImportAdvisories(psirt, items); err != nil {
			t.Fatal(err)
		}
		// A: lodash (critical), found on 5 February, not affected from 26
		// February. B: lodash, found on 19 February. C: lodash, express
		// (high and low), found on 6 March. R: lodash in Home Router.
		clock.set(dashboardNow.AddDate(0, 0, -35))
		a := vulnerableRelease(t, db, dev, org.Core5G, "A", "pkg:npm/lodash@4.17.20")
		clock.set(dashboardNow.AddDate(0, 0, -21))
		vulnerableRelease(t, db, dev, org.Core5G, "B", "pkg:npm/lodash@4.17.20")
		clock.set(dashboardNow.AddDate(0, 0, -14))
		if _, err := db.TriageFinding(bu, releaseFindings(t, db, a.ID)["critical"].ID,
			bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "code_not_reachable"}); err != nil {
			t.Fatal(err)
		}
		clock.set(dashboardNow.AddDate(0, 0, -6))
		c := vulnerableRelease(t, db, dev, org.Core5G, "C", "pkg:npm/lodash@4.17.20", "pkg:npm/express@4.18.2")
		vulnerableRelease(t, db, routerDev, org.HomeRouter, "R", "pkg:npm/lodash@4.17.20")
		clock.set(dashboardNow)

		weeks, err := db.FindingHistory(dev)
		if err != nil || len(weeks) != bulwark.HistoryWeeks {
			t.Fatalf("history: %d weeks, %v", len(weeks), err)
		}
		if !weeks[11].Week.Equal(time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)) || !weeks[11].At.Equal(dashboardNow) ||
			!weeks[0].Week.Equal(time.Date(2024, 12, 23, 0, 0, 0, 0, time.UTC)) || !weeks[10].At.Equal(time.Date(2025, 3, 9, 23, 59, 59, 999999000, time.UTC)) {
			t.Fatalf("weeks: first %s, last %s at %s, previous at %s", weeks[0].Week, weeks[11].Week, weeks[11].At, weeks[10].At)
		}
		for rating, want := range map[string][]int{
			"critical": {0, 0, 0, 0, 0, 0, 1, 1, 2, 1, 2, 2},
			"high":     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1},
			"low":      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1},
			"medium":   make([]int, 12),
		} {
			if got := history(weeks, rating); !slices.Equal(got, want) {
				t.Errorf("developer's %s history %v, want %v", rating, got, want)
			}
		}
		if weeks[8].Open != 2 || weeks[11].Open != 4 {
			t.Errorf("open per week: %d and %d, want 2 and 4", weeks[8].Open, weeks[11].Open)
		}
		// The whole organisation also counts Home Router's finding.
		all, err := db.FindingHistory(sys)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := history(all, "critical"), []int{0, 0, 0, 0, 0, 0, 1, 1, 2, 1, 3, 3}; !slices.Equal(got, want) {
			t.Errorf("organisation's critical history %v, want %v", got, want)
		}
		mine, err := db.FindingHistory(routerDev)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := history(mine, "critical"), []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}; !slices.Equal(got, want) {
			t.Errorf("Home Router's critical history %v, want %v", got, want)
		}

		// The dashboard now: ages, SLA and states of the developer's scope.
		d, err := db.Dashboard(dev)
		if err != nil {
			t.Fatal(err)
		}
		if d.Open != 4 || d.ByRating["critical"] != 2 || d.ByState[bulwark.FindingNotAffected] != 1 || d.ByState[bulwark.FindingInTriage] != 4 ||
			d.ByAge[0].ByRating["critical"] != 1 || d.ByAge[1].ByRating["critical"] != 1 || d.ByAge[0].ByRating["high"] != 1 ||
			d.SLA != (bulwark.SLAStatus{Breached: 1, DueSoon: 1, OnTrack: 2}) || !d.At.Equal(dashboardNow) {
			t.Fatalf("developer's dashboard: %+v", d)
		}
		if len(d.Scopes) != 1 || d.Scopes[0].Scope != "5G Core" || d.Scopes[0].Open != 4 || d.Scopes[0].Breached != 1 {
			t.Fatalf("developer's scopes: %+v", d.Scopes)
		}
		// lodash ships in B and C here (A's finding is closed), in R too for
		// the organisation; express in C only.
		if len(d.Top) != 2 || d.Top[0].Component != "lodash" || d.Top[0].Releases != 2 || d.Top[0].Vulnerabilities != 1 || d.Top[0].Worst != "critical" ||
			d.Top[1].Component != "express" || d.Top[1].Releases != 1 || d.Top[1].Vulnerabilities != 2 || d.Top[1].Worst != "high" {
			t.Fatalf("developer's top components: %+v", d.Top)
		}
		org5, err := db.Dashboard(sys)
		if err != nil {
			t.Fatal(err)
		}
		if org5.Open != 5 || len(org5.Scopes) != 2 || org5.Top[0].Releases != 3 || org5.Advisories != 3 {
			t.Fatalf("organisation's dashboard: open %d, scopes %+v, top %+v, advisories %d", org5.Open, org5.Scopes, org5.Top, org5.Advisories)
		}
		if r, err := db.Dashboard(routerDev); err != nil || r.Open != 1 || len(r.Scopes) != 1 || r.Scopes[0].Scope != "Home Router" || r.SLA.DueSoon != 1 {
			t.Fatalf("Home Router's dashboard: %+v %v", r, err)
		}
		// bu-security of Networks sees 5G Core, not Home Router (Devices).
		rd, err := db.RoleDashboard(bu)
		if err != nil || rd.BUSecurity == nil || rd.BUSecurity.Findings.Open != 4 || rd.BUSecurity.Findings.ByState[bulwark.FindingInTriage] != 4 || rd.Developer != nil {
			t.Fatalf("bu-security's role dashboard: %+v %v", rd, err)
		}
		devices, err := db.RoleDashboard(as(t, db, "bu-security-devices"))
		if err != nil || devices.BUSecurity.Findings.Open != 1 || history(devices.BUSecurity.Findings.History, "critical")[9] != 0 {
			t.Fatalf("Devices' role dashboard: %+v %v", devices.BUSecurity, err)
		}

		// Fresh right after a change made through this store: triage
		// closes one and keeps one open.
		cf := releaseFindings(t, db, c.ID)
		if _, err := db.TriageFinding(bu, cf["low"].ID, bulwark.Triage{State: bulwark.FindingFalsePositive}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TriageFinding(bu, cf["high"].ID, bulwark.Triage{State: bulwark.FindingAffected, Response: "update"}); err != nil {
			t.Fatal(err)
		}
		d, err = db.Dashboard(dev)
		if err != nil || d.Open != 3 || d.ByState[bulwark.FindingAffected] != 1 || d.ByState[bulwark.FindingFalsePositive] != 1 || d.ByRating["low"] != 0 {
			t.Fatalf("dashboard right after triage: %+v %v", d, err)
		}
		if w, _ := db.FindingHistory(dev); w[11].ByRating["low"] != 0 || w[10].ByRating["low"] != 1 {
			t.Errorf("history after triage: this week %d low, last week %d, want 0 and 1", w[11].ByRating["low"], w[10].ByRating["low"])
		}
	})
}

// TestDashboardSnapshotStaleness: the dashboard does not count the findings
// on each read; it sees a change once the ledger records one that moves the
// figures, or once the snapshot is a minute old, and an expensive refresh
// runs behind the previous figures.
func TestDashboardSnapshotStaleness(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		clock := clocked(db, dashboardNow)
		org := seed(t, db)
		dev, psirt := as(t, db, "developer"), as(t, db, "psirt")
		sys := sqldbtest.System(context.Background())
		if _, err := db.ImportAdvisories(psirt, []osv.Item{record(t, ghsa)}); err != nil {
			t.Fatal(err)
		}
		r := vulnerableRelease(t, db, dev, org.Core5G, "A", "pkg:npm/lodash@4.17.20")
		open := func(what string, want int) {
			t.Helper()
			d, err := db.Dashboard(dev)
			if err != nil || d.Open != want {
				t.Fatalf("%s: %d open (%v), want %d", what, d.Open, err, want)
			}
		}
		open("after ingest", 1)
		// A change behind the store's back, with no ledger event (as a
		// tamper would be), is not seen: the figures are not recounted.
		closeAll := func() {
			t.Helper()
			if _, err := db.Raw().Exec(db.Rebind("UPDATE findings SET state = 'fixed', closed_at = ? WHERE release_id = ?"), dashboardNow.UnixMicro(), r.ID); err != nil {
				t.Fatal(err)
			}
		}
		closeAll()
		open("a change without an event", 1)
		// An event that does not move the figures changes nothing either.
		if err := db.AppendEvents(sys, []*bulwark.Event{{Kind: "auth.signed_in", Subject: "user:1", Scope: org.Root.Path}}); err != nil {
			t.Fatal(err)
		}
		open("after an unrelated event", 1)
		// One that does (as another replica's triage would write) is seen on
		// the next read.
		if err := db.AppendEvents(sys, []*bulwark.Event{{Kind: "finding.triaged", Subject: "finding:1", Scope: org.Core5G.Path}}); err != nil {
			t.Fatal(err)
		}
		open("after a triage event", 0)

		// A snapshot a minute old is refreshed whatever the ledger says.
		if _, err := db.Raw().Exec(db.Rebind("UPDATE findings SET state = 'in_triage', closed_at = NULL WHERE release_id = ?"), r.ID); err != nil {
			t.Fatal(err)
		}
		clock.add(59 * time.Second)
		open("59 s later", 0)
		clock.add(time.Second)
		open("a minute later", 1)

		// When the last refresh was expensive, a reader is served the
		// previous snapshot at once and the refresh runs in the background.
		db.PretendSlowRefresh()
		f := releaseFindings(t, db, r.ID)["critical"]
		if _, err := db.TriageFinding(as(t, db, "bu-security"), f.ID, bulwark.Triage{State: bulwark.FindingFixed}); err != nil {
			t.Fatal(err)
		}
		open("while an expensive refresh runs", 1)
		db.WaitRefresh()
		open("once it ran", 0)
	})
}

// TestRoleDashboardSections: each role's section reads what that role acts
// on, in the scopes where it holds the role.
func TestRoleDashboardSections(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		clocked(db, dashboardNow)
		org := seed(t, db)
		dev, bu, ps, psirt := as(t, db, "developer"), as(t, db, "bu-security"), as(t, db, "product-security"), as(t, db, "psirt")
		sys := sqldbtest.System(context.Background())

		// An empty store: every section is there and empty.
		for _, name := range []string{"developer", "bu-security", "product-security", "auditor", "psirt", "supplier-manager", "admin"} {
			d, err := db.RoleDashboard(as(t, db, name))
			if err != nil || len(d.Roles) != 1 || string(d.Roles[0]) != name {
				t.Fatalf("%s: %+v %v", name, d, err)
			}
		}
		empty, err := db.RoleDashboard(dev)
		if err != nil || empty.Developer.Findings.Open != 0 || len(empty.Developer.Requests) != 0 || len(empty.Developer.FailedGates) != 0 || empty.BUSecurity != nil {
			t.Fatalf("developer on an empty store: %+v %v", empty.Developer, err)
		}

		request(t, db, dev, org.Core5G, "pkg:npm/left-pad@1.3.0", "MIT")
		if _, err := db.ImportAdvisories(psirt, []osv.Item{record(t, ghsa)}); err != nil {
			t.Fatal(err)
		}
		r := vulnerableRelease(t, db, dev, org.Core5G, "A", "pkg:npm/lodash@4.17.20")
		if g, err := db.Gate(dev, "A", "1.0", upload("bom.json", cdx(t, []comp{{"pkg:npm/lodash@4.17.20", "MIT"}}, nil))); err != nil || !g.Failed() {
			t.Fatalf("gate: %+v %v", g, err)
		}
		routerDev := person(t, db, "router-dev", bulwark.RoleDeveloper, org.HomeRouter)
		vulnerableRelease(t, db, routerDev, org.HomeRouter, "R", "pkg:npm/lodash@4.17.20")
		if _, err := db.Gate(routerDev, "R", "1.0", upload("bom.json", cdx(t, []comp{{"pkg:npm/lodash@4.17.20", "MIT"}}, nil))); err != nil {
			t.Fatal(err)
		}
		d, err := db.RoleDashboard(dev)
		if err != nil {
			t.Fatal(err)
		}
		s := d.Developer
		if s.OpenRequests != 1 || len(s.Requests) != 1 || s.Requests[0].PURL != "pkg:npm/left-pad@1.3.0" || s.Requests[0].State != bulwark.StateRequested ||
			s.Requests[0].Scope != "5G Core" || !s.Requests[0].Open() {
			t.Errorf("developer's requests: %d open, %+v", s.OpenRequests, s.Requests)
		}
		if s.FailedGateCount != 1 || len(s.FailedGates) != 1 || s.FailedGates[0].Release.ID != r.ID || s.FailedGates[0].Failures < 1 || s.FailedGates[0].Scope != "5G Core" {
			t.Errorf("developer's failed gates (Home Router's must not show): %d, %+v", s.FailedGateCount, s.FailedGates)
		}
		if s.Findings.Open != 1 || s.Findings.ByRating["critical"] != 1 || s.Findings.AsOf.IsZero() {
			t.Errorf("developer's findings: %+v", s.Findings)
		}
		if other, _ := db.RoleDashboard(routerDev); other.Developer.OpenRequests != 0 || other.Developer.FailedGateCount != 1 || other.Developer.FailedGates[0].Release.Product != "R" {
			t.Errorf("router developer: %+v", other.Developer)
		}

		// Waivers: one pending, one approved that ends in ten days.
		pending, err := db.RequestWaiver(bu, bulwark.NewWaiver{PURL: "pkg:npm/left-pad", ScopeID: org.Core5G.ID, Reason: "until certified", ExpiresAt: dashboardNow.AddDate(0, 2, 0)})
		if err != nil {
			t.Fatal(err)
		}
		soon, err := db.RequestWaiver(bu, bulwark.NewWaiver{PURL: "pkg:npm/lodash", ScopeID: org.Core5G.ID, Reason: "fix planned", ExpiresAt: dashboardNow.AddDate(0, 0, 10)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApproveWaiver(ps, soon.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		d, err = db.RoleDashboard(ps)
		if err != nil {
			t.Fatal(err)
		}
		q := d.ProductSecurity.Queue
		if q.Requested != 1 || q.UnderEvaluation != 0 || q.ByAge[0].Requested != 1 || len(q.Oldest) != 1 || q.Oldest[0].PURL != "pkg:npm/left-pad@1.3.0" {
			t.Errorf("certification queue: %+v", q)
		}
		if d.ProductSecurity.PendingCount != 1 || len(d.ProductSecurity.PendingWaivers) != 1 || d.ProductSecurity.PendingWaivers[0].ID != pending.ID {
			t.Errorf("pending waivers: %+v", d.ProductSecurity.PendingWaivers)
		}
		// The approved waiver covers A's lodash: suppressed, still open.
		if f := d.ProductSecurity.Findings; f.Open != 2 || f.Suppressed != 1 || f.ByRating["critical"] != 2 {
			t.Errorf("product security's findings: %+v", f)
		}
		d, err = db.RoleDashboard(bu)
		if err != nil || len(d.BUSecurity.ExpiringWaivers) != 1 || d.BUSecurity.ExpiringWaivers[0].ID != soon.ID {
			t.Fatalf("expiring waivers: %+v %v", d.BUSecurity, err)
		}
		if d, _ := db.RoleDashboard(as(t, db, "bu-security-devices")); len(d.BUSecurity.ExpiringWaivers) != 0 {
			t.Errorf("Devices sees Networks' waivers: %+v", d.BUSecurity.ExpiringWaivers)
		}

		// The ledger: every event so far is of today; a checkpoint once signed.
		aud := as(t, db, "auditor")
		d, err = db.RoleDashboard(aud)
		if err != nil {
			t.Fatal(err)
		}
		size, _ := db.LedgerSize(sys)
		if a := d.Auditor; a.LedgerSize != size || a.Events != int(size) || len(a.PerDay) != 30 || a.PerDay[29].Events != a.Events ||
			!a.PerDay[29].Day.Equal(time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC)) || a.Checkpoint != nil {
			t.Errorf("auditor: %+v (ledger size %d)", a, size)
		}
		if _, err := db.Checkpoint(sys); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.RoleDashboard(aud); d.Auditor.Checkpoint == nil || d.Auditor.Checkpoint.Size != size {
			t.Errorf("auditor's checkpoint: %+v", d.Auditor.Checkpoint)
		}

		if d, err := db.RoleDashboard(psirt); err != nil || d.PSIRT.Advisories != 1 || len(d.PSIRT.Recent) != 1 || d.PSIRT.Recent[0].Key != "CVE-2024-1111" ||
			len(d.PSIRT.Top) != 1 || d.PSIRT.Top[0].Releases != 2 || d.PSIRT.Findings.Open != 2 {
			t.Errorf("psirt: %+v %v", d.PSIRT, err)
		}

		// The catalog: suppliers, and support ending in 90 days.
		ends := dashboardNow.AddDate(0, 0, 45)
		if _, err := db.Import(ps, []bulwark.ImportRow{
			{Line: 1, PURL: "pkg:npm/express@4.18.2", VersionDetails: bulwark.VersionDetails{License: "MIT", Supplier: "OpenJS Foundation", SupportEnds: &ends}},
			{Line: 2, PURL: "pkg:npm/chalk@5.0.0", VersionDetails: bulwark.VersionDetails{License: "MIT"}},
		}, nil, []byte("csv"), "approved.csv", false); err != nil {
			t.Fatal(err)
		}
		d, err = db.RoleDashboard(as(t, db, "supplier-manager"))
		if err != nil {
			t.Fatal(err)
		}
		if sm := d.SupplierManager; sm.SupplierTotal != 1 || len(sm.Suppliers) != 1 || sm.Suppliers[0] != (bulwark.SupplierCount{Supplier: "OpenJS Foundation", Versions: 2, Usable: 1}) ||
			sm.NoSupplier != 1 || sm.SupportEndingCount != 1 || sm.SupportEnding[0].PURL != "pkg:npm/express@4.18.2" {
			t.Errorf("supplier manager: %+v (suppliers %+v)", sm, sm.Suppliers)
		}

		d, err = db.RoleDashboard(as(t, db, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		// The demo's nine people and router-dev, each with one role.
		if a := d.Admin; a.Users != 10 || a.WithoutRole != 0 || a.ByRole[bulwark.RoleDeveloper] != 2 || a.ByRole[bulwark.RoleProductSecurity] != 2 ||
			a.Scopes != 7 || a.ByKind[bulwark.ScopeProject] != 2 || a.ActiveTokens != 0 {
			t.Errorf("admin: %+v", a)
		}
		if _, err := db.RoleDashboard(context.Background()); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
			t.Errorf("no principal: %v", err)
		}
	})
}
