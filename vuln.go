package bulwark

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Advisory is one imported vulnerability record (OSV), with its severity
// scored and the key of the vulnerability it describes: records that alias
// each other (CVE ↔ GHSA ↔ PYSEC ↔ GO …) share one key.
type Advisory struct {
	ID             string     `json:"id"`
	Key            string     `json:"key"` // the CVE when any alias is one, else the smallest id of the alias set
	Aliases        []string   `json:"aliases"`
	Summary        string     `json:"summary,omitempty"`
	Details        string     `json:"details,omitempty"`
	Modified       time.Time  `json:"modified"`
	Published      *time.Time `json:"published,omitempty"`
	Withdrawn      *time.Time `json:"withdrawn,omitempty"`
	Score          float64    `json:"score,omitempty"`
	Rating         string     `json:"rating,omitempty"` // critical, high, medium, low, none; "" unknown
	Vector         string     `json:"vector,omitempty"`
	SeveritySource string     `json:"severity_source,omitempty"` // "CVSS:3.1", "CVSS:4.0", "database"
	Source         string     `json:"source"`                    // file (or archive member) it was imported from
}

// Rejection is a record an import refused, and why.
type Rejection struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// AdvisoryImportResult counts what an import did.
type AdvisoryImportResult struct {
	Read       int         `json:"read"`
	New        int         `json:"new"`
	Updated    int         `json:"updated"`
	Unchanged  int         `json:"unchanged"`
	Withdrawn  int         `json:"withdrawn"` // new or updated records that are withdrawn
	Rejected   int         `json:"rejected"`
	Rejections []Rejection `json:"rejections"`
	Warnings   []Rejection `json:"warnings"` // accepted records with something to say (unknown fields)
	// What matching the changed records against the portfolio did.
	Releases         int `json:"releases_rematched"`
	NewFindings      int `json:"new_findings"`
	ResolvedFindings int `json:"resolved_findings"`
}

// VulnMatch is one advisory whose ranges contain a package version.
type VulnMatch struct {
	Key         string   `json:"key"` // the vulnerability (shared by records that alias each other)
	IDs         []string `json:"ids"` // the advisory record
	Aliases     []string `json:"aliases"`
	Summary     string   `json:"summary,omitempty"`
	Rating      string   `json:"rating,omitempty"`
	Score       float64  `json:"score,omitempty"`
	Fixed       []string `json:"fixed"`
	Unevaluated []string `json:"unevaluated,omitempty"` // GIT ranges and the like, reported, not guessed
}

// FindingState is the VEX analysis state of a finding.
type FindingState string

const (
	FindingInTriage      FindingState = "in_triage"
	FindingAffected      FindingState = "affected"
	FindingNotAffected   FindingState = "not_affected"
	FindingFixed         FindingState = "fixed"
	FindingFalsePositive FindingState = "false_positive"
)

// FindingStates in display order.
var FindingStates = []FindingState{FindingInTriage, FindingAffected, FindingNotAffected, FindingFixed, FindingFalsePositive}

// Open reports whether a finding in state s still needs work.
func (s FindingState) Open() bool { return s == FindingInTriage || s == FindingAffected }

// Justifications say why a component is not affected: CycloneDX's
// impact-analysis justifications and CSAF's flags, either vocabulary.
var Justifications = []string{
	"code_not_present", "code_not_reachable", "requires_configuration", "requires_dependency", "requires_environment",
	"protected_by_compiler", "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control",
	"component_not_present", "vulnerable_code_not_present", "vulnerable_code_cannot_be_controlled_by_adversary",
	"vulnerable_code_not_in_execute_path", "inline_mitigations_already_exist",
}

// Responses are what the vendor does about an affected component
// (CycloneDX impact-analysis responses).
var Responses = []string{"can_not_fix", "will_not_fix", "update", "rollback", "workaround_available"}

