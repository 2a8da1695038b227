package sbom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Supported spec versions, oldest first.
var (
	cycloneDXVersions = []string{"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"}
	spdxVersions      = []string{"2.1", "2.2", "2.3"}
)

const cycloneDXNamespace = "http://cyclonedx.org/schema/bom/"

var utf8BOM = []byte("\xef\xbb\xbf")

// Detect says which SBOM format, encoding and spec version data is in,
// without parsing all of it: for JSON it reads top-level keys until
// bomFormat and specVersion (or spdxVersion) are known, for XML the root
// element, for tag-value the SPDXVersion line. Errors are *Error and say
// what data looks like when it is not an SBOM we read.
func Detect(data []byte) (Format, Encoding, string, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	body := bytes.TrimLeft(data, " \t\r\n")
	if len(body) == 0 {
		return "", "", "", invalidf("", "", "the file is empty, not an SBOM")
	}
	switch body[0] {
	case '{', '[':
		return detectJSON(data)
	case '<':
		return detectXML(data)
	}
	if yamlSPDX(body) {
		return SPDX, "", "", unsupportedf(SPDX, "", "SPDX YAML is not supported; convert to SPDX JSON or tag-value")
	}
	if v, ok := tagValueVersion(body); ok {
		if !slices.Contains(spdxVersions, v) {
			return SPDX, TagValue, v, unsupportedVersion(SPDX, TagValue, v)
		}
		return SPDX, TagValue, v, nil
	}
	return "", "", "", invalidf("", "", "%s, not an SBOM (CycloneDX JSON or XML, SPDX JSON or tag-value)", describe(body))
}

// detectJSON scans the top-level keys of a JSON object. data has no
// byte-order mark, so that positions are those an editor shows.
func detectJSON(data []byte) (Format, Encoding, string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(err error) (Format, Encoding, string, error) {
		return "", JSON, "", jsonError("", data, err)
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if tok != json.Delim('{') {
		return "", JSON, "", invalidf("", JSON, "a JSON array, not an SBOM (an SBOM is a JSON object)")
	}
	var bomFormat, specVersion, spdxVersion string
	var seenBOMFormat, seenSpec, seenSPDX bool
	var keys []string // a few other keys, to say what the document looks like
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := tok.(string)
		var dst *string
		switch key {
		case "bomFormat":
			dst, seenBOMFormat = &bomFormat, true
		case "specVersion":
			dst, seenSpec = &specVersion, true
		case "spdxVersion":
			dst, seenSPDX = &spdxVersion, true
		default:
			if len(keys) < 8 {
				keys = append(keys, key)
			}
		}
		if err := skipOrString(dec, dst); err != nil {
			return fail(err)
		}
		if bomFormat == "CycloneDX" && seenSpec || seenSPDX {
			break
		}
	}
	if bomFormat != "CycloneDX" && !seenSPDX {
		// Before saying what the document is not, make sure it is whole.
		if _, err := dec.Token(); err != nil {
			return fail(err)
		}
	}
	switch {
	case bomFormat == "CycloneDX":
		switch {
		case !seenSpec:
			return CycloneDX, JSON, "", invalidf(CycloneDX, JSON, "specVersion is missing; a CycloneDX document must say which version of the specification it follows")
		case specVersion == "":
			return CycloneDX, JSON, "", invalidf(CycloneDX, JSON, `specVersion must be a string such as "1.6"`)
		}
		if !slices.Contains(cycloneDXVersions, specVersion) {
			return CycloneDX, JSON, specVersion, unsupportedVersion(CycloneDX, JSON, specVersion)
		}
		return CycloneDX, JSON, specVersion, nil
	case seenSPDX:
		v, ok := strings.CutPrefix(spdxVersion, "SPDX-")
		if !ok {
			return SPDX, JSON, spdxVersion, invalidf(SPDX, JSON, "spdxVersion %q is not of the form SPDX-2.3", spdxVersion)
		}
		if !slices.Contains(spdxVersions, v) {
			return SPDX, JSON, v, unsupportedVersion(SPDX, JSON, v)
		}
		return SPDX, JSON, v, nil
	case seenBOMFormat:
		return "", JSON, "", invalidf("", JSON, "bomFormat is %q, not \"CycloneDX\": not an SBOM", bomFormat)
	}
	return "", JSON, "", invalidf("", JSON, "JSON document without bomFormat \"CycloneDX\" or spdxVersion%s: not an SBOM", looksLike(keys))
}

