package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// fixComponent is one component of a test SBOM; deps name other refs.
type fixComponent struct {
	ref, purl, license string
	deps               []string
}

// cyclonedx writes a small CycloneDX 1.5 JSON document whose subject
// depends on direct, and each component on its deps.
func cyclonedx(direct []string, comps []fixComponent) []byte {
	type dep struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	}
	var cs []map[string]any
	deps := []dep{{Ref: "app", DependsOn: direct}}
	for _, c := range comps {
		name, version, _ := strings.Cut(c.purl[strings.LastIndex(c.purl, "/")+1:], "@")
		m := map[string]any{"type": "library", "bom-ref": c.ref, "name": name, "version": version, "purl": c.purl}
		if c.license != "" {
			m["licenses"] = []any{map[string]any{"license": map[string]any{"id": c.license}}}
		}
		cs = append(cs, m)
		deps = append(deps, dep{Ref: c.ref, DependsOn: append([]string{}, c.deps...)})
	}
	b, err := json.MarshalIndent(map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"metadata":     map[string]any{"component": map[string]any{"type": "application", "bom-ref": "app", "name": "upf", "version": "1"}},
		"components":   cs,
		"dependencies": deps,
	}, "", " ")
	if err != nil {
		panic(err)
	}
	return b
}

// sbomV1 is eight npm and Maven packages, four levels deep.
func sbomV1() []byte {
	return cyclonedx([]string{"express", "lodash", "log4j"}, []fixComponent{
		{"express", "pkg:npm/express@4.18.2", "MIT", []string{"body-parser", "cookie"}},
		{"lodash", "pkg:npm/lodash@4.17.21", "MIT", nil},
		{"log4j", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "Apache-2.0", nil},
		{"body-parser", "pkg:npm/body-parser@1.20.1", "MIT", []string{"bytes", "qs"}},
		{"cookie", "pkg:npm/cookie@0.5.0", "MIT", nil},
		{"bytes", "pkg:npm/bytes@3.1.2", "MIT", nil},
		{"qs", "pkg:npm/qs@6.11.0", "BSD-3-Clause", []string{"side-channel"}},
		{"side-channel", "pkg:npm/side-channel@1.0.4", "MIT", nil},
	})
}

// sbomV2 upgrades lodash and log4j, drops cookie, adds debug and changes
// the licence of qs.
func sbomV2() []byte {
	return cyclonedx([]string{"express", "lodash", "log4j"}, []fixComponent{
		{"express", "pkg:npm/express@4.18.2", "MIT", []string{"body-parser", "debug"}},
		{"lodash", "pkg:npm/lodash@4.17.22", "MIT", nil},
		{"log4j", "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1", "Apache-2.0", nil},
		{"body-parser", "pkg:npm/body-parser@1.20.1", "MIT", []string{"bytes", "qs"}},
		{"debug", "pkg:npm/debug@4.3.4", "MIT", nil},
		{"bytes", "pkg:npm/bytes@3.1.2", "MIT", nil},
		{"qs", "pkg:npm/qs@6.11.0", "MIT", []string{"side-channel"}},
		{"side-channel", "pkg:npm/side-channel@1.0.4", "MIT", nil},
	})
}

var (
	productPath = regexp.MustCompile(`^/products/(\d+)\?done=product-created$`)
	releasePath = regexp.MustCompile(`^/releases/(\d+)\?done=release-created$`)
)

