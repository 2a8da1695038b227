package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/policy"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// person creates a user with one role and returns a context acting as them.
func person(t *testing.T, db *sqldb.DB, name string, role bulwark.Role, scope *bulwark.Scope) context.Context {
	t.Helper()
	sys := sqldbtest.System(context.Background())
	u, err := db.CreateUser(sys, bulwark.NewUser{Name: name, HomeScopeID: scope.ID, Password: demo.Password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.GrantRole(sys, u.ID, role, scope.ID, ""); err != nil {
		t.Fatal(err)
	}
	return as(t, db, name)
}

func request(t *testing.T, db *sqldb.DB, ctx context.Context, scope *bulwark.Scope, purl, license string) *bulwark.VersionDossier {
	t.Helper()
	d, err := db.RequestVersion(ctx, bulwark.IntroductionRequest{PURL: purl, ScopeID: scope.ID, IntendedProduct: "5G Core", Justification: "needed",
		VersionDetails: bulwark.VersionDetails{License: license, Supplier: "OpenJS Foundation"}})
	if err != nil {
		t.Fatalf("request %s: %v", purl, err)
	}
	return d
}

func verify(t *testing.T, db *sqldb.DB, ctx context.Context, id int64) {
	t.Helper()
	if _, err := db.AddFinding(ctx, id, bulwark.NewFinding{Check: bulwark.CheckVerification, Outcome: bulwark.OutcomePass, Summary: "functional and performance tests pass"}); err != nil {
		t.Fatal(err)
	}
}

func TestCertificationWorkflow(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, ps := as(t, db, "developer"), as(t, db, "product-security")

		d := request(t, db, dev, org.Core5G, "pkg:npm/lodash@4.17.21", "MIT")
		v := d.Version
		if v.State != bulwark.StateRequested || len(d.Findings) != 4 || d.Findings[0].Check != bulwark.CheckLicense || d.Findings[0].Outcome != bulwark.OutcomePass {
			t.Fatalf("after request: %+v %+v", v, d.Findings)
		}
		// Bad input and duplicates change nothing.
		before, _ := db.LedgerSize(context.Background())
		for _, c := range []struct {
			req  bulwark.IntroductionRequest
			code string
			fld  string
		}{
			{bulwark.IntroductionRequest{PURL: "pkg:npm/lodash@4.17.21", ScopeID: org.Core5G.ID, Justification: "again", VersionDetails: bulwark.VersionDetails{License: "MIT"}}, bulwark.ECONFLICT, "purl"},
			{bulwark.IntroductionRequest{PURL: "npm:lodash", ScopeID: org.Core5G.ID, Justification: "x", VersionDetails: bulwark.VersionDetails{License: "MIT"}}, bulwark.EINVALID, "purl"},
			{bulwark.IntroductionRequest{PURL: "pkg:npm/left-pad", ScopeID: org.Core5G.ID, Justification: "x", VersionDetails: bulwark.VersionDetails{License: "MIT"}}, bulwark.EINVALID, "version"},
			{bulwark.IntroductionRequest{PURL: "pkg:npm/left-pad@1.3.0", ScopeID: org.Core5G.ID, Justification: "x", VersionDetails: bulwark.VersionDetails{License: "MIT OR Nonsense-9"}}, bulwark.EINVALID, "license"},
			{bulwark.IntroductionRequest{PURL: "pkg:npm/left-pad@1.3.0", ScopeID: org.HomeRouter.ID, Justification: "x", VersionDetails: bulwark.VersionDetails{License: "MIT"}}, bulwark.EFORBIDDEN, ""},
			{bulwark.IntroductionRequest{PURL: "pkg:npm/left-pad@1.3.0", ScopeID: org.Core5G.ID, VersionDetails: bulwark.VersionDetails{License: "MIT"}}, bulwark.EINVALID, "justification"},
		} {
			_, err := db.RequestVersion(dev, c.req)
			if bulwark.ErrorCode(err) != c.code || bulwark.ErrorField(err) != c.fld {
				t.Errorf("request %+v: %v, want %s on %q", c.req.PURL, err, c.code, c.fld)
			}
		}
		_, err := db.Decide(dev, v.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "mine"})
		wantCode(t, err, bulwark.EFORBIDDEN)
		_, err = db.Decide(ps, v.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "too early"})
		wantCode(t, err, bulwark.ECONFLICT)
		if after, _ := db.LedgerSize(context.Background()); after != before {
			t.Fatalf("refused requests and decisions grew the ledger %d → %d", before, after)
		}

		if err := db.StartEvaluation(ps, v.ID, "taking it"); err != nil {
			t.Fatal(err)
		}
		_, err = db.Decide(ps, v.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "no record yet"})
		wantCode(t, err, bulwark.EPRECONDITION)
		// The verification record carries a report filed at the root; anyone
		// who reads the catalog can read it with the dossier.
		report, err := db.PutEvidence(ps, org.Root.ID, "load-test.txt", "text/plain", []byte("12k req/s at p99 4 ms"), "verification")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.GetEvidence(dev, report.Digest); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("unreferenced root evidence readable by a developer: %v", err)
		}
		if _, err := db.AddFinding(ps, v.ID, bulwark.NewFinding{Check: bulwark.CheckVerification, Outcome: bulwark.OutcomePass,
			Summary: "functional and performance tests pass", Evidence: []string{report.Digest}}); err != nil {
			t.Fatal(err)
		}
		if _, got, err := db.GetEvidence(dev, report.Digest); err != nil || string(got) != "12k req/s at p99 4 ms" {
			t.Fatalf("developer reads the dossier's evidence: %v", err)
		}
		until := time.Now().Add(400 * 24 * time.Hour)
		if _, err := db.Decide(ps, v.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "meets policy", CertifiedUntil: &until}); err != nil {
			t.Fatal(err)
		}
		d, err = db.FindVersion(dev, v.ID)
		if err != nil || d.Version.State != bulwark.StateCertified || d.Version.CertifiedUntil == nil || len(d.Decisions) != 1 || len(d.History) < 4 {
			t.Fatalf("after certify: %+v %v", d.Version, err)
		}
		notes, _, _ := db.Notifications(dev, bulwark.Page{})
		if len(notes) != 1 || !strings.Contains(notes[0].Message, "certified") {
			t.Fatalf("requester notifications %+v", notes)
		}
		if n, err := db.UnreadNotifications(dev); err != nil || n != 1 {
			t.Fatalf("unread %d %v", n, err)
		}
		if err := db.MarkNotificationRead(dev, notes[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.UnreadNotifications(dev); n != 0 {
			t.Fatalf("unread after reading: %d", n)
		}
		if err := db.MarkNotificationRead(ps, notes[0].ID); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Fatalf("someone else's notification: %v", err)
		}
		if d.Version.Round != 1 || d.Findings[0].Round != 1 {
			t.Fatalf("round %d/%d", d.Version.Round, d.Findings[0].Round)
		}
		evs, _, _ := db.FindEvents(sqldbtest.System(context.Background()), bulwark.EventFilter{Subject: "component-version:1"}, bulwark.Page{})
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
		}
		if strings.Join(kinds, ",") != "component.certified,component.decision,component.finding_added,component.evaluation_started,component.requested" {
			t.Fatalf("ledger kinds %v", kinds)
		}

		// Lifecycle.
		err = db.Transition(ps, v.ID, bulwark.LifecycleChange{To: bulwark.StateDeprecated, Reason: "old"})
		wantCode(t, err, bulwark.EINVALID)
		if err := db.Transition(ps, v.ID, bulwark.LifecycleChange{To: bulwark.StateDeprecated, Replacement: "pkg:npm/lodash@4.17.22", Reason: "superseded"}); err != nil {
			t.Fatal(err)
		}
		if err := db.Transition(ps, v.ID, bulwark.LifecycleChange{To: bulwark.StateBanned, Reason: "red line"}); err != nil {
			t.Fatal(err)
		}
		err = db.Transition(ps, v.ID, bulwark.LifecycleChange{To: bulwark.StateCertified, Reason: "undo"})
		wantCode(t, err, bulwark.ECONFLICT)
		if notes, _, _ := db.Notifications(dev, bulwark.Page{}); len(notes) != 3 {
			t.Fatalf("requester not told of lifecycle changes: %d notes", len(notes))
		}
	})
}

