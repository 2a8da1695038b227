package bulwark

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ReleaseState is where a release stands in its life.
type ReleaseState string

const (
	ReleaseDevelopment  ReleaseState = "development"
	ReleaseReleased     ReleaseState = "released"
	ReleaseMaintained   ReleaseState = "maintained"
	ReleaseEndOfSupport ReleaseState = "end-of-support"
)

// ReleaseStates in lifecycle order.
var ReleaseStates = []ReleaseState{ReleaseDevelopment, ReleaseReleased, ReleaseMaintained, ReleaseEndOfSupport}

var releaseTransitions = map[ReleaseState][]ReleaseState{
	ReleaseDevelopment: {ReleaseReleased},
	ReleaseReleased:    {ReleaseMaintained, ReleaseEndOfSupport},
	ReleaseMaintained:  {ReleaseEndOfSupport},
}

// Valid reports whether s is a known release state.
func (s ReleaseState) Valid() bool { return slices.Contains(ReleaseStates, s) }

// Frozen reports whether a release in state s is under configuration
// control: its SBOM and composition can no longer change.
func (s ReleaseState) Frozen() bool { return s != ReleaseDevelopment }

// CanMoveTo reports whether a release may go from s to next.
func (s ReleaseState) CanMoveTo(next ReleaseState) bool {
	return slices.Contains(releaseTransitions[s], next)
}

// Product is something the company ships, owned by a scope. Names are
// unique across the organisation so that a pipeline can name its product.
type Product struct {
	ID          int64      `json:"id"`
	ScopeID     int64      `json:"scope_id"`
	ScopeName   string     `json:"scope_name"`
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	Releases    []*Release `json:"releases,omitempty"`
}

// NewProduct is a product to create.
type NewProduct struct {
	ScopeID     int64  `json:"scope_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Validate checks the fields of a new product.
func (p *NewProduct) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if err := validName("name", p.Name, 200); err != nil {
		return err
	}
	if p.ScopeID <= 0 {
		return FieldError("scope_id", "a product belongs to a scope")
	}
	if utf8.RuneCountInString(p.Description) > 4000 {
		return FieldError("description", "at most 4000 characters")
	}
	return nil
}

func validName(field, s string, max int) error {
	switch {
	case s == "":
		return FieldError(field, "required")
	case !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\t"):
		return FieldError(field, "must be one line of text")
	case utf8.RuneCountInString(s) > max:
		return FieldError(field, "at most %d characters", max)
	}
	return nil
}

// ReleaseRef names a release.
type ReleaseRef struct {
	ID      int64  `json:"id"`
	Product string `json:"product"`
	Version string `json:"version"`
}

func (r ReleaseRef) String() string { return r.Product + " " + r.Version }

// Release is one version of a product: a configuration item whose contents
// are its SBOM and the releases of other products it is built from.
type Release struct {
	ID          int64        `json:"id"`
	ProductID   int64        `json:"product_id"`
	Product     string       `json:"product"`
	ScopeID     int64        `json:"scope_id"`
	Version     string       `json:"version"`
	State       ReleaseState `json:"state"`
	Predecessor *ReleaseRef  `json:"predecessor,omitempty"`
	Successors  []ReleaseRef `json:"successors,omitempty"`
	// Uses are the releases of other products this one is built from;
	// UsedBy the releases built from this one.
	Uses       []ReleaseRef `json:"uses"`
	UsedBy     []ReleaseRef `json:"used_by"`
	SBOM       *SBOMInfo    `json:"sbom,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	ReleasedAt *time.Time   `json:"released_at,omitempty"`
}

// Ref returns the name of r.
func (r *Release) Ref() ReleaseRef {
	return ReleaseRef{ID: r.ID, Product: r.Product, Version: r.Version}
}

// NewRelease is a release to create.
type NewRelease struct {
	Version string `json:"version"`
	// Predecessor is the version of the same product this release follows;
	// empty for the first.
	Predecessor string `json:"predecessor"`
}

