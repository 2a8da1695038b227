package sbom

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"

	"github.com/bulwark-sec/bulwark"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/tagvalue"
)

func parseSPDXJSON(data []byte, version string) (*Document, error) {
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, jsonError(SPDX, data, err)
	}
	return fromSPDX(doc, JSON, version)
}

func parseSPDXTagValue(data []byte, version string) (*Document, error) {
	doc, err := tagvalue.Read(bytes.NewReader(data))
	if err != nil {
		return nil, tagValueError(data, err)
	}
	return fromSPDX(doc, TagValue, version)
}

// Relationship types that are edges of the dependency graph: those that
// say A depends on or contains B, and their inverses. Others (GENERATED_FROM,
// VARIANT_OF, DESCRIBES, …) say something else and are not edges.
var (
	edgeForward = map[string]bool{
		"DEPENDS_ON": true, "CONTAINS": true, "STATIC_LINK": true, "DYNAMIC_LINK": true, "HAS_PREREQUISITE": true,
	}
	edgeBackward = map[string]bool{
		"DEPENDENCY_OF": true, "CONTAINED_BY": true, "BUILD_DEPENDENCY_OF": true, "DEV_DEPENDENCY_OF": true,
		"OPTIONAL_DEPENDENCY_OF": true, "PROVIDED_DEPENDENCY_OF": true, "TEST_DEPENDENCY_OF": true,
		"RUNTIME_DEPENDENCY_OF": true, "PREREQUISITE_FOR": true,
	}
)

// fromSPDX adapts a document as tools-golang reads it (always the 2.3
// model; version is what the file declares).
func fromSPDX(doc *spdx.Document, enc Encoding, version string) (*Document, error) {
	b := newBuilder(SPDX, enc, version, "SPDXID", len(doc.Packages))
	d := b.doc
	d.Name = strings.TrimSpace(doc.DocumentName)
	d.Serial = strings.TrimSpace(doc.DocumentNamespace)
	if ci := doc.CreationInfo; ci != nil {
		if s := strings.TrimSpace(ci.Created); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				b.problem("creationInfo.created: %q is not an RFC 3339 date and time", s)
			}
			d.Created = t.UTC()
		}
		for _, c := range ci.Creators {
			if strings.EqualFold(c.CreatorType, "Tool") && strings.TrimSpace(c.Creator) != "" {
				d.Tools = append(d.Tools, b.unescape(strings.TrimSpace(c.Creator)))
			}
		}
	}
	// The document, files and snippets have SPDXIDs that relationships
	// name; they are not components, but their ids must not clash with
	// packages'.
	render := func(id common.ElementID) string {
		if id == "" {
			return ""
		}
		return common.RenderElementID(id)
	}
	docID := render(doc.SPDXIdentifier)
	if err := b.addOther(docID, "the document itself"); err != nil {
		return nil, err
	}
	var files []*spdx.File
	var fileWhere []string
	for i, f := range doc.Files {
		files, fileWhere = append(files, f), append(fileWhere, fmt.Sprintf("files[%d]", i))
	}
	ids := make([]string, len(doc.Packages))
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		ids[i] = render(p.PackageSPDXIdentifier)
		for k, f := range p.Files {
			files, fileWhere = append(files, f), append(fileWhere, fmt.Sprintf("packages[%d].files[%d]", i, k))
		}
	}
	// A snippet may be listed by the document and by its file.
	snippets := map[string]bool{}
	claimSnippet := func(id common.ElementID, where string) *Error {
		ref := render(id)
		if snippets[ref] {
			return nil
		}
		snippets[ref] = true
		return b.addOther(ref, where)
	}
	for i, s := range doc.Snippets {
		if err := claimSnippet(s.SnippetSPDXIdentifier, fmt.Sprintf("snippets[%d]", i)); err != nil {
			return nil, err
		}
	}
	for i, f := range files {
		if f == nil {
			continue
		}
		if err := b.addOther(render(f.FileSPDXIdentifier), fileWhere[i]); err != nil {
			return nil, err
		}
		for _, id := range slices.Sorted(maps.Keys(f.Snippets)) {
			if err := claimSnippet(id, fileWhere[i]+".snippets"); err != nil {
				return nil, err
			}
		}
	}

	described := describedPackages(doc, docID, ids)
	subject := -1
	if len(described) > 0 {
		subject = described[0]
	}
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		where := place{b: b, list: "packages", pos: i, parent: Root}
		c := b.spdxPackage(p, ids[i], where)
		var err *Error
		if i == subject {
			d.Name = cmp.Or(d.Name, c.Name)
			err = b.setSubject(c, where.String())
		} else {
			_, err = b.add(c, where)
		}
		if err != nil {
			return nil, err
		}
	}

	switch {
	case subject < 0:
		b.problem("the document does not say which package it describes (no DESCRIBES relationship or documentDescribes)")
	case len(described) > 1:
		var others []string
		for _, i := range described[1:] {
			others = append(others, ids[i])
			b.edge(ids[subject], ids[i], at{note: "documentDescribes"})
		}
		b.problem("the document describes %d packages; %s is taken as the subject and %s as its direct dependencies",
			len(described), ids[subject], strings.Join(others, ", "))
	}

	for i, r := range doc.Relationships {
		if r == nil {
			continue
		}
		typ := strings.ToUpper(strings.TrimSpace(r.Relationship))
		forward, backward := edgeForward[typ], edgeBackward[typ]
		if !forward && !backward {
			continue
		}
		a, b2 := r.RefA, r.RefB
		if a.DocumentRefID != "" || b2.DocumentRefID != "" || a.SpecialID != "" || b2.SpecialID != "" {
			continue // another document, or NONE / NOASSERTION
		}
		from, to := common.RenderElementID(a.ElementRefID), common.RenderElementID(b2.ElementRefID)
		if backward {
			from, to = to, from
		}
		b.edge(from, to, at{list: "relationships", i: i, note: typ})
	}
	return b.finish(), nil
}

