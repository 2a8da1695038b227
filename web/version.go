package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// The dossier of one component version is where product security decides.
// Each action has its own form; a refused action shows the page again with
// that form's values and the service's reason next to it.

type findingRow struct {
	*bulwark.Finding
	Evidence []evidenceRef
}

type evidenceRef struct {
	Digest string
	Link   bool // the caller may download it (evidence sits in the root scope)
}

type requestRow struct {
	*bulwark.ComponentRequest
	ScopeName string
}

type waiverRow struct {
	*bulwark.Waiver
	State string
}

// tally counts the agreeing decisions of the current round for one verdict.
type tally struct {
	Verdict bulwark.Verdict
	Count   int
	Needed  int
}

type transitionOption struct {
	To    bulwark.VersionState
	Label string
}

// transitionLabels name the lifecycle moves as people ask for them.
var transitionLabels = map[bulwark.VersionState]string{
	bulwark.StateDeprecated: "Deprecate (name a replacement)",
	bulwark.StateEndOfLife:  "End of life",
	bulwark.StateBanned:     "Ban",
	bulwark.StateCertified:  "Lift the deprecation",
}

// dossierForms are the action forms of the page; nil ones start empty.
type dossierForms struct {
	Start, Finding, Details, Decide, Lifecycle, Renew *form
}

type versionData struct {
	Dossier    *bulwark.VersionDossier
	Component  *bulwark.Component
	Version    *bulwark.ComponentVersion
	Expired    bool
	Automatic  []findingRow
	Manual     []findingRow
	Requests   []requestRow
	Decisions  []*bulwark.Decision
	Tallies    []tally
	Waivers    []waiverRow
	History    []*bulwark.HistoryEntry
	Requester  bool // the caller requested this version (four-eyes applies)
	CanRequest bool

	// What the caller may do here, by role and state; the store decides.
	CanStart     bool
	CanEvaluate  bool
	CanDecide    bool
	CanLifecycle bool
	CanRenew     bool
	CanDeprecate bool // the lifecycle form needs a replacement field
	Transitions  []transitionOption
	Checks       []bulwark.Check
	Outcomes     []bulwark.Outcome
	MaxUploadMiB int64
	Forms        dossierForms
}

// Anything reports whether the caller may take any action on the page.
func (d *versionData) Anything() bool {
	return d.CanStart || d.CanEvaluate || d.CanDecide || d.CanLifecycle || d.CanRenew
}

var (
	startFields     = []string{"reason"}
	findingFields   = []string{"check", "outcome", "summary", "detail", "evidence"}
	detailsFields   = []string{"license", "supplier", "export_control", "personal_data", "support_ends", "download_location", "alternatives", "reason"}
	decideFields    = []string{"verdict", "reason", "certified_until"}
	lifecycleFields = []string{"to", "replacement", "reason"}
	renewFields     = []string{"certified_until", "reason"}
)

var manualChecks = []bulwark.Check{bulwark.CheckVerification, bulwark.CheckSecurity, bulwark.CheckLicense,
	bulwark.CheckExportControl, bulwark.CheckDataProtection, bulwark.CheckComment}

var outcomes = []bulwark.Outcome{bulwark.OutcomePass, bulwark.OutcomeWarn, bulwark.OutcomeFail, bulwark.OutcomeInfo}

// version shows the dossier of one version.
func (p *Pages) version(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "component version")
	if err != nil {
		return err
	}
	return p.renderVersion(w, r, http.StatusOK, id, dossierForms{})
}

