package sbom

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Small documents for tests and fuzz seeds.
const (
	cdxJSON = `{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "metadata": {
    "timestamp": "2024-05-01T10:00:00Z",
    "tools": {"components": [{"type": "application", "name": "syft", "version": "1.0.0"}]},
    "component": {"bom-ref": "app", "type": "application", "name": "shop", "version": "2.0"}
  },
  "components": [
    {"bom-ref": "a", "type": "library", "name": "a", "version": "1.0", "purl": "pkg:npm/a@1.0",
     "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "Custom Licence"}}],
     "hashes": [{"alg": "SHA-256", "content": "4c8be9307625ad6f817d9c33921b4a680eafb2a00eec61b5223ffd0483fc7d94"}],
     "supplier": {"name": "A Corp"}, "scope": "required",
     "components": [{"type": "library", "name": "a-inner", "purl": "pkg:npm/a-inner@1.0"}]},
    {"bom-ref": "b", "type": "library", "name": "b", "version": "2.0", "purl": "pkg:PyPI/B_Lib@2.0",
     "licenses": [{"expression": "MIT OR Apache-2.0"}], "publisher": "B People"},
    {"bom-ref": "c", "type": "library", "name": "c", "purl": "not a purl", "author": "C Person"}
  ],
  "dependencies": [
    {"ref": "app", "dependsOn": ["a", "b"]},
    {"ref": "a", "dependsOn": ["c", "c"]},
    {"ref": "b", "dependsOn": ["c", "ghost"]}
  ]
}`
	cdxXML = `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">
  <metadata>
    <tools><tool><vendor>CycloneDX</vendor><name>cli</name><version>0.24</version></tool></tools>
    <component type="application" bom-ref="app"><name>shop</name><version>2.0</version></component>
  </metadata>
  <components>
    <component type="library" bom-ref="a">
      <name>a</name><version>1.0</version><purl>pkg:npm/a@1.0</purl>
      <hashes><hash alg="SHA-256">
        4c8be9307625ad6f817d9c33921b4a680eafb2a00eec61b5223ffd0483fc7d94
      </hash></hashes>
      <licenses><license><id>MIT</id></license></licenses>
    </component>
    <component type="library" bom-ref="b"><name>b</name><purl>pkg:npm/b@2.0</purl></component>
  </components>
  <dependencies>
    <dependency ref="app"><dependency ref="a"/></dependency>
    <dependency ref="a"><dependency ref="b"/></dependency>
  </dependencies>
</bom>
`
	spdxJSON = `{
  "spdxVersion": "SPDX-2.2",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "shop-sbom",
  "documentNamespace": "https://example.com/spdx/shop-2.0",
  "creationInfo": {"created": "2024-05-01T10:00:00Z", "creators": ["Tool: syft-0.57.0", "Organization: Example"]},
  "documentDescribes": ["SPDXRef-shop"],
  "packages": [
    {"SPDXID": "SPDXRef-shop", "name": "shop", "versionInfo": "2.0", "downloadLocation": "NOASSERTION"},
    {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1.0", "downloadLocation": "NOASSERTION",
     "supplier": "Organization: A Corp", "licenseDeclared": "NOASSERTION", "licenseConcluded": "MIT",
     "checksums": [{"algorithm": "SHA256", "checksumValue": "4c8be9307625ad6f817d9c33921b4a680eafb2a00eec61b5223ffd0483fc7d94"}],
     "externalRefs": [
       {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:a:a:1.0:*:*:*:*:*:*:*"},
       {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/a@1.0"}]},
    {"SPDXID": "SPDXRef-b", "name": "b", "downloadLocation": "NOASSERTION", "licenseDeclared": "Apache-2.0",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/b@2.0"}]}
  ],
  "files": [{"SPDXID": "SPDXRef-file", "fileName": "./x.c", "checksums": [{"algorithm": "SHA1", "checksumValue": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}]}],
  "relationships": [
    {"spdxElementId": "SPDXRef-shop", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-a"},
    {"spdxElementId": "SPDXRef-b", "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-a"},
    {"spdxElementId": "SPDXRef-a", "relationshipType": "GENERATED_FROM", "relatedSpdxElement": "SPDXRef-b"},
    {"spdxElementId": "SPDXRef-shop", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-file"},
    {"spdxElementId": "SPDXRef-a", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "DocumentRef-other:SPDXRef-x"}
  ]
}`
	spdxTagValue = `SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: shop-sbom
DocumentNamespace: https://example.com/spdx/shop-2.0
Creator: Tool: bulwark-test
Created: 2024-05-01T10:00:00Z
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-shop

PackageName: shop
SPDXID: SPDXRef-shop
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
Relationship: SPDXRef-shop DEPENDS_ON SPDXRef-a

PackageName: a
SPDXID: SPDXRef-a
PackageVersion: 1.0
PackageSupplier: Person: Ann
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageLicenseDeclared: MIT
ExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1.0
PackageDescription: <text>A library
over two lines</text>
`
)

