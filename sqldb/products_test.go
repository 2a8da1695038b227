package sqldb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/sbom"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

// comp is one component of a hand-written test SBOM: "purl|licence".
type comp struct{ purl, license string }

// cdx writes a small CycloneDX 1.5 JSON SBOM. deps maps a purl (or "root")
// to the purls it depends on; components are referenced by their purl.
func cdx(t *testing.T, comps []comp, deps map[string][]string) []byte {
	t.Helper()
	type license struct {
		Expression string `json:"expression"`
	}
	var cs []map[string]any
	for _, c := range comps {
		name := c.purl[strings.LastIndex(c.purl[:strings.LastIndex(c.purl, "@")], "/")+1 : strings.LastIndex(c.purl, "@")]
		m := map[string]any{"type": "library", "bom-ref": c.purl, "name": name, "version": c.purl[strings.LastIndex(c.purl, "@")+1:], "purl": c.purl,
			"supplier": map[string]any{"name": "Example Registry"}}
		if c.license != "" {
			m["licenses"] = []map[string]any{{"expression": c.license}}
		}
		cs = append(cs, m)
	}
	var ds []map[string]any
	for from, to := range deps {
		ds = append(ds, map[string]any{"ref": from, "dependsOn": to})
	}
	slices.SortFunc(ds, func(a, b map[string]any) int { return strings.Compare(a["ref"].(string), b["ref"].(string)) })
	doc := map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"metadata":     map[string]any{"component": map[string]any{"type": "application", "bom-ref": "root", "name": "app", "version": "1"}},
		"components":   cs,
		"dependencies": ds,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func upload(name string, content []byte) bulwark.SBOMUpload {
	return bulwark.SBOMUpload{Name: name, Content: content}
}

func ledgerSize(t *testing.T, db *sqldb.DB) int64 {
	t.Helper()
	n, err := db.LedgerSize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProductsAndReleases(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, auditor := as(t, db, "developer"), as(t, db, "auditor")
		p, err := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "5G Core", Description: "core network"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			ctx  context.Context
			np   bulwark.NewProduct
			code string
		}{
			{dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "5g core"}, bulwark.ECONFLICT},
			{dev, bulwark.NewProduct{ScopeID: org.HomeRouter.ID, Name: "Router"}, bulwark.EFORBIDDEN},
			{dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: ""}, bulwark.EINVALID},
			{dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "two\nlines"}, bulwark.EINVALID},
			{auditor, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "Audited"}, bulwark.EFORBIDDEN},
		} {
			before := ledgerSize(t, db)
			_, err := db.CreateProduct(c.ctx, c.np)
			if bulwark.ErrorCode(err) != c.code {
				t.Errorf("create %+v: %v, want %s", c.np, err, c.code)
			}
			if ledgerSize(t, db) != before {
				t.Errorf("refused create %+v grew the ledger", c.np)
			}
		}
		r1, err := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.1", Predecessor: "1.0"})
		if err != nil || r2.Predecessor == nil || r2.Predecessor.ID != r1.ID {
			t.Fatalf("release with predecessor: %+v %v", r2, err)
		}
		_, err = db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "2.0", Predecessor: "0.9"})
		if bulwark.ErrorCode(err) != bulwark.EINVALID || bulwark.ErrorField(err) != "predecessor" {
			t.Fatalf("unknown predecessor: %v", err)
		}
		_, err = db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.0"})
		wantCode(t, err, bulwark.ECONFLICT)

		// Lineage is visible from both ends.
		got, err := db.FindRelease(auditor, r1.ID)
		if err != nil || len(got.Successors) != 1 || got.Successors[0].Version != "1.1" {
			t.Fatalf("successors of 1.0: %+v %v", got, err)
		}
		// Releasing needs an SBOM; illegal moves are refused.
		wantCode(t, db.MoveRelease(dev, r1.ID, bulwark.ReleaseReleased, "ship"), bulwark.EPRECONDITION)
		wantCode(t, db.MoveRelease(dev, r1.ID, bulwark.ReleaseMaintained, "skip"), bulwark.ECONFLICT)
		wantCode(t, db.MoveRelease(auditor, r1.ID, bulwark.ReleaseReleased, "not mine"), bulwark.EFORBIDDEN)

		// Another scope's people cannot see the product at all.
		other := person(t, db, "router-dev", bulwark.RoleDeveloper, org.HomeRouter)
		_, err = db.FindProduct(other, p.ID)
		wantCode(t, err, bulwark.ENOTFOUND)
		_, err = db.FindRelease(other, r1.ID)
		wantCode(t, err, bulwark.ENOTFOUND)
		list, _, err := db.Products(other, "", bulwark.Page{})
		if err != nil || len(list) != 0 {
			t.Fatalf("other scope lists %d products (%v)", len(list), err)
		}
		list, _, err = db.Products(auditor, "core", bulwark.Page{})
		if err != nil || len(list) != 1 || len(list[0].Releases) != 2 {
			t.Fatalf("auditor search: %+v %v", list, err)
		}
	})
}