func (p *Pages) renderVersion(w http.ResponseWriter, r *http.Request, status int, id int64, forms dossierForms) error {
	ctx := r.Context()
	pr := bulwark.PrincipalFrom(ctx)
	dos, err := p.svc.FindVersion(ctx, id)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	v := dos.Version
	now := time.Now()
	d := &versionData{
		Dossier: dos, Component: dos.Component, Version: v, Expired: v.CertificationExpired(now),
		Decisions: dos.Decisions, History: dos.History, Checks: manualChecks, Outcomes: outcomes,
		MaxUploadMiB: p.opts.MaxUploadBytes >> 20, CanRequest: canAnywhere(pr, bulwark.ActionComponentRequest),
	}
	evidenceLinks := canAtRoot(pr, bulwark.ActionEvidenceRead)
	for _, f := range dos.Findings {
		row := findingRow{Finding: f}
		for _, dg := range f.Evidence {
			row.Evidence = append(row.Evidence, evidenceRef{Digest: dg, Link: evidenceLinks})
		}
		if f.Automatic {
			d.Automatic = append(d.Automatic, row)
		} else {
			d.Manual = append(d.Manual, row)
		}
	}
	// A round starts with a request (a rejected version may be asked for
	// again); decisions after the latest request are the current round's.
	var roundStart time.Time
	for _, rq := range dos.Requests {
		name := fmt.Sprintf("scope %d (outside your scopes)", rq.ScopeID)
		if s, ok := idx.byID[rq.ScopeID]; ok {
			name = s.Name
		}
		d.Requests = append(d.Requests, requestRow{ComponentRequest: rq, ScopeName: name})
		if rq.CreatedAt.After(roundStart) {
			roundStart = rq.CreatedAt
		}
		if rq.RequesterID == pr.UserID {
			d.Requester = true
		}
	}
	for _, verdict := range []bulwark.Verdict{bulwark.VerdictCertify, bulwark.VerdictReject} {
		t := tally{Verdict: verdict, Needed: dos.Needed}
		for _, dec := range dos.Decisions {
			if dec.Verdict == verdict && !dec.CreatedAt.Before(roundStart) {
				t.Count++
			}
		}
		d.Tallies = append(d.Tallies, t)
	}
	for _, wv := range dos.Waivers {
		d.Waivers = append(d.Waivers, waiverRow{Waiver: wv, State: wv.State(now)})
	}

	open := v.State == bulwark.StateRequested || v.State == bulwark.StateUnderEvaluation
	evaluator := canAtRoot(pr, bulwark.ActionComponentEvaluate)
	d.CanStart = evaluator && v.State == bulwark.StateRequested
	d.CanEvaluate = evaluator && open
	d.CanDecide = canAtRoot(pr, bulwark.ActionComponentDecide) && v.State == bulwark.StateUnderEvaluation
	lifecycle := canAtRoot(pr, bulwark.ActionComponentLifecycle)
	d.CanRenew = lifecycle && (v.State == bulwark.StateCertified || v.State == bulwark.StateDeprecated)
	if lifecycle {
		for _, to := range bulwark.VersionStates {
			// Starting an evaluation has its own form.
			if to != bulwark.StateUnderEvaluation && bulwark.CanTransition(v.State, to) {
				d.Transitions = append(d.Transitions, transitionOption{To: to, Label: transitionLabels[to]})
				d.CanDeprecate = d.CanDeprecate || to == bulwark.StateDeprecated
			}
		}
	}
	d.CanLifecycle = len(d.Transitions) > 0

	d.Forms = forms
	fill := func(f **form, fields []string) {
		if *f == nil {
			*f = newForm(fields...)
		}
	}
	fill(&d.Forms.Start, startFields)
	fill(&d.Forms.Finding, findingFields)
	fill(&d.Forms.Decide, decideFields)
	fill(&d.Forms.Lifecycle, lifecycleFields)
	fill(&d.Forms.Renew, renewFields)
	if d.Forms.Details == nil {
		f := newForm(detailsFields...)
		f.Values["license"], f.Values["supplier"], f.Values["export_control"] = v.License, v.Supplier, v.ExportControl
		f.Values["download_location"] = v.DownloadLocation
		f.Values["alternatives"] = strings.Join(dos.Component.Alternatives, " ")
		if v.PersonalData {
			f.Values["personal_data"] = "on"
		}
		if v.SupportEnds != nil {
			f.Values["support_ends"] = v.SupportEnds.UTC().Format(dateLayout)
		}
		d.Forms.Details = f
	}

	page := &view{Title: fmt.Sprintf("%s %s", dos.Component.DisplayName, v.Version), Section: "catalog", Data: d}
	// A refused action whose form this caller is not shown (a forged post,
	// or the state moved on meanwhile) says why above the page.
	for _, hidden := range []struct {
		f     *form
		shown bool
	}{{forms.Start, d.CanStart}, {forms.Finding, d.CanEvaluate}, {forms.Details, d.CanEvaluate},
		{forms.Decide, d.CanDecide}, {forms.Lifecycle, d.CanLifecycle}, {forms.Renew, d.CanRenew}} {
		if hidden.f != nil && !hidden.shown {
			page.Error = hidden.f.Message()
		}
	}
	p.render(w, r, status, "version", page)
	return nil
}

