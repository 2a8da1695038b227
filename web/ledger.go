package web

import (
	"context"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
)

type ledgerData struct {
	Kind, Subject, Actor string
	Filtered             bool
	Events               []eventRow
	OlderURL             string
	NewestURL            string
	Checkpoint           *bulwark.SignedCheckpoint
	CheckpointError      string
	VerifierKey          string
	// CanExport offers the download of a day's bundle: the server can
	// export, and the caller reads the whole organisation's ledger.
	CanExport bool
	Export    *form
	Today     string
}

// ledger lists events newest first, with filters, the latest signed
// checkpoint and the key that verifies it.
func (p *Pages) ledger(w http.ResponseWriter, r *http.Request) error {
	return p.renderLedger(w, r, http.StatusOK, nil)
}

// renderLedger shows the ledger page; export is the bundle form when a
// download was refused.
func (p *Pages) renderLedger(w http.ResponseWriter, r *http.Request, status int, export *form) error {
	ctx := r.Context()
	q := r.URL.Query()
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	f := bulwark.EventFilter{
		Kind:    strings.TrimSpace(q.Get("kind")),
		Subject: strings.TrimSpace(q.Get("subject")),
		Actor:   strings.TrimSpace(q.Get("actor")),
	}
	evs, next, err := p.svc.FindEvents(ctx, f, page)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	today := time.Now().UTC().Format(dateLayout)
	d := &ledgerData{Kind: f.Kind, Subject: f.Subject, Actor: f.Actor, VerifierKey: p.opts.VerifierKey,
		Filtered:  f.Kind != "" || f.Subject != "" || f.Actor != "",
		CanExport: p.opts.Export != nil && canAtRoot(bulwark.PrincipalFrom(ctx), bulwark.ActionLedgerRead),
		Export:    export, Today: today}
	if d.Export == nil {
		d.Export = newForm(bundleFields...)
		d.Export.Values["day"] = today
	}
	for _, e := range evs {
		d.Events = append(d.Events, eventRow{Event: e, ScopeName: idx.scopeLabel(e.Scope)})
	}
	link := func(cursor string) string {
		v := url.Values{}
		for k, s := range map[string]string{"kind": f.Kind, "subject": f.Subject, "actor": f.Actor, "limit": q.Get("limit"), "cursor": cursor} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if len(v) == 0 {
			return "/ledger"
		}
		return "/ledger?" + v.Encode()
	}
	if next != "" {
		d.OlderURL = link(next)
	}
	if page.Cursor != "" {
		d.NewestURL = link("")
	}
	d.Checkpoint, err = p.svc.Checkpoint(ctx)
	if err != nil {
		if _, show := formStatus(err); !show {
			p.log.ErrorContext(ctx, "web: ledger checkpoint", "err", err)
		}
		d.CheckpointError = bulwark.ErrorMessage(err)
	}
	v := &view{Title: "Ledger", Section: "ledger", Data: d}
	if !d.CanExport {
		// A refused download by someone who is not offered it (a typed
		// URL) says why above the page.
		v.Error = export.Message()
	}
	p.render(w, r, status, "ledger", v)
	return nil
}

var bundleFields = []string{"day"}

// ledgerBundle downloads the events of one UTC day as a self-contained
// bundle (signed checkpoint, public key, inclusion proofs) that
// `bulwark verify` checks offline. A refusal shows the ledger page again
// with the reason at the day field.
func (p *Pages) ledgerBundle(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := newForm(bundleFields...)
	f.Values["day"] = strings.TrimSpace(r.URL.Query().Get("day"))
	refuse := func(err error) error {
		status, show := formStatus(err)
		if !show {
			return err
		}
		f.fail(err)
		return p.renderLedger(w, r, status, f)
	}
	if p.opts.Export == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "this server is not set up to export ledger bundles; ask its operator for `bulwark ledger export`")
	}
	day, err := parseDay("day", f.Get("day"))
	if err == nil && day == nil {
		err = bulwark.FieldError("day", "choose the day to export")
	}
	if err != nil {
		return refuse(err)
	}
	from, to, err := p.dayRange(ctx, *day)
	if err != nil {
		return refuse(err)
	}
	out := &bundleWriter{w: w, name: "bulwark-ledger-" + day.Format(dateLayout) + ".json"}
	if err := p.opts.Export(ctx, out, from, to); err != nil {
		if out.started {
			p.log.ErrorContext(ctx, "web: ledger export failed mid-stream", "from", from, "to", to, "err", err)
			return nil
		}
		return refuse(err)
	}
	return nil
}

