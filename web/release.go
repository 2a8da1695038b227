package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// The release page shows one configuration item: its lineage and
// composition, its SBOM with the component table and dependency tree, the
// gate's decisions, and the forms that change it while it is in
// development. The SBOM upload, export and diff are in sbom.go.

// releaseForms are the action forms of the page; nil ones start empty.
type releaseForms struct {
	State, Uses, Upload *form
}

var (
	stateFields  = []string{"to", "reason"}
	useFields    = []string{"uses_id", "reason"}
	uploadFields = []string{"sbom", "reason"}
	filterFields = []string{"q", "state", "direct"}
)

// releaseMove is one legal state change, as a button.
type releaseMove struct {
	To    bulwark.ReleaseState
	Label string
	Class string // button style
}

var moveLabels = map[bulwark.ReleaseState]string{
	bulwark.ReleaseReleased:     "Release",
	bulwark.ReleaseMaintained:   "Move to maintained",
	bulwark.ReleaseEndOfSupport: "End support",
}

// useGroup is one product's releases in the built-from picker.
type useGroup struct {
	Product  string
	Releases []bulwark.ReleaseRef
}

// treeNode is one package in the dependency tree.
type treeNode struct {
	*bulwark.ReleaseComponent
	Children []*treeNode
	Open     bool
}

type releaseData struct {
	Release    *bulwark.Release
	Crumbs     []crumb
	Frozen     bool
	CanManage  bool
	CanUpload  bool
	ShowUpload bool // the upload panel: in development, or to say why an upload was refused
	Moves      []releaseMove
	Releasing  bool // "release" is among the moves: explain the freeze

	UseGroups  []useGroup
	UseByID    bool // too many candidates for a list: the id is typed
	CanCompose bool

	Compare        []bulwark.ReleaseRef // the product's other releases
	CompareDefault int64

	Exports []exportLink

	Components []*bulwark.ReleaseComponent
	Filter     *form
	States     []string
	Filtered   bool
	NextURL    string
	FirstURL   string

	Tree        []*treeNode
	TreeShown   int
	TreeTotal   int
	GateRuns    []*bulwark.GateResult
	MoreRuns    bool
	MaxSBOMSize string
	MaxSBOM     int64
	Forms       releaseForms
	Vulns       *releaseVulns
}

// exportLink is one SBOM export format.
type exportLink struct {
	Format, Label, Href string
}

// maxTreeNodes bounds the packages the dependency tree draws.
const maxTreeNodes = 2000

// A small tree starts wholly open; a larger one shows its direct
// dependencies open and the rest folded; a very large one starts folded.
const (
	openTreeBelow = 100
	openTopBelow  = 500
)

// gateRunsShown is how many gate decisions the release page lists.
const gateRunsShown = 10

// maxUseCandidates bounds the built-from picker; beyond it the release id
// is typed instead.
const maxUseCandidates = 500

func releaseID(r *http.Request) (int64, error) { return parseID(r.PathValue("id"), "release") }

// release shows one release.
func (p *Pages) release(w http.ResponseWriter, r *http.Request) error {
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	return p.renderRelease(w, r, http.StatusOK, id, releaseForms{})
}

