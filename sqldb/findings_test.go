package sqldb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

func TestFindingsLifecycle(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, bu, psirt := as(t, db, "developer"), as(t, db, "bu-security"), as(t, db, "psirt")
		if _, err := db.ImportAdvisories(psirt, []osv.Item{record(t, ghsa)}); err != nil {
			t.Fatal(err)
		}
		p, _ := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "5G Core"})
		r1, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.0"})
		r2, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.1", Predecessor: "1.0"})
		r3, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.2", Predecessor: "1.1"})
		doc := cdx(t, []comp{{"pkg:npm/express@4.18.2", "MIT"}, {"pkg:npm/lodash@4.17.20", "MIT"}},
			map[string][]string{"root": {"pkg:npm/express@4.18.2"}, "pkg:npm/express@4.18.2": {"pkg:npm/lodash@4.17.20"}})
		for _, r := range []*bulwark.Release{r1, r2} {
			if _, err := db.StoreSBOM(dev, r.ID, upload("bom.json", doc)); err != nil {
				t.Fatal(err)
			}
		}
		// The SBOM is matched at ingest: one finding per release, in triage,
		// with an SLA from the critical severity.
		list, _, err := db.Findings(dev, bulwark.FindingFilter{}, bulwark.Page{})
		if err != nil || len(list) != 2 {
			t.Fatalf("findings after ingest: %d %v", len(list), err)
		}
		f1 := list[0]
		if f1.Release.ID != r1.ID {
			f1 = list[1]
		}
		if f1.Key != "CVE-2024-1111" || f1.State != bulwark.FindingInTriage || f1.Rating != "critical" || f1.SLADue == nil ||
			f1.SLADue.Sub(f1.CreatedAt) != 7*24*time.Hour || f1.Component != "lodash" || f1.Fixed[0] != "4.17.21" {
			t.Fatalf("finding: %+v", f1)
		}
		// Triage: the developer may not; not_affected needs a justification.
		_, err = db.TriageFinding(dev, f1.ID, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "code_not_reachable"})
		wantCode(t, err, bulwark.EFORBIDDEN)
		_, err = db.TriageFinding(bu, f1.ID, bulwark.Triage{State: bulwark.FindingNotAffected})
		wantCode(t, err, bulwark.EINVALID)
		before := ledgerSize(t, db)
		got, err := db.TriageFinding(bu, f1.ID, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "code_not_reachable",
			Detail: "the template helper using merge is never called", Reason: "reviewed the call graph"})
		if err != nil || got.State != bulwark.FindingNotAffected || ledgerSize(t, db) != before+1 {
			t.Fatalf("triage: %+v %v", got, err)
		}
		ev, _, _ := db.FindEvent(psirt, before)
		if ev.Kind != "finding.triaged" || !strings.Contains(ev.Reason, "carried to 1 later release") {
			t.Fatalf("triage event %+v", ev)
		}
		// Carried forward to 1.1 (already matched), and inherited by 1.2 at ingest.
		if _, err := db.StoreSBOM(dev, r3.ID, upload("bom.json", doc)); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*bulwark.Release{r2, r3} {
			fs, _, err := db.Findings(dev, bulwark.FindingFilter{ReleaseID: r.ID}, bulwark.Page{})
			if err != nil || len(fs) != 1 || fs[0].State != bulwark.FindingNotAffected || fs[0].InheritedFrom != f1.ID || fs[0].Justification != "code_not_reachable" {
				t.Fatalf("release %s: %+v %v", r.Version, fs, err)
			}
		}
		// A decision taken on a later release is its own, and stops the carry.
		fs2, _, _ := db.Findings(dev, bulwark.FindingFilter{ReleaseID: r2.ID}, bulwark.Page{})
		if _, err := db.TriageFinding(bu, fs2[0].ID, bulwark.Triage{State: bulwark.FindingAffected, Response: "update"}); err != nil {
			t.Fatal(err)
		}
		fs3, _, _ := db.Findings(dev, bulwark.FindingFilter{ReleaseID: r3.ID}, bulwark.Page{})
		if fs3[0].State != bulwark.FindingAffected || fs3[0].InheritedFrom != fs2[0].ID {
			t.Fatalf("1.2 after 1.1's own decision: %+v", fs3[0])
		}
		if f, _, _ := db.Findings(dev, bulwark.FindingFilter{ReleaseID: r1.ID}, bulwark.Page{}); f[0].State != bulwark.FindingNotAffected {
			t.Fatalf("1.0 changed by a later release's decision: %+v", f[0])
		}

		// A new advisory is matched against the stored portfolio, only
		// through the packages it names.
		res, err := db.ImportAdvisories(psirt, []osv.Item{record(t, `{"id": "GHSA-eeee-ffff-gggg", "modified": "2024-05-01T00:00:00Z",
			"affected": [{"package": {"ecosystem": "npm", "name": "express"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "4.0.0"}, {"fixed": "4.19.2"}]}]}]}`)})
		if err != nil || res.NewFindings != 3 || res.Releases != 3 {
			t.Fatalf("incremental matching: %+v %v", res, err)
		}
		// Impact: every affected release, with the path and the states.
		imp, err := db.Impact(dev, "CVE-2024-1111", bulwark.Page{})
		if err != nil || imp.Releases != 3 || imp.Products != 1 || imp.ByState[bulwark.FindingNotAffected] != 1 || imp.ByState[bulwark.FindingAffected] != 2 {
			t.Fatalf("impact: %+v %v", imp, err)
		}
		if row := imp.Rows[0]; row.Direct || pathNames(row.Path) != "express@4.18.2 > lodash@4.17.20" || row.Fixed[0] != "4.17.21" {
			t.Fatalf("impact row: %+v", row)
		}
		// Paged: the counts cover every row, the page only some.
		first, err := db.Impact(dev, "CVE-2024-1111", bulwark.Page{Limit: 2})
		if err != nil || len(first.Rows) != 2 || first.Next == "" || first.Releases != 3 || first.Rows[0].Release.ID != imp.Rows[0].Release.ID {
			t.Fatalf("first page: %+v %v", first, err)
		}
		rest, err := db.Impact(dev, "CVE-2024-1111", bulwark.Page{Limit: 2, Cursor: first.Next})
		if err != nil || len(rest.Rows) != 1 || rest.Next != "" || rest.Rows[0].Release.ID != imp.Rows[2].Release.ID || len(rest.Rows[0].Path) != 2 {
			t.Fatalf("second page: %+v %v", rest, err)
		}
		other := person(t, db, "router-dev", bulwark.RoleDeveloper, org.HomeRouter)
		if imp, err := db.Impact(other, "GHSA-aaaa-bbbb-cccc", bulwark.Page{}); err != nil || imp.Releases != 0 {
			t.Fatalf("impact seen from another scope: %+v %v", imp, err)
		}
		// Withdrawing the advisory resolves its findings.
		withdrawn := strings.Replace(ghsa, `"modified": "2024-01-01T00:00:00Z"`, `"modified": "2024-06-01T00:00:00Z", "withdrawn": "2024-06-01T00:00:00Z"`, 1)
		res, err = db.ImportAdvisories(psirt, []osv.Item{record(t, withdrawn)})
		if err != nil || res.ResolvedFindings != 3 {
			t.Fatalf("withdrawal: %+v %v", res, err)
		}
		if list, _, _ := db.Findings(dev, bulwark.FindingFilter{Key: "CVE-2024-1111"}, bulwark.Page{}); len(list) != 0 {
			t.Fatalf("withdrawn findings still open: %+v", list)
		}
		// Each finding knows when it stopped being open; restoring the
		// advisory reopens the affected ones, not the one decided not_affected.
		stillOpen := func() (n int) {
			if err := db.Raw().QueryRow("SELECT COUNT(*) FROM findings WHERE vuln_key = 'CVE-2024-1111' AND closed_at IS NULL").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := stillOpen(); n != 0 {
			t.Fatalf("%d withdrawn findings have no closed_at", n)
		}
		restored := strings.Replace(ghsa, `"modified": "2024-01-01T00:00:00Z"`, `"modified": "2024-07-01T00:00:00Z"`, 1)
		if res, err := db.ImportAdvisories(psirt, []osv.Item{record(t, restored)}); err != nil || res.NewFindings != 0 {
			t.Fatalf("restored: %+v %v", res, err)
		}
		if n := stillOpen(); n != 2 {
			t.Fatalf("after the advisory came back, %d findings are open, want the 2 affected", n)
		}
		if list, _, _ := db.Findings(dev, bulwark.FindingFilter{Key: "CVE-2024-1111"}, bulwark.Page{}); len(list) != 3 {
			t.Fatalf("restored findings: %+v", list)
		}
		// Matching everything again changes nothing.
		if res, err := db.Rematch(dev); err == nil {
			t.Fatalf("a developer re-matched the portfolio: %+v", res)
		}
		if res, err := db.Rematch(psirt); err != nil || res.NewFindings != 0 || res.ResolvedFindings != 0 || res.Releases != 3 {
			t.Fatalf("full re-match: %+v %v", res, err)
		}
	})
}