// skipOrString reads the next value; into *dst when dst is not nil and
// the value is a string.
func skipOrString(dec *json.Decoder, dst *string) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		default:
			if s, ok := tok.(string); ok && depth == 0 && dst != nil {
				*dst = s
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// looksLike names the kind of JSON document some top-level keys suggest.
func looksLike(keys []string) string {
	has := func(k string) bool { return slices.Contains(keys, k) }
	switch {
	case has("document") && (has("vulnerabilities") || has("product_tree")):
		return " (it looks like a CSAF advisory)"
	case has("document"):
		return " (it looks like a CSAF document)"
	case has("affected") || has("schema_version") && has("id"):
		return " (it looks like an OSV advisory)"
	case has("@context") || has("@graph"):
		return " (it looks like JSON-LD, perhaps SPDX 3, which is not supported)"
	case has("vulnerabilities"):
		return " (it looks like a vulnerability report)"
	}
	return ""
}

// detectXML reads the root element.
func detectXML(data []byte) (Format, Encoding, string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	// The declared encoding does not matter for finding the root element;
	// Parse rejects anything but UTF-8 later with a clearer message.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var root xml.StartElement
	for {
		tok, err := dec.Token()
		if err != nil {
			line, col := dec.InputPos()
			return "", XML, "", xmlError("", err, line, col)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	switch {
	case root.Name.Local == "bom" && strings.HasPrefix(root.Name.Space, cycloneDXNamespace):
		v := strings.TrimPrefix(root.Name.Space, cycloneDXNamespace)
		if !slices.Contains(cycloneDXVersions, v) {
			return CycloneDX, XML, v, unsupportedVersion(CycloneDX, XML, v)
		}
		return CycloneDX, XML, v, nil
	case root.Name.Local == "bom":
		ns := root.Name.Space
		if ns == "" {
			return CycloneDX, XML, "", invalidf(CycloneDX, XML, "the bom element has no namespace; CycloneDX XML says its version in xmlns=\"%s1.6\"", cycloneDXNamespace)
		}
		return CycloneDX, XML, "", invalidf(CycloneDX, XML, "the bom element is in namespace %q, not a CycloneDX namespace (%s1.N)", ns, cycloneDXNamespace)
	case root.Name.Local == "RDF":
		return SPDX, XML, "", unsupportedf(SPDX, XML, "SPDX RDF/XML is not supported; convert to SPDX JSON or tag-value")
	case root.Name.Local == "Document" || root.Name.Local == "SpdxDocument":
		return SPDX, XML, "", unsupportedf(SPDX, XML, "SPDX XML is not supported; convert to SPDX JSON or tag-value")
	case root.Name.Local == "html" || root.Name.Local == "HTML":
		return "", XML, "", invalidf("", XML, "an HTML page, not an SBOM")
	}
	return "", XML, "", invalidf("", XML, "XML document with root element <%s>, not a CycloneDX <bom>: not an SBOM", root.Name.Local)
}

// tagValueVersion finds the SPDXVersion line of a tag-value document.
func tagValueVersion(body []byte) (string, bool) {
	for line := range bytes.Lines(body) {
		if v, ok := bytes.CutPrefix(bytes.TrimLeft(line, " \t"), []byte("SPDXVersion:")); ok {
			s := strings.TrimSpace(string(v))
			return strings.TrimPrefix(s, "SPDX-"), true
		}
	}
	return "", false
}

// describe says what a file that is neither JSON nor XML looks like.
func describe(body []byte) string {
	head := body[:min(len(body), 4096)]
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "a PDF document"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a ZIP archive"
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return "gzip-compressed data (decompress it first)"
	case bytes.HasPrefix(head, []byte("\xfe\xff")), bytes.HasPrefix(head, []byte("\xff\xfe")):
		return "UTF-16 text (save it as UTF-8)"
	case bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head[:lastRuneStart(head)]):
		return "binary data"
	}
	return "plain text without an SPDXVersion: line"
}

// yamlSPDX says whether body looks like SPDX in YAML: a top-level
// spdxVersion key (tag-value spells it SPDXVersion).
func yamlSPDX(body []byte) bool {
	for line := range bytes.Lines(body[:min(len(body), 64<<10)]) {
		if bytes.HasPrefix(line, []byte("spdxVersion:")) {
			return true
		}
	}
	return false
}

// lastRuneStart trims a possibly cut rune from the end of a prefix.
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

func unsupportedVersion(f Format, e Encoding, v string) *Error {
	supported := cycloneDXVersions
	if f == SPDX {
		supported = spdxVersions
	}
	return unsupportedf(f, e, "unsupported spec version %q: Bulwark reads %s %s to %s",
		v, formatName(f), supported[0], supported[len(supported)-1])
}

func formatName(f Format) string {
	if f == SPDX {
		return "SPDX"
	}
	return "CycloneDX"
}
