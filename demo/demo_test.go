package demo_test

import (
	"context"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/catalogfile"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/sqldb/sqldbtest"
)

func TestDemoTellsTheVulnerabilityStory(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	ctx := sqldbtest.System(context.Background())
	root, err := db.CreateScope(ctx, 0, bulwark.ScopeOrg, "Acme", "demo")
	if err != nil {
		t.Fatal(err)
	}
	org, err := demo.Seed(ctx, db, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedCatalog(ctx, db, org, catalogfile.Parse); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedProducts(ctx, db, org); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedAdvisories(ctx, db); err != nil {
		t.Fatal(err)
	}
	d, err := db.Dashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Open == 0 || d.KEV == 0 || d.ByRating["critical"] == 0 || d.ByState[bulwark.FindingNotAffected] < 2 || d.ByState[bulwark.FindingFalsePositive] != 1 {
		t.Fatalf("demo dashboard: %+v", d)
	}
	// The decision on 5G Core 1.0 is inherited by 1.1.
	fs, _, err := db.Findings(ctx, bulwark.FindingFilter{Key: "CVE-2024-45337"}, bulwark.Page{})
	if err != nil {
		t.Fatal(err)
	}
	inherited := 0
	for _, f := range fs {
		if f.InheritedFrom != 0 && f.State == bulwark.FindingNotAffected {
			inherited++
		}
	}
	if inherited == 0 {
		t.Fatalf("no inherited decision among %+v", fs)
	}
}
