package bulwark

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// VersionState is where a component version stands in certification.
type VersionState string

const (
	StateRequested       VersionState = "requested"
	StateUnderEvaluation VersionState = "under-evaluation"
	StateCertified       VersionState = "certified"
	StateRejected        VersionState = "rejected"
	StateDeprecated      VersionState = "deprecated"
	StateEndOfLife       VersionState = "end-of-life"
	StateBanned          VersionState = "banned"
)

// VersionStates in lifecycle order.
var VersionStates = []VersionState{StateRequested, StateUnderEvaluation, StateCertified, StateRejected, StateDeprecated, StateEndOfLife, StateBanned}

// Valid reports whether s is a known state.
func (s VersionState) Valid() bool { return slices.Contains(VersionStates, s) }

// Usable reports whether developers may use a version in this state (with a
// warning for deprecated ones).
func (s VersionState) Usable() bool { return s == StateCertified || s == StateDeprecated }

// transitions lists the moves a person may make; certification and
// rejection go through decisions, not through Transition.
var transitions = map[VersionState][]VersionState{
	StateRequested:       {StateUnderEvaluation, StateBanned},
	StateUnderEvaluation: {StateBanned},
	StateCertified:       {StateDeprecated, StateEndOfLife, StateBanned},
	StateDeprecated:      {StateEndOfLife, StateBanned, StateCertified},
	StateEndOfLife:       {StateBanned},
	StateRejected:        {StateBanned},
}

// CanTransition reports whether a version may move from one state to another
// by a lifecycle change.
func CanTransition(from, to VersionState) bool { return slices.Contains(transitions[from], to) }

// Hash is a content digest of a component artefact.
type Hash struct {
	Alg   string `json:"alg"`
	Value string `json:"value"`
}

// Component is a third-party package, identified by its version-less purl.
type Component struct {
	ID           int64               `json:"id"`
	PURL         string              `json:"purl"`
	Type         string              `json:"type"`
	Namespace    string              `json:"namespace,omitempty"`
	Name         string              `json:"name"`
	DisplayName  string              `json:"display_name"`
	Description  string              `json:"description,omitempty"`
	Alternatives []string            `json:"alternatives"`
	CreatedAt    time.Time           `json:"created_at"`
	Versions     []*ComponentVersion `json:"versions,omitempty"`
}

