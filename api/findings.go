package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/vex"
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
	f := bulwark.FindingFilter{ReleaseID: release, Key: q.Get("vulnerability"), State: bulwark.FindingState(q.Get("state")), Rating: q.Get("rating"),
		Component: q.Get("component"), Sort: q.Get("sort")}
	for name, dst := range map[string]*bool{"all": &f.All, "open": &f.Open, "kev": &f.KEV, "overdue": &f.Overdue} {
		if *dst, err = queryBool(r, name); err != nil {
			return err
		}
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

// bulkTriage is one decision for several findings.
type bulkTriage struct {
	IDs []int64 `json:"ids"`
	bulwark.Triage
}

func (a *API) triageMany(w http.ResponseWriter, r *http.Request) error {
	var in bulkTriage
	if err := decode(w, r, &in); err != nil {
		return err
	}
	fs, err := a.svc.TriageFindings(r.Context(), in.IDs, in.Triage)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": fs})
}

func (a *API) dashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.Dashboard(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// exportVEX answers GET /releases/{id}/vex: the release's findings as a
// CycloneDX VEX (the default) or OpenVEX document.
func (a *API) exportVEX(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, name, err := vex.Export(r.Context(), a.svc, id, r.URL.Query().Get("format"), bulwark.PrincipalFrom(r.Context()).Actor(), time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	_, err = w.Write(data)
	return err
}

// impact answers GET /vulnerabilities/{id}/impact, as JSON or, with
// ?format=csv, as a spreadsheet of the affected rows.
func (a *API) impact(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return bulwark.FieldError("format", "format is json or csv, not %q", format)
	}
	// JSON comes a page at a time; the CSV export holds every row.
	var page bulwark.Page
	if format != "csv" {
		var err error
		if page, err = bulwark.ParsePage(r.URL.Query().Get("limit"), r.URL.Query().Get("cursor")); err != nil {
			return err
		}
	}
	imp, err := a.svc.Impact(r.Context(), r.PathValue("id"), page)
	if err != nil {
		return err
	}
	switch format {
	case "", "json":
		return writeJSON(w, http.StatusOK, imp)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "impact-"+imp.Key+".csv"))
		return imp.WriteCSV(w)
	}
	return bulwark.FieldError("format", "format is json or csv, not %q", r.URL.Query().Get("format"))
}
