package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// CatalogServices are what SeedCatalog needs.
type CatalogServices interface {
	Services
	bulwark.CatalogService
}

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

// SeedCatalog fills the catalog of a freshly seeded demo organisation: an
// imported approved list, open requests in each state of the evaluation,
// and waivers, so each role finds something to act on. ctx carries the
// system principal; people act as themselves.
func SeedCatalog(ctx context.Context, svc CatalogServices, org *Org, parse func([]byte) ([]bulwark.ImportRow, []bulwark.RowError, error)) (err error) {
	defer bulwark.Wrap(&err, "demo.SeedCatalog")
	now := time.Now().UTC()
	list := fmt.Sprintf(approved, now.AddDate(0, 0, 45).Format("2006-01-02"), now.AddDate(0, 0, 75).Format("2006-01-02"))
	rows, rowErrs, err := parse([]byte(list))
	if err != nil {
		return err
	}
	if len(rowErrs) > 0 {
		return fmt.Errorf("demo list: %v", rowErrs)
	}
	if _, err := svc.Import(ctx, rows, nil, []byte(list), "approved-components-2025.csv", false); err != nil {
		return err
	}

	as := func(name string) (context.Context, error) {
		u, err := svc.FindUserByName(ctx, name)
		if err != nil {
			return nil, err
		}
		return bulwark.WithPrincipal(ctx, &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: u.ID, Name: u.Name, Grants: u.Grants}), nil
	}
	dev, err := as("developer")
	if err != nil {
		return err
	}
	ps, err := as("product-security")
	if err != nil {
		return err
	}
	busec, err := as("bu-security")
	if err != nil {
		return err
	}
	request := func(purl, license, why string, d bulwark.VersionDetails) (*bulwark.VersionDossier, error) {
		d.License = license
		return svc.RequestVersion(dev, bulwark.IntroductionRequest{PURL: purl, ScopeID: org.Core5G.ID, IntendedProduct: "5G Core",
			Justification: why, VersionDetails: d})
	}
	// Waiting in the queue.
	if _, err := request("pkg:npm/fastify@4.24.3", "MIT", "faster HTTP layer for the management API", bulwark.VersionDetails{Supplier: "Fastify"}); err != nil {
		return err
	}
	if _, err := request("pkg:pypi/pyyaml@6.0.1", "MIT", "configuration files of the test harness", bulwark.VersionDetails{Supplier: "YAML"}); err != nil {
		return err
	}
	// Under evaluation, with a failing licence check and personal data.
	d, err := request("pkg:generic/minio@RELEASE.2023-11-20T22-40-07Z", "AGPL-3.0-only", "object storage for trace archives",
		bulwark.VersionDetails{Supplier: "MinIO", PersonalData: true})
	if err != nil {
		return err
	}
	if err := svc.StartEvaluation(ps, d.Version.ID, "licence needs a decision"); err != nil {
		return err
	}
	// Under evaluation and verified: ready for a decision.
	d, err = request("pkg:npm/zod@3.22.4", "MIT", "input validation for the subscriber portal", bulwark.VersionDetails{Supplier: "Colin McDonnell"})
	if err != nil {
		return err
	}
	if err := svc.StartEvaluation(ps, d.Version.ID, ""); err != nil {
		return err
	}
	if _, err := svc.AddFinding(ps, d.Version.ID, bulwark.NewFinding{Check: bulwark.CheckVerification, Outcome: bulwark.OutcomePass,
		Summary: "Functional and load tests pass on the portal staging stack", Detail: "1,200 validations/s at p99 0.4 ms; no regressions in the contract tests."}); err != nil {
		return err
	}

	// Waivers: one active and expiring soon, one waiting for approval.
	w, err := svc.RequestWaiver(busec, bulwark.NewWaiver{PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind", Versions: "2.9.10",
		ScopeID: org.Networks.ID, Reason: "legacy OAM adapter moves to 2.15 in the next maintenance release", ExpiresAt: now.AddDate(0, 0, 21)})
	if err != nil {
		return err
	}
	if err := svc.ApproveWaiver(ps, w.ID, "time-boxed until the maintenance release"); err != nil {
		return err
	}
	if _, err := svc.RequestWaiver(busec, bulwark.NewWaiver{PURL: "pkg:npm/express", Versions: ">=4.17.0 <4.18.0", ScopeID: org.Networks.ID,
		Reason: "field-trial build pinned to 4.17", ExpiresAt: now.AddDate(0, 0, 60)}); err != nil {
		return err
	}
	return nil
}
