package sbom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulwark-sec/bulwark"
)

// parseCycloneDXJSON decodes into cyclonedx-go's types. It calls
// json.Unmarshal itself, as cdx.NewBOMDecoder's JSON decoder does after
// copying its reader into a fresh buffer: with the bytes in hand, that
// copy would only double the memory a large document takes.
func parseCycloneDXJSON(data []byte, version string) (*Document, error) {
	var bom cdx.BOM
	if err := json.Unmarshal(data, &bom); err != nil {
		return nil, jsonError(CycloneDX, data, err)
	}
	return fromCycloneDX(&bom, JSON, version)
}

// parseCycloneDXXML decodes with cyclonedx-go's types, through our own
// xml.Decoder rather than cdx.NewBOMDecoder: the same decoding, but the
// decoder's position tells where an error is. The spec version comes from
// the namespace, which Detect has read.
func parseCycloneDXXML(data []byte, version string) (*Document, error) {
	if m := xmlEncoding.FindSubmatchIndex(data); m != nil {
		label := string(data[m[2]:m[3]])
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
		default:
			return nil, invalidf(CycloneDX, XML, "the document declares encoding %q; only UTF-8 is read, so save it as UTF-8 and declare that", label).at(data, m[2])
		}
	}
	var bom cdx.BOM
	dec := xml.NewDecoder(bytes.NewReader(data))
	// ASCII is UTF-8, and the bytes have been checked to be UTF-8.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := dec.Decode(&bom); err != nil {
		line, col := dec.InputPos()
		return nil, xmlError(CycloneDX, err, line, col)
	}
	// Decode stops at the end of <bom>; only comments and white space may
	// follow it.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		line, col := dec.InputPos()
		if err != nil {
			return nil, xmlError(CycloneDX, err, line, col)
		}
		switch tok := tok.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) == 0 {
				continue
			}
		}
		e := invalidf(CycloneDX, XML, "content after the end of the bom element")
		e.Line, e.Column = line, col
		return nil, e
	}
	return fromCycloneDX(&bom, XML, version)
}

// xmlEncoding finds the encoding an XML declaration names.
var xmlEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']`)

func fromCycloneDX(bom *cdx.BOM, enc Encoding, version string) (*Document, error) {
	size := 0
	if bom.Components != nil {
		size = countComponents(*bom.Components)
	}
	b := newBuilder(CycloneDX, enc, version, "bom-ref", size)
	d := b.doc
	d.Serial = strings.TrimSpace(bom.SerialNumber)
	var subjectNested []cdx.Component
	if m := bom.Metadata; m != nil {
		if ts := strings.TrimSpace(m.Timestamp); ts != "" {
			t, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				b.problem("metadata.timestamp: %q is not an RFC 3339 date and time", ts)
			}
			d.Created = t.UTC()
		}
		d.Tools = cycloneDXTools(m.Tools)
		if m.Component != nil {
			c := b.component(m.Component, Root, place{b: b, list: "metadata.component", pos: -1, parent: Root})
			if err := b.setSubject(c, "metadata.component"); err != nil {
				return nil, err
			}
			d.Name = c.Name
			if m.Component.Components != nil {
				subjectNested = *m.Component.Components
			}
		}
	}
	if bom.Components != nil {
		if err := b.addComponents(*bom.Components, Root, "components"); err != nil {
			return nil, err
		}
	}
	// Components nested in the subject are the subject's parts; they come
	// after the document's components so that indexes match bom.components
	// for flat documents.
	if err := b.addComponents(subjectNested, Root, "metadata.component.components"); err != nil {
		return nil, err
	}
	if bom.Services != nil {
		if err := b.addServices(*bom.Services, "services"); err != nil {
			return nil, err
		}
	}
	if bom.Dependencies != nil {
		for i, dep := range *bom.Dependencies {
			where := at{list: "dependencies", i: i}
			if dep.Dependencies == nil || len(*dep.Dependencies) == 0 {
				b.resolve(dep.Ref, where)
				continue
			}
			for _, to := range *dep.Dependencies {
				b.edge(dep.Ref, to, where)
			}
		}
	}
	return b.finish(), nil
}

