package api

import (
	"bytes"
	"compress/gzip"
	"context"
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
	res, err := ImportSignals(r.Context(), a.svc, data)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// SignalImporter stores exploit signals.
type SignalImporter interface {
	ImportEPSS(ctx context.Context, e *exploit.EPSS) (*bulwark.SignalImportResult, error)
	ImportKEV(ctx context.Context, k *exploit.KEV) (*bulwark.SignalImportResult, error)
}

// ImportSignals recognises an EPSS file or the KEV catalog and stores it.
// Errors: EINVALID (neither, or malformed, saying where).
func ImportSignals(ctx context.Context, svc SignalImporter, data []byte) (*bulwark.SignalImportResult, error) {
	head := data
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINVALID, "gzip: %v", err)
		}
		buf := make([]byte, 4096)
		n, _ := io.ReadFull(zr, buf)
		head = buf[:n]
	}
	switch exploit.Detect(head) {
	case exploit.KindEPSS:
		e, err := exploit.ParseEPSS(bytes.NewReader(data))
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINVALID, "%v", err)
		}
		return svc.ImportEPSS(ctx, e)
	case exploit.KindKEV:
		k, err := exploit.ParseKEV(data)
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINVALID, "%v", err)
		}
		return svc.ImportKEV(ctx, k)
	}
	return nil, bulwark.FieldError("body", "not an EPSS scores file (cve,epss,percentile) nor the KEV catalog (JSON with catalogVersion and vulnerabilities)")
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
