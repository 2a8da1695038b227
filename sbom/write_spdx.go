package sbom

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// WriteSPDX writes d as an SPDX 2.3 JSON document in namespace (an
// absolute URI without a fragment, unique to this document). Packages are
// the subject, which the document DESCRIBES, and the components; edges
// become DEPENDS_ON relationships. Licences that are not SPDX expressions
// are declared NOASSERTION and kept in the licence comment. The creation
// time is d.Created, or now when d has none.
func WriteSPDX(w io.Writer, d *Document, namespace string) error {
	if d == nil {
		return errors.New("sbom: WriteSPDX: no document")
	}
	u, err := url.Parse(namespace)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(namespace, "#") {
		return fmt.Errorf("sbom: WriteSPDX: the namespace %q must be an absolute URI without '#'", namespace)
	}
	created := d.Created
	if created.IsZero() {
		created = time.Now()
	}
	doc := spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      documentName(d),
		DocumentNamespace: namespace,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "bulwark"}},
			Created:  created.UTC().Format(time.RFC3339),
		},
	}
	for _, t := range d.Tools {
		if t != "bulwark" {
			doc.CreationInfo.Creators = append(doc.CreationInfo.Creators, common.Creator{CreatorType: "Tool", Creator: t})
		}
	}

	ids := spdxIDs(d)
	declared := map[string]bool{}
	addPackage := func(c *Component, id common.ElementID) {
		p := spdxPackage(c, id)
		if p.PackageLicenseDeclared != "NOASSERTION" {
			for _, ref := range licenseRefs(p.PackageLicenseDeclared) {
				if !declared[ref] {
					declared[ref] = true
					doc.OtherLicenses = append(doc.OtherLicenses, &spdx.OtherLicense{
						LicenseIdentifier: ref,
						LicenseName:       strings.TrimPrefix(ref, "LicenseRef-"),
						ExtractedText:     "The source SBOM named this licence by reference only; its text is not known.",
					})
				}
			}
		}
		doc.Packages = append(doc.Packages, p)
	}
	if d.Subject != nil {
		addPackage(d.Subject, ids.subject)
	}
	for i := range d.Components {
		addPackage(&d.Components[i], ids.components[i])
	}

	relate := func(a, b common.ElementID, typ string) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)), Relationship: typ,
		})
	}
	if d.Subject != nil {
		relate("DOCUMENT", ids.subject, common.TypeRelationshipDescribe)
	} else {
		// No subject: the document describes its top-level components.
		for i, lv := range d.Levels() {
			if lv.Depth == 1 {
				relate("DOCUMENT", ids.components[i], common.TypeRelationshipDescribe)
			}
		}
	}
	seen := map[Edge]bool{}
	for _, e := range d.Dependencies {
		if e.To < 0 || e.To >= len(d.Components) || e.From < Root || e.From >= len(d.Components) || seen[e] {
			continue
		}
		seen[e] = true
		switch {
		case e.From != Root:
			relate(ids.components[e.From], ids.components[e.To], common.TypeRelationshipDependsOn)
		case d.Subject != nil:
			relate(ids.subject, ids.components[e.To], common.TypeRelationshipDependsOn)
		}
	}

	if err := spdxjson.Write(&doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("sbom: writing SPDX: %w", err)
	}
	return nil
}

func documentName(d *Document) string {
	switch {
	case d.Name != "":
		return d.Name
	case d.Subject != nil && d.Subject.Name != "":
		return d.Subject.Name
	}
	return "sbom"
}

func spdxPackage(c *Component, id common.ElementID) *spdx.Package {
	p := &spdx.Package{
		PackageSPDXIdentifier:     id,
		PackageName:               cmp.Or(c.Name, string(id)),
		PackageVersion:            c.Version,
		PackageDownloadLocation:   "NOASSERTION",
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   "NOASSERTION",
		PackageLicenseDeclared:    "NOASSERTION",
		PackageCopyrightText:      "NOASSERTION",
		PackageDescription:        c.Description,
		PrimaryPackagePurpose:     spdxPurpose(c.Type),
	}
	if expr, ok := validExpression(c.License); ok {
		p.PackageLicenseDeclared = expr
	} else if !noLicense(c.License) {
		p.PackageLicenseComments = "Licence as the source SBOM gives it: " + c.License
	}
	if c.Supplier != "" {
		p.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: c.Supplier}
	}
	for _, h := range c.Hashes {
		if alg := hashAlgToSPDX(h.Alg); alg != "" && h.Value != "" {
			p.PackageChecksums = append(p.PackageChecksums, common.Checksum{Algorithm: common.ChecksumAlgorithm(alg), Value: strings.ToLower(h.Value)})
		}
	}
	if c.PURL != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: c.PURL,
		})
	}
	switch {
	case strings.HasPrefix(c.CPE, "cpe:2.3:"):
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategorySecurity, RefType: common.TypeSecurityCPE23Type, Locator: c.CPE,
		})
	case strings.HasPrefix(c.CPE, "cpe:/"):
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategorySecurity, RefType: common.TypeSecurityCPE22Type, Locator: c.CPE,
		})
	}
	return p
}

// spdxPurpose maps a component type to an SPDX 2.3 primary package purpose.
func spdxPurpose(t string) string {
	switch p := strings.ToUpper(strings.ReplaceAll(t, "-", "_")); p {
	case "APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER", "OPERATING_SYSTEM", "DEVICE", "FIRMWARE",
		"SOURCE", "ARCHIVE", "FILE", "INSTALL", "OTHER":
		return p
	case "DEVICE_DRIVER":
		return "DEVICE"
	case "PLATFORM", "MACHINE_LEARNING_MODEL", "DATA", "CRYPTOGRAPHIC_ASSET":
		return "OTHER"
	}
	return ""
}

// spdxIDs gives the subject and each component an SPDX id: the ref when
// it is one, else the ref with the characters SPDX ids cannot hold
// replaced; unique, and never DOCUMENT. Ids are kept without "SPDXRef-",
// as tools-golang wants them.
func spdxIDs(d *Document) (ids struct {
	subject    common.ElementID
	components []common.ElementID
}) {
	used := map[string]bool{"DOCUMENT": true}
	pick := func(ref, fallback string) common.ElementID {
		// Kept without its prefix; tools-golang adds one, unless the id
		// already starts with one ("SPDXRef-SPDXRef a" cleans up to that).
		id := spdxIDChars(ref)
		for strings.HasPrefix(id, "SPDXRef-") {
			id = strings.TrimPrefix(id, "SPDXRef-")
		}
		if id == "" || used[id] {
			base := id
			if base == "" {
				base = fallback
			}
			id = base
			for n := 2; used[id]; n++ {
				id = fmt.Sprintf("%s-%d", base, n)
			}
		}
		used[id] = true
		return common.ElementID(id)
	}
	if d.Subject != nil {
		ids.subject = pick(d.Subject.Ref, "Package")
	}
	ids.components = make([]common.ElementID, len(d.Components))
	for i, c := range d.Components {
		ids.components[i] = pick(c.Ref, fmt.Sprintf("Package-%d", i))
	}
	return ids
}

// spdxIDChars keeps letters, digits, '.' and '-', replacing runs of
// anything else with one '-'.
func spdxIDChars(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
			dash = r == '-'
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}