// versionAction ends every action handler: on success back to the dossier
// with a notice, otherwise the dossier again with the form that failed.
func (p *Pages) versionAction(w http.ResponseWriter, r *http.Request, id int64, done string, f *form, slot func(*dossierForms) **form, err error) error {
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/catalog/versions/%d?done=%s", id, done), http.StatusSeeOther)
		return nil
	}
	status, show := formStatus(err)
	if !show {
		return err
	}
	f.fail(err)
	var forms dossierForms
	*slot(&forms) = f
	return p.renderVersion(w, r, status, id, forms)
}

func versionID(r *http.Request) (int64, error) {
	return parseID(r.PathValue("id"), "component version")
}

// startEvaluation moves a requested version under evaluation.
func (p *Pages) startEvaluation(w http.ResponseWriter, r *http.Request) error {
	id, err := versionID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, startFields...)
	err = p.svc.StartEvaluation(r.Context(), id, f.Get("reason"))
	return p.versionAction(w, r, id, "evaluation-started", f, func(d *dossierForms) **form { return &d.Start }, err)
}

// addFinding records a manual finding, storing its evidence file first in
// the organisation root, where catalog decisions are taken.
func (p *Pages) addFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := versionID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, findingFields...)
	nf := bulwark.NewFinding{Check: bulwark.Check(f.Get("check")), Outcome: bulwark.Outcome(f.Get("outcome")),
		Summary: f.Get("summary"), Detail: f.Get("detail")}
	slot := func(d *dossierForms) **form { return &d.Finding }
	// Check the finding before storing its evidence, so that a typing
	// mistake does not leave an orphan file in the ledger.
	if err := nf.Validate(); err != nil {
		return p.versionAction(w, r, id, "", f, slot, err)
	}
	// Nor when the finding is bound to be refused: then AddFinding alone
	// gives the reason. The two are separate transactions in the store.
	dos, err := p.svc.FindVersion(r.Context(), id)
	if err != nil {
		return err
	}
	if mayAddFinding(bulwark.PrincipalFrom(r.Context()), dos) {
		digest, err := p.uploadEvidence(r, "evidence", fmt.Sprintf("evidence for component version %d: %s", id, nf.Summary))
		if err != nil {
			return p.versionAction(w, r, id, "", f, slot, err)
		}
		if digest != "" {
			nf.Evidence = []string{digest}
		}
	}
	_, err = p.svc.AddFinding(r.Context(), id, nf)
	return p.versionAction(w, r, id, "finding-added", f, slot, err)
}

// mayAddFinding reports whether a finding by pr could be accepted: an
// evaluator at the root, on an open version that pr did not request. The
// store decides; this only keeps refused findings from storing files.
func mayAddFinding(pr *bulwark.Principal, d *bulwark.VersionDossier) bool {
	if !canAtRoot(pr, bulwark.ActionComponentEvaluate) {
		return false
	}
	if s := d.Version.State; s != bulwark.StateRequested && s != bulwark.StateUnderEvaluation {
		return false
	}
	for _, rq := range d.Requests {
		if rq.RequesterID == pr.UserID {
			return false
		}
	}
	return true
}

// uploadEvidence stores the file posted in field, if any, in the root
// scope and returns its digest. Its errors name field.
func (p *Pages) uploadEvidence(r *http.Request, field, reason string) (string, error) {
	file, hdr, err := r.FormFile(field)
	if err == http.ErrMissingFile || err == http.ErrNotMultipart {
		return "", nil
	}
	if err != nil {
		return "", bulwark.FieldError(field, "the file could not be read")
	}
	defer file.Close()
	if hdr.Size == 0 && hdr.Filename == "" {
		return "", nil // the browser sends an empty part when no file is chosen
	}
	content, err := io.ReadAll(io.LimitReader(file, p.opts.MaxUploadBytes+1))
	if err != nil {
		return "", bulwark.FieldError(field, "the file could not be read")
	}
	if int64(len(content)) > p.opts.MaxUploadBytes {
		return "", bulwark.FieldError(field, "files are at most %d MiB here", p.opts.MaxUploadBytes>>20)
	}
	root, err := p.rootScope(r.Context())
	if err != nil {
		return "", err
	}
	if root == nil {
		return "", bulwark.Errorf(bulwark.EFORBIDDEN, "evidence for catalog decisions is kept in the organisation root scope, where you hold no role")
	}
	ev, err := p.svc.PutEvidence(r.Context(), root.ID, hdr.Filename, hdr.Header.Get("Content-Type"), content, reason)
	if err != nil {
		if c := bulwark.ErrorCode(err); c == bulwark.EINVALID || c == bulwark.ETOOLARGE {
			return "", &bulwark.Error{Code: c, Field: field, Message: bulwark.ErrorMessage(err), Err: err}
		}
		return "", err
	}
	return ev.Digest, nil
}