// Validate checks the fields of a new release.
func (r *NewRelease) Validate() error {
	r.Version = strings.TrimSpace(r.Version)
	r.Predecessor = strings.TrimSpace(r.Predecessor)
	if err := validName("version", r.Version, 100); err != nil {
		return err
	}
	if r.Predecessor == r.Version {
		return FieldError("predecessor", "a release cannot follow itself")
	}
	return nil
}

// SBOMInfo describes the SBOM a release currently holds.
type SBOMInfo struct {
	Digest       string    `json:"digest"` // evidence digest of the document as uploaded
	Name         string    `json:"name"`   // file name as uploaded
	Format       string    `json:"format"`
	SpecVersion  string    `json:"spec_version"`
	Encoding     string    `json:"encoding"`
	Components   int       `json:"components"` // distinct packages stored
	Dependencies int       `json:"dependencies"`
	Problems     []string  `json:"problems"`
	UploadedAt   time.Time `json:"uploaded_at"`
	UploadedBy   string    `json:"uploaded_by"`
}

// ReleaseComponent is one package of a release, with where it sits in the
// dependency graph and where it stands in the catalog.
type ReleaseComponent struct {
	PackageID int64  `json:"package_id"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl,omitempty"`     // as normalised; empty when the SBOM gave none
	License   string `json:"license,omitempty"`  // as the SBOM declares it
	Supplier  string `json:"supplier,omitempty"` // as the SBOM declares it
	Depth     int    `json:"depth"`              // 1 for direct dependencies
	Parent    int64  `json:"parent"`             // package id of the component that pulls it in; 0 for direct
	// State is the catalog state of the version; empty when the catalog
	// does not know it.
	State     VersionState `json:"state,omitempty"`
	VersionID int64        `json:"version_id,omitempty"`
}

// Direct reports whether the release depends on c directly.
func (c *ReleaseComponent) Direct() bool { return c.Depth <= 1 }

// ComponentFilter narrows a release's component list.
type ComponentFilter struct {
	Query  string // substring of name or purl
	State  string // a catalog state, or "unknown" for versions the catalog lacks
	Direct bool   // direct dependencies only
}

// SBOMUpload is an SBOM to store for a release.
type SBOMUpload struct {
	Name    string // file name, kept with the evidence
	Content []byte
	Reason  string
	// AllowCycles keeps a document whose dependency graph loops, dropping
	// the edge that closes each loop; without it such a document is refused.
	AllowCycles bool
}

// SBOMChange is what storing an SBOM did.
type SBOMChange struct {
	Release  ReleaseRef   `json:"release"`
	SBOM     SBOMInfo     `json:"sbom"`
	Replaced bool         `json:"replaced"` // a previous SBOM was replaced
	Diff     *ReleaseDiff `json:"diff,omitempty"`
	// Unchanged is true when the same document was stored already.
	Unchanged bool `json:"unchanged"`
}

// ChangeKind classifies one difference between two releases.
type ChangeKind string

const (
	ChangeAdded      ChangeKind = "added"
	ChangeRemoved    ChangeKind = "removed"
	ChangeUpgraded   ChangeKind = "upgraded"
	ChangeDowngraded ChangeKind = "downgraded"
	ChangeLicense    ChangeKind = "license"
)

// ComponentChange is one difference: a component that appeared, vanished,
// moved version, or whose licence changed.
type ComponentChange struct {
	Kind        ChangeKind `json:"kind"`
	Component   string     `json:"component"` // version-less purl, or the name
	Name        string     `json:"name"`
	From        string     `json:"from,omitempty"` // version before
	To          string     `json:"to,omitempty"`   // version after
	FromLicense string     `json:"from_license,omitempty"`
	ToLicense   string     `json:"to_license,omitempty"`
}

// ReleaseDiff lists what changed between two component sets. A version
// change that also changes the licence appears in both lists.
type ReleaseDiff struct {
	From      ReleaseRef         `json:"from"`
	To        ReleaseRef         `json:"to"`
	Changes   []ComponentChange  `json:"changes"`
	Unchanged int                `json:"unchanged"`
	Counts    map[ChangeKind]int `json:"counts"`
}

