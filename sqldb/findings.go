package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

var _ bulwark.FindingService = (*DB)(nil)

func findingSubject(id int64) string { return fmt.Sprintf("finding:%d", id) }

const findingCols = `f.id, f.release_id, pr.name, r.version, f.package_id, p.name, p.version, p.purl, f.vuln_key, f.advisories, f.rating, f.score, f.fixed,
	f.state, f.justification, f.response, f.detail, f.owner, COALESCE(f.inherited_from, 0), f.sla_due, f.active, f.created_at, f.updated_at,
	s.name, COALESCE(x.epss, 0), COALESCE(x.epss_percentile, 0), x.kev_added IS NOT NULL, p.component, s.path`

const findingJoins = ` FROM findings f JOIN releases r ON r.id = f.release_id JOIN products pr ON pr.id = r.product_id
	JOIN scopes s ON s.id = pr.scope_id JOIN packages p ON p.id = f.package_id LEFT JOIN exploit_signals x ON x.cve = f.vuln_key`

// ratingRank orders ratings; unknown ones rank lowest.
var ratingRank = map[string]int{"critical": 5, "high": 4, "medium": 3, "low": 2, "none": 1}

// severityOrder is the worklist's sort key: the rating's rank, then the
// score (a record rated only by a word has none).
func severityOrder(rating string, score float64) int {
	return ratingRank[rating]*1000 + int(score*10)
}

// place is where a scanned finding sits, for matching waivers.
type place struct{ component, path string }

// scanFinding reads findingCols, then any further columns into extra.
func scanFinding(row interface{ Scan(...any) error }, extra ...any) (*bulwark.VulnFinding, place, error) {
	var f bulwark.VulnFinding
	var at place
	var advisories, fixed string
	var due sql.NullInt64
	var created, updated int64
	if err := row.Scan(append([]any{&f.ID, &f.Release.ID, &f.Release.Product, &f.Release.Version, &f.PackageID, &f.Component, &f.Version, &f.PURL, &f.Key,
		&advisories, &f.Rating, &f.Score, &fixed, &f.State, &f.Justification, &f.Response, &f.Detail, &f.Owner, &f.InheritedFrom, &due, &f.Active,
		&created, &updated, &f.Scope, &f.EPSS, &f.EPSSPercentile, &f.KEV, &at.component, &at.path}, extra...)...); err != nil {
		return nil, at, err
	}
	if strings.HasPrefix(f.PURL, "name:") {
		f.PURL = ""
	}
	if err := json.Unmarshal([]byte(advisories), &f.Advisories); err != nil {
		return nil, at, err
	}
	if err := json.Unmarshal([]byte(fixed), &f.Fixed); err != nil {
		return nil, at, err
	}
	f.SLADue, f.CreatedAt, f.UpdatedAt = nullMicros(due), fromMicros(created), fromMicros(updated)
	return &f, at, nil
}

// waive marks the findings an active waiver covers (WaiverID). Waivers
// expire by themselves, so this is worked out on every read.
func (t *Tx) waive(fs []*bulwark.VulnFinding, at []place) error {
	if len(fs) == 0 {
		return nil
	}
	ws, err := t.activeWaivers("")
	if err != nil || len(ws) == 0 {
		return err
	}
	for i, f := range fs {
		if w := ws.findFor(at[i].component, purlType(at[i].component), f.Version, at[i].path, f.Key); w != nil {
			f.WaiverID = w.ID
		}
	}
	return nil
}

// finding loads a finding the caller may take action on.
func (t *Tx) finding(id int64, action bulwark.Action) (*bulwark.VulnFinding, string, error) {
	f, at, err := scanFinding(t.queryRow("SELECT "+findingCols+findingJoins+" WHERE f.id = ?", id))
	if err == sql.ErrNoRows || err == nil && !t.p.Can(bulwark.ActionFindingRead, at.path) {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "no finding %d", id)
	}
	if err != nil {
		return nil, "", err
	}
	if err := t.waive([]*bulwark.VulnFinding{f}, []place{at}); err != nil {
		return nil, "", err
	}
	return f, at.path, t.p.Authorize(action, at.path)
}

