// Package policy reads the catalog policy document (YAML or JSON) and runs
// the automatic checks of a component version against it: licence groups
// evaluated over the whole SPDX expression (an OR needs one acceptable
// branch, an AND needs every part), export-control classifications, and
// personal data. Licence expressions are parsed by github/go-spdx.
package policy

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/bulwark-sec/bulwark"
	"github.com/github/go-spdx/v2/spdxexp"
	"go.yaml.in/yaml/v3"
)

// DefaultText is the policy a new installation starts with.
//
//go:embed default.yaml
var DefaultText string

// Policy is the parsed document.
type Policy struct {
	Licenses struct {
		Allow  []string `yaml:"allow" json:"allow"`
		Review []string `yaml:"review" json:"review"`
		Deny   []string `yaml:"deny" json:"deny"`
		// Unlisted says what a licence in no group needs: review or deny.
		Unlisted string `yaml:"unlisted" json:"unlisted"`
	} `yaml:"licenses" json:"licenses"`
	ExportControl struct {
		Review                []string `yaml:"review" json:"review"`
		Deny                  []string `yaml:"deny" json:"deny"`
		RequireClassification bool     `yaml:"require_classification" json:"require_classification"`
	} `yaml:"export_control" json:"export_control"`
	DataProtection struct {
		// PersonalData: review (needs a data-protection assessment) or allow.
		PersonalData string `yaml:"personal_data" json:"personal_data"`
	} `yaml:"data_protection" json:"data_protection"`
	RedLine struct {
		// Severity: known vulnerabilities at or above it fail the red line.
		Severity string `yaml:"severity" json:"severity"`
	} `yaml:"red_line" json:"red_line"`
	Certification struct {
		Approvals           int  `yaml:"approvals" json:"approvals"`
		RequireVerification bool `yaml:"require_verification" json:"require_verification"`
		ValidityDays        int  `yaml:"validity_days" json:"validity_days"`
	} `yaml:"certification" json:"certification"`
	Waivers struct {
		MaxDays int `yaml:"max_days" json:"max_days"`
	} `yaml:"waivers" json:"waivers"`
	// SLA gives the days a finding of each severity may stay open; a
	// policy that leaves it out gets DefaultSLA.
	SLA map[string]int `yaml:"sla" json:"sla"`
}

// DefaultSLA is the days a finding may stay open, by severity.
var DefaultSLA = map[string]int{"critical": 7, "high": 30, "medium": 90, "low": 180}

// SLADays returns how long a finding of a severity may stay open; 0 means
// no deadline (no or an unknown severity).
func (p *Policy) SLADays(severity string) int {
	if d, ok := p.SLA[severity]; ok {
		return d
	}
	return DefaultSLA[severity]
}

// Severities in ascending order.
var Severities = []string{"low", "medium", "high", "critical"}

// MaxBytes bounds a policy document.
const MaxBytes = 256 << 10