// WhereUsedQuery asks which releases contain a component.
type WhereUsedQuery struct {
	// PURL with a version names one version; without, every version.
	PURL string
	// Versions narrows a version-less purl to a range (">=1.2.0 <1.3.0").
	Versions string
}

// PathStep is one hop on the way from a release to a component.
type PathStep struct {
	Kind string `json:"kind"` // "release" (built from another release) or "component"
	Name string `json:"name"`
	PURL string `json:"purl,omitempty"`
}

// Usage is one release that contains the component, with each matching
// version and how it gets there.
type Usage struct {
	Release ReleaseRef   `json:"release"`
	State   ReleaseState `json:"state"`
	Scope   string       `json:"scope"`
	Matches []UsageMatch `json:"matches"`
}

// UsageMatch is one matching package in a release.
type UsageMatch struct {
	PURL    string     `json:"purl"`
	Version string     `json:"version"`
	Direct  bool       `json:"direct"`
	Path    []PathStep `json:"path"` // from the release down to the component
}

// WhereUsedResult is one page of releases and the total.
type WhereUsedResult struct {
	Component string   `json:"component"` // the version-less purl asked about
	Versions  []string `json:"versions"`  // versions known anywhere that match
	Total     int      `json:"total"`     // releases containing it, visible to the caller
	Usages    []*Usage `json:"usages"`
	Next      string   `json:"next,omitempty"`
}

// GateOutcome is the verdict on one component or a whole SBOM.
type GateOutcome string

const (
	GatePass GateOutcome = "pass"
	GateWarn GateOutcome = "warn"
	GateFail GateOutcome = "fail"
)

// Gate rules, one per reason a component passes, warns or fails.
const (
	RuleCertified    = "certified"
	RuleDeprecated   = "deprecated"
	RuleBanned       = "banned"
	RuleEndOfLife    = "end-of-life"
	RuleUncertified  = "uncertified"
	RuleWaived       = "waived"
	RuleLicense      = "license"
	RuleUnidentified = "unidentified"
	RuleVulnerable   = "vulnerable" // an open finding; fails at or above the red line's severity
)

// GateCheck is the verdict on one component.
type GateCheck struct {
	Name      string       `json:"name"`
	Version   string       `json:"version,omitempty"`
	PURL      string       `json:"purl,omitempty"`
	License   string       `json:"license,omitempty"`
	Supplier  string       `json:"supplier,omitempty"`
	State     VersionState `json:"state,omitempty"` // catalog state; empty when unknown
	VersionID int64        `json:"version_id,omitempty"`
	Rule      string       `json:"rule"`
	Outcome   GateOutcome  `json:"outcome"`
	Message   string       `json:"message"`
	WaiverID  int64        `json:"waiver_id,omitempty"`
	// Vulnerability is set on vulnerability checks: the finding's key.
	Vulnerability string `json:"vulnerability,omitempty"`
	FindingID     int64  `json:"finding_id,omitempty"`
}

// GateResult is one gate decision.
type GateResult struct {
	ID        int64               `json:"id"`
	Release   ReleaseRef          `json:"release"`
	SBOM      SBOMInfo            `json:"sbom"`
	Outcome   GateOutcome         `json:"outcome"` // fail when any check fails, else pass
	Counts    map[GateOutcome]int `json:"counts"`
	Checks    []GateCheck         `json:"checks"` // failures first, then warnings, then passes
	CreatedAt time.Time           `json:"created_at"`
	CreatedBy string              `json:"created_by"`
	// Requested lists the purls requested for introduction from this run;
	// RequestErrors the ones that could not be, and why.
	Requested     []string `json:"requested,omitempty"`
	RequestErrors []string `json:"request_errors,omitempty"`
}

// Failed reports whether the gate refused the SBOM.
func (g *GateResult) Failed() bool { return g.Outcome == GateFail }

