package osvtest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/osv"
)

func TestPortfolioFromSharedData(t *testing.T) {
	items, ok, err := Shared("../../../shared/data/osv")
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("../shared/data/osv is absent: no real advisories to build from")
	}
	many, err := Replicate(items, 3*len(items)+7)
	if err != nil || len(many) != 3*len(items)+7 {
		t.Fatalf("replicate: %d %v", len(many), err)
	}
	ids := map[string]bool{}
	for _, it := range many {
		if ids[it.Record.ID] {
			t.Fatalf("id %s twice", it.Record.ID)
		}
		ids[it.Record.ID] = true
	}
	targets := Targets(many)
	byEco := map[string]int{}
	for _, tg := range targets {
		id, err := ecosystem.FromPURL(tg.PURL)
		if err != nil {
			t.Fatalf("target %s: %v", tg.PURL, err)
		}
		byEco[ecosystem.BaseEcosystem(id.Ecosystem)]++
	}
	t.Logf("%d targets from %d records: %v", len(targets), len(many), byEco)
	for _, eco := range []string{"PyPI", "Go", "crates.io", "Maven", "Packagist", "AlmaLinux"} {
		if byEco[eco] == 0 {
			t.Errorf("no targets in %s", eco)
		}
	}
	// Affected targets of the copies are affected by their record, by the
	// schema's rules (a range may reopen below a later one, so nearly all).
	hits, affected := 0, 0
	for _, it := range many[len(many)-len(items):] {
		for _, tg := range Targets([]osv.Item{it}) {
			if !tg.Affected {
				continue
			}
			hits++
			id, _ := ecosystem.FromPURL(tg.PURL)
			version := tg.PURL[strings.LastIndexByte(strings.SplitN(tg.PURL, "?", 2)[0], '@')+1:]
			version, _ = url.PathUnescape(strings.SplitN(version, "?", 2)[0])
			for i := range it.Record.Affected {
				a := &it.Record.Affected[i]
				if id.Covers(a.Package.Ecosystem) && strings.EqualFold(a.Package.Name, id.Name) && a.Evaluate(version).Affected {
					affected++
					break
				}
			}
		}
	}
	t.Logf("%d of %d affected targets evaluate as affected", affected, hits)
	if hits == 0 || affected < hits*9/10 {
		t.Errorf("only %d of %d affected targets evaluate as affected", affected, hits)
	}
}