// worklistOrder is the ORDER BY of each worklist order.
var worklistOrder = map[string]string{
	bulwark.SortSeverity: "f.severity DESC, f.id",
	bulwark.SortAge:      "f.created_at, f.id",
	bulwark.SortDue:      "f.sla_due IS NULL, f.sla_due, f.id",
	bulwark.SortEPSS:     "COALESCE(x.epss, -1) DESC, f.severity DESC, f.id",
}

// Findings lists the findings the caller may see, in the filter's order;
// the cursor is an offset.
func (db *DB) Findings(ctx context.Context, ff bulwark.FindingFilter, page bulwark.Page) (out []*bulwark.VulnFinding, next string, err error) {
	defer bulwark.Wrap(&err, "Findings")
	if err := ff.Validate(); err != nil {
		return nil, "", err
	}
	offset, err := page.After()
	if err != nil {
		return nil, "", err
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		w := t.findingConds(ff)
		order := worklistOrder[cmp.Or(ff.Sort, bulwark.SortSeverity)]
		rows, err := t.query("SELECT "+findingCols+findingJoins+" WHERE "+w.sql()+" ORDER BY "+order+" LIMIT ? OFFSET ?", append(w.args, limit+1, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*bulwark.VulnFinding{}
		var at []place
		for rows.Next() {
			f, pl, err := scanFinding(rows)
			if err != nil {
				return err
			}
			out, at = append(out, f), append(at, pl)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) > limit {
			out, at = out[:limit], at[:limit]
			next = bulwark.CursorAfter(offset + int64(limit))
		}
		return t.waive(out, at)
	})
	return out, next, err
}

// findingConds turns a worklist filter into conditions, always limited to
// the scopes the caller may read findings in.
func (t *Tx) findingConds(ff bulwark.FindingFilter) where {
	cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionFindingRead))
	w := where{conds: []string{cond}, args: args}
	if !ff.All {
		w.add("f.active = TRUE")
	}
	if ff.ReleaseID != 0 {
		w.add("f.release_id = ?", ff.ReleaseID)
	}
	if ff.State != "" {
		w.add("f.state = ?", ff.State)
	}
	if ff.Open || ff.Overdue {
		w.add("f.state IN (?, ?)", bulwark.FindingInTriage, bulwark.FindingAffected)
	}
	if ff.Overdue {
		w.add("f.sla_due <= ?", micros(t.now))
	}
	switch ff.Rating {
	case "":
	case "unknown":
		w.add("f.rating = ''")
	default:
		w.add("f.rating = ?", ff.Rating)
	}
	if ff.Component != "" {
		w.add(`p.name LIKE ? ESCAPE '\'`, likeEscape(ff.Component)+"%")
	}
	if ff.KEV {
		w.add("x.kev_added IS NOT NULL")
	}
	if ff.Key != "" {
		w.add("f.vuln_key IN (SELECT a.vuln_key FROM advisory_aliases al JOIN advisories a ON a.id = al.advisory_id WHERE al.alias = ?)", ff.Key)
	}
	return w
}

// TriageFinding records a VEX analysis and carries it forward along the
// release's lineage: each later release's finding for the same package and
// vulnerability that nobody has analysed there (still in triage, or
// inherited) takes it, marked inherited.
func (db *DB) TriageFinding(ctx context.Context, id int64, tr bulwark.Triage) (f *bulwark.VulnFinding, err error) {
	defer bulwark.Wrap(&err, "TriageFinding(%d)", id)
	if err := tr.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		f, err = t.triage(id, tr)
		return err
	})
	return f, err
}

