package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

type whereUsedData struct {
	Form     *form
	Searched bool
	Result   *bulwark.WhereUsedResult
	NextURL  string
	FirstURL string
}

var whereUsedFields = []string{"purl", "versions"}

// whereUsed answers which releases contain a component: one version (a
// purl with a version), every version, or a range of them.
func (p *Pages) whereUsed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm(whereUsedFields...)
	for _, k := range whereUsedFields {
		f.Values[k] = strings.TrimSpace(q.Get(k))
	}
	d := &whereUsedData{Form: f, Searched: f.Get("purl") != "" || f.Get("versions") != ""}
	status := http.StatusOK
	if d.Searched {
		page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
		if err == nil {
			d.Result, err = p.svc.WhereUsed(ctx, bulwark.WhereUsedQuery{PURL: f.Get("purl"), Versions: f.Get("versions")}, page)
		}
		if err != nil {
			st, show := formStatus(err)
			if !show {
				return err
			}
			status = st
			f.fail(err)
			d.Result = nil
		}
		if d.Result != nil {
			v := url.Values{"purl": {f.Get("purl")}}
			if s := f.Get("versions"); s != "" {
				v.Set("versions", s)
			}
			if l := q.Get("limit"); l != "" {
				v.Set("limit", l)
			}
			d.FirstURL, d.NextURL = pageURLs("/where-used", v, page.Cursor, d.Result.Next, "")
		}
	}
	p.render(w, r, status, "whereused", &view{Title: "Where used", Section: "where-used", Data: d})
	return nil
}
