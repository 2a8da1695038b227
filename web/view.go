package web

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// navSection is one group of links in the side navigation.
type navSection struct {
	Title string
	Items []navItem
}

type navItem struct {
	Label, Href, Section string
}

// navFor lists the pages p's roles allow, as the Policy table says; a link
// to a page that would answer 403 is never shown.
func navFor(p *bulwark.Principal) []navSection {
	if p == nil {
		return nil
	}
	out := []navSection{{Title: "Workspace", Items: []navItem{{"Home", "/", "home"}, {"Notifications", "/notifications", "notifications"}}}}
	if canAnywhere(p, bulwark.ActionCatalogRead) {
		catalog := []navItem{{"Search", "/catalog", "catalog"}}
		if canAnywhere(p, bulwark.ActionComponentRequest) {
			catalog = append(catalog, navItem{"Request", "/catalog/request", "request"})
		}
		if canAtRoot(p, bulwark.ActionComponentEvaluate) {
			catalog = append(catalog, navItem{"Queue", "/catalog/queue", "queue"})
		}
		catalog = append(catalog, navItem{"Support ending", "/catalog/support", "support"})
		if canAnywhere(p, bulwark.ActionWaiverRead) {
			catalog = append(catalog, navItem{"Waivers", "/waivers", "waivers"})
		}
		if canAnywhere(p, bulwark.ActionPolicyRead) {
			catalog = append(catalog, navItem{"Policy", "/policy", "policy"})
		}
		if canAtRoot(p, bulwark.ActionCatalogImport) {
			catalog = append(catalog, navItem{"Import", "/catalog/import", "import"})
		}
		out = append(out, navSection{Title: "Catalog", Items: catalog})
	}
	if canAnywhere(p, bulwark.ActionProductRead) {
		out = append(out, navSection{Title: "Products", Items: []navItem{{"Products", "/products", "products"}, {"Where used", "/where-used", "where-used"}}})
	}
	if canAnywhere(p, bulwark.ActionFindingRead) {
		vulns := []navItem{{"Dashboard", "/vulnerabilities", "vulnerabilities"}, {"Findings", "/findings", "findings"}}
		if canAtRoot(p, bulwark.ActionAdvisoryImport) {
			vulns = append(vulns, navItem{"Import advisories", "/advisories/import", "advisory-import"})
		}
		out = append(out, navSection{Title: "Vulnerabilities", Items: vulns})
	}
	var evidence []navItem
	if canAnywhere(p, bulwark.ActionLedgerRead) {
		evidence = append(evidence, navItem{"Ledger", "/ledger", "ledger"})
	}
	if len(evidence) > 0 {
		out = append(out, navSection{Title: "Evidence", Items: evidence})
	}
	if canAnywhere(p, bulwark.ActionTokenIssue) {
		out = append(out, navSection{Title: "Access", Items: []navItem{{"API tokens", "/tokens", "tokens"}}})
	}
	var admin []navItem
	if canAnywhere(p, bulwark.ActionUserRead) {
		admin = append(admin, navItem{"Users", "/admin/users", "users"})
	}
	if canAdminister(p) {
		admin = append(admin, navItem{"Scopes", "/admin/scopes", "scopes"})
	}
	if len(admin) > 0 {
		out = append(out, navSection{Title: "Administration", Items: admin})
	}
	return out
}

// canAnywhere reports whether p may take action in at least one scope.
func canAnywhere(p *bulwark.Principal, a bulwark.Action) bool {
	return len(p.VisibleScopes(a)) > 0
}

// canAtRoot reports whether p may take an organisation-wide action: the
// store authorises those at the organisation root, so only a grant there
// counts. The root is the one scope whose path has a single id ("/1/").
func canAtRoot(p *bulwark.Principal, a bulwark.Action) bool {
	if p == nil {
		return false
	}
	if p.Kind == bulwark.PrincipalSystem {
		return true
	}
	for _, g := range p.Grants {
		if strings.Count(g.ScopePath, "/") == 2 && p.Can(a, g.ScopePath) {
			return true
		}
	}
	return false
}

