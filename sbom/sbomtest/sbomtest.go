// Package sbomtest generates SBOMs for tests and benchmarks: documents of
// any size whose shape (ecosystems, purls, licences, hashes, a dependency
// tree a few levels deep with shared dependencies) resembles what build
// tools write.
package sbomtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	packageurl "github.com/package-url/packageurl-go"
)

// maxDepth bounds the dependency tree below the subject.
const maxDepth = 8

// CycloneDXJSON returns a CycloneDX 1.5 JSON SBOM of an application with n
// components. The same n and seed give the same bytes. About one
// component in twenty is a direct dependency of the subject; the others
// hang below an earlier component, down to depth 8, and about a third of
// them are needed by a second component too. Edges only point from earlier
// to later components, so the graph has no cycles.
func CycloneDXJSON(n int, seed int64) []byte {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5b0b))
	subject := cdx.Component{
		BOMRef:     "pkg:generic/acme/storefront@2.4.0",
		Type:       cdx.ComponentTypeApplication,
		Name:       "storefront",
		Group:      "acme",
		Version:    "2.4.0",
		PackageURL: "pkg:generic/acme/storefront@2.4.0",
		Supplier:   &cdx.OrganizationalEntity{Name: "ACME Corporation"},
	}
	components := make([]cdx.Component, n)
	depth := make([]int, n)
	deps := make([][]string, n)
	var direct []string
	seen := map[string]bool{}
	nDirect := max(1, n/20)
	for i := range n {
		c := component(r, i)
		for seen[c.BOMRef] { // names repeat across ecosystems now and then
			c = component(r, i)
		}
		seen[c.BOMRef] = true
		components[i] = c
		if i < nDirect {
			depth[i] = 1
			direct = append(direct, c.BOMRef)
			continue
		}
		// A parent among the earlier components, recent ones more likely,
		// as a resolver walks the tree.
		p := parent(r, i, depth)
		depth[i] = depth[p] + 1
		deps[p] = append(deps[p], c.BOMRef)
		if r.IntN(3) == 0 {
			if q := parent(r, i, depth); q != p {
				deps[q] = append(deps[q], c.BOMRef)
			}
		}
	}

	dependencies := []cdx.Dependency{{Ref: subject.BOMRef, Dependencies: &direct}}
	for i, c := range components {
		dep := cdx.Dependency{Ref: c.BOMRef}
		if len(deps[i]) > 0 {
			on := deps[i]
			dep.Dependencies = &on
		}
		dependencies = append(dependencies, dep)
	}
	tools := []cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "sbomtest", Version: "1.0.0"}}
	sum := sha256.Sum256(fmt.Appendf(nil, "sbomtest %d %d", n, seed))
	sum[6] = sum[6]&0x0f | 0x40 // a version 4 UUID, as tools write
	sum[8] = sum[8]&0x3f | 0x80
	bom := cdx.BOM{
		JSONSchema:   "http://cyclonedx.org/schema/bom-1.5.schema.json",
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_5,
		SerialNumber: fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]),
		Version:      1,
		Metadata: &cdx.Metadata{
			Timestamp: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(seed%1e6) * time.Minute).Format(time.RFC3339),
			Tools:     &cdx.ToolsChoice{Components: &tools},
			Component: &subject,
		},
		Components:   &components,
		Dependencies: &dependencies,
	}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.Encode(&bom); err != nil {
		panic("sbomtest: " + err.Error()) // our own data; cannot happen
	}
	return buf.Bytes()
}

// parent picks an earlier component above maxDepth, favouring recent ones.
func parent(r *rand.Rand, i int, depth []int) int {
	for {
		var p int
		if r.IntN(2) == 0 {
			p = i - 1 - r.IntN(min(i, 50))
		} else {
			p = r.IntN(i)
		}
		if depth[p] < maxDepth {
			return p
		}
	}
}

var (
	words = []string{
		"core", "util", "http", "json", "log", "stream", "async", "crypto", "parse", "config", "cache", "event",
		"buffer", "path", "glob", "color", "yaml", "xml", "date", "time", "uuid", "retry", "pool", "queue",
		"token", "auth", "proto", "codec", "text", "string", "array", "object", "merge", "deep", "fast", "tiny",
		"micro", "node", "web", "socket", "client", "server", "schema", "valid", "format", "debug", "trace", "metric",
	}
	licences = []struct {
		weight int
		expr   string
	}{
		{35, "MIT"}, {22, "Apache-2.0"}, {9, "BSD-3-Clause"}, {7, "ISC"}, {4, "BSD-2-Clause"},
		{6, "MIT OR Apache-2.0"}, {3, "MPL-2.0"}, {3, "LGPL-2.1-only"}, {2, "EPL-2.0"},
		{2, "name:The Apache Software License, Version 2.0"}, {1, "name:Custom proprietary licence"}, {6, ""},
	}
	suppliers = []string{"The Apache Software Foundation", "Google LLC", "Microsoft Corporation", "Red Hat, Inc.", "Eclipse Foundation"}
)

