package vex

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	openvex "github.com/openvex/go-vex/pkg/vex"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-sec/bulwark"
)

var testTime = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// testRelease has a finding in every state, an inherited analysis, a
// justification from each vocabulary, responses, a key whose findings agree
// (CVE-2024-0001) and one whose findings disagree (CVE-2024-0002), a
// component without purl, and each kind of rating.
func testRelease() Release {
	ref := bulwark.ReleaseRef{ID: 7, Product: "Payments API", Version: "2.4.0"}
	f := func(id int64, key, purl, name, version string, state bulwark.FindingState) *bulwark.VulnFinding {
		return &bulwark.VulnFinding{ID: id, Release: ref, Key: key, PURL: purl, Component: name, Version: version, State: state, Active: true}
	}
	findings := []*bulwark.VulnFinding{
		f(1, "CVE-2024-0001", "pkg:npm/lodash@4.17.20", "lodash", "4.17.20", bulwark.FindingAffected),
		f(2, "CVE-2024-0001", "pkg:npm/lodash@4.17.15", "lodash", "4.17.15", bulwark.FindingAffected),
		f(3, "CVE-2024-0002", "pkg:golang/golang.org/x/net@v0.1.0", "golang.org/x/net", "v0.1.0", bulwark.FindingNotAffected),
		f(4, "CVE-2024-0002", "", "vendored-zlib", "1.2.11", bulwark.FindingInTriage),
		f(5, "CVE-2024-0003", "pkg:maven/org.example/lib@1.0", "lib", "1.0", bulwark.FindingNotAffected),
		f(6, "CVE-2024-0004", "pkg:npm/minimist@0.0.8", "minimist", "0.0.8", bulwark.FindingAffected),
		f(7, "CVE-2024-0005", "pkg:npm/qs@6.0.0", "qs", "6.0.0", bulwark.FindingNotAffected),
		f(8, "GHSA-xxxx-yyyy-zzzz", "pkg:pypi/requests@2.19.0", "requests", "2.19.0", bulwark.FindingFixed),
		f(9, "PYSEC-2024-1", "pkg:pypi/jinja2@2.10", "jinja2", "2.10", bulwark.FindingFalsePositive),
	}
	for _, x := range findings[:2] {
		x.Response, x.Detail = "update", "upgrade to 4.17.21"
		x.Advisories = []string{"GHSA-aaaa-bbbb-cccc"}
	}
	findings[2].Justification, findings[2].Detail, findings[2].InheritedFrom = "vulnerable_code_not_in_execute_path", "no HTTP/2 server", 91
	findings[4].Justification, findings[4].Detail = "requires_configuration", "feature flag off"
	findings[6].Justification = "code_not_present"
	findings[7].Response, findings[7].Detail = "update", "patched downstream"
	findings[8].Justification, findings[8].Detail = "component_not_present", "matched the wrong package"
	findings[8].Rating = "low"
	return Release{
		Ref:       ref,
		PURL:      "pkg:generic/acme/payments-api@2.4.0",
		Author:    "ACME Product Security",
		Timestamp: testTime,
		Findings:  findings,
		Advisories: map[string]*bulwark.Advisory{
			"CVE-2024-0001": {ID: "GHSA-aaaa-bbbb-cccc", Key: "CVE-2024-0001", Aliases: []string{"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"},
				Summary: "Prototype pollution", Details: "Long text.", Score: 7.5, Rating: "high",
				Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", SeveritySource: "CVSS:3.1"},
			"CVE-2024-0002": {ID: "GO-2024-0002", Key: "CVE-2024-0002", Aliases: []string{"CVE-2024-0002"}, Score: 9.3, Rating: "critical",
				Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", SeveritySource: "CVSS:4.0"},
			"CVE-2024-0003": {ID: "CVE-2024-0003", Key: "CVE-2024-0003", Score: 7.5, Rating: "high",
				Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", SeveritySource: "CVSS:2.0"},
			"GHSA-xxxx-yyyy-zzzz": {ID: "GHSA-xxxx-yyyy-zzzz", Key: "GHSA-xxxx-yyyy-zzzz", Rating: "medium", Vector: "MODERATE", SeveritySource: "database"},
		},
	}
}

// cdxSchema compiles the CycloneDX 1.6 JSON schema from ../shared/data,
// once, as the sbom tests do: its references to spdx.schema.json and
// jsf-0.82.schema.json are added under their $id so nothing is fetched.
var cdxSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "data", "schemas", "cyclonedx"))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	files := []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"}
	ids := make([]string, len(files))
	for i, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		ids[i], _ = doc.(map[string]any)["$id"].(string)
		if ids[i] == "" {
			ids[i] = "file:///schemas/cyclonedx/" + f
		}
		if err := c.AddResource(ids[i], doc); err != nil {
			return nil, err
		}
	}
	return c.Compile(ids[0])
})

