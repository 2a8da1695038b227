package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// dep is one component of a demo SBOM and what it pulls in.
type dep struct {
	purl, name, version, license string
	needs                        []string // purls
}

// suppliers of the demo's components, by purl type: the registry that
// distributed them.
var suppliers = map[string]string{"maven": "Maven Central", "npm": "npm, Inc.", "pypi": "Python Package Index", "rpm": "Red Hat", "cargo": "crates.io", "golang": "The Go Authors"}

// bom writes a small CycloneDX 1.5 JSON SBOM of an application whose
// direct dependencies are the top entries.
func bom(app, version string, direct []string, deps []dep) []byte {
	comps := make([]map[string]any, 0, len(deps))
	graph := []map[string]any{{"ref": "app", "dependsOn": direct}}
	for _, d := range deps {
		c := map[string]any{"type": "library", "bom-ref": d.purl, "name": d.name, "version": d.version, "purl": d.purl}
		if s := suppliers[d.purl[4:strings.Index(d.purl, "/")]]; s != "" {
			c["supplier"] = map[string]any{"name": s}
		}
		if d.license != "" {
			c["licenses"] = []map[string]any{{"expression": d.license}}
		}
		comps = append(comps, c)
		needs := d.needs
		if needs == nil {
			needs = []string{}
		}
		graph = append(graph, map[string]any{"ref": d.purl, "dependsOn": needs})
	}
	doc := map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"metadata": map[string]any{
			"tools":     map[string]any{"components": []map[string]any{{"type": "application", "name": "cyclonedx-gomod", "version": "1.6.0"}}},
			"component": map[string]any{"type": "application", "bom-ref": "app", "name": app, "version": version},
		},
		"components":   comps,
		"dependencies": graph,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return b
}

var (
	jackson   = dep{"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2", "jackson-databind", "2.15.2", "Apache-2.0", nil}
	jackson29 = dep{"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10", "jackson-databind", "2.9.10", "Apache-2.0", nil}
	log4j     = dep{"pkg:maven/org.apache.logging.log4j/log4j-core@2.20.0", "log4j-core", "2.20.0", "Apache-2.0", nil}
	log4jOld  = dep{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "log4j-core", "2.14.1", "Apache-2.0", nil}
	spring    = dep{"pkg:maven/org.springframework/spring-core@6.0.11", "spring-core", "6.0.11", "Apache-2.0", nil}
	openssl   = dep{"pkg:rpm/redhat/openssl@3.0.7-18.el9_2?arch=x86_64", "openssl", "3.0.7-18.el9_2", "Apache-2.0", nil}
	xcrypto   = dep{"pkg:golang/golang.org/x/crypto@v0.17.0", "crypto", "v0.17.0", "BSD-3-Clause", nil}
	lodash    = dep{"pkg:npm/lodash@4.17.21", "lodash", "4.17.21", "MIT", nil}
	express   = dep{"pkg:npm/express@4.18.2", "express", "4.18.2", "MIT", []string{"pkg:npm/lodash@4.17.21"}}
	express41 = dep{"pkg:npm/express@4.17.1", "express", "4.17.1", "MIT", []string{"pkg:npm/lodash@4.17.21"}}
	fastify   = dep{"pkg:npm/fastify@4.24.3", "fastify", "4.24.3", "MIT", nil}
	zod       = dep{"pkg:npm/zod@3.22.4", "zod", "3.22.4", "MIT", nil}
	django    = dep{"pkg:pypi/django@4.2.7", "django", "4.2.7", "BSD-3-Clause", []string{"pkg:pypi/requests@2.31.0"}}
	requests  = dep{"pkg:pypi/requests@2.31.0", "requests", "2.31.0", "Apache-2.0", nil}
	serde     = dep{"pkg:cargo/serde@1.0.193", "serde", "1.0.193", "MIT OR Apache-2.0", nil}
	busybox   = dep{"pkg:generic/openwrt-busybox@1.36.1", "openwrt-busybox", "1.36.1", "GPL-2.0-only", nil}
)

func withNeeds(d dep, needs ...string) dep {
	d.needs = needs
	return d
}

// product creates a product as a member of its team.
func (s *seeder) product(who string, scope *bulwark.Scope, name, about string) *bulwark.Product {
	if s.err != nil {
		return nil
	}
	p, err := s.st.CreateProduct(s.as(who), bulwark.NewProduct{ScopeID: scope.ID, Name: name, Description: about})
	if s.failed(err) {
		return nil
	}
	s.products++
	return p
}

// release is a new release in development whose SBOM the build pipeline
// stores; pred is the version it follows ("" for the first).
func (s *seeder) release(product, version, pred, file string, doc []byte) *bulwark.Release {
	if s.err != nil {
		return nil
	}
	p, err := s.st.FindProductByName(s.pipeline, product)
	if s.failed(err) {
		return nil
	}
	r, err := s.st.CreateRelease(s.pipeline, p.ID, bulwark.NewRelease{Version: version, Predecessor: pred})
	if s.failed(err) {
		return nil
	}
	s.releases[product+" "+version] = r
	if doc != nil {
		_, err = s.st.StoreSBOM(s.pipeline, r.ID, bulwark.SBOMUpload{Name: file, Content: doc, Reason: "build pipeline", AllowCycles: true})
		s.failed(err)
	}
	return r
}

// rel is a release seeded earlier, by "Product version".
func (s *seeder) rel(name string) *bulwark.Release {
	r := s.releases[name]
	if r == nil {
		s.failed(fmt.Errorf("the demo story has no release %q yet", name))
	}
	return r
}