func pathID(t *testing.T, what string, re *regexp.Regexp, location string) int64 {
	t.Helper()
	m := re.FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("%s: Location %q", what, location)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

// createProduct creates a product through the form and returns its id.
func createProduct(t *testing.T, b *browser, scope *bulwark.Scope, name string) int64 {
	t.Helper()
	r := b.post("/products", url.Values{"scope_id": {itoa(scope.ID)}, "name": {name}, "description": {"user plane function"}})
	wantStatus(t, "create product "+name, r, http.StatusSeeOther)
	return pathID(t, "create product", productPath, r.location())
}

// createRelease creates a release through the product page's form.
func createRelease(t *testing.T, b *browser, product int64, version, predecessor string) int64 {
	t.Helper()
	r := b.post(fmt.Sprintf("/products/%d/releases", product), url.Values{"version": {version}, "predecessor": {predecessor}})
	wantStatus(t, "create release "+version, r, http.StatusSeeOther)
	return pathID(t, "create release", releasePath, r.location())
}

func (e *env) release(id int64) *bulwark.Release {
	e.t.Helper()
	r, err := e.db.FindRelease(e.sys, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func TestProductsAndReleasesThroughForms(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("developer")

	r := b.get("/products")
	wantStatus(t, "products", r, http.StatusOK)
	wantText(t, "no products", r, "No products yet", "New product")
	if !strings.Contains(r.body, `href="/products" aria-current="page"`) || !strings.Contains(r.body, `href="/where-used"`) {
		t.Error("the navigation does not offer Products and Where used")
	}

	before := e.ledgerSize()
	r = b.do(http.MethodPost, "/products", url.Values{"scope_id": {itoa(e.org.Core5G.ID)}, "name": {"UPF"}})
	wantStatus(t, "create product without CSRF token", r, http.StatusForbidden)
	r = b.post("/products", url.Values{"scope_id": {itoa(e.org.Core5G.ID)}, "name": {""}, "description": {"kept"}})
	wantStatus(t, "product without name", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="np-name-err"`) || !strings.Contains(r.body, ">kept</textarea>") {
		t.Error("product without name: error not next to the name, or description not kept")
	}
	r = b.post("/products", url.Values{"scope_id": {itoa(e.org.HomeRouter.ID)}, "name": {"Router"}})
	wantStatus(t, "product in a scope not managed", r, http.StatusForbidden)
	if e.ledgerSize() != before {
		t.Error("refused product forms wrote the ledger")
	}

	prod := createProduct(t, b, e.org.Core5G, "5G Core UPF")
	r = b.get(fmt.Sprintf("/products/%d?done=product-created", prod))
	wantText(t, "new product", r, "Product created", "5G Core UPF", "user plane function", "No release yet", "New release")
	r = b.post("/products", url.Values{"scope_id": {itoa(e.org.Core5G.ID)}, "name": {"5g core upf"}})
	wantStatus(t, "duplicate product", r, http.StatusConflict)
	if !strings.Contains(r.body, `id="np-name-err"`) {
		t.Error("duplicate product: error not next to the name")
	}

	rel1 := createRelease(t, b, prod, "1.0", "")
	r = b.post(fmt.Sprintf("/products/%d/releases", prod), url.Values{"version": {"1.0"}})
	wantStatus(t, "duplicate release", r, http.StatusConflict)
	if !strings.Contains(r.body, `id="nr-version-err"`) {
		t.Error("duplicate release: error not next to the version")
	}
	r = b.get(fmt.Sprintf("/releases/%d?done=release-created", rel1))
	wantStatus(t, "new release", r, http.StatusOK)
	wantText(t, "new release", r, "Release created", "5G Core UPF 1.0", "development", "No SBOM yet", "Upload the SBOM", "5G Core", "has not run")
	if !strings.Contains(r.body, `enctype="multipart/form-data" data-upload`) || strings.Contains(r.body, "<script>") || strings.Contains(r.body, "style=") || onAttr.MatchString(r.body) {
		t.Error("release page: no upload form, or inline script or style")
	}

	// Releasing without an SBOM is refused, next to the state form.
	r = b.post(fmt.Sprintf("/releases/%d/state", rel1), url.Values{"to": {"released"}, "reason": {"too early"}})
	wantStatus(t, "release without SBOM", r, http.StatusPreconditionFailed)
	wantText(t, "release without SBOM", r, "upload one before releasing")

	// A file that is not an SBOM changes nothing and says why at the file.
	before = e.ledgerSize()
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel1), url.Values{"reason": {"first try"}}, "sbom", "notes.txt", []byte("these are my release notes, not a bill of materials\n"))
	wantStatus(t, "not an SBOM", r, http.StatusBadRequest)
	if !regexp.MustCompile(`id="sb-file-err"[^>]*>notes.txt: [^<]+`).MatchString(r.body) || !strings.Contains(r.body, `value="first try"`) {
		t.Errorf("not an SBOM: no message next to the file field, or reason not kept\n%s", r.text())
	}
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel1), nil, "sbom", "cut.json", sbomV1()[:200])
	wantStatus(t, "truncated SBOM", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="sb-file-err"`) {
		t.Error("truncated SBOM: no message next to the file field")
	}
	if e.release(rel1).SBOM != nil || e.ledgerSize() != before {
		t.Fatal("a refused upload stored an SBOM or wrote the ledger")
	}

	// The upload itself, then the page: summary, components, tree.
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel1), url.Values{"reason": {"build 17"}}, "sbom", "upf-1.0.cdx.json", sbomV1())
	wantStatus(t, "upload", r, http.StatusSeeOther)
	if want := fmt.Sprintf("/releases/%d?done=sbom-stored#sbom", rel1); r.location() != want {
		t.Fatalf("upload: Location %q, want %q", r.location(), want)
	}
	r = b.get(strings.TrimSuffix(r.location(), "#sbom"))
	wantText(t, "after upload", r, "SBOM stored: 8 components", "CycloneDX 1.5", "upf-1.0.cdx.json", "user:developer",
		"express", "pkg:npm/express@4.18.2", "side-channel", "transitive, depth 4", "Dependency tree", "CycloneDX 1.6 JSON", "SPDX 2.3 JSON")
	sb := e.release(rel1).SBOM
	if sb == nil || !strings.Contains(r.body, `href="/evidence/`+sb.Digest+`"`) {
		t.Error("the SBOM digest does not link to the evidence download")
	}
	tree := r.body[strings.Index(r.body, `class="dep-tree-wrap"`):]
	for _, order := range [][2]string{{">express<", ">body-parser<"}, {">body-parser<", ">qs<"}, {">qs<", ">side-channel<"}, {">express<", ">lodash<"}} {
		if i, j := strings.Index(tree, order[0]), strings.Index(tree, order[1]); i < 0 || j < i {
			t.Errorf("dependency tree: %s does not come before %s", order[0], order[1])
		}
	}
	if n := strings.Count(tree, "<details"); n != 3 {
		t.Errorf("dependency tree has %d expandable nodes, want 3 (express, body-parser, qs)", n)
	}

	// Filters and pagination of the component table.
	r = b.get(fmt.Sprintf("/releases/%d?direct=1", rel1))
	table := func(r *response) string {
		i, j := strings.Index(r.body, `aria-label="Components"`), strings.Index(r.body, `id="tree"`)
		if i < 0 || j < i {
			return ""
		}
		return r.body[i:j]
	}
	if tb := table(r); !strings.Contains(tb, ">lodash<") || strings.Contains(tb, ">qs<") {
		t.Error("direct only: wrong components listed")
	}
	if tb := table(b.get(fmt.Sprintf("/releases/%d?q=side", rel1))); !strings.Contains(tb, ">side-channel<") || strings.Contains(tb, ">express<") {
		t.Error("text filter: wrong components listed")
	}
	if tb := table(b.get(fmt.Sprintf("/releases/%d?state=unknown", rel1))); strings.Count(tb, "state-unknown") != 8 {
		t.Error("state unknown: not every component listed as unknown to the catalog")
	}
	r = b.get(fmt.Sprintf("/releases/%d?state=shiny", rel1))
	wantStatus(t, "unknown state filter", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="cf-state-err"`) {
		t.Error("unknown state filter: error not next to the field")
	}
	r = b.get(fmt.Sprintf("/releases/%d?limit=3", rel1))
	next := regexp.MustCompile(`href="([^"]+)" rel="next">Next`).FindStringSubmatch(r.body)
	if next == nil {
		t.Fatal("components?limit=3: no Next link")
	}
	r2 := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	wantStatus(t, "second page of components", r2, http.StatusOK)
	if strings.Contains(table(r2), ">express<") || !strings.Contains(r2.body, "First page") {
		t.Error("the second page of components repeats the first")
	}

	// Export in both formats.
	for format, want := range map[string]string{"cyclonedx": `"bomFormat"`, "spdx": `"spdxVersion"`} {
		r = b.get(fmt.Sprintf("/releases/%d/sbom?format=%s", rel1, format))
		wantStatus(t, "export "+format, r, http.StatusOK)
		if !strings.Contains(r.body, want) || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") || !strings.Contains(r.body, "side-channel") {
			t.Errorf("export %s: %s, %.200s", format, r.header.Get("Content-Disposition"), r.body)
		}
	}
	wantStatus(t, "export in an unknown format", b.get(fmt.Sprintf("/releases/%d/sbom?format=pdf", rel1)), http.StatusBadRequest)

	// Releasing freezes the SBOM: the upload form goes, an upload is refused.
	r = b.post(fmt.Sprintf("/releases/%d/state", rel1), url.Values{"to": {"released"}, "reason": {"shipped"}})
	wantStatus(t, "release", r, http.StatusSeeOther)
	r = b.get(r.location())
	wantText(t, "released", r, "Released. The SBOM and the composition are now frozen", "Under configuration control", "Move to maintained", "End support")
	if strings.Contains(r.body, `data-upload`) {
		t.Error("a released release still offers the upload form")
	}
	before = e.ledgerSize()
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel1), nil, "sbom", "late.json", sbomV2())
	wantStatus(t, "upload to a released release", r, http.StatusConflict)
	if !regexp.MustCompile(`id="sb-file-err"[^>]*>[^<]*configuration control`).MatchString(r.body) {
		t.Errorf("frozen release: the refusal is not next to the file field\n%s", r.text())
	}
	if e.release(rel1).SBOM.Digest != sb.Digest || e.ledgerSize() != before {
		t.Error("an upload to a released release changed it")
	}

	// The next release: upload, replace, diff.
	rel2 := createRelease(t, b, prod, "2.0", "1.0")
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel2), nil, "sbom", "upf-2.0.cdx.json", sbomV1())
	wantStatus(t, "upload 2.0", r, http.StatusSeeOther)
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel2), url.Values{"reason": {"upgrades"}}, "sbom", "upf-2.0.cdx.json", sbomV2())
	wantStatus(t, "replace 2.0", r, http.StatusSeeOther)
	if !strings.Contains(r.location(), "done=sbom-replaced") || !strings.Contains(r.location(), "upgraded=2") {
		t.Fatalf("replace: Location %q", r.location())
	}
	wantText(t, "after replacing", b.get(strings.TrimSuffix(r.location(), "#sbom")),
		"SBOM replaced: 1 added, 1 removed, 2 upgraded, 0 downgraded, 1 licence change", "now has 8 components")
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel2), nil, "sbom", "upf-2.0.cdx.json", sbomV2())
	if !strings.HasSuffix(r.location(), "done=sbom-unchanged#sbom") {
		t.Errorf("the same SBOM again: Location %q", r.location())
	}

	r = b.get(fmt.Sprintf("/releases/%d", rel2))
	wantText(t, "release 2.0", r, "Follows 5G Core UPF 1.0", "Compare with")
	wantText(t, "release 1.0", b.get(fmt.Sprintf("/releases/%d", rel1)), "Followed by 2.0")
	r = b.get(fmt.Sprintf("/releases/%d/diff", rel2))
	wantStatus(t, "diff", r, http.StatusOK)
	wantText(t, "diff", r, "From 5G Core UPF 1.0 to 5G Core UPF 2.0", "1 added", "1 removed", "2 upgraded", "1 licence changed",
		"lodash", "4.17.21 → 4.17.22", "BSD-3-Clause → MIT", "cookie", "debug")
	if !strings.Contains(r.body, "change-upgraded") || !strings.Contains(r.body, "change-removed") {
		t.Error("diff: no kind badges")
	}
	wantText(t, "diff with itself", b.get(fmt.Sprintf("/releases/%d/diff?from=%d", rel2, rel2)), "No differences")
	r = b.get(fmt.Sprintf("/releases/%d/diff?from=nonsense", rel2))
	wantStatus(t, "diff from nonsense", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="df-from-err"`) {
		t.Error("diff from nonsense: error not next to the field")
	}
	wantStatus(t, "diff from an unknown release", b.get(fmt.Sprintf("/releases/%d/diff?from=999999", rel2)), http.StatusNotFound)

	// Where used: both releases hold express 4.18.2.
	r = b.get("/where-used?purl=" + url.QueryEscape("pkg:npm/express@4.18.2"))
	wantStatus(t, "where used", r, http.StatusOK)
	wantText(t, "where used", r, "is in 2 releases", "5G Core UPF 1.0", "5G Core UPF 2.0", "released", "development", "direct")
	r = b.get("/where-used?purl=" + url.QueryEscape("pkg:npm/side-channel"))
	wantText(t, "where used, path", r, "5G Core UPF 1.0 express@4.18.2 body-parser@1.20.1 qs@6.11.0 side-channel@1.0.4", "transitive")
	r = b.get("/where-used?" + url.Values{"purl": {"pkg:maven/org.apache.logging.log4j/log4j-core"}, "versions": {">=2.0 <2.15.0"}}.Encode())
	wantText(t, "where used, range", r, "is in 1 release", "2.14.1")
	if strings.Contains(r.text(), "5G Core UPF 2.0") {
		t.Error("the range matched log4j 2.17.1")
	}
	for what, q := range map[string]url.Values{
		"not a purl":        {"purl": {"log4j"}},
		"version and range": {"purl": {"pkg:npm/express@4.18.2"}, "versions": {">=4"}},
		"bad range":         {"purl": {"pkg:npm/express"}, "versions": {"about 4"}},
	} {
		r = b.get("/where-used?" + q.Encode())
		wantStatus(t, "where used, "+what, r, http.StatusBadRequest)
		if !strings.Contains(r.body, `id="wu-purl-err"`) && !strings.Contains(r.body, `id="wu-versions-err"`) {
			t.Errorf("where used, %s: error not next to a field\n%s", what, r.text())
		}
	}
	wantText(t, "where used, nothing", b.get("/where-used?purl="+url.QueryEscape("pkg:npm/left-pad")), "No release in your scopes ships")
	r = b.get("/where-used?limit=1&purl=" + url.QueryEscape("pkg:npm/express"))
	next = regexp.MustCompile(`href="([^"]+)" rel="next">Next`).FindStringSubmatch(r.body)
	if next == nil || !strings.Contains(r.text(), "is in 2 releases") {
		t.Fatal("where used, one a page: no Next link or wrong total")
	}
	r2 = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(r2.text(), "5G Core UPF 2.0") || strings.Contains(r2.text(), "5G Core UPF 1.0") || !strings.Contains(r2.body, "First page") {
		t.Errorf("where used, second page: %s", r2.text())
	}

	// The product list shows scope and latest releases.
	r = b.get("/products")
	wantText(t, "products", r, "5G Core UPF", "5G Core", "2.0", "1.0")
	wantText(t, "product page", b.get(fmt.Sprintf("/products/%d", prod)), "2.0", "follows 1.0", "first release", "8 components")
	wantText(t, "product search", b.get("/products?q=nothing"), "No product matches")
}

