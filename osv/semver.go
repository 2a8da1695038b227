package osv

import (
	"fmt"
	"strings"
)

// semver is a version read strictly by SemVer 2.0.0 (https://semver.org),
// the ordering of SEMVER ranges. semantic's SemVer-like parser accepts
// anything and orders a pre-release identifier such as "-1" as a negative
// number; a SEMVER range is defined by the specification, so it is read by
// it, and a version that does not follow it is an error, not a guess.
type semver struct {
	major, minor, patch string   // numeric, no leading zeros
	pre                 []string // pre-release identifiers
}

// parseSemver reads s, allowing one leading "v" as Go module versions have.
func parseSemver(s string) (semver, error) {
	if err := checkVersionText(s); err != nil {
		return semver{}, err
	}
	bad := func(why string) (semver, error) {
		return semver{}, fmt.Errorf("%w: %q is not a SemVer 2.0 version: %s", ErrInvalidVersion, s, why)
	}
	t := strings.TrimPrefix(s, "v")
	t, build, hasBuild := strings.Cut(t, "+")
	core, pre, hasPre := strings.Cut(t, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return bad("want MAJOR.MINOR.PATCH")
	}
	for _, p := range parts {
		if !numeric(p) {
			return bad("MAJOR, MINOR and PATCH are numbers without leading zeros")
		}
	}
	v := semver{major: parts[0], minor: parts[1], patch: parts[2]}
	if hasPre {
		v.pre = strings.Split(pre, ".")
		for _, id := range v.pre {
			if !identifier(id) || isDigits(id) && !numeric(id) {
				return bad("bad pre-release identifier " + fmt.Sprintf("%q", id))
			}
		}
	}
	if hasBuild {
		for _, id := range strings.Split(build, ".") {
			if !identifier(id) {
				return bad("bad build identifier " + fmt.Sprintf("%q", id))
			}
		}
	}
	return v, nil
}

// identifier: non-empty, [0-9A-Za-z-].
func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// numeric: digits, no leading zero unless the number is 0.
func numeric(s string) bool {
	return isDigits(s) && (s == "0" || s[0] != '0')
}

// cmpNumeric orders digit strings without leading zeros, of any length.
func cmpNumeric(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// compare orders by SemVer 2.0.0 section 11; build metadata is ignored.
func (v semver) compare(w semver) int {
	for _, c := range [][2]string{{v.major, w.major}, {v.minor, w.minor}, {v.patch, w.patch}} {
		if r := cmpNumeric(c[0], c[1]); r != 0 {
			return r
		}
	}
	switch {
	case len(v.pre) == 0 && len(w.pre) == 0:
		return 0
	case len(v.pre) == 0:
		return 1 // a release follows its pre-releases
	case len(w.pre) == 0:
		return -1
	}
	for i := 0; i < len(v.pre) && i < len(w.pre); i++ {
		a, b := v.pre[i], w.pre[i]
		an, bn := isDigits(a), isDigits(b)
		var r int
		switch {
		case an && bn:
			r = cmpNumeric(a, b)
		case an:
			r = -1 // numeric identifiers sort before alphanumeric ones
		case bn:
			r = 1
		default:
			r = strings.Compare(a, b)
		}
		if r != 0 {
			return r
		}
	}
	switch {
	case len(v.pre) < len(w.pre):
		return -1
	case len(v.pre) > len(w.pre):
		return 1
	}
	return 0
}