func TestFourEyesAndPolicy(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		ps, admin := as(t, db, "product-security"), as(t, db, "admin")
		ps2 := person(t, db, "ps-two", bulwark.RoleProductSecurity, org.Root)

		// Two decisions needed.
		text := strings.Replace(policy.DefaultText, "approvals: 1", "approvals: 2", 1)
		if _, err := db.UpdatePolicy(as(t, db, "developer"), text, "stricter"); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Fatalf("developer edits policy: %v", err)
		}
		_, err := db.UpdatePolicy(admin, "licenses:\n  allow: [Nope-1]\n", "broken")
		wantCode(t, err, bulwark.EINVALID)
		doc, err := db.UpdatePolicy(admin, text, "stricter")
		if err != nil || doc.Version != 1 {
			t.Fatalf("policy %v %v", doc, err)
		}

		// A product-security member who requests cannot decide on it.
		d := request(t, db, ps, org.Networks, "pkg:maven/org.example/lib@1.0.0", "Apache-2.0")
		if err := db.StartEvaluation(ps, d.Version.ID, ""); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Fatalf("requester evaluates own request: %v", err)
		}
		if err := db.StartEvaluation(ps2, d.Version.ID, ""); err != nil {
			t.Fatal(err)
		}
		verify(t, db, ps2, d.Version.ID)
		if _, err := db.Decide(ps2, d.Version.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "ok"}); err != nil {
			t.Fatal(err)
		}
		_, err = db.Decide(ps2, d.Version.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "me again"})
		wantCode(t, err, bulwark.EFORBIDDEN)
		if dd, _ := db.FindVersion(ps, d.Version.ID); dd.Version.State != bulwark.StateUnderEvaluation || dd.Needed != 2 {
			t.Fatalf("one of two decisions certified it: %s", dd.Version.State)
		}
		ps3 := person(t, db, "ps-three", bulwark.RoleProductSecurity, org.Root)
		if _, err := db.Decide(ps3, d.Version.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "agree"}); err != nil {
			t.Fatal(err)
		}
		if dd, _ := db.FindVersion(ps, d.Version.ID); dd.Version.State != bulwark.StateCertified {
			t.Fatalf("two decisions did not certify: %s", dd.Version.State)
		}

		// A 1st-line member of the requester's scope cannot decide, even with product-security.
		dual := person(t, db, "dual-hat", bulwark.RoleProductSecurity, org.Root)
		sys := sqldbtest.System(context.Background())
		u, _ := db.FindUserByName(sys, "dual-hat")
		db.GrantRole(sys, u.ID, bulwark.RoleDeveloper, org.Core5G.ID, "")
		dual = as(t, db, "dual-hat")
		d2 := request(t, db, as(t, db, "developer"), org.Core5G, "pkg:pypi/requests@2.31.0", "Apache-2.0")
		if err := db.StartEvaluation(dual, d2.Version.ID, ""); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN || !strings.Contains(err.Error(), "1st line") {
			t.Fatalf("1st-line evaluator: %v", err)
		}

		// A denied licence blocks certification until a superseding finding.
		d3 := request(t, db, as(t, db, "developer"), org.Core5G, "pkg:npm/agpl-thing@1.0.0", "AGPL-3.0-only")
		if d3.Findings[0].Outcome != bulwark.OutcomeFail {
			t.Fatalf("AGPL finding %+v", d3.Findings[0])
		}
		db.StartEvaluation(ps2, d3.Version.ID, "")
		verify(t, db, ps2, d3.Version.ID)
		_, err = db.Decide(ps2, d3.Version.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "ok"})
		if bulwark.ErrorCode(err) != bulwark.EPRECONDITION || !strings.Contains(err.Error(), "license") {
			t.Fatalf("certify over a failing licence: %v", err)
		}
		if _, err := db.Decide(ps2, d3.Version.ID, bulwark.NewDecision{Verdict: bulwark.VerdictReject, Reason: "AGPL"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Decide(ps3, d3.Version.ID, bulwark.NewDecision{Verdict: bulwark.VerdictReject, Reason: "AGPL"}); err != nil {
			t.Fatal(err)
		}
		if dd, _ := db.FindVersion(ps, d3.Version.ID); dd.Version.State != bulwark.StateRejected {
			t.Fatalf("rejection: %s", dd.Version.State)
		}
		// Rejected versions may be requested again, as a new round.
		if again := request(t, db, as(t, db, "developer"), org.Core5G, "pkg:npm/agpl-thing@1.0.0", "AGPL-3.0-only"); again.Version.State != bulwark.StateRequested || again.Version.Round != 2 {
			t.Fatalf("re-request: %s", again.Version.State)
		}
	})
}

