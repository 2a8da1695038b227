package vex

import (
	"cmp"
	"crypto/sha1"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Release is what a VEX document speaks about.
type Release struct {
	Ref        bulwark.ReleaseRef
	PURL       string                       // optional purl of the product release itself ("" → none)
	Author     string                       // organisation or user issuing the document
	Timestamp  time.Time                    // document time; the caller passes it (tests need determinism)
	Findings   []*bulwark.VulnFinding       // active findings of the release, any states
	Advisories map[string]*bulwark.Advisory // by finding Key, optional: gives description, ratings, aliases
}

// check refuses a release a document cannot be written for: the ids need
// product, version and time, and every finding must name a vulnerability,
// a known state and a component.
func (r *Release) check() error {
	switch {
	case strings.TrimSpace(r.Ref.Product) == "":
		return bulwark.FieldError("product", "a VEX document names the release's product")
	case strings.TrimSpace(r.Ref.Version) == "":
		return bulwark.FieldError("version", "a VEX document names the release's version")
	case strings.TrimSpace(r.Author) == "":
		return bulwark.FieldError("author", "say who issues the document")
	case r.Timestamp.IsZero():
		return bulwark.FieldError("timestamp", "the document needs a time")
	case r.Timestamp.UTC().Year() > 9999:
		return bulwark.FieldError("timestamp", "a year after 9999 has no RFC 3339 form")
	}
	for i, f := range r.Findings {
		switch {
		case f == nil:
			return bulwark.FieldError("findings", "entry %d is empty", i)
		case strings.TrimSpace(f.Key) == "":
			return bulwark.FieldError("findings", "finding %d names no vulnerability", f.ID)
		case !slices.Contains(bulwark.FindingStates, f.State):
			return bulwark.FieldError("findings", "finding %d has unknown state %q", f.ID, f.State)
		case f.PURL == "" && f.Component == "":
			return bulwark.FieldError("findings", "finding %d names no component", f.ID)
		case f.Release.ID != 0 && r.Ref.ID != 0 && f.Release.ID != r.Ref.ID:
			return bulwark.FieldError("findings", "finding %d belongs to release %s, not %s", f.ID, f.Release, r.Ref)
		}
	}
	return nil
}

// sorted returns the findings by key, component, id.
func (r *Release) sorted() []*bulwark.VulnFinding {
	fs := slices.Clone(r.Findings)
	slices.SortStableFunc(fs, func(a, b *bulwark.VulnFinding) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(componentRef(a), componentRef(b)), cmp.Compare(a.ID, b.ID))
	})
	return fs
}

// componentRef names a finding's component version: its purl, or
// name@version when the SBOM gave none (so such findings are still written).
func componentRef(f *bulwark.VulnFinding) string {
	if f.PURL != "" {
		return f.PURL
	}
	return f.Component + "@" + f.Version
}

// releaseURN is the release's identifier when it has no purl.
func releaseURN(ref bulwark.ReleaseRef) string {
	return "urn:bulwark:release:" + escape(ref.Product) + "@" + escape(ref.Version)
}

// documentURN identifies one document about a release at one time.
func documentURN(ref bulwark.ReleaseRef, t time.Time) string {
	return "urn:bulwark:vex:" + escape(ref.Product) + "@" + escape(ref.Version) + ":" + strconv.FormatInt(t.Unix(), 10)
}

// escape percent-encodes all but RFC 3986's unreserved characters, so that
// names with ':', '@' or spaces keep a urn unambiguous and valid.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// serialNumber is a name-based UUID (version 5) of the release and the
// document time, as CycloneDX asks for a urn:uuid.
func serialNumber(r *Release) string {
	name := fmt.Sprintf("%d\x00%s\x00%s\x00%s", r.Ref.ID, r.Ref.Product, r.Ref.Version, r.Timestamp.UTC().Format(time.RFC3339Nano))
	h := sha1.New()
	h.Write(serialNamespace[:])
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// serialNamespace is the UUID namespace of VEX serial numbers (a random
// UUID, fixed once; distinct from the SBOM writer's).
var serialNamespace = [16]byte{0x3c, 0x0f, 0x8e, 0x71, 0x5b, 0x2d, 0x4a, 0x86, 0xb1, 0x9e, 0x64, 0x0d, 0x27, 0xc3, 0x58, 0xaa}

// aliases are the other names of a vulnerability: its advisory's aliases
// and id and the advisory ids of its findings, without the key itself.
func aliases(key string, adv *bulwark.Advisory, fs []*bulwark.VulnFinding) []string {
	var out []string
	if adv != nil {
		out = append(out, adv.ID)
		out = append(out, adv.Aliases...)
	}
	for _, f := range fs {
		out = append(out, f.Advisories...)
	}
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" || s == key })
	slices.Sort(out)
	return slices.Compact(out)
}

// note joins the non-empty parts of a text field.
func note(parts ...string) string {
	parts = slices.DeleteFunc(parts, func(s string) bool { return strings.TrimSpace(s) == "" })
	return strings.Join(parts, "; ")
}

// Justification vocabularies. Bulwark stores either; each format gets the
// nearest value of its own (the table in the package doc).
var (
	cycloneDXJustification = map[string]string{
		"code_not_present":                                  "code_not_present",
		"code_not_reachable":                                "code_not_reachable",
		"requires_configuration":                            "requires_configuration",
		"requires_dependency":                               "requires_dependency",
		"requires_environment":                              "requires_environment",
		"protected_by_compiler":                             "protected_by_compiler",
		"protected_at_runtime":                              "protected_at_runtime",
		"protected_at_perimeter":                            "protected_at_perimeter",
		"protected_by_mitigating_control":                   "protected_by_mitigating_control",
		"component_not_present":                             "code_not_present",
		"vulnerable_code_not_present":                       "code_not_present",
		"vulnerable_code_not_in_execute_path":               "code_not_reachable",
		"vulnerable_code_cannot_be_controlled_by_adversary": "protected_by_mitigating_control",
		"inline_mitigations_already_exist":                  "protected_by_mitigating_control",
	}
	openVEXJustification = map[string]string{
		"component_not_present":                             "component_not_present",
		"vulnerable_code_not_present":                       "vulnerable_code_not_present",
		"vulnerable_code_not_in_execute_path":               "vulnerable_code_not_in_execute_path",
		"vulnerable_code_cannot_be_controlled_by_adversary": "vulnerable_code_cannot_be_controlled_by_adversary",
		"inline_mitigations_already_exist":                  "inline_mitigations_already_exist",
		"code_not_present":                                  "vulnerable_code_not_present",
		"code_not_reachable":                                "vulnerable_code_not_in_execute_path",
		"requires_configuration":                            "vulnerable_code_cannot_be_controlled_by_adversary",
		"requires_dependency":                               "vulnerable_code_cannot_be_controlled_by_adversary",
		"requires_environment":                              "vulnerable_code_cannot_be_controlled_by_adversary",
		"protected_by_compiler":                             "inline_mitigations_already_exist",
		"protected_at_runtime":                              "inline_mitigations_already_exist",
		"protected_at_perimeter":                            "inline_mitigations_already_exist",
		"protected_by_mitigating_control":                   "inline_mitigations_already_exist",
	}
)

// justification maps a recorded justification into one vocabulary. kept
// is the text to add so that nothing is lost: empty when the value passed
// through unchanged.
func justification(vocabulary map[string]string, recorded string) (value, kept string) {
	if recorded == "" {
		return "", ""
	}
	value = vocabulary[recorded]
	if value != recorded {
		kept = "justification recorded as " + recorded
	}
	return value, kept
}
