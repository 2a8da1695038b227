package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/policy"
	"github.com/bulwark-sec/bulwark/purl"
)

var _ bulwark.CatalogService = (*DB)(nil)

const versionCols = `v.id, v.component_id, c.purl, v.purl, v.version, v.license, v.supplier, v.hashes, v.download_location,
	v.export_control, v.personal_data, v.support_ends, v.state, v.round, v.certified_until, v.replacement, v.state_reason, v.created_at, v.updated_at`

func scanVersion(row interface{ Scan(...any) error }) (*bulwark.ComponentVersion, error) {
	var v bulwark.ComponentVersion
	var hashes string
	var support, until sql.NullInt64
	var created, updated int64
	if err := row.Scan(&v.ID, &v.ComponentID, &v.ComponentPURL, &v.PURL, &v.Version, &v.License, &v.Supplier, &hashes, &v.DownloadLocation,
		&v.ExportControl, &v.PersonalData, &support, &v.State, &v.Round, &until, &v.Replacement, &v.StateReason, &created, &updated); err != nil {
		return nil, err
	}
	v.Hashes = []bulwark.Hash{}
	json.Unmarshal([]byte(hashes), &v.Hashes)
	v.SupportEnds, v.CertifiedUntil = nullMicros(support), nullMicros(until)
	v.CreatedAt, v.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &v, nil
}

const componentCols = "c.id, c.purl, c.type, c.namespace, c.name, c.display_name, c.description, c.alternatives, c.created_at"

func scanComponent(row interface{ Scan(...any) error }) (*bulwark.Component, error) {
	var c bulwark.Component
	var alts string
	var created int64
	if err := row.Scan(&c.ID, &c.PURL, &c.Type, &c.Namespace, &c.Name, &c.DisplayName, &c.Description, &alts, &created); err != nil {
		return nil, err
	}
	c.Alternatives = []string{}
	json.Unmarshal([]byte(alts), &c.Alternatives)
	c.CreatedAt = fromMicros(created)
	return &c, nil
}

func (t *Tx) version(id int64) (*bulwark.ComponentVersion, error) {
	v, err := scanVersion(t.queryRow("SELECT "+versionCols+" FROM component_versions v JOIN components c ON c.id = v.component_id WHERE v.id = ?", id))
	if err == sql.ErrNoRows {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no component version %d", id)
	}
	return v, err
}

func (t *Tx) versionRound(id int64) (int, error) {
	var r int
	err := t.queryRow("SELECT round FROM component_versions WHERE id = ?", id).Scan(&r)
	return r, err
}

// rootPath is the organisation root's path: organisation-wide decisions are
// authorised there.
func (t *Tx) rootPath() (string, error) {
	var p string
	err := t.queryRow("SELECT path FROM scopes WHERE parent_id IS NULL").Scan(&p)
	if err == sql.ErrNoRows {
		return "", bulwark.Errorf(bulwark.EPRECONDITION, "the organisation root scope does not exist yet")
	}
	return p, err
}

// authorizeRoot checks an organisation-wide action and returns the root path.
func (t *Tx) authorizeRoot(a bulwark.Action) (string, error) {
	root, err := t.rootPath()
	if err != nil {
		return "", err
	}
	return root, t.p.Authorize(a, root)
}

func (t *Tx) history(versionID int64, kind, summary string) error {
	_, err := t.exec("INSERT INTO version_history (version_id, at, actor, kind, summary) VALUES (?, ?, ?, ?, ?)",
		versionID, micros(t.now), t.p.Actor(), kind, summary)
	return err
}