func (p *Pages) renderRelease(w http.ResponseWriter, r *http.Request, status int, id int64, forms releaseForms) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	rel, err := p.svc.FindRelease(ctx, id)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &releaseData{Release: rel, Frozen: rel.State.Frozen(), Forms: forms,
		MaxSBOM: p.opts.MaxSBOMBytes, MaxSBOMSize: byteSize(p.opts.MaxSBOMBytes)}
	if s, ok := idx.byID[rel.ScopeID]; ok {
		d.Crumbs = idx.breadcrumb(s.Path, s.Name)
		d.CanManage = pr.Can(bulwark.ActionProductManage, s.Path)
		d.CanUpload = pr.Can(bulwark.ActionSBOMUpload, s.Path)
	}
	if d.CanManage {
		for _, to := range bulwark.ReleaseStates {
			if rel.State.CanMoveTo(to) {
				m := releaseMove{To: to, Label: moveLabels[to], Class: "btn"}
				if to == bulwark.ReleaseReleased {
					m.Class, d.Releasing = "btn btn-primary", true
				}
				if to == bulwark.ReleaseEndOfSupport {
					m.Class = "btn btn-danger"
				}
				d.Moves = append(d.Moves, m)
			}
		}
	}
	d.ShowUpload = d.CanUpload && (!d.Frozen || forms.Upload.Failed())
	d.CanCompose = d.CanManage && !d.Frozen
	if d.CanCompose {
		if err := p.useCandidates(r, rel, d); err != nil {
			return err
		}
	}

	prod, err := p.svc.FindProduct(ctx, rel.ProductID)
	if err != nil {
		return err
	}
	for _, o := range prod.Releases {
		if o.ID != rel.ID {
			d.Compare = append(d.Compare, o.Ref())
		}
	}
	if rel.Predecessor != nil {
		d.CompareDefault = rel.Predecessor.ID
	}

	if rel.SBOM != nil {
		for _, f := range []struct{ format, label string }{{"cyclonedx", "CycloneDX 1.6 JSON"}, {"spdx", "SPDX 2.3 JSON"}} {
			d.Exports = append(d.Exports, exportLink{Format: f.format, Label: f.label, Href: fmt.Sprintf("/releases/%d/sbom?format=%s", rel.ID, f.format)})
		}
		if status, err = p.componentTable(r, rel, d, status); err != nil {
			return err
		}
		graph, err := p.svc.ReleaseGraph(ctx, rel.ID)
		if err != nil {
			return err
		}
		d.Tree, d.TreeShown = dependencyTree(graph, maxTreeNodes)
		d.TreeTotal = len(graph)
	} else {
		d.Filter = newForm(filterFields...)
	}

	if d.Vulns, err = p.releaseVulns(r, rel.ID); err != nil {
		return err
	}

	runs, next, err := p.svc.GateRuns(ctx, rel.ID, bulwark.Page{Limit: gateRunsShown})
	if err != nil {
		return err
	}
	d.GateRuns, d.MoreRuns = runs, next != ""

	if d.Forms.State == nil {
		d.Forms.State = newForm(stateFields...)
	}
	if d.Forms.Uses == nil {
		d.Forms.Uses = newForm(useFields...)
	}
	if d.Forms.Upload == nil {
		d.Forms.Upload = newForm(uploadFields...)
	}

	v := &view{Title: rel.Product + " " + rel.Version, Section: "products", Data: d}
	v.Notice = releaseNotice(r.URL.Query(), rel)
	// A refused action whose form this caller is not shown says why above
	// the page.
	for _, hidden := range []struct {
		f     *form
		shown bool
	}{{forms.State, len(d.Moves) > 0}, {forms.Uses, d.CanCompose}, {forms.Upload, d.ShowUpload}} {
		if hidden.f != nil && !hidden.shown {
			v.Error = hidden.f.Message()
		}
	}
	p.render(w, r, status, "release", v)
	return nil
}

// componentTable reads one page of the release's components with the
// filters of the query. A filter the store refuses is shown next to its
// field and answers with its status.
func (p *Pages) componentTable(r *http.Request, rel *bulwark.Release, d *releaseData, status int) (int, error) {
	q := r.URL.Query()
	f := newForm(filterFields...)
	for _, k := range filterFields {
		f.Values[k] = strings.TrimSpace(q.Get(k))
	}
	d.Filter = f
	d.States = []string{"unknown"}
	for _, s := range bulwark.VersionStates {
		d.States = append(d.States, string(s))
	}
	d.Filtered = f.Get("q") != "" || f.Get("state") != "" || f.Get("direct") != ""
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return status, err
	}
	filter := bulwark.ComponentFilter{Query: f.Get("q"), State: f.Get("state"), Direct: f.Get("direct") != ""}
	comps, next, err := p.svc.ReleaseComponents(r.Context(), rel.ID, filter, page)
	if err != nil {
		st, show := formStatus(err)
		if !show {
			return status, err
		}
		f.fail(err)
		return max(status, st), nil
	}
	d.Components = comps
	v := url.Values{}
	for _, k := range filterFields {
		if s := f.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	if l := q.Get("limit"); l != "" {
		v.Set("limit", l)
	}
	d.FirstURL, d.NextURL = pageURLs(fmt.Sprintf("/releases/%d", rel.ID), v, page.Cursor, next, "#components")
	return status, nil
}

// maxUseProductPages bounds how many pages of products the built-from
// picker reads.
const maxUseProductPages = 4

// useCandidates lists the releases of other products this release could be
// built from; when there are too many for a list, the form asks for an id.
func (p *Pages) useCandidates(r *http.Request, rel *bulwark.Release, d *releaseData) error {
	used := map[int64]bool{}
	for _, u := range rel.Uses {
		used[u.ID] = true
	}
	n, more := 0, false
	page := bulwark.Page{Limit: bulwark.MaxPageLimit}
	for range maxUseProductPages {
		ps, next, err := p.svc.Products(r.Context(), "", page)
		if err != nil {
			return err
		}
		for _, prod := range ps {
			if prod.ID == rel.ProductID {
				continue
			}
			g := useGroup{Product: prod.Name}
			for _, o := range prod.Releases {
				if !used[o.ID] {
					g.Releases = append(g.Releases, o.Ref())
				}
			}
			n += len(g.Releases)
			if len(g.Releases) > 0 {
				d.UseGroups = append(d.UseGroups, g)
			}
		}
		more = next != ""
		if !more || n > maxUseCandidates {
			break
		}
		page.Cursor = next
	}
	if more || n > maxUseCandidates {
		d.UseGroups, d.UseByID = nil, true
	}
	slices.SortFunc(d.UseGroups, func(a, b useGroup) int {
		return strings.Compare(strings.ToLower(a.Product), strings.ToLower(b.Product))
	})
	return nil
}