// validateCycloneDX checks out against the schema, or says why it cannot.
func validateCycloneDX(t *testing.T, out []byte) {
	t.Helper()
	s, err := cdxSchema()
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("no CycloneDX schema in ../shared/data (the repository's ../shared/data/schemas/cyclonedx): %v", err)
		}
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("the CycloneDX VEX does not follow the 1.6 schema:\n%v", err)
	}
}

func writeCycloneDX(t *testing.T, r Release) ([]byte, *cdx.BOM) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCycloneDX(&buf, r); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("reading the CycloneDX VEX back: %v", err)
	}
	return buf.Bytes(), &bom
}

func writeOpenVEX(t *testing.T, r Release) ([]byte, *openvex.VEX) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteOpenVEX(&buf, r); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	var doc openvex.VEX
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("reading the OpenVEX document back: %v", err)
	}
	return buf.Bytes(), &doc
}

var urnUUID = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCycloneDX(t *testing.T) {
	out, bom := writeCycloneDX(t, testRelease())
	validateCycloneDX(t, out)

	if bom.SpecVersion != cdx.SpecVersion1_6 || !urnUUID.MatchString(bom.SerialNumber) || bom.Version != 1 {
		t.Errorf("spec %v serial %q version %d", bom.SpecVersion, bom.SerialNumber, bom.Version)
	}
	m := bom.Metadata
	if m == nil || m.Timestamp != "2025-03-14T09:26:53Z" || m.Component == nil || m.Authors == nil {
		t.Fatalf("metadata: %+v", m)
	}
	if c := m.Component; c.BOMRef != "pkg:generic/acme/payments-api@2.4.0" || c.Name != "Payments API" || c.Version != "2.4.0" || c.Type != cdx.ComponentTypeApplication {
		t.Errorf("metadata component: %+v", c)
	}
	if a := *m.Authors; len(a) != 1 || a[0].Name != "ACME Product Security" {
		t.Errorf("authors: %+v", a)
	}

	components := map[string]cdx.Component{}
	for _, c := range *bom.Components {
		components[c.BOMRef] = c
	}
	if len(components) != 9 {
		t.Errorf("%d components, want one per component version (9)", len(components))
	}
	if c := components["vendored-zlib@1.2.11"]; c.Name != "vendored-zlib" || c.Version != "1.2.11" || c.PackageURL != "" {
		t.Errorf("component without purl: %+v", c)
	}

	type want struct {
		id            string
		state         cdx.ImpactAnalysisState
		justification cdx.ImpactAnalysisJustification
		responses     []cdx.ImpactAnalysisResponse
		detail        string // a part the detail must contain
		affects       []string
		status        cdx.VulnerabilityStatus
		inherited     []string
		method        cdx.ScoringMethod
		severity      cdx.Severity
	}
	wants := map[string]want{
		"CVE-2024-0001": {"CVE-2024-0001", cdx.IASExploitable, "", []cdx.ImpactAnalysisResponse{cdx.IARUpdate}, "upgrade to 4.17.21",
			[]string{"pkg:npm/lodash@4.17.15", "pkg:npm/lodash@4.17.20"}, cdx.VulnerabilityStatusAffected, nil, cdx.ScoringMethodCVSSv31, cdx.SeverityHigh},
		"CVE-2024-0002": {"CVE-2024-0002", cdx.IASNotAffected, cdx.IAJCodeNotReachable, nil, "justification recorded as vulnerable_code_not_in_execute_path",
			[]string{"pkg:golang/golang.org/x/net@v0.1.0"}, cdx.VulnerabilityStatusNotAffected, []string{"finding 91 (pkg:golang/golang.org/x/net@v0.1.0)"}, cdx.ScoringMethodCVSSv4, cdx.SeverityCritical},
		"CVE-2024-0002#2": {"CVE-2024-0002", cdx.IASInTriage, "", nil, "",
			[]string{"vendored-zlib@1.2.11"}, cdx.VulnerabilityStatusUnknown, nil, cdx.ScoringMethodCVSSv4, cdx.SeverityCritical},
		"CVE-2024-0003": {"CVE-2024-0003", cdx.IASNotAffected, cdx.IAJRequiresConfiguration, nil, "feature flag off",
			[]string{"pkg:maven/org.example/lib@1.0"}, cdx.VulnerabilityStatusNotAffected, nil, cdx.ScoringMethodCVSSv2, cdx.SeverityHigh},
		"CVE-2024-0004": {"CVE-2024-0004", cdx.IASExploitable, "", nil, "",
			[]string{"pkg:npm/minimist@0.0.8"}, cdx.VulnerabilityStatusAffected, nil, "", ""},
		"CVE-2024-0005": {"CVE-2024-0005", cdx.IASNotAffected, cdx.IAJCodeNotPresent, nil, "",
			[]string{"pkg:npm/qs@6.0.0"}, cdx.VulnerabilityStatusNotAffected, nil, "", ""},
		"GHSA-xxxx-yyyy-zzzz": {"GHSA-xxxx-yyyy-zzzz", cdx.IASResolved, "", []cdx.ImpactAnalysisResponse{cdx.IARUpdate}, "patched downstream",
			[]string{"pkg:pypi/requests@2.19.0"}, cdx.VulnerabilityStatusNotAffected, nil, "", cdx.SeverityMedium},
		"PYSEC-2024-1": {"PYSEC-2024-1", cdx.IASFalsePositive, cdx.IAJCodeNotPresent, nil, "justification recorded as component_not_present",
			[]string{"pkg:pypi/jinja2@2.10"}, cdx.VulnerabilityStatusNotAffected, nil, "", cdx.SeverityLow},
	}
	var order []string
	for _, v := range *bom.Vulnerabilities {
		order = append(order, v.BOMRef)
		w, ok := wants[v.BOMRef]
		if !ok {
			t.Errorf("unexpected vulnerability %q", v.BOMRef)
			continue
		}
		a := v.Analysis
		if v.ID != w.id || a == nil || a.State != w.state || a.Justification != w.justification || !strings.Contains(a.Detail, w.detail) {
			t.Errorf("%s: id %q analysis %+v, want %+v", v.BOMRef, v.ID, a, w)
			continue
		}
		var responses []cdx.ImpactAnalysisResponse
		if a.Response != nil {
			responses = *a.Response
		}
		if !slices.Equal(responses, w.responses) {
			t.Errorf("%s: responses %v, want %v", v.BOMRef, responses, w.responses)
		}
		var affects []string
		for _, af := range *v.Affects {
			affects = append(affects, af.Ref)
			if _, ok := components[af.Ref]; !ok {
				t.Errorf("%s: affects %q, which no component has as bom-ref", v.BOMRef, af.Ref)
			}
			if af.Range == nil || len(*af.Range) != 1 || (*af.Range)[0].Status != w.status || (*af.Range)[0].Version != components[af.Ref].Version {
				t.Errorf("%s: affects %q versions %+v, want status %s", v.BOMRef, af.Ref, af.Range, w.status)
			}
		}
		if !slices.Equal(affects, w.affects) {
			t.Errorf("%s: affects %v, want %v", v.BOMRef, affects, w.affects)
		}
		var inherited []string
		if v.Properties != nil {
			for _, p := range *v.Properties {
				if p.Name == "bulwark:analysis:inherited_from" {
					inherited = append(inherited, p.Value)
				}
			}
		}
		if !slices.Equal(inherited, w.inherited) {
			t.Errorf("%s: inherited %v, want %v", v.BOMRef, inherited, w.inherited)
		}
		var method cdx.ScoringMethod
		var severity cdx.Severity
		if v.Ratings != nil {
			if len(*v.Ratings) != 1 {
				t.Errorf("%s: %d ratings", v.BOMRef, len(*v.Ratings))
			}
			method, severity = (*v.Ratings)[0].Method, (*v.Ratings)[0].Severity
		}
		if method != w.method || severity != w.severity {
			t.Errorf("%s: rating method %q severity %q, want %q %q", v.BOMRef, method, severity, w.method, w.severity)
		}
	}
	wantOrder := []string{"CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0002#2", "CVE-2024-0003", "CVE-2024-0004", "CVE-2024-0005", "GHSA-xxxx-yyyy-zzzz", "PYSEC-2024-1"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("vulnerabilities %v, want %v", order, wantOrder)
	}

	// Aliases as references, each with a source; the rating's details.
	v := (*bom.Vulnerabilities)[0]
	if v.References == nil || len(*v.References) != 1 || (*v.References)[0].ID != "GHSA-aaaa-bbbb-cccc" || (*v.References)[0].Source.Name != "GitHub" {
		t.Errorf("CVE-2024-0001 references: %+v", v.References)
	}
	if v.Source == nil || v.Source.URL != "https://nvd.nist.gov/vuln/detail/CVE-2024-0001" || v.Description != "Prototype pollution" || v.Detail != "Long text." {
		t.Errorf("CVE-2024-0001: source %+v description %q detail %q", v.Source, v.Description, v.Detail)
	}
	if r := (*v.Ratings)[0]; r.Score == nil || *r.Score != 7.5 || r.Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N" {
		t.Errorf("CVE-2024-0001 rating: %+v", r)
	}
	ghsa := (*bom.Vulnerabilities)[6]
	if r := (*ghsa.Ratings)[0]; r.Score != nil || r.Vector != "" || r.Method != "" {
		t.Errorf("a database's severity word is no vector or score: %+v", r)
	}
}

