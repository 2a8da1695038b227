// Package purl parses and normalises package URLs with the purl project's
// own library, and splits them into the identity the catalog keys on: the
// component (type, namespace, name) and its version.
package purl

import (
	"strings"

	"github.com/bulwark-sec/bulwark"
	packageurl "github.com/package-url/packageurl-go"
)

// MaxLength bounds the purls we accept.
const MaxLength = 2048

// PURL is a normalised package URL.
type PURL struct {
	packageurl.PackageURL
}

// Parse parses s and normalises it per type (lower-casing where the type
// says names are case-insensitive, PyPI's name rules, …). Errors are
// EINVALID on the field "purl" and say what is wrong.
func Parse(s string) (PURL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PURL{}, bulwark.FieldError("purl", "a package URL is required (e.g. pkg:npm/lodash@4.17.21)")
	}
	if len(s) > MaxLength {
		return PURL{}, bulwark.FieldError("purl", "package URLs are at most %d characters", MaxLength)
	}
	p, err := packageurl.FromString(s)
	if err != nil {
		return PURL{}, bulwark.FieldError("purl", "%q is not a valid package URL: %v", s, err)
	}
	if strings.ContainsAny(p.Name, "\x00\n\r") || strings.ContainsAny(p.Version, "\x00\n\r") {
		return PURL{}, bulwark.FieldError("purl", "%q contains control characters", s)
	}
	return PURL{p}, nil
}

// Component is the version-less identity: pkg:type/namespace/name.
func (p PURL) Component() string {
	q := packageurl.PackageURL{Type: p.Type, Namespace: p.Namespace, Name: p.Name}
	return q.ToString()
}

// Versioned is the component identity at a version, without qualifiers or
// subpath: what a certification applies to.
func (p PURL) Versioned() string {
	q := packageurl.PackageURL{Type: p.Type, Namespace: p.Namespace, Name: p.Name, Version: p.Version}
	return q.ToString()
}

// WithVersion returns the versioned purl of p at version v.
func (p PURL) WithVersion(v string) PURL {
	p.Version = v
	return p
}

// DisplayName is how people name the component: namespace/name, or name.
func (p PURL) DisplayName() string {
	if p.Namespace == "" {
		return p.Name
	}
	sep := "/"
	if p.Type == packageurl.TypeMaven {
		sep = ":"
	}
	return p.Namespace + sep + p.Name
}