// dependencyTree arranges a release's packages by their parent links:
// direct dependencies at the top, each node's children sorted by name. It
// draws at most limit nodes, breadth-first so that the upper levels are
// complete, and returns how many it drew.
func dependencyTree(graph []*bulwark.ReleaseComponent, limit int) (roots []*treeNode, shown int) {
	present := make(map[int64]bool, len(graph))
	for _, c := range graph {
		present[c.PackageID] = true
	}
	children := map[int64][]*bulwark.ReleaseComponent{}
	var top []*bulwark.ReleaseComponent
	for _, c := range graph {
		if c.Parent == 0 || c.Parent == c.PackageID || !present[c.Parent] {
			top = append(top, c)
		} else {
			children[c.Parent] = append(children[c.Parent], c)
		}
	}
	byName := func(a, b *bulwark.ReleaseComponent) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.Version, b.Version), cmp.Compare(a.PackageID, b.PackageID))
	}
	seen := map[int64]bool{}
	attach := func(list []*bulwark.ReleaseComponent) []*treeNode {
		slices.SortFunc(list, byName)
		var out []*treeNode
		for _, c := range list {
			if shown >= limit {
				break
			}
			if seen[c.PackageID] {
				continue
			}
			seen[c.PackageID] = true
			shown++
			out = append(out, &treeNode{ReleaseComponent: c})
		}
		return out
	}
	roots = attach(top)
	queue := slices.Clone(roots)
	for i := 0; i < len(queue); i++ {
		n := queue[i]
		n.Children = attach(children[n.PackageID])
		n.Open = len(graph) <= openTreeBelow || len(graph) <= openTopBelow && i < len(roots)
		queue = append(queue, n.Children...)
	}
	return roots, shown
}

// releaseNotice confirms the last action. The SBOM results carry their
// counts in the redirect; only whole numbers are taken from it.
func releaseNotice(q url.Values, rel *bulwark.Release) string {
	count := func(k string) int {
		n, err := strconv.Atoi(q.Get(k))
		if err != nil || n < 0 {
			return 0
		}
		return min(n, 1<<30)
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	}
	switch q.Get("done") {
	case "sbom-stored":
		if rel.SBOM != nil {
			return fmt.Sprintf("SBOM stored: %s. It is recorded in the ledger; the components and the dependency tree are below.",
				plural(rel.SBOM.Components, "component", "components"))
		}
	case "sbom-replaced":
		s := fmt.Sprintf("SBOM replaced: %d added, %d removed, %d upgraded, %d downgraded, %s.",
			count("added"), count("removed"), count("upgraded"), count("downgraded"), plural(count("license"), "licence change", "licence changes"))
		if rel.SBOM != nil {
			s += fmt.Sprintf(" The release now has %s.", plural(rel.SBOM.Components, "component", "components"))
		}
		return s
	}
	return ""
}

// moveRelease changes a release's state.
func (p *Pages) moveRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, stateFields...)
	to := bulwark.ReleaseState(f.Get("to"))
	err = p.svc.MoveRelease(r.Context(), id, to, f.Get("reason"))
	if bulwark.ErrorField(err) == "state" {
		err = &bulwark.Error{Code: bulwark.EINVALID, Field: "to", Message: bulwark.ErrorMessage(err), Err: err}
	}
	return p.releaseAction(w, r, id, "release-"+cssToken(string(to)), f, func(fs *releaseForms) **form { return &fs.State }, err)
}

// addUse records that the release is built from another release.
func (p *Pages) addUse(w http.ResponseWriter, r *http.Request) error {
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, useFields...)
	uses, err := formID(r, "uses_id", "release it is built from")
	if err == nil {
		err = p.svc.AddUse(r.Context(), id, uses, f.Get("reason"))
	}
	return p.releaseAction(w, r, id, "use-added", f, func(fs *releaseForms) **form { return &fs.Uses }, err)
}

// removeUse undoes addUse while the release is in development.
func (p *Pages) removeUse(w http.ResponseWriter, r *http.Request) error {
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	uses, err := parseID(r.PathValue("uses"), "release")
	if err != nil {
		return err
	}
	f := formFrom(r, useFields...)
	err = p.svc.RemoveUse(r.Context(), id, uses, f.Get("reason"))
	return p.releaseAction(w, r, id, "use-removed", f, func(fs *releaseForms) **form { return &fs.Uses }, err)
}

// releaseAction ends every action handler of the release page: on success
// back to the release with a notice, otherwise the page again with the
// form that failed.
func (p *Pages) releaseAction(w http.ResponseWriter, r *http.Request, id int64, done string, f *form, slot func(*releaseForms) **form, err error) error {
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/releases/%d?done=%s", id, done), http.StatusSeeOther)
		return nil
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	var forms releaseForms
	*slot(&forms) = f
	return p.renderRelease(w, r, status, id, forms)
}
