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

// SeedProducts adds the demo's products: a platform reused by two
// products, release lineages with frozen and in-development releases, and
// a failing gate run waiting for its components to be requested. ctx must
// carry the system principal; it runs after SeedCatalog.
func SeedProducts(ctx context.Context, svc bulwark.ProductService, org *Org) (err error) {
	defer bulwark.Wrap(&err, "demo.SeedProducts")
	product := func(scope *bulwark.Scope, name, about string) *bulwark.Product {
		if err != nil {
			return nil
		}
		var p *bulwark.Product
		p, err = svc.CreateProduct(ctx, bulwark.NewProduct{ScopeID: scope.ID, Name: name, Description: about})
		return p
	}
	release := func(p *bulwark.Product, version, pred string, doc []byte, state ...bulwark.ReleaseState) *bulwark.Release {
		if err != nil {
			return nil
		}
		var r *bulwark.Release
		if r, err = svc.CreateRelease(ctx, p.ID, bulwark.NewRelease{Version: version, Predecessor: pred}); err != nil {
			return nil
		}
		if _, err = svc.StoreSBOM(ctx, r.ID, bulwark.SBOMUpload{Name: fmt.Sprintf("%s-%s.cdx.json", p.Name, version), Content: doc, Reason: "build pipeline"}); err != nil {
			return nil
		}
		for _, s := range state {
			if err = svc.MoveRelease(ctx, r.ID, s, "release board"); err != nil {
				return nil
			}
		}
		return r
	}
	released, maintained := bulwark.ReleaseReleased, bulwark.ReleaseMaintained

	platform := product(org.Networks, "Acme Platform", "Java service platform shared by the network products")
	p30 := release(platform, "3.0", "", bom("acme-platform", "3.0", []string{spring.purl, jackson29.purl, openssl.purl},
		[]dep{withNeeds(spring, log4jOld.purl), jackson29, log4jOld, openssl}), released, maintained)
	p31 := release(platform, "3.1", "3.0", bom("acme-platform", "3.1", []string{spring.purl, jackson.purl, openssl.purl},
		[]dep{withNeeds(spring, log4j.purl), jackson, log4j, openssl}), released)

	core := product(org.Core5G, "5G Core", "5G standalone core network functions")
	c10 := release(core, "1.0", "", bom("5g-core", "1.0", []string{express41.purl, xcrypto.purl}, []dep{express41, lodash, xcrypto}))
	if err == nil {
		err = svc.AddUse(ctx, c10.ID, p30.ID, "built on the platform")
	}
	if err == nil {
		err = svc.MoveRelease(ctx, c10.ID, released, "release board")
	}
	c11 := release(core, "1.1", "1.0", bom("5g-core", "1.1", []string{express.purl, xcrypto.purl, serde.purl}, []dep{express, lodash, xcrypto, serde}))
	if err == nil {
		err = svc.AddUse(ctx, c11.ID, p31.ID, "moved to platform 3.1")
	}
	if err == nil {
		err = svc.MoveRelease(ctx, c11.ID, released, "release board")
	}

	router := product(org.HomeRouter, "Home Router", "Wi-Fi home gateway firmware")
	r72 := release(router, "7.2", "", bom("home-router", "7.2", []string{busybox.purl, openssl.purl, django.purl},
		[]dep{busybox, openssl, django, requests}))
	if err == nil {
		err = svc.AddUse(ctx, r72.ID, p30.ID, "management plane runs on the platform")
	}
	if err == nil {
		err = svc.MoveRelease(ctx, r72.ID, released, "release board")
	}
	if err != nil {
		return err
	}
	// The pipeline's next build of the core brings in components the
	// catalog does not certify yet: the gate fails and waits for requests.
	_, err = svc.Gate(ctx, "5G Core", "2.0", bulwark.SBOMUpload{Name: "5g-core-2.0.cdx.json", Reason: "pipeline build 4711",
		Content: bom("5g-core", "2.0", []string{fastify.purl, zod.purl, xcrypto.purl, serde.purl}, []dep{fastify, zod, xcrypto, serde})})
	return err
}
