package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-sec/bulwark/sbom/sbomtest"
)

// schemas compiles the CycloneDX 1.6 and SPDX 2.3 JSON schemas from
// ../shared/data/schemas, once. The CycloneDX schema refers to
// spdx.schema.json and jsf-0.82.schema.json by relative URL; they are
// added under their $id so that nothing is fetched.
var schemas = sync.OnceValues(func() ([2]*jsonschema.Schema, error) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "data", "schemas"))
	if err != nil {
		return [2]*jsonschema.Schema{}, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files := []string{"cyclonedx/bom-1.6.schema.json", "cyclonedx/spdx.schema.json", "cyclonedx/jsf-0.82.schema.json", "spdx/spdx-2.3-schema.json"}
	ids := make([]string, len(files))
	for i, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return [2]*jsonschema.Schema{}, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return [2]*jsonschema.Schema{}, err
		}
		ids[i], _ = doc.(map[string]any)["$id"].(string)
		if ids[i] == "" {
			ids[i] = "file:///schemas/" + f
		}
		if err := c.AddResource(ids[i], doc); err != nil {
			return [2]*jsonschema.Schema{}, err
		}
	}
	cdxSchema, err := c.Compile(ids[0])
	if err != nil {
		return [2]*jsonschema.Schema{}, err
	}
	spdxSchema, err := c.Compile(ids[3])
	return [2]*jsonschema.Schema{cdxSchema, spdxSchema}, err
})

func validate(t *testing.T, name string, s *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := s.Validate(inst); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "…"
		}
		t.Errorf("%s: the written document does not follow the schema:\n%s", name, msg)
	}
}

// roundTripFiles are real SBOMs of every shape: both formats and all
// encodings, nested components, cycles, no subject, several spec versions.
var roundTripFiles = []string{
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.4.json",
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.1.xml",
	"cyclonedx/bom-examples/SBOM/dropwizard-1.3.15/bom.xml",
	"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4.json",
	"cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json",
	"cyclonedx/bom-examples/CBOM/Example-With-Dependencies/bom.json",
	"cyclonedx/dependency-track/bom-issue4455.json",
	"cyclonedx/dependency-track/dtrack-apiserver-4.5.0.bom.json",
	"cyclonedx/guac/quarkus-deps-cyclonedx.json",
	"cyclonedx/redhat/rpm/release/openssl-3.0.7-18.el9_2.cdx.json",
	"spdx/redhat/rpm/release/openssl-3.0.7-18.el9_2.spdx.json",
	"spdx/redhat/container_image/release/kernel-module-management-operator-container-1.1.2-25_amd64.spdx.json",
	"spdx/guac/oci-kubectl-linux-amd64-spdx-1.json",
	"spdx/guac/alpine-spdx.json",
	"spdx/spdx-examples/software/example8/spdx2.3/examplemaven-0.0.1.spdx.json",
	"spdx/spdx-examples/software/example9/spdx2.2/appbomination.spdx.json",
	"spdx/spdx-examples/software/example1/spdx2.2/example1.spdx",
	"spdx/spdx-spec/v2.3/SPDXJSONExample-v2.3.spdx.json",
}

// TestWriteRoundTrip writes real and generated SBOMs as CycloneDX 1.6 and
// SPDX 2.3, checks both against their JSON schemas, and reads them back:
// the same components, edges and licences.
func TestWriteRoundTrip(t *testing.T) {
	s, err := schemas()
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("no schemas in ../shared/data: %v", err)
		}
		t.Fatal(err)
	}
	inputs := map[string][]byte{"generated-1500": sbomtest.CycloneDXJSON(1500, 7)}
	names := []string{"generated-1500"}
	for _, f := range roundTripFiles {
		inputs[f] = readShared(t, f)
		names = append(names, f)
	}
	for _, name := range names {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			t.Parallel()
			roundTrip(t, s, name, inputs[name])
		})
	}
}