func TestCompositionIsADAG(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		ps := as(t, db, "product-security")
		platform, _ := db.CreateProduct(ps, bulwark.NewProduct{ScopeID: org.Networks.ID, Name: "Platform"})
		core, _ := db.CreateProduct(ps, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "Core"})
		router, _ := db.CreateProduct(ps, bulwark.NewProduct{ScopeID: org.HomeRouter.ID, Name: "Router"})
		pl, _ := db.CreateRelease(ps, platform.ID, bulwark.NewRelease{Version: "3.0"})
		c1, _ := db.CreateRelease(ps, core.ID, bulwark.NewRelease{Version: "1"})
		r1, _ := db.CreateRelease(ps, router.ID, bulwark.NewRelease{Version: "7"})
		pl2, _ := db.CreateRelease(ps, platform.ID, bulwark.NewRelease{Version: "3.1", Predecessor: "3.0"})
		// One platform release reused by two products.
		for _, user := range []int64{c1.ID, r1.ID} {
			if err := db.AddUse(ps, user, pl.ID, "built on the platform"); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.FindRelease(ps, pl.ID)
		if err != nil || len(got.UsedBy) != 2 {
			t.Fatalf("platform used by %+v %v", got, err)
		}
		before := ledgerSize(t, db)
		if err := db.AddUse(ps, pl.ID, c1.ID, "loop"); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "loop") {
			t.Fatalf("cycle: %v", err)
		}
		wantCode(t, db.AddUse(ps, pl2.ID, pl.ID, "same product"), bulwark.EINVALID)
		if ledgerSize(t, db) != before {
			t.Fatal("refused composition grew the ledger")
		}
		// A developer of the router cannot compose the core.
		dev := as(t, db, "developer")
		wantCode(t, db.AddUse(dev, r1.ID, c1.ID, "not mine"), bulwark.ENOTFOUND)
		if err := db.RemoveUse(ps, r1.ID, pl.ID, "dropped"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.RemoveUse(ps, r1.ID, pl.ID, "again"), bulwark.ENOTFOUND)
	})
}