func TestParseCycloneDXJSON(t *testing.T) {
	d, err := Parse([]byte(cdxJSON))
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, "cdxJSON", d)
	if d.Format != CycloneDX || d.Encoding != JSON || d.SpecVersion != "1.5" || d.Name != "shop" ||
		d.Serial != "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" || !d.Created.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) ||
		!slices.Equal(d.Tools, []string{"syft 1.0.0"}) {
		t.Errorf("header: %+v", d)
	}
	if d.Subject == nil || d.Subject.Ref != "app" || d.Subject.Parent != Root {
		t.Fatalf("subject %+v", d.Subject)
	}
	want := []Component{
		{Ref: "a", Type: "library", Name: "a", Version: "1.0", PURL: "pkg:npm/a@1.0", RawPURL: "pkg:npm/a@1.0",
			Hashes:  []bulwark.Hash{{Alg: "SHA-256", Value: "4c8be9307625ad6f817d9c33921b4a680eafb2a00eec61b5223ffd0483fc7d94"}},
			License: "MIT AND Custom Licence", Supplier: "A Corp", Scope: "required", Parent: Root},
		{Ref: "component-1", Type: "library", Name: "a-inner", PURL: "pkg:npm/a-inner@1.0", RawPURL: "pkg:npm/a-inner@1.0", Parent: 0},
		{Ref: "b", Type: "library", Name: "b", Version: "2.0", PURL: "pkg:pypi/b-lib@2.0", RawPURL: "pkg:PyPI/B_Lib@2.0",
			License: "MIT OR Apache-2.0", Supplier: "B People", Parent: Root},
		{Ref: "c", Type: "library", Name: "c", RawPURL: "not a purl", Supplier: "C Person", Parent: Root},
	}
	if len(d.Components) != len(want) {
		t.Fatalf("%d components, want %d", len(d.Components), len(want))
	}
	for i := range want {
		got := d.Components[i]
		if got.Ref != want[i].Ref || got.Name != want[i].Name || got.PURL != want[i].PURL || got.RawPURL != want[i].RawPURL ||
			got.License != want[i].License || got.Supplier != want[i].Supplier || got.Scope != want[i].Scope ||
			got.Parent != want[i].Parent || !slices.Equal(got.Hashes, want[i].Hashes) {
			t.Errorf("component %d:\n got %+v\nwant %+v", i, got, want[i])
		}
	}
	// app → a, app → b, a → c (once), b → c; "ghost" is a problem.
	if wantEdges := []Edge{{Root, 0}, {Root, 2}, {0, 3}, {2, 3}}; !slices.Equal(d.Dependencies, wantEdges) {
		t.Errorf("edges %v, want %v", d.Dependencies, wantEdges)
	}
	problems := strings.Join(d.Problems, "\n")
	for _, want := range []string{`components[2]: "not a purl" is not a valid package URL`, `dependencies[2]: "ghost" names no component`} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems %q lack %q", problems, want)
		}
	}
}

func TestParseCycloneDXXML(t *testing.T) {
	d, err := Parse([]byte(cdxXML))
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, "cdxXML", d)
	if d.SpecVersion != "1.4" || d.Encoding != XML || !slices.Equal(d.Tools, []string{"cli 0.24"}) || d.Subject == nil {
		t.Errorf("header: %+v", d)
	}
	a := d.Components[0]
	if a.License != "MIT" || len(a.Hashes) != 1 || a.Hashes[0].Value != "4c8be9307625ad6f817d9c33921b4a680eafb2a00eec61b5223ffd0483fc7d94" {
		t.Errorf("component a: %+v", a)
	}
	if want := []Edge{{Root, 0}, {0, 1}}; !slices.Equal(d.Dependencies, want) {
		t.Errorf("edges %v, want %v", d.Dependencies, want)
	}
}