// roundTrip writes one document both ways, validates and reads it back.
func roundTrip(t *testing.T, s [2]*jsonschema.Schema, name string, input []byte) {
	d, err := ParseOptions(input, Options{AllowCycles: true})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}

	var cdxOut bytes.Buffer
	if err := WriteCycloneDX(&cdxOut, d); err != nil {
		t.Fatalf("%s: WriteCycloneDX: %v", name, err)
	}
	validate(t, name+" as CycloneDX", s[0], cdxOut.Bytes())
	back, err := ParseOptions(cdxOut.Bytes(), Options{AllowCycles: true})
	if err != nil {
		t.Fatalf("%s: reading the written CycloneDX: %v", name, err)
	}
	checkDocument(t, name+" as CycloneDX", back)
	compareDocuments(t, name+" as CycloneDX", d, back, true)

	var spdxOut bytes.Buffer
	if err := WriteSPDX(&spdxOut, d, "https://bulwark.example/spdx/"+strings.ReplaceAll(name, "/", "-")); err != nil {
		t.Fatalf("%s: WriteSPDX: %v", name, err)
	}
	validate(t, name+" as SPDX", s[1], spdxOut.Bytes())
	back, err = Parse(spdxOut.Bytes())
	if err != nil {
		t.Fatalf("%s: reading the written SPDX: %v", name, err)
	}
	checkDocument(t, name+" as SPDX", back)
	if d.Subject != nil { // else the SPDX document describes the top-level components
		compareDocuments(t, name+" as SPDX", d, back, false)
	}
}

// compareDocuments checks what a written document must keep. Refs survive
// only in CycloneDX (SPDX ids are rewritten); licences that are no SPDX
// expression survive only in CycloneDX (as names).
func compareDocuments(t *testing.T, name string, d, back *Document, cdx bool) {
	t.Helper()
	if p, q := purls(d), purls(back); !slices.Equal(p, q) {
		t.Errorf("%s: components differ:\n%s", name, diffLines(p, q))
	}
	if e, f := edgeKeys(d), edgeKeys(back); !slices.Equal(e, f) {
		t.Errorf("%s: edges differ:\n%s", name, diffLines(e, f))
	}
	if len(d.Components) != len(back.Components) {
		return
	}
	for i, c := range d.Components {
		b := back.Components[i]
		wantLicence := c.License
		if _, ok := validExpression(c.License); !ok && !cdx || noLicense(c.License) {
			wantLicence = ""
		}
		wantParent := c.Parent
		if !cdx {
			wantParent = Root
		}
		if cdxKey(&c) != cdxKey(&b) || b.Name != c.Name || b.Version != c.Version || b.Supplier != c.Supplier ||
			b.License != wantLicence || b.Parent != wantParent || cdx && b.Ref != c.Ref {
			t.Errorf("%s: component %d:\nwas  %+v\nnow  %+v", name, i, c, b)
			return
		}
		if len(b.Hashes) > len(c.Hashes) {
			t.Errorf("%s: component %d gained hashes: %v → %v", name, i, c.Hashes, b.Hashes)
		}
	}
}

func cdxKey(c *Component) string { return cmpKey(c) }

func diffLines(a, b []string) string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, "- "+s)
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			out = append(out, "+ "+s)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], "…")
	}
	return strings.Join(out, "\n")
}

