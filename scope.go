package bulwark

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ScopeKind is a level of the scope hierarchy. The organisation is the one
// root; below it region > country > business unit > project.
type ScopeKind string

const (
	ScopeOrg          ScopeKind = "organisation"
	ScopeRegion       ScopeKind = "region"
	ScopeCountry      ScopeKind = "country"
	ScopeBusinessUnit ScopeKind = "business-unit"
	ScopeProject      ScopeKind = "project"
)

// ScopeKinds in hierarchy order.
var ScopeKinds = []ScopeKind{ScopeOrg, ScopeRegion, ScopeCountry, ScopeBusinessUnit, ScopeProject}

func (k ScopeKind) level() int { return slices.Index(ScopeKinds, k) }

// Scope is a node of the organisation tree. Path is the materialised path of
// ids ("/1/4/9/"), so that "is below" is a prefix test and an indexed query.
type Scope struct {
	ID        int64     `json:"id"`
	ParentID  int64     `json:"parent_id,omitempty"`
	Kind      ScopeKind `json:"kind"`
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidateChild checks that a scope of kind k named name may sit under parent.
func ValidateChild(parent *Scope, k ScopeKind, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return FieldError("name", "a scope needs a name")
	}
	if len(name) > 120 {
		return FieldError("name", "scope names are at most 120 characters")
	}
	if k.level() < 0 {
		return FieldError("kind", "unknown scope kind %q", k)
	}
	if parent == nil {
		if k != ScopeOrg {
			return FieldError("parent_id", "a %s needs a parent scope", k)
		}
		return nil
	}
	if k.level() <= parent.Kind.level() {
		return FieldError("kind", "a %s cannot sit under a %s", k, parent.Kind)
	}
	return nil
}

// ScopeContains reports whether the scope at path outer is inner or one of
// its ancestors.
func ScopeContains(outer, inner string) bool {
	return outer != "" && strings.HasPrefix(inner, outer)
}

// ScopesOverlap reports whether one scope contains the other.
func ScopesOverlap(a, b string) bool { return ScopeContains(a, b) || ScopeContains(b, a) }

// minimalPaths drops every path that another path in the list contains.
func minimalPaths(paths []string) []string {
	slices.Sort(paths)
	var out []string
	for _, p := range paths {
		if len(out) > 0 && ScopeContains(out[len(out)-1], p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// ScopeService manages the scope tree.
type ScopeService interface {
	// CreateScope adds a scope under parentID (0 for the organisation root).
	// Errors: EINVALID, ENOTFOUND (parent), EFORBIDDEN, ECONFLICT (name taken
	// under the same parent).
	CreateScope(ctx context.Context, parentID int64, kind ScopeKind, name, reason string) (*Scope, error)
	// FindScopes lists the scopes the caller may read, in path order.
	FindScopes(ctx context.Context, page Page) ([]*Scope, string, error)
	// FindScopeByID returns one scope. Errors: ENOTFOUND (also when not visible).
	FindScopeByID(ctx context.Context, id int64) (*Scope, error)
}
