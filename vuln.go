package bulwark

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
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
	// Affected lists the packages and version ranges the record names, as
	// written; References its links.
	Affected   []AffectedPackage `json:"affected"`
	References []Link            `json:"references"`
}

// AffectedPackage is one package an advisory names, with its ranges.
type AffectedPackage struct {
	Ecosystem string          `json:"ecosystem"`
	Name      string          `json:"name"`
	PURL      string          `json:"purl,omitempty"`
	Ranges    []AffectedRange `json:"ranges"`
	Versions  []string        `json:"versions,omitempty"` // explicitly listed affected versions
}

// AffectedRange is one range of an affected package: its type (SEMVER,
// ECOSYSTEM, GIT) and its events in order, each "introduced", "fixed",
// "last_affected" or "limit" with a version.
type AffectedRange struct {
	Type   string       `json:"type"`
	Repo   string       `json:"repo,omitempty"`
	Events []RangeEvent `json:"events"`
}

// RangeEvent is one event of a range.
type RangeEvent struct {
	Kind    string `json:"kind"`
	Version string `json:"version"`
}

// Link is a typed reference (ADVISORY, FIX, WEB, …).
type Link struct {
	Type string `json:"type"`
	URL  string `json:"url"`
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

// SignalImportResult says what an EPSS file or KEV catalog import stored.
// Each import replaces the previous one of its kind.
type SignalImportResult struct {
	Kind     string    `json:"kind"` // "epss" or "kev"
	Date     time.Time `json:"date"` // the file's score date or catalog release
	Rows     int       `json:"rows"`
	Findings int       `json:"findings"` // active findings whose vulnerability the file names
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
	// Scope is the name of the scope that owns the release.
	Scope string `json:"scope"`
	// WaiverID is the approved, unexpired waiver that covers this component
	// version (and vulnerability) in the release's scope, 0 when none. A
	// waived finding is suppressed: it stays on the worklist but raises no
	// policy failure.
	WaiverID int64 `json:"waiver_id,omitempty"`
	// Exploit signals, when an EPSS file or the KEV catalog was imported:
	// the EPSS probability (0–1) and percentile, and whether the
	// vulnerability is known to be exploited.
	EPSS           float64 `json:"epss,omitempty"`
	EPSSPercentile float64 `json:"epss_percentile,omitempty"`
	KEV            bool    `json:"kev,omitempty"`
	// Carried is set only on a triage's answer: how many later releases'
	// findings took the decision.
	Carried int `json:"carried,omitempty"`
}

// Suppressed reports whether a waiver covers the finding.
func (f *VulnFinding) Suppressed() bool { return f.WaiverID != 0 }

// Overdue reports whether an open finding is past its SLA due date at t.
func (f *VulnFinding) Overdue(t time.Time) bool {
	return f.State.Open() && f.SLADue != nil && !t.Before(*f.SLADue)
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

// Worklist orders.
const (
	SortSeverity = "severity" // highest score first (the default)
	SortAge      = "age"      // oldest first
	SortDue      = "due"      // nearest SLA due date first
	SortEPSS     = "epss"     // highest exploit probability first
)

// FindingSorts lists the worklist orders.
var FindingSorts = []string{SortSeverity, SortAge, SortDue, SortEPSS}

// FindingFilter narrows the findings worklist.
type FindingFilter struct {
	ReleaseID int64
	Key       string // a vulnerability id or alias
	State     FindingState
	Open      bool   // only in_triage and affected
	Rating    string // critical, high, medium, low, none; "unknown" for unrated
	Component string // package name, matched from the start
	KEV       bool   // only known-exploited vulnerabilities
	Overdue   bool   // only open findings past their SLA due date
	Sort      string // one of FindingSorts; "" is SortSeverity
	All       bool   // include findings no longer matched
}

// Validate checks the filter's enumerations.
func (f *FindingFilter) Validate() error {
	switch {
	case f.State != "" && !slices.Contains(FindingStates, f.State):
		return FieldError("state", "unknown state %q", f.State)
	case f.Sort != "" && !slices.Contains(FindingSorts, f.Sort):
		return FieldError("sort", "unknown order %q (one of %s)", f.Sort, strings.Join(FindingSorts, ", "))
	case f.Rating != "" && !slices.Contains(Ratings, f.Rating):
		return FieldError("rating", "unknown rating %q (one of %s)", f.Rating, strings.Join(Ratings, ", "))
	}
	return nil
}

// Ratings are the severity words findings carry, most severe first;
// "unknown" stands for a vulnerability no source scored.
var Ratings = []string{"critical", "high", "medium", "low", "none", "unknown"}

// MaxBulkTriage bounds one bulk triage.
const MaxBulkTriage = 500

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
	Next       string               `json:"next,omitempty"` // cursor of the next page of rows
}

// AgeBucket counts open findings of one age band by rating.
type AgeBucket struct {
	Label    string         `json:"label"`     // "0–7 days"
	FromDays int            `json:"from_days"` // inclusive
	ToDays   int            `json:"to_days"`   // exclusive; 0 for the open-ended last band
	ByRating map[string]int `json:"by_rating"`
}

// SLAStatus counts open findings against their due dates.
type SLAStatus struct {
	Breached int `json:"breached"` // past due
	DueSoon  int `json:"due_soon"` // due within 7 days
	OnTrack  int `json:"on_track"` // due later
	NoSLA    int `json:"no_sla"`   // unrated, so no due date
}

// ComponentExposure is a vulnerable component version and how widely it ships.
type ComponentExposure struct {
	Component       string `json:"component"`
	Version         string `json:"version"`
	PURL            string `json:"purl,omitempty"`
	Releases        int    `json:"releases"`        // releases with an open finding on it
	Vulnerabilities int    `json:"vulnerabilities"` // distinct open vulnerabilities
	Worst           string `json:"worst"`           // most severe rating
}

// ScopeRollup sums one scope's open findings (its products directly, not
// its sub-scopes).
type ScopeRollup struct {
	Scope    string         `json:"scope"`
	Path     string         `json:"path"`
	Open     int            `json:"open"`
	ByRating map[string]int `json:"by_rating"`
	Breached int            `json:"breached"`
}

// VulnDashboard is the portfolio's vulnerability picture as the caller may
// see it: active findings only.
type VulnDashboard struct {
	At         time.Time            `json:"at"`
	Open       int                  `json:"open"`      // in_triage + affected
	ByRating   map[string]int       `json:"by_rating"` // open findings
	ByState    map[FindingState]int `json:"by_state"`  // every active finding
	ByAge      []AgeBucket          `json:"by_age"`    // open findings by days since found
	SLA        SLAStatus            `json:"sla"`
	Suppressed int                  `json:"suppressed"`     // open findings a waiver covers
	KEV        int                  `json:"kev"`            // open findings on known-exploited vulnerabilities
	Top        []ComponentExposure  `json:"top_components"` // at most 10
	Scopes     []ScopeRollup        `json:"scopes"`
	Advisories int                  `json:"advisories"` // imported records
}

// WriteCSV writes the impact as a spreadsheet: one row per affected
// component version per release.
func (imp *Impact) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"vulnerability", "product", "release", "release_state", "scope", "component", "version", "purl", "direct", "path",
		"finding_state", "inherited", "fixed"})
	for _, row := range imp.Rows {
		var path []string
		for _, s := range row.Path {
			path = append(path, s.Name)
		}
		cw.Write([]string{imp.Key, row.Release.Product, row.Release.Version, string(row.State), row.Scope, row.Component, row.Version, row.PURL,
			strconv.FormatBool(row.Direct), strings.Join(path, " > "), string(row.Finding), strconv.FormatBool(row.Inherited), strings.Join(row.Fixed, " ")})
	}
	cw.Flush()
	return cw.Error()
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
	// TriageFindings records one decision on several findings at once, all
	// or none (at most MaxBulkTriage). Errors: EINVALID, EFORBIDDEN,
	// ENOTFOUND (naming the first missing id).
	TriageFindings(ctx context.Context, ids []int64, t Triage) ([]*VulnFinding, error)
	// Dashboard sums the findings the caller may see.
	Dashboard(ctx context.Context) (*VulnDashboard, error)
	// Impact lists the releases a vulnerability (any id or alias) affects:
	// the counts over all of them and the rows of one page, in release order
	// (a zero page.Limit lists every row, for exports).
	// Errors: ENOTFOUND (no such advisory), EINVALID (cursor).
	Impact(ctx context.Context, vulnID string, page Page) (*Impact, error)
}