// Parse reads and validates a policy document. YAML is a superset of JSON,
// so both are accepted. Unknown keys are errors. Errors are EINVALID on the
// field "policy" and name the key (and line, for syntax errors).
func Parse(text string) (*Policy, error) {
	if len(text) > MaxBytes {
		return nil, bulwark.FieldError("policy", "the policy document is over %d bytes", MaxBytes)
	}
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	var p Policy
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, bulwark.FieldError("policy", "the policy document is empty")
		}
		return nil, bulwark.FieldError("policy", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, bulwark.FieldError("policy", "the document holds more than one policy (a second YAML document follows)")
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Default returns the parsed default policy.
func Default() *Policy {
	p, err := Parse(DefaultText)
	if err != nil {
		panic("default policy: " + err.Error())
	}
	return p
}

func (p *Policy) validate() error {
	seen := map[string]string{}
	groups := []struct {
		name string
		ids  []string
	}{{"allow", p.Licenses.Allow}, {"review", p.Licenses.Review}, {"deny", p.Licenses.Deny}}
	for _, g := range groups {
		for i, id := range g.ids {
			key := fmt.Sprintf("licenses.%s[%d]", g.name, i)
			if !validID(id) {
				return bulwark.FieldError("policy", "%s: %q is not an SPDX licence id or LicenseRef", key, id)
			}
			norm := strings.ToLower(id)
			if other, dup := seen[norm]; dup {
				return bulwark.FieldError("policy", "%s: %q is already in licenses.%s", key, id, other)
			}
			seen[norm] = g.name
		}
	}
	for sev, days := range p.SLA {
		if !slices.Contains(Severities, sev) {
			return bulwark.FieldError("policy", "sla.%s: not a severity (one of %s)", sev, strings.Join(Severities, ", "))
		}
		if days < 1 || days > 3650 {
			return bulwark.FieldError("policy", "sla.%s: %d days is not between 1 and 3650", sev, days)
		}
	}
	if len(p.Licenses.Allow) == 0 {
		return bulwark.FieldError("policy", "licenses.allow: list at least one allowed licence")
	}
	switch p.Licenses.Unlisted {
	case "":
		p.Licenses.Unlisted = "review"
	case "review", "deny":
	default:
		return bulwark.FieldError("policy", "licenses.unlisted: %q, want review or deny", p.Licenses.Unlisted)
	}
	for _, list := range []struct {
		name string
		ids  []string
	}{{"export_control.review", p.ExportControl.Review}, {"export_control.deny", p.ExportControl.Deny}} {
		for i, c := range list.ids {
			d := bulwark.VersionDetails{License: "MIT", ExportControl: c}
			if err := d.Validate(); err != nil || c == "" {
				return bulwark.FieldError("policy", "%s[%d]: %q is not an export-control classification", list.name, i, c)
			}
		}
	}
	switch p.DataProtection.PersonalData {
	case "":
		p.DataProtection.PersonalData = "review"
	case "review", "allow":
	default:
		return bulwark.FieldError("policy", "data_protection.personal_data: %q, want review or allow", p.DataProtection.PersonalData)
	}
	if p.RedLine.Severity == "" {
		p.RedLine.Severity = "high"
	}
	if !slices.Contains(Severities, p.RedLine.Severity) {
		return bulwark.FieldError("policy", "red_line.severity: %q, want one of %s", p.RedLine.Severity, strings.Join(Severities, ", "))
	}
	if p.Certification.Approvals == 0 {
		p.Certification.Approvals = 1
	}
	if p.Certification.Approvals < 1 || p.Certification.Approvals > 5 {
		return bulwark.FieldError("policy", "certification.approvals: %d, want 1 to 5 distinct product-security decisions", p.Certification.Approvals)
	}
	if p.Certification.ValidityDays < 0 || p.Certification.ValidityDays > 3650 {
		return bulwark.FieldError("policy", "certification.validity_days: %d, want 0 (no expiry) to 3650", p.Certification.ValidityDays)
	}
	if p.Waivers.MaxDays == 0 {
		p.Waivers.MaxDays = 180
	}
	if p.Waivers.MaxDays < 1 || p.Waivers.MaxDays > 366 {
		return bulwark.FieldError("policy", "waivers.max_days: %d, want 1 to 366", p.Waivers.MaxDays)
	}
	return nil
}

// Special licence values SPDX allows where an expression is expected.
const (
	NoAssertion = "NOASSERTION"
	None        = "NONE"
)

// NormalizeLicense checks that expr is a valid SPDX licence expression and
// returns it with runs of white space collapsed. Errors are EINVALID on the
// field "license" and say where the expression breaks.
func NormalizeLicense(expr string) (string, error) {
	expr = strings.Join(strings.Fields(expr), " ")
	if expr == "" {
		return "", bulwark.FieldError("license", "give the licence as an SPDX expression (e.g. MIT OR Apache-2.0), or NOASSERTION")
	}
	if up := strings.ToUpper(expr); up == NoAssertion || up == None {
		return up, nil
	}
	if len(expr) > 1000 {
		return "", bulwark.FieldError("license", "licence expressions are at most 1,000 characters")
	}
	if _, err := extract(expr); err != nil {
		return "", bulwark.FieldError("license", "%q is not a valid SPDX expression: %v", expr, err)
	}
	return expr, nil
}

// LicenseIDs returns the licence ids an expression mentions (with their
// exceptions), for search.
func LicenseIDs(expr string) []string {
	ids, err := extract(expr)
	if err != nil {
		return nil
	}
	return ids
}

// parsed remembers what go-spdx made of recent expressions: catalogs and
// SBOMs repeat a few dozen expressions over and over, and parsing one costs
// tens of microseconds.
var parsed = struct {
	sync.Mutex
	m map[string]extracted
}{m: map[string]extracted{}}

type extracted struct {
	ids []string
	err error
}

const parsedMax = 4096

// extract and satisfies call go-spdx, which panics on some malformed
// input (a lone "(" dereferences nil in v2.4.0); a panic there is a parse
// error to us, never a crashed request.
func extract(expr string) ([]string, error) {
	parsed.Lock()
	e, ok := parsed.m[expr]
	parsed.Unlock()
	if !ok {
		e.ids, e.err = extractUncached(expr)
		parsed.Lock()
		if len(parsed.m) >= parsedMax {
			clear(parsed.m)
		}
		parsed.m[expr] = e
		parsed.Unlock()
	}
	return slices.Clone(e.ids), e.err
}

func extractUncached(expr string) (ids []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			ids, err = nil, fmt.Errorf("unbalanced or incomplete expression")
		}
	}()
	return spdxexp.ExtractLicenses(expr)
}

