package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/purl"
)

// evaluable loads a version that is waiting for product-security.
func (t *Tx) evaluable(id int64) (*bulwark.ComponentVersion, error) {
	v, err := t.version(id)
	if err != nil {
		return nil, err
	}
	if v.State != bulwark.StateRequested && v.State != bulwark.StateUnderEvaluation {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "%s is %s; only requested versions or versions under evaluation can be evaluated", v.PURL, v.State)
	}
	return v, nil
}

// checkNotRequester applies four-eyes against every requester of the
// version: the checker never made a request for it, and is not in the first
// line of a scope it was requested for.
func (t *Tx) checkNotRequester(versionID int64) error {
	rows, err := t.query(`SELECT r.requester_id, s.path FROM component_requests r JOIN scopes s ON s.id = r.scope_id WHERE r.version_id = ?`, versionID)
	if err != nil {
		return err
	}
	type req struct {
		id   int64
		path string
	}
	var reqs []req
	for rows.Next() {
		var r req
		if err := rows.Scan(&r.id, &r.path); err != nil {
			rows.Close()
			return err
		}
		reqs = append(reqs, r)
	}
	rows.Close()
	for _, r := range reqs {
		if err := bulwark.CheckFourEyes(r.id, t.p, bulwark.LineSecond, r.path); err != nil {
			return err
		}
	}
	return nil
}

// StartEvaluation implements bulwark.CatalogService.
func (db *DB) StartEvaluation(ctx context.Context, versionID int64, reason string) (err error) {
	defer bulwark.Wrap(&err, "StartEvaluation(%d)", versionID)
	return db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionComponentEvaluate)
		if err != nil {
			return err
		}
		v, err := t.version(versionID)
		if err != nil {
			return err
		}
		if v.State != bulwark.StateRequested {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s, not requested", v.PURL, v.State)
		}
		if err := t.checkNotRequester(versionID); err != nil {
			return err
		}
		if _, err := t.exec("UPDATE component_versions SET state = ?, updated_at = ? WHERE id = ?", string(bulwark.StateUnderEvaluation), micros(t.now), versionID); err != nil {
			return err
		}
		if err := t.history(versionID, "evaluation-started", orText(reason, "evaluation started")); err != nil {
			return err
		}
		after := *v
		after.State = bulwark.StateUnderEvaluation
		t.record("component.evaluation_started", versionSubject(versionID), root, v, &after, reason)
		return nil
	})
}

func orText(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// AddFinding implements bulwark.CatalogService.
func (db *DB) AddFinding(ctx context.Context, versionID int64, nf bulwark.NewFinding) (f *bulwark.Finding, err error) {
	defer bulwark.Wrap(&err, "AddFinding(%d)", versionID)
	if err := nf.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionComponentEvaluate)
		if err != nil {
			return err
		}
		if _, err := t.evaluable(versionID); err != nil {
			return err
		}
		if err := t.checkNotRequester(versionID); err != nil {
			return err
		}
		for i, d := range nf.Evidence {
			var n int
			if err := t.queryRow("SELECT COUNT(*) FROM evidence_blobs WHERE digest = ?", d).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return bulwark.FieldError("evidence", "evidence %d (%s) has not been uploaded", i+1, d)
			}
		}
		round, err := t.versionRound(versionID)
		if err != nil {
			return err
		}
		if err := t.insertFinding(versionID, round, false, nf, t.p.Actor()); err != nil {
			return err
		}
		f = &bulwark.Finding{VersionID: versionID, Round: round, Check: nf.Check, Outcome: nf.Outcome, Summary: nf.Summary, Detail: nf.Detail, Evidence: nf.Evidence, Author: t.p.Actor(), CreatedAt: t.now}
		if f.Evidence == nil {
			f.Evidence = []string{}
		}
		if err := t.history(versionID, "finding", fmt.Sprintf("%s %s: %s", nf.Check, nf.Outcome, nf.Summary)); err != nil {
			return err
		}
		t.record("component.finding_added", versionSubject(versionID), root, nil, f, nf.Summary, nf.Evidence...)
		return nil
	})
	return f, err
}

