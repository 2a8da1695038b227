package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/exploit"
	"github.com/bulwark-sec/bulwark/osv"
)

// AdvisoryService is the vulnerability intelligence the API serves.
type AdvisoryService interface {
	ImportAdvisories(ctx context.Context, items []osv.Item) (*bulwark.AdvisoryImportResult, error)
	FindAdvisories(ctx context.Context, id string) ([]*bulwark.Advisory, error)
	MatchPURLs(ctx context.Context, purls []string) ([][]bulwark.VulnMatch, []string, error)
	ImportEPSS(ctx context.Context, e *exploit.EPSS) (*bulwark.SignalImportResult, error)
	ImportKEV(ctx context.Context, k *exploit.KEV) (*bulwark.SignalImportResult, error)
}

// MaxSignalBytes bounds an EPSS file or KEV catalog upload.
const MaxSignalBytes = 64 << 20

// MaxAdvisoryBytes bounds an advisory upload (one record, an array, or an
// archive).
const MaxAdvisoryBytes = 512 << 20

// importAdvisories takes a record (JSON or YAML), a JSON array of records,
// a zip (OSV's all.zip layout) or a tar.gz as the raw body.
func (a *API) importAdvisories(w http.ResponseWriter, r *http.Request) error {
	if err := mayImport(r); err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAdvisoryBytes))
	if err != nil {
		return jsonError(err)
	}
	if len(data) == 0 {
		return bulwark.FieldError("body", "send an OSV record, a JSON array of records, a zip or a tar.gz archive")
	}
	ext := ".json"
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		ext = ".zip"
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		ext = ".tar.gz"
	case !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) && !bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")):
		ext = ".yaml"
	}
	dir, err := os.MkdirTemp("", "bulwark-advisories-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := filepath.Base(strings.TrimSpace(r.URL.Query().Get("name")))
	if name == "" || name == "." || name == "/" {
		name = "upload"
	}
	path := filepath.Join(dir, strings.TrimSuffix(name, filepath.Ext(name))+ext)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	var items []osv.Item
	if err := osv.Walk([]string{path}, func(it osv.Item) error {
		it.Source = strings.TrimPrefix(it.Source, dir+string(filepath.Separator))
		items = append(items, it)
		return nil
	}); err != nil {
		return bulwark.Errorf(bulwark.EINVALID, "%s: %v", name, err)
	}
	res, err := a.svc.ImportAdvisories(r.Context(), items)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// mayImport refuses, before a large body is read, callers who hold no role
// that could import; the store checks the grant at the root.
func mayImport(r *http.Request) error {
	p := bulwark.PrincipalFrom(r.Context())
	if !slices.ContainsFunc(bulwark.Policy[bulwark.ActionAdvisoryImport].Roles, p.HasRole) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "%s may not %s", p.Actor(), bulwark.ActionAdvisoryImport)
	}
	return nil
}

// importSignals takes an EPSS scores file (CSV, plain or gzip) or the KEV
// catalog (JSON) as the raw body; each replaces the previous one of its kind.
func (a *API) importSignals(w http.ResponseWriter, r *http.Request) error {
	if err := mayImport(r); err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxSignalBytes))
	if err != nil {
		return jsonError(err)
	}
	e, k, err := exploit.Read(data)
	switch {
	case errors.Is(err, exploit.ErrUnknown):
		return bulwark.FieldError("body", "%v", err)
	case err != nil:
		return bulwark.Errorf(bulwark.EINVALID, "%v", err)
	}
	var res *bulwark.SignalImportResult
	if e != nil {
		res, err = a.svc.ImportEPSS(r.Context(), e)
	} else {
		res, err = a.svc.ImportKEV(r.Context(), k)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (a *API) findAdvisories(w http.ResponseWriter, r *http.Request) error {
	out, err := a.svc.FindAdvisories(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

type matchBody struct {
	PURLs []string `json:"purls"`
}

type matchResult struct {
	PURL            string              `json:"purl"`
	Vulnerabilities []bulwark.VulnMatch `json:"vulnerabilities"`
	Note            string              `json:"note,omitempty"`
}

// match answers which advisories affect each purl, without storing anything.
func (a *API) match(w http.ResponseWriter, r *http.Request) error {
	var in matchBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if len(in.PURLs) == 0 || len(in.PURLs) > 100_000 {
		return bulwark.FieldError("purls", "send 1 to 100,000 package URLs")
	}
	ms, notes, err := a.svc.MatchPURLs(r.Context(), in.PURLs)
	if err != nil {
		return err
	}
	out := make([]matchResult, len(in.PURLs))
	for i, p := range in.PURLs {
		out[i] = matchResult{PURL: p, Vulnerabilities: ms[i], Note: notes[i]}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": out})
}