func TestSBOMConfigurationControl(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, ps := as(t, db, "developer"), as(t, db, "product-security")
		p, _ := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "5G Core"})
		r, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.0"})

		v1 := cdx(t, []comp{
			{"pkg:npm/express@4.18.2", "MIT"}, {"pkg:npm/body-parser@1.20.1", "MIT"}, {"pkg:npm/qs@6.11.0", "BSD-3-Clause"},
			{"pkg:npm/lodash@4.17.20", "MIT"}, {"pkg:npm/left-pad@1.3.0", "WTFPL"},
		}, map[string][]string{
			"root":                       {"pkg:npm/express@4.18.2", "pkg:npm/lodash@4.17.20", "pkg:npm/left-pad@1.3.0"},
			"pkg:npm/express@4.18.2":     {"pkg:npm/body-parser@1.20.1"},
			"pkg:npm/body-parser@1.20.1": {"pkg:npm/qs@6.11.0"},
		})
		ch, err := db.StoreSBOM(dev, r.ID, upload("bom.json", v1))
		if err != nil {
			t.Fatal(err)
		}
		if ch.Replaced || ch.SBOM.Components != 5 || ch.SBOM.Format != "cyclonedx" || ch.SBOM.SpecVersion != "1.5" || !strings.HasPrefix(ch.SBOM.Digest, "sha256:") {
			t.Fatalf("first SBOM: %+v", ch)
		}
		// The document is kept verbatim as evidence.
		if _, got, err := db.GetEvidence(dev, ch.SBOM.Digest); err != nil || !bytes.Equal(got, v1) {
			t.Fatalf("SBOM evidence: %v", err)
		}
		graph, err := db.ReleaseGraph(dev, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		depth := map[string]int{}
		parent := map[string]int64{}
		ids := map[int64]string{}
		for _, c := range graph {
			depth[c.Name], parent[c.Name], ids[c.PackageID] = c.Depth, c.Parent, c.Name
		}
		if depth["express"] != 1 || depth["body-parser"] != 2 || depth["qs"] != 3 || ids[parent["qs"]] != "body-parser" || parent["express"] != 0 {
			t.Fatalf("graph depths %v parents %v", depth, parent)
		}
		direct, _, err := db.ReleaseComponents(dev, r.ID, bulwark.ComponentFilter{Direct: true}, bulwark.Page{})
		if err != nil || len(direct) != 3 || direct[0].Supplier != "Example Registry" || direct[0].License == "" {
			t.Fatalf("direct components: %d %v", len(direct), err)
		}

		// Replacing while in development is a ledger event with the diff.
		v2 := cdx(t, []comp{
			{"pkg:npm/express@4.18.2", "MIT"}, {"pkg:npm/body-parser@1.20.1", "MIT"}, {"pkg:npm/qs@6.10.0", "BSD-3-Clause"},
			{"pkg:npm/lodash@4.17.21", "MIT"}, {"pkg:npm/chalk@5.3.0", "MIT"},
		}, map[string][]string{
			"root":                       {"pkg:npm/express@4.18.2", "pkg:npm/lodash@4.17.21", "pkg:npm/chalk@5.3.0"},
			"pkg:npm/express@4.18.2":     {"pkg:npm/body-parser@1.20.1"},
			"pkg:npm/body-parser@1.20.1": {"pkg:npm/qs@6.10.0"},
		})
		before := ledgerSize(t, db)
		ch, err = db.StoreSBOM(dev, r.ID, upload("bom.json", v2))
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Replaced || ch.Diff == nil {
			t.Fatalf("replacement: %+v", ch)
		}
		c := ch.Diff.Counts
		if c[bulwark.ChangeAdded] != 1 || c[bulwark.ChangeRemoved] != 1 || c[bulwark.ChangeUpgraded] != 1 || c[bulwark.ChangeDowngraded] != 1 || ch.Diff.Unchanged != 2 {
			t.Fatalf("diff counts %v unchanged %d: %+v", c, ch.Diff.Unchanged, ch.Diff.Changes)
		}
		if after := ledgerSize(t, db); after != before+1 {
			t.Fatalf("replacement appended %d events", after-before)
		}
		ev, _, err := db.FindEvent(ps, before)
		if err != nil || ev.Kind != "release.sbom_replaced" || !strings.Contains(ev.Reason, "1 added, 1 removed, 1 upgraded, 1 downgraded") || len(ev.Evidence) != 1 || ev.Evidence[0] != ch.SBOM.Digest {
			t.Fatalf("replacement event %+v %v", ev, err)
		}
		// The same document again changes nothing.
		same, err := db.StoreSBOM(dev, r.ID, upload("bom.json", v2))
		if err != nil || !same.Unchanged || ledgerSize(t, db) != before+1 {
			t.Fatalf("same SBOM again: %+v %v", same, err)
		}

		// Bad documents are refused with the reason and leave the release as it was.
		for name, bad := range map[string][]byte{
			"truncated":   v2[:len(v2)/2],
			"not an SBOM": []byte(`{"document": {"category": "csaf_base"}}`),
			"cycle": cdx(t, []comp{{"pkg:npm/a@1.0.0", "MIT"}, {"pkg:npm/b@1.0.0", "MIT"}},
				map[string][]string{"root": {"pkg:npm/a@1.0.0"}, "pkg:npm/a@1.0.0": {"pkg:npm/b@1.0.0"}, "pkg:npm/b@1.0.0": {"pkg:npm/a@1.0.0"}}),
			"empty": {},
		} {
			_, err := db.StoreSBOM(dev, r.ID, upload(name, bad))
			if bulwark.ErrorCode(err) != bulwark.EINVALID || bulwark.ErrorField(err) != "sbom" {
				t.Errorf("%s: %v", name, err)
			}
		}
		got, err := db.FindRelease(dev, r.ID)
		if err != nil || got.SBOM == nil || got.SBOM.Digest != ch.SBOM.Digest || ledgerSize(t, db) != before+1 {
			t.Fatalf("release after bad uploads: %+v %v", got.SBOM, err)
		}

		// Once released, the SBOM is frozen.
		if err := db.MoveRelease(dev, r.ID, bulwark.ReleaseReleased, "GA"); err != nil {
			t.Fatal(err)
		}
		_, err = db.StoreSBOM(dev, r.ID, upload("bom.json", v1))
		wantCode(t, err, bulwark.EFROZEN)
		comps, _, _ := db.ReleaseComponents(dev, r.ID, bulwark.ComponentFilter{Query: "lodash"}, bulwark.Page{})
		if len(comps) != 1 || comps[0].Version != "4.17.21" {
			t.Fatalf("frozen release changed: %+v", comps)
		}
		// Diff between two releases.
		r2, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.1", Predecessor: "1.0"})
		if _, err := db.StoreSBOM(dev, r2.ID, upload("bom.json", v1)); err != nil {
			t.Fatal(err)
		}
		d, err := db.DiffReleases(dev, r.ID, r2.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bulwark.ChangeKind{}
		for _, c := range d.Changes {
			kinds[c.Name] = c.Kind
		}
		if kinds["lodash"] != bulwark.ChangeDowngraded || kinds["qs"] != bulwark.ChangeUpgraded || kinds["left-pad"] != bulwark.ChangeAdded || kinds["chalk"] != bulwark.ChangeRemoved {
			t.Fatalf("diff 1.0 → 1.1: %+v", d.Changes)
		}
	})
}