// canAdminister reports whether p may see the administration pages: those
// who create scopes or read the user directory (admins and auditors).
func canAdminister(p *bulwark.Principal) bool {
	return canAnywhere(p, bulwark.ActionScopeCreate) || canAnywhere(p, bulwark.ActionUserRead)
}

// rolesOf lists the distinct roles p holds, in the display order of Roles.
func rolesOf(p *bulwark.Principal) []bulwark.Role {
	if p == nil {
		return nil
	}
	var out []bulwark.Role
	for _, r := range bulwark.Roles {
		if p.HasRole(r) {
			out = append(out, r)
		}
	}
	return out
}

// maxScopePages bounds how many pages of scopes one request loads.
const maxScopePages = 20

// scopeIndex is the scopes the caller may see, by id, in tree order.
type scopeIndex struct {
	byID    map[int64]*bulwark.Scope
	ordered []*bulwark.Scope // depth-first, children by name
	depth   map[int64]int
}

// loadScopes reads every scope visible to the caller.
func (p *Pages) loadScopes(ctx context.Context) (*scopeIndex, error) {
	idx := &scopeIndex{byID: map[int64]*bulwark.Scope{}, depth: map[int64]int{}}
	page := bulwark.Page{Limit: bulwark.MaxPageLimit}
	for range maxScopePages {
		scopes, next, err := p.svc.FindScopes(ctx, page)
		if err != nil {
			return nil, err
		}
		for _, s := range scopes {
			idx.byID[s.ID] = s
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	for _, n := range idx.tree() {
		n.walk(func(n *scopeNode) {
			idx.ordered = append(idx.ordered, n.Scope)
			idx.depth[n.Scope.ID] = n.Depth
		})
	}
	return idx, nil
}

// scopeNode is one scope with its visible children.
type scopeNode struct {
	Scope    *bulwark.Scope
	Depth    int
	Children []*scopeNode
}

func (n *scopeNode) walk(fn func(*scopeNode)) {
	fn(n)
	for _, c := range n.Children {
		c.walk(fn)
	}
}

// tree arranges the visible scopes: a scope whose parent is not visible is
// a root of its own subtree.
func (idx *scopeIndex) tree() []*scopeNode {
	nodes := map[int64]*scopeNode{}
	for id, s := range idx.byID {
		nodes[id] = &scopeNode{Scope: s}
	}
	var roots []*scopeNode
	for _, n := range nodes {
		if parent, ok := nodes[n.Scope.ParentID]; ok && n.Scope.ParentID != 0 {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	var sortRec func([]*scopeNode, int)
	sortRec = func(ns []*scopeNode, depth int) {
		slices.SortFunc(ns, func(a, b *scopeNode) int { return strings.Compare(a.Scope.Name, b.Scope.Name) })
		for _, n := range ns {
			n.Depth = depth
			sortRec(n.Children, depth+1)
		}
	}
	sortRec(roots, 0)
	slices.SortFunc(roots, func(a, b *scopeNode) int { return strings.Compare(a.Scope.Path, b.Scope.Path) })
	return roots
}

// crumb is one step of a scope breadcrumb.
type crumb struct {
	Name string
	Kind bulwark.ScopeKind
	ID   int64
	Seen bool // false: an ancestor the caller may not see, shown as "…"
}

// breadcrumb names each scope on path from the root; ancestors the caller
// may not read are collapsed into one "…" step.
func (idx *scopeIndex) breadcrumb(path, leafName string) []crumb {
	var out []crumb
	ids := strings.Split(strings.Trim(path, "/"), "/")
	for i, part := range ids {
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			continue
		}
		if s, ok := idx.byID[id]; ok {
			out = append(out, crumb{Name: s.Name, Kind: s.Kind, ID: s.ID, Seen: true})
			continue
		}
		if i == len(ids)-1 && leafName != "" {
			out = append(out, crumb{Name: leafName, ID: id, Seen: true})
			continue
		}
		if len(out) == 0 || out[len(out)-1].Seen {
			out = append(out, crumb{Name: "…", ID: id})
		}
	}
	return out
}

// scopeLabel names the scope at path for tables: its name when visible.
func (idx *scopeIndex) scopeLabel(path string) string {
	ids := strings.Split(strings.Trim(path, "/"), "/")
	if id, err := strconv.ParseInt(ids[len(ids)-1], 10, 64); err == nil {
		if s, ok := idx.byID[id]; ok {
			return s.Name
		}
	}
	return path
}

// scopeOption is one entry of a scope <select>.
type scopeOption struct {
	ID    int64
	Label string
}

// options lists, in tree order and indented, the scopes where p may take
// action.
func (idx *scopeIndex) options(p *bulwark.Principal, a bulwark.Action) []scopeOption {
	var out []scopeOption
	for _, s := range idx.ordered {
		if p.Can(a, s.Path) {
			out = append(out, scopeOption{ID: s.ID, Label: strings.Repeat("\u2003", idx.depth[s.ID]) + s.Name + " (" + string(s.Kind) + ")"})
		}
	}
	return out
}

// timeLayout is how dates are shown: UTC, to the minute.
const timeLayout = "2006-01-02 15:04"

var templateFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format(timeLayout)
	},
	"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// roleClass and kindClass give CSS class suffixes, reduced to safe characters.
	"roleClass": func(r bulwark.Role) string { return cssToken(string(r)) },
	"kindClass": func(kind string) string {
		first, _, _ := strings.Cut(kind, ".")
		return cssToken(first)
	},
	"roleLine": func(r bulwark.Role) string {
		switch r.Line() {
		case bulwark.LineFirst:
			return "1st line"
		case bulwark.LineSecond:
			return "2nd line"
		case bulwark.LineThird:
			return "3rd line"
		}
		return ""
	},
	"isSection": func(v *view, s string) bool { return v != nil && v.Section == s },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return strconv.Itoa(n) + " " + one
		}
		return strconv.Itoa(n) + " " + many
	},
	"add": func(a, b int) int { return a + b },
	// day shows a date without its time; nil or zero is "—".
	"day": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "—"
		}
		return t.UTC().Format(dateLayout)
	},
	"date": func(t time.Time) string { return t.UTC().Format(dateLayout) },
	"fieldArgs": func(f *form, prefix, name, label, placeholder string, required bool) fieldArg {
		return fieldArg{Form: f, ID: prefix + "-" + name, Name: name, Label: label, Placeholder: placeholder, Required: required}
	},
	// sbomName shows an SBOM format or encoding as people write it.
	"sbomName": func(s string) string {
		if n, ok := sbomNames[s]; ok {
			return n
		}
		return s
	},
	// pair passes two values to a template, such as a version before and after.
	"pair": func(a, b string) struct{ A, B string } { return struct{ A, B string }{a, b} },
	// gateCount reads one outcome's count of a gate run.
	"gateCount": func(counts map[bulwark.GateOutcome]int, outcome string) int {
		return counts[bulwark.GateOutcome(outcome)]
	},
	// cls reduces a state, outcome or kind to a CSS class suffix.
	"cls": func(v any) string { return cssToken(fmt.Sprint(v)) },
}