// UpdateDetails implements bulwark.CatalogService.
func (db *DB) UpdateDetails(ctx context.Context, versionID int64, d bulwark.VersionDetails, reason string) (err error) {
	defer bulwark.Wrap(&err, "UpdateDetails(%d)", versionID)
	if err := normalizeDetails(&d); err != nil {
		return err
	}
	return db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionComponentEvaluate)
		if err != nil {
			return err
		}
		before, err := t.evaluable(versionID)
		if err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE component_versions SET license = ?, supplier = ?, hashes = ?, download_location = ?, export_control = ?,
			personal_data = ?, support_ends = ?, updated_at = ? WHERE id = ?`, d.License, d.Supplier, jsonText(d.Hashes), d.DownloadLocation,
			d.ExportControl, d.PersonalData, optMicros(d.SupportEnds), micros(t.now), versionID); err != nil {
			return err
		}
		if len(d.Alternatives) > 0 {
			if _, err := t.exec("UPDATE components SET alternatives = ? WHERE id = ?", jsonText(d.Alternatives), before.ComponentID); err != nil {
				return err
			}
		}
		if err := t.setLicenses(versionID, d.License); err != nil {
			return err
		}
		after, err := t.version(versionID)
		if err != nil {
			return err
		}
		if err := t.runChecks(after, d); err != nil {
			return err
		}
		if err := t.history(versionID, "details-corrected", orText(reason, "facts corrected; automatic checks run again")); err != nil {
			return err
		}
		t.record("component.details_updated", versionSubject(versionID), root, before, after, reason)
		return nil
	})
}

// Decide implements bulwark.CatalogService.
func (db *DB) Decide(ctx context.Context, versionID int64, nd bulwark.NewDecision) (dec *bulwark.Decision, err error) {
	defer bulwark.Wrap(&err, "Decide(%d, %s)", versionID, nd.Verdict)
	if nd.Verdict != bulwark.VerdictCertify && nd.Verdict != bulwark.VerdictReject {
		return nil, bulwark.FieldError("verdict", "verdict %q, want certify or reject", nd.Verdict)
	}
	if strings.TrimSpace(nd.Reason) == "" {
		return nil, bulwark.FieldError("reason", "a decision needs its reasons")
	}
	err = db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionComponentDecide)
		if err != nil {
			return err
		}
		v, err := t.version(versionID)
		if err != nil {
			return err
		}
		switch v.State {
		case bulwark.StateUnderEvaluation:
		case bulwark.StateRequested:
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is only requested: start the evaluation before deciding", v.PURL)
		default:
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s: there is nothing to decide", v.PURL, v.State)
		}
		if err := t.checkNotRequester(versionID); err != nil {
			return err
		}
		pol, err := t.policy()
		if err != nil {
			return err
		}
		round, err := t.versionRound(versionID)
		if err != nil {
			return err
		}
		if nd.Verdict == bulwark.VerdictCertify {
			if err := t.readyToCertify(versionID, round, pol.Certification.RequireVerification); err != nil {
				return err
			}
			if nd.CertifiedUntil != nil && !nd.CertifiedUntil.After(t.now) {
				return bulwark.FieldError("certified_until", "the certification would already have expired")
			}
			if nd.CertifiedUntil == nil && pol.Certification.ValidityDays > 0 {
				until := t.now.AddDate(0, 0, pol.Certification.ValidityDays)
				nd.CertifiedUntil = &until
			}
		}
		var id int64
		err = t.queryRow(`INSERT INTO certification_decisions (version_id, round, verdict, decider_id, reason, certified_until, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, versionID, round, string(nd.Verdict), t.p.UserID, nd.Reason, optMicros(nd.CertifiedUntil), micros(t.now)).Scan(&id)
		if bulwark.ErrorCode(t.db.mapErr(err)) == bulwark.ECONFLICT {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "four-eyes: you have already decided on %s; another product-security member must add the next decision", v.PURL)
		}
		if err != nil {
			return err
		}
		dec = &bulwark.Decision{ID: id, VersionID: versionID, Round: round, Verdict: nd.Verdict, DeciderID: t.p.UserID, Decider: t.p.Name,
			Reason: nd.Reason, CertifiedUntil: nd.CertifiedUntil, CreatedAt: t.now}
		var agreeing int
		if err := t.queryRow("SELECT COUNT(*) FROM certification_decisions WHERE version_id = ? AND round = ? AND verdict = ?", versionID, round, string(nd.Verdict)).Scan(&agreeing); err != nil {
			return err
		}
		if err := t.history(versionID, "decision", fmt.Sprintf("%s (%d of %d needed): %s", nd.Verdict, agreeing, pol.Certification.Approvals, nd.Reason)); err != nil {
			return err
		}
		t.record("component.decision", versionSubject(versionID), root, nil, dec, nd.Reason)
		if agreeing < pol.Certification.Approvals {
			return nil
		}
		return t.conclude(v, nd, root)
	})
	return dec, err
}

