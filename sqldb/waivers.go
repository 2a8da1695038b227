package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/purl"
)

const waiverCols = `w.id, w.component_purl, w.versions, w.vulnerability, w.scope_id, s.name, w.reason, w.requester_id, w.requested_by, w.approved_by,
	w.approved_at, w.expires_at, w.revoked_at, w.created_at`

func scanWaiver(row interface{ Scan(...any) error }) (*bulwark.Waiver, string, error) {
	var w bulwark.Waiver
	var approved, revoked sql.NullInt64
	var expires, created int64
	var path string
	if err := row.Scan(&w.ID, &w.ComponentPURL, &w.Versions, &w.Vulnerability, &w.ScopeID, &w.ScopeName, &w.Reason, &w.RequesterID, &w.RequestedBy, &w.ApprovedBy,
		&approved, &expires, &revoked, &created, &path); err != nil {
		return nil, "", err
	}
	w.ApprovedAt, w.RevokedAt = nullMicros(approved), nullMicros(revoked)
	w.ExpiresAt, w.CreatedAt = fromMicros(expires), fromMicros(created)
	return &w, path, nil
}

func (t *Tx) waiver(id int64) (*bulwark.Waiver, string, error) {
	w, path, err := scanWaiver(t.queryRow("SELECT "+waiverCols+", s.path FROM waivers w JOIN scopes s ON s.id = w.scope_id WHERE w.id = ?", id))
	if err == sql.ErrNoRows {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "no waiver %d", id)
	}
	return w, path, err
}