func TestParseSPDXJSON(t *testing.T) {
	d, err := Parse([]byte(spdxJSON))
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, "spdxJSON", d)
	// tools-golang reads 2.2 into its 2.3 model; we report what the file says.
	if d.Format != SPDX || d.SpecVersion != "2.2" || d.Name != "shop-sbom" || d.Serial != "https://example.com/spdx/shop-2.0" ||
		!slices.Equal(d.Tools, []string{"syft-0.57.0"}) || d.Created.IsZero() {
		t.Errorf("header: %+v", d)
	}
	if d.Subject == nil || d.Subject.Ref != "SPDXRef-shop" {
		t.Fatalf("subject %+v", d.Subject)
	}
	if len(d.Components) != 2 {
		t.Fatalf("components %+v", d.Components)
	}
	a, b := d.Components[0], d.Components[1]
	if a.Ref != "SPDXRef-a" || a.PURL != "pkg:npm/a@1.0" || a.CPE != "cpe:2.3:a:a:a:1.0:*:*:*:*:*:*:*" || a.Supplier != "A Corp" ||
		a.License != "MIT" || !slices.Equal(a.Hashes, []bulwark.Hash{{Alg: "SHA-256", Value: "4c8be9307625ad6f817d9c33921b4a680eafb2a00eec61b5223ffd0483fc7d94"}}) {
		t.Errorf("package a: %+v", a)
	}
	if b.License != "Apache-2.0" || b.PURL != "pkg:npm/b@2.0" {
		t.Errorf("package b: %+v", b)
	}
	// shop DEPENDS_ON a; b DEPENDENCY_OF a is a → b; GENERATED_FROM, the
	// file and the other document are no edges.
	if want := []Edge{{Root, 0}, {0, 1}}; !slices.Equal(d.Dependencies, want) {
		t.Errorf("edges %v, want %v", d.Dependencies, want)
	}
	if len(d.Problems) != 0 {
		t.Errorf("problems %q", d.Problems)
	}
}

func TestParseSPDXTagValue(t *testing.T) {
	d, err := Parse([]byte(spdxTagValue))
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, "spdxTagValue", d)
	if d.Encoding != TagValue || d.SpecVersion != "2.3" || d.Subject == nil || d.Subject.Name != "shop" || len(d.Components) != 1 {
		t.Fatalf("%+v", d)
	}
	a := d.Components[0]
	if a.PURL != "pkg:npm/a@1.0" || a.Supplier != "Ann" || a.License != "MIT" || a.Description != "A library\nover two lines" {
		t.Errorf("package a: %+v", a)
	}
	if want := []Edge{{Root, 0}}; !slices.Equal(d.Dependencies, want) {
		t.Errorf("edges %v, want %v", d.Dependencies, want)
	}
}

func TestSPDXSeveralDescribed(t *testing.T) {
	doc := strings.Replace(spdxJSON, `"documentDescribes": ["SPDXRef-shop"]`, `"documentDescribes": ["SPDXRef-file", "SPDXRef-shop", "SPDXRef-b"]`, 1)
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, "several", d)
	if d.Subject == nil || d.Subject.Ref != "SPDXRef-shop" {
		t.Fatalf("subject %+v", d.Subject)
	}
	if !slices.Contains(d.Dependencies, Edge{Root, 1}) {
		t.Errorf("the second described package is no direct dependency: %v", d.Dependencies)
	}
	if len(d.Problems) != 1 || !strings.Contains(d.Problems[0], "describes 2 packages") {
		t.Errorf("problems %q", d.Problems)
	}
}