func TestOpenVEX(t *testing.T) {
	out, doc := writeOpenVEX(t, testRelease())
	if doc.Context != "https://openvex.dev/ns/v0.2.0" || doc.Author != "ACME Product Security" || doc.Version != 1 ||
		doc.Timestamp == nil || !doc.Timestamp.Equal(testTime) {
		t.Errorf("metadata: %+v", doc.Metadata)
	}
	if want := "urn:bulwark:vex:Payments%20API@2.4.0:1741944413"; doc.ID != want {
		t.Errorf("@id %q, want %q", doc.ID, want)
	}
	if !bytes.Contains(out, []byte(`"timestamp": "2025-03-14T09:26:53Z"`)) {
		t.Errorf("document timestamp not in RFC 3339 UTC:\n%s", out)
	}

	type want struct {
		key, sub       string
		status         openvex.Status
		justification  openvex.Justification
		impact, action string
		notes          string // a part the status notes must contain
	}
	wants := []want{
		{"CVE-2024-0001", "pkg:npm/lodash@4.17.15", openvex.StatusAffected, "", "", "update: upgrade to 4.17.21", ""},
		{"CVE-2024-0001", "pkg:npm/lodash@4.17.20", openvex.StatusAffected, "", "", "update: upgrade to 4.17.21", ""},
		{"CVE-2024-0002", "pkg:golang/golang.org/x/net@v0.1.0", openvex.StatusNotAffected, openvex.VulnerableCodeNotInExecutePath, "", "",
			"analysis inherited from an earlier release (finding 91)"},
		{"CVE-2024-0002", "urn:bulwark:component:vendored-zlib@1.2.11", openvex.StatusUnderInvestigation, "", "", "", ""},
		{"CVE-2024-0003", "pkg:maven/org.example/lib@1.0", openvex.StatusNotAffected, openvex.VulnerableCodeCannotBeControlledByAdversary, "", "",
			"feature flag off; justification recorded as requires_configuration"},
		{"CVE-2024-0004", "pkg:npm/minimist@0.0.8", openvex.StatusAffected, "", "", "no remediation decided yet", ""},
		{"CVE-2024-0005", "pkg:npm/qs@6.0.0", openvex.StatusNotAffected, openvex.VulnerableCodeNotPresent, "", "", "justification recorded as code_not_present"},
		{"GHSA-xxxx-yyyy-zzzz", "pkg:pypi/requests@2.19.0", openvex.StatusFixed, "", "", "", "patched downstream; response recorded as update"},
		{"PYSEC-2024-1", "pkg:pypi/jinja2@2.10", openvex.StatusNotAffected, "", "false positive: matched the wrong package", "",
			"justification recorded as component_not_present"},
	}
	if len(doc.Statements) != len(wants) {
		t.Fatalf("%d statements, want one per finding (%d)", len(doc.Statements), len(wants))
	}
	for i, st := range doc.Statements {
		w := wants[i]
		if len(st.Products) != 1 || len(st.Products[0].Subcomponents) != 1 {
			t.Fatalf("statement %d: products %+v", i, st.Products)
		}
		p := st.Products[0]
		got := want{string(st.Vulnerability.Name), p.Subcomponents[0].ID, st.Status, st.Justification, st.ImpactStatement, st.ActionStatement, w.notes}
		if got != w || !strings.Contains(st.StatusNotes, w.notes) {
			t.Errorf("statement %d:\n got %+v (notes %q)\nwant %+v", i, got, st.StatusNotes, w)
		}
		if p.ID != "pkg:generic/acme/payments-api@2.4.0" {
			t.Errorf("statement %d: product %q, want the release's purl", i, p.ID)
		}

		// The spec's rules, checked here and by go-vex.
		switch st.Status {
		case openvex.StatusNotAffected:
			if (st.Justification == "") == (st.ImpactStatement == "") {
				t.Errorf("statement %d: not_affected needs one of justification (%q) and impact statement (%q)", i, st.Justification, st.ImpactStatement)
			}
			if st.Justification != "" && !st.Justification.Valid() {
				t.Errorf("statement %d: justification %q is not OpenVEX's", i, st.Justification)
			}
		case openvex.StatusAffected:
			if st.ActionStatement == "" {
				t.Errorf("statement %d: affected without action statement", i)
			}
		}
		if err := st.Validate(); err != nil {
			t.Errorf("statement %d: %v", i, err)
		}
		for _, id := range []string{p.ID, p.Subcomponents[0].ID} {
			if u, err := url.Parse(id); err != nil || u.Scheme == "" {
				t.Errorf("statement %d: %q is not an IRI", i, id)
			}
		}
	}

	aliases := doc.Statements[0].Vulnerability.Aliases
	if len(aliases) != 1 || aliases[0] != "GHSA-aaaa-bbbb-cccc" || doc.Statements[0].Vulnerability.Description != "Prototype pollution" {
		t.Errorf("CVE-2024-0001: %+v", doc.Statements[0].Vulnerability)
	}
}