func TestWriteCycloneDXFields(t *testing.T) {
	d, err := Parse([]byte(cdxJSON))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteCycloneDX(&out, d); err != nil {
		t.Fatal(err)
	}
	var bom struct {
		SpecVersion  string `json:"specVersion"`
		SerialNumber string `json:"serialNumber"`
		Metadata     struct {
			Component struct {
				Ref string `json:"bom-ref"`
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			Ref        string            `json:"bom-ref"`
			Licenses   []json.RawMessage `json:"licenses"`
			Components []struct {
				Ref string `json:"bom-ref"`
			} `json:"components"`
		} `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(out.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != "1.6" || bom.SerialNumber != d.Serial || bom.Metadata.Component.Ref != "app" {
		t.Errorf("header: %s", out.Bytes()[:300])
	}
	if len(bom.Components) != 3 || len(bom.Components[0].Components) != 1 || bom.Components[0].Components[0].Ref != "component-1" {
		t.Fatalf("nesting: %+v", bom.Components)
	}
	licences := func(i int) string {
		var s []string
		for _, l := range bom.Components[i].Licenses {
			var b bytes.Buffer
			json.Compact(&b, l)
			s = append(s, b.String())
		}
		return strings.Join(s, ",")
	}
	if got, want := licences(0), `{"license":{"id":"MIT"}},{"license":{"name":"Custom Licence"}}`; got != want {
		t.Errorf("licences of a: %s, want %s", got, want)
	}
	if got, want := licences(1), `{"expression":"MIT OR Apache-2.0"}`; got != want {
		t.Errorf("licences of b: %s, want %s", got, want)
	}
	if len(bom.Dependencies) != 5 || bom.Dependencies[0].Ref != "app" || !slices.Equal(bom.Dependencies[0].DependsOn, []string{"a", "b"}) {
		t.Errorf("dependencies: %+v", bom.Dependencies)
	}

	// Without a urn:uuid serial, the serial comes from the content: the
	// same for the same document, another for another.
	d.Serial = "https://example.com/not-a-uuid"
	var a, b bytes.Buffer
	WriteCycloneDX(&a, d)
	WriteCycloneDX(&b, d)
	if !bytes.Equal(a.Bytes(), b.Bytes()) || !urnUUID.MatchString(serialNumber(d)) || serialNumber(d)[23] != '5' {
		t.Errorf("derived serial %q is not a stable version 5 UUID", serialNumber(d))
	}
	before := serialNumber(d)
	d.Components[0].Version = "1.0.1"
	if serialNumber(d) == before {
		t.Error("another document has the same derived serial")
	}
}

func TestWriteSPDXFields(t *testing.T) {
	d, err := Parse([]byte(cdxJSON))
	if err != nil {
		t.Fatal(err)
	}
	d.Components[2].Ref = "b/with spaces"
	d.Components[3].Ref = "SPDXRef-b-with-spaces" // clashes once cleaned up
	var out bytes.Buffer
	if err := WriteSPDX(&out, d, "https://bulwark.example/spdx/shop"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Packages []struct {
			ID               string `json:"SPDXID"`
			Supplier         string `json:"supplier"`
			LicenseDeclared  string `json:"licenseDeclared"`
			LicenseComments  string `json:"licenseComments"`
			DownloadLocation string `json:"downloadLocation"`
			FilesAnalyzed    *bool  `json:"filesAnalyzed"`
		} `json:"packages"`
		Relationships []struct {
			A    string `json:"spdxElementId"`
			Type string `json:"relationshipType"`
			B    string `json:"relatedSpdxElement"`
		} `json:"relationships"`
		CreationInfo struct {
			Creators []string `json:"creators"`
		} `json:"creationInfo"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range doc.Packages {
		ids = append(ids, p.ID)
		if p.DownloadLocation != "NOASSERTION" || p.FilesAnalyzed == nil || *p.FilesAnalyzed {
			t.Errorf("package %s: %+v", p.ID, p)
		}
	}
	if want := []string{"SPDXRef-app", "SPDXRef-a", "SPDXRef-component-1", "SPDXRef-b-with-spaces", "SPDXRef-b-with-spaces-2"}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	a := doc.Packages[1]
	if a.Supplier != "Organization: A Corp" || a.LicenseDeclared != "NOASSERTION" || !strings.Contains(a.LicenseComments, "MIT AND Custom Licence") {
		t.Errorf("package a: %+v", a)
	}
	if doc.Packages[3].LicenseDeclared != "MIT OR Apache-2.0" {
		t.Errorf("package b: %+v", doc.Packages[3])
	}
	if r := doc.Relationships[0]; r.A != "SPDXRef-DOCUMENT" || r.Type != "DESCRIBES" || r.B != "SPDXRef-app" {
		t.Errorf("first relationship %+v", r)
	}
	if !slices.Equal(doc.CreationInfo.Creators, []string{"Tool: bulwark", "Tool: syft 1.0.0"}) {
		t.Errorf("creators %v", doc.CreationInfo.Creators)
	}
	for _, ns := range []string{"", "relative/path", "https://example.com/x#frag"} {
		if err := WriteSPDX(&out, d, ns); err == nil {
			t.Errorf("WriteSPDX accepted the namespace %q", ns)
		}
	}
}