// move takes releases to a state on the release board's decision.
func (s *seeder) move(who string, to bulwark.ReleaseState, reason string, names ...string) {
	for _, n := range names {
		if r := s.rel(n); s.err == nil {
			s.failed(s.st.MoveRelease(s.as(who), r.ID, to, reason))
		}
	}
}

// use records that a release is built from another product's release. The
// pipeline does it: the teams cannot see each other's business units.
func (s *seeder) use(release, uses, reason string) {
	r, u := s.rel(release), s.rel(uses)
	if s.err == nil {
		s.failed(s.st.AddUse(s.pipeline, r.ID, u.ID, reason))
	}
}

// gate runs the pipeline gate on a release's SBOM.
func (s *seeder) gate(ctx context.Context, product, version, file, reason string, doc []byte) *bulwark.GateResult {
	if s.err != nil {
		return nil
	}
	g, err := s.st.Gate(ctx, product, version, bulwark.SBOMUpload{Name: file, Content: doc, Reason: reason, AllowCycles: true})
	if s.failed(err) {
		return nil
	}
	return g
}

// The built-in products: a Java platform reused by the 5G core and the home
// router, each with a lineage of releases built from small SBOMs.

func (s *seeder) platform30() {
	s.product("bu-security", s.org.Networks, "Acme Platform", "Java service platform shared by the network products")
	s.release("Acme Platform", "3.0", "", "acme-platform-3.0.cdx.json", bom("acme-platform", "3.0", []string{spring.purl, jackson29.purl, openssl.purl},
		[]dep{withNeeds(spring, log4jOld.purl), jackson29, log4jOld, openssl}))
}

func (s *seeder) releasePlatform30() {
	s.move("bu-security", bulwark.ReleaseReleased, "release board", "Acme Platform 3.0")
}

func (s *seeder) platform31() {
	s.release("Acme Platform", "3.1", "3.0", "acme-platform-3.1.cdx.json", bom("acme-platform", "3.1", []string{spring.purl, jackson.purl, openssl.purl},
		[]dep{withNeeds(spring, log4j.purl), jackson, log4j, openssl}))
}

func (s *seeder) releasePlatform31() {
	s.move("bu-security", bulwark.ReleaseReleased, "release board", "Acme Platform 3.1")
	s.move("bu-security", bulwark.ReleaseMaintained, "3.1 is out; 3.0 gets fixes only", "Acme Platform 3.0")
}

func (s *seeder) core10() {
	s.product("developer", s.org.Core5G, "5G Core", "5G standalone core network functions")
	s.release("5G Core", "1.0", "", "5g-core-1.0.cdx.json", bom("5g-core", "1.0", []string{express41.purl, xcrypto.purl}, []dep{express41, lodash, xcrypto}))
	s.use("5G Core 1.0", "Acme Platform 3.0", "built on the platform")
}

func (s *seeder) releaseCore10() {
	s.move("bu-security", bulwark.ReleaseReleased, "release board", "5G Core 1.0")
}

func (s *seeder) core11() {
	s.release("5G Core", "1.1", "1.0", "5g-core-1.1.cdx.json", bom("5g-core", "1.1", []string{express.purl, xcrypto.purl, serde.purl}, []dep{express, lodash, xcrypto, serde}))
	s.use("5G Core 1.1", "Acme Platform 3.1", "moved to platform 3.1")
}

func (s *seeder) releaseCore11() {
	s.move("bu-security", bulwark.ReleaseReleased, "release board", "5G Core 1.1")
}

// core20Gate is the developer's pipeline build of the next core: it brings
// in components the catalog does not certify yet, so the gate fails and
// waits for their requests.
func (s *seeder) core20Gate() {
	s.release("5G Core", "2.0", "1.1", "", nil)
	s.gate(s.as("developer"), "5G Core", "2.0", "5g-core-2.0.cdx.json", "pipeline build 4711",
		bom("5g-core", "2.0", []string{fastify.purl, zod.purl, xcrypto.purl, serde.purl}, []dep{fastify, zod, xcrypto, serde}))
}

func (s *seeder) router71() {
	s.product("bu-security-devices", s.org.HomeRouter, "Home Router", "Wi-Fi home gateway firmware")
	s.release("Home Router", "7.1", "", "home-router-7.1.cdx.json", bom("home-router", "7.1", []string{busybox.purl, openssl.purl, django.purl},
		[]dep{busybox, openssl, django, requests}))
	s.use("Home Router 7.1", "Acme Platform 3.0", "management plane runs on the platform")
}

func (s *seeder) releaseRouter71() {
	s.move("bu-security-devices", bulwark.ReleaseReleased, "release board", "Home Router 7.1")
}

func (s *seeder) router72() {
	s.release("Home Router", "7.2", "7.1", "home-router-7.2.cdx.json", bom("home-router", "7.2", []string{busybox.purl, openssl.purl, django.purl, lodash.purl},
		[]dep{busybox, openssl, django, requests, lodash}))
	s.use("Home Router 7.2", "Acme Platform 3.0", "management plane runs on the platform")
}

func (s *seeder) releaseRouter72() {
	s.move("bu-security-devices", bulwark.ReleaseReleased, "release board", "Home Router 7.2")
	s.move("bu-security-devices", bulwark.ReleaseMaintained, "7.2 is out; 7.1 gets fixes only", "Home Router 7.1")
}