// VulnFinding is one vulnerability in one component version of one release.
type VulnFinding struct {
	ID            int64        `json:"id"`
	Release       ReleaseRef   `json:"release"`
	PackageID     int64        `json:"package_id"`
	Component     string       `json:"component"`
	Version       string       `json:"version"`
	PURL          string       `json:"purl,omitempty"`
	Key           string       `json:"key"`
	Advisories    []string     `json:"advisories"`
	Rating        string       `json:"rating,omitempty"`
	Score         float64      `json:"score,omitempty"`
	Fixed         []string     `json:"fixed"`
	State         FindingState `json:"state"`
	Justification string       `json:"justification,omitempty"`
	Response      string       `json:"response,omitempty"`
	Detail        string       `json:"detail,omitempty"`
	Owner         string       `json:"owner,omitempty"`
	// InheritedFrom is the earlier release's finding whose analysis this
	// one carries, 0 when it was decided here.
	InheritedFrom int64      `json:"inherited_from,omitempty"`
	SLADue        *time.Time `json:"sla_due,omitempty"`
	Active        bool       `json:"active"` // false once the release no longer matches
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Triage is an analysis decision on a finding.
type Triage struct {
	State         FindingState `json:"state"`
	Justification string       `json:"justification"`
	Response      string       `json:"response"`
	Detail        string       `json:"detail"`
	Owner         string       `json:"owner"`
	Reason        string       `json:"reason"`
}

// Validate checks a triage decision: known values, and a justification
// for not_affected.
func (t *Triage) Validate() error {
	switch {
	case !slices.Contains(FindingStates, t.State):
		return FieldError("state", "unknown state %q (one of in_triage, affected, not_affected, fixed, false_positive)", t.State)
	case t.State == FindingNotAffected && t.Justification == "":
		return FieldError("justification", "say why the component is not affected (e.g. code_not_reachable)")
	case t.Justification != "" && !slices.Contains(Justifications, t.Justification):
		return FieldError("justification", "unknown justification %q", t.Justification)
	case t.Response != "" && !slices.Contains(Responses, t.Response):
		return FieldError("response", "unknown response %q (one of %s)", t.Response, strings.Join(Responses, ", "))
	case utf8.RuneCountInString(t.Detail) > 8000:
		return FieldError("detail", "at most 8,000 characters")
	case utf8.RuneCountInString(t.Owner) > 200:
		return FieldError("owner", "at most 200 characters")
	}
	return nil
}

// FindingFilter narrows the findings worklist.
type FindingFilter struct {
	ReleaseID int64
	Key       string // a vulnerability id or alias
	State     FindingState
	Rating    string
	All       bool // include findings no longer matched
}

// ImpactRow is one affected component version in one release.
type ImpactRow struct {
	Release   ReleaseRef   `json:"release"`
	State     ReleaseState `json:"release_state"`
	Scope     string       `json:"scope"`
	FindingID int64        `json:"finding_id"`
	Finding   FindingState `json:"finding_state"`
	Inherited bool         `json:"inherited"`
	Component string       `json:"component"`
	Version   string       `json:"version"`
	PURL      string       `json:"purl,omitempty"`
	Direct    bool         `json:"direct"`
	Path      []PathStep   `json:"path"`
	Fixed     []string     `json:"fixed"`
}

// Impact answers "how widely is it used" for one vulnerability.
type Impact struct {
	Key        string               `json:"key"`
	Advisories []*Advisory          `json:"advisories"`
	Rows       []ImpactRow          `json:"rows"`
	Releases   int                  `json:"releases"`
	Products   int                  `json:"products"`
	ByState    map[FindingState]int `json:"by_state"`
}

// FindingService holds the vulnerability findings of releases. Findings are
// made by matching (when an SBOM is stored, when advisories change), not
// created by callers.
type FindingService interface {
	// Findings lists the findings the caller may see, most severe first.
	// Errors: EINVALID (cursor).
	Findings(ctx context.Context, f FindingFilter, page Page) ([]*VulnFinding, string, error)
	// FindFinding returns one finding. Errors: ENOTFOUND.
	FindFinding(ctx context.Context, id int64) (*VulnFinding, error)
	// TriageFinding records a VEX analysis and carries it forward along the
	// release's lineage. Errors: EINVALID, EFORBIDDEN, ENOTFOUND.
	TriageFinding(ctx context.Context, id int64, t Triage) (*VulnFinding, error)
	// Impact lists the releases a vulnerability (any id or alias) affects.
	// Errors: ENOTFOUND (no such advisory).
	Impact(ctx context.Context, vulnID string) (*Impact, error)
}
