package sbom

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fuzz targets share one property: Parse never panics; it fails with
// an *Error that has a message, or returns a document that keeps every
// promise checkDocument checks (unique refs, edges in range, no cycles,
// a level and a path for every component), and that document writes as
// CycloneDX and SPDX that read back with the same components.

func FuzzDetect(f *testing.F) {
	for _, s := range []string{cdxJSON, cdxXML, spdxJSON, spdxTagValue, "", "%PDF-1.4", "{}", "[]", "<a/>", "SPDXVersion: SPDX-2.9"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format, enc, version, err := Detect(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("Detect error %v (%T) is not an *Error with a message", err, err)
			}
			return
		}
		supported := cycloneDXVersions
		if format == SPDX {
			supported = spdxVersions
		}
		if format == "" || enc == "" || !slices.Contains(supported, version) {
			t.Fatalf("Detect = %q, %q, %q without an error", format, enc, version)
		}
	})
}

func FuzzParseCycloneDXJSON(f *testing.F) {
	for _, s := range []string{
		cdxJSON, cyclic,
		`{"bomFormat":"CycloneDX","specVersion":"1.6"}`,
		`{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"bom-ref":"x","name":"x","components":[{"bom-ref":"y","name":"y"}]}],"dependencies":[{"ref":"y","dependsOn":["x"]}]}`,
		`{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"tools":[{"name":"t"}]},"services":[{"bom-ref":"s","name":"s"}],"dependencies":[{"ref":"s","dependsOn":["s"]}]}`,
	} {
		f.Add([]byte(s))
	}
	addSharedSeeds(f, "cyclonedx", ".json")
	f.Fuzz(checkParse)
}

func FuzzParseCycloneDXXML(f *testing.F) {
	for _, s := range []string{
		cdxXML,
		`<bom xmlns="http://cyclonedx.org/schema/bom/1.1"><components><component type="library"><name>x</name><components><component type="library"><name>y</name></component></components></component></components></bom>`,
		`<?xml version="1.0" encoding="us-ascii"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"><metadata><tools><components><component type="application"><name>t</name></component></components></tools></metadata></bom>`,
	} {
		f.Add([]byte(s))
	}
	addSharedSeeds(f, "cyclonedx", ".xml")
	f.Fuzz(checkParse)
}

func FuzzParseSPDXJSON(f *testing.F) {
	for _, s := range []string{
		spdxJSON,
		`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[{"SPDXID":"SPDXRef-a","name":"a"},{"SPDXID":"SPDXRef-b","name":"b"}],"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-a"},{"spdxElementId":"SPDXRef-b","relationshipType":"CONTAINED_BY","relatedSpdxElement":"SPDXRef-a"}]}`,
		`{"spdxVersion":"SPDX-2.1","SPDXID":"SPDXRef-DOCUMENT","documentDescribes":["SPDXRef-a","SPDXRef-b"],"packages":[{"SPDXID":"SPDXRef-a","name":"a","supplier":"Organization: \"Q\""},{"SPDXID":"SPDXRef-b","name":"b"}]}`,
	} {
		f.Add([]byte(s))
	}
	addSharedSeeds(f, "spdx", ".json")
	f.Fuzz(checkParse)
}

func FuzzParseSPDXTagValue(f *testing.F) {
	for _, s := range []string{
		spdxTagValue,
		"SPDXVersion: SPDX-2.2\nSPDXID: SPDXRef-DOCUMENT\nPackageName: a\nSPDXID: SPDXRef-a\nPackageName: b\nSPDXID: SPDXRef-b\nRelationship: SPDXRef-a DEPENDS_ON SPDXRef-b\nRelationship: SPDXRef-b DEPENDS_ON SPDXRef-a\n",
		"SPDXVersion: SPDX-2.1\nFileName: x\nSPDXID: SPDXRef-f\nSnippetSPDXID: SPDXRef-s\nSnippetFromFileSPDXID: SPDXRef-f\n",
		"SPDXVersion: SPDX-2.3\nPackageComment: <text>open\n",
	} {
		f.Add([]byte(s))
	}
	addSharedSeeds(f, "spdx", ".spdx")
	f.Fuzz(checkParse)
}

// addSharedSeeds adds the small real SBOMs of ../shared/data/sbom whose
// names end in suffix, when the data is there: real structure for the
// fuzzer to mutate.
func addSharedSeeds(f *testing.F, dir, suffix string) {
	root := filepath.Join("..", "..", "shared", "data", "sbom", dir)
	filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, suffix) {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil && len(data) < 12<<10 {
			f.Add(data)
		}
		return nil
	})
}

func checkParse(t *testing.T, data []byte) {
	d, err := Parse(data)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Msg == "" {
			t.Fatalf("Parse error %v (%T) is not an *Error with a message", err, err)
		}
		if e.Line < 0 || e.Column < 0 || e.Line > bytes.Count(data, []byte{'\n'})+1 {
			t.Fatalf("Parse error %v has an impossible position", err)
		}
		return
	}
	checkDocument(t, "fuzzed", d)
	for _, write := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return WriteCycloneDX(b, d) },
		func(b *bytes.Buffer) error { return WriteSPDX(b, d, "https://bulwark.example/fuzz") },
	} {
		var out bytes.Buffer
		if err := write(&out); err != nil {
			t.Fatalf("writing a parsed document: %v", err)
		}
		back, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("reading a written document: %v\n%s", err, out.Bytes())
		}
		n, m := len(d.Components), len(back.Components)
		if d.Subject != nil {
			n++
		}
		if back.Subject != nil {
			m++
		}
		if n != m {
			t.Fatalf("%d components (with the subject) written, %d read back\n%s", n, m, out.Bytes())
		}
	}
}