// TriageFindings records one decision on several findings, all or none.
func (db *DB) TriageFindings(ctx context.Context, ids []int64, tr bulwark.Triage) (out []*bulwark.VulnFinding, err error) {
	defer bulwark.Wrap(&err, "TriageFindings(%d findings)", len(ids))
	switch {
	case len(ids) == 0:
		return nil, bulwark.FieldError("ids", "select at least one finding")
	case len(ids) > bulwark.MaxBulkTriage:
		return nil, bulwark.FieldError("ids", "at most %d findings at once, not %d", bulwark.MaxBulkTriage, len(ids))
	}
	if err := tr.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		out = make([]*bulwark.VulnFinding, 0, len(ids))
		seen := map[int64]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			f, err := t.triage(id, tr)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// triage records a decision on one finding and carries it forward.
func (t *Tx) triage(id int64, tr bulwark.Triage) (*bulwark.VulnFinding, error) {
	before, path, err := t.finding(id, bulwark.ActionFindingTriage)
	if err != nil {
		return nil, err
	}
	// closed_at keeps the first time the finding stopped being open.
	const closing = "closed_at = CASE WHEN active AND ? THEN NULL ELSE COALESCE(closed_at, ?) END"
	if _, err := t.exec(`UPDATE findings SET state = ?, justification = ?, response = ?, detail = ?, owner = ?, inherited_from = NULL, `+closing+`, updated_at = ? WHERE id = ?`,
		tr.State, tr.Justification, tr.Response, tr.Detail, tr.Owner, tr.State.Open(), micros(t.now), micros(t.now), id); err != nil {
		return nil, err
	}
	carried := 0
	release, pkgID := before.Release.ID, before.PackageID
	for range 1000 {
		var next int64
		err := t.queryRow("SELECT id FROM releases WHERE predecessor_id = ? ORDER BY id LIMIT 1", release).Scan(&next)
		if err == sql.ErrNoRows {
			break
		}
		if err != nil {
			return nil, err
		}
		res, err := t.exec(`UPDATE findings SET state = ?, justification = ?, response = ?, detail = ?, owner = ?, inherited_from = ?, `+closing+`, updated_at = ?
			WHERE release_id = ? AND package_id = ? AND vuln_key = ? AND (state = ? OR inherited_from IS NOT NULL)`,
			tr.State, tr.Justification, tr.Response, tr.Detail, tr.Owner, id, tr.State.Open(), micros(t.now), micros(t.now), next, pkgID, before.Key, bulwark.FindingInTriage)
		if err != nil {
			return nil, err
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			break
		}
		carried += int(n)
		release = next
	}
	f, _, err := t.finding(id, bulwark.ActionFindingRead)
	if err != nil {
		return nil, err
	}
	f.Carried = carried
	reason := tr.Reason
	if carried > 0 {
		reason += fmt.Sprintf(" (carried to %d later release(s))", carried)
	}
	t.record("finding.triaged", findingSubject(id), path, before, f, strings.TrimSpace(reason))
	return f, nil
}

// Impact answers, for a vulnerability id or alias, which releases carry
// it, in which component versions and how, with the findings' states.
func (db *DB) Impact(ctx context.Context, vulnID string, page bulwark.Page) (imp *bulwark.Impact, err error) {
	defer bulwark.Wrap(&err, "Impact(%q)", vulnID)
	offset, err := page.After()
	if err != nil {
		return nil, err
	}
	advisories, err := db.FindAdvisories(ctx, vulnID)
	if err != nil {
		return nil, err
	}
	imp = &bulwark.Impact{Key: advisories[0].Key, Advisories: advisories, Rows: []bulwark.ImpactRow{}, ByState: map[bulwark.FindingState]int{}}
	err = db.readTx(ctx, func(t *Tx) error {
		cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionFindingRead))
		args = append([]any{imp.Key}, args...)
		const joins = ` FROM findings f JOIN releases r ON r.id = f.release_id JOIN products pr ON pr.id = r.product_id JOIN scopes s ON s.id = pr.scope_id`
		where := ` WHERE f.vuln_key = ? AND f.active = TRUE AND ` + cond
		// The counts cover every row; only the page's rows are read whole.
		// A caller who sees the whole organisation needs no scope joins, and
		// the counts come from the (vuln_key, active, release_id, state)
		// index alone.
		countJoins, countWhere, countArgs := joins, where, args
		if whole, err := t.seesEverything(bulwark.ActionFindingRead); err != nil {
			return err
		} else if whole {
			countJoins, countWhere, countArgs = ` FROM findings f`, ` WHERE f.vuln_key = ? AND f.active = TRUE`, []any{imp.Key}
		}
		if err := t.queryRow(`SELECT COUNT(DISTINCT f.release_id)`+countJoins+countWhere, countArgs...).Scan(&imp.Releases); err != nil {
			return err
		}
		if err := t.queryRow(`SELECT COUNT(DISTINCT r.product_id) FROM releases r WHERE r.id IN (SELECT f.release_id`+countJoins+countWhere+`)`,
			countArgs...).Scan(&imp.Products); err != nil {
			return err
		}
		if err := t.queryEach(`SELECT f.state, COUNT(*)`+countJoins+countWhere+` GROUP BY f.state`, countArgs, func(rows *sql.Rows) error {
			var s bulwark.FindingState
			var n int
			err := rows.Scan(&s, &n)
			imp.ByState[s] = n
			return err
		}); err != nil {
			return err
		}
		// Release order follows the index, so a page stops early.
		q := `SELECT ` + findingCols + `, r.state, s.name` + findingJoins + where + ` ORDER BY f.release_id, f.id`
		if page.Limit > 0 {
			q, args = q+" LIMIT ? OFFSET ?", append(args, page.Limit+1, offset)
		}
		rows, err := t.query(q, args...)
		if err != nil {
			return err
		}
		var usages []*bulwark.Usage
		byRelease := map[int64]*bulwark.Usage{}
		var pkgIDs []any
		for rows.Next() {
			var row bulwark.ImpactRow
			f, _, err := scanFinding(rows, &row.State, &row.Scope)
			if err != nil {
				rows.Close()
				return err
			}
			row.Release, row.FindingID, row.Finding, row.Inherited = f.Release, f.ID, f.State, f.InheritedFrom != 0
			row.Component, row.Version, row.PURL, row.Fixed = f.Component, f.Version, f.PURL, f.Fixed
			imp.Rows = append(imp.Rows, row)
			if byRelease[f.Release.ID] == nil {
				u := &bulwark.Usage{Release: f.Release}
				byRelease[f.Release.ID] = u
				usages = append(usages, u)
			}
			if !slices.Contains(pkgIDs, any(f.PackageID)) {
				pkgIDs = append(pkgIDs, f.PackageID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if page.Limit > 0 && len(imp.Rows) > page.Limit {
			imp.Rows = imp.Rows[:page.Limit]
			imp.Next = bulwark.CursorAfter(offset + int64(page.Limit))
		}
		if len(usages) == 0 {
			return nil
		}
		// Paths through each SBOM's graph, as where-used finds them.
		if err := t.fillMatches(usages, pkgIDs, nil); err != nil {
			return err
		}
		for i := range imp.Rows {
			row := &imp.Rows[i]
			row.Path = []bulwark.PathStep{}
			for _, m := range byRelease[row.Release.ID].Matches {
				if m.Version == row.Version && (m.PURL == row.PURL || row.PURL == "") {
					row.Path, row.Direct = m.Path, m.Direct
					break
				}
			}
		}
		return nil
	})
	return imp, err
}

// FindFinding returns one finding the caller may see. Errors: ENOTFOUND.
func (db *DB) FindFinding(ctx context.Context, id int64) (f *bulwark.VulnFinding, err error) {
	defer bulwark.Wrap(&err, "FindFinding(%d)", id)
	err = db.readTx(ctx, func(t *Tx) error {
		f, _, err = t.finding(id, bulwark.ActionFindingRead)
		return err
	})
	return f, err
}
