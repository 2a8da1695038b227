package api

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/catalogfile"
)

func (a *API) searchCatalog(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := bulwark.CatalogFilter{Query: q.Get("q"), License: q.Get("license"), State: bulwark.VersionState(q.Get("state"))}
	if v := q.Get("support_due"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return bulwark.FieldError("support_due", "support_due is a number of days, got %q", v)
		}
		f.SupportDue = n
	}
	items, next, err := a.svc.SearchCatalog(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (a *API) addFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in bulwark.NewFinding
	if err := decode(w, r, &in); err != nil {
		return err
	}
	f, err := a.svc.AddFinding(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, f)
}

type detailsBody struct {
	bulwark.VersionDetails
	Reason string `json:"reason"`
}

func (a *API) updateDetails(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in detailsBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := a.svc.UpdateDetails(r.Context(), id, in.VersionDetails, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in bulwark.NewDecision
	if err := decode(w, r, &in); err != nil {
		return err
	}
	d, err := a.svc.Decide(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, d)
}

func (a *API) transition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in bulwark.LifecycleChange
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := a.svc.Transition(r.Context(), id, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type renewBody struct {
	CertifiedUntil time.Time `json:"certified_until"`
	Reason         string    `json:"reason"`
}

func (a *API) renew(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in renewBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := a.svc.Renew(r.Context(), id, in.CertifiedUntil, in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// importCatalog takes the file as the raw body: ?name=list.csv&dry_run=true.
func (a *API) importCatalog(w http.ResponseWriter, r *http.Request) error {
	dry, err := queryBool(r, "dry_run")
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, catalogfile.MaxBytes))
	if err != nil {
		return jsonError(err)
	}
	rows, rowErrs, err := catalogfile.Parse(data)
	if err != nil {
		return err
	}
	res, err := a.svc.Import(r.Context(), rows, rowErrs, data, r.URL.Query().Get("name"), dry)
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINVALID && res != nil {
			writeProblemWith(w, r, a.log, err, res.Errors)
			return nil
		}
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

type policyBody struct {
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.CatalogPolicy(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) policyHistory(w http.ResponseWriter, r *http.Request) error {
	ds, err := a.svc.PolicyHistory(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(ds, ""))
}

func (a *API) updatePolicy(w http.ResponseWriter, r *http.Request) error {
	var in policyBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	d, err := a.svc.UpdatePolicy(r.Context(), in.Text, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) listWaivers(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	days, err := queryInt(r, "expiring_days")
	if err != nil {
		return err
	}
	items, next, err := a.svc.FindWaivers(r.Context(), int(days), pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (a *API) readNotification(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.svc.MarkNotificationRead(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
