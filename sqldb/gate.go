package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/policy"
)

func gateSubject(id int64) string { return fmt.Sprintf("gate-run:%d", id) }

// Gate implements bulwark.ProductService.
func (db *DB) Gate(ctx context.Context, product, version string, u bulwark.SBOMUpload) (g *bulwark.GateResult, err error) {
	defer bulwark.Wrap(&err, "Gate(%q, %q)", product, version)
	nr := bulwark.NewRelease{Version: version}
	if err := nr.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(product) == "" {
		return nil, bulwark.FieldError("product", "name the product the SBOM belongs to")
	}
	d, err := db.parseSBOM(u)
	if err != nil {
		return nil, err
	}
	ps := preparePackages(d)
	err = db.inTx(ctx, func(t *Tx) error {
		p, err := t.productByName(product)
		if err != nil {
			return err
		}
		var releaseID int64
		switch err := t.queryRow("SELECT id FROM releases WHERE product_id = ? AND version = ?", p.ID, nr.Version).Scan(&releaseID); {
		case err == sql.ErrNoRows:
			r, err := t.createRelease(p.ID, nr)
			if err != nil {
				return err
			}
			releaseID = r.ID
		case err != nil:
			return err
		}
		r, path, err := t.release(releaseID, bulwark.ActionGateRun)
		if err != nil {
			return err
		}
		if err := t.p.Authorize(bulwark.ActionSBOMUpload, path); err != nil {
			return err
		}
		ch, err := t.storeSBOM(r, path, u, d, ps)
		if err != nil {
			return err
		}
		g = &bulwark.GateResult{Release: r.Ref(), SBOM: ch.SBOM, CreatedAt: t.now, CreatedBy: t.p.Actor()}
		if g.Checks, err = t.gateChecks(ps, path); err != nil {
			return err
		}
		vc, err := t.vulnChecks(r.ID)
		if err != nil {
			return err
		}
		g.Checks = append(g.Checks, vc...)
		sortChecks(g.Checks)
		g.Counts = map[bulwark.GateOutcome]int{bulwark.GatePass: 0, bulwark.GateWarn: 0, bulwark.GateFail: 0}
		failed := map[string]bool{}
		for _, c := range g.Checks {
			g.Counts[c.Outcome]++
			if c.Outcome == bulwark.GateFail {
				failed[c.Name+"@"+c.Version] = true
			}
		}
		g.Outcome = bulwark.GatePass
		if len(failed) > 0 {
			g.Outcome = bulwark.GateFail
		}
		if err := t.queryRow("INSERT INTO gate_runs (release_id, sbom, outcome, checks, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			r.ID, jsonText(g.SBOM), g.Outcome, jsonText(g.Checks), micros(t.now), g.CreatedBy).Scan(&g.ID); err != nil {
			return err
		}
		t.record("gate.decided", gateSubject(g.ID), path, nil, g,
			fmt.Sprintf("gate %s for %s %s: %d components failed, %d checks warned", g.Outcome, r.Product, r.Version, len(failed), g.Counts[bulwark.GateWarn]),
			g.SBOM.Digest)
		return nil
	})
	return g, err
}

