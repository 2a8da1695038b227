// Package ecosystem maps package URLs to the identities OSV advisories use
// (ecosystem, release and package name: FromPURL, Covers, NameKey) and
// compares versions with each ecosystem's own ordering, through
// osv-scalibr's reference implementation of OSV version semantics.
package ecosystem

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/google/osv-scalibr/semantic"
)

// byPURLType names the OSV ecosystem of each purl type we can order.
var byPURLType = map[string]string{
	"npm":      "npm",
	"pypi":     "PyPI",
	"maven":    "Maven",
	"golang":   "Go",
	"cargo":    "crates.io",
	"nuget":    "NuGet",
	"gem":      "RubyGems",
	"composer": "Packagist",
	"hex":      "Hex",
	"pub":      "Pub",
	"deb":      "Debian",
	"apk":      "Alpine",
	"rpm":      "Red Hat",
	"cran":     "CRAN",
	"hackage":  "Hackage",
	"swift":    "SwiftURL",
}

// ForPURLType returns the OSV ecosystem of a purl type, "" if unknown.
func ForPURLType(t string) string { return byPURLType[strings.ToLower(t)] }

// BaseEcosystem is an OSV ecosystem name without its suffix: "Debian:12"
// → "Debian", "Red Hat:enterprise_linux:9::baseos" → "Red Hat",
// "Packagist:https://packages.drupal.org/8" → "Packagist". The suffix scopes
// a release or a repository; the ordering of versions is the base's.
func BaseEcosystem(osvEcosystem string) string {
	base, _, _ := strings.Cut(osvEcosystem, ":")
	return base
}

// Compare orders versions a and b of a purl type: -1, 0 or 1. Types with no
// known ordering compare as semantic versions.
func Compare(purlType, a, b string) (int, error) {
	eco := ForPURLType(purlType)
	if eco == "" {
		eco = "npm" // SemVer ordering
	}
	return CompareIn(eco, a, b)
}

// CompareIn orders versions a and b in an OSV ecosystem ("PyPI",
// "Debian:12", "Red Hat:enterprise_linux:9::appstream", …): -1, 0 or 1,
// by osv-scalibr's implementation of the ecosystem's own rules. An
// ecosystem it has no ordering for is an error, never a guess.
func CompareIn(osvEcosystem, a, b string) (int, error) {
	eco := BaseEcosystem(osvEcosystem)
	va, err := semantic.Parse(a, eco)
	if errors.Is(err, semantic.ErrUnsupportedEcosystem) {
		return 0, bulwark.Errorf(bulwark.EUNSUPPORTED, "versions of the OSV ecosystem %q have no known ordering", osvEcosystem)
	}
	if err != nil {
		return 0, fmt.Errorf("version %q is not a %s version: %w", a, eco, err)
	}
	c, err := va.CompareStr(b)
	if err != nil {
		return 0, fmt.Errorf("version %q is not a %s version: %w", b, eco, err)
	}
	return c, nil
}

// Range is a set of versions: any ("*"), one exact version, or bounds such
// as ">=1.2.0 <1.3.0" (every bound must hold).
type Range struct {
	Any    bool
	Exact  string
	Bounds []Bound
}

// Bound is one comparison: Op is one of >=, >, <=, <, =.
type Bound struct {
	Op, Version string
}

// ParseRange reads a range. Errors are EINVALID on the field "versions".
func ParseRange(s string) (Range, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "*":
		return Range{Any: true}, nil
	case strings.ContainsAny(s, "~^|,*"):
		return Range{}, bulwark.FieldError("versions", "%q: write \"*\", one exact version, or bounds such as \">=1.2.0 <1.3.0\"", s)
	case !strings.ContainsAny(s, "<>= "):
		return Range{Exact: s}, nil
	}
	var r Range
	for _, f := range strings.Fields(s) {
		var b Bound
		for _, op := range []string{">=", "<=", ">", "<", "="} {
			if v, ok := strings.CutPrefix(f, op); ok {
				b = Bound{Op: op, Version: v}
				break
			}
		}
		if b.Op == "" || b.Version == "" {
			return Range{}, bulwark.FieldError("versions", "%q: each part of a range is an operator (>=, >, <=, <, =) followed by a version, e.g. \">=1.2.0 <1.3.0\"", f)
		}
		r.Bounds = append(r.Bounds, b)
	}
	return r, nil
}

// Contains reports whether version v of a purl type is in the range.
func (r Range) Contains(purlType, v string) (bool, error) {
	switch {
	case r.Any:
		return true, nil
	case r.Exact != "":
		if r.Exact == v {
			return true, nil
		}
		c, err := Compare(purlType, v, r.Exact)
		return err == nil && c == 0, err
	}
	for _, b := range r.Bounds {
		c, err := Compare(purlType, v, b.Version)
		if err != nil {
			return false, err
		}
		ok := map[string]bool{">=": c >= 0, ">": c > 0, "<=": c <= 0, "<": c < 0, "=": c == 0}[b.Op]
		if !ok {
			return false, nil
		}
	}
	return true, nil
}