// cyclic is a document whose graph has the cycle a → b → c → a and a
// self-dependency d → d.
const cyclic = `{"bomFormat": "CycloneDX", "specVersion": "1.6",
  "metadata": {"component": {"bom-ref": "root", "type": "application", "name": "r"}},
  "components": [
    {"bom-ref": "a", "type": "library", "name": "a"}, {"bom-ref": "b", "type": "library", "name": "b"},
    {"bom-ref": "c", "type": "library", "name": "c"}, {"bom-ref": "d", "type": "library", "name": "d"}],
  "dependencies": [
    {"ref": "root", "dependsOn": ["a", "d"]},
    {"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["c"]}, {"ref": "c", "dependsOn": ["a"]},
    {"ref": "d", "dependsOn": ["d"]}]}`

// TestCycles: a cycle is refused by default, with the cycle named; with
// AllowCycles (real SBOMs have them: juice-shop, proton-bridge) it is a
// problem and the edge that closes it is dropped so that Dependencies stays
// acyclic. A self-dependency is always only a problem.
func TestCycles(t *testing.T) {
	_, err := Parse([]byte(cyclic))
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != bulwark.EINVALID || pe.Path != "dependencies" || !strings.Contains(pe.Msg, "cyclic dependency: a → b → c → a") {
		t.Fatalf("cycle refused with %v", err)
	}
	selfOnly := strings.Replace(cyclic, `{"ref": "c", "dependsOn": ["a"]}`, `{"ref": "c", "dependsOn": []}`, 1)
	if _, err := Parse([]byte(selfOnly)); err != nil {
		t.Fatalf("a self-dependency alone is refused: %v", err)
	}
	d, err := ParseOptions([]byte(cyclic), Options{AllowCycles: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, "cyclic", d)
	problems := strings.Join(d.Problems, "\n")
	for _, want := range []string{"cyclic dependency: a → b → c → a; the edge c → a is ignored", "d depends on itself"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems %q lack %q", problems, want)
		}
	}
	if want := []Edge{{Root, 0}, {Root, 3}, {0, 1}, {1, 2}}; !slices.Equal(d.Dependencies, want) {
		t.Errorf("edges %v, want %v", d.Dependencies, want)
	}
}