// gateChecks decides on every package: its catalog state, waivers that
// cover it in the release's scope, and the licence its SBOM declares.
func (t *Tx) gateChecks(ps []*pkg, scopePath string) ([]bulwark.GateCheck, error) {
	pol, err := t.policy()
	if err != nil {
		return nil, err
	}
	type catalogEntry struct {
		id                   int64
		state                bulwark.VersionState
		replacement, license string
		until                sql.NullInt64
	}
	known := map[string]catalogEntry{}
	var purls []any
	for _, p := range ps {
		if !strings.HasPrefix(p.key, "name:") {
			purls = append(purls, p.versioned)
		}
	}
	err = t.queryIn("SELECT purl, id, state, replacement, license, certified_until FROM component_versions WHERE purl IN ", purls, func(rows *sql.Rows) error {
		var key string
		var e catalogEntry
		err := rows.Scan(&key, &e.id, &e.state, &e.replacement, &e.license, &e.until)
		known[key] = e
		return err
	})
	if err != nil {
		return nil, err
	}
	waivers, err := t.activeWaivers("")
	if err != nil {
		return nil, err
	}
	checks := make([]bulwark.GateCheck, 0, len(ps))
	for _, p := range ps {
		c := bulwark.GateCheck{Name: p.name, Version: p.version, License: p.license, Supplier: p.supplier}
		if strings.HasPrefix(p.key, "name:") {
			c.Rule, c.Outcome = bulwark.RuleUnidentified, bulwark.GateWarn
			c.Message = "no package URL in the SBOM: cannot be matched to the catalog"
			checks = append(checks, c)
			continue
		}
		c.PURL = p.key
		e, inCatalog := known[p.versioned]
		c.State, c.VersionID = e.state, e.id
		expired := e.state == bulwark.StateCertified && e.until.Valid && !t.now.Before(fromMicros(e.until.Int64))
		switch {
		case e.state == bulwark.StateCertified && !expired:
			c.Rule, c.Outcome, c.Message = bulwark.RuleCertified, bulwark.GatePass, "certified"
		case e.state == bulwark.StateDeprecated:
			c.Rule, c.Outcome, c.Message = bulwark.RuleDeprecated, bulwark.GateWarn, "deprecated: plan the move away"
			if e.replacement != "" {
				c.Message = "deprecated: replace with " + e.replacement
			}
		case e.state == bulwark.StateBanned:
			c.Rule, c.Outcome, c.Message = bulwark.RuleBanned, bulwark.GateFail, "banned: must not ship"
		case e.state == bulwark.StateEndOfLife:
			c.Rule, c.Outcome, c.Message = bulwark.RuleEndOfLife, bulwark.GateFail, "end of life: must not ship"
		default:
			why := "not in the catalog: request it"
			switch {
			case expired:
				why = "certification expired on " + fromMicros(e.until.Int64).Format("2006-01-02") + ": renew it"
			case inCatalog && e.state == bulwark.StateRejected:
				why = "rejected by product security"
			case inCatalog:
				why = "not certified yet (" + string(e.state) + ")"
			}
			if w := waivers.find(p.component, purlType(p.component), p.version, scopePath); w != nil {
				c.Rule, c.Outcome, c.WaiverID = bulwark.RuleWaived, bulwark.GateWarn, w.ID
				c.Message = fmt.Sprintf("%s, but waived until %s (waiver %d)", why, w.ExpiresAt.Format("2006-01-02"), w.ID)
			} else {
				c.Rule, c.Outcome, c.Message = bulwark.RuleUncertified, bulwark.GateFail, why
			}
		}
		checks = append(checks, c)
		// The catalog's own licence governs certified versions; the SBOM's
		// declared licence is checked for the rest, and a denied one fails.
		if p.license != "" && c.Rule != bulwark.RuleCertified && c.Rule != bulwark.RuleDeprecated {
			lc := bulwark.GateCheck{Name: p.name, Version: p.version, PURL: p.key, License: p.license, State: e.state, VersionID: e.id, Rule: bulwark.RuleLicense}
			if expr, err := policy.NormalizeLicense(p.license); err != nil {
				lc.Outcome, lc.Message = bulwark.GateWarn, fmt.Sprintf("declared licence %q is not an SPDX expression: legal review needed", p.license)
			} else if f := pol.CheckLicense(expr); f.Outcome == bulwark.OutcomeFail {
				lc.Outcome, lc.Message = bulwark.GateFail, f.Summary
			} else if f.Outcome == bulwark.OutcomeWarn {
				lc.Outcome, lc.Message = bulwark.GateWarn, f.Summary
			} else {
				continue
			}
			checks = append(checks, lc)
		}
	}
	return checks, nil
}