func (t *Tx) notify(userID int64, kind, subject, message, link string) error {
	_, err := t.exec("INSERT INTO notifications (user_id, kind, subject, message, link, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		userID, kind, subject, message, link, micros(t.now))
	return err
}

func versionSubject(id int64) string { return fmt.Sprintf("component-version:%d", id) }

func versionLink(id int64) string { return fmt.Sprintf("/catalog/versions/%d", id) }

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// normalizeDetails validates details and normalises the licence and the
// alternatives (to component purls).
func normalizeDetails(d *bulwark.VersionDetails) error {
	if err := d.Validate(); err != nil {
		return err
	}
	lic, err := policy.NormalizeLicense(d.License)
	if err != nil {
		return err
	}
	d.License = lic
	for i, a := range d.Alternatives {
		p, err := purl.Parse(a)
		if err != nil {
			return bulwark.FieldError("alternatives", "alternative %d: %s", i+1, bulwark.ErrorMessage(err))
		}
		d.Alternatives[i] = p.Component()
	}
	if d.Alternatives == nil {
		d.Alternatives = []string{}
	}
	if d.Hashes == nil {
		d.Hashes = []bulwark.Hash{}
	}
	for i := range d.Hashes {
		d.Hashes[i].Alg = strings.ToUpper(d.Hashes[i].Alg)
		d.Hashes[i].Value = strings.ToLower(d.Hashes[i].Value)
	}
	if d.SupportEnds != nil {
		day := d.SupportEnds.UTC().Truncate(24 * time.Hour)
		d.SupportEnds = &day
	}
	return nil
}

// splitPURL reads a purl and a separate version into a purl with version.
func splitPURL(s, version string) (purl.PURL, error) {
	p, err := purl.Parse(s)
	if err != nil {
		return p, err
	}
	version = strings.TrimSpace(version)
	switch {
	case p.Version == "" && version == "":
		return p, bulwark.FieldError("version", "name the version: in the purl (…@1.2.3) or in the version field")
	case p.Version != "" && version != "" && p.Version != version:
		return p, bulwark.FieldError("version", "the purl says version %q, the version field %q", p.Version, version)
	case p.Version == "":
		p = p.WithVersion(version)
	}
	if len(p.Version) > 200 {
		return p, bulwark.FieldError("version", "versions are at most 200 characters")
	}
	return p, nil
}

// componentID returns the id of the component with purl p, creating it.
func (t *Tx) componentID(p purl.PURL, description string, alternatives []string) (id int64, created bool, err error) {
	err = t.queryRow("SELECT id FROM components WHERE purl = ?", p.Component()).Scan(&id)
	if err == nil {
		if len(alternatives) > 0 {
			_, err = t.exec("UPDATE components SET alternatives = ? WHERE id = ?", jsonText(alternatives), id)
		}
		return id, false, err
	}
	if err != sql.ErrNoRows {
		return 0, false, err
	}
	err = t.queryRow(`INSERT INTO components (purl, type, namespace, name, display_name, search_name, description, alternatives, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Component(), p.Type, p.Namespace, p.Name, p.DisplayName(),
		strings.ToLower(p.DisplayName()), strings.TrimSpace(description), jsonText(alternatives), micros(t.now)).Scan(&id)
	return id, true, err
}

func (t *Tx) setLicenses(versionID int64, expr string) error {
	if _, err := t.exec("DELETE FROM version_licenses WHERE version_id = ?", versionID); err != nil {
		return err
	}
	var componentID int64
	if err := t.queryRow("SELECT component_id FROM component_versions WHERE id = ?", versionID).Scan(&componentID); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, id := range policy.LicenseIDs(expr) {
		id = strings.ToLower(id)
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := t.exec("INSERT INTO version_licenses (version_id, license_id, component_id) VALUES (?, ?, ?)", versionID, id, componentID); err != nil {
			return err
		}
	}
	return nil
}

// runChecks records the automatic findings of the current round, replacing
// earlier automatic ones of that round.
func (t *Tx) runChecks(v *bulwark.ComponentVersion, d bulwark.VersionDetails) error {
	round, err := t.versionRound(v.ID)
	if err != nil {
		return err
	}
	pol, err := t.policy()
	if err != nil {
		return err
	}
	if _, err := t.exec("DELETE FROM evaluation_findings WHERE version_id = ? AND round = ? AND automatic = ?", v.ID, round, true); err != nil {
		return err
	}
	findings := pol.Evaluate(d)
	red, err := t.redLine(v.PURL, pol.RedLine.Severity)
	if err != nil {
		return err
	}
	findings = append(findings, red...)
	for _, f := range findings {
		if err := t.insertFinding(v.ID, round, true, f, "bulwark"); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) insertFinding(versionID int64, round int, automatic bool, f bulwark.NewFinding, author string) error {
	if f.Evidence == nil {
		f.Evidence = []string{}
	}
	_, err := t.exec(`INSERT INTO evaluation_findings (version_id, round, automatic, check_name, outcome, summary, detail, evidence, author, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, versionID, round, automatic, string(f.Check), string(f.Outcome), f.Summary, f.Detail, jsonText(f.Evidence), author, micros(t.now))
	return err
}

// RequestVersion implements bulwark.CatalogService.
func (db *DB) RequestVersion(ctx context.Context, r bulwark.IntroductionRequest) (dossier *bulwark.VersionDossier, err error) {
	defer bulwark.Wrap(&err, "RequestVersion(%q)", r.PURL)
	if err := r.Validate(); err != nil {
		return nil, err
	}
	p, err := splitPURL(r.PURL, r.Version)
	if err != nil {
		return nil, err
	}
	if err := normalizeDetails(&r.VersionDetails); err != nil {
		return nil, err
	}
	var versionID int64
	err = db.inTx(ctx, func(t *Tx) error {
		scope, err := t.scope(r.ScopeID)
		if err != nil {
			return bulwark.FieldError("scope_id", "no scope %d", r.ScopeID)
		}
		if err := t.p.Authorize(bulwark.ActionComponentRequest, scope.Path); err != nil {
			return err
		}
		if t.p.Kind == bulwark.PrincipalSystem {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "introduction requests are made by people; sign in to request")
		}
		compID, _, err := t.componentID(p, r.Description, r.Alternatives)
		if err != nil {
			return err
		}
		d := r.VersionDetails
		var state string
		err = t.queryRow("SELECT id, state FROM component_versions WHERE purl = ?", p.Versioned()).Scan(&versionID, &state)
		switch {
		case err == sql.ErrNoRows:
			err = t.queryRow(`INSERT INTO component_versions (component_id, version, purl, license, supplier, hashes, download_location,
				export_control, personal_data, support_ends, state, origin, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, compID, p.Version, p.Versioned(), d.License, d.Supplier,
				jsonText(d.Hashes), d.DownloadLocation, d.ExportControl, d.PersonalData, optMicros(d.SupportEnds),
				string(bulwark.StateRequested), "request", micros(t.now), micros(t.now)).Scan(&versionID)
			if err != nil {
				return err
			}
		case err != nil:
			return err
		case bulwark.VersionState(state) == bulwark.StateRejected:
			// A rejected version may be asked for again: a new round.
			if _, err := t.exec(`UPDATE component_versions SET state = ?, round = round + 1, license = ?, supplier = ?, hashes = ?,
				download_location = ?, export_control = ?, personal_data = ?, support_ends = ?, state_reason = '', updated_at = ? WHERE id = ?`,
				string(bulwark.StateRequested), d.License, d.Supplier, jsonText(d.Hashes), d.DownloadLocation, d.ExportControl,
				d.PersonalData, optMicros(d.SupportEnds), micros(t.now), versionID); err != nil {
				return err
			}
		default:
			return conflictForState(p.Versioned(), bulwark.VersionState(state))
		}
		if _, err := t.exec(`INSERT INTO component_requests (version_id, requester_id, scope_id, intended_product, justification, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, versionID, t.p.UserID, scope.ID, r.IntendedProduct, r.Justification, micros(t.now)); err != nil {
			return err
		}
		if err := t.setLicenses(versionID, d.License); err != nil {
			return err
		}
		v, err := t.version(versionID)
		if err != nil {
			return err
		}
		if err := t.runChecks(v, d); err != nil {
			return err
		}
		if err := t.history(versionID, "requested", fmt.Sprintf("requested for %s (%s): %s", scope.Name, orDash(r.IntendedProduct), r.Justification)); err != nil {
			return err
		}
		t.record("component.requested", versionSubject(versionID), scope.Path, nil, v, r.Justification)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.FindVersion(ctx, versionID)
}

func orDash(s string) string {
	if s == "" {
		return "no product named"
	}
	return s
}

func conflictForState(purl string, s bulwark.VersionState) error {
	switch s {
	case bulwark.StateRequested, bulwark.StateUnderEvaluation:
		return bulwark.ConflictError("purl", "%s is already requested and %s; follow it on its page instead of asking again", purl, s)
	case bulwark.StateCertified, bulwark.StateDeprecated:
		return bulwark.ConflictError("purl", "%s is already %s and can be used", purl, s)
	}
	return bulwark.ConflictError("purl", "%s is %s and cannot be requested", purl, s)
}

// FindComponent implements bulwark.CatalogService.
func (db *DB) FindComponent(ctx context.Context, id int64) (c *bulwark.Component, err error) {
	defer bulwark.Wrap(&err, "FindComponent(%d)", id)
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionCatalogRead, ""); err != nil {
		return nil, err
	}
	err = db.readTx(ctx, func(t *Tx) error {
		c, err = scanComponent(t.queryRow("SELECT "+componentCols+" FROM components c WHERE c.id = ?", id))
		if err == sql.ErrNoRows {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no component %d", id)
		}
		if err != nil {
			return err
		}
		return t.attachVersions([]*bulwark.Component{c}, nil, nil)
	})
	return c, err
}

// FindVersion implements bulwark.CatalogService.
func (db *DB) FindVersion(ctx context.Context, id int64) (d *bulwark.VersionDossier, err error) {
	defer bulwark.Wrap(&err, "FindVersion(%d)", id)
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionCatalogRead, ""); err != nil {
		return nil, err
	}
	err = db.readTx(ctx, func(t *Tx) error {
		v, err := t.version(id)
		if err != nil {
			return err
		}
		d = &bulwark.VersionDossier{Version: v, Requests: []*bulwark.ComponentRequest{}, Findings: []*bulwark.Finding{},
			Decisions: []*bulwark.Decision{}, Waivers: []*bulwark.Waiver{}, History: []*bulwark.HistoryEntry{}, UsedBy: []string{}}
		if d.Component, err = scanComponent(t.queryRow("SELECT "+componentCols+" FROM components c WHERE c.id = ?", v.ComponentID)); err != nil {
			return err
		}
		if d.UsedBy, err = t.usedBy(v.PURL); err != nil {
			return err
		}
		if d.Requests, err = t.requests(id); err != nil {
			return err
		}
		if d.Findings, err = t.findings(id); err != nil {
			return err
		}
		if d.Decisions, err = t.decisions(id); err != nil {
			return err
		}
		if d.History, err = t.versionHistory(id); err != nil {
			return err
		}
		if origin, err := t.versionOrigin(id); err != nil {
			return err
		} else if digest, ok := strings.CutPrefix(origin, "import:"); ok {
			d.History = append([]*bulwark.HistoryEntry{{Time: v.CreatedAt, Actor: "import", Kind: "imported",
				Summary: "entered the catalog from an approved-component list (evidence " + digest + ")"}}, d.History...)
		}
		if d.Waivers, err = t.waiversFor(v.ComponentPURL); err != nil {
			return err
		}
		pol, err := t.policy()
		if err != nil {
			return err
		}
		d.Needed = pol.Certification.Approvals
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (t *Tx) requests(versionID int64) ([]*bulwark.ComponentRequest, error) {
	rows, err := t.query(`SELECT r.id, r.version_id, r.requester_id, u.name, r.scope_id, r.intended_product, r.justification, r.created_at
		FROM component_requests r JOIN users u ON u.id = r.requester_id WHERE r.version_id = ? ORDER BY r.id`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*bulwark.ComponentRequest{}
	for rows.Next() {
		var r bulwark.ComponentRequest
		var at int64
		if err := rows.Scan(&r.ID, &r.VersionID, &r.RequesterID, &r.Requester, &r.ScopeID, &r.IntendedProduct, &r.Justification, &at); err != nil {
			return nil, err
		}
		r.CreatedAt = fromMicros(at)
		out = append(out, &r)
	}
	return out, rows.Err()
}

func (t *Tx) findings(versionID int64) ([]*bulwark.Finding, error) {
	rows, err := t.query(`SELECT id, version_id, round, automatic, check_name, outcome, summary, detail, evidence, author, created_at
		FROM evaluation_findings WHERE version_id = ? ORDER BY id`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*bulwark.Finding{}
	for rows.Next() {
		var f bulwark.Finding
		var ev string
		var at int64
		if err := rows.Scan(&f.ID, &f.VersionID, &f.Round, &f.Automatic, &f.Check, &f.Outcome, &f.Summary, &f.Detail, &ev, &f.Author, &at); err != nil {
			return nil, err
		}
		f.Evidence = []string{}
		json.Unmarshal([]byte(ev), &f.Evidence)
		f.CreatedAt = fromMicros(at)
		out = append(out, &f)
	}
	return out, rows.Err()
}

func (t *Tx) decisions(versionID int64) ([]*bulwark.Decision, error) {
	rows, err := t.query(`SELECT d.id, d.version_id, d.round, d.verdict, d.decider_id, u.name, d.reason, d.certified_until, d.created_at
		FROM certification_decisions d JOIN users u ON u.id = d.decider_id WHERE d.version_id = ? ORDER BY d.id`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*bulwark.Decision{}
	for rows.Next() {
		var d bulwark.Decision
		var until sql.NullInt64
		var at int64
		if err := rows.Scan(&d.ID, &d.VersionID, &d.Round, &d.Verdict, &d.DeciderID, &d.Decider, &d.Reason, &until, &at); err != nil {
			return nil, err
		}
		d.CertifiedUntil, d.CreatedAt = nullMicros(until), fromMicros(at)
		out = append(out, &d)
	}
	return out, rows.Err()
}

func (t *Tx) versionOrigin(versionID int64) (string, error) {
	var o string
	err := t.queryRow("SELECT origin FROM component_versions WHERE id = ?", versionID).Scan(&o)
	return o, err
}

func (t *Tx) versionHistory(versionID int64) ([]*bulwark.HistoryEntry, error) {
	rows, err := t.query("SELECT at, actor, kind, summary FROM version_history WHERE version_id = ? ORDER BY id", versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*bulwark.HistoryEntry{}
	for rows.Next() {
		var h bulwark.HistoryEntry
		var at int64
		if err := rows.Scan(&at, &h.Actor, &h.Kind, &h.Summary); err != nil {
			return nil, err
		}
		h.Time = fromMicros(at)
		out = append(out, &h)
	}
	return out, rows.Err()
}

// EvaluationQueue implements bulwark.CatalogService.
func (db *DB) EvaluationQueue(ctx context.Context, page bulwark.Page) (out []*bulwark.ComponentVersion, next string, err error) {
	defer bulwark.Wrap(&err, "EvaluationQueue")
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionCatalogRead, ""); err != nil {
		return nil, "", err
	}
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		rows, err := t.query("SELECT "+versionCols+" FROM component_versions v JOIN components c ON c.id = v.component_id WHERE v.state IN (?, ?) AND v.id > ? ORDER BY v.id"+fmt.Sprintf(" LIMIT %d", limit+1),
			string(bulwark.StateRequested), string(bulwark.StateUnderEvaluation), after)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanVersion(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if len(out) > limit {
		out = out[:limit]
		next = bulwark.CursorAfter(out[limit-1].ID)
	}
	return out, next, err
}
