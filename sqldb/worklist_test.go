package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/exploit"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// Three advisories over two npm packages, rated critical (vector), high
// (word only) and low.
var worklistAdvisories = []string{ghsa,
	`{"id": "GHSA-hhhh-iiii-jjjj", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-3333"], "database_specific": {"severity": "HIGH"},
	"affected": [{"package": {"ecosystem": "npm", "name": "express"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.19.2"}]}]}]}`,
	`{"id": "GHSA-kkkk-llll-mmmm", "modified": "2024-01-01T00:00:00Z", "database_specific": {"severity": "LOW"},
	"affected": [{"package": {"ecosystem": "npm", "name": "express"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "5.0.0"}]}]}]}`,
}

func TestWorklistDashboardAndGate(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, bu, ps, psirt := as(t, db, "developer"), as(t, db, "bu-security"), as(t, db, "product-security"), as(t, db, "psirt")
		var items []osv.Item
		for _, a := range worklistAdvisories {
			items = append(items, record(t, a))
		}
		if _, err := db.ImportAdvisories(psirt, items); err != nil {
			t.Fatal(err)
		}
		p, _ := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "5G Core"})
		r1, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.0"})
		doc := cdx(t, []comp{{"pkg:npm/express@4.18.2", "MIT"}, {"pkg:npm/lodash@4.17.20", "MIT"}}, nil)
		if _, err := db.StoreSBOM(dev, r1.ID, upload("bom.json", doc)); err != nil {
			t.Fatal(err)
		}

		// Severity order ranks the word-rated high above a scored low.
		list, _, err := db.Findings(dev, bulwark.FindingFilter{}, bulwark.Page{})
		if err != nil || len(list) != 3 {
			t.Fatalf("worklist: %d %v", len(list), err)
		}
		if list[0].Rating != "critical" || list[1].Rating != "high" || list[2].Rating != "low" || list[0].Scope != "5G Core" {
			t.Fatalf("severity order: %s %s %s (%+v)", list[0].Rating, list[1].Rating, list[2].Rating, list[0])
		}
		filters := []struct {
			name string
			f    bulwark.FindingFilter
			want int
		}{
			{"rating", bulwark.FindingFilter{Rating: "high"}, 1},
			{"component prefix", bulwark.FindingFilter{Component: "expr"}, 2},
			{"component wildcard is literal", bulwark.FindingFilter{Component: "%"}, 0},
			{"open", bulwark.FindingFilter{Open: true}, 3},
			{"overdue: none yet", bulwark.FindingFilter{Overdue: true}, 0},
			{"kev: none imported", bulwark.FindingFilter{KEV: true}, 0},
			{"alias", bulwark.FindingFilter{Key: "GHSA-hhhh-iiii-jjjj"}, 1},
			{"age order", bulwark.FindingFilter{Sort: bulwark.SortAge}, 3},
			{"due order", bulwark.FindingFilter{Sort: bulwark.SortDue}, 3},
			{"epss order", bulwark.FindingFilter{Sort: bulwark.SortEPSS}, 3},
		}
		for _, c := range filters {
			got, _, err := db.Findings(dev, c.f, bulwark.Page{})
			if err != nil || len(got) != c.want {
				t.Errorf("%s: %d findings, want %d (%v)", c.name, len(got), c.want, err)
			}
		}
		for _, bad := range []bulwark.FindingFilter{{Sort: "random"}, {Rating: "urgent"}, {State: "done"}} {
			_, _, err := db.Findings(dev, bad, bulwark.Page{})
			wantCode(t, err, bulwark.EINVALID)
		}
		page1, next, err := db.Findings(dev, bulwark.FindingFilter{}, bulwark.Page{Limit: 2})
		if err != nil || len(page1) != 2 || next == "" {
			t.Fatalf("first page: %d %q %v", len(page1), next, err)
		}
		page2, next, _ := db.Findings(dev, bulwark.FindingFilter{}, bulwark.Page{Limit: 2, Cursor: next})
		if len(page2) != 1 || next != "" || page2[0].ID != list[2].ID {
			t.Fatalf("second page: %+v %q", page2, next)
		}

		// Exploit signals: EPSS and KEV join the findings by CVE; each
		// import replaces the previous one of its kind.
		epss := &exploit.EPSS{Model: "v2025.03.14", Date: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
			Scores: []exploit.Score{{CVE: "CVE-2024-3333", Probability: 0.42, Percentile: 0.97}, {CVE: "CVE-2024-1111", Probability: 0.01, Percentile: 0.5}}}
		_, err = db.ImportEPSS(dev, epss)
		wantCode(t, err, bulwark.EFORBIDDEN)
		if res, err := db.ImportEPSS(psirt, epss); err != nil || res.Rows != 2 || res.Findings != 2 {
			t.Fatalf("EPSS import: %+v %v", res, err)
		}
		kev := &exploit.KEV{Version: "2026.11.20", Released: epss.Date, Entries: []exploit.Entry{{CVE: "CVE-2024-1111", Added: epss.Date, RequiredAction: "patch"}}}
		if res, err := db.ImportKEV(psirt, kev); err != nil || res.Findings != 1 {
			t.Fatalf("KEV import: %+v %v", res, err)
		}
		byEPSS, _, _ := db.Findings(dev, bulwark.FindingFilter{Sort: bulwark.SortEPSS}, bulwark.Page{})
		if byEPSS[0].Key != "CVE-2024-3333" || byEPSS[0].EPSS != 0.42 || byEPSS[0].EPSSPercentile != 0.97 || byEPSS[2].EPSS != 0 {
			t.Fatalf("EPSS order: %+v", byEPSS)
		}
		if kevOnly, _, _ := db.Findings(dev, bulwark.FindingFilter{KEV: true}, bulwark.Page{}); len(kevOnly) != 1 || !kevOnly[0].KEV || kevOnly[0].Key != "CVE-2024-1111" {
			t.Fatalf("KEV filter: %+v", kevOnly)
		}
		epss.Scores = epss.Scores[1:]
		if _, err := db.ImportEPSS(psirt, epss); err != nil {
			t.Fatal(err)
		}
		if f, _, _ := db.Findings(dev, bulwark.FindingFilter{Key: "CVE-2024-3333"}, bulwark.Page{}); f[0].EPSS != 0 {
			t.Fatalf("EPSS kept after a newer file left it out: %+v", f[0])
		}
		if f, _, _ := db.Findings(dev, bulwark.FindingFilter{KEV: true}, bulwark.Page{}); len(f) != 1 {
			t.Fatalf("KEV lost by an EPSS import: %+v", f)
		}

		// The gate: the critical finding fails (red line: high), so does the
		// high one; the low one warns.
		g, err := db.Gate(dev, "5G Core", "1.0", upload("bom.json", doc))
		if err != nil {
			t.Fatal(err)
		}
		vuln := map[string]bulwark.GateCheck{}
		for _, c := range g.Checks {
			if c.Vulnerability != "" {
				vuln[c.Vulnerability] = c
			}
		}
		if vuln["CVE-2024-1111"].Outcome != bulwark.GateFail || vuln["CVE-2024-3333"].Outcome != bulwark.GateFail ||
			vuln["GHSA-kkkk-llll-mmmm"].Outcome != bulwark.GateWarn || vuln["CVE-2024-1111"].FindingID == 0 {
			t.Fatalf("vulnerability checks: %+v", vuln)
		}

		// A waiver for one vulnerability suppresses only its findings; the
		// gate then warns on it.
		exp := time.Now().Add(30 * 24 * time.Hour)
		_, err = db.RequestWaiver(bu, bulwark.NewWaiver{PURL: "pkg:npm/express", ScopeID: org.Core5G.ID, Vulnerability: "CVE-2099-0001", Reason: "x", ExpiresAt: exp})
		wantCode(t, err, bulwark.EINVALID)
		w, err := db.RequestWaiver(bu, bulwark.NewWaiver{PURL: "pkg:npm/express", ScopeID: org.Core5G.ID, Vulnerability: "GHSA-hhhh-iiii-jjjj",
			Reason: "fix ships in 1.1", ExpiresAt: exp})
		if err != nil || w.Vulnerability != "CVE-2024-3333" {
			t.Fatalf("waiver: %+v %v", w, err)
		}
		if err := db.ApproveWaiver(ps, w.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		list, _, _ = db.Findings(dev, bulwark.FindingFilter{Component: "express"}, bulwark.Page{})
		for _, f := range list {
			if f.Suppressed() != (f.Key == "CVE-2024-3333") {
				t.Errorf("%s suppressed = %v", f.Key, f.Suppressed())
			}
		}
		g, _ = db.Gate(dev, "5G Core", "1.0", upload("bom.json", doc))
		for _, c := range g.Checks {
			if c.Vulnerability == "CVE-2024-3333" && (c.Rule != bulwark.RuleWaived || c.Outcome != bulwark.GateWarn || c.WaiverID != w.ID) {
				t.Errorf("waived vulnerability: %+v", c)
			}
			if c.Name == "express" && c.Rule == bulwark.RuleWaived && c.Vulnerability == "" {
				t.Errorf("a vulnerability waiver waived the catalog check: %+v", c)
			}
		}

		sys := sqldbtest.System(context.Background())
		if d, err := db.Dashboard(sys); err != nil || d.Open != 3 || d.Suppressed != 1 {
			t.Fatalf("dashboard with a waiver: %+v %v", d, err)
		}

		// Bulk triage (of both express findings) is all or none.
		ids := []int64{list[0].ID, list[1].ID}
		before := ledgerSize(t, db)
		_, err = db.TriageFindings(bu, append(ids, 999999), bulwark.Triage{State: bulwark.FindingAffected, Response: "update"})
		wantCode(t, err, bulwark.ENOTFOUND)
		if got, _ := db.FindFinding(dev, ids[0]); got.State != bulwark.FindingInTriage || ledgerSize(t, db) != before {
			t.Fatalf("failed bulk triage changed something: %+v", got)
		}
		_, err = db.TriageFindings(dev, ids, bulwark.Triage{State: bulwark.FindingAffected})
		wantCode(t, err, bulwark.EFORBIDDEN)
		_, err = db.TriageFindings(bu, nil, bulwark.Triage{State: bulwark.FindingAffected})
		wantCode(t, err, bulwark.EINVALID)
		done, err := db.TriageFindings(bu, ids, bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "code_not_reachable", Reason: "bulk"})
		if err != nil || len(done) != 2 || done[1].State != bulwark.FindingNotAffected || ledgerSize(t, db) != before+2 {
			t.Fatalf("bulk triage: %+v %v", done, err)
		}

		// The dashboard counts what remains open.
		d, err := db.Dashboard(dev)
		if err != nil {
			t.Fatal(err)
		}
		if d.Open != 1 || d.ByState[bulwark.FindingNotAffected] != 2 || d.Advisories != 3 || len(d.Top) != 1 ||
			d.SLA.OnTrack+d.SLA.DueSoon+d.SLA.Breached+d.SLA.NoSLA != 1 || len(d.Scopes) != 1 || d.Scopes[0].Open != 1 || d.ByAge[0].ByRating["critical"] != 1 || d.ByRating["critical"] != 1 || d.KEV != 1 {
			t.Fatalf("dashboard: %+v", d)
		}
		// Re-matching the whole portfolio works out packages' OSV names
		// again (older stores lack them) and changes nothing else.
		_, err = db.Rematch(dev)
		wantCode(t, err, bulwark.EFORBIDDEN)
		if _, err := db.Raw().ExecContext(context.Background(), "UPDATE packages SET osv_ecosystem = '', osv_name = ''"); err != nil {
			t.Fatal(err)
		}
		if res, err := db.Rematch(psirt); err != nil || res.Releases != 1 || res.NewFindings != 0 || res.ResolvedFindings != 0 {
			t.Fatalf("rematch: %+v %v", res, err)
		}
		other := person(t, db, "router-dev", bulwark.RoleDeveloper, org.HomeRouter)
		if d, err := db.Dashboard(other); err != nil || d.Open != 0 || len(d.Top) != 0 {
			t.Fatalf("dashboard from another scope: %+v %v", d, err)
		}
	})
}
