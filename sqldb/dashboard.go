package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
)

var _ bulwark.DashboardService = (*DB)(nil)

// ageBands are the dashboard's age bands in days; the last is open-ended.
var ageBands = []bulwark.AgeBucket{
	{Label: "0–7 days", FromDays: 0, ToDays: 7},
	{Label: "7–30 days", FromDays: 7, ToDays: 30},
	{Label: "30–90 days", FromDays: 30, ToDays: 90},
	{Label: "90–180 days", FromDays: 90, ToDays: 180},
	{Label: "180+ days", FromDays: 180},
}

// queueBands are the certification queue's age bands in days.
var queueBands = []bulwark.QueueAge{
	{Label: "0–7 days", FromDays: 0, ToDays: 7},
	{Label: "7–30 days", FromDays: 7, ToDays: 30},
	{Label: "30+ days", FromDays: 30},
}

// Windows of the role dashboards.
const (
	waiverWindowDays  = 30 // waivers expiring soon
	supportWindowDays = 90 // support ending soon
	tokenWindowDays   = 14 // tokens expiring soon
	ledgerDays        = 30 // events per day
	dashboardRows     = 20 // rows of each list
)

// ratingOf turns a severity order back into its rating.
func ratingOf(severity int) string {
	for r, rank := range ratingRank {
		if rank == severity/1000 {
			return r
		}
	}
	return "unknown"
}

// findingFiguresFor returns the findings snapshot by the staleness rule of
// metrics.go.
func (db *DB) findingFiguresFor(ctx context.Context) (*snapshot[*findingFigures], error) {
	return db.metrics.findings.get(ctx, db, findingSnapshot)
}

// Dashboard sums the active findings the caller may see, from the findings
// snapshot: At is when it was taken.
func (db *DB) Dashboard(ctx context.Context) (d *bulwark.VulnDashboard, err error) {
	defer bulwark.Wrap(&err, "Dashboard")
	s, err := db.findingFiguresFor(ctx)
	if err != nil {
		return nil, err
	}
	paths := bulwark.PrincipalFrom(ctx).VisibleScopes(bulwark.ActionFindingRead)
	return s.value.view(paths).dashboard(s.value, s.at), nil
}

// FindingHistory implements bulwark.DashboardService.
func (db *DB) FindingHistory(ctx context.Context) (h []bulwark.WeekCount, err error) {
	defer bulwark.Wrap(&err, "FindingHistory")
	p := bulwark.PrincipalFrom(ctx)
	if p == nil {
		return nil, p.Authorize(bulwark.ActionFindingRead, "/")
	}
	s, err := db.findingFiguresFor(ctx)
	if err != nil {
		return nil, err
	}
	return s.value.view(p.VisibleScopes(bulwark.ActionFindingRead)).weeks(s.value), nil
}

// rolePaths are the scopes where p holds role: the roots of the subtrees
// that role's section covers.
func rolePaths(p *bulwark.Principal, role bulwark.Role) []string {
	only := &bulwark.Principal{Kind: p.Kind, UserID: p.UserID}
	for _, g := range p.Grants {
		if g.Role == role {
			only.Grants = append(only.Grants, g)
		}
	}
	return only.VisibleScopes(bulwark.ActionScopeRead)
}

