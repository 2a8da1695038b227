package demo

import (
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/purl"
)

// approved is the demo's existing approved-component list, as an operator
// would import it on day one.
const approved = `purl,license,state,supplier,export_control,support_ends,replacement
pkg:npm/express@4.18.2,MIT,certified,OpenJS Foundation,EAR99,2027-10-01,
pkg:npm/express@4.17.1,MIT,deprecated,OpenJS Foundation,EAR99,,pkg:npm/express@4.18.2
pkg:npm/lodash@4.17.21,MIT,certified,OpenJS Foundation,EAR99,,
pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2,Apache-2.0,certified,FasterXML,EAR99,%s,
pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10,Apache-2.0,deprecated,FasterXML,EAR99,,pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2
pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1,Apache-2.0,banned,Apache Software Foundation,EAR99,,
pkg:maven/org.apache.logging.log4j/log4j-core@2.20.0,Apache-2.0,certified,Apache Software Foundation,EAR99,2027-06-30,
pkg:maven/org.springframework/spring-core@6.0.11,Apache-2.0,certified,VMware,EAR99,%s,
pkg:pypi/django@4.2.7,BSD-3-Clause,certified,Django Software Foundation,EAR99,2026-04-01,
pkg:pypi/requests@2.31.0,Apache-2.0,certified,Python Software Foundation,EAR99,,
pkg:rpm/redhat/openssl@3.0.7-18.el9_2,Apache-2.0,certified,Red Hat,5D002,2032-05-31,
pkg:golang/golang.org/x/crypto@v0.17.0,BSD-3-Clause,certified,The Go Authors,5D002,,
pkg:cargo/serde@1.0.193,MIT OR Apache-2.0,certified,serde-rs,EAR99,,
pkg:generic/openwrt-busybox@1.36.1,GPL-2.0-only,end-of-life,BusyBox,EAR99,,
`

// importApproved is product-security's first import: the list kept by
// hand before the tool.
func (s *seeder) importApproved() {
	list := fmt.Sprintf(approved, s.date(45), s.date(75))
	s.importList("approved-components-2025.csv", []byte(list))
}

// importBaseline certifies what the products already ship: the components
// of the real SBOMs, except versions the hand-kept list already decided.
func (s *seeder) importBaseline() {
	rows, _, err := s.parse([]byte(fmt.Sprintf(approved, s.date(45), s.date(75))))
	if s.failed(err) {
		return
	}
	known := map[string]bool{}
	for _, r := range rows {
		if p, err := purl.Parse(r.PURL); err == nil {
			known[p.Versioned()] = true
		}
	}
	var docs [][]byte
	for _, p := range SharedSBOMs {
		docs = append(docs, s.data.sbom[p])
	}
	list, err := baseline(docs, known, s.date(20))
	if s.failed(err) {
		return
	}
	s.importList("product-baseline.json", list)
}

func (s *seeder) importList(name string, list []byte) {
	if s.err != nil {
		return
	}
	rows, rowErrs, err := s.parse(list)
	if s.failed(err) {
		return
	}
	if len(rowErrs) > 0 {
		s.failed(fmt.Errorf("demo list %s: %v", name, rowErrs))
		return
	}
	_, err = s.st.Import(s.as("product-security"), rows, nil, list, name, false)
	s.failed(err)
}

// request is a developer's introduction request for the 5G core.
func (s *seeder) request(purl, license, why string, d bulwark.VersionDetails) *bulwark.VersionDossier {
	if s.err != nil {
		return nil
	}
	d.License = license
	v, err := s.st.RequestVersion(s.as("developer"), bulwark.IntroductionRequest{PURL: purl, ScopeID: s.org.Core5G.ID, IntendedProduct: "5G Core",
		Justification: why, VersionDetails: d})
	s.failed(err)
	return v
}

// version finds a catalog version by its versioned purl.
func (s *seeder) version(versioned string) *bulwark.ComponentVersion {
	if s.err != nil {
		return nil
	}
	p, err := purl.Parse(versioned)
	if s.failed(err) {
		return nil
	}
	comps, _, err := s.st.SearchCatalog(s.ctx, bulwark.CatalogFilter{Query: p.Component()}, bulwark.Page{Limit: 10})
	if s.failed(err) {
		return nil
	}
	for _, c := range comps {
		full, err := s.st.FindComponent(s.ctx, c.ID)
		if s.failed(err) {
			return nil
		}
		for _, v := range full.Versions {
			if v.PURL == p.Versioned() {
				return v
			}
		}
	}
	s.failed(bulwark.Errorf(bulwark.ENOTFOUND, "%s is not in the catalog", versioned))
	return nil
}

func (s *seeder) startEvaluation(versioned, reason string) {
	if v := s.version(versioned); v != nil {
		s.failed(s.st.StartEvaluation(s.as("product-security"), v.ID, reason))
	}
}

func (s *seeder) verified(versioned, summary, detail string) {
	if v := s.version(versioned); v != nil {
		_, err := s.st.AddFinding(s.as("product-security"), v.ID, bulwark.NewFinding{Check: bulwark.CheckVerification, Outcome: bulwark.OutcomePass,
			Summary: summary, Detail: detail})
		s.failed(err)
	}
}

// Requests at every stage of the evaluation, so product-security's queue
// has work in each state.

// requestMinio ends up under evaluation with a failing licence check and
// personal data.
func (s *seeder) requestMinio() {
	s.request("pkg:generic/minio@RELEASE.2023-11-20T22-40-07Z", "AGPL-3.0-only", "object storage for trace archives",
		bulwark.VersionDetails{Supplier: "MinIO", PersonalData: true})
}

func (s *seeder) evaluateMinio() {
	s.startEvaluation("pkg:generic/minio@RELEASE.2023-11-20T22-40-07Z", "licence needs a decision")
}

