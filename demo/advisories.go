package demo

import (
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/exploit"
	"github.com/bulwark-sec/bulwark/osv"
)

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

// importBuiltinAdvisories is the first sync of the advisories above.
func (s *seeder) importBuiltinAdvisories() {
	var items []osv.Item
	for _, text := range advisories {
		r, warnings, err := osv.Parse([]byte(text), "demo.json")
		if s.failed(err) {
			return
		}
		items = append(items, osv.Item{Source: "demo/" + r.ID + ".json", Record: r, Warnings: warnings})
	}
	s.importAdvisories(items)
}

// importBatch is how many records go into one import, as the CLI does.
const importBatch = 2000

// importAdvisories is PSIRT's feed sync.
func (s *seeder) importAdvisories(items []osv.Item) {
	for lo := 0; lo < len(items) && s.err == nil; lo += importBatch {
		res, err := s.st.ImportAdvisories(s.as("psirt"), items[lo:min(lo+importBatch, len(items))])
		if !s.failed(err) {
			s.advisories += res.New
		}
	}
}

// feed is the shared OSV records, once read; empty when reading failed.
func (s *seeder) feed() *feed {
	f, err := s.data.advisories()
	if s.failed(err) {
		return &feed{}
	}
	return f
}

// importSignals loads this week's EPSS scores and the KEV catalog.
func (s *seeder) importSignals() {
	if s.err != nil {
		return
	}
	day := s.today.AddDate(0, 0, -2)
	epss := &exploit.EPSS{Model: "demo", Date: day, Scores: []exploit.Score{
		{CVE: "CVE-2021-44228", Probability: 0.944, Percentile: 0.999}, {CVE: "CVE-2020-36518", Probability: 0.012, Percentile: 0.78},
		{CVE: "CVE-2024-45337", Probability: 0.31, Percentile: 0.96}, {CVE: "CVE-2024-29041", Probability: 0.004, Percentile: 0.41},
		{CVE: "CVE-2024-24680", Probability: 0.02, Percentile: 0.83}, {CVE: "CVE-2024-35195", Probability: 0.001, Percentile: 0.12},
		{CVE: "CVE-2023-6378", Probability: 0.0021, Percentile: 0.59}, {CVE: "CVE-2022-42003", Probability: 0.0043, Percentile: 0.72},
	}}
	ps := s.as("psirt")
	if _, err := s.st.ImportEPSS(ps, epss); s.failed(err) {
		return
	}
	kev := &exploit.KEV{Version: "demo", Released: day, Entries: []exploit.Entry{{CVE: "CVE-2021-44228", Vendor: "Apache", Product: "Log4j2",
		Name: "Apache Log4j2 remote code execution", Added: time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC), RequiredAction: "apply updates per vendor instructions"}}}
	_, err := s.st.ImportKEV(ps, kev)
	s.failed(err)
}

// triage records one decision on every finding of a release for the
// given vulnerabilities (any id or alias). A vulnerability without a
// finding there stops the story: the demo's advisories and SBOMs no longer
// fit together.
func (s *seeder) triage(who, release string, t bulwark.Triage, vulns ...string) {
	r := s.rel(release)
	if s.err != nil {
		return
	}
	var ids []int64
	for _, v := range vulns {
		fs, _, err := s.st.Findings(s.ctx, bulwark.FindingFilter{ReleaseID: r.ID, Key: v}, bulwark.Page{Limit: bulwark.MaxPageLimit})
		if s.failed(err) {
			return
		}
		if len(fs) == 0 {
			s.failed(fmt.Errorf("the demo's advisories no longer match its SBOMs: no finding of %s in %s", v, release))
			return
		}
		for _, f := range fs {
			ids = append(ids, f.ID)
		}
	}
	_, err := s.st.TriageFindings(s.as(who), ids, t)
	s.failed(err)
}

// Decisions on the built-in products.

// triageCoreAndPlatform: the SSH server of x/crypto is not built into the
// core (later releases inherit the decision); Log4Shell is real on the
// platform and waits for a hotfix that has not come, long past its SLA.
func (s *seeder) triageCoreAndPlatform() {
	s.triage("bu-security", "5G Core 1.0", bulwark.Triage{State: bulwark.FindingNotAffected, Justification: "code_not_reachable",
		Detail: "The core uses x/crypto for TLS helpers only; no SSH server is built.", Owner: "5G core team", Reason: "call graph reviewed"},
		"CVE-2024-45337")
	s.triage("product-security", "Acme Platform 3.0", bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "Platform 3.1 moves to log4j-core 2.20.0; 3.0 gets a hotfix build.", Owner: "platform team", Reason: "exploitable through the audit log"},
		"CVE-2021-44228")
}

func (s *seeder) triageRouter71() {
	s.triage("bu-security-devices", "Home Router 7.1", bulwark.Triage{State: bulwark.FindingFalsePositive,
		Detail: "The management plane never disables certificate verification.", Owner: "router team", Reason: "code search"},
		"CVE-2024-35195")
	s.triage("bu-security-devices", "Home Router 7.1", bulwark.Triage{State: bulwark.FindingAffected, Response: "update",
		Detail: "The statistics page formats counters with intcomma; 7.2 carries the fix.", Owner: "router team", Reason: "reachable from the LAN UI"},
		"CVE-2024-24680")
}

// triageRouter72: 7.2 inherits 7.1's decisions; the Django flaw is fixed
// there by a backported patch.
func (s *seeder) triageRouter72() {
	s.triage("bu-security-devices", "Home Router 7.2", bulwark.Triage{State: bulwark.FindingFixed,
		Detail: "7.2 ships Django 4.2.7 with the upstream intcomma patch backported (build 7.2-2).", Owner: "router team", Reason: "patch verified in the firmware image"},
		"CVE-2024-24680")
}