// dayRange returns the run of event indexes [from, to) that holds every
// event recorded on day (UTC). Indexes follow commit order, so the run
// may also hold an event stamped a moment across midnight.
func (p *Pages) dayRange(ctx context.Context, day time.Time) (from, to int64, err error) {
	f := bulwark.EventFilter{Since: day, Until: day.AddDate(0, 0, 1)}
	page := bulwark.Page{Limit: bulwark.MaxPageLimit}
	found := false
	for {
		evs, next, err := p.svc.FindEvents(ctx, f, page)
		if err != nil {
			return 0, 0, err
		}
		for _, e := range evs { // newest first
			if !found || e.Index+1 > to {
				to = e.Index + 1
			}
			if !found || e.Index < from {
				from = e.Index
			}
			found = true
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if !found {
		return 0, 0, bulwark.FieldError("day", "no event was recorded on %s (UTC); choose another day", day.Format(dateLayout))
	}
	return from, to, nil
}

// bundleWriter sets the download headers on the first write, so that an
// export refused before it starts can still be shown as a page.
type bundleWriter struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (b *bundleWriter) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		h := b.w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": b.name}))
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	}
	return b.w.Write(p)
}

type eventData struct {
	Event       *bulwark.Event
	ScopeCrumbs []crumb
	Leaf        string
	Checkpoint  *bulwark.SignedCheckpoint
	Proof       *bulwark.InclusionProof
	LeafHash    string
	ProofHashes []string
	Verified    bool
	Failure     string
}

// event shows one event, its canonical leaf, and whether that leaf is
// provably in the tree of the latest signed checkpoint.
func (p *Pages) event(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	index, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || index < 0 {
		return bulwark.Errorf(bulwark.ENOTFOUND, "there is no event %q", r.PathValue("index"))
	}
	ev, leaf, err := p.svc.FindEvent(ctx, index)
	if err != nil {
		return err
	}
	idx, err := p.loadScopes(ctx)
	if err != nil {
		return err
	}
	d := &eventData{Event: ev, Leaf: string(leaf), ScopeCrumbs: idx.breadcrumb(ev.Scope, "")}
	d.Verified, d.Failure = p.verify(r, index, leaf, d)
	p.render(w, r, http.StatusOK, "event", &view{Title: fmt.Sprintf("Event %d", index), Section: "ledger", Data: d})
	return nil
}

// verify checks the stored leaf against the signed checkpoint, filling in
// what it used. A failure is a finding to show, not an error of the page.
func (p *Pages) verify(r *http.Request, index int64, leaf []byte, d *eventData) (bool, string) {
	ctx := r.Context()
	shown := func(what string, err error) string {
		if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
			p.log.ErrorContext(ctx, "web: verify event", "index", index, "step", what, "err", err)
		}
		return what + ": " + bulwark.ErrorMessage(err)
	}
	cp, err := p.svc.Checkpoint(ctx)
	if err != nil {
		return false, shown("no signed checkpoint to verify against", err)
	}
	d.Checkpoint = cp
	proof, err := p.svc.ProveInclusion(ctx, index, cp.Size)
	if err != nil {
		return false, shown("no inclusion proof", err)
	}
	d.Proof = proof
	d.LeafHash = hex.EncodeToString(proof.LeafHash)
	for _, h := range proof.Hashes {
		d.ProofHashes = append(d.ProofHashes, hex.EncodeToString(h))
	}
	if p.opts.VerifierKey == "" {
		return false, "this server has no ledger public key configured, so the checkpoint's signature cannot be checked"
	}
	if err := ledger.VerifyEvent(leaf, proof, cp, p.opts.VerifierKey); err != nil {
		return false, err.Error()
	}
	return true, ""
}
