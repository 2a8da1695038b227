package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// MaxSBOMBytes is the default bound on an SBOM upload body; the store may
// set a lower limit.
const MaxSBOMBytes = 128 << 20

func (a *API) products(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := a.svc.Products(r.Context(), r.URL.Query().Get("q"), pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (a *API) createRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in bulwark.NewRelease
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rel, err := a.svc.CreateRelease(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rel)
}

type stateBody struct {
	State  bulwark.ReleaseState `json:"state"`
	Reason string               `json:"reason"`
}

func (a *API) moveRelease(ctx context.Context, id int64, in stateBody) error {
	return a.svc.MoveRelease(ctx, id, in.State, in.Reason)
}

type useBody struct {
	UsesID int64  `json:"uses_id"`
	Reason string `json:"reason"`
}

func (a *API) addUse(ctx context.Context, id int64, in useBody) error {
	return a.svc.AddUse(ctx, id, in.UsesID, in.Reason)
}

func (a *API) removeUse(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	uses, err := pathID(r, "uses")
	if err != nil {
		return err
	}
	if err := a.svc.RemoveUse(r.Context(), id, uses, r.URL.Query().Get("reason")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readSBOM reads a raw SBOM body (any content type: the document says
// what it is) up to the limit.
func (a *API) readSBOM(w http.ResponseWriter, r *http.Request) (bulwark.SBOMUpload, error) {
	cycles, err := queryBool(r, "allow_cycles")
	if err != nil {
		return bulwark.SBOMUpload{}, err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxSBOMBytes))
	if err != nil {
		return bulwark.SBOMUpload{}, jsonError(err)
	}
	q := r.URL.Query()
	return bulwark.SBOMUpload{Name: q.Get("name"), Content: data, Reason: q.Get("reason"), AllowCycles: cycles}, nil
}

// storeSBOM takes the document as the raw body: PUT …/sbom?name=bom.json.
func (a *API) storeSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := a.readSBOM(w, r)
	if err != nil {
		return err
	}
	ch, err := a.svc.StoreSBOM(r.Context(), id, u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ch)
}

func (a *API) releaseComponents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := bulwark.ComponentFilter{Query: q.Get("q"), State: q.Get("state")}
	if f.Direct, err = queryBool(r, "direct"); err != nil {
		return err
	}
	items, next, err := a.svc.ReleaseComponents(r.Context(), id, f, pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

// exportSBOM answers GET …/sbom?format=cyclonedx|spdx with the document.
func (a *API) exportSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "cyclonedx"
	}
	var buf bytes.Buffer
	if err := a.svc.ExportSBOM(r.Context(), id, format, &buf); err != nil {
		return err
	}
	ct, ext := "application/vnd.cyclonedx+json; version=1.6", "cdx.json"
	if format == "spdx" {
		ct, ext = "application/spdx+json", "spdx.json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"release-%d.%s\"", id, ext))
	_, err = w.Write(buf.Bytes())
	return err
}

// diff answers GET /releases/{id}/diff?from=ID: what changed from the
// release named by from to this one.
func (a *API) diff(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from, err := queryInt(r, "from")
	if err != nil {
		return err
	}
	if from == 0 {
		return bulwark.FieldError("from", "name the release to compare with: ?from=<release id>")
	}
	d, err := a.svc.DiffReleases(r.Context(), from, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) gateRuns(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := a.svc.GateRuns(r.Context(), id, pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (a *API) whereUsed(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	res, err := a.svc.WhereUsed(r.Context(), bulwark.WhereUsedQuery{PURL: q.Get("purl"), Versions: q.Get("versions")}, pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// gate takes the SBOM as the raw body: POST /gate?product=P&release=V.
// The decision is the answer (200 whether it passes or fails).
func (a *API) gate(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	product, release := strings.TrimSpace(q.Get("product")), strings.TrimSpace(q.Get("release"))
	if product == "" {
		return bulwark.FieldError("product", "name the product: ?product=NAME")
	}
	if release == "" {
		return bulwark.FieldError("release", "name the release version: ?release=VERSION")
	}
	u, err := a.readSBOM(w, r)
	if err != nil {
		return err
	}
	g, err := a.svc.Gate(r.Context(), product, release, u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

type justificationBody struct {
	Justification string `json:"justification"`
}

func (a *API) requestUncertified(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in justificationBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g, err := a.svc.RequestUncertified(r.Context(), id, in.Justification)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}