// sbomNames are the SBOM formats and encodings as people write them.
var sbomNames = map[string]string{"cyclonedx": "CycloneDX", "spdx": "SPDX", "json": "JSON", "xml": "XML", "tag-value": "tag-value"}

// fieldArg is what the "reasonField" template needs to draw one input.
type fieldArg struct {
	Form                         *form
	ID, Name, Label, Placeholder string
	Required                     bool
}

// dateLayout is how days are shown and how date inputs send them.
const dateLayout = "2006-01-02"

// cssToken keeps letters, digits and '-' of s, lower-cased.
func cssToken(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// pageURLs are the addresses of a list's first page, set only on a later
// page (cursor not empty), and of its next page, set only when there is one
// (next not empty): path with the query v and the page's cursor, then
// fragment ("#id" or "").
func pageURLs(path string, v url.Values, cursor, next, fragment string) (firstURL, nextURL string) {
	at := func(c string) string {
		q := url.Values{}
		for k, vs := range v {
			q[k] = vs
		}
		q.Del("cursor")
		if c != "" {
			q.Set("cursor", c)
		}
		if len(q) == 0 {
			return path + fragment
		}
		return path + "?" + q.Encode() + fragment
	}
	if cursor != "" {
		firstURL = at("")
	}
	if next != "" {
		nextURL = at(next)
	}
	return firstURL, nextURL
}
