package sbom

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// WriteCycloneDX writes d as a CycloneDX 1.6 JSON document: the subject as
// metadata.component, components nested as d says (Parent), one
// dependencies entry for the subject and each component. The serial
// number is d.Serial when that is a urn:uuid, else derived from d, so the
// same document always writes the same bytes.
func WriteCycloneDX(w io.Writer, d *Document) error {
	if d == nil {
		return errors.New("sbom: WriteCycloneDX: no document")
	}
	refs := uniqueRefs(d)
	bom := cdx.BOM{
		JSONSchema:   "http://cyclonedx.org/schema/bom-1.6.schema.json",
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: serialNumber(d),
		Version:      1,
	}
	tools := []cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "bulwark"}}
	for _, t := range d.Tools {
		if t == "bulwark" {
			continue // written by us before
		}
		name, version := splitTool(t)
		tools = append(tools, cdx.Component{Type: cdx.ComponentTypeApplication, Name: name, Version: version})
	}
	bom.Metadata = &cdx.Metadata{Tools: &cdx.ToolsChoice{Components: &tools}}
	if !d.Created.IsZero() {
		bom.Metadata.Timestamp = d.Created.UTC().Format(time.RFC3339)
	}
	if d.Subject != nil {
		c := cycloneDXComponent(d.Subject, refs.subject)
		bom.Metadata.Component = &c
	}

	// Nest components under their parents, as the document had them; a
	// parent must come first, and nesting stays shallow enough to read back.
	children := make([][]int, len(d.Components))
	depth := make([]int, len(d.Components))
	var top []int
	for i, c := range d.Components {
		if p := c.Parent; p >= 0 && p < i && depth[p] < MaxDepth/8 {
			children[p] = append(children[p], i)
			depth[i] = depth[p] + 1
		} else {
			top = append(top, i)
		}
	}
	var build func(i int) cdx.Component
	build = func(i int) cdx.Component {
		c := cycloneDXComponent(&d.Components[i], refs.components[i])
		if len(children[i]) > 0 {
			nested := make([]cdx.Component, len(children[i]))
			for k, j := range children[i] {
				nested[k] = build(j)
			}
			c.Components = &nested
		}
		return c
	}
	components := make([]cdx.Component, len(top))
	for k, i := range top {
		components[k] = build(i)
	}
	bom.Components = &components

	out, roots := d.adjacency()
	var deps []cdx.Dependency
	dependency := func(ref string, to []int) {
		dep := cdx.Dependency{Ref: ref}
		var on []string
		seen := map[int]bool{}
		for _, t := range to {
			if !seen[t] {
				seen[t] = true
				on = append(on, refs.components[t])
			}
		}
		if len(on) > 0 {
			dep.Dependencies = &on
		}
		deps = append(deps, dep)
	}
	if d.Subject != nil {
		dependency(refs.subject, roots)
	}
	for i := range d.Components {
		dependency(refs.components[i], out[i])
	}
	bom.Dependencies = &deps

	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.Encode(&bom); err != nil {
		return fmt.Errorf("sbom: writing CycloneDX: %w", err)
	}
	return nil
}

func cycloneDXComponent(c *Component, ref string) cdx.Component {
	out := cdx.Component{
		BOMRef:      ref,
		Type:        cycloneDXType(c.Type),
		Group:       c.Group,
		Name:        c.Name,
		Version:     c.Version,
		Description: c.Description,
		PackageURL:  c.PURL,
		CPE:         c.CPE,
		Licenses:    cycloneDXLicenses(c.License),
	}
	switch s := cdx.Scope(c.Scope); s {
	case cdx.ScopeRequired, cdx.ScopeOptional, cdx.ScopeExcluded:
		out.Scope = s
	}
	if c.Supplier != "" {
		out.Supplier = &cdx.OrganizationalEntity{Name: c.Supplier}
	}
	var hashes []cdx.Hash
	for _, h := range c.Hashes {
		alg := cdx.HashAlgorithm(hashAlgFromSPDX(h.Alg))
		if cycloneDXHashAlgs[alg] && hexDigest.MatchString(h.Value) {
			hashes = append(hashes, cdx.Hash{Algorithm: alg, Value: h.Value})
		}
	}
	if len(hashes) > 0 {
		out.Hashes = &hashes
	}
	return out
}