// TestNoPURL: a release without purl is named by a urn in both formats.
func TestNoPURL(t *testing.T) {
	r := testRelease()
	r.PURL = ""
	out, bom := writeCycloneDX(t, r)
	validateCycloneDX(t, out)
	if got := bom.Metadata.Component.BOMRef; got != "urn:bulwark:release:Payments%20API@2.4.0" {
		t.Errorf("CycloneDX release bom-ref %q", got)
	}
	_, doc := writeOpenVEX(t, r)
	if got := doc.Statements[0].Products[0].ID; got != "urn:bulwark:release:Payments%20API@2.4.0" {
		t.Errorf("OpenVEX product %q", got)
	}
}

// TestEmpty: a release without findings gets documents that say so.
func TestEmpty(t *testing.T) {
	r := testRelease()
	r.Findings, r.Advisories = nil, nil

	out, bom := writeCycloneDX(t, r)
	validateCycloneDX(t, out)
	if bom.Vulnerabilities == nil || len(*bom.Vulnerabilities) != 0 || bom.Components != nil {
		t.Errorf("vulnerabilities %v components %v, want none", bom.Vulnerabilities, bom.Components)
	}

	out, doc := writeOpenVEX(t, r)
	if doc.Statements == nil || len(doc.Statements) != 0 || !bytes.Contains(out, []byte(`"statements": []`)) {
		t.Errorf("statements %v, want an empty list:\n%s", doc.Statements, out)
	}
}

