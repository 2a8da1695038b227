package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// versionChip is a version as the catalog lists it: a link with its state.
type versionChip struct {
	*bulwark.ComponentVersion
	Expired bool // certified, but the certification has run out
}

type componentRow struct {
	*bulwark.Component
	Chips    []versionChip
	Licenses []string // distinct licences of the versions listed
}

func newComponentRow(c *bulwark.Component, now time.Time) componentRow {
	row := componentRow{Component: c}
	for _, v := range c.Versions {
		row.Chips = append(row.Chips, versionChip{ComponentVersion: v, Expired: v.CertificationExpired(now)})
		if v.License != "" && !slices.Contains(row.Licenses, v.License) {
			row.Licenses = append(row.Licenses, v.License)
		}
	}
	return row
}

type catalogData struct {
	Form       *form
	States     []bulwark.VersionState
	Filtered   bool
	Rows       []componentRow
	NextURL    string
	FirstURL   string
	CanRequest bool
	RequestURL string
}

var searchFields = []string{"q", "license", "state", "support_due"}

// catalog searches components by name or purl prefix, licence, state and
// support end.
func (p *Pages) catalog(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	q := r.URL.Query()
	f := newForm(searchFields...)
	for _, k := range searchFields {
		f.Values[k] = strings.TrimSpace(q.Get(k))
	}
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	d := &catalogData{Form: f, States: bulwark.VersionStates, CanRequest: canAnywhere(pr, bulwark.ActionComponentRequest)}
	filter := bulwark.CatalogFilter{Query: f.Get("q"), License: f.Get("license"), State: bulwark.VersionState(f.Get("state"))}
	d.Filtered = filter.Query != "" || filter.License != "" || filter.State != "" || f.Get("support_due") != ""
	d.RequestURL = "/catalog/request"
	if strings.HasPrefix(strings.ToLower(filter.Query), "pkg:") {
		d.RequestURL += "?" + url.Values{"purl": {filter.Query}}.Encode()
	}
	status := http.StatusOK
	if s := f.Get("support_due"); s != "" {
		filter.SupportDue, err = strconv.Atoi(s)
		if err != nil {
			err = bulwark.FieldError("support_due", "a number of days, such as 90")
		}
	}
	var comps []*bulwark.Component
	var next string
	if err == nil {
		comps, next, err = p.svc.SearchCatalog(ctx, filter, page)
	}
	if err != nil {
		st, show := formStatus(err)
		if !show {
			return err
		}
		status = st
		f.fail(err)
	}
	now := time.Now()
	for _, c := range comps {
		d.Rows = append(d.Rows, newComponentRow(c, now))
	}
	v := url.Values{}
	for _, k := range searchFields {
		if s := f.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	if l := q.Get("limit"); l != "" {
		v.Set("limit", l)
	}
	d.FirstURL, d.NextURL = pageURLs("/catalog", v, page.Cursor, next, "")
	p.render(w, r, status, "catalog", &view{Title: "Component catalog", Section: "catalog", Data: d})
	return nil
}

type componentData struct {
	Component  *bulwark.Component
	Versions   []versionChip
	CanRequest bool
	RequestURL string
}

// component shows one component and every version of it.
func (p *Pages) component(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := parseID(r.PathValue("id"), "component")
	if err != nil {
		return err
	}
	c, err := p.svc.FindComponent(ctx, id)
	if err != nil {
		return err
	}
	d := &componentData{Component: c, CanRequest: canAnywhere(bulwark.PrincipalFrom(ctx), bulwark.ActionComponentRequest),
		RequestURL: "/catalog/request?" + url.Values{"purl": {c.PURL}}.Encode()}
	now := time.Now()
	for _, v := range c.Versions {
		d.Versions = append(d.Versions, versionChip{ComponentVersion: v, Expired: v.CertificationExpired(now)})
	}
	p.render(w, r, http.StatusOK, "component", &view{Title: c.DisplayName, Section: "catalog", Data: d})
	return nil
}

type requestData struct {
	Form   *form
	Scopes []scopeOption
}

var requestFields = []string{"purl", "version", "scope_id", "intended_product", "justification", "license", "supplier",
	"export_control", "personal_data", "support_ends", "download_location", "alternatives", "description"}

// requestPage shows the introduction request form, filled from the query
// when the catalog search sends someone here.
func (p *Pages) requestPage(w http.ResponseWriter, r *http.Request) error {
	f := newForm(requestFields...)
	q := r.URL.Query()
	f.Values["purl"] = strings.TrimSpace(q.Get("purl"))
	f.Values["version"] = strings.TrimSpace(q.Get("version"))
	return p.renderRequest(w, r, http.StatusOK, f)
}

func (p *Pages) renderRequest(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	if !canAnywhere(pr, bulwark.ActionComponentRequest) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Your roles do not include requesting components. Developers and security staff of a project request them; you can still search the catalog.")
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &requestData{Form: f, Scopes: idx.options(pr, bulwark.ActionComponentRequest)}
	if len(d.Scopes) == 1 && f.Get("scope_id") == "" {
		f.Values["scope_id"] = strconv.FormatInt(d.Scopes[0].ID, 10)
	}
	p.render(w, r, status, "request", &view{Title: "Request a component", Section: "request", Data: d})
	return nil
}

// requestComponent records an introduction request and opens its dossier.
func (p *Pages) requestComponent(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, requestFields...)
	req := bulwark.IntroductionRequest{
		PURL: f.Get("purl"), Version: f.Get("version"), IntendedProduct: f.Get("intended_product"), Justification: f.Get("justification"),
		VersionDetails: bulwark.VersionDetails{
			License: f.Get("license"), Supplier: f.Get("supplier"), ExportControl: f.Get("export_control"),
			PersonalData: f.Get("personal_data") != "", DownloadLocation: strings.TrimSpace(f.Get("download_location")),
			Description: f.Get("description"), Alternatives: strings.Fields(f.Get("alternatives")),
		},
	}
	scope, err := formID(r, "scope_id", "project or product scope")
	if err == nil {
		req.ScopeID = scope
		req.SupportEnds, err = parseDay("support_ends", f.Get("support_ends"))
	}
	if err == nil {
		var d *bulwark.VersionDossier
		if d, err = p.svc.RequestVersion(r.Context(), req); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/catalog/versions/%d?done=requested", d.Version.ID), http.StatusSeeOther)
			return nil
		}
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderRequest(w, r, status, f)
}