func satisfies(expr string, allowed []string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if len(allowed) == 0 {
		return false
	}
	ok, err := spdxexp.Satisfies(expr, allowed)
	return ok && err == nil
}

func validID(id string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	ok, _ = spdxexp.ValidateLicenses([]string{id})
	return ok
}

// CheckLicense evaluates a normalised expression against the licence groups.
func (p *Policy) CheckLicense(expr string) bulwark.NewFinding {
	f := bulwark.NewFinding{Check: bulwark.CheckLicense}
	switch expr {
	case NoAssertion:
		f.Outcome, f.Summary = bulwark.OutcomeWarn, "No licence information (NOASSERTION): legal review needed"
		return f
	case None:
		f.Outcome, f.Summary = bulwark.OutcomeFail, "No licence is granted (NONE): the component cannot be used"
		return f
	}
	ids := LicenseIDs(expr)
	var unlisted, denied, review []string
	for _, id := range ids {
		switch {
		case inFold(p.Licenses.Allow, id):
		case inFold(p.Licenses.Review, id):
			review = append(review, id)
		case inFold(p.Licenses.Deny, id):
			denied = append(denied, id)
		default:
			unlisted = append(unlisted, id)
		}
	}
	if satisfies(expr, p.Licenses.Allow) {
		f.Outcome, f.Summary = bulwark.OutcomePass, fmt.Sprintf("%s can be met with allowed licences", expr)
		return f
	}
	acceptable := append(append([]string{}, p.Licenses.Allow...), p.Licenses.Review...)
	if p.Licenses.Unlisted == "review" {
		acceptable = append(acceptable, unlisted...)
	}
	if satisfies(expr, acceptable) {
		need := append(review, unlisted...)
		if p.Licenses.Unlisted != "review" {
			need = review
		}
		f.Outcome = bulwark.OutcomeWarn
		f.Summary = fmt.Sprintf("%s needs legal review", expr)
		f.Detail = fmt.Sprintf("Meeting the expression needs licences outside the allowed group: %s.", strings.Join(need, ", "))
		return f
	}
	f.Outcome = bulwark.OutcomeFail
	f.Summary = fmt.Sprintf("%s cannot be met under the licence policy", expr)
	var parts []string
	if len(denied) > 0 {
		parts = append(parts, "denied: "+strings.Join(denied, ", "))
	}
	if len(unlisted) > 0 && p.Licenses.Unlisted == "deny" {
		parts = append(parts, "not in any group (policy denies unlisted licences): "+strings.Join(unlisted, ", "))
	}
	f.Detail = "Every way to satisfy the expression uses a licence the policy does not accept (" + strings.Join(parts, "; ") + ")."
	return f
}

// CheckExportControl evaluates a classification.
func (p *Policy) CheckExportControl(eccn string) bulwark.NewFinding {
	f := bulwark.NewFinding{Check: bulwark.CheckExportControl}
	switch {
	case eccn == "" && p.ExportControl.RequireClassification:
		f.Outcome, f.Summary = bulwark.OutcomeWarn, "No export-control classification given; policy requires one"
	case eccn == "":
		f.Outcome, f.Summary = bulwark.OutcomeInfo, "No export-control classification given"
	case inFold(p.ExportControl.Deny, eccn):
		f.Outcome, f.Summary = bulwark.OutcomeFail, fmt.Sprintf("Classification %s is denied by policy", eccn)
	case inFold(p.ExportControl.Review, eccn):
		f.Outcome, f.Summary = bulwark.OutcomeWarn, fmt.Sprintf("Classification %s needs an export licence review", eccn)
	default:
		f.Outcome, f.Summary = bulwark.OutcomePass, fmt.Sprintf("Classification %s needs no licence review", eccn)
	}
	return f
}

// CheckDataProtection evaluates personal-data handling.
func (p *Policy) CheckDataProtection(personal bool) bulwark.NewFinding {
	f := bulwark.NewFinding{Check: bulwark.CheckDataProtection}
	switch {
	case !personal:
		f.Outcome, f.Summary = bulwark.OutcomePass, "Does not process personal data"
	case p.DataProtection.PersonalData == "allow":
		f.Outcome, f.Summary = bulwark.OutcomeInfo, "Processes personal data (policy allows it without assessment)"
	default:
		f.Outcome, f.Summary = bulwark.OutcomeWarn, "Processes personal data: a data-protection assessment is needed"
	}
	return f
}

// Evaluate runs the automatic checks that need no outside data.
func (p *Policy) Evaluate(d bulwark.VersionDetails) []bulwark.NewFinding {
	return []bulwark.NewFinding{p.CheckLicense(d.License), p.CheckExportControl(d.ExportControl), p.CheckDataProtection(d.PersonalData)}
}

func inFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