// waiversFor lists the waivers of a component the caller may see.
func (t *Tx) waiversFor(componentPURL string) ([]*bulwark.Waiver, error) {
	cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionWaiverRead))
	rows, err := t.query("SELECT "+waiverCols+", s.path FROM waivers w JOIN scopes s ON s.id = w.scope_id WHERE w.component_purl = ? AND "+cond+" ORDER BY w.id",
		append([]any{componentPURL}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*bulwark.Waiver{}
	for rows.Next() {
		w, _, err := scanWaiver(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func waiverSubject(id int64) string { return fmt.Sprintf("waiver:%d", id) }

// RequestWaiver implements bulwark.CatalogService.
func (db *DB) RequestWaiver(ctx context.Context, nw bulwark.NewWaiver) (w *bulwark.Waiver, err error) {
	defer bulwark.Wrap(&err, "RequestWaiver(%q)", nw.PURL)
	p, err := purl.Parse(nw.PURL)
	if err != nil {
		return nil, err
	}
	versions := strings.TrimSpace(nw.Versions)
	if versions == "" && p.Version != "" {
		versions = p.Version
	}
	if versions == "" {
		versions = "*"
	}
	if _, err := ecosystem.ParseRange(versions); err != nil {
		return nil, err
	}
	if strings.TrimSpace(nw.Reason) == "" {
		return nil, bulwark.FieldError("reason", "a waiver needs its justification")
	}
	err = db.inTx(ctx, func(t *Tx) error {
		s, err := t.scope(nw.ScopeID)
		if err != nil {
			return bulwark.FieldError("scope_id", "no scope %d", nw.ScopeID)
		}
		if err := t.p.Authorize(bulwark.ActionWaiverRequest, s.Path); err != nil {
			return err
		}
		pol, err := t.policy()
		if err != nil {
			return err
		}
		if !nw.ExpiresAt.After(t.now) {
			return bulwark.FieldError("expires_at", "a waiver must expire in the future")
		}
		if nw.ExpiresAt.Sub(t.now) > time.Duration(pol.Waivers.MaxDays)*24*time.Hour {
			return bulwark.FieldError("expires_at", "policy allows waivers of at most %d days", pol.Waivers.MaxDays)
		}
		var vuln string
		if id := strings.TrimSpace(nw.Vulnerability); id != "" {
			err := t.queryRow("SELECT a.vuln_key FROM advisory_aliases x JOIN advisories a ON a.id = x.advisory_id WHERE x.alias = ? LIMIT 1", id).Scan(&vuln)
			if err == sql.ErrNoRows {
				return bulwark.FieldError("vulnerability", "no imported advisory or alias %q", id)
			}
			if err != nil {
				return err
			}
		}
		var id int64
		if err := t.queryRow(`INSERT INTO waivers (component_purl, versions, vulnerability, scope_id, reason, requester_id, requested_by, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Component(), versions, vuln, s.ID, nw.Reason, t.p.UserID, t.p.Actor(), micros(nw.ExpiresAt), micros(t.now)).Scan(&id); err != nil {
			return err
		}
		if w, _, err = t.waiver(id); err != nil {
			return err
		}
		t.record("waiver.requested", waiverSubject(id), s.Path, nil, w, nw.Reason)
		return nil
	})
	return w, err
}

// ApproveWaiver implements bulwark.CatalogService.
func (db *DB) ApproveWaiver(ctx context.Context, id int64, reason string) (err error) {
	defer bulwark.Wrap(&err, "ApproveWaiver(%d)", id)
	if strings.TrimSpace(reason) == "" {
		return bulwark.FieldError("reason", "say why the exception is acceptable")
	}
	return db.inTx(ctx, func(t *Tx) error {
		w, path, err := t.waiver(id)
		if err != nil {
			return err
		}
		if err := t.p.Authorize(bulwark.ActionWaiverApprove, path); err != nil {
			return err
		}
		if st := w.State(t.now); st != "pending" {
			return bulwark.Errorf(bulwark.ECONFLICT, "waiver %d is %s, not pending", id, st)
		}
		if err := bulwark.CheckFourEyes(w.RequesterID, t.p, bulwark.LineSecond, path); err != nil {
			return err
		}
		if _, err := t.exec("UPDATE waivers SET approved_by = ?, approved_at = ? WHERE id = ?", t.p.Actor(), micros(t.now), id); err != nil {
			return err
		}
		after, _, err := t.waiver(id)
		if err != nil {
			return err
		}
		if w.RequesterID != 0 {
			if err := t.notify(w.RequesterID, "waiver.approved", waiverSubject(id),
				fmt.Sprintf("Your waiver for %s (%s) in %s is approved until %s", w.ComponentPURL, w.Versions, w.ScopeName, w.ExpiresAt.Format("2006-01-02")), "/waivers"); err != nil {
				return err
			}
		}
		t.record("waiver.approved", waiverSubject(id), path, w, after, reason)
		return nil
	})
}

// RevokeWaiver implements bulwark.CatalogService.
func (db *DB) RevokeWaiver(ctx context.Context, id int64, reason string) (err error) {
	defer bulwark.Wrap(&err, "RevokeWaiver(%d)", id)
	if strings.TrimSpace(reason) == "" {
		return bulwark.FieldError("reason", "say why the waiver ends early")
	}
	return db.inTx(ctx, func(t *Tx) error {
		w, path, err := t.waiver(id)
		if err != nil {
			return err
		}
		if err := t.p.Authorize(bulwark.ActionWaiverApprove, path); err != nil {
			return err
		}
		if st := w.State(t.now); st == "revoked" || st == "expired" {
			return bulwark.Errorf(bulwark.ECONFLICT, "waiver %d is already %s", id, st)
		}
		if _, err := t.exec("UPDATE waivers SET revoked_at = ? WHERE id = ?", micros(t.now), id); err != nil {
			return err
		}
		after, _, err := t.waiver(id)
		if err != nil {
			return err
		}
		t.record("waiver.revoked", waiverSubject(id), path, w, after, reason)
		return nil
	})
}

// FindWaivers implements bulwark.CatalogService.
func (db *DB) FindWaivers(ctx context.Context, expiringDays int, page bulwark.Page) (out []*bulwark.Waiver, next string, err error) {
	defer bulwark.Wrap(&err, "FindWaivers")
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	if expiringDays < 0 || expiringDays > 3650 {
		return nil, "", bulwark.FieldError("expiring_days", "a number of days from 0 to 3650")
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		visible := t.p.VisibleScopes(bulwark.ActionWaiverRead)
		if len(visible) == 0 {
			return t.p.Authorize(bulwark.ActionWaiverRead, "/")
		}
		cond, args := scopeFilter("s.path", visible)
		where := []string{cond, "w.id > ?"}
		args = append(args, after)
		if expiringDays > 0 {
			where = append(where, "w.approved_at IS NOT NULL", "w.revoked_at IS NULL", "w.expires_at > ?", "w.expires_at <= ?")
			args = append(args, micros(t.now), micros(t.now.AddDate(0, 0, expiringDays)))
		}
		rows, err := t.query("SELECT "+waiverCols+", s.path FROM waivers w JOIN scopes s ON s.id = w.scope_id WHERE "+strings.Join(where, " AND ")+
			fmt.Sprintf(" ORDER BY w.id LIMIT %d", limit+1), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			w, _, err := scanWaiver(rows)
			if err != nil {
				return err
			}
			out = append(out, w)
		}
		return rows.Err()
	})
	if len(out) > limit {
		out = out[:limit]
		next = bulwark.CursorAfter(out[limit-1].ID)
	}
	return out, next, err
}

// FindWaiver implements bulwark.CatalogService.
func (db *DB) FindWaiver(ctx context.Context, id int64) (w *bulwark.Waiver, err error) {
	defer bulwark.Wrap(&err, "FindWaiver(%d)", id)
	err = db.readTx(ctx, func(t *Tx) error {
		var path string
		if w, path, err = t.waiver(id); err != nil {
			return err
		}
		if !t.p.Can(bulwark.ActionWaiverRead, path) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no waiver %d", id)
		}
		return nil
	})
	return w, err
}

// ActiveWaiver implements bulwark.CatalogService. It is used by checks of
// the system itself (the gate, findings), so it needs no read permission.
func (db *DB) ActiveWaiver(ctx context.Context, versionedPURL, scopePath string) (w *bulwark.Waiver, err error) {
	defer bulwark.Wrap(&err, "ActiveWaiver(%q)", versionedPURL)
	p, err := purl.Parse(versionedPURL)
	if err != nil {
		return nil, err
	}
	err = db.readTx(ctx, func(t *Tx) error {
		ws, err := t.activeWaivers(p.Component())
		if err != nil {
			return err
		}
		w = ws.find(p.Component(), p.Type, p.Version, scopePath)
		return nil
	})
	return w, err
}

// waiverSet holds active waivers by version-less purl.
type waiverSet map[string][]scopedWaiver

type scopedWaiver struct {
	*bulwark.Waiver
	path   string
	ranged ecosystem.Range
}

// activeWaivers loads the approved, unrevoked, unexpired waivers of one
// component, or of all components when component is "".
func (t *Tx) activeWaivers(component string) (waiverSet, error) {
	q := "SELECT " + waiverCols + ", s.path FROM waivers w JOIN scopes s ON s.id = w.scope_id " +
		"WHERE w.approved_at IS NOT NULL AND w.revoked_at IS NULL AND w.expires_at > ?"
	args := []any{micros(t.now)}
	if component != "" {
		q += " AND w.component_purl = ?"
		args = append(args, component)
	}
	rows, err := t.query(q+" ORDER BY w.expires_at DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := waiverSet{}
	for rows.Next() {
		w, path, err := scanWaiver(rows)
		if err != nil {
			return nil, err
		}
		r, err := ecosystem.ParseRange(w.Versions)
		if err != nil {
			continue
		}
		set[w.ComponentPURL] = append(set[w.ComponentPURL], scopedWaiver{w, path, r})
	}
	return set, rows.Err()
}

// find returns the waiver that lets version of a component be used in the
// scope at scopePath, or nil; the one expiring last wins. Waivers limited
// to one vulnerability do not count here.
func (s waiverSet) find(component, purlType, version, scopePath string) *bulwark.Waiver {
	return s.findFor(component, purlType, version, scopePath, "")
}

// findFor returns the waiver that suppresses vulnerability vulnKey in a
// component version in the scope at scopePath: one limited to that
// vulnerability, or one covering the version as a whole. With vulnKey ""
// only the latter count.
func (s waiverSet) findFor(component, purlType, version, scopePath, vulnKey string) *bulwark.Waiver {
	for _, w := range s[component] {
		if !bulwark.ScopeContains(w.path, scopePath) || w.Vulnerability != "" && w.Vulnerability != vulnKey {
			continue
		}
		if ok, _ := w.ranged.Contains(purlType, version); ok {
			return w.Waiver
		}
	}
	return nil
}