func TestParseBadInput(t *testing.T) {
	cases := []struct {
		name       string
		data       string
		code       string
		line, col  int
		msg        []string
		format     Format
		encoding   Encoding
		anyPostion bool // a position, wherever it is
	}{
		{name: "truncated JSON", data: cdxJSON[:700], line: 14, col: 15, msg: []string{"cut short"}, format: CycloneDX, encoding: JSON},
		{name: "JSON syntax", data: strings.Replace(cdxJSON, `"name": "b",`, `"name": "b" x`, 1), line: 16, col: 53, msg: []string{"invalid character 'x'"}},
		{name: "JSON type", data: strings.Replace(cdxJSON, `"version": "2.0", "purl"`, `"version": 2.0, "purl"`, 1), line: 16, col: 65,
			msg: []string{"components[1].version: a number where a string is expected"}},
		{name: "SPDX type in a package", data: strings.Replace(spdxJSON, `"versionInfo": "1.0"`, `"versionInfo": 1`, 1), line: 11, col: 57,
			msg: []string{"packages[1].versionInfo: a number where a string is expected"}},
		{name: "SPDX id without prefix", data: strings.Replace(spdxJSON, `"SPDXID": "SPDXRef-b"`, `"SPDXID": "b"`, 1), line: 17, col: 16,
			msg: []string{`packages[2].SPDXID: "b" is not an SPDX element id`}},
		{name: "truncated XML", data: cdxXML[:400], anyPostion: true, msg: []string{"cut short"}, format: CycloneDX, encoding: XML},
		{name: "XML syntax", data: strings.Replace(cdxXML, "<name>b</name>", "<name>b</nam>", 1), line: 15, col: 56, msg: []string{"element <name> closed by </nam>"}},
		{name: "XML encoding", data: strings.Replace(cdxXML, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1), line: 1, col: 31, msg: []string{`declares encoding "ISO-8859-1"`}},
		{name: "XML after bom", data: cdxXML + "<bom/>", line: 22, col: 7, msg: []string{"content after the end of the bom element"}},
		{name: "XML in ASCII", data: strings.Replace(cdxXML, `encoding="UTF-8"`, `encoding="US-ASCII"`, 1) + "<!--", line: 22, msg: []string{"cut short"}},
		{name: "non-UTF-8", data: strings.Replace(cdxJSON, `"name": "shop"`, "\"name\": \"sh\xe9p\"", 1), line: 8, col: 71, msg: []string{"invalid UTF-8 (byte 0xE9)"}},
		{name: "deep JSON", data: `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": ` + strings.Repeat(`[{"name": "x", "components": `, 500) + "[]" + strings.Repeat("}]", 500) + "}",
			line: 1, col: 64 + 29*63 + 1, msg: []string{"nested more than 128 deep"}},
		{name: "deep XML", data: `<bom xmlns="http://cyclonedx.org/schema/bom/1.5">` + "\n<components>" + strings.Repeat(`<component type="library"><name>x</name><components>`, 1000),
			line: 2, msg: []string{"elements are nested more than 128 deep"}, anyPostion: true},
		{name: "duplicate bom-ref", data: strings.Replace(cdxJSON, `{"bom-ref": "c",`, `{"bom-ref": "a",`, 1),
			msg: []string{`bom-ref "a" is used twice: components[0] and components[2]`}},
		{name: "duplicate nested bom-ref", data: strings.Replace(cdxJSON, `[{"type": "library", "name": "a-inner"`, `[{"bom-ref": "b", "type": "library", "name": "a-inner"`, 1),
			msg: []string{`bom-ref "b" is used twice: components[0].components[0] and components[1]`}},
		{name: "duplicate SPDXID", data: strings.Replace(spdxJSON, `"SPDXID": "SPDXRef-b"`, `"SPDXID": "SPDXRef-shop"`, 1),
			msg: []string{`SPDXID "SPDXRef-shop" is used twice: packages[0] and packages[2]`}},
		{name: "SPDXID of a file", data: strings.Replace(spdxJSON, `"SPDXID": "SPDXRef-file"`, `"SPDXID": "SPDXRef-a"`, 1),
			msg: []string{`SPDXID "SPDXRef-a" is used twice: files[0] and packages[1]`}},
		{name: "tag-value error", data: strings.Replace(spdxTagValue, "PackageSupplier: Person: Ann", "PackageSupplier: Ann", 1), line: 19,
			msg: []string{"PackageSupplier"}},
		{name: "tag-value without colon", data: spdxTagValue + "oops\n", line: 26, msg: []string{`no colon in "oops"`}},
		{name: "CSAF", data: `{"document": {"category": "csaf_vex", "csaf_version": "2.0"}, "product_tree": {}, "vulnerabilities": []}`,
			msg: []string{"not an SBOM", "CSAF"}, encoding: JSON},
		{name: "OSV", data: `{"schema_version": "1.6.0", "id": "GHSA-xxxx", "affected": []}`, msg: []string{"without bomFormat \"CycloneDX\" or spdxVersion", "OSV"}},
		{name: "other bomFormat", data: `{"bomFormat": "SWID", "specVersion": "1.5"}`, msg: []string{`bomFormat is "SWID"`}},
		{name: "PDF", data: "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", msg: []string{"a PDF document, not an SBOM"}},
		{name: "empty", data: "", msg: []string{"empty"}},
		{name: "white space", data: " \n\t\n", msg: []string{"empty"}},
		{name: "plain text", data: "hello, world\nthis is not an SBOM\n", msg: []string{"plain text"}},
		{name: "JSON array", data: `[{"bomFormat": "CycloneDX"}]`, msg: []string{"JSON array"}},
		{name: "HTML", data: "<html><body>502 Bad Gateway</body></html>", msg: []string{"HTML page"}},
		{name: "CycloneDX 1.7 JSON", data: strings.Replace(cdxJSON, `"1.5"`, `"1.7"`, 1), code: bulwark.EUNSUPPORTED,
			msg: []string{`unsupported spec version "1.7": Bulwark reads CycloneDX 1.0 to 1.6`}, format: CycloneDX},
		{name: "CycloneDX 1.7 XML", data: strings.Replace(cdxXML, "bom/1.4", "bom/1.7", 1), code: bulwark.EUNSUPPORTED,
			msg: []string{`unsupported spec version "1.7"`}, format: CycloneDX, encoding: XML},
		{name: "CycloneDX without specVersion", data: `{"bomFormat": "CycloneDX", "components": []}`, msg: []string{"specVersion is missing"}},
		{name: "bom in another namespace", data: `<bom xmlns="http://example.com/bom"/>`, msg: []string{"not a CycloneDX namespace"}},
		{name: "SPDX 2.0", data: strings.Replace(spdxTagValue, "SPDX-2.3", "SPDX-2.0", 1), code: bulwark.EUNSUPPORTED, msg: []string{`unsupported spec version "2.0"`}},
		{name: "SPDX 3 JSON-LD", data: `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}`, msg: []string{"SPDX 3"}},
		{name: "SPDX RDF", data: `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:spdx="http://spdx.org/rdf/terms#"><spdx:SpdxDocument/></rdf:RDF>`,
			code: bulwark.EUNSUPPORTED, msg: []string{"SPDX RDF/XML is not supported; convert to SPDX JSON or tag-value"}},
		{name: "SPDX YAML", data: "spdxVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n", code: bulwark.EUNSUPPORTED, msg: []string{"SPDX YAML is not supported"}},
		{name: "byte-order mark and syntax error", data: "\xef\xbb\xbf{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"components\": [}", line: 1, col: 65,
			msg: []string{"invalid character '}'"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Parse([]byte(c.data))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %+v, %v; want an *Error", d, err)
			}
			t.Log(err)
			code := c.code
			if code == "" {
				code = bulwark.EINVALID
			}
			if bulwark.ErrorCode(err) != code {
				t.Errorf("code %q, want %q (%v)", bulwark.ErrorCode(err), code, err)
			}
			for _, m := range c.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("%q does not say %q", err, m)
				}
			}
			if c.line > 0 && (e.Line != c.line || c.col > 0 && e.Column != c.col) {
				t.Errorf("position %d:%d, want %d:%d (%v)", e.Line, e.Column, c.line, c.col, err)
			}
			if c.anyPostion && e.Line == 0 {
				t.Errorf("no position in %v", err)
			}
			if c.format != "" && e.Format != c.format || c.encoding != "" && e.Encoding != c.encoding {
				t.Errorf("format %q %q, want %q %q", e.Format, e.Encoding, c.format, c.encoding)
			}
		})
	}
}

