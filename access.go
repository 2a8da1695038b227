package bulwark

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is one of the fixed roles of PRODUCT.md. A user holds roles through
// grants, each in one scope; a grant applies to that scope and everything
// below it.
type Role string

const (
	RoleDeveloper       Role = "developer"
	RoleBUSecurity      Role = "bu-security"
	RoleProductSecurity Role = "product-security"
	RoleAuditor         Role = "auditor"
	RolePSIRT           Role = "psirt"
	RoleSupplierManager Role = "supplier-manager"
	RoleAdmin           Role = "admin"
)

// Roles lists every role a user can be granted, in display order. External
// parties (customers, partners, the public) do not log in: they read the
// public endpoints.
var Roles = []Role{
	RoleDeveloper, RoleBUSecurity, RoleProductSecurity, RoleAuditor,
	RolePSIRT, RoleSupplierManager, RoleAdmin,
}

// Line of defense a role belongs to; 0 for roles outside the three lines.
type Line int

const (
	LineNone   Line = 0
	LineFirst  Line = 1
	LineSecond Line = 2
	LineThird  Line = 3
)

// Line returns the line of defense of r.
func (r Role) Line() Line {
	switch r {
	case RoleDeveloper, RoleBUSecurity:
		return LineFirst
	case RoleProductSecurity:
		return LineSecond
	case RoleAuditor:
		return LineThird
	}
	return LineNone
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// ParseRole returns the role named s or an EINVALID error naming the roles.
func ParseRole(s string) (Role, error) {
	r := Role(strings.TrimSpace(s))
	if !r.Valid() {
		names := make([]string, len(Roles))
		for i, r := range Roles {
			names[i] = string(r)
		}
		return "", FieldError("role", "unknown role %q (one of: %s)", s, strings.Join(names, ", "))
	}
	return r, nil
}

// Action is a guarded operation. Every state change and every read of
// scoped data names one.
type Action string

const (
	ActionScopeRead     Action = "scope.read"
	ActionScopeCreate   Action = "scope.create"
	ActionUserRead      Action = "user.read"
	ActionUserCreate    Action = "user.create"
	ActionUserGrant     Action = "user.grant"
	ActionUserPassword  Action = "user.reset_password"
	ActionTokenIssue    Action = "token.issue"
	ActionLedgerRead    Action = "ledger.read"
	ActionEvidenceRead  Action = "evidence.read"
	ActionEvidenceWrite Action = "evidence.write"

	ActionCatalogRead        Action = "catalog.read"
	ActionComponentRequest   Action = "component.request"
	ActionComponentEvaluate  Action = "component.evaluate"
	ActionComponentDecide    Action = "component.decide"
	ActionComponentLifecycle Action = "component.lifecycle"
	ActionCatalogImport      Action = "catalog.import"
	ActionPolicyRead         Action = "policy.read"
	ActionPolicyEdit         Action = "policy.edit"
	ActionWaiverRead         Action = "waiver.read"
	ActionWaiverRequest      Action = "waiver.request"
	ActionWaiverApprove      Action = "waiver.approve"

	ActionProductRead   Action = "product.read"
	ActionProductManage Action = "product.manage"
	ActionSBOMUpload    Action = "sbom.upload"
	ActionGateRun       Action = "gate.run"

	ActionAdvisoryRead   Action = "advisory.read"
	ActionAdvisoryImport Action = "advisory.import"
	ActionFindingRead    Action = "finding.read"
	ActionFindingTriage  Action = "finding.triage"
)

// Rule says which roles may take an action, and a line for the operator.
// A Global rule is about organisation-wide things (the catalog, the
// policy): holding an allowed role in any scope suffices. Decisions about
// organisation-wide things are checked against the root scope instead.
type Rule struct {
	Roles       []Role
	Description string
	Global      bool
}

var allRoles = Roles

// Policy is the one table that says which role may do what. A principal may
// take an action on a target scope when one of its grants names an allowed
// role at that scope or at one of its ancestors. Tests walk the whole table
// against the HTTP API, so a new action needs a new row there too.
var Policy = map[Action]Rule{
	ActionScopeRead:     {allRoles, "see a scope and its children", false},
	ActionScopeCreate:   {[]Role{RoleAdmin}, "create a scope under one you administer", false},
	ActionUserRead:      {[]Role{RoleAdmin, RoleAuditor}, "list users and their grants in a scope", false},
	ActionUserCreate:    {[]Role{RoleAdmin}, "create a user whose home is the scope", false},
	ActionUserGrant:     {[]Role{RoleAdmin}, "grant or revoke a role in the scope", false},
	ActionUserPassword:  {[]Role{RoleAdmin}, "reset the password of a user homed in the scope", false},
	ActionTokenIssue:    {allRoles, "issue oneself an API token limited to one's own grants", false},
	ActionLedgerRead:    {[]Role{RoleAuditor, RoleAdmin, RoleProductSecurity, RoleBUSecurity, RolePSIRT}, "read ledger events about the scope", false},
	ActionEvidenceRead:  {allRoles, "download evidence attached in the scope", false},
	ActionEvidenceWrite: {[]Role{RoleDeveloper, RoleBUSecurity, RoleProductSecurity, RolePSIRT, RoleSupplierManager, RoleAdmin}, "attach evidence in the scope", false},

	ActionCatalogRead:        {allRoles, "search the component catalog and read certification dossiers", true},
	ActionComponentRequest:   {[]Role{RoleDeveloper, RoleBUSecurity, RoleProductSecurity}, "request a component version for a project in the scope", false},
	ActionComponentEvaluate:  {[]Role{RoleProductSecurity}, "evaluate requested versions: findings, verification records, corrected facts", false},
	ActionComponentDecide:    {[]Role{RoleProductSecurity}, "certify or reject a version (four-eyes)", false},
	ActionComponentLifecycle: {[]Role{RoleProductSecurity}, "deprecate, end, ban or renew certified versions", false},
	ActionCatalogImport:      {[]Role{RoleProductSecurity, RoleAdmin}, "bulk-import an approved-component list", false},
	ActionPolicyRead:         {allRoles, "read the catalog policy", true},
	ActionPolicyEdit:         {[]Role{RoleProductSecurity, RoleAdmin}, "change the catalog policy", false},
	ActionWaiverRead:         {allRoles, "see waivers that apply in the scope", false},
	ActionWaiverRequest:      {[]Role{RoleBUSecurity, RoleProductSecurity}, "propose a time-boxed waiver in the scope", false},
	ActionWaiverApprove:      {[]Role{RoleProductSecurity}, "approve or revoke a waiver in the scope (never one's own)", false},

	ActionProductRead:   {allRoles, "see products, releases, SBOMs, gate decisions and where components are used in the scope", false},
	ActionProductManage: {[]Role{RoleDeveloper, RoleBUSecurity, RoleProductSecurity, RoleAdmin}, "create products and releases, compose and release them", false},
	ActionSBOMUpload:    {[]Role{RoleDeveloper, RoleBUSecurity, RoleProductSecurity}, "store or replace the SBOM of a release in development", false},
	ActionGateRun:       {[]Role{RoleDeveloper, RoleBUSecurity, RoleProductSecurity}, "run the pipeline gate on a release's SBOM, and request its uncertified components", false},

	ActionAdvisoryRead:   {allRoles, "read imported vulnerability advisories and match packages against them", true},
	ActionAdvisoryImport: {[]Role{RolePSIRT, RoleProductSecurity, RoleAdmin}, "import vulnerability advisories (OSV)", false},
	ActionFindingRead:    {allRoles, "see vulnerability findings and impact in the scope", false},
	ActionFindingTriage:  {[]Role{RoleBUSecurity, RoleProductSecurity, RolePSIRT}, "record the VEX analysis of a finding in the scope", false},
}

// Actions returns the actions of Policy in a stable order.
func Actions() []Action {
	out := make([]Action, 0, len(Policy))
	for a := range Policy {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Grant gives a user a role in a scope and all scopes below it.
type Grant struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"user_id"`
	Role      Role   `json:"role"`
	ScopeID   int64  `json:"scope_id"`
	ScopePath string `json:"scope_path"`
	ScopeName string `json:"scope_name"`
}

// PrincipalKind says how a principal authenticated.
type PrincipalKind string

const (
	PrincipalUser   PrincipalKind = "user"   // browser session or password
	PrincipalToken  PrincipalKind = "token"  // API token
	PrincipalSystem PrincipalKind = "system" // local CLI or the server itself
)

// Principal is who is acting. Grants are the effective ones: for a token,
// the token's subset of its user's current grants.
type Principal struct {
	Kind    PrincipalKind
	UserID  int64
	Name    string
	TokenID int64
	// TokenExpires bounds the expiry of tokens derived from this token.
	TokenExpires time.Time
	Grants       []Grant
}

// Actor is the principal as it is recorded in ledger events.
func (p *Principal) Actor() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.Kind == PrincipalSystem:
		return "system:" + p.Name
	case p.Kind == PrincipalToken:
		return "user:" + p.Name + "/token"
	}
	return "user:" + p.Name
}

// Can reports whether p may take action on the scope with the given path.
// The system principal (local CLI with direct database access, demo seed)
// may do anything.
func (p *Principal) Can(action Action, scopePath string) bool {
	if p == nil {
		return false
	}
	if p.Kind == PrincipalSystem {
		return true
	}
	rule, ok := Policy[action]
	if !ok {
		return false
	}
	for _, g := range p.Grants {
		if slices.Contains(rule.Roles, g.Role) && (rule.Global || ScopeContains(g.ScopePath, scopePath)) {
			return true
		}
	}
	return false
}

// Authorize returns nil when p may take action on the scope, an EFORBIDDEN
// error naming both otherwise (EUNAUTHORIZED when there is no principal).
func (p *Principal) Authorize(action Action, scopePath string) error {
	if p == nil {
		return Errorf(EUNAUTHORIZED, "sign in first")
	}
	if p.Can(action, scopePath) {
		return nil
	}
	return Errorf(EFORBIDDEN, "%s may not %s in this scope", p.Actor(), action)
}

// VisibleScopes returns the scope paths under which p may take action: the
// roots of the subtrees it can see. Nil means none; the system principal
// gets the root "/".
func (p *Principal) VisibleScopes(action Action) []string {
	if p == nil {
		return nil
	}
	if p.Kind == PrincipalSystem {
		return []string{"/"}
	}
	rule := Policy[action]
	var out []string
	for _, g := range p.Grants {
		if slices.Contains(rule.Roles, g.Role) {
			out = append(out, g.ScopePath)
		}
	}
	return minimalPaths(out)
}

// HasRole reports whether p holds role anywhere.
func (p *Principal) HasRole(r Role) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.Role == r {
			return true
		}
	}
	return false
}

// CheckFourEyes returns nil when checker may decide on something made by
// makerID at the given line of defense in the scope: the checker is never the
// maker, and a 2nd- or 3rd-line check is never done by someone who holds a
// 1st-line role in a scope that overlaps the decision's scope (the same
// scope, one above it, or one below it). Later workflows (certification,
// checkpoint verification, advisories) call it before recording a decision.
func CheckFourEyes(makerID int64, checker *Principal, line Line, scopePath string) error {
	if checker == nil {
		return Errorf(EUNAUTHORIZED, "sign in first")
	}
	if checker.UserID != 0 && checker.UserID == makerID {
		return Errorf(EFORBIDDEN, "four-eyes: %s made this and cannot also check it", checker.Actor())
	}
	if line >= LineSecond {
		for _, g := range checker.Grants {
			if g.Role.Line() == LineFirst && ScopesOverlap(g.ScopePath, scopePath) {
				return Errorf(EFORBIDDEN, "four-eyes: %s is %s (1st line) in %s and cannot do a line-%d check there", checker.Actor(), g.Role, g.ScopeName, line)
			}
		}
	}
	return nil
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
