package osv

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/osv-scalibr/semantic"
)

// Errors a version comparison or an evaluation wraps; test with errors.Is.
var (
	ErrUnsupportedEcosystem = errors.New("no version ordering is known for this ecosystem")
	ErrInvalidVersion       = errors.New("invalid version")
)

// maxVersionLen bounds a version string: none is anywhere near it, and the
// orderings below do big-number arithmetic on digit runs.
const maxVersionLen = 256

// sameOrdering names, for ecosystems the OSV schema defines but
// osv-scalibr's semantic package does not list, the ecosystem whose
// ordering they use. Photon OS publishes RPMs (the schema: "the name is the
// name of the RPM package"), so it takes the RPM ordering semantic
// implements under "Red Hat". Everything semantic lists it orders itself,
// including AlmaLinux, Rocky Linux, Red Hat, openSUSE, SUSE, Mageia and
// openEuler (RPM), Ubuntu (Debian) and Wolfi, Chainguard, MinimOS (Alpine).
var sameOrdering = map[string]string{
	"Photon OS": "Red Hat",
}

// baseEcosystem strips the release or repository suffix: "Debian:12",
// "Ubuntu:Pro:18.04:LTS", "Packagist:https://packages.drupal.org/8" and
// "Red Hat:rhel_aus:8.4::appstream" order like "Debian", "Ubuntu",
// "Packagist" and "Red Hat".
func baseEcosystem(ecosystem string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	if o, ok := sameOrdering[base]; ok {
		return o
	}
	return base
}

// Supported reports whether versions of the OSV ecosystem (suffix allowed,
// as in "AlmaLinux:9") can be ordered, and so its ECOSYSTEM ranges
// evaluated.
func Supported(ecosystem string) bool {
	base := baseEcosystem(ecosystem)
	if base == "" {
		return false
	}
	_, err := semantic.Parse("0", base)
	return !errors.Is(err, semantic.ErrUnsupportedEcosystem)
}

// Compare orders versions a and b of an OSV ecosystem: -1, 0 or +1. The
// error wraps ErrUnsupportedEcosystem or ErrInvalidVersion.
func Compare(ecosystem, a, b string) (int, error) {
	va, err := parseEcosystemVersion(ecosystem, a)
	if err != nil {
		return 0, err
	}
	vb, err := parseEcosystemVersion(ecosystem, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb)
}

// parseEcosystemVersion reads a version with the ordering of an ecosystem.
// Several of semantic's parsers take any string (ordering garbage somewhere
// rather than failing), so a version must first look like one: printable,
// no white space, and, where semantic orders it as SemVer-like, starting
// with a digit (after an optional "v").
func parseEcosystemVersion(ecosystem, s string) (semantic.Version, error) {
	base := baseEcosystem(ecosystem)
	if base == "" {
		return nil, fmt.Errorf("%w: the package names no ecosystem", ErrUnsupportedEcosystem)
	}
	if err := checkVersionText(s); err != nil {
		return nil, err
	}
	v, err := semantic.Parse(s, base)
	switch {
	case errors.Is(err, semantic.ErrUnsupportedEcosystem):
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedEcosystem, ecosystem)
	case err != nil:
		return nil, fmt.Errorf("%w: %q is not a %s version: %v", ErrInvalidVersion, s, base, err)
	}
	if _, ok := v.(semantic.SemverVersion); ok {
		if t := strings.TrimPrefix(s, "v"); t == "" || t[0] < '0' || t[0] > '9' {
			return nil, fmt.Errorf("%w: %q is not a %s version: it does not start with a number", ErrInvalidVersion, s, base)
		}
	}
	return v, nil
}

func checkVersionText(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty", ErrInvalidVersion)
	case len(s) > maxVersionLen:
		return fmt.Errorf("%w: %d bytes long (at most %d)", ErrInvalidVersion, len(s), maxVersionLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %q is not UTF-8", ErrInvalidVersion, s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %q holds white space or a control character", ErrInvalidVersion, s)
		}
	}
	return nil
}