// readyToCertify refuses certification while the latest finding of any
// check in this round fails, or when the verification record is missing. A
// later manual finding of the same check (legal approval, a mitigation)
// supersedes a failing one, and says why in the record.
func (t *Tx) readyToCertify(versionID int64, round int, requireVerification bool) error {
	rows, err := t.query(`SELECT f.check_name, f.outcome, f.summary FROM evaluation_findings f
		WHERE f.version_id = ? AND f.round = ? AND f.id = (SELECT MAX(g.id) FROM evaluation_findings g
			WHERE g.version_id = f.version_id AND g.round = f.round AND g.check_name = f.check_name)`, versionID, round)
	if err != nil {
		return err
	}
	defer rows.Close()
	verified := false
	var failing []string
	for rows.Next() {
		var check, outcome, summary string
		if err := rows.Scan(&check, &outcome, &summary); err != nil {
			return err
		}
		if bulwark.Outcome(outcome) == bulwark.OutcomeFail {
			failing = append(failing, fmt.Sprintf("%s (%s)", check, summary))
		}
		if bulwark.Check(check) == bulwark.CheckVerification && bulwark.Outcome(outcome) == bulwark.OutcomePass {
			verified = true
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(failing) > 0 {
		return bulwark.Errorf(bulwark.EPRECONDITION, "cannot certify while checks fail: %s; record a superseding finding with its justification, or reject", strings.Join(failing, "; "))
	}
	if requireVerification && !verified {
		return bulwark.Errorf(bulwark.EPRECONDITION, "policy requires a passing functional and performance verification record before certification")
	}
	return nil
}

// conclude moves the version to the agreed verdict and tells the requesters.
func (t *Tx) conclude(v *bulwark.ComponentVersion, nd bulwark.NewDecision, root string) error {
	to, kind := bulwark.StateCertified, "component.certified"
	if nd.Verdict == bulwark.VerdictReject {
		to, kind = bulwark.StateRejected, "component.rejected"
	}
	if _, err := t.exec("UPDATE component_versions SET state = ?, certified_until = ?, state_reason = ?, updated_at = ? WHERE id = ?",
		string(to), optMicros(nd.CertifiedUntil), nd.Reason, micros(t.now), v.ID); err != nil {
		return err
	}
	after, err := t.version(v.ID)
	if err != nil {
		return err
	}
	if err := t.history(v.ID, string(to), nd.Reason); err != nil {
		return err
	}
	if err := t.notifyRequesters(v.ID, kind, fmt.Sprintf("%s is %s: %s", v.PURL, to, nd.Reason)); err != nil {
		return err
	}
	t.record(kind, versionSubject(v.ID), root, v, after, nd.Reason)
	return nil
}

func (t *Tx) notifyRequesters(versionID int64, kind, message string) error {
	rows, err := t.query("SELECT DISTINCT requester_id FROM component_requests WHERE version_id = ?", versionID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := t.notify(id, kind, versionSubject(versionID), message, versionLink(versionID)); err != nil {
			return err
		}
	}
	return nil
}

// Transition implements bulwark.CatalogService.
func (db *DB) Transition(ctx context.Context, versionID int64, c bulwark.LifecycleChange) (err error) {
	defer bulwark.Wrap(&err, "Transition(%d, %s)", versionID, c.To)
	if !c.To.Valid() {
		return bulwark.FieldError("to", "unknown state %q", c.To)
	}
	if strings.TrimSpace(c.Reason) == "" {
		return bulwark.FieldError("reason", "say why")
	}
	var usedBy []string
	err = db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionComponentLifecycle)
		if err != nil {
			return err
		}
		v, err := t.version(versionID)
		if err != nil {
			return err
		}
		if !bulwark.CanTransition(v.State, c.To) {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s cannot go from %s to %s", v.PURL, v.State, c.To)
		}
		if c.To == bulwark.StateDeprecated {
			p, err := purl.Parse(c.Replacement)
			if err != nil || p.Version == "" {
				return bulwark.FieldError("replacement", "deprecating needs the replacement as purl@version")
			}
			c.Replacement = p.Versioned()
		} else {
			c.Replacement = ""
		}
		if c.Replacement == v.PURL {
			return bulwark.FieldError("replacement", "a version cannot replace itself")
		}
		if _, err := t.exec("UPDATE component_versions SET state = ?, replacement = ?, state_reason = ?, updated_at = ? WHERE id = ?",
			string(c.To), c.Replacement, c.Reason, micros(t.now), versionID); err != nil {
			return err
		}
		after, err := t.version(versionID)
		if err != nil {
			return err
		}
		summary := c.Reason
		if c.Replacement != "" {
			summary += " (replacement: " + c.Replacement + ")"
		}
		if err := t.history(versionID, string(c.To), summary); err != nil {
			return err
		}
		if usedBy, err = t.usedBy(v.PURL); err != nil {
			return err
		}
		msg := fmt.Sprintf("%s is now %s: %s", v.PURL, c.To, summary)
		if len(usedBy) > 0 {
			msg += fmt.Sprintf(" — used by %d release(s): %s", len(usedBy), strings.Join(usedBy, ", "))
		}
		if err := t.notifyRequesters(versionID, "component."+string(c.To), msg); err != nil {
			return err
		}
		t.record("component."+strings.ReplaceAll(string(c.To), "-", "_"), versionSubject(versionID), root, v, after, summary)
		return nil
	})
	return err
}