// sortChecks puts failures first, then warnings, then passes.
func sortChecks(checks []bulwark.GateCheck) {
	rank := map[bulwark.GateOutcome]int{bulwark.GateFail: 0, bulwark.GateWarn: 1, bulwark.GatePass: 2}
	slices.SortStableFunc(checks, func(a, b bulwark.GateCheck) int {
		return cmp.Or(cmp.Compare(rank[a.Outcome], rank[b.Outcome]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
}

// vulnChecks decides on a release's open findings with the matching
// engine's results: at or above the red line's severity a finding fails
// the gate, below it warns; a waiver in the release's scope turns a
// failure into a warning. Findings analysed as not affected, fixed or
// false positive raise nothing.
func (t *Tx) vulnChecks(releaseID int64) ([]bulwark.GateCheck, error) {
	pol, err := t.policy()
	if err != nil {
		return nil, err
	}
	threshold := ratingRank[pol.RedLine.Severity]
	rows, err := t.query("SELECT "+findingCols+findingJoins+" WHERE f.release_id = ? AND f.active = TRUE AND f.state IN (?, ?) ORDER BY f.severity DESC, f.id",
		releaseID, bulwark.FindingInTriage, bulwark.FindingAffected)
	if err != nil {
		return nil, err
	}
	var fs []*bulwark.VulnFinding
	var at []place
	for rows.Next() {
		f, pl, err := scanFinding(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		fs, at = append(fs, f), append(at, pl)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := t.waive(fs, at); err != nil {
		return nil, err
	}
	checks := make([]bulwark.GateCheck, 0, len(fs))
	for _, f := range fs {
		c := bulwark.GateCheck{Name: f.Component, Version: f.Version, PURL: f.PURL, Rule: bulwark.RuleVulnerable, Vulnerability: f.Key, FindingID: f.ID}
		rating := cmp.Or(f.Rating, "unrated")
		c.Message = fmt.Sprintf("%s (%s", f.Key, rating)
		if f.Score > 0 {
			c.Message += fmt.Sprintf(" %.1f", f.Score)
		}
		c.Message += ", " + string(f.State) + ")"
		if len(f.Fixed) > 0 {
			c.Message += ": fixed in " + strings.Join(f.Fixed, ", ")
		} else {
			c.Message += ": no fixed version known"
		}
		switch {
		case ratingRank[f.Rating] < threshold || f.Rating == "":
			c.Outcome = bulwark.GateWarn
		case f.Suppressed():
			c.Rule, c.Outcome, c.WaiverID = bulwark.RuleWaived, bulwark.GateWarn, f.WaiverID
			c.Message += fmt.Sprintf(", but waived (waiver %d)", f.WaiverID)
		default:
			c.Outcome = bulwark.GateFail
		}
		checks = append(checks, c)
	}
	return checks, nil
}

const gateCols = `g.id, g.release_id, p.name, r.version, g.sbom, g.outcome, g.checks, g.requested, g.created_at, g.created_by`

func scanGateRun(row interface{ Scan(...any) error }) (*bulwark.GateResult, error) {
	var g bulwark.GateResult
	var sbomText, checks, requested string
	var at int64
	if err := row.Scan(&g.ID, &g.Release.ID, &g.Release.Product, &g.Release.Version, &sbomText, &g.Outcome, &checks, &requested, &at, &g.CreatedBy); err != nil {
		return nil, err
	}
	var err error
	if g.SBOM, err = sbomInfo(sbomText); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(checks), &g.Checks); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(requested), &g.Requested); err != nil {
		return nil, err
	}
	g.Counts = map[bulwark.GateOutcome]int{bulwark.GatePass: 0, bulwark.GateWarn: 0, bulwark.GateFail: 0}
	for _, c := range g.Checks {
		g.Counts[c.Outcome]++
	}
	g.CreatedAt = fromMicros(at)
	return &g, nil
}

// GateRuns implements bulwark.ProductService.
func (db *DB) GateRuns(ctx context.Context, releaseID int64, page bulwark.Page) (out []*bulwark.GateResult, next string, err error) {
	defer bulwark.Wrap(&err, "GateRuns(%d)", releaseID)
	before, err := page.After()
	if err != nil {
		return nil, "", err
	}
	if before == 0 {
		before = 1<<63 - 1
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		if _, _, err := t.release(releaseID, bulwark.ActionProductRead); err != nil {
			return err
		}
		rows, err := t.query(`SELECT `+gateCols+` FROM gate_runs g JOIN releases r ON r.id = g.release_id JOIN products p ON p.id = r.product_id
			WHERE g.release_id = ? AND g.id < ? ORDER BY g.id DESC LIMIT ?`, releaseID, before, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*bulwark.GateResult{}
		for rows.Next() {
			g, err := scanGateRun(rows)
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		if len(out) > limit {
			out = out[:limit]
			next = bulwark.CursorAfter(out[limit-1].ID)
		}
		return rows.Err()
	})
	return out, next, err
}

// FindGateRun implements bulwark.ProductService.
func (db *DB) FindGateRun(ctx context.Context, id int64) (g *bulwark.GateResult, err error) {
	defer bulwark.Wrap(&err, "FindGateRun(%d)", id)
	err = db.readTx(ctx, func(t *Tx) error {
		g, _, err = t.gateRun(id)
		return err
	})
	return g, err
}

func (t *Tx) gateRun(id int64) (*bulwark.GateResult, *bulwark.Release, error) {
	g, err := scanGateRun(t.queryRow(`SELECT `+gateCols+` FROM gate_runs g JOIN releases r ON r.id = g.release_id JOIN products p ON p.id = r.product_id WHERE g.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "no gate run %d", id)
	}
	if err != nil {
		return nil, nil, err
	}
	r, _, err := t.release(g.Release.ID, bulwark.ActionProductRead)
	if err != nil {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "no gate run %d", id)
	}
	return g, r, nil
}

// RequestUncertified implements bulwark.ProductService. Each request is
// its own catalog transaction (with its own automatic checks and ledger
// event); components already requested are left as they are, and one
// failing request does not stop the others.
func (db *DB) RequestUncertified(ctx context.Context, gateRunID int64, justification string) (g *bulwark.GateResult, err error) {
	defer bulwark.Wrap(&err, "RequestUncertified(%d)", gateRunID)
	justification = strings.TrimSpace(justification)
	if justification == "" {
		return nil, bulwark.FieldError("justification", "say why these components are needed")
	}
	var r *bulwark.Release
	err = db.readTx(ctx, func(t *Tx) error {
		if g, r, err = t.gateRun(gateRunID); err != nil {
			return err
		}
		var path string
		if err := t.queryRow("SELECT s.path FROM scopes s WHERE s.id = ?", r.ScopeID).Scan(&path); err != nil {
			return err
		}
		if err := t.p.Authorize(bulwark.ActionGateRun, path); err != nil {
			return err
		}
		return t.p.Authorize(bulwark.ActionComponentRequest, path)
	})
	if err != nil {
		return nil, err
	}
	var made, failed []string
	done := map[string]bool{}
	for _, c := range g.Checks {
		if c.Rule != bulwark.RuleUncertified && c.Rule != bulwark.RuleWaived || done[c.PURL] || slices.Contains(g.Requested, c.PURL) {
			continue
		}
		if c.State != "" && c.State != bulwark.StateRejected {
			continue // requested or under evaluation already
		}
		done[c.PURL] = true
		req := bulwark.IntroductionRequest{PURL: c.PURL, ScopeID: r.ScopeID, IntendedProduct: r.Product + " " + r.Version,
			Justification: justification, VersionDetails: bulwark.VersionDetails{License: cmp.Or(c.License, "NOASSERTION"), Supplier: c.Supplier}}
		if _, err := db.RequestVersion(ctx, req); err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code == bulwark.EINTERNAL || be.Code == bulwark.EUNAVAILABLE {
				return nil, err
			}
			failed = append(failed, fmt.Sprintf("%s: %s", c.PURL, be.Message))
			continue
		}
		made = append(made, c.PURL)
	}
	err = db.inTx(ctx, func(t *Tx) error {
		_, path, err := t.release(r.ID, bulwark.ActionGateRun)
		if err != nil {
			return err
		}
		g.Requested = append(g.Requested, made...)
		if _, err := t.exec("UPDATE gate_runs SET requested = ? WHERE id = ?", jsonText(g.Requested), g.ID); err != nil {
			return err
		}
		t.record("gate.requested", gateSubject(g.ID), path, nil, map[string]any{"requested": made, "failed": failed},
			fmt.Sprintf("requested %d uncertified components of %s %s", len(made), r.Product, r.Version))
		return nil
	})
	if err != nil {
		return nil, err
	}
	g.RequestErrors = failed
	return g, nil
}