func TestDiffLicenceChange(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev := as(t, db, "developer")
		p, _ := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "Lib"})
		a, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1"})
		b, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "2", Predecessor: "1"})
		db.StoreSBOM(dev, a.ID, upload("a", cdx(t, []comp{{"pkg:cargo/serde@1.0.0", "MIT"}, {"pkg:golang/github.com/x/y@v1.2.0", "MIT"}}, nil)))
		db.StoreSBOM(dev, b.ID, upload("b", cdx(t, []comp{{"pkg:cargo/serde@1.0.0", "MIT OR Apache-2.0"}, {"pkg:golang/github.com/x/y@v1.10.0", "BUSL-1.1"}}, nil)))
		d, err := db.DiffReleases(dev, a.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Counts[bulwark.ChangeLicense] != 2 || d.Counts[bulwark.ChangeUpgraded] != 1 {
			t.Fatalf("licence changes: %+v", d.Changes)
		}
		for _, c := range d.Changes {
			if c.Name == "github.com/x/y" && c.Kind == bulwark.ChangeUpgraded && (c.From != "v1.2.0" || c.To != "v1.10.0") {
				t.Fatalf("Go versions compared as text: %+v", c)
			}
		}
	})
}

func TestWhereUsed(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		ps := as(t, db, "product-security")
		platform, _ := db.CreateProduct(ps, bulwark.NewProduct{ScopeID: org.Networks.ID, Name: "Platform"})
		core, _ := db.CreateProduct(ps, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "Core"})
		router, _ := db.CreateProduct(ps, bulwark.NewProduct{ScopeID: org.HomeRouter.ID, Name: "Router"})
		pl, _ := db.CreateRelease(ps, platform.ID, bulwark.NewRelease{Version: "3.0"})
		c1, _ := db.CreateRelease(ps, core.ID, bulwark.NewRelease{Version: "1"})
		r1, _ := db.CreateRelease(ps, router.ID, bulwark.NewRelease{Version: "7"})
		mustStore := func(id int64, doc []byte) {
			t.Helper()
			if _, err := db.StoreSBOM(ps, id, upload("bom.json", doc)); err != nil {
				t.Fatal(err)
			}
		}
		// The platform pulls in log4j transitively; the router has an old
		// version directly; the core is built on the platform.
		mustStore(pl.ID, cdx(t, []comp{{"pkg:maven/com.acme/logging@2.0", "Apache-2.0"}, {"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "Apache-2.0"}},
			map[string][]string{"root": {"pkg:maven/com.acme/logging@2.0"}, "pkg:maven/com.acme/logging@2.0": {"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}}))
		mustStore(r1.ID, cdx(t, []comp{{"pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1", "Apache-2.0"}}, nil))
		mustStore(c1.ID, cdx(t, []comp{{"pkg:npm/express@4.18.2", "MIT"}}, nil))
		if err := db.AddUse(ps, c1.ID, pl.ID, "built on it"); err != nil {
			t.Fatal(err)
		}

		find := func(ctx context.Context, q bulwark.WhereUsedQuery) *bulwark.WhereUsedResult {
			t.Helper()
			res, err := db.WhereUsed(ctx, q, bulwark.Page{})
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			return res
		}
		all := find(ps, bulwark.WhereUsedQuery{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core"})
		if all.Total != 3 || len(all.Usages) != 3 || !slices.Equal(all.Versions, []string{"2.14.1", "2.17.1"}) {
			t.Fatalf("every version: total %d versions %v", all.Total, all.Versions)
		}
		byRelease := map[string]*bulwark.Usage{}
		for _, u := range all.Usages {
			byRelease[u.Release.String()] = u
		}
		plat := byRelease["Platform 3.0"]
		if plat == nil || len(plat.Matches) != 1 || plat.Matches[0].Direct || pathNames(plat.Matches[0].Path) != "com.acme:logging@2.0 > org.apache.logging.log4j:log4j-core@2.14.1" {
			t.Fatalf("platform usage: %+v", plat)
		}
		via := byRelease["Core 1"]
		if via == nil || len(via.Matches) != 1 || pathNames(via.Matches[0].Path) != "Platform 3.0 > com.acme:logging@2.0 > org.apache.logging.log4j:log4j-core@2.14.1" {
			t.Fatalf("usage through composition: %+v", via)
		}
		if r := byRelease["Router 7"]; r == nil || !r.Matches[0].Direct || r.Matches[0].Version != "2.17.1" {
			t.Fatalf("router usage: %+v", r)
		}
		// A range, an exact version and a miss.
		if res := find(ps, bulwark.WhereUsedQuery{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Versions: ">=2.0 <2.15.0"}); res.Total != 2 {
			t.Fatalf("range: %d", res.Total)
		}
		if res := find(ps, bulwark.WhereUsedQuery{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"}); res.Total != 1 || res.Usages[0].Release.Product != "Router" {
			t.Fatalf("exact: %+v", res)
		}
		if res := find(ps, bulwark.WhereUsedQuery{PURL: "pkg:npm/nothing"}); res.Total != 0 || len(res.Usages) != 0 {
			t.Fatalf("miss: %+v", res)
		}
		// Paging.
		page1, err := db.WhereUsed(ps, bulwark.WhereUsedQuery{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core"}, bulwark.Page{Limit: 2})
		if err != nil || len(page1.Usages) != 2 || page1.Next == "" {
			t.Fatalf("page 1: %+v %v", page1, err)
		}
		page2, err := db.WhereUsed(ps, bulwark.WhereUsedQuery{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core"}, bulwark.Page{Limit: 2, Cursor: page1.Next})
		if err != nil || len(page2.Usages) != 1 || page2.Next != "" || page2.Usages[0].Release.ID == page1.Usages[1].Release.ID {
			t.Fatalf("page 2: %+v %v", page2, err)
		}
		// A developer of the core sees only the core.
		dev := as(t, db, "developer")
		if res := find(dev, bulwark.WhereUsedQuery{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core"}); res.Total != 1 || res.Usages[0].Release.Product != "Core" {
			t.Fatalf("developer sees %+v", res)
		}
		// Bad queries.
		for _, q := range []bulwark.WhereUsedQuery{{PURL: "log4j"}, {PURL: ""}, {PURL: "pkg:npm/x@1", Versions: "<2"}, {PURL: "pkg:npm/x", Versions: "~1.2"}} {
			if _, err := db.WhereUsed(ps, q, bulwark.Page{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("%+v: %v", q, err)
			}
		}
		// The catalog dossier names the releases that use a version.
		d := request(t, db, dev, org.Core5G, "pkg:npm/express@4.18.2", "MIT")
		if !slices.Equal(d.UsedBy, []string{"Core 1"}) {
			t.Fatalf("dossier used by %v", d.UsedBy)
		}
	})
}

func pathNames(path []bulwark.PathStep) string {
	var s []string
	for _, p := range path {
		s = append(s, p.Name)
	}
	return strings.Join(s, " > ")
}

func TestGate(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev, bu, ps := as(t, db, "developer"), as(t, db, "bu-security"), as(t, db, "product-security")
		ps2 := as(t, db, "product-security-2")
		sys := sqldbtest.System(context.Background())
		if _, err := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "5G Core"}); err != nil {
			t.Fatal(err)
		}
		_, err := db.Import(sys, []bulwark.ImportRow{
			{PURL: "pkg:npm/express@4.18.2", VersionDetails: bulwark.VersionDetails{License: "MIT"}},
			{PURL: "pkg:npm/request@2.88.2", State: bulwark.StateDeprecated, Replacement: "pkg:npm/undici@5.28.2", VersionDetails: bulwark.VersionDetails{License: "Apache-2.0"}},
			{PURL: "pkg:npm/event-stream@3.3.6", State: bulwark.StateBanned, VersionDetails: bulwark.VersionDetails{License: "MIT"}},
		}, nil, []byte("list"), "list.csv", false)
		if err != nil {
			t.Fatal(err)
		}
		w, err := db.RequestWaiver(bu, bulwark.NewWaiver{PURL: "pkg:npm/moment", Versions: "<3", ScopeID: org.Core5G.ID, Reason: "migration to date-fns planned", ExpiresAt: time.Now().Add(30 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApproveWaiver(ps, w.ID, "ok until the migration"); err != nil {
			t.Fatal(err)
		}
		doc := cdx(t, []comp{
			{"pkg:npm/express@4.18.2", "MIT"}, {"pkg:npm/request@2.88.2", "Apache-2.0"}, {"pkg:npm/event-stream@3.3.6", "MIT"},
			{"pkg:npm/moment@2.29.4", "MIT"}, {"pkg:npm/left-pad@1.3.0", "MIT"}, {"pkg:npm/mongo-thing@1.0.0", "SSPL-1.0"},
		}, nil)
		before := ledgerSize(t, db)
		g, err := db.Gate(dev, "5G Core", "2.0", upload("bom.json", doc))
		if err != nil {
			t.Fatal(err)
		}
		rules := map[string]string{}
		for _, c := range g.Checks {
			rules[c.Name+"/"+c.Rule] = string(c.Outcome)
		}
		want := map[string]string{
			"express/certified": "pass", "request/deprecated": "warn", "event-stream/banned": "fail", "moment/waived": "warn",
			"left-pad/uncertified": "fail", "mongo-thing/uncertified": "fail", "mongo-thing/license": "fail",
		}
		for k, v := range want {
			if rules[k] != v {
				t.Errorf("%s: %q, want %q (all: %v)", k, rules[k], v, rules)
			}
		}
		if g.Outcome != bulwark.GateFail || g.Checks[0].Outcome != bulwark.GateFail || g.Counts[bulwark.GatePass] != 1 {
			t.Fatalf("gate: %s %v", g.Outcome, g.Counts)
		}
		// The release was created in development, the SBOM stored, and the
		// decision logged with the SBOM digest.
		if after := ledgerSize(t, db); after != before+3 {
			t.Fatalf("gate appended %d events, want release, SBOM and decision", after-before)
		}
		ev, _, err := db.FindEvent(ps, before+2)
		if err != nil || ev.Kind != "gate.decided" || ev.Evidence[0] != g.SBOM.Digest || !strings.Contains(ev.Reason, "fail") {
			t.Fatalf("gate event %+v %v", ev, err)
		}
		runs, _, err := db.GateRuns(dev, g.Release.ID, bulwark.Page{})
		if err != nil || len(runs) != 1 || runs[0].Outcome != bulwark.GateFail || len(runs[0].Checks) != len(g.Checks) {
			t.Fatalf("gate runs %+v %v", runs, err)
		}
		// Someone outside the product's scope cannot gate it.
		other := person(t, db, "router-dev", bulwark.RoleDeveloper, org.HomeRouter)
		_, err = db.Gate(other, "5G Core", "2.0", upload("bom.json", doc))
		wantCode(t, err, bulwark.ENOTFOUND)
		_, err = db.Gate(dev, "5G Core", "2.0", upload("bad.json", []byte("{")))
		wantCode(t, err, bulwark.EINVALID)

		// One action turns the uncertified components into requests.
		g2, err := db.RequestUncertified(dev, g.ID, "needed for 2.0")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(g2.Requested, "pkg:npm/left-pad@1.3.0") || !slices.Contains(g2.Requested, "pkg:npm/moment@2.29.4") {
			t.Fatalf("requested %v (errors %v)", g2.Requested, g2.RequestErrors)
		}
		q, _, _ := db.EvaluationQueue(ps, bulwark.Page{})
		if len(q) < 2 {
			t.Fatalf("evaluation queue has %d", len(q))
		}
		_, err = db.RequestUncertified(as(t, db, "auditor"), g.ID, "x")
		wantCode(t, err, bulwark.EFORBIDDEN)

		// Certify left-pad (two deciders) and drop the denied one: the gate passes.
		var leftPad int64
		for _, v := range q {
			if v.PURL == "pkg:npm/left-pad@1.3.0" {
				leftPad = v.ID
			}
		}
		if err := db.StartEvaluation(ps, leftPad, "looking"); err != nil {
			t.Fatal(err)
		}
		verify(t, db, ps, leftPad)
		for _, who := range []context.Context{ps, ps2} {
			if d, err := db.FindVersion(who, leftPad); err != nil || d.Version.State == bulwark.StateCertified {
				break
			}
			if _, err := db.Decide(who, leftPad, bulwark.NewDecision{Verdict: bulwark.VerdictCertify, Reason: "fine"}); err != nil {
				t.Fatal(err)
			}
		}
		doc2 := cdx(t, []comp{{"pkg:npm/express@4.18.2", "MIT"}, {"pkg:npm/request@2.88.2", "Apache-2.0"}, {"pkg:npm/moment@2.29.4", "MIT"}, {"pkg:npm/left-pad@1.3.0", "MIT"}}, nil)
		g3, err := db.Gate(dev, "5G Core", "2.0", upload("bom.json", doc2))
		if err != nil || g3.Outcome != bulwark.GatePass || g3.Counts[bulwark.GateWarn] != 2 {
			t.Fatalf("second gate: %+v %v", g3, err)
		}
	})
}

func TestExportSBOM(t *testing.T) {
	sqldbtest.Dialects(t, func(t *testing.T, db *sqldb.DB) {
		org := seed(t, db)
		dev := as(t, db, "developer")
		p, _ := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "5G Core"})
		r, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1.0"})
		wantCode(t, db.ExportSBOM(dev, r.ID, "cyclonedx", &bytes.Buffer{}), bulwark.EPRECONDITION)
		doc := cdx(t, []comp{{"pkg:npm/express@4.18.2", "MIT"}, {"pkg:npm/qs@6.11.0", "BSD-3-Clause"}},
			map[string][]string{"root": {"pkg:npm/express@4.18.2"}, "pkg:npm/express@4.18.2": {"pkg:npm/qs@6.11.0"}})
		if _, err := db.StoreSBOM(dev, r.ID, upload("bom.json", doc)); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"cyclonedx", "spdx"} {
			var buf bytes.Buffer
			if err := db.ExportSBOM(dev, r.ID, format, &buf); err != nil {
				t.Fatal(err)
			}
			d, err := sbom.Parse(buf.Bytes())
			if err != nil {
				t.Fatalf("%s export does not parse: %v", format, err)
			}
			var purls []string
			for _, c := range d.Components {
				purls = append(purls, c.PURL)
			}
			slices.Sort(purls)
			if string(d.Format) != format || d.Subject == nil || d.Subject.Name != "5G Core" || d.Subject.Version != "1.0" ||
				!slices.Equal(purls, []string{"pkg:npm/express@4.18.2", "pkg:npm/qs@6.11.0"}) || len(d.Dependencies) != 2 {
				t.Fatalf("%s export: %+v", format, d)
			}
			if format == "cyclonedx" && d.SpecVersion != "1.6" || format == "spdx" && d.SpecVersion != "2.3" {
				t.Fatalf("%s export version %s", format, d.SpecVersion)
			}
		}
		wantCode(t, db.ExportSBOM(dev, r.ID, "pdf", &bytes.Buffer{}), bulwark.EINVALID)
	})
}

func TestCyclicSBOMOnRequest(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	org := seed(t, db)
	dev := as(t, db, "developer")
	p, _ := db.CreateProduct(dev, bulwark.NewProduct{ScopeID: org.Core5G.ID, Name: "Loops"})
	r, _ := db.CreateRelease(dev, p.ID, bulwark.NewRelease{Version: "1"})
	doc := cdx(t, []comp{{"pkg:npm/a@1.0.0", "MIT"}, {"pkg:npm/b@1.0.0", "MIT"}},
		map[string][]string{"root": {"pkg:npm/a@1.0.0"}, "pkg:npm/a@1.0.0": {"pkg:npm/b@1.0.0"}, "pkg:npm/b@1.0.0": {"pkg:npm/a@1.0.0"}})
	_, err := db.StoreSBOM(dev, r.ID, upload("loop.json", doc))
	if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "pkg:npm/a@1.0.0 → pkg:npm/b@1.0.0 → pkg:npm/a@1.0.0") {
		t.Fatalf("cycle: %v", err)
	}
	u := upload("loop.json", doc)
	u.AllowCycles = true
	ch, err := db.StoreSBOM(dev, r.ID, u)
	if err != nil || ch.SBOM.Components != 2 || len(ch.SBOM.Problems) != 1 || !strings.Contains(ch.SBOM.Problems[0], "cyclic dependency") {
		t.Fatalf("cycle allowed: %+v %v", ch, err)
	}
	graph, _ := db.ReleaseGraph(dev, r.ID)
	if len(graph) != 2 || graph[0].Name != "a" || graph[0].Depth != 1 || graph[1].Depth != 2 {
		t.Fatalf("graph of a broken cycle: %+v %+v", graph[0], graph[1])
	}
}