// RoleDashboard implements bulwark.DashboardService: one section per role
// held, each over the scopes where the caller holds that role. Counts of
// findings and of the catalog's suppliers come from the snapshots; the
// rest are indexed reads of small tables.
func (db *DB) RoleDashboard(ctx context.Context) (d *bulwark.RoleDashboard, err error) {
	defer bulwark.Wrap(&err, "RoleDashboard")
	p := bulwark.PrincipalFrom(ctx)
	if p == nil {
		return nil, p.Authorize(bulwark.ActionScopeRead, "/")
	}
	d = &bulwark.RoleDashboard{Roles: []bulwark.Role{}}
	for _, r := range bulwark.Roles {
		if p.HasRole(r) {
			d.Roles = append(d.Roles, r)
		}
	}
	held := func(r bulwark.Role) bool { return p.HasRole(r) }
	var findings *snapshot[*findingFigures]
	if held(bulwark.RoleDeveloper) || held(bulwark.RoleBUSecurity) || held(bulwark.RoleProductSecurity) || held(bulwark.RolePSIRT) {
		if findings, err = db.findingFiguresFor(ctx); err != nil {
			return nil, err
		}
	}
	summary := func(r bulwark.Role) *bulwark.FindingSummary {
		return findings.value.view(rolePaths(p, r)).summary(findings.value, findings.at)
	}
	var catalog *snapshot[*catalogFigures]
	if held(bulwark.RoleSupplierManager) {
		if catalog, err = db.metrics.catalog.get(ctx, db, catalogSnapshot); err != nil {
			return nil, err
		}
	}
	err = db.readTx(ctx, func(t *Tx) error {
		d.At = t.now
		if held(bulwark.RoleDeveloper) {
			s := &bulwark.DeveloperDashboard{Findings: summary(bulwark.RoleDeveloper)}
			if err := t.myRequests(s); err != nil {
				return err
			}
			if err := t.failedGates(s, rolePaths(p, bulwark.RoleDeveloper)); err != nil {
				return err
			}
			d.Developer = s
		}
		if held(bulwark.RoleBUSecurity) {
			s := &bulwark.BUSecurityDashboard{Findings: summary(bulwark.RoleBUSecurity)}
			var err error
			cond := "w.approved_at IS NOT NULL AND w.revoked_at IS NULL AND w.expires_at > ? AND w.expires_at <= ?"
			s.ExpiringWaivers, _, err = t.dashboardWaivers(rolePaths(p, bulwark.RoleBUSecurity), cond, "w.expires_at, w.id",
				micros(t.now), micros(t.now.AddDate(0, 0, waiverWindowDays)))
			if err != nil {
				return err
			}
			d.BUSecurity = s
		}
		if held(bulwark.RoleProductSecurity) {
			s := &bulwark.ProductSecurityDashboard{Findings: summary(bulwark.RoleProductSecurity)}
			if err := t.certificationQueue(&s.Queue); err != nil {
				return err
			}
			var err error
			s.PendingWaivers, s.PendingCount, err = t.dashboardWaivers(rolePaths(p, bulwark.RoleProductSecurity),
				"w.approved_at IS NULL AND w.revoked_at IS NULL AND w.expires_at > ?", "w.id", micros(t.now))
			if err != nil {
				return err
			}
			d.ProductSecurity = s
		}
		if held(bulwark.RoleAuditor) {
			s := &bulwark.AuditorDashboard{}
			if err := t.ledgerFigures(s, rolePaths(p, bulwark.RoleAuditor)); err != nil {
				return err
			}
			d.Auditor = s
		}
		if held(bulwark.RolePSIRT) {
			paths := rolePaths(p, bulwark.RolePSIRT)
			f := findings.value
			d.PSIRT = &bulwark.PSIRTDashboard{Findings: summary(bulwark.RolePSIRT), Advisories: f.advisories,
				Recent: append([]bulwark.AdvisoryBrief{}, f.recent...), Top: append([]bulwark.ComponentExposure{}, f.view(paths).top...)}
		}
		if held(bulwark.RoleSupplierManager) {
			c := catalog.value
			s := &bulwark.SupplierDashboard{Suppliers: append([]bulwark.SupplierCount{}, c.suppliers...), SupplierTotal: c.total, NoSupplier: c.noSupplier}
			if err := t.supportEnding(s); err != nil {
				return err
			}
			d.SupplierManager = s
		}
		if held(bulwark.RoleAdmin) {
			s := &bulwark.AdminDashboard{ByRole: map[bulwark.Role]int{}, ByKind: map[bulwark.ScopeKind]int{}}
			if err := t.adminFigures(s, rolePaths(p, bulwark.RoleAdmin)); err != nil {
				return err
			}
			d.Admin = s
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// myRequests lists the caller's introduction requests, open ones first.
func (t *Tx) myRequests(s *bulwark.DeveloperDashboard) error {
	s.Requests = []bulwark.RequestStatus{}
	open := []any{string(bulwark.StateRequested), string(bulwark.StateUnderEvaluation)}
	if err := t.queryRow(`SELECT COUNT(*) FROM component_requests cr JOIN component_versions v ON v.id = cr.version_id
		WHERE cr.requester_id = ? AND v.state IN (?, ?)`, append([]any{t.p.UserID}, open...)...).Scan(&s.OpenRequests); err != nil {
		return err
	}
	return t.queryEach(`SELECT cr.id, v.id, v.purl, v.state, s.name, cr.intended_product, cr.created_at, v.updated_at
		FROM component_requests cr JOIN component_versions v ON v.id = cr.version_id JOIN scopes s ON s.id = cr.scope_id
		WHERE cr.requester_id = ? ORDER BY CASE WHEN v.state IN (?, ?) THEN 0 ELSE 1 END, cr.created_at DESC, cr.id DESC
		LIMIT `+strconv.Itoa(dashboardRows), append([]any{t.p.UserID}, open...), func(rows *sql.Rows) error {
		var r bulwark.RequestStatus
		var requested, updated int64
		err := rows.Scan(&r.RequestID, &r.VersionID, &r.PURL, &r.State, &r.Scope, &r.IntendedProduct, &requested, &updated)
		r.RequestedAt, r.UpdatedAt = fromMicros(requested), fromMicros(updated)
		s.Requests = append(s.Requests, r)
		return err
	})
}

// failedGates lists the releases in paths whose latest gate run failed,
// newest first. The latest run of each release is one index lookup.
func (t *Tx) failedGates(s *bulwark.DeveloperDashboard, paths []string) error {
	s.FailedGates = []bulwark.GateFailure{}
	cond, args := scopeFilter("s.path", paths)
	type run struct {
		bulwark.GateFailure
		checks string
	}
	var runs []run
	err := t.queryEach(`SELECT g.id, r.id, pr.name, r.version, r.state, s.name, g.checks, g.created_at, g.created_by
		FROM releases r JOIN products pr ON pr.id = r.product_id JOIN scopes s ON s.id = pr.scope_id
		JOIN gate_runs g ON g.id = (SELECT MAX(g2.id) FROM gate_runs g2 WHERE g2.release_id = r.id)
		WHERE g.outcome = ? AND `+cond+` ORDER BY g.created_at DESC, g.id DESC`, append([]any{string(bulwark.GateFail)}, args...), func(rows *sql.Rows) error {
		s.FailedGateCount++
		if len(runs) == dashboardRows {
			return nil
		}
		var r run
		var at int64
		err := rows.Scan(&r.RunID, &r.Release.ID, &r.Release.Product, &r.Release.Version, &r.State, &r.Scope, &r.checks, &at, &r.By)
		r.At = fromMicros(at)
		runs = append(runs, r)
		return err
	})
	if err != nil {
		return err
	}
	for _, r := range runs {
		var checks []struct{ Outcome bulwark.GateOutcome }
		if err := json.Unmarshal([]byte(r.checks), &checks); err != nil {
			return fmt.Errorf("gate run %d: %w", r.RunID, err)
		}
		for _, c := range checks {
			if c.Outcome == bulwark.GateFail {
				r.Failures++
			}
		}
		s.FailedGates = append(s.FailedGates, r.GateFailure)
	}
	return nil
}

// dashboardWaivers lists the waivers in paths that meet cond (with args),
// in order, at most dashboardRows of them, and counts them all.
func (t *Tx) dashboardWaivers(paths []string, cond, order string, args ...any) ([]*bulwark.Waiver, int, error) {
	scope, sargs := scopeFilter("s.path", paths)
	args = append(args, sargs...)
	out := []*bulwark.Waiver{}
	n := 0
	err := t.queryEach("SELECT "+waiverCols+", s.path FROM waivers w JOIN scopes s ON s.id = w.scope_id WHERE "+cond+" AND "+scope+" ORDER BY "+order, args,
		func(rows *sql.Rows) error {
			n++
			if len(out) == dashboardRows {
				return nil
			}
			w, _, err := scanWaiver(rows)
			out = append(out, w)
			return err
		})
	return out, n, err
}

// certificationQueue counts the versions waiting for product security by
// state and age, and lists the oldest.
func (t *Tx) certificationQueue(q *bulwark.CertificationQueue) error {
	day := int64(24 * time.Hour / time.Microsecond)
	now := micros(t.now)
	band := "CASE"
	for i, b := range queueBands[:len(queueBands)-1] {
		band += " WHEN v.created_at > " + strconv.FormatInt(now-int64(b.ToDays)*day, 10) + " THEN " + strconv.Itoa(i)
	}
	band += " ELSE " + strconv.Itoa(len(queueBands)-1) + " END"
	q.ByAge = append([]bulwark.QueueAge{}, queueBands...)
	waiting := []any{string(bulwark.StateRequested), string(bulwark.StateUnderEvaluation)}
	if err := t.queryEach(`SELECT v.state, `+band+`, COUNT(*) FROM component_versions v WHERE v.state IN (?, ?) GROUP BY 1, 2`, waiting, func(rows *sql.Rows) error {
		var state bulwark.VersionState
		var b, n int
		if err := rows.Scan(&state, &b, &n); err != nil {
			return err
		}
		if state == bulwark.StateRequested {
			q.Requested += n
			q.ByAge[b].Requested += n
		} else {
			q.UnderEvaluation += n
			q.ByAge[b].UnderEvaluation += n
		}
		return nil
	}); err != nil {
		return err
	}
	q.Oldest = []*bulwark.ComponentVersion{}
	return t.queryEach("SELECT "+versionCols+" FROM component_versions v JOIN components c ON c.id = v.component_id WHERE v.state IN (?, ?) ORDER BY v.id LIMIT 10",
		waiting, func(rows *sql.Rows) error {
			v, err := scanVersion(rows)
			q.Oldest = append(q.Oldest, v)
			return err
		})
}

// ledgerFigures reads the ledger's size, the events per day in paths over
// the last ledgerDays days (through the index on their time), and the
// latest signed checkpoint.
func (t *Tx) ledgerFigures(s *bulwark.AuditorDashboard, paths []string) error {
	var err error
	if s.LedgerSize, err = t.ledgerSize(); err != nil {
		return err
	}
	today := t.now.UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -(ledgerDays - 1))
	for i := range ledgerDays {
		s.PerDay = append(s.PerDay, bulwark.DayCount{Day: start.AddDate(0, 0, i)})
	}
	day := int64(24 * time.Hour / time.Microsecond)
	cond, args := scopeFilter("scope", paths)
	if err := t.queryEach(`SELECT (at - ?) / ?, COUNT(*) FROM ledger_events WHERE at >= ? AND `+cond+` GROUP BY 1`,
		append([]any{micros(start), day, micros(start)}, args...), func(rows *sql.Rows) error {
			var i int64
			var n int
			if err := rows.Scan(&i, &n); err != nil {
				return err
			}
			if i >= 0 && i < int64(len(s.PerDay)) { // events stamped after the store's clock stay out
				s.PerDay[i].Events += n
				s.Events += n
			}
			return nil
		}); err != nil {
		return err
	}
	var cp bulwark.CheckpointRef
	var at int64
	err = t.queryRow("SELECT size, created_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1").Scan(&cp.Size, &at)
	switch err {
	case nil:
		cp.Time = fromMicros(at)
		s.Checkpoint = &cp
	case sql.ErrNoRows:
	default:
		return err
	}
	return nil
}

// supportEnding lists the usable versions whose supplier support ends
// within supportWindowDays (or has ended), soonest first.
func (t *Tx) supportEnding(s *bulwark.SupplierDashboard) error {
	s.SupportEnding = []*bulwark.ComponentVersion{}
	return t.queryEach("SELECT "+versionCols+` FROM component_versions v JOIN components c ON c.id = v.component_id
		WHERE v.support_ends IS NOT NULL AND v.support_ends <= ? AND v.state IN (?, ?) ORDER BY v.support_ends, v.id`,
		[]any{micros(t.now.AddDate(0, 0, supportWindowDays)), string(bulwark.StateCertified), string(bulwark.StateDeprecated)}, func(rows *sql.Rows) error {
			s.SupportEndingCount++
			if len(s.SupportEnding) == dashboardRows {
				return nil
			}
			v, err := scanVersion(rows)
			s.SupportEnding = append(s.SupportEnding, v)
			return err
		})
}

// adminFigures counts the users, grants, scopes and tokens in paths. A
// user counts when homed there or granted a role there, as the user
// directory lists them.
func (t *Tx) adminFigures(s *bulwark.AdminDashboard, paths []string) error {
	home, args := scopeFilter("s.path", paths)
	granted, gargs := scopeFilter("gs.path", paths)
	if err := t.queryEach(`SELECT u.disabled, (SELECT COUNT(*) FROM grants g WHERE g.user_id = u.id) FROM users u JOIN scopes s ON s.id = u.home_scope_id
		WHERE `+home+` OR u.id IN (SELECT g.user_id FROM grants g JOIN scopes gs ON gs.id = g.scope_id WHERE `+granted+`)`, append(args, gargs...), func(rows *sql.Rows) error {
		var disabled bool
		var grants int
		if err := rows.Scan(&disabled, &grants); err != nil {
			return err
		}
		s.Users++
		if disabled {
			s.Disabled++
		}
		if grants == 0 {
			s.WithoutRole++
		}
		return nil
	}); err != nil {
		return err
	}
	for _, r := range bulwark.Roles {
		s.ByRole[r] = 0
	}
	if err := t.queryEach(`SELECT g.role, COUNT(*) FROM grants g JOIN scopes gs ON gs.id = g.scope_id WHERE `+granted+` GROUP BY g.role`, gargs, func(rows *sql.Rows) error {
		var r bulwark.Role
		var n int
		err := rows.Scan(&r, &n)
		s.ByRole[r] = n
		return err
	}); err != nil {
		return err
	}
	if err := t.queryEach(`SELECT s.kind, COUNT(*) FROM scopes s WHERE `+home+` GROUP BY s.kind`, args, func(rows *sql.Rows) error {
		var k bulwark.ScopeKind
		var n int
		err := rows.Scan(&k, &n)
		s.ByKind[k] = n
		s.Scopes += n
		return err
	}); err != nil {
		return err
	}
	now := micros(t.now)
	soon := micros(t.now.AddDate(0, 0, tokenWindowDays))
	return t.queryRow(`SELECT COALESCE(SUM(CASE WHEN t.expires_at > ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN t.expires_at > ? AND t.expires_at <= ? THEN 1 ELSE 0 END), 0)
		FROM tokens t JOIN users u ON u.id = t.user_id JOIN scopes s ON s.id = u.home_scope_id WHERE t.revoked_at IS NULL AND `+home,
		append([]any{now, now, soon}, args...)...).Scan(&s.ActiveTokens, &s.ExpiringTokens)
}