// Renew implements bulwark.CatalogService.
func (db *DB) Renew(ctx context.Context, versionID int64, until time.Time, reason string) (err error) {
	defer bulwark.Wrap(&err, "Renew(%d)", versionID)
	if strings.TrimSpace(reason) == "" {
		return bulwark.FieldError("reason", "say why the certification may continue")
	}
	return db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionComponentLifecycle)
		if err != nil {
			return err
		}
		if !until.After(t.now) {
			return bulwark.FieldError("certified_until", "the new expiry must be in the future")
		}
		v, err := t.version(versionID)
		if err != nil {
			return err
		}
		if v.State != bulwark.StateCertified && v.State != bulwark.StateDeprecated {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s is %s; only certified or deprecated versions are renewed", v.PURL, v.State)
		}
		if _, err := t.exec("UPDATE component_versions SET certified_until = ?, updated_at = ? WHERE id = ?", micros(until), micros(t.now), versionID); err != nil {
			return err
		}
		after, err := t.version(versionID)
		if err != nil {
			return err
		}
		if err := t.history(versionID, "renewed", fmt.Sprintf("certified until %s: %s", until.UTC().Format("2006-01-02"), reason)); err != nil {
			return err
		}
		t.record("component.renewed", versionSubject(versionID), root, v, after, reason)
		return nil
	})
}
