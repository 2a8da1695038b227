package sbom

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedData returns ../shared/data (relative to the repository root), or
// skips the test when this checkout has none.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "data", sub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no shared test data at %s (the repository's ../shared/data): %v", dir, err)
	}
	return dir
}

func readShared(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedData(t, "sbom"), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Component counts of the real SBOMs whose sizes ../shared/data/README.md
// (section 1) gives. Components never includes the subject, so:
//
//   - CycloneDX: the README counts every component, nested ones included,
//     without metadata.component (its XML figures "include the metadata
//     component" only as a grep count; the table lists the same number for
//     JSON and XML) — the same as len(Components), for both encodings.
//     Tool components in metadata.tools are not components
//     (bom-issue4455).
//   - SPDX: the README counts entries of "packages". The package the
//     document DESCRIBES is the Subject, so len(Components) is one less,
//     except for alpine-spdx.json, which describes nothing: all 14 packages
//     are components and Subject is nil.
var knownCounts = map[string]struct {
	components int
	subject    bool
}{
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.1.xml":                                                   {62, false}, // 1.1 has no metadata
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.2.json":                                                  {62, true},
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.2.xml":                                                   {62, true},
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.3.json":                                                  {62, true},
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.3.xml":                                                   {62, true},
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.4.json":                                                  {62, true},
	"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml":                                                   {62, true},
	"cyclonedx/bom-examples/SBOM/dropwizard-1.3.15/bom.json":                                                   {167, true},
	"cyclonedx/bom-examples/SBOM/dropwizard-1.3.15/bom.xml":                                                    {167, true},
	"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.2.json":                                         {1115, true},
	"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.2.xml":                                          {1115, true},
	"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.3.json":                                         {1115, true},
	"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.3.xml":                                          {1115, true},
	"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4.json":                                         {1115, true},
	"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4.xml":                                          {1115, true},
	"cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json":                                  {201, true},
	"cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.xml":                                   {201, true},
	"cyclonedx/bom-examples/SBOM/cern-lhc-vdm-editor-e564943/bom.json":                                         {43, true},
	"cyclonedx/bom-examples/SBOM/cern-lhc-vdm-editor-e564943/bom.xml":                                          {43, true},
	"cyclonedx/guac/big-mongo-cyclonedx.json":                                                                  {293, true},
	"cyclonedx/guac/quarkus-deps-cyclonedx.json":                                                               {94, true},
	"cyclonedx/dependency-track/dtrack-apiserver-4.5.0.bom.json":                                               {132, true},
	"cyclonedx/dependency-track/bom-issue4455.json":                                                            {23, true},
	"cyclonedx/redhat/rpm/release/openssl-3.0.7-18.el9_2.cdx.json":                                             {36, true},
	"cyclonedx/redhat/product/rhel-9.2-main+eus.cdx.json":                                                      {3, true},
	"spdx/redhat/rpm/release/openshift-pipelines-client-1.14.3-11352.el8.spdx.json":                            {2034 - 1, true},
	"spdx/redhat/rpm/release/openssl-3.0.7-18.el9_2.spdx.json":                                                 {38 - 1, true},
	"spdx/redhat/rpm/release/vim-9.1.083-5.el10.spdx.json":                                                     {48 - 1, true},
	"spdx/redhat/container_image/release/ubi9-micro-container-9.4-6.1716471860_amd64.spdx.json":                {22 - 1, true},
	"spdx/redhat/container_image/release/kernel-module-management-operator-container-1.1.2-25_amd64.spdx.json": {183 - 1, true},
	"spdx/redhat/product/rhel-9.2-main+eus.spdx.json":                                                          {3 - 1, true},
	"spdx/guac/alpine-spdx.json":                                                                               {14, false},
	"spdx/guac/oci-kubectl-linux-amd64-spdx-1.json":                                                            {89 - 1, true},
}

// Real files we cannot read, and a part of the reason the error must give.
var knownFailures = map[string]string{
	// An SPDXID without the SPDXRef- prefix; tools-golang rejects it.
	"spdx/redhat/container_image/release/ubi9-micro-container-9.4-6.1716471860.spdx.json": `is not an SPDX element id: ids start with "SPDXRef-"`,
	// The spec's own example has a snippet right after a package (no file
	// between), which tools-golang's tag-value reader does not accept.
	"spdx/spdx-spec/v2.3/SPDXTagExample-v2.3.spdx":      "line 204: received unknown tag SnippetSPDXID in Package section",
	"spdx/spdx-spec/v2.3/SPDXXMLExample-v2.3.spdx.xml":  "SPDX XML is not supported",
	"spdx/spdx-spec/v2.3/SPDXYAMLExample-2.3.spdx.yaml": "SPDX YAML is not supported",
}

// TestRealSBOMs reads every file under ../shared/data/sbom: each parses or
// fails with an *Error that says what is wrong, and the known component
// counts hold.
func TestRealSBOMs(t *testing.T) {
	root := sharedData(t, "sbom")
	var rows []string
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || e.Name() == "README.md" || e.Name() == "LICENSE" {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := Parse(data); err != nil && strings.Contains(err.Error(), "cyclic dependency") {
			// Refused by default, read with the cycle broken on request.
			rows = append(rows, fmt.Sprintf("%-100s refused by default: %v", rel, err))
		}
		d, err := ParseOptions(data, Options{AllowCycles: true})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Errorf("%s: error %v (%T) is not an *Error with a message", rel, err, err)
			}
			want, known := knownFailures[rel]
			switch {
			case !known:
				t.Errorf("%s: %v", rel, err)
			case !strings.Contains(err.Error(), want):
				t.Errorf("%s: error %q does not say %q", rel, err, want)
			}
			rows = append(rows, fmt.Sprintf("%-100s ERROR %v", rel, err))
			return nil
		}
		if want, known := knownFailures[rel]; known {
			t.Errorf("%s: parsed, but should fail with %q", rel, want)
		}
		if want, ok := knownCounts[rel]; ok {
			if len(d.Components) != want.components || (d.Subject != nil) != want.subject {
				t.Errorf("%s: %d components, subject %v; want %d, %v", rel, len(d.Components), d.Subject != nil, want.components, want.subject)
			}
		}
		checkDocument(t, rel, d)
		rows = append(rows, fmt.Sprintf("%-100s %-9s %-3s %-9s %5d components %5d dependencies %3d problems",
			rel, d.Format, d.SpecVersion, d.Encoding, len(d.Components), len(d.Dependencies), len(d.Problems)))
		for _, p := range d.Problems[:min(len(d.Problems), 3)] {
			rows = append(rows, "      problem: "+p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range knownCounts {
		if !seen[rel] {
			t.Errorf("%s: listed in knownCounts but not found", rel)
		}
	}
	t.Logf("real SBOMs under %s:\n%s", root, strings.Join(rows, "\n"))
}

// TestSameDocumentInJSONAndXML: the bom-examples publish the same SBOM in
// both encodings; both must give the same components, edges and subject.
func TestSameDocumentInJSONAndXML(t *testing.T) {
	pairs := []string{
		"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.2",
		"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.3",
		"cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.1.4",
		"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.2",
		"cyclonedx/bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4",
		"cyclonedx/bom-examples/SBOM/dropwizard-1.3.15/bom",
		"cyclonedx/bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom",
	}
	for _, base := range pairs {
		j, err := ParseOptions(readShared(t, base+".json"), Options{AllowCycles: true})
		if err != nil {
			t.Fatalf("%s.json: %v", base, err)
		}
		x, err := ParseOptions(readShared(t, base+".xml"), Options{AllowCycles: true})
		if err != nil {
			t.Fatalf("%s.xml: %v", base, err)
		}
		if j.SpecVersion != x.SpecVersion || j.Encoding != JSON || x.Encoding != XML {
			t.Errorf("%s: JSON says %s %s, XML %s %s", base, j.SpecVersion, j.Encoding, x.SpecVersion, x.Encoding)
		}
		if jp, xp := purls(j), purls(x); !slices.Equal(jp, xp) {
			t.Errorf("%s: purls differ between JSON (%d) and XML (%d)", base, len(jp), len(xp))
		}
		if je, xe := edgeKeys(j), edgeKeys(x); !slices.Equal(je, xe) {
			t.Errorf("%s: edges differ between JSON (%d) and XML (%d)", base, len(je), len(xe))
		}
		// The example files themselves disagree on some licences and scopes
		// (dropwizard's osgi-resource-locator has an expression and no
		// scope in JSON, no licence and scope required in XML), so those
		// are counted, not compared.
		differ := 0
		for i := range j.Components {
			jc, xc := j.Components[i], x.Components[i]
			if jc.Ref != xc.Ref || jc.Name != xc.Name || jc.Version != xc.Version || jc.Group != xc.Group ||
				jc.Supplier != xc.Supplier || jc.Parent != xc.Parent || !slices.Equal(jc.Hashes, xc.Hashes) {
				t.Errorf("%s: component %d differs:\nJSON %+v\nXML  %+v", base, i, jc, xc)
				break
			}
			if jc.License != xc.License || jc.Scope != xc.Scope || jc.Description != xc.Description {
				differ++
			}
		}
		if differ > 0 {
			t.Logf("%s: %d components differ in licence, scope or description between the JSON and XML files", base, differ)
		}
		if (j.Subject == nil) != (x.Subject == nil) || j.Subject != nil && j.Subject.Ref != x.Subject.Ref {
			t.Errorf("%s: subjects differ: %+v / %+v", base, j.Subject, x.Subject)
		}
	}
}

// TestCycloneDXSpecExamples reads CycloneDX's own schema test files: the
// valid ones parse (1.7 is refused as unsupported), and invalid ones at
// worst fail with an *Error.
func TestCycloneDXSpecExamples(t *testing.T) {
	root := sharedData(t, "cyclonedx-spec-tests")
	n := 0
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		n++
		d, err := Parse(data)
		var pe *Error
		switch {
		case err != nil && !errors.As(err, &pe):
			t.Errorf("%s: %v is not an *Error", rel, err)
		case strings.HasPrefix(e.Name(), "valid-") && strings.HasPrefix(rel, "1.7"):
			if err == nil || !strings.Contains(err.Error(), "unsupported spec version") {
				t.Errorf("%s: %v, want an unsupported version error", rel, err)
			}
		case strings.HasPrefix(e.Name(), "valid-") && !strings.HasPrefix(rel, "ext"):
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			} else {
				checkDocument(t, rel, d)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files", n)
}

// checkDocument asserts what every parsed document guarantees.
func checkDocument(t testing.TB, name string, d *Document) {
	t.Helper()
	refs := map[string]bool{}
	if d.Subject != nil {
		if d.Subject.Ref == "" {
			t.Errorf("%s: subject without a ref", name)
		}
		refs[d.Subject.Ref] = true
	}
	for i, c := range d.Components {
		if c.Ref == "" || refs[c.Ref] {
			t.Errorf("%s: component %d has an empty or repeated ref %q", name, i, c.Ref)
		}
		refs[c.Ref] = true
		if c.Parent != Root && (c.Parent < 0 || c.Parent >= i) {
			t.Errorf("%s: component %d has parent %d", name, i, c.Parent)
		}
		if c.RawPURL == "" && c.PURL != "" {
			t.Errorf("%s: component %d has a purl but no raw purl", name, i)
		}
	}
	edges := map[Edge]bool{}
	for _, e := range d.Dependencies {
		if e.From < Root || e.From >= len(d.Components) || e.To < 0 || e.To >= len(d.Components) {
			t.Errorf("%s: edge %v out of range", name, e)
		}
		if e.From == Root && d.Subject == nil {
			t.Errorf("%s: edge %v from a subject the document does not have", name, e)
		}
		if edges[e] {
			t.Errorf("%s: edge %v twice", name, e)
		}
		edges[e] = true
	}
	if c := d.findCycles(); c != nil {
		t.Errorf("%s: cycle left in the graph: %v", name, c)
	}
	levels := d.Levels()
	if len(levels) != len(d.Components) {
		t.Fatalf("%s: %d levels for %d components", name, len(levels), len(d.Components))
	}
	for i, lv := range levels {
		path := d.Path(i, levels)
		if lv.Depth < 1 || len(path) != lv.Depth || path[len(path)-1] != i || levels[path[0]].Parent != Root {
			t.Errorf("%s: component %d: level %+v, path %v", name, i, lv, path)
			break
		}
	}
	if len(d.Problems) > maxProblems+1 {
		t.Errorf("%s: %d problems", name, len(d.Problems))
	}
	if d.Format == "" || d.Encoding == "" || d.SpecVersion == "" || d.Components == nil || d.Dependencies == nil || d.Problems == nil {
		t.Errorf("%s: incomplete document %s %s %s", name, d.Format, d.Encoding, d.SpecVersion)
	}
}

// purls lists the purls (raw where not valid) of a document's subject and
// components, sorted.
func purls(d *Document) []string {
	var out []string
	if d.Subject != nil {
		out = append(out, "subject "+cmpKey(d.Subject))
	}
	for i := range d.Components {
		out = append(out, cmpKey(&d.Components[i]))
	}
	slices.Sort(out)
	return out
}

func cmpKey(c *Component) string {
	switch {
	case c.PURL != "":
		return c.PURL
	case c.RawPURL != "":
		return c.RawPURL
	}
	return c.Name + "@" + c.Version
}

// edgeKeys lists edges by the keys of their ends, sorted.
func edgeKeys(d *Document) []string {
	key := func(i int) string {
		if i == Root {
			return "(subject)"
		}
		return cmpKey(&d.Components[i])
	}
	out := make([]string, len(d.Dependencies))
	for k, e := range d.Dependencies {
		out[k] = key(e.From) + " → " + key(e.To)
	}
	slices.Sort(out)
	return out
}