func TestRedLineUsesTheAdvisories(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, psirt := as(t, db, "developer"), as(t, db, "psirt")
		security := func(d *bulwark.VersionDossier) *bulwark.Finding {
			for _, f := range d.Findings {
				if f.Check == bulwark.CheckSecurity {
					return f
				}
			}
			t.Fatalf("no security finding in %+v", d.Findings)
			return nil
		}
		if f := security(request(t, db, dev, org.Core5G, "pkg:npm/lodash@4.17.19", "MIT")); f.Outcome != bulwark.OutcomeInfo {
			t.Fatalf("before any import: %+v", f)
		}
		if _, err := db.ImportAdvisories(psirt, []osv.Item{record(t, ghsa)}); err != nil {
			t.Fatal(err)
		}
		if f := security(request(t, db, dev, org.Core5G, "pkg:npm/lodash@4.17.20", "MIT")); f.Outcome != bulwark.OutcomeFail ||
			!strings.Contains(f.Summary, "GHSA-aaaa-bbbb-cccc (critical)") || !strings.Contains(f.Detail, "4.17.21") {
			t.Fatalf("vulnerable version: %+v", f)
		}
		if f := security(request(t, db, dev, org.Core5G, "pkg:npm/lodash@4.17.21", "MIT")); f.Outcome != bulwark.OutcomePass {
			t.Fatalf("fixed version: %+v", f)
		}
	})
}