// requestZod ends up verified, ready for a decision.
func (s *seeder) requestZod() {
	s.request("pkg:npm/zod@3.22.4", "MIT", "input validation for the subscriber portal", bulwark.VersionDetails{Supplier: "Colin McDonnell"})
}

func (s *seeder) evaluateZod() { s.startEvaluation("pkg:npm/zod@3.22.4", "") }

func (s *seeder) verifyZod() {
	s.verified("pkg:npm/zod@3.22.4", "Functional and load tests pass on the portal staging stack",
		"1,200 validations/s at p99 0.4 ms; no regressions in the contract tests.")
}

// requestRequest is turned down: the developer finds the rejection among
// their notifications.
func (s *seeder) requestRequest() {
	s.request("pkg:npm/request@2.88.2", "Apache-2.0", "HTTP client for the subscriber provisioning scripts", bulwark.VersionDetails{Supplier: "npm, Inc."})
}

func (s *seeder) evaluateRequest() { s.startEvaluation("pkg:npm/request@2.88.2", "") }

func (s *seeder) rejectRequest() {
	if v := s.version("pkg:npm/request@2.88.2"); v != nil {
		_, err := s.st.Decide(s.as("product-security-2"), v.ID, bulwark.NewDecision{Verdict: bulwark.VerdictReject,
			Reason: "deprecated upstream since 2020 and unmaintained; use the certified express stack's fetch or undici"})
		s.failed(err)
	}
}

// requestFastify and requestPyYAML wait in the queue.
func (s *seeder) requestFastify() {
	s.request("pkg:npm/fastify@4.24.3", "MIT", "faster HTTP layer for the management API", bulwark.VersionDetails{Supplier: "Fastify"})
}

func (s *seeder) requestPyYAML() {
	s.request("pkg:pypi/pyyaml@6.0.1", "MIT", "configuration files of the test harness", bulwark.VersionDetails{Supplier: "YAML"})
}

// Waivers: one active and expiring within two weeks, others waiting for
// approval.

func (s *seeder) jacksonWaiverRequest() {
	if s.err != nil {
		return
	}
	w, err := s.st.RequestWaiver(s.as("bu-security"), bulwark.NewWaiver{PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind", Versions: "2.9.10",
		ScopeID: s.org.Networks.ID, Reason: "legacy OAM adapters move to jackson 2.13 in the next maintenance release",
		ExpiresAt: s.today.AddDate(0, 0, 10).Add(18 * time.Hour)})
	if !s.failed(err) {
		s.jacksonWaiver = w.ID
	}
}

func (s *seeder) approveJacksonWaiver() {
	if s.err == nil {
		s.failed(s.st.ApproveWaiver(s.as("product-security"), s.jacksonWaiver, "time-boxed until the maintenance release"))
	}
}

func (s *seeder) expressWaiverRequest() {
	if s.err != nil {
		return
	}
	_, err := s.st.RequestWaiver(s.as("bu-security"), bulwark.NewWaiver{PURL: "pkg:npm/express", Versions: ">=4.17.0 <4.18.0", ScopeID: s.org.Networks.ID,
		Reason: "field-trial build pinned to 4.17", ExpiresAt: s.today.AddDate(0, 0, 60)})
	s.failed(err)
}

// Real-data catalog steps.

// banNatsJWT: product-security bans a version whose token checks are
// broken; the Devices team asks for time to replace it in the maintained
// bridge.
func (s *seeder) banNatsJWT() {
	if v := s.version("pkg:golang/github.com/nats-io/jwt@v0.3.0"); v != nil {
		s.failed(s.st.Transition(s.as("product-security"), v.ID, bulwark.LifecycleChange{To: bulwark.StateBanned,
			Reason: "import token permissions and credential expiry are not enforced (CVE-2021-3127, CVE-2020-26892); use nats-io/jwt/v2"}))
	}
}

func (s *seeder) natsWaiverRequest() {
	if s.err != nil {
		return
	}
	_, err := s.st.RequestWaiver(s.as("bu-security-devices"), bulwark.NewWaiver{PURL: "pkg:golang/github.com/nats-io/jwt", Versions: "v0.3.0",
		ScopeID: s.org.Devices.ID, Reason: "Device Bridge 1.6.3 is maintained until the 1.7 roll-out; account tokens there are issued by our own server only",
		ExpiresAt: s.today.AddDate(0, 0, 45)})
	s.failed(err)
}

// requestInventoryUncertified turns the failed gate's unknown components
// into requests; product-security takes one of them through evaluation.
func (s *seeder) requestInventoryUncertified() {
	if s.err != nil {
		return
	}
	_, err := s.st.RequestUncertified(s.as("bu-security"), s.inventoryGate.ID, "upgrades for Network Inventory 4.6 that close known advisories")
	s.failed(err)
}

func (s *seeder) evaluateSnakeYAML2() {
	s.startEvaluation("pkg:maven/org.yaml/snakeyaml@2.0", "safe constructor by default; worth certifying quickly")
}

func (s *seeder) verifySnakeYAML2() {
	s.verified("pkg:maven/org.yaml/snakeyaml@2.0", "Inventory configuration loads unchanged with 2.0",
		"All 312 configuration fixtures load; the two call sites moved to the new LoaderOptions.")
}

func (s *seeder) certifySnakeYAML2() {
	if v := s.version("pkg:maven/org.yaml/snakeyaml@2.0"); v != nil {
		_, err := s.st.Decide(s.as("product-security-2"), v.ID, bulwark.NewDecision{Verdict: bulwark.VerdictCertify,
			Reason: "licence, export and security checks pass; verification record attached"})
		s.failed(err)
	}
}