// parseDay reads a date input (YYYY-MM-DD, as UTC midnight); empty is nil.
func parseDay(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return nil, bulwark.FieldError(field, "%q is not a date; use the date picker or write YYYY-MM-DD", s)
	}
	return &t, nil
}

type queueRow struct {
	*bulwark.ComponentVersion
	Waiting int // days since the request
}

type queueData struct {
	Rows        []queueRow
	NextURL     string
	Paged       bool
	CanEvaluate bool
}

// queue lists the versions waiting for product security, oldest first.
func (p *Pages) queue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	vs, next, err := p.svc.EvaluationQueue(ctx, page)
	if err != nil {
		return err
	}
	d := &queueData{Paged: page.Cursor != "", CanEvaluate: canAtRoot(bulwark.PrincipalFrom(ctx), bulwark.ActionComponentEvaluate)}
	now := time.Now()
	for _, v := range vs {
		d.Rows = append(d.Rows, queueRow{ComponentVersion: v, Waiting: int(now.Sub(v.CreatedAt).Hours() / 24)})
	}
	if next != "" {
		d.NextURL = "/catalog/queue?" + url.Values{"cursor": {next}}.Encode()
	}
	p.render(w, r, http.StatusOK, "queue", &view{Title: "Evaluation queue", Section: "queue", Data: d})
	return nil
}

// supportWindows are the choices of the support-ending page, in days.
var supportWindows = []int{30, 90, 180, 365}

const defaultSupportWindow = 90

type supportRow struct {
	Component *bulwark.Component
	Version   *bulwark.ComponentVersion
	DaysLeft  int // negative once support has ended
}

type supportData struct {
	Days    int
	Windows []int
	Rows    []supportRow
	NextURL string
	Paged   bool
}

// support lists usable versions whose support ends within a window.
func (p *Pages) support(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	days := defaultSupportWindow
	if s := q.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(supportWindows, n) {
			return bulwark.FieldError("days", "choose 30, 90, 180 or 365 days")
		}
		days = n
	}
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	comps, next, err := p.svc.SearchCatalog(ctx, bulwark.CatalogFilter{SupportDue: days}, page)
	if err != nil {
		return err
	}
	d := &supportData{Days: days, Windows: supportWindows, Paged: page.Cursor != ""}
	now := time.Now()
	for _, c := range comps {
		for _, v := range c.Versions {
			row := supportRow{Component: c, Version: v}
			if v.SupportEnds != nil {
				row.DaysLeft = int(v.SupportEnds.Sub(now).Hours() / 24)
			}
			d.Rows = append(d.Rows, row)
		}
	}
	// The filter only lists versions with a support end; soonest first.
	slices.SortStableFunc(d.Rows, func(a, b supportRow) int { return a.DaysLeft - b.DaysLeft })
	if next != "" {
		d.NextURL = "/catalog/support?" + url.Values{"days": {strconv.Itoa(days)}, "cursor": {next}}.Encode()
	}
	p.render(w, r, http.StatusOK, "support", &view{Title: "Support ending", Section: "support", Data: d})
	return nil
}

// rootScope returns the organisation root when the caller can see it, nil
// otherwise. Scopes come in path order, so the root is the first one.
func (p *Pages) rootScope(ctx context.Context) (*bulwark.Scope, error) {
	scopes, _, err := p.svc.FindScopes(ctx, bulwark.Page{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(scopes) == 1 && scopes[0].ParentID == 0 {
		return scopes[0], nil
	}
	return nil, nil
}
