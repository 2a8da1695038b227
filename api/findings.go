package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

func (a *API) findings(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	release, err := queryInt(r, "release_id")
	if err != nil {
		return err
	}
	f := bulwark.FindingFilter{ReleaseID: release, Key: q.Get("vulnerability"), State: bulwark.FindingState(q.Get("state")), Rating: q.Get("rating")}
	if f.All, err = queryBool(r, "all"); err != nil {
		return err
	}
	items, next, err := a.svc.Findings(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (a *API) triage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in bulwark.Triage
	if err := decode(w, r, &in); err != nil {
		return err
	}
	f, err := a.svc.TriageFinding(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

// impact answers GET /vulnerabilities/{id}/impact, as JSON or, with
// ?format=csv, as a spreadsheet of the affected rows.
func (a *API) impact(w http.ResponseWriter, r *http.Request) error {
	imp, err := a.svc.Impact(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		return writeJSON(w, http.StatusOK, imp)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "impact-"+imp.Key+".csv"))
		cw := csv.NewWriter(w)
		cw.Write([]string{"vulnerability", "product", "release", "release_state", "scope", "component", "version", "purl", "direct", "path", "finding_state", "inherited", "fixed"})
		for _, row := range imp.Rows {
			var path []string
			for _, s := range row.Path {
				path = append(path, s.Name)
			}
			cw.Write([]string{imp.Key, row.Release.Product, row.Release.Version, string(row.State), row.Scope, row.Component, row.Version, row.PURL,
				strconv.FormatBool(row.Direct), strings.Join(path, " > "), string(row.Finding), strconv.FormatBool(row.Inherited), strings.Join(row.Fixed, " ")})
		}
		cw.Flush()
		return cw.Error()
	}
	return bulwark.FieldError("format", "format is json or csv, not %q", r.URL.Query().Get("format"))
}
