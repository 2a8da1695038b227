package web

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
}

// ledger lists events newest first, with filters, the latest signed
// checkpoint and the key that verifies it.
func (p *Pages) ledger(w http.ResponseWriter, r *http.Request) error {
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
	d := &ledgerData{Kind: f.Kind, Subject: f.Subject, Actor: f.Actor, VerifierKey: p.opts.VerifierKey,
		Filtered: f.Kind != "" || f.Subject != "" || f.Actor != ""}
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
	p.render(w, r, http.StatusOK, "ledger", &view{Title: "Ledger", Section: "ledger", Data: d})
	return nil
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