func word(r *rand.Rand) string { return words[r.IntN(len(words))] }

func title(w string) string { return strings.ToUpper(w[:1]) + w[1:] }

// component makes the i-th component in one of the ecosystems, weighted
// roughly as an enterprise application's dependencies are.
func component(r *rand.Rand, i int) cdx.Component {
	var p packageurl.PackageURL
	var group string
	major, minor, patch := r.IntN(5), r.IntN(20), r.IntN(30)
	version := fmt.Sprintf("%d.%d.%d", major, minor, patch)
	switch k := r.IntN(100); {
	case k < 35:
		name := word(r) + "-" + word(r)
		ns := ""
		if r.IntN(4) == 0 {
			ns = "@" + word(r)
		}
		p = *packageurl.NewPackageURL(packageurl.TypeNPM, ns, name, version, nil, "")
		group = ns
	case k < 55:
		group = "org." + word(r) + "." + word(r)
		p = *packageurl.NewPackageURL(packageurl.TypeMaven, group, word(r)+"-"+word(r), version, nil, "")
	case k < 70:
		p = *packageurl.NewPackageURL(packageurl.TypePyPi, "", word(r)+"-"+word(r), version, nil, "")
	case k < 82:
		owner := word(r)
		p = *packageurl.NewPackageURL(packageurl.TypeGolang, "github.com/"+owner, word(r), "v"+version, nil, "")
	case k < 92:
		p = *packageurl.NewPackageURL(packageurl.TypeCargo, "", word(r)+"_"+word(r), version, nil, "")
	default:
		name := title(word(r)) + "." + title(word(r))
		p = *packageurl.NewPackageURL(packageurl.TypeNuget, "", name, version, nil, "")
	}
	ref := p.ToString()
	sum := sha256.Sum256([]byte(ref))
	hashes := []cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: hex.EncodeToString(sum[:])}}
	c := cdx.Component{
		BOMRef:     ref,
		Type:       cdx.ComponentTypeLibrary,
		Group:      group,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: ref,
		Hashes:     &hashes,
		Licenses:   licence(r),
		Scope:      cdx.ScopeRequired,
	}
	if r.IntN(5) == 0 {
		c.Supplier = &cdx.OrganizationalEntity{Name: suppliers[r.IntN(len(suppliers))]}
	}
	if r.IntN(3) == 0 {
		c.Description = fmt.Sprintf("A %s library for %s %s (%d)", word(r), word(r), word(r), i)
	}
	return c
}

func licence(r *rand.Rand) *cdx.Licenses {
	total := 0
	for _, l := range licences {
		total += l.weight
	}
	k := r.IntN(total)
	for _, l := range licences {
		if k -= l.weight; k >= 0 {
			continue
		}
		switch {
		case l.expr == "":
			return nil
		case strings.HasPrefix(l.expr, "name:"):
			return &cdx.Licenses{{License: &cdx.License{Name: strings.TrimPrefix(l.expr, "name:")}}}
		case strings.Contains(l.expr, " "):
			return &cdx.Licenses{{Expression: l.expr}}
		}
		return &cdx.Licenses{{License: &cdx.License{ID: l.expr}}}
	}
	return nil
}

// CycloneDXOf returns a CycloneDX 1.5 JSON SBOM whose components are the
// given package URLs, in order: the first twentieth are direct
// dependencies, each later one hangs below an earlier one.
func CycloneDXOf(purls []string) []byte {
	subject := cdx.Component{BOMRef: "pkg:generic/acme/portfolio@1.0.0", Type: cdx.ComponentTypeApplication, Name: "portfolio",
		Version: "1.0.0", PackageURL: "pkg:generic/acme/portfolio@1.0.0"}
	components := make([]cdx.Component, len(purls))
	deps := map[string][]string{}
	nDirect := max(1, len(purls)/20)
	for i, p := range purls {
		name, version := p, ""
		if j := strings.IndexAny(name, "?#"); j >= 0 {
			name = name[:j]
		}
		if j := strings.LastIndexByte(name, '@'); j > 0 {
			name, version = name[:j], name[j+1:]
		}
		name = name[strings.LastIndexByte(name, '/')+1:]
		ref := fmt.Sprintf("c%d", i)
		components[i] = cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: name, Version: version, PackageURL: p}
		from := subject.BOMRef
		if i >= nDirect {
			from = fmt.Sprintf("c%d", int(uint64(i)*2654435761%uint64(i)))
		}
		deps[from] = append(deps[from], ref)
	}
	var dependencies []cdx.Dependency
	for _, ref := range append([]string{subject.BOMRef}, refsOf(components)...) {
		on := deps[ref]
		dependencies = append(dependencies, cdx.Dependency{Ref: ref, Dependencies: &on})
	}
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_5
	bom.Metadata = &cdx.Metadata{Component: &subject}
	bom.Components = &components
	bom.Dependencies = &dependencies
	var buf bytes.Buffer
	if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).Encode(bom); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func refsOf(cs []cdx.Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.BOMRef
	}
	return out
}
