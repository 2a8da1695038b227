package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// ageBands are the dashboard's age bands in days; the last is open-ended.
var ageBands = []bulwark.AgeBucket{
	{Label: "0–7 days", FromDays: 0, ToDays: 7},
	{Label: "7–30 days", FromDays: 7, ToDays: 30},
	{Label: "30–90 days", FromDays: 30, ToDays: 90},
	{Label: "90–180 days", FromDays: 90, ToDays: 180},
	{Label: "180+ days", FromDays: 180},
}

// ratingOf turns a severity order back into its rating.
func ratingOf(severity int) string {
	for r, rank := range ratingRank {
		if rank == severity/1000 {
			return r
		}
	}
	return "unknown"
}

// Dashboard sums the active findings the caller may see. The counting is
// done by the database, grouped; only the groups come back.
func (db *DB) Dashboard(ctx context.Context) (d *bulwark.VulnDashboard, err error) {
	defer bulwark.Wrap(&err, "Dashboard")
	err = db.readTx(ctx, func(t *Tx) error {
		d = &bulwark.VulnDashboard{At: t.now, ByRating: map[string]int{}, ByState: map[bulwark.FindingState]int{},
			Top: []bulwark.ComponentExposure{}, Scopes: []bulwark.ScopeRollup{}}
		for _, r := range bulwark.Ratings {
			d.ByRating[r] = 0
		}
		for _, s := range bulwark.FindingStates {
			d.ByState[s] = 0
		}
		for _, b := range ageBands {
			b.ByRating = map[string]int{}
			d.ByAge = append(d.ByAge, b)
		}
		cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionFindingRead))
		day := int64(24 * time.Hour / time.Microsecond)
		now := micros(t.now)
		band := "CASE"
		for i, b := range ageBands[:len(ageBands)-1] {
			band += " WHEN f.created_at > " + strconv.FormatInt(now-int64(b.ToDays)*day, 10) + " THEN " + strconv.Itoa(i)
		}
		band += " ELSE " + strconv.Itoa(len(ageBands)-1) + " END"
		sla := "CASE WHEN f.sla_due IS NULL THEN 0 WHEN f.sla_due <= " + strconv.FormatInt(now, 10) + " THEN 1 WHEN f.sla_due <= " + strconv.FormatInt(now+7*day, 10) + " THEN 2 ELSE 3 END"
		rows, err := t.query(`SELECT s.name, s.path, f.state, f.rating, `+band+`, `+sla+`, x.kev_added IS NOT NULL, COUNT(*)
			FROM findings f JOIN releases r ON r.id = f.release_id JOIN products pr ON pr.id = r.product_id JOIN scopes s ON s.id = pr.scope_id
			LEFT JOIN exploit_signals x ON x.cve = f.vuln_key
			WHERE f.active = TRUE AND `+cond+` GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 2`, args...)
		if err != nil {
			return err
		}
		scopes := map[string]*bulwark.ScopeRollup{}
		for rows.Next() {
			var name, path, rating string
			var state bulwark.FindingState
			var ageBand, slaState, n int
			var kev bool
			if err := rows.Scan(&name, &path, &state, &rating, &ageBand, &slaState, &kev, &n); err != nil {
				rows.Close()
				return err
			}
			d.ByState[state] += n
			if !state.Open() {
				continue
			}
			if rating == "" {
				rating = "unknown"
			}
			sr := scopes[path]
			if sr == nil {
				sr = &bulwark.ScopeRollup{Scope: name, Path: path, ByRating: map[string]int{}}
				scopes[path] = sr
			}
			d.Open += n
			d.ByRating[rating] += n
			d.ByAge[ageBand].ByRating[rating] += n
			sr.Open += n
			sr.ByRating[rating] += n
			switch slaState {
			case 0:
				d.SLA.NoSLA += n
			case 1:
				d.SLA.Breached += n
				sr.Breached += n
			case 2:
				d.SLA.DueSoon += n
			default:
				d.SLA.OnTrack += n
			}
			if kev {
				d.KEV += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, sr := range scopes {
			d.Scopes = append(d.Scopes, *sr)
		}
		slices.SortFunc(d.Scopes, func(a, b bulwark.ScopeRollup) int { return b.Open - a.Open })

		open := " AND f.state IN ('" + string(bulwark.FindingInTriage) + "', '" + string(bulwark.FindingAffected) + "')"
		rows, err = t.query(`SELECT p.name, p.version, p.purl, COUNT(DISTINCT f.release_id), COUNT(DISTINCT f.vuln_key), MAX(f.severity)
			FROM findings f JOIN releases r ON r.id = f.release_id JOIN products pr ON pr.id = r.product_id JOIN scopes s ON s.id = pr.scope_id
			JOIN packages p ON p.id = f.package_id
			WHERE f.active = TRUE`+open+` AND `+cond+` GROUP BY p.id, p.name, p.version, p.purl ORDER BY 4 DESC, 5 DESC, 6 DESC, p.name LIMIT 10`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c bulwark.ComponentExposure
			var worst int
			if err := rows.Scan(&c.Component, &c.Version, &c.PURL, &c.Releases, &c.Vulnerabilities, &worst); err != nil {
				rows.Close()
				return err
			}
			if strings.HasPrefix(c.PURL, "name:") {
				c.PURL = ""
			}
			c.Worst = ratingOf(worst)
			d.Top = append(d.Top, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if d.Suppressed, err = t.suppressedCount(cond+open, args); err != nil {
			return err
		}
		return t.queryRow("SELECT COUNT(*) FROM advisories").Scan(&d.Advisories)
	})
	return d, err
}

// suppressedCount counts the open findings an active waiver covers: only
// the waived components' findings are read.
func (t *Tx) suppressedCount(cond string, args []any) (int, error) {
	ws, err := t.activeWaivers("")
	if err != nil || len(ws) == 0 {
		return 0, err
	}
	components := make([]any, 0, len(ws))
	for c := range ws {
		components = append(components, c)
	}
	n := 0
	err = t.queryInAfter(`SELECT f.vuln_key, p.version, p.component, s.path
		FROM findings f JOIN releases r ON r.id = f.release_id JOIN products pr ON pr.id = r.product_id JOIN scopes s ON s.id = pr.scope_id
		JOIN packages p ON p.id = f.package_id WHERE f.active = TRUE AND `+cond+` AND p.component IN `, args, components, func(rows *sql.Rows) error {
		var key, version, component, path string
		if err := rows.Scan(&key, &version, &component, &path); err != nil {
			return err
		}
		if ws.findFor(component, purlType(component), version, path, key) != nil {
			n++
		}
		return nil
	})
	return n, err
}
