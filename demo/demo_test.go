package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/catalogfile"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// sharedData is the shared data folder seen from this package's directory.
const sharedData = "../../shared/data"

// seed runs the demo on a fresh SQLite store whose clock is the demo's.
// sqldbtest.Open cannot take a clock, so the store is opened here the same
// way with one.
func seed(t *testing.T, data string) (*sqldb.DB, context.Context, *demo.Result) {
	t.Helper()
	ctx := context.Background()
	signer, err := ledger.LoadOrCreateKey(filepath.Join(t.TempDir(), "ledger.key"), "bulwark.test/ledger")
	if err != nil {
		t.Fatal(err)
	}
	clock := demo.NewClock()
	db, err := sqldb.Open(ctx, sqldb.SQLitePath(t.TempDir()), sqldb.Options{Signer: signer, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sys := sqldbtest.System(ctx)
	root, err := db.CreateScope(sys, 0, bulwark.ScopeOrg, "Acme", "demo")
	if err != nil {
		t.Fatal(err)
	}
	res, err := demo.Run(sys, db, root, demo.Options{Data: data, Clock: clock, ParseCatalog: catalogfile.Parse})
	if err != nil {
		t.Fatal(err)
	}
	if now := clock.Now(); time.Since(now) > time.Second || time.Until(now) > time.Second {
		t.Fatalf("after seeding the clock says %s, not real time", now)
	}
	t.Log(res.Summary())
	return db, sys, res
}

func TestDemoWithSharedData(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedData, "osv")); err != nil {
		t.Skipf("the shared data folder %s is not here (%v): the real-data demo cannot be seeded", sharedData, err)
	}
	db, ctx, res := seed(t, sharedData)
	if res.Data == "" {
		t.Fatalf("the demo fell back to the built-in set although %s exists", sharedData)
	}
	org := res.Org

	// At least four products with lineage, in both business units, two
	// of them from the shared SBOMs.
	products, _, err := db.Products(ctx, "", bulwark.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	unit := map[int64]string{org.Networks.ID: "Networks", org.Core5G.ID: "Networks", org.Devices.ID: "Devices", org.HomeRouter.ID: "Devices"}
	withLineage, units := 0, map[string]int{}
	for _, p := range products {
		full, err := db.FindProduct(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		succeeded := 0
		for _, r := range full.Releases {
			if r.Predecessor != nil {
				succeeded++
			}
		}
		if n := len(full.Releases); n >= 2 && n <= 4 && succeeded == n-1 {
			withLineage++
			units[unit[p.ScopeID]]++
		}
	}
	if withLineage < 4 || units["Networks"] == 0 || units["Devices"] == 0 {
		t.Fatalf("%d products with a lineage of 2–4 releases (by unit %v); want at least 4 in both units", withLineage, units)
	}
	for _, name := range []string{"Element Manager", "Network Inventory", "Device Bridge", "Fleet Controller"} {
		p, err := db.FindProductByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.FindRelease(ctx, p.Releases[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.SBOM == nil || r.SBOM.Components < 80 {
			t.Errorf("%s %s: SBOM %+v; want one of the shared SBOMs", name, r.Version, r.SBOM)
		}
	}

	d, err := db.Dashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range bulwark.FindingStates {
		if d.ByState[s] == 0 {
			t.Errorf("no finding in state %s: %v", s, d.ByState)
		}
	}
	if d.Advisories < 5000 {
		t.Errorf("%d advisories imported; want the shared OSV packs (about 5,300)", d.Advisories)
	}
	checkFindings(t, db, ctx, "Element Manager")
	checkCatalog(t, db, ctx)
	checkWaivers(t, db, ctx)
	checkLedger(t, db, ctx, 30*24*time.Hour)

	// Each role has something to act on.
	g := lastGate(t, db, ctx, "5G Core", "2.0")
	if !g.Failed() || g.CreatedBy != "user:developer" {
		t.Errorf("developer's gate run: %s by %s; want a failure of theirs", g.Outcome, g.CreatedBy)
	}
	if g := lastGate(t, db, ctx, "Device Bridge", "1.7.0"); !g.Failed() {
		t.Errorf("Device Bridge 1.7.0 gate: %s; want it to fail on the banned nats-io/jwt", g.Outcome)
	}
	fresh, _, err := db.Findings(ctx, bulwark.FindingFilter{Key: "GO-2026-5970", State: bulwark.FindingInTriage}, bulwark.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) == 0 || time.Since(fresh[0].CreatedAt) > 3*24*time.Hour {
		t.Errorf("psirt's fresh advisory: %d findings; want new ones from two days ago", len(fresh))
	}
}

func TestDemoBuiltIn(t *testing.T) {
	db, ctx, res := seed(t, t.TempDir())
	if res.Data != "" || res.Products != 3 {
		t.Fatalf("seeded %d products from %q; want the 3 built-in ones", res.Products, res.Data)
	}
	d, err := db.Dashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Open == 0 || d.KEV == 0 || d.ByRating["critical"] == 0 || d.SLA.Breached == 0 {
		t.Fatalf("demo dashboard: %+v", d)
	}
	for _, s := range bulwark.FindingStates {
		if d.ByState[s] == 0 {
			t.Errorf("no finding in state %s: %v", s, d.ByState)
		}
	}
	checkFindings(t, db, ctx, "5G Core")
	checkCatalog(t, db, ctx)
	checkWaivers(t, db, ctx)
	checkLedger(t, db, ctx, 30*24*time.Hour)
}

// checkFindings wants a not_affected decision inherited along the lineage
// of the product, and an open finding past its SLA due date.
func checkFindings(t *testing.T, db *sqldb.DB, ctx context.Context, product string) {
	t.Helper()
	fs, _, err := db.Findings(ctx, bulwark.FindingFilter{State: bulwark.FindingNotAffected}, bulwark.Page{Limit: bulwark.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	inherited := 0
	for _, f := range fs {
		if f.InheritedFrom != 0 && f.Release.Product == product {
			inherited++
		}
	}
	if inherited == 0 {
		t.Errorf("no not_affected decision inherited along the lineage of %s", product)
	}
	overdue, _, err := db.Findings(ctx, bulwark.FindingFilter{Overdue: true}, bulwark.Page{Limit: bulwark.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if len(overdue) == 0 {
		t.Fatal("no open finding is past its SLA due date")
	}
	for _, f := range overdue {
		if !f.Overdue(now) || now.Sub(f.CreatedAt) < 7*24*time.Hour {
			t.Errorf("finding %d (%s %s, %s, created %s, due %v) is listed overdue", f.ID, f.Release, f.Key, f.State, f.CreatedAt, f.SLADue)
		}
	}
}

// checkCatalog wants requests waiting in both queue states, and deprecated
// and banned versions.
func checkCatalog(t *testing.T, db *sqldb.DB, ctx context.Context) {
	t.Helper()
	queue, _, err := db.EvaluationQueue(ctx, bulwark.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	states := map[bulwark.VersionState]int{}
	for _, v := range queue {
		states[v.State]++
	}
	if states[bulwark.StateRequested] < 2 || states[bulwark.StateUnderEvaluation] < 2 {
		t.Errorf("evaluation queue by state: %v; want requests waiting and under evaluation", states)
	}
	for _, s := range []bulwark.VersionState{bulwark.StateDeprecated, bulwark.StateBanned} {
		comps, _, err := db.SearchCatalog(ctx, bulwark.CatalogFilter{State: s}, bulwark.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(comps) == 0 {
			t.Errorf("no %s version in the catalog", s)
		}
	}
}

// checkWaivers wants an active waiver that runs out within 30 days, and one
// waiting for approval.
func checkWaivers(t *testing.T, db *sqldb.DB, ctx context.Context) {
	t.Helper()
	ws, _, err := db.FindWaivers(ctx, 0, bulwark.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	expiring, pending := 0, 0
	for _, w := range ws {
		switch w.State(now) {
		case "active":
			if w.ExpiresAt.Sub(now) < 30*24*time.Hour {
				expiring++
			}
		case "pending":
			pending++
		}
	}
	if expiring == 0 || pending == 0 {
		t.Errorf("%d active waivers expiring within 30 days and %d pending; want both", expiring, pending)
	}
}

// checkLedger wants event times that never go back, spread over more than
// span and ending by now.
func checkLedger(t *testing.T, db *sqldb.DB, ctx context.Context, span time.Duration) {
	t.Helper()
	var events []*bulwark.Event
	page := bulwark.Page{Limit: bulwark.MaxPageLimit}
	for {
		es, next, err := db.FindEvents(ctx, bulwark.EventFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, es...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if len(events) < 2 {
		t.Fatalf("%d ledger events", len(events))
	}
	// Newest first: times must not grow as the index falls.
	for i := 1; i < len(events); i++ {
		newer, older := events[i-1], events[i]
		if newer.Index <= older.Index || newer.Time.Before(older.Time) {
			t.Fatalf("ledger event %d (%s, %s) comes after event %d (%s, %s)", newer.Index, newer.Kind, newer.Time, older.Index, older.Kind, older.Time)
		}
	}
	first, last := events[len(events)-1], events[0]
	if got := last.Time.Sub(first.Time); got < span {
		t.Errorf("ledger spans %s (%s to %s); want more than %s", got, first.Time, last.Time, span)
	}
	if last.Time.After(time.Now()) {
		t.Errorf("last ledger event is dated %s, in the future", last.Time)
	}
}

func lastGate(t *testing.T, db *sqldb.DB, ctx context.Context, product, version string) *bulwark.GateResult {
	t.Helper()
	p, err := db.FindProductByName(ctx, product)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.FindReleaseByVersion(ctx, p.ID, version)
	if err != nil {
		t.Fatal(err)
	}
	runs, _, err := db.GateRuns(ctx, r.ID, bulwark.Page{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 {
		t.Fatalf("%s %s has no gate run", product, version)
	}
	return runs[0]
}

func TestClockOnlyMovesForward(t *testing.T) {
	c := demo.NewClock()
	start := c.Now()
	if ago := time.Since(start); ago < (demo.StoryDays-1)*24*time.Hour || ago > (demo.StoryDays+1)*24*time.Hour {
		t.Fatalf("a new clock says %s, %s ago; want the story's start", start, ago)
	}
	c.Go(start.Add(48 * time.Hour))
	at := c.Now()
	c.Go(start.Add(24 * time.Hour)) // back: ignored
	if c.Now().Before(at) {
		t.Fatalf("Go went back from %s to %s", at, c.Now())
	}
	c.Go(time.Now().Add(time.Hour)) // ahead of real time: stops at now
	if c.Now().After(time.Now()) {
		t.Fatalf("the clock runs ahead of real time: %s", c.Now())
	}
	c.Reset()
	if time.Since(c.Now()) > time.Second {
		t.Fatalf("after Reset the clock says %s", c.Now())
	}
	var none *demo.Clock
	none.Go(start)
	if time.Since(none.Now()) > time.Second {
		t.Fatal("a nil clock is not real time")
	}
}