func TestCatalogSearchAndWaivers(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, ps, busec := as(t, db, "developer"), as(t, db, "product-security"), as(t, db, "bu-security")
		soon := time.Now().Add(20 * 24 * time.Hour)
		db.RequestVersion(dev, bulwark.IntroductionRequest{PURL: "pkg:npm/%40angular/core@16.2.0", ScopeID: org.Core5G.ID, Justification: "ui",
			VersionDetails: bulwark.VersionDetails{License: "MIT", SupportEnds: &soon}})
		request(t, db, dev, org.Core5G, "pkg:pypi/Django@4.2.0", "BSD-3-Clause")
		request(t, db, dev, org.Core5G, "pkg:pypi/django@5.0.0", "BSD-3-Clause AND MIT")

		search := func(f bulwark.CatalogFilter) []string {
			cs, _, err := db.SearchCatalog(dev, f, bulwark.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cs {
				for _, v := range c.Versions {
					out = append(out, v.PURL)
				}
			}
			return out
		}
		if got := search(bulwark.CatalogFilter{Query: "ANGULAR"}); len(got) != 1 || got[0] != "pkg:npm/%40angular/core@16.2.0" {
			t.Errorf("name search: %v", got)
		}
		if got := search(bulwark.CatalogFilter{Query: "pkg:PyPI/Django"}); len(got) != 2 {
			t.Errorf("purl prefix search: %v", got)
		}
		if got := search(bulwark.CatalogFilter{License: "mit"}); len(got) != 2 {
			t.Errorf("licence search: %v", got)
		}
		if got := search(bulwark.CatalogFilter{Query: "100%_"}); len(got) != 0 {
			t.Errorf("wildcards not escaped: %v", got)
		}
		if _, _, err := db.SearchCatalog(dev, bulwark.CatalogFilter{State: "lost"}, bulwark.Page{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("bad state: %v", err)
		}

		// Waivers.
		exp := time.Now().Add(10 * 24 * time.Hour)
		w, err := db.RequestWaiver(busec, bulwark.NewWaiver{PURL: "pkg:pypi/django", Versions: ">=4.0 <5", ScopeID: org.Networks.ID, Reason: "migration in Q3", ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.RequestWaiver(busec, bulwark.NewWaiver{PURL: "pkg:pypi/django", ScopeID: org.Devices.ID, Reason: "x", ExpiresAt: exp})
		wantCode(t, err, bulwark.EFORBIDDEN)
		_, err = db.RequestWaiver(busec, bulwark.NewWaiver{PURL: "pkg:pypi/django", ScopeID: org.Networks.ID, Reason: "x", ExpiresAt: time.Now().Add(400 * 24 * time.Hour)})
		wantCode(t, err, bulwark.EINVALID)
		if got, _ := db.ActiveWaiver(context.Background(), "pkg:pypi/django@4.2.0", org.Core5G.Path); got != nil {
			t.Fatal("pending waiver applies")
		}
		if err := db.ApproveWaiver(busec, w.ID, "mine"); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Fatalf("requester approves: %v", err)
		}
		if err := db.ApproveWaiver(ps, w.ID, "ok until Q3"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			purl, scope string
			want        bool
		}{
			{"pkg:pypi/django@4.2.0", org.Core5G.Path, true},
			{"pkg:pypi/Django@4.2.0", org.Networks.Path, true},
			{"pkg:pypi/django@5.0.0", org.Core5G.Path, false},
			{"pkg:pypi/django@4.2.0", org.HomeRouter.Path, false},
		} {
			got, err := db.ActiveWaiver(context.Background(), c.purl, c.scope)
			if err != nil || (got != nil) != c.want {
				t.Errorf("ActiveWaiver(%s, %s) = %v, %v", c.purl, c.scope, got, err)
			}
		}
		if ws, _, _ := db.FindWaivers(busec, 30, bulwark.Page{}); len(ws) != 1 {
			t.Errorf("expiring soon: %d", len(ws))
		}
		if ws, _, _ := db.FindWaivers(busec, 5, bulwark.Page{}); len(ws) != 0 {
			t.Errorf("expiring within 5 days: %d", len(ws))
		}
	})
}

func TestImport(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		seed(t, db)
		ps := as(t, db, "product-security")
		rows := []bulwark.ImportRow{
			{Line: 2, PURL: "pkg:npm/express@4.18.2", VersionDetails: bulwark.VersionDetails{License: "MIT"}},
			{Line: 3, PURL: "pkg:npm/express@4.17.1", State: bulwark.StateDeprecated, Replacement: "pkg:npm/express@4.18.2", VersionDetails: bulwark.VersionDetails{License: "MIT"}},
			{Line: 4, PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", State: bulwark.StateBanned, VersionDetails: bulwark.VersionDetails{License: "Apache-2.0"}},
		}
		bad := append(append([]bulwark.ImportRow{}, rows...),
			bulwark.ImportRow{Line: 5, PURL: "pkg:npm/express@4.18.2", VersionDetails: bulwark.VersionDetails{License: "MIT"}},
			bulwark.ImportRow{Line: 6, PURL: "pkg:npm/x@1", VersionDetails: bulwark.VersionDetails{License: "MIT OR"}},
			bulwark.ImportRow{Line: 7, PURL: "pkg:npm/y", VersionDetails: bulwark.VersionDetails{License: "MIT"}},
		)
		before, _ := db.LedgerSize(context.Background())
		res, err := db.Import(ps, bad, nil, []byte("csv"), "approved.csv", true)
		if err != nil || len(res.Errors) != 3 || res.Errors[0].Line != 5 || res.Errors[1].Field != "license" || res.Errors[2].Field != "purl" {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		res, err = db.Import(ps, bad, nil, []byte("csv"), "approved.csv", false)
		wantCode(t, err, bulwark.EINVALID)
		if cs, _, _ := db.SearchCatalog(ps, bulwark.CatalogFilter{}, bulwark.Page{}); len(cs) != 0 {
			t.Fatalf("failed import wrote %d components", len(cs))
		}
		if after, _ := db.LedgerSize(context.Background()); after != before {
			t.Fatal("failed import logged")
		}
		if _, err := db.Import(as(t, db, "developer"), rows, nil, nil, "x", false); bulwark.ErrorCode(err) != bulwark.EFORBIDDEN {
			t.Fatalf("developer imports: %v", err)
		}
		res, err = db.Import(ps, rows, nil, []byte("the file"), "approved.csv", false)
		if err != nil || res.Created != 3 || res.Components != 2 || res.Evidence != bulwark.DigestBytes([]byte("the file")) {
			t.Fatalf("import: %+v %v", res, err)
		}
		again, err := db.Import(ps, rows[:1], nil, []byte("second"), "again.csv", false)
		if err != nil || again.Updated != 1 || again.Created != 0 {
			t.Fatalf("re-import: %+v %v", again, err)
		}
		if got, _, _ := db.SearchCatalog(ps, bulwark.CatalogFilter{State: bulwark.StateBanned}, bulwark.Page{}); len(got) != 1 {
			t.Fatalf("banned after import: %d", len(got))
		}
		evs, _, _ := db.FindEvents(sqldbtest.System(context.Background()), bulwark.EventFilter{Kind: "catalog.imported"}, bulwark.Page{})
		if len(evs) != 2 || len(evs[1].Evidence) != 1 {
			t.Fatalf("import events %+v", evs)
		}
	})
}
