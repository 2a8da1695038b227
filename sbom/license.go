package sbom

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"

	"github.com/bulwark-sec/bulwark/policy"
)

// joinLicenses combines the licences a component lists: a component under
// several listed licences is under all of them, so they join with AND.
// Compound parts are parenthesised; repeats are dropped.
func joinLicenses(parts []string) string {
	var out []string
	for _, p := range parts {
		p = strings.Join(strings.Fields(p), " ")
		if p == "" || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	if len(out) > 1 {
		for i, p := range out {
			if compound(p) {
				out[i] = "(" + p + ")"
			}
		}
	}
	return strings.Join(out, " AND ")
}

// compound says whether p combines licences with AND, OR or WITH outside
// parentheses that enclose all of it.
func compound(p string) bool {
	if enclosed(p) {
		return false
	}
	up := " " + strings.ToUpper(p) + " "
	return strings.Contains(up, " AND ") || strings.Contains(up, " OR ") || strings.Contains(up, " WITH ")
}

// enclosed says whether p is one parenthesised group: "(a OR b)", not
// "(a) OR (b)".
func enclosed(p string) bool {
	if !strings.HasPrefix(p, "(") || !strings.HasSuffix(p, ")") {
		return false
	}
	depth := 0
	for i := range len(p) {
		switch p[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth == 0 && i < len(p)-1 {
			return false
		}
	}
	return depth == 0
}

// noLicense says whether s carries no licence information.
func noLicense(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.EqualFold(s, policy.NoAssertion) || strings.EqualFold(s, policy.None)
}

// validExpression reports whether s is an SPDX licence expression, and
// returns it normalised. policy.NormalizeLicense caches and guards
// go-spdx, which panics on some malformed input.
func validExpression(s string) (string, bool) {
	if noLicense(s) {
		return "", false
	}
	expr, err := policy.NormalizeLicense(s)
	return expr, err == nil
}

// licenseIDs holds the SPDX licence list keyed by lower-case id, so that
// an id can be checked and given its canonical spelling.
var licenseIDs = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, list := range [][]string{spdxlicenses.GetLicenses(), spdxlicenses.GetDeprecated()} {
		for _, id := range list {
			m[strings.ToLower(id)] = id
		}
	}
	return m
})

// licenseID returns the canonical spelling of s when s is a single SPDX
// licence id (not a LicenseRef, not an expression).
func licenseID(s string) (string, bool) {
	id, ok := licenseIDs()[strings.ToLower(strings.TrimSpace(s))]
	return id, ok
}

// licenseRefs lists the LicenseRef- ids of this document that an
// expression uses (not DocumentRef-x:LicenseRef-y ones, defined elsewhere).
// It reads the tokens itself: go-spdx's ExtractLicenses (v2.4.0) drops
// LicenseRefs that sit under an OR.
func licenseRefs(expr string) []string {
	var refs []string
	for _, tok := range strings.FieldsFunc(expr, func(r rune) bool { return r == '(' || r == ')' || unicode.IsSpace(r) }) {
		if strings.HasPrefix(tok, "LicenseRef-") && !slices.Contains(refs, tok) {
			refs = append(refs, tok)
		}
	}
	return refs
}
