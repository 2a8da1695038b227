package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/policy"
)

type policyData struct {
	Summary *policy.Policy // the shown document, parsed; nil if it does not parse
	Current *bulwark.PolicyDocument
	Shown   *bulwark.PolicyDocument // an older version asked for with ?version=
	History []*bulwark.PolicyDocument
	CanEdit bool
	Form    *form
}

var policyFields = []string{"policy", "reason"}

// policyPage shows the catalog policy in force, its history and, for
// those who may change it, an editor.
func (p *Pages) policyPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderPolicy(w, r, http.StatusOK, nil)
}

func (p *Pages) renderPolicy(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	cur, err := p.svc.CatalogPolicy(ctx)
	if err != nil {
		return err
	}
	hist, err := p.svc.PolicyHistory(ctx)
	if err != nil {
		return err
	}
	d := &policyData{Current: cur, History: hist, CanEdit: canAtRoot(bulwark.PrincipalFrom(ctx), bulwark.ActionPolicyEdit), Form: f}
	if s := r.URL.Query().Get("version"); s != "" && r.Method == http.MethodGet {
		n, err := strconv.Atoi(s)
		for _, doc := range hist {
			if err == nil && doc.Version == n {
				d.Shown = doc
			}
		}
		if d.Shown == nil {
			return bulwark.Errorf(bulwark.ENOTFOUND, "there is no policy version %q", s)
		}
	}
	if d.Form == nil {
		d.Form = newForm(policyFields...)
		d.Form.Values["policy"] = cur.Text
	}
	shown := cur
	if d.Shown != nil {
		shown = d.Shown
	}
	// Stored versions were validated when saved; a parse failure here
	// only loses the summary.
	if pol, err := policy.Parse(shown.Text); err == nil {
		d.Summary = pol
	}
	title := "Catalog policy"
	if d.Shown != nil {
		title = fmt.Sprintf("Catalog policy version %d", d.Shown.Version)
	}
	v := &view{Title: title, Section: "policy", Data: d}
	if f != nil && !d.CanEdit {
		v.Error = f.Message() // a post from someone without the editor
	}
	p.render(w, r, status, "policy", v)
	return nil
}

// updatePolicy stores a new version; a document that does not validate
// comes back in the editor with the reason above it.
func (p *Pages) updatePolicy(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, policyFields...)
	// Browsers send text areas with CRLF line ends; keep the document as
	// it would be written in a file.
	text := strings.ReplaceAll(f.Get("policy"), "\r\n", "\n")
	f.Values["policy"] = text
	_, err := p.svc.UpdatePolicy(r.Context(), text, f.Get("reason"))
	if err == nil {
		http.Redirect(w, r, "/policy?done=policy-updated", http.StatusSeeOther)
		return nil
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	return p.renderPolicy(w, r, status, f)
}