// TestDeterministic: the same release writes the same bytes, whatever the
// order of its findings; another time writes other ids.
func TestDeterministic(t *testing.T) {
	for name, write := range map[string]func(*bytes.Buffer, Release) error{
		"CycloneDX": func(b *bytes.Buffer, r Release) error { return WriteCycloneDX(b, r) },
		"OpenVEX":   func(b *bytes.Buffer, r Release) error { return WriteOpenVEX(b, r) },
	} {
		t.Run(name, func(t *testing.T) {
			var a, b, c bytes.Buffer
			r := testRelease()
			if err := write(&a, r); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			rng.Shuffle(len(r.Findings), func(i, j int) { r.Findings[i], r.Findings[j] = r.Findings[j], r.Findings[i] })
			if err := write(&b, r); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("two writes differ:\n%s\n----\n%s", a.Bytes(), b.Bytes())
			}
			r.Timestamp = r.Timestamp.Add(time.Second)
			if err := write(&c, r); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Error("a document of another time has the same id")
			}
		})
	}
}

// TestRefused: what a document cannot be written for is an EINVALID error.
func TestRefused(t *testing.T) {
	for name, change := range map[string]func(*Release){
		"no author":     func(r *Release) { r.Author = " " },
		"no time":       func(r *Release) { r.Timestamp = time.Time{} },
		"no version":    func(r *Release) { r.Ref.Version = "" },
		"nil finding":   func(r *Release) { r.Findings[3] = nil },
		"unknown state": func(r *Release) { r.Findings[0].State = "maybe" },
		"no key":        func(r *Release) { r.Findings[0].Key = "" },
		"no component":  func(r *Release) { r.Findings[0].PURL, r.Findings[0].Component = "", "" },
		"other release": func(r *Release) { r.Findings[0].Release.ID = 8 },
	} {
		t.Run(name, func(t *testing.T) {
			r := testRelease()
			change(&r)
			var buf bytes.Buffer
			if err := WriteCycloneDX(&buf, r); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("WriteCycloneDX: %v, want %s", err, bulwark.EINVALID)
			}
			if err := WriteOpenVEX(&buf, r); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("WriteOpenVEX: %v, want %s", err, bulwark.EINVALID)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before refusing", buf.Len())
			}
		})
	}
}