// TestRead checks the size limit without allocating a large document:
// Read stops after limit+1 bytes.
func TestRead(t *testing.T) {
	doc := []byte(cdxJSON)
	d, raw, err := Read(bytes.NewReader(doc), int64(len(doc)))
	if err != nil || d == nil || !bytes.Equal(raw, doc) {
		t.Fatalf("Read at the limit = %v, %d bytes, %v", d, len(raw), err)
	}

	src := &countingReader{r: bytes.NewReader(bytes.Repeat(doc, 1000))}
	_, raw, err = Read(src, 4096)
	if bulwark.ErrorCode(err) != bulwark.ETOOLARGE || !strings.Contains(err.Error(), "larger than the 4 KiB limit") || raw != nil {
		t.Errorf("Read over the limit = %d bytes, %v", len(raw), err)
	}
	if src.n > 4096+1 {
		t.Errorf("Read consumed %d bytes for a limit of 4096", src.n)
	}

	_, _, err = Read(bytes.NewReader(doc), 1000)
	if !strings.Contains(fmtErr(err), "larger than the 1000-byte limit") {
		t.Errorf("Read over an odd limit: %v", err)
	}
	_, raw, err = Read(bytes.NewReader([]byte(cdxJSON[:50])), 0)
	var e *Error
	if !errors.As(err, &e) || len(raw) != 50 {
		t.Errorf("Read of a bad document = %d bytes, %v; want the bytes and an *Error", len(raw), err)
	}
	_, _, err = Read(failingReader{}, 0)
	if err == nil || errors.As(err, &e) || !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Read of a failing reader: %v", err)
	}
}

func TestErrorCode(t *testing.T) {
	_, err := Parse([]byte(strings.Replace(cdxJSON, `"1.5"`, `"1.7"`, 1)))
	if bulwark.HTTPStatus(err) != 415 || bulwark.ErrorCode(err) != bulwark.EUNSUPPORTED {
		t.Errorf("status %d for %v", bulwark.HTTPStatus(err), err)
	}
	if msg := bulwark.ErrorMessage(err); !strings.Contains(msg, "cyclonedx json: unsupported spec version") {
		t.Errorf("message %q", msg)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }
