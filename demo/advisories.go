package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/exploit"
	"github.com/bulwark-sec/bulwark/osv"
)

// AdvisoryServices is what SeedAdvisories needs.
type AdvisoryServices interface {
	bulwark.FindingService
	FindUserByName(ctx context.Context, name string) (*bulwark.User, error)
	ImportAdvisories(ctx context.Context, items []osv.Item) (*bulwark.AdvisoryImportResult, error)
	ImportEPSS(ctx context.Context, e *exploit.EPSS) (*bulwark.SignalImportResult, error)
	ImportKEV(ctx context.Context, k *exploit.KEV) (*bulwark.SignalImportResult, error)
}

// advisories are a handful of real vulnerabilities of the demo's
// components, written down in the OSV schema (ranges as the databases
// publish them, summaries in our words).
var advisories = []string{
	`{"id": "GHSA-jfh8-c2jp-5v3q", "modified": "2024-01-10T00:00:00Z", "published": "2021-12-10T00:00:00Z", "aliases": ["CVE-2021-44228"],
	  "summary": "Remote code execution through JNDI lookups in logged messages (Log4Shell)",
	  "details": "Message lookup substitution lets an attacker who controls a logged string load and run code from a remote directory server.\n\nUpgrade to 2.15.0 or later; 2.17.1 fixes the follow-up issues.",
	  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
	  "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
	    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}],
	  "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"}]}`,
	`{"id": "GHSA-57j2-w4cx-62h2", "modified": "2024-01-10T00:00:00Z", "published": "2022-03-12T00:00:00Z", "aliases": ["CVE-2020-36518"],
	  "summary": "Deeply nested JSON exhausts the stack in jackson-databind",
	  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
	  "affected": [{"package": {"ecosystem": "Maven", "name": "com.fasterxml.jackson.core:jackson-databind"},
	    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.12.6.1"}]}]}],
	  "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2020-36518"}]}`,
	`{"id": "GHSA-v778-237x-gjrc", "modified": "2024-12-20T00:00:00Z", "published": "2024-12-11T00:00:00Z", "aliases": ["CVE-2024-45337", "GO-2024-3321"],
	  "summary": "Misuse of the public key callback can bypass SSH server authorization in golang.org/x/crypto",
	  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"}],
	  "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/crypto"},
	    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.31.0"}]}]}],
	  "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2024-45337"}]}`,
	`{"id": "GHSA-rv95-896h-c2vc", "modified": "2024-04-01T00:00:00Z", "published": "2024-03-25T00:00:00Z", "aliases": ["CVE-2024-29041"],
	  "summary": "Open redirect in malformed URLs handled by express",
	  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}],
	  "affected": [{"package": {"ecosystem": "npm", "name": "express"},
	    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.19.2"}]}]}]}`,
	`{"id": "PYSEC-2024-28", "modified": "2024-03-01T00:00:00Z", "published": "2024-02-06T00:00:00Z", "aliases": ["CVE-2024-24680"],
	  "summary": "Denial of service in intcomma with very long strings in Django",
	  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
	  "affected": [{"package": {"ecosystem": "PyPI", "name": "django"},
	    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.2"}, {"fixed": "4.2.10"}]}]}]}`,
	`{"id": "GHSA-9wx4-h78v-vm56", "modified": "2024-06-01T00:00:00Z", "published": "2024-05-20T00:00:00Z", "aliases": ["CVE-2024-35195"],
	  "summary": "requests keeps ignoring certificate verification on a session after one request disabled it",
	  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N"}],
	  "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
	    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}]}`,
}

// SeedAdvisories imports the demo's advisories, a small EPSS file and KEV
// catalog, and takes a few triage decisions, so the worklist, dashboard and
// impact pages have something to show. It runs after SeedProducts.
func SeedAdvisories(ctx context.Context, svc AdvisoryServices) (err error) {
	defer bulwark.Wrap(&err, "demo.SeedAdvisories")
	var items []osv.Item
	for _, text := range advisories {
		r, warnings, err := osv.Parse([]byte(text), "demo.json")
		if err != nil {
			return err
		}
		items = append(items, osv.Item{Source: "demo/" + r.ID + ".json", Record: r, Warnings: warnings})
	}
	if _, err := svc.ImportAdvisories(ctx, items); err != nil {
		return err
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	epss := &exploit.EPSS{Model: "demo", Date: day, Scores: []exploit.Score{
		{CVE: "CVE-2021-44228", Probability: 0.944, Percentile: 0.999}, {CVE: "CVE-2020-36518", Probability: 0.012, Percentile: 0.78},
		{CVE: "CVE-2024-45337", Probability: 0.31, Percentile: 0.96}, {CVE: "CVE-2024-29041", Probability: 0.004, Percentile: 0.41},
		{CVE: "CVE-2024-24680", Probability: 0.02, Percentile: 0.83}, {CVE: "CVE-2024-35195", Probability: 0.001, Percentile: 0.12},
	}}
	if _, err := svc.ImportEPSS(ctx, epss); err != nil {
		return err
	}
	kev := &exploit.KEV{Version: "demo", Released: day, Entries: []exploit.Entry{{CVE: "CVE-2021-44228", Vendor: "Apache", Product: "Log4j2",
		Name: "Apache Log4j2 remote code execution", Added: time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC), RequiredAction: "apply updates per vendor instructions"}}}
	if _, err := svc.ImportKEV(ctx, kev); err != nil {
		return err
	}

	u, err := svc.FindUserByName(ctx, "product-security")
	if err != nil {
		return err
	}
	ps := bulwark.WithPrincipal(ctx, &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: u.ID, Name: u.Name, Grants: u.Grants})
	find := func(key, release string) *bulwark.VulnFinding {
		fs, _, ferr := svc.Findings(ctx, bulwark.FindingFilter{Key: key}, bulwark.Page{})
		if ferr != nil {
			err = ferr
			return nil
		}
		for _, f := range fs {
			if f.Release.Product+" "+f.Release.Version == release {
				return f
			}
		}
		err = fmt.Errorf("no finding of %s in %s", key, release)
		return nil
	}
	decide := func(key, release string, t bulwark.Triage) {
		if err != nil {
			return
		}
		if f := find(key, release); f != nil {
			_, err = svc.TriageFinding(ps, f.ID, t)
		}
	}
	// The SSH server of x/crypto is not used by the core: decided on 1.0,
	// carried to 1.1.
	decide("CVE-2024-45337", "5G Core 1.0", bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "code_not_reachable",
		Detail: "The core uses x/crypto for TLS helpers only; no SSH server is built.", Owner: "5G core team", Reason: "call graph reviewed"})
	decide("CVE-2021-44228", "Acme Platform 3.0", bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "Platform 3.1 moves to log4j-core 2.20.0; 3.0 gets a hotfix build.", Owner: "platform team", Reason: "exploitable through the audit log"})
	decide("CVE-2024-35195", "Home Router 7.2", bulwark.Triage{State: bulwark.FindingFalsePositive,
		Detail: "The management plane never disables certificate verification.", Owner: "router team", Reason: "code search"})
	if err != nil && strings.Contains(err.Error(), "no finding") {
		return fmt.Errorf("the demo's advisories no longer match its SBOMs: %w", err)
	}
	return err
}