// TestRating: the method comes from the vector's prefix (v2 vectors have
// none, so from the severity source); a severity word is no vector.
func TestRating(t *testing.T) {
	type rating struct {
		method   cdx.ScoringMethod
		vector   string
		score    float64 // -1: none written
		severity cdx.Severity
	}
	for _, c := range []struct {
		name string
		adv  *bulwark.Advisory
		f    bulwark.VulnFinding
		want *rating
	}{
		{"CVSS 4.0", &bulwark.Advisory{Score: 9.3, Rating: "critical", Vector: "CVSS:4.0/AV:N", SeveritySource: "CVSS:4.0"}, bulwark.VulnFinding{},
			&rating{cdx.ScoringMethodCVSSv4, "CVSS:4.0/AV:N", 9.3, cdx.SeverityCritical}},
		{"CVSS 3.0", &bulwark.Advisory{Score: 5, Rating: "medium", Vector: "CVSS:3.0/AV:L", SeveritySource: "CVSS:3.0"}, bulwark.VulnFinding{},
			&rating{cdx.ScoringMethodCVSSv3, "CVSS:3.0/AV:L", 5, cdx.SeverityMedium}},
		{"CVSS 2.0 without prefix", &bulwark.Advisory{Score: 4.3, Rating: "medium", Vector: "AV:N/AC:M/Au:N/C:N/I:P/A:N", SeveritySource: "CVSS:2.0"}, bulwark.VulnFinding{},
			&rating{cdx.ScoringMethodCVSSv2, "AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3, cdx.SeverityMedium}},
		{"CVSS 3.1 scoring 0", &bulwark.Advisory{Score: 0, Rating: "none", Vector: "CVSS:3.1/AV:P", SeveritySource: "CVSS:3.1"}, bulwark.VulnFinding{},
			&rating{cdx.ScoringMethodCVSSv31, "CVSS:3.1/AV:P", 0, cdx.SeverityNone}},
		{"database word", &bulwark.Advisory{Rating: "medium", Vector: "MODERATE", SeveritySource: "database"}, bulwark.VulnFinding{},
			&rating{"", "", -1, cdx.SeverityMedium}},
		{"erratum summary word", &bulwark.Advisory{Rating: "high", Vector: "Important", SeveritySource: "summary"}, bulwark.VulnFinding{},
			&rating{"", "", -1, cdx.SeverityHigh}},
		{"from the finding", nil, bulwark.VulnFinding{Score: 8.1, Rating: "high"}, &rating{"", "", 8.1, cdx.SeverityHigh}},
		{"unscored advisory, rated finding", &bulwark.Advisory{}, bulwark.VulnFinding{Rating: "low"}, &rating{"", "", -1, cdx.SeverityLow}},
		{"nothing known", &bulwark.Advisory{}, bulwark.VulnFinding{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, ok := cycloneDXRating(c.adv, []*bulwark.VulnFinding{&c.f})
			if !ok {
				if c.want != nil {
					t.Errorf("no rating, want %+v", *c.want)
				}
				return
			}
			got := rating{r.Method, r.Vector, -1, r.Severity}
			if r.Score != nil {
				got.score = *r.Score
			}
			if c.want == nil || got != *c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// FuzzWrite: whatever a finding holds, the writers either refuse it as
// EINVALID or write documents that follow the CycloneDX schema and the
// OpenVEX statement rules, the same bytes twice.
func FuzzWrite(f *testing.F) {
	f.Add("CVE-2024-0001", "pkg:npm/a@1", "a", "1", uint8(1), "code_not_reachable", "update", "detail", int64(3))
	f.Add("GHSA-1", "", "b c", "", uint8(4), "component_not_present", "", "", int64(0))
	f.Add("pkg:npm/a@1", "pkg:npm/a@1", "", "2", uint8(2), "nonsense", "nonsense", "x", int64(0))
	f.Fuzz(func(t *testing.T, key, purl, name, version string, state uint8, justification, response, detail string, inherited int64) {
		r := testRelease()
		extra := &bulwark.VulnFinding{
			ID: 100, Key: key, PURL: purl, Component: name, Version: version,
			State:         bulwark.FindingStates[int(state)%len(bulwark.FindingStates)],
			Justification: justification, Response: response, Detail: detail, InheritedFrom: inherited,
		}
		twin := *extra // the same component again, with another state
		twin.ID, twin.State = 101, bulwark.FindingStates[int(state+1)%len(bulwark.FindingStates)]
		r.Findings = append(r.Findings, extra, &twin)

		var a, b bytes.Buffer
		err := WriteCycloneDX(&a, r)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("WriteCycloneDX: %v", err)
			}
			return
		}
		if err := WriteCycloneDX(&b, r); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("second write differs (%v)", err)
		}
		validateCycloneDX(t, a.Bytes())

		_, doc := writeOpenVEX(t, r)
		for i, st := range doc.Statements {
			if err := st.Validate(); err != nil {
				t.Errorf("statement %d: %v", i, err)
			}
			if st.Status == openvex.StatusNotAffected && (st.Justification == "") == (st.ImpactStatement == "") {
				t.Errorf("statement %d: not_affected needs exactly one of justification and impact statement", i)
			}
		}
		if len(doc.Statements) != len(r.Findings) {
			t.Errorf("%d statements for %d findings", len(doc.Statements), len(r.Findings))
		}
	})
}