// describedPackages lists, in document order, the indexes of the packages
// the document describes (DESCRIBES from the document, DESCRIBED_BY to it;
// tools-golang turns documentDescribes into DESCRIBES relationships).
func describedPackages(doc *spdx.Document, docID string, ids []string) []int {
	index := map[string]int{}
	for i, id := range ids {
		if _, dup := index[id]; !dup && id != "" {
			index[id] = i
		}
	}
	var out []int
	for _, r := range doc.Relationships {
		if r == nil || r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" {
			continue
		}
		a, b := common.RenderElementID(r.RefA.ElementRefID), common.RenderElementID(r.RefB.ElementRefID)
		var target string
		switch strings.ToUpper(strings.TrimSpace(r.Relationship)) {
		case "DESCRIBES":
			if a == docID {
				target = b
			}
		case "DESCRIBED_BY":
			if b == docID {
				target = a
			}
		}
		if i, ok := index[target]; ok && target != "" && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// spdxPackage translates one package.
func (b *builder) spdxPackage(p *spdx.Package, ref string, where place) Component {
	c := Component{
		Ref:         ref,
		Type:        strings.ToLower(strings.ReplaceAll(strings.TrimSpace(p.PrimaryPackagePurpose), "_", "-")),
		Name:        strings.TrimSpace(p.PackageName),
		Version:     strings.TrimSpace(p.PackageVersion),
		Description: cmp.Or(strings.TrimSpace(p.PackageDescription), strings.TrimSpace(p.PackageSummary)),
		Parent:      Root,
	}
	switch {
	case !noLicense(p.PackageLicenseDeclared):
		c.License = strings.Join(strings.Fields(p.PackageLicenseDeclared), " ")
	case !noLicense(p.PackageLicenseConcluded):
		c.License = strings.Join(strings.Fields(p.PackageLicenseConcluded), " ")
	}
	if s := p.PackageSupplier; s != nil && !strings.EqualFold(strings.TrimSpace(s.Supplier), "NOASSERTION") {
		c.Supplier = b.unescape(strings.TrimSpace(s.Supplier))
	}
	for _, cs := range p.PackageChecksums {
		if v := strings.TrimSpace(cs.Value); v != "" {
			c.Hashes = append(c.Hashes, bulwark.Hash{Alg: hashAlgFromSPDX(string(cs.Algorithm)), Value: v})
		}
	}
	for _, r := range p.PackageExternalReferences {
		if r == nil {
			continue
		}
		category := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(r.Category), "_", "-"))
		typ := strings.TrimSpace(r.RefType)
		switch {
		case category == "PACKAGE-MANAGER" && strings.EqualFold(typ, "purl") && c.RawPURL == "":
			where.suffix = ".externalRefs"
			b.setPURL(&c, r.Locator, where)
		case category == "SECURITY" && strings.EqualFold(typ, "cpe23Type") && !strings.HasPrefix(c.CPE, "cpe:2.3:"):
			c.CPE = strings.TrimSpace(r.Locator)
		case category == "SECURITY" && strings.EqualFold(typ, "cpe22Type") && c.CPE == "":
			c.CPE = strings.TrimSpace(r.Locator)
		}
	}
	return c
}

// unescape undoes JSON escapes that tools-golang leaves in "Type: value"
// fields (supplier, creators): it takes the raw JSON text between the
// quotes, trimming every quote at either end, so `"Org: \"A\""` reaches
// us as `Org: \"A\`. Tag-value has no escapes.
func (b *builder) unescape(s string) string {
	if b.doc.Encoding != JSON || !strings.Contains(s, `\`) {
		return s
	}
	for _, raw := range []string{s, s + `"`} {
		var out string
		if json.Unmarshal([]byte(`"`+raw+`"`), &out) == nil {
			return out
		}
	}
	return s
}

// hashAlgFromSPDX names an SPDX checksum algorithm the way CycloneDX does
// ("SHA256" → "SHA-256"), so that hashes compare across formats.
func hashAlgFromSPDX(alg string) string {
	alg = strings.ToUpper(strings.TrimSpace(alg))
	switch alg {
	case "SHA1", "SHA224", "SHA256", "SHA384", "SHA512":
		return "SHA-" + alg[3:]
	case "BLAKE2B-256", "BLAKE2B-384", "BLAKE2B-512":
		return "BLAKE2b-" + alg[len("BLAKE2B-"):]
	}
	return alg
}

// hashAlgToSPDX is the inverse of hashAlgFromSPDX; "" for algorithms SPDX
// does not know.
func hashAlgToSPDX(alg string) string {
	switch a := strings.ToUpper(strings.TrimSpace(alg)); a {
	case "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512":
		return "SHA" + a[4:]
	case "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "MD2", "MD4", "MD5", "MD6",
		"SHA3-256", "SHA3-384", "SHA3-512", "BLAKE3", "ADLER32":
		return a
	case "BLAKE2B-256", "BLAKE2B-384", "BLAKE2B-512":
		return "BLAKE2b-" + a[len("BLAKE2B-"):]
	}
	return ""
}
