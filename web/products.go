package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// Products and their releases: the list, one product's lineage, and the
// forms that create them. The release page itself is in release.go.

// latestReleases is how many releases the product list shows per product.
const latestReleases = 3

type productRow struct {
	*bulwark.Product
	Latest []*bulwark.Release // newest first
	More   int                // releases not shown
}

type productsData struct {
	Form      *form
	Query     string
	Rows      []productRow
	NextURL   string
	FirstURL  string
	Scopes    []scopeOption
	CanCreate bool
}

var productFields = []string{"scope_id", "name", "description"}

// products lists the products the caller may see, with a search box and,
// for those who may create one, the form to do so.
func (p *Pages) products(w http.ResponseWriter, r *http.Request) error {
	return p.renderProducts(w, r, http.StatusOK, nil)
}

func (p *Pages) renderProducts(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	q := r.URL.Query()
	d := &productsData{Query: strings.TrimSpace(q.Get("q"))}
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	ps, next, err := p.svc.Products(ctx, d.Query, page)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	for _, prod := range ps {
		row := productRow{Product: prod, Latest: prod.Releases}
		if len(row.Latest) > latestReleases {
			row.Latest, row.More = row.Latest[:latestReleases], len(row.Latest)-latestReleases
		}
		d.Rows = append(d.Rows, row)
	}
	pv := url.Values{}
	if d.Query != "" {
		pv.Set("q", d.Query)
	}
	if l := q.Get("limit"); l != "" {
		pv.Set("limit", l)
	}
	d.FirstURL, d.NextURL = pageURLs("/products", pv, page.Cursor, next, "")
	d.Scopes = idx.options(pr, bulwark.ActionProductManage)
	d.CanCreate = len(d.Scopes) > 0
	if f == nil {
		f = newForm(productFields...)
		if len(d.Scopes) == 1 {
			f.Values["scope_id"] = strconv.FormatInt(d.Scopes[0].ID, 10)
		}
	}
	d.Form = f
	v := &view{Title: "Products", Section: "products", Data: d}
	if f.Failed() && !d.CanCreate {
		v.Error = f.Message()
	}
	p.render(w, r, status, "products", v)
	return nil
}

// createProduct adds a product and opens its page.
func (p *Pages) createProduct(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, productFields...)
	np := bulwark.NewProduct{Name: f.Get("name"), Description: strings.TrimSpace(f.Get("description"))}
	var err error
	np.ScopeID, err = formID(r, "scope_id", "scope for the product")
	if err == nil {
		var prod *bulwark.Product
		if prod, err = p.svc.CreateProduct(r.Context(), np); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/products/%d?done=product-created", prod.ID), http.StatusSeeOther)
			return nil
		}
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderProducts(w, r, status, f)
}

type productData struct {
	Product   *bulwark.Product
	Crumbs    []crumb
	CanManage bool
	Form      *form
}

var releaseFields = []string{"version", "predecessor"}

// product shows a product's releases, newest first, as a lineage.
func (p *Pages) product(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "product")
	if err != nil {
		return err
	}
	return p.renderProduct(w, r, http.StatusOK, id, nil)
}

func (p *Pages) renderProduct(w http.ResponseWriter, r *http.Request, status int, id int64, f *form) error {
	ctx := r.Context()
	prod, err := p.svc.FindProduct(ctx, id)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &productData{Product: prod}
	if s, ok := idx.byID[prod.ScopeID]; ok {
		d.Crumbs = idx.breadcrumb(s.Path, s.Name)
		d.CanManage = bulwark.PrincipalFrom(ctx).Can(bulwark.ActionProductManage, s.Path)
	}
	if f == nil {
		f = newForm(releaseFields...)
		if len(prod.Releases) > 0 {
			f.Values["predecessor"] = prod.Releases[0].Version // the newest
		}
	}
	d.Form = f
	v := &view{Title: prod.Name, Section: "products", Data: d}
	if f.Failed() && !d.CanManage {
		v.Error = f.Message()
	}
	p.render(w, r, status, "product", v)
	return nil
}

// createRelease adds a release in development and opens it.
func (p *Pages) createRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "product")
	if err != nil {
		return err
	}
	f := formFrom(r, releaseFields...)
	rel, err := p.svc.CreateRelease(r.Context(), id, bulwark.NewRelease{Version: f.Get("version"), Predecessor: f.Get("predecessor")})
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/releases/%d?done=release-created", rel.ID), http.StatusSeeOther)
		return nil
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderProduct(w, r, status, id, f)
}