// updateDetails corrects a version's facts; the automatic checks run again.
// Hashes are not edited here, so the stored ones are passed on unchanged.
func (p *Pages) updateDetails(w http.ResponseWriter, r *http.Request) error {
	id, err := versionID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, detailsFields...)
	slot := func(d *dossierForms) **form { return &d.Details }
	dos, err := p.svc.FindVersion(r.Context(), id)
	if err != nil {
		return err
	}
	det := bulwark.VersionDetails{License: f.Get("license"), Supplier: f.Get("supplier"), ExportControl: f.Get("export_control"),
		PersonalData: f.Get("personal_data") != "", DownloadLocation: strings.TrimSpace(f.Get("download_location")),
		Hashes: dos.Version.Hashes, Alternatives: strings.Fields(f.Get("alternatives"))}
	det.SupportEnds, err = parseDay("support_ends", f.Get("support_ends"))
	if err == nil {
		err = p.svc.UpdateDetails(r.Context(), id, det, f.Get("reason"))
	}
	return p.versionAction(w, r, id, "details-corrected", f, slot, err)
}

// decide records a certify or reject decision.
func (p *Pages) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := versionID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, decideFields...)
	nd := bulwark.NewDecision{Verdict: bulwark.Verdict(f.Get("verdict")), Reason: f.Get("reason")}
	nd.CertifiedUntil, err = parseDay("certified_until", f.Get("certified_until"))
	if err == nil {
		_, err = p.svc.Decide(r.Context(), id, nd)
	}
	return p.versionAction(w, r, id, "decided", f, func(d *dossierForms) **form { return &d.Decide }, err)
}

// transition deprecates, ends, bans or lifts a deprecation.
func (p *Pages) transition(w http.ResponseWriter, r *http.Request) error {
	id, err := versionID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, lifecycleFields...)
	err = p.svc.Transition(r.Context(), id, bulwark.LifecycleChange{To: bulwark.VersionState(f.Get("to")),
		Replacement: strings.TrimSpace(f.Get("replacement")), Reason: f.Get("reason")})
	return p.versionAction(w, r, id, "lifecycle-changed", f, func(d *dossierForms) **form { return &d.Lifecycle }, err)
}

// renew extends a certification to a new date.
func (p *Pages) renew(w http.ResponseWriter, r *http.Request) error {
	id, err := versionID(r)
	if err != nil {
		return err
	}
	f := formFrom(r, renewFields...)
	until, err := parseDay("certified_until", f.Get("certified_until"))
	if err == nil && until == nil {
		err = bulwark.FieldError("certified_until", "choose the new expiry date")
	}
	if err == nil {
		err = p.svc.Renew(r.Context(), id, *until, f.Get("reason"))
	}
	return p.versionAction(w, r, id, "renewed", f, func(d *dossierForms) **form { return &d.Renew }, err)
}

// evidence downloads one evidence file the caller may read. It is always
// an attachment of an opaque type, so no upload is ever rendered as a page.
func (p *Pages) evidence(w http.ResponseWriter, r *http.Request) error {
	ev, content, err := p.svc.GetEvidence(r.Context(), r.PathValue("digest"))
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.EINVALID {
			return bulwark.Errorf(bulwark.ENOTFOUND, "there is no evidence %q", r.PathValue("digest"))
		}
		return err
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": ev.Name})
	if disposition == "" {
		disposition = "attachment"
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", disposition)
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Write(content)
	return nil
}
