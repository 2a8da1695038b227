package bulwark

import (
	"context"
	"time"
)

// The role dashboards: for each role the caller holds, what that role acts
// on today, read for that role's scopes only. Counts of findings come from
// a snapshot the store keeps in memory (see docs/dashboards.md for when it
// is refreshed); AsOf fields say when a snapshot was taken.

// HistoryWeeks is how many weeks the severity history covers.
const HistoryWeeks = 12

// WeekCount is the open findings at the end of one week (UTC, weeks begin
// on Monday); for the current week, at the time of the snapshot.
type WeekCount struct {
	Week     time.Time      `json:"week"` // the Monday the week begins
	At       time.Time      `json:"at"`   // the instant counted
	Open     int            `json:"open"`
	ByRating map[string]int `json:"by_rating"`
}

// FindingSummary sums the findings of a set of scopes. A finding was open
// at an instant when it had been found by then and not yet closed (resolved
// or triaged as not affected, fixed or false positive).
type FindingSummary struct {
	AsOf       time.Time            `json:"as_of"`     // when the snapshot was taken
	Open       int                  `json:"open"`      // in_triage + affected
	ByRating   map[string]int       `json:"by_rating"` // open findings
	ByState    map[FindingState]int `json:"by_state"`  // every active finding
	ByAge      []AgeBucket          `json:"by_age"`    // open findings by days since found
	SLA        SLAStatus            `json:"sla"`
	KEV        int                  `json:"kev"`        // open findings on known-exploited vulnerabilities
	Suppressed int                  `json:"suppressed"` // open findings a waiver covers
	History    []WeekCount          `json:"history"`    // HistoryWeeks weeks, oldest first
}

// RequestStatus is one introduction request and where its version stands.
type RequestStatus struct {
	RequestID       int64        `json:"request_id"`
	VersionID       int64        `json:"version_id"`
	PURL            string       `json:"purl"`
	State           VersionState `json:"state"`
	Scope           string       `json:"scope"`
	IntendedProduct string       `json:"intended_product"`
	RequestedAt     time.Time    `json:"requested_at"`
	UpdatedAt       time.Time    `json:"updated_at"` // the version's last change
}

// Open reports whether the request still waits for product security.
func (r *RequestStatus) Open() bool {
	return r.State == StateRequested || r.State == StateUnderEvaluation
}

// GateFailure is a release whose latest gate run failed.
type GateFailure struct {
	RunID    int64        `json:"run_id"`
	Release  ReleaseRef   `json:"release"`
	State    ReleaseState `json:"release_state"`
	Scope    string       `json:"scope"`
	Failures int          `json:"failures"` // failed checks
	At       time.Time    `json:"at"`
	By       string       `json:"by"`
}

// QueueAge counts the certification queue's versions of one age band.
type QueueAge struct {
	Label           string `json:"label"`
	FromDays        int    `json:"from_days"` // inclusive
	ToDays          int    `json:"to_days"`   // exclusive; 0 for the open-ended last band
	Requested       int    `json:"requested"`
	UnderEvaluation int    `json:"under_evaluation"`
}

// CertificationQueue is the versions waiting for product security.
type CertificationQueue struct {
	Requested       int                 `json:"requested"`
	UnderEvaluation int                 `json:"under_evaluation"`
	ByAge           []QueueAge          `json:"by_age"` // days since the version was requested
	Oldest          []*ComponentVersion `json:"oldest"` // at most 10, oldest first
}

// DayCount is the ledger events of one UTC day.
type DayCount struct {
	Day    time.Time `json:"day"`
	Events int       `json:"events"`
}

// CheckpointRef names a signed checkpoint without its note.
type CheckpointRef struct {
	Size int64     `json:"size"`
	Time time.Time `json:"time"`
}

// AdvisoryBrief is an imported advisory in a list.
type AdvisoryBrief struct {
	ID         string    `json:"id"`
	Key        string    `json:"key"`
	Summary    string    `json:"summary,omitempty"`
	Rating     string    `json:"rating,omitempty"`
	Score      float64   `json:"score,omitempty"`
	Withdrawn  bool      `json:"withdrawn"`
	ImportedAt time.Time `json:"imported_at"`
}