// addComponents adds list depth-first: each component, then the
// components nested in it.
func (b *builder) addComponents(list []cdx.Component, parent int, path string) *Error {
	for i := range list {
		where := place{b: b, list: path, pos: i, parent: parent}
		idx, err := b.add(b.component(&list[i], parent, where), where)
		if err != nil {
			return err
		}
		if list[i].Components != nil {
			if err := b.addComponents(*list[i].Components, idx, "components"); err != nil {
				return err
			}
		}
	}
	return nil
}

func countComponents(list []cdx.Component) int {
	n := len(list)
	for i := range list {
		if list[i].Components != nil {
			n += countComponents(*list[i].Components)
		}
	}
	return n
}

// addServices records the refs of services (and nested services), which
// dependencies may name but which are not components.
func (b *builder) addServices(list []cdx.Service, path string) *Error {
	for i, s := range list {
		where := fmt.Sprintf("%s[%d]", path, i)
		if err := b.addOther(strings.TrimSpace(s.BOMRef), where); err != nil {
			return err
		}
		if s.Services != nil {
			if err := b.addServices(*s.Services, where+".services"); err != nil {
				return err
			}
		}
	}
	return nil
}

// component translates one CycloneDX component (not its nested ones).
func (b *builder) component(c *cdx.Component, parent int, where place) Component {
	out := Component{
		Ref:         strings.TrimSpace(c.BOMRef),
		Type:        strings.TrimSpace(string(c.Type)),
		Group:       strings.TrimSpace(c.Group),
		Name:        strings.TrimSpace(c.Name),
		Version:     strings.TrimSpace(c.Version),
		CPE:         strings.TrimSpace(c.CPE),
		Description: strings.TrimSpace(c.Description),
		Scope:       strings.TrimSpace(string(c.Scope)),
		License:     cycloneDXLicense(c.Licenses),
		Parent:      parent,
	}
	b.setPURL(&out, c.PackageURL, where)
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			if v := strings.TrimSpace(h.Value); v != "" {
				out.Hashes = append(out.Hashes, bulwark.Hash{Alg: strings.TrimSpace(string(h.Algorithm)), Value: v})
			}
		}
	}
	switch {
	case c.Supplier != nil && strings.TrimSpace(c.Supplier.Name) != "":
		out.Supplier = strings.TrimSpace(c.Supplier.Name)
	case strings.TrimSpace(c.Publisher) != "":
		out.Supplier = strings.TrimSpace(c.Publisher)
	default:
		out.Supplier = strings.TrimSpace(c.Author)
	}
	return out
}

// cycloneDXLicense reads a component's licences: an expression as
// written, a licence by id, else by name.
func cycloneDXLicense(ls *cdx.Licenses) string {
	if ls == nil {
		return ""
	}
	parts := make([]string, 0, len(*ls))
	for _, l := range *ls {
		switch {
		case strings.TrimSpace(l.Expression) != "":
			parts = append(parts, l.Expression)
		case l.License != nil && strings.TrimSpace(l.License.ID) != "":
			parts = append(parts, l.License.ID)
		case l.License != nil:
			parts = append(parts, l.License.Name)
		}
	}
	return joinLicenses(parts)
}

// cycloneDXTools lists the tools of either form: the legacy list (before
// 1.5) or components and services.
func cycloneDXTools(tc *cdx.ToolsChoice) []string {
	if tc == nil {
		return nil
	}
	var tools []string
	add := func(name, version string) {
		s := strings.TrimSpace(strings.TrimSpace(name) + " " + strings.TrimSpace(version))
		if s != "" {
			tools = append(tools, s)
		}
	}
	if tc.Tools != nil {
		for _, t := range *tc.Tools {
			add(t.Name, t.Version)
		}
	}
	if tc.Components != nil {
		for _, c := range *tc.Components {
			add(c.Name, c.Version)
		}
	}
	if tc.Services != nil {
		for _, s := range *tc.Services {
			add(s.Name, s.Version)
		}
	}
	return tools
}
