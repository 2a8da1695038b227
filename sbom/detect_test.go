package sbom

import (
	"errors"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name    string
		data    string
		format  Format
		enc     Encoding
		version string
	}{
		{"CycloneDX JSON", cdxJSON, CycloneDX, JSON, "1.5"},
		{"CycloneDX JSON, keys in another order", `{"components": [{"name": "x", "bomFormat": "SPDX"}], "specVersion": "1.2", "bomFormat": "CycloneDX"}`, CycloneDX, JSON, "1.2"},
		{"CycloneDX JSON with a byte-order mark", "\xef\xbb\xbf\n  " + cdxJSON, CycloneDX, JSON, "1.5"},
		{"CycloneDX JSON cut after the keys", cdxJSON[:60], CycloneDX, JSON, "1.5"},
		{"CycloneDX XML", cdxXML, CycloneDX, XML, "1.4"},
		{"CycloneDX XML 1.0 with a comment first", `<!-- made by hand --><bom xmlns="http://cyclonedx.org/schema/bom/1.0"><components/></bom>`, CycloneDX, XML, "1.0"},
		{"CycloneDX XML with a prefix", `<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.6"/>`, CycloneDX, XML, "1.6"},
		{"SPDX JSON", spdxJSON, SPDX, JSON, "2.2"},
		{"SPDX JSON, version last", `{"SPDXID": "SPDXRef-DOCUMENT", "packages": [{"spdxVersion": "x"}], "spdxVersion": "SPDX-2.1"}`, SPDX, JSON, "2.1"},
		{"SPDX tag-value", spdxTagValue, SPDX, TagValue, "2.3"},
		{"SPDX tag-value after comments", "# SPDX document\n\n## header\nSPDXVersion:   SPDX-2.2\n", SPDX, TagValue, "2.2"},
	}
	for _, c := range cases {
		f, enc, v, err := Detect([]byte(c.data))
		if err != nil || f != c.format || enc != c.enc || v != c.version {
			t.Errorf("%s: Detect = %q, %q, %q, %v; want %q, %q, %q", c.name, f, enc, v, err, c.format, c.enc, c.version)
		}
	}
}

func TestDetectRejects(t *testing.T) {
	cases := []struct {
		data string
		msg  string
	}{
		{`{"bomFormat": "CycloneDX", "specVersion": "2.0"}`, `unsupported spec version "2.0"`},
		{`{"spdxVersion": "2.3"}`, `spdxVersion "2.3" is not of the form SPDX-2.3`},
		{`{"spdxVersion": "SPDX-3.0"}`, `unsupported spec version "3.0"`},
		{`{"bomFormat": "CycloneDX", "specVersion": 1.5}`, `specVersion must be a string such as "1.6"`},
		{`{"a": [1, 2,`, "cut short"},
		{`{"a" 1}`, "invalid character '1' after object key"},
		{"<?xml version=\"1.0\"?>\n<project><modelVersion>4.0.0</modelVersion></project>", "root element <project>"},
		{"<bom", "cut short"},
		{"\x00\x01\x02binary", "binary data"},
		{"\x1f\x8b\x08\x00", "gzip"},
		{"\xff\xfe{\x00", "UTF-16"},
	}
	for _, c := range cases {
		_, _, _, err := Detect([]byte(c.data))
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Detect(%q) = %v; want an *Error saying %q", c.data, err, c.msg)
		}
	}
}
