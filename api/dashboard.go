package api

import "net/http"

// roleDashboard answers GET /dashboard: one section per role the caller
// holds, as the home page shows them.
func (a *API) roleDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := a.svc.RoleDashboard(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}