// ProductService holds products, releases, their SBOMs and the gate.
type ProductService interface {
	// CreateProduct adds a product to a scope. Errors: EINVALID,
	// EFORBIDDEN, ECONFLICT (name taken).
	CreateProduct(ctx context.Context, p NewProduct) (*Product, error)
	// Products lists the products the caller may see, oldest first; query
	// narrows them to names containing it.
	Products(ctx context.Context, query string, page Page) ([]*Product, string, error)
	// FindProduct returns a product and its releases. Errors: ENOTFOUND.
	FindProduct(ctx context.Context, id int64) (*Product, error)
	// FindProductByName returns a product by its name. Errors: ENOTFOUND.
	FindProductByName(ctx context.Context, name string) (*Product, error)

	// CreateRelease adds a release in development. Errors: EINVALID
	// (predecessor unknown), EFORBIDDEN, ECONFLICT (version taken).
	CreateRelease(ctx context.Context, productID int64, r NewRelease) (*Release, error)
	// FindRelease returns a release with its lineage, composition and
	// SBOM summary. Errors: ENOTFOUND.
	FindRelease(ctx context.Context, id int64) (*Release, error)
	// FindReleaseByVersion returns a product's release. Errors: ENOTFOUND.
	FindReleaseByVersion(ctx context.Context, productID int64, version string) (*Release, error)
	// MoveRelease changes a release's state. Errors: EINVALID, EFORBIDDEN,
	// ECONFLICT (not a legal move), EPRECONDITION (releasing without SBOM).
	MoveRelease(ctx context.Context, id int64, to ReleaseState, reason string) error
	// AddUse records that a release is built from another release.
	// Errors: EINVALID (cycle, same product), EFORBIDDEN, EFROZEN.
	AddUse(ctx context.Context, releaseID, usesID int64, reason string) error
	// RemoveUse undoes AddUse while the release is in development.
	RemoveUse(ctx context.Context, releaseID, usesID int64, reason string) error

	// StoreSBOM parses, checks and stores a release's SBOM, replacing the
	// previous one while the release is in development. Errors: EINVALID
	// (the document, with format and position), ETOOLARGE, EFORBIDDEN,
	// EFROZEN (released).
	StoreSBOM(ctx context.Context, releaseID int64, u SBOMUpload) (*SBOMChange, error)
	// ReleaseComponents lists a release's packages with catalog states,
	// ordered by depth then name.
	ReleaseComponents(ctx context.Context, releaseID int64, f ComponentFilter, page Page) ([]*ReleaseComponent, string, error)
	// ReleaseGraph returns every package of a release with its depth and
	// parent, for the dependency tree.
	ReleaseGraph(ctx context.Context, releaseID int64) ([]*ReleaseComponent, error)
	// ExportSBOM writes a release's SBOM as "cyclonedx" (1.6 JSON) or
	// "spdx" (2.3 JSON). Errors: EINVALID (format), EPRECONDITION (no SBOM).
	ExportSBOM(ctx context.Context, releaseID int64, format string, w io.Writer) error
	// DiffReleases compares the components of two releases.
	DiffReleases(ctx context.Context, fromID, toID int64) (*ReleaseDiff, error)
	// WhereUsed lists every release containing a component, directly or
	// through the releases it is built from, with the path.
	WhereUsed(ctx context.Context, q WhereUsedQuery, page Page) (*WhereUsedResult, error)

	// Gate stores the SBOM for a product's release (creating the release in
	// development when it does not exist) and decides whether it may ship.
	// The decision is a ledger event. Errors: as StoreSBOM, and ENOTFOUND
	// (product).
	Gate(ctx context.Context, product, version string, u SBOMUpload) (*GateResult, error)
	// GateRuns lists a release's gate decisions, newest first.
	GateRuns(ctx context.Context, releaseID int64, page Page) ([]*GateResult, string, error)
	// FindGateRun returns one gate decision. Errors: ENOTFOUND.
	FindGateRun(ctx context.Context, id int64) (*GateResult, error)
	// RequestUncertified turns every uncertified component of a gate run
	// into an introduction request in one action. Errors: EFORBIDDEN,
	// EINVALID (justification).
	RequestUncertified(ctx context.Context, gateRunID int64, justification string) (*GateResult, error)
}