// SupplierCount is one supplier named in the catalog.
type SupplierCount struct {
	Supplier string `json:"supplier"`
	Versions int    `json:"versions"`
	Usable   int    `json:"usable"` // certified or deprecated
}

// DeveloperDashboard is what a developer acts on.
type DeveloperDashboard struct {
	Findings        *FindingSummary `json:"findings"`
	Requests        []RequestStatus `json:"requests"` // the caller's own, open ones first, at most 20
	OpenRequests    int             `json:"open_requests"`
	FailedGates     []GateFailure   `json:"failed_gates"` // newest first, at most 20
	FailedGateCount int             `json:"failed_gate_count"`
}

// BUSecurityDashboard is what a business unit's security lead acts on.
type BUSecurityDashboard struct {
	Findings        *FindingSummary `json:"findings"`
	ExpiringWaivers []*Waiver       `json:"expiring_waivers"` // active, ending within 30 days, soonest first
}

// ProductSecurityDashboard is what product security acts on.
type ProductSecurityDashboard struct {
	Findings       *FindingSummary    `json:"findings"`
	Queue          CertificationQueue `json:"queue"`
	PendingWaivers []*Waiver          `json:"pending_waivers"` // awaiting approval, oldest first, at most 20
	PendingCount   int                `json:"pending_waiver_count"`
}

// AuditorDashboard is the state of the ledger.
type AuditorDashboard struct {
	LedgerSize int64          `json:"ledger_size"`
	Events     int            `json:"events_30_days"` // in the caller's scopes
	PerDay     []DayCount     `json:"per_day"`        // the last 30 days, oldest first
	Checkpoint *CheckpointRef `json:"checkpoint,omitempty"`
}

// PSIRTDashboard is vulnerability intelligence and where it lands.
type PSIRTDashboard struct {
	Findings   *FindingSummary     `json:"findings"`
	Advisories int                 `json:"advisories"`
	Recent     []AdvisoryBrief     `json:"recent_advisories"` // newest imports first, at most 10
	Top        []ComponentExposure `json:"top_components"`
}

// SupplierDashboard is the catalog as seen by supplier management.
type SupplierDashboard struct {
	Suppliers          []SupplierCount     `json:"suppliers"` // by versions, at most 10
	SupplierTotal      int                 `json:"supplier_total"`
	NoSupplier         int                 `json:"versions_without_supplier"`
	SupportEnding      []*ComponentVersion `json:"support_ending"` // usable versions whose support ends within 90 days, soonest first, at most 20
	SupportEndingCount int                 `json:"support_ending_count"`
}

// AdminDashboard is who can do what, in the scopes the caller administers.
type AdminDashboard struct {
	Users          int               `json:"users"`
	Disabled       int               `json:"disabled"`
	WithoutRole    int               `json:"without_role"`
	ByRole         map[Role]int      `json:"grants_by_role"`
	Scopes         int               `json:"scopes"`
	ByKind         map[ScopeKind]int `json:"scopes_by_kind"`
	ActiveTokens   int               `json:"active_tokens"`
	ExpiringTokens int               `json:"tokens_expiring_14_days"`
}

// RoleDashboard holds one section per role the caller holds, each read in
// the scopes where the caller holds that role.
type RoleDashboard struct {
	At              time.Time                 `json:"at"`
	Roles           []Role                    `json:"roles"`
	Developer       *DeveloperDashboard       `json:"developer,omitempty"`
	BUSecurity      *BUSecurityDashboard      `json:"bu_security,omitempty"`
	ProductSecurity *ProductSecurityDashboard `json:"product_security,omitempty"`
	Auditor         *AuditorDashboard         `json:"auditor,omitempty"`
	PSIRT           *PSIRTDashboard           `json:"psirt,omitempty"`
	SupplierManager *SupplierDashboard        `json:"supplier_manager,omitempty"`
	Admin           *AdminDashboard           `json:"admin,omitempty"`
}

// DashboardService answers the dashboards.
type DashboardService interface {
	// RoleDashboard reads the caller's sections. Errors: EUNAUTHORIZED.
	RoleDashboard(ctx context.Context) (*RoleDashboard, error)
	// FindingHistory sums the open findings the caller may see per week.
	// Errors: EUNAUTHORIZED.
	FindingHistory(ctx context.Context) ([]WeekCount, error)
}