func TestReleaseComposition(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn("developer")
	sdk := createProduct(t, b, e.org.Core5G, "Platform SDK")
	sdk31 := createRelease(t, b, sdk, "3.1", "")
	wantStatus(t, "upload SDK", b.upload(fmt.Sprintf("/releases/%d/sbom", sdk31), nil, "sbom", "sdk.json", sbomV1()), http.StatusSeeOther)
	upf := createProduct(t, b, e.org.Core5G, "UPF")
	upf1 := createRelease(t, b, upf, "1.0", "")

	r := b.get(fmt.Sprintf("/releases/%d", upf1))
	if !strings.Contains(r.body, `<optgroup label="Platform SDK"><option value="`+itoa(sdk31)+`"`) {
		t.Fatal("the built-from picker does not offer Platform SDK 3.1")
	}
	r = b.post(fmt.Sprintf("/releases/%d/uses", upf1), url.Values{"uses_id": {itoa(upf1)}})
	wantStatus(t, "built from itself", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="use-id-err"`) {
		t.Error("built from itself: error not next to the picker")
	}
	r = b.post(fmt.Sprintf("/releases/%d/uses", upf1), url.Values{"uses_id": {itoa(sdk31)}, "reason": {"ships the SDK"}})
	wantStatus(t, "add built-from", r, http.StatusSeeOther)
	wantText(t, "composition", b.get(r.location()), "Composition recorded", "Built from Platform SDK 3.1")
	wantText(t, "used by", b.get(fmt.Sprintf("/releases/%d", sdk31)), "Used by UPF 1.0")

	// Where used follows the composition: the path starts with the release hop.
	r = b.get("/where-used?purl=" + url.QueryEscape("pkg:npm/lodash@4.17.21"))
	wantText(t, "where used through composition", r, "is in 2 releases", "UPF 1.0 Platform SDK 3.1 lodash@4.17.21")

	r = b.post(fmt.Sprintf("/releases/%d/uses/%d/remove", upf1, sdk31), url.Values{"reason": {"not any more"}})
	wantStatus(t, "remove built-from", r, http.StatusSeeOther)
	wantText(t, "after removing", b.get(r.location()), "Not built from releases of other products")
}

func TestReleasePagesOutsideScope(t *testing.T) {
	e := newEnv(t)
	dev := e.signedIn("developer")
	prod := createProduct(t, dev, e.org.Core5G, "UPF")
	rel := createRelease(t, dev, prod, "1.0", "")
	wantStatus(t, "upload", dev.upload(fmt.Sprintf("/releases/%d/sbom", rel), nil, "sbom", "s.json", sbomV1()), http.StatusSeeOther)
	g, err := e.db.Gate(e.as("developer"), "UPF", "1.0", bulwark.SBOMUpload{Name: "s.json", Content: sbomV1()})
	if err != nil {
		t.Fatal(err)
	}

	e.addUser("router-dev", bulwark.RoleDeveloper, e.org.HomeRouter)
	other := e.signedIn("router-dev")
	for _, path := range []string{
		fmt.Sprintf("/products/%d", prod), fmt.Sprintf("/releases/%d", rel), fmt.Sprintf("/releases/%d/diff?from=%d", rel, rel),
		fmt.Sprintf("/releases/%d/sbom?format=spdx", rel), fmt.Sprintf("/gate-runs/%d", g.ID),
	} {
		wantStatus(t, "another scope: "+path, other.get(path), http.StatusNotFound)
	}
	before := e.ledgerSize()
	wantStatus(t, "another scope uploads", other.upload(fmt.Sprintf("/releases/%d/sbom", rel), nil, "sbom", "s.json", sbomV2()), http.StatusNotFound)
	wantStatus(t, "another scope releases", other.post(fmt.Sprintf("/releases/%d/state", rel), url.Values{"to": {"released"}}), http.StatusNotFound)
	wantStatus(t, "another scope adds a release", other.post(fmt.Sprintf("/products/%d/releases", prod), url.Values{"version": {"9"}}), http.StatusNotFound)
	if strings.Contains(other.get("/products").text(), "UPF") {
		t.Error("the product list shows a product of another scope")
	}
	if strings.Contains(other.get("/where-used?purl="+url.QueryEscape("pkg:npm/express")).text(), "UPF 1.0") {
		t.Error("where used shows a release of another scope")
	}
	// A missing CSRF token is refused before anything is read.
	r := dev.do(http.MethodPost, fmt.Sprintf("/releases/%d/state", rel), url.Values{"to": {"released"}, "reason": {"x"}})
	wantStatus(t, "state change without CSRF token", r, http.StatusForbidden)
	wantText(t, "state change without CSRF token", r, "Nothing was changed")
	if e.ledgerSize() != before || e.release(rel).State != bulwark.ReleaseDevelopment {
		t.Error("refused requests changed the release")
	}

	// An auditor reads everything but is offered no form; a forged post
	// says why above the page.
	aud := e.signedIn("auditor")
	r = aud.get(fmt.Sprintf("/releases/%d", rel))
	wantStatus(t, "auditor", r, http.StatusOK)
	for _, form := range []string{`/state"`, `/uses"`, `data-upload`} {
		if strings.Contains(r.body, form) {
			t.Errorf("the auditor is offered %s", form)
		}
	}
	r = aud.post(fmt.Sprintf("/releases/%d/state", rel), url.Values{"to": {"released"}})
	wantStatus(t, "auditor releases", r, http.StatusForbidden)
	wantText(t, "auditor releases", r, "may not product.manage")
	r = aud.upload(fmt.Sprintf("/releases/%d/sbom", rel), nil, "sbom", "s.json", sbomV2())
	wantStatus(t, "auditor uploads", r, http.StatusForbidden)
}

func TestGateRunPage(t *testing.T) {
	e := newEnv(t)
	dev := e.signedIn("developer")
	prod := createProduct(t, dev, e.org.Core5G, "UPF")
	g, err := e.db.Gate(e.as("developer"), "UPF", "1.0", bulwark.SBOMUpload{Name: "upf.cdx.json", Content: sbomV1()})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Failed() {
		t.Fatalf("gate on uncertified components: %s", g.Outcome)
	}
	rel := g.Release.ID
	wantText(t, "release lists the run", dev.get(fmt.Sprintf("/releases/%d", rel)), fmt.Sprintf("Gate run %d", g.ID), "fail")
	wantText(t, "product lists the release", dev.get(fmt.Sprintf("/products/%d", prod)), "1.0", "development")

	page := fmt.Sprintf("/gate-runs/%d", g.ID)
	r := dev.get(page)
	wantStatus(t, "gate run", r, http.StatusOK)
	wantText(t, "gate run", r, "Failed: this SBOM may not ship", "upf.cdx.json", "CycloneDX 1.5", "8 checks failed",
		"Request introduction of the 8 uncertified components", "pkg:npm/lodash@4.17.21", "uncertified")
	wantStatus(t, "no such gate run", dev.get("/gate-runs/999999"), http.StatusNotFound)

	r = dev.post(page+"/requests", url.Values{"justification": {""}})
	wantStatus(t, "request without justification", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `id="rq-justification-err"`) {
		t.Error("request without justification: error not next to the field")
	}
	r = dev.post(page+"/requests", url.Values{"justification": {"the UPF needs them"}})
	wantStatus(t, "request", r, http.StatusSeeOther)
	r = dev.get(r.location())
	wantText(t, "after the request", r, "Introduction requests recorded", "Requested for introduction from this run", "pkg:npm/qs@6.11.0")
	if strings.Contains(r.body, `action="`+page+`/requests"`) {
		t.Error("the request form is still offered once everything is requested")
	}
	queue, _, err := e.db.EvaluationQueue(e.sys, bulwark.Page{Limit: 50})
	if err != nil || len(queue) != 8 {
		t.Errorf("evaluation queue after the request: %d versions, %v", len(queue), err)
	}

	// The auditor reads the run but may not request.
	r = e.signedIn("auditor").get(page)
	wantStatus(t, "auditor on the gate run", r, http.StatusOK)
	if strings.Contains(r.body, "/requests\"") {
		t.Error("the auditor is offered the request form")
	}
}

func TestSBOMUploadLimit(t *testing.T) {
	e := newEnvWith(t, Options{MaxSBOMBytes: 1 << 10})
	b := e.signedIn("developer")
	rel := createRelease(t, b, createProduct(t, b, e.org.Core5G, "UPF"), "1.0", "")
	r := b.get(fmt.Sprintf("/releases/%d", rel))
	if !strings.Contains(r.body, `data-max="1024"`) {
		t.Error("the upload form does not tell the script the limit")
	}
	r = b.upload(fmt.Sprintf("/releases/%d/sbom", rel), nil, "sbom", "big.json", sbomV1())
	wantStatus(t, "SBOM over the limit", r, http.StatusRequestEntityTooLarge)
	if !regexp.MustCompile(`id="sb-file-err"[^>]*>big.json: SBOMs are at most 1 KiB`).MatchString(r.body) {
		t.Errorf("SBOM over the limit: no message next to the file field\n%s", r.text())
	}
	if e.release(rel).SBOM != nil {
		t.Error("an SBOM over the limit was stored")
	}
}

func TestDependencyTree(t *testing.T) {
	// 30 direct dependencies, each pulling in 100 packages: 3,030 in all.
	var graph []*bulwark.ReleaseComponent
	id := int64(0)
	for d := range 30 {
		id++
		parent := id
		graph = append(graph, &bulwark.ReleaseComponent{PackageID: parent, Name: fmt.Sprintf("direct-%02d", 29-d), Depth: 1})
		for k := range 100 {
			id++
			graph = append(graph, &bulwark.ReleaseComponent{PackageID: id, Name: fmt.Sprintf("dep-%03d", 99-k), Depth: 2, Parent: parent})
		}
	}
	roots, shown := dependencyTree(graph, maxTreeNodes)
	if shown != maxTreeNodes || len(roots) != 30 {
		t.Fatalf("drew %d nodes with %d at the top, want %d and all 30", shown, len(roots), maxTreeNodes)
	}
	if roots[0].Name != "direct-00" || roots[0].Children[0].Name != "dep-000" || roots[0].Open {
		t.Errorf("not sorted by name, or a large tree starts open: %s, %s, %v", roots[0].Name, roots[0].Children[0].Name, roots[0].Open)
	}
	small, n := dependencyTree(graph[:101], maxTreeNodes)
	if n != 101 || len(small) != 1 || len(small[0].Children) != 100 || !small[0].Open {
		t.Errorf("small tree: %d nodes, %d roots", n, len(small))
	}
}
