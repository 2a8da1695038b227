package web

import (
	"io"
	"net/http"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/catalogfile"
)

// columnDocs explain the columns of an approved-component list, in the
// order of catalogfile.Columns; a test keeps the two in step.
var columnDocs = map[string]string{
	"purl":              "Package URL with its version, e.g. pkg:npm/express@4.18.2. Required.",
	"license":           "SPDX licence expression, e.g. MIT OR Apache-2.0, or NOASSERTION. Required.",
	"state":             "certified (the default), deprecated, end-of-life or banned.",
	"supplier":          "Who supplies or maintains the component.",
	"export_control":    "Export-control classification such as 5D002 or EAR99.",
	"personal_data":     "true when the component processes personal data; false by default.",
	"support_ends":      "Date support ends, YYYY-MM-DD.",
	"certified_until":   "Date the certification expires, YYYY-MM-DD.",
	"replacement":       "For deprecated versions: the replacement as purl@version. Required then.",
	"download_location": "Where the artefact was obtained.",
	"hashes":            "Digests as ALG:hex separated by ';', e.g. SHA-256:ab12….",
	"alternatives":      "Alternative component purls separated by ';' or spaces.",
	"description":       "What the component is for.",
}

type columnDoc struct{ Name, Text string }

type importData struct {
	Form    *form
	Columns []columnDoc
	MaxMiB  int64
	Done    bool // a file was processed: show the result
	DryRun  bool
	Applied bool // written to the catalog
	Result  *bulwark.ImportResult
	Rows    int // every row of the file, including those that did not parse
	Errors  []bulwark.RowError
	Name    string
}

var importFields = []string{"file", "dry_run"}

// importPage shows the upload form and documents the file format.
func (p *Pages) importPage(w http.ResponseWriter, r *http.Request) error {
	f := newForm(importFields...)
	f.Values["dry_run"] = "on"
	return p.renderImport(w, r, http.StatusOK, &importData{Form: f})
}

func (p *Pages) renderImport(w http.ResponseWriter, r *http.Request, status int, d *importData) error {
	if !canAtRoot(bulwark.PrincipalFrom(r.Context()), bulwark.ActionCatalogImport) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "Approved-component lists are imported by product security or an administrator of the whole organisation.")
	}
	for _, c := range catalogfile.Columns {
		d.Columns = append(d.Columns, columnDoc{Name: c, Text: columnDocs[c]})
	}
	d.MaxMiB = p.opts.MaxUploadBytes >> 20
	p.render(w, r, status, "import", &view{Title: "Import approved components", Section: "import", Data: d})
	return nil
}

// importList checks an uploaded list and, unless it is a dry run, loads
// it. Errors from parsing and from the store are reported together; when
// there are any, nothing is written.
func (p *Pages) importList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := formFrom(r, importFields...)
	d := &importData{Form: f, DryRun: f.Get("dry_run") != ""}
	if !canAtRoot(bulwark.PrincipalFrom(ctx), bulwark.ActionCatalogImport) {
		return p.renderImport(w, r, http.StatusForbidden, d) // answers 403 without reading the file
	}
	fail := func(err error) error {
		status, show := formStatus(err)
		if !show {
			return err
		}
		f.fail(err)
		return p.renderImport(w, r, status, d)
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return fail(bulwark.FieldError("file", "choose a CSV or JSON file to upload"))
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, p.opts.MaxUploadBytes+1))
	if err != nil {
		return fail(bulwark.FieldError("file", "the file could not be read"))
	}
	if int64(len(data)) > p.opts.MaxUploadBytes {
		return fail(bulwark.Errorf(bulwark.ETOOLARGE, "files are at most %d MiB here", p.opts.MaxUploadBytes>>20))
	}
	d.Name = hdr.Filename
	rows, parseErrs, err := catalogfile.Parse(data)
	if err != nil {
		return fail(err)
	}
	d.Done, d.Rows, d.Errors = true, len(rows)+len(parseErrs), parseErrs
	// The store counts the parser's refusals as failures too, so nothing is
	// half imported.
	res, err := p.svc.Import(ctx, rows, parseErrs, data, hdr.Filename, d.DryRun)
	if res == nil {
		return fail(err)
	}
	if err != nil && bulwark.ErrorCode(err) != bulwark.EINVALID {
		return fail(err)
	}
	d.Result = res
	d.Errors = res.Errors
	d.Applied = !d.DryRun && len(d.Errors) == 0
	status := http.StatusOK
	if !d.DryRun && len(d.Errors) > 0 {
		status = http.StatusBadRequest
	}
	return p.renderImport(w, r, status, d)
}
