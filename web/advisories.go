package web

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/osv"
)

// Advisory import: an OSV record (JSON or YAML), a JSON array of records,
// or a zip or tar.gz archive of them, uploaded as a file. The page's script
// sends the same form with XMLHttpRequest to show the upload's progress,
// and shows the answer in place.

type advisoryImportData struct {
	Form    *form
	Max     int64
	MaxSize string
	Name    string
	Result  *bulwark.AdvisoryImportResult
}

var advisoryFields = []string{"file"}

// advisoryImportPage shows the upload form.
func (p *Pages) advisoryImportPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderAdvisoryImport(w, r, http.StatusOK, &advisoryImportData{Form: newForm(advisoryFields...)})
}

func (p *Pages) renderAdvisoryImport(w http.ResponseWriter, r *http.Request, status int, d *advisoryImportData) error {
	if !canAtRoot(bulwark.PrincipalFrom(r.Context()), bulwark.ActionAdvisoryImport) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Advisories are imported by PSIRT, product security or an administrator of the whole organisation.")
	}
	d.Max, d.MaxSize = p.opts.MaxAdvisoryBytes, byteSize(p.opts.MaxAdvisoryBytes)
	p.render(w, r, status, "advisoryimport", &view{Title: "Import advisories", Section: "advisory-import", Data: d})
	return nil
}

// importAdvisories reads the uploaded file's records and stores them.
// Records that cannot be read are rejected one by one, with their reason,
// and the others are stored; a file that is not records at all (a broken
// archive) is refused next to the field.
func (p *Pages) importAdvisories(w http.ResponseWriter, r *http.Request) error {
	f := newForm(advisoryFields...)
	d := &advisoryImportData{Form: f}
	if !canAtRoot(bulwark.PrincipalFrom(r.Context()), bulwark.ActionAdvisoryImport) {
		return p.renderAdvisoryImport(w, r, http.StatusForbidden, d) // answers 403 without reading the file
	}
	items, name, err := p.readAdvisories(r)
	d.Name = name
	if err == nil {
		d.Result, err = p.svc.ImportAdvisories(r.Context(), items)
	}
	if err != nil {
		status, show := formStatus(err)
		if !show {
			return err
		}
		if field := bulwark.ErrorField(err); field == "" || field == "file" {
			msg := bulwark.ErrorMessage(err)
			if name != "" && !strings.HasPrefix(msg, name) {
				msg = name + ": " + msg
			}
			err = &bulwark.Error{Code: bulwark.ErrorCode(err), Field: "file", Message: msg, Err: err}
		}
		f.fail(err)
		d.Result = nil
		return p.renderAdvisoryImport(w, r, status, d)
	}
	return p.renderAdvisoryImport(w, r, http.StatusOK, d)
}

// readAdvisories copies the posted file to a temporary file named for its
// content (osv.Walk reads by extension) and reads its records.
func (p *Pages) readAdvisories(r *http.Request) ([]osv.Item, string, error) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, "", bulwark.FieldError("file", "choose the advisory file to upload: an OSV record (JSON or YAML), a JSON array of records, a zip or a tar.gz archive")
	}
	defer file.Close()
	name := filepath.Base(strings.TrimSpace(hdr.Filename))
	if name == "" || name == "." || name == string(filepath.Separator) {
		name = "upload"
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(file, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, name, bulwark.FieldError("file", "the file could not be read")
	}
	head = head[:n]
	if n == 0 {
		return nil, name, bulwark.FieldError("file", "the file is empty")
	}
	ext := ".json"
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")))
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		ext = ".zip"
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		ext = ".tar.gz"
	case !bytes.HasPrefix(trimmed, []byte("{")) && !bytes.HasPrefix(trimmed, []byte("[")):
		ext = ".yaml"
	}
	dir, err := os.MkdirTemp("", "bulwark-advisories-")
	if err != nil {
		return nil, name, err
	}
	defer os.RemoveAll(dir)
	base := name
	for _, known := range []string{".tar.gz", ".tgz", ".json", ".yaml", ".yml", ".zip"} {
		if strings.HasSuffix(strings.ToLower(base), known) {
			base = base[:len(base)-len(known)]
			break
		}
	}
	if base == "" {
		base = "upload"
	}
	path := filepath.Join(dir, base+ext)
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, name, err
	}
	written, err := io.Copy(out, io.MultiReader(bytes.NewReader(head), io.LimitReader(file, p.opts.MaxAdvisoryBytes+1-int64(n))))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, name, bulwark.FieldError("file", "the file could not be read")
	}
	if written > p.opts.MaxAdvisoryBytes {
		return nil, name, bulwark.Errorf(bulwark.ETOOLARGE, "advisory files are at most %s here; nothing was imported", byteSize(p.opts.MaxAdvisoryBytes))
	}
	var items []osv.Item
	err = osv.Walk([]string{path}, func(it osv.Item) error {
		// Sources name the upload as the user knows it, not the temporary file.
		it.Source = name + strings.TrimPrefix(it.Source, path)
		if e, ok := it.Err.(*osv.Error); ok {
			e.Source = name + strings.TrimPrefix(e.Source, path)
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		msg := strings.TrimPrefix(strings.ReplaceAll(err.Error(), path, name), "osv: ")
		msg = strings.TrimPrefix(msg, name+": ")
		return nil, name, bulwark.Errorf(bulwark.EINVALID, "%s: %s", name, msg)
	}
	if len(items) == 0 {
		return nil, name, bulwark.FieldError("file", "%s holds no OSV records (.json, .yaml or .yml files); nothing was imported", name)
	}
	return items, name, nil
}