var cycloneDXHashAlgs = map[cdx.HashAlgorithm]bool{
	"MD5": true, "SHA-1": true, "SHA-256": true, "SHA-384": true, "SHA-512": true,
	"SHA3-256": true, "SHA3-384": true, "SHA3-512": true,
	"BLAKE2b-256": true, "BLAKE2b-384": true, "BLAKE2b-512": true, "BLAKE3": true,
}

// hexDigest is the digest syntax CycloneDX accepts.
var hexDigest = regexp.MustCompile(`^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$`)

// cycloneDXType maps a component type (possibly an SPDX package purpose)
// to a CycloneDX one.
func cycloneDXType(t string) cdx.ComponentType {
	switch ct := cdx.ComponentType(strings.ToLower(t)); ct {
	case cdx.ComponentTypeApplication, cdx.ComponentTypeContainer, cdx.ComponentTypeCryptographicAsset,
		cdx.ComponentTypeData, cdx.ComponentTypeDevice, cdx.ComponentTypeDeviceDriver, cdx.ComponentTypeFile,
		cdx.ComponentTypeFirmware, cdx.ComponentTypeFramework, cdx.ComponentTypeLibrary,
		cdx.ComponentTypeMachineLearningModel, cdx.ComponentTypeOS, cdx.ComponentTypePlatform:
		return ct
	}
	return cdx.ComponentTypeLibrary
}

// cycloneDXLicenses writes a licence string: a single SPDX id as a licence
// id, an SPDX expression as an expression, anything else as licences by
// name (split where the reader joined several with AND).
func cycloneDXLicenses(s string) *cdx.Licenses {
	if noLicense(s) {
		return nil
	}
	if id, ok := licenseID(s); ok {
		return &cdx.Licenses{{License: &cdx.License{ID: id}}}
	}
	if expr, ok := validExpression(s); ok {
		return &cdx.Licenses{{Expression: expr}}
	}
	var ls cdx.Licenses
	for _, part := range strings.Split(s, " AND ") {
		part = strings.TrimSpace(part)
		if enclosed(part) {
			part = strings.TrimSpace(part[1 : len(part)-1])
		}
		if part == "" {
			continue
		}
		if id, ok := licenseID(part); ok {
			ls = append(ls, cdx.LicenseChoice{License: &cdx.License{ID: id}})
		} else {
			ls = append(ls, cdx.LicenseChoice{License: &cdx.License{Name: part}})
		}
	}
	if len(ls) == 0 {
		return nil
	}
	return &ls
}

var urnUUID = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// serialNumber is d.Serial when it is a urn:uuid, else a name-based UUID
// (version 5, RFC 4122 as CycloneDX asks) of the document's content.
func serialNumber(d *Document) string {
	if s := strings.ToLower(strings.TrimSpace(d.Serial)); urnUUID.MatchString(s) {
		return s
	}
	content, _ := json.Marshal(d)
	name := sha256.Sum256(content)
	h := sha1.New()
	h.Write(serialNamespace[:])
	h.Write(name[:])
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// serialNamespace is the UUID namespace of the serial numbers Bulwark
// derives (itself a random UUID, fixed once).
var serialNamespace = [16]byte{0x6b, 0x1e, 0x0c, 0x53, 0x2f, 0x94, 0x4d, 0x2a, 0x9e, 0x41, 0x07, 0xc8, 0x5d, 0x3b, 0xa2, 0x7f}

// splitTool splits "name version" at its last space.
func splitTool(t string) (name, version string) {
	t = strings.TrimSpace(t)
	if i := strings.LastIndexByte(t, ' '); i > 0 {
		return t[:i], t[i+1:]
	}
	return t, ""
}

// docRefs are the refs a writer uses: the document's own where they are
// set and unique, generated ones otherwise.
type docRefs struct {
	subject    string
	components []string
}

func uniqueRefs(d *Document) docRefs {
	used := map[string]bool{}
	pick := func(ref, fallback string) string {
		ref = strings.TrimSpace(ref)
		if ref == "" || used[ref] {
			ref = fallback
			for n := 2; used[ref]; n++ {
				ref = fmt.Sprintf("%s-%d", fallback, n)
			}
		}
		used[ref] = true
		return ref
	}
	var r docRefs
	if d.Subject != nil {
		r.subject = pick(d.Subject.Ref, "subject")
	}
	r.components = make([]string, len(d.Components))
	for i, c := range d.Components {
		r.components[i] = pick(c.Ref, fmt.Sprintf("component-%d", i))
	}
	return r
}
