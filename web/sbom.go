package web

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// uploadSBOM stores or replaces a release's SBOM from a multipart form (a
// file "sbom" and a reason). The page's script sends the same form with
// XMLHttpRequest to show the upload's progress; both get the same answer:
// a redirect to the release with the result, or the release page with the
// error next to the file field.
func (p *Pages) uploadSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, uploadFields...)
	f.Values["sbom"] = "" // a file is never shown again
	ch, name, err := p.storeSBOM(r, id, f.Get("reason"))
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/releases/%d?%s#sbom", id, sbomDone(ch)), http.StatusSeeOther)
		return nil
	}
	// Whatever is wrong with the document or the release's state is said
	// next to the file, naming it, since the page asks for it again.
	switch bulwark.ErrorCode(err) {
	case bulwark.EINVALID, bulwark.ETOOLARGE, bulwark.EFROZEN, bulwark.EUNSUPPORTED, bulwark.EPRECONDITION:
		if field := bulwark.ErrorField(err); field == "" || field == "sbom" {
			msg := bulwark.ErrorMessage(err)
			if name != "" {
				msg = name + ": " + msg
			}
			err = &bulwark.Error{Code: bulwark.ErrorCode(err), Field: "sbom", Message: msg, Err: err}
		}
	}
	return p.releaseAction(w, r, id, "", f, func(fs *releaseForms) **form { return &fs.Upload }, err)
}

// storeSBOM reads the posted file and stores it; it returns the file's
// name for messages.
func (p *Pages) storeSBOM(r *http.Request, id int64, reason string) (*bulwark.SBOMChange, string, error) {
	file, hdr, err := r.FormFile("sbom")
	if err != nil {
		return nil, "", bulwark.FieldError("sbom", "choose the SBOM file to upload (CycloneDX or SPDX, JSON, XML or tag-value)")
	}
	defer file.Close()
	content, err := io.ReadAll(io.LimitReader(file, p.opts.MaxSBOMBytes+1))
	if err != nil {
		return nil, hdr.Filename, bulwark.FieldError("sbom", "the file could not be read")
	}
	if int64(len(content)) > p.opts.MaxSBOMBytes {
		return nil, hdr.Filename, bulwark.Errorf(bulwark.ETOOLARGE, "SBOMs are at most %s here; nothing was changed", byteSize(p.opts.MaxSBOMBytes))
	}
	ch, err := p.svc.StoreSBOM(r.Context(), id, bulwark.SBOMUpload{Name: hdr.Filename, Content: content, Reason: reason,
		AllowCycles: r.FormValue("allow_cycles") == "true"})
	return ch, hdr.Filename, err
}

// byteSize shows a limit in MiB, or KiB below one MiB.
func byteSize(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// sbomDone is the query that tells the release page what an upload did.
func sbomDone(ch *bulwark.SBOMChange) string {
	switch {
	case ch.Unchanged:
		return "done=sbom-unchanged"
	case ch.Replaced && ch.Diff != nil:
		c := ch.Diff.Counts
		v := url.Values{"done": {"sbom-replaced"}}
		for k, n := range map[string]int{"added": c[bulwark.ChangeAdded], "removed": c[bulwark.ChangeRemoved],
			"upgraded": c[bulwark.ChangeUpgraded], "downgraded": c[bulwark.ChangeDowngraded], "license": c[bulwark.ChangeLicense]} {
			v.Set(k, strconv.Itoa(n))
		}
		return v.Encode()
	}
	return "done=sbom-stored"
}

// exportFormats are the SBOM exports: file suffix and media type.
var exportFormats = map[string]struct{ suffix, mediaType string }{
	"cyclonedx": {".cdx.json", "application/vnd.cyclonedx+json"},
	"spdx":      {".spdx.json", "application/spdx+json"},
}

// exportSBOM downloads a release's SBOM as CycloneDX 1.6 or SPDX 2.3 JSON.
// It is written to a buffer first, so that a failure is an error page and
// never half a file.
func (p *Pages) exportSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	rel, err := p.svc.FindRelease(r.Context(), id)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	var buf bytes.Buffer
	if err := p.svc.ExportSBOM(r.Context(), id, format, &buf); err != nil {
		return err
	}
	kind := exportFormats[format] // ExportSBOM accepted it, so it is known
	name := fileName(rel.Product+"-"+rel.Version) + kind.suffix
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" {
		disposition = "attachment"
	}
	w.Header().Set("Content-Type", kind.mediaType)
	w.Header().Set("Content-Disposition", disposition)
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Write(buf.Bytes())
	return nil
}

// fileName keeps the letters, digits, dots, dashes and underscores of s.
func fileName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteRune(c)
		case c == ' ':
			b.WriteRune('-')
		}
	}
	if b.Len() == 0 {
		return "sbom"
	}
	return b.String()
}

type diffData struct {
	Release *bulwark.Release
	Form    *form
	Compare []bulwark.ReleaseRef
	Diff    *bulwark.ReleaseDiff
	Counts  []kindCount
}

type kindCount struct {
	Kind  bulwark.ChangeKind
	Label string
	Count int
}

var changeLabels = []struct {
	kind  bulwark.ChangeKind
	label string
}{
	{bulwark.ChangeAdded, "added"},
	{bulwark.ChangeRemoved, "removed"},
	{bulwark.ChangeUpgraded, "upgraded"},
	{bulwark.ChangeDowngraded, "downgraded"},
	{bulwark.ChangeLicense, "licence changed"},
}

// diff compares the components of another release (?from=) with this one.
// Without a choice it compares with the predecessor.
func (p *Pages) diff(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := releaseID(r)
	if err != nil {
		return err
	}
	rel, err := p.svc.FindRelease(ctx, id)
	if err != nil {
		return err
	}
	prod, err := p.svc.FindProduct(ctx, rel.ProductID)
	if err != nil {
		return err
	}
	d := &diffData{Release: rel, Form: newForm("from")}
	for _, o := range prod.Releases {
		if o.ID != rel.ID {
			d.Compare = append(d.Compare, o.Ref())
		}
	}
	status := http.StatusOK
	from := strings.TrimSpace(r.URL.Query().Get("from"))
	if from == "" && rel.Predecessor != nil {
		from = strconv.FormatInt(rel.Predecessor.ID, 10)
	}
	d.Form.Values["from"] = from
	if from != "" {
		fromID, err := strconv.ParseInt(from, 10, 64)
		if err != nil || fromID <= 0 {
			err = bulwark.FieldError("from", "choose a release to compare with")
		} else {
			d.Diff, err = p.svc.DiffReleases(ctx, fromID, id)
		}
		if err != nil {
			st, show := formStatus(err)
			if !show {
				return err
			}
			status = st
			if bulwark.ErrorField(err) == "" {
				err = &bulwark.Error{Code: bulwark.ErrorCode(err), Field: "from", Message: bulwark.ErrorMessage(err), Err: err}
			}
			d.Form.fail(err)
		}
	}
	if d.Diff != nil {
		for _, c := range changeLabels {
			d.Counts = append(d.Counts, kindCount{Kind: c.kind, Label: c.label, Count: d.Diff.Counts[c.kind]})
		}
	}
	p.render(w, r, status, "diff", &view{Title: "Changes in " + rel.Product + " " + rel.Version, Section: "products", Data: d})
	return nil
}