// ComponentVersion is one version of a component and its certification.
type ComponentVersion struct {
	ID               int64        `json:"id"`
	ComponentID      int64        `json:"component_id"`
	ComponentPURL    string       `json:"component_purl"`
	PURL             string       `json:"purl"`
	Version          string       `json:"version"`
	License          string       `json:"license"`
	Supplier         string       `json:"supplier,omitempty"`
	Hashes           []Hash       `json:"hashes"`
	DownloadLocation string       `json:"download_location,omitempty"`
	ExportControl    string       `json:"export_control,omitempty"`
	PersonalData     bool         `json:"personal_data"`
	SupportEnds      *time.Time   `json:"support_ends,omitempty"`
	State            VersionState `json:"state"`
	// Round counts evaluations: a rejected version requested again starts
	// round 2, and only the current round's findings and decisions count.
	Round          int        `json:"round"`
	CertifiedUntil *time.Time `json:"certified_until,omitempty"`
	Replacement    string     `json:"replacement,omitempty"`
	StateReason    string     `json:"state_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// CertificationExpired reports whether a certified version's certification
// has run out at t.
func (v *ComponentVersion) CertificationExpired(t time.Time) bool {
	return v.State == StateCertified && v.CertifiedUntil != nil && !t.Before(*v.CertifiedUntil)
}

// VersionDetails are the facts of a version that a requester proposes and
// product-security may correct.
type VersionDetails struct {
	License          string     `json:"license"`
	Supplier         string     `json:"supplier"`
	Hashes           []Hash     `json:"hashes"`
	DownloadLocation string     `json:"download_location"`
	ExportControl    string     `json:"export_control"`
	PersonalData     bool       `json:"personal_data"`
	SupportEnds      *time.Time `json:"support_ends"`
	Description      string     `json:"description"`
	Alternatives     []string   `json:"alternatives"`
}

// IntroductionRequest asks for a component version to be certified for use.
type IntroductionRequest struct {
	PURL            string `json:"purl"`    // with or without @version
	Version         string `json:"version"` // when the purl has none
	ScopeID         int64  `json:"scope_id"`
	IntendedProduct string `json:"intended_product"`
	Justification   string `json:"justification"`
	VersionDetails
}

// Validate checks the free-text fields; purl and licence are checked by
// their parsers.
func (r *IntroductionRequest) Validate() error {
	r.Justification = strings.TrimSpace(r.Justification)
	r.IntendedProduct = strings.TrimSpace(r.IntendedProduct)
	if r.ScopeID <= 0 {
		return FieldError("scope_id", "name the project or product scope the component is for")
	}
	if r.Justification == "" {
		return FieldError("justification", "say why the component is needed")
	}
	if utf8.RuneCountInString(r.Justification) > 4000 {
		return FieldError("justification", "at most 4,000 characters")
	}
	return r.VersionDetails.Validate()
}

var eccnChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

// Validate checks details shared by requests, edits and imports.
func (d *VersionDetails) Validate() error {
	d.License = strings.TrimSpace(d.License)
	d.Supplier = strings.TrimSpace(d.Supplier)
	d.ExportControl = strings.ToUpper(strings.TrimSpace(d.ExportControl))
	if d.License == "" {
		return FieldError("license", "give the licence as an SPDX expression (e.g. MIT OR Apache-2.0), or NOASSERTION")
	}
	if utf8.RuneCountInString(d.Supplier) > 200 {
		return FieldError("supplier", "at most 200 characters")
	}
	if len(d.ExportControl) > 20 || strings.Trim(d.ExportControl, eccnChars) != "" {
		return FieldError("export_control", "%q is not an export-control classification such as 5D002 or EAR99", d.ExportControl)
	}
	for i, h := range d.Hashes {
		if !validHash(h) {
			return FieldError("hashes", "hash %d: want alg SHA-1, SHA-256, SHA-384, SHA-512 or SHA3-256 with its hex value", i+1)
		}
	}
	if len(d.DownloadLocation) > 2048 {
		return FieldError("download_location", "at most 2,048 characters")
	}
	return nil
}

var hashLengths = map[string]int{"SHA-1": 40, "SHA-256": 64, "SHA-384": 96, "SHA-512": 128, "SHA3-256": 64}

func validHash(h Hash) bool {
	n, ok := hashLengths[strings.ToUpper(h.Alg)]
	return ok && len(h.Value) == n && strings.Trim(strings.ToLower(h.Value), "0123456789abcdef") == ""
}

// ComponentRequest records who asked for a version, for what and why.
type ComponentRequest struct {
	ID              int64     `json:"id"`
	VersionID       int64     `json:"version_id"`
	RequesterID     int64     `json:"requester_id"`
	Requester       string    `json:"requester"`
	ScopeID         int64     `json:"scope_id"`
	IntendedProduct string    `json:"intended_product"`
	Justification   string    `json:"justification"`
	CreatedAt       time.Time `json:"created_at"`
}

// Check names an evaluation check.
type Check string

const (
	CheckLicense        Check = "license"
	CheckExportControl  Check = "export-control"
	CheckDataProtection Check = "data-protection"
	CheckSecurity       Check = "security"
	CheckVerification   Check = "verification" // functional and performance verification record
	CheckComment        Check = "comment"
)

// Outcome of a check.
type Outcome string

const (
	OutcomePass Outcome = "pass"
	OutcomeWarn Outcome = "warn"
	OutcomeFail Outcome = "fail"
	OutcomeInfo Outcome = "info"
)

// Finding is one result of an evaluation, automatic or manual.
type Finding struct {
	ID        int64     `json:"id"`
	VersionID int64     `json:"version_id"`
	Round     int       `json:"round"`
	Automatic bool      `json:"automatic"`
	Check     Check     `json:"check"`
	Outcome   Outcome   `json:"outcome"`
	Summary   string    `json:"summary"`
	Detail    string    `json:"detail,omitempty"`
	Evidence  []string  `json:"evidence"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// NewFinding is product-security's manual input to an evaluation.
type NewFinding struct {
	Check    Check    `json:"check"`
	Outcome  Outcome  `json:"outcome"`
	Summary  string   `json:"summary"`
	Detail   string   `json:"detail"`
	Evidence []string `json:"evidence"` // digests of evidence already uploaded
}

// Validate checks a manual finding.
func (f *NewFinding) Validate() error {
	f.Summary = strings.TrimSpace(f.Summary)
	switch f.Check {
	case CheckLicense, CheckExportControl, CheckDataProtection, CheckSecurity, CheckVerification, CheckComment:
	default:
		return FieldError("check", "unknown check %q (license, export-control, data-protection, security, verification, comment)", f.Check)
	}
	switch f.Outcome {
	case OutcomePass, OutcomeWarn, OutcomeFail, OutcomeInfo:
	default:
		return FieldError("outcome", "unknown outcome %q (pass, warn, fail, info)", f.Outcome)
	}
	if f.Summary == "" || utf8.RuneCountInString(f.Summary) > 300 {
		return FieldError("summary", "a summary of 1–300 characters is required")
	}
	if utf8.RuneCountInString(f.Detail) > 20000 {
		return FieldError("detail", "at most 20,000 characters")
	}
	return nil
}

// Verdict of a certification decision.
type Verdict string

const (
	VerdictCertify Verdict = "certify"
	VerdictReject  Verdict = "reject"
)

// Decision is one product-security vote on a version. A version is
// certified or rejected when policy's number of distinct deciders agree.
type Decision struct {
	ID             int64      `json:"id"`
	VersionID      int64      `json:"version_id"`
	Round          int        `json:"round"`
	Verdict        Verdict    `json:"verdict"`
	DeciderID      int64      `json:"decider_id"`
	Decider        string     `json:"decider"`
	Reason         string     `json:"reason"`
	CertifiedUntil *time.Time `json:"certified_until,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// NewDecision is the input of Decide.
type NewDecision struct {
	Verdict        Verdict    `json:"verdict"`
	Reason         string     `json:"reason"`
	CertifiedUntil *time.Time `json:"certified_until"`
}

// LifecycleChange moves a version to deprecated, end-of-life or banned (or
// back from deprecated to certified).
type LifecycleChange struct {
	To          VersionState `json:"to"`
	Replacement string       `json:"replacement"` // purl@version, required for deprecated
	Reason      string       `json:"reason"`
}

// HistoryEntry is one line of a version's timeline.
type HistoryEntry struct {
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Kind    string    `json:"kind"`
	Summary string    `json:"summary"`
}

// VersionDossier is everything known about one version: the decision page.
type VersionDossier struct {
	Component *Component          `json:"component"`
	Version   *ComponentVersion   `json:"version"`
	Requests  []*ComponentRequest `json:"requests"`
	Findings  []*Finding          `json:"findings"`
	Decisions []*Decision         `json:"decisions"`
	Waivers   []*Waiver           `json:"waivers"`
	History   []*HistoryEntry     `json:"history"`
	// Needed is how many agreeing decisions policy asks for.
	Needed int `json:"decisions_needed"`
	// UsedBy lists releases that contain the version (empty until SBOMs exist).
	UsedBy []string `json:"used_by"`
}

// CatalogFilter narrows a catalog search. Zero fields do not filter.
type CatalogFilter struct {
	Query      string       // name substring or purl prefix (pkg:…)
	License    string       // SPDX licence id the version's expression mentions
	State      VersionState // versions in this state
	SupportDue int          // versions whose support ends within this many days
}

// Waiver is a time-boxed exception: versions of a component (one, all, or a
// range) may be used in a scope although not certified. It applies once
// approved and until it expires or is revoked.
type Waiver struct {
	ID            int64  `json:"id"`
	ComponentPURL string `json:"component_purl"`
	Versions      string `json:"versions"` // "*", an exact version, or a range like ">=1.2.0 <1.3.0"
	// Vulnerability limits the waiver to one vulnerability's findings (its
	// key); "" covers the component versions as a whole.
	Vulnerability string     `json:"vulnerability,omitempty"`
	ScopeID       int64      `json:"scope_id"`
	ScopeName     string     `json:"scope_name"`
	Reason        string     `json:"reason"`
	RequestedBy   string     `json:"requested_by"`
	RequesterID   int64      `json:"requester_id"`
	ApprovedBy    string     `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time `json:"approved_at,omitempty"`
	ExpiresAt     time.Time  `json:"expires_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// WaiverState is derived from the dates, never stored, so an expired waiver
// stops applying by itself.
func (w *Waiver) State(t time.Time) string {
	switch {
	case w.RevokedAt != nil:
		return "revoked"
	case !t.Before(w.ExpiresAt):
		return "expired"
	case w.ApprovedAt == nil:
		return "pending"
	}
	return "active"
}

// NewWaiver is the input of RequestWaiver.
type NewWaiver struct {
	PURL     string `json:"purl"`     // component purl (a version in it is ignored)
	Versions string `json:"versions"` // "*", exact, or range
	// Vulnerability, when set (any id or alias of an imported advisory),
	// limits the waiver to that vulnerability's findings.
	Vulnerability string    `json:"vulnerability,omitempty"`
	ScopeID       int64     `json:"scope_id"`
	Reason        string    `json:"reason"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// MaxWaiverLifetime bounds how far ahead a waiver may expire.
const MaxWaiverLifetime = 366 * 24 * time.Hour

// Notification tells a user about something they should act on or know.
type Notification struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Message   string     `json:"message"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// PolicyDocument is a stored version of the catalog policy: the text as the
// admin wrote it (YAML or JSON) and who changed it.
type PolicyDocument struct {
	Version   int       `json:"version"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Reason    string    `json:"reason"`
}

// ImportRow is one approved version in a bulk import, already parsed.
type ImportRow struct {
	Line        int          `json:"line"` // 1-based line or record number in the source
	PURL        string       `json:"purl"`
	State       VersionState `json:"state"` // certified (default), deprecated, end-of-life or banned
	Until       *time.Time   `json:"certified_until"`
	Replacement string       `json:"replacement"`
	VersionDetails
}

// RowError says what is wrong with one import row.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ImportResult is what an import did or, on a dry run, would do.
type ImportResult struct {
	DryRun     bool       `json:"dry_run"`
	Rows       int        `json:"rows"`
	Components int        `json:"new_components"`
	Created    int        `json:"new_versions"`
	Updated    int        `json:"updated_versions"`
	Errors     []RowError `json:"errors"`
	Evidence   string     `json:"evidence,omitempty"` // digest of the stored source file
}

// CatalogService is the component catalog and its certification workflow.
type CatalogService interface {
	// RequestVersion records an introduction request and runs the automatic
	// checks. Errors: EINVALID (purl, licence, fields), EFORBIDDEN,
	// ECONFLICT (already requested, under evaluation or decided).
	RequestVersion(ctx context.Context, r IntroductionRequest) (*VersionDossier, error)
	// SearchCatalog lists components with the versions that match.
	SearchCatalog(ctx context.Context, f CatalogFilter, page Page) ([]*Component, string, error)
	// FindComponent returns a component and all its versions. Errors: ENOTFOUND.
	FindComponent(ctx context.Context, id int64) (*Component, error)
	// FindVersion returns the whole dossier of a version. Errors: ENOTFOUND.
	FindVersion(ctx context.Context, id int64) (*VersionDossier, error)
	// EvaluationQueue lists versions waiting for product-security, oldest first.
	EvaluationQueue(ctx context.Context, page Page) ([]*ComponentVersion, string, error)
	// StartEvaluation moves a requested version under evaluation.
	// Errors: EFORBIDDEN, ECONFLICT (wrong state).
	StartEvaluation(ctx context.Context, versionID int64, reason string) error
	// AddFinding records a manual finding. Errors: EINVALID, EFORBIDDEN,
	// ECONFLICT (decided already), ENOTFOUND (evidence digest).
	AddFinding(ctx context.Context, versionID int64, f NewFinding) (*Finding, error)
	// UpdateDetails corrects a version's facts during evaluation and re-runs
	// the automatic checks.
	UpdateDetails(ctx context.Context, versionID int64, d VersionDetails, reason string) error
	// Decide records a four-eyes decision. Errors: EINVALID, EFORBIDDEN
	// (role, requester, 1st line, same decider twice), ECONFLICT (wrong
	// state), EPRECONDITION (verification record missing).
	Decide(ctx context.Context, versionID int64, d NewDecision) (*Decision, error)
	// Transition deprecates, ends or bans a version (or lifts a
	// deprecation), notifying those who use it. Errors: EINVALID,
	// EFORBIDDEN, ECONFLICT (not a legal move).
	Transition(ctx context.Context, versionID int64, c LifecycleChange) error
	// Renew extends a certification. Errors: EINVALID, EFORBIDDEN, ECONFLICT.
	Renew(ctx context.Context, versionID int64, until time.Time, reason string) error

	// CatalogPolicy returns the current policy document.
	CatalogPolicy(ctx context.Context) (*PolicyDocument, error)
	// PolicyHistory lists every version of the policy, newest first.
	PolicyHistory(ctx context.Context) ([]*PolicyDocument, error)
	// UpdatePolicy validates and stores a new policy version.
	// Errors: EINVALID (with the offending key), EFORBIDDEN.
	UpdatePolicy(ctx context.Context, text, reason string) (*PolicyDocument, error)

	// RequestWaiver proposes an exception. Errors: EINVALID, EFORBIDDEN.
	RequestWaiver(ctx context.Context, w NewWaiver) (*Waiver, error)
	// ApproveWaiver makes a waiver apply (never by its requester).
	ApproveWaiver(ctx context.Context, id int64, reason string) error
	// RevokeWaiver ends a waiver early.
	RevokeWaiver(ctx context.Context, id int64, reason string) error
	// FindWaivers lists waivers in scopes the caller may read; expiringDays > 0
	// lists only active ones expiring within that many days.
	FindWaivers(ctx context.Context, expiringDays int, page Page) ([]*Waiver, string, error)
	// FindWaiver returns one waiver visible to the caller. Errors: ENOTFOUND.
	FindWaiver(ctx context.Context, id int64) (*Waiver, error)
	// ActiveWaiver returns the waiver that lets a version be used in the
	// scope at path, or nil.
	ActiveWaiver(ctx context.Context, versionedPURL, scopePath string) (*Waiver, error)

	// Import loads an approved-component list; with dryRun it only reports.
	// parseErrors are the rows the file parser already refused: they count
	// as failures. Nothing is written when any row fails, and the result
	// lists every failure. Errors: EINVALID (rows failed), EFORBIDDEN.
	Import(ctx context.Context, rows []ImportRow, parseErrors []RowError, source []byte, sourceName string, dryRun bool) (*ImportResult, error)

	// Notifications lists the caller's notifications, newest first.
	Notifications(ctx context.Context, page Page) ([]*Notification, string, error)
	// UnreadNotifications counts the caller's unread notifications.
	UnreadNotifications(ctx context.Context) (int, error)
	// MarkNotificationRead marks one of the caller's notifications read.
	MarkNotificationRead(ctx context.Context, id int64) error
}
