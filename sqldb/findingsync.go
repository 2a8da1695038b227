package sqldb

import (
	"cmp"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
)

// Finding bookkeeping, set-wise across releases. What matching last found
// for each package version is kept in package_matches, one row per
// (package, vulnerability); a release's findings are those rows for the
// packages it holds. Matching a set of packages again compares the fresh
// answer with the stored rows, and only where it changed are the findings
// of the releases holding the package touched. So re-matching the whole
// portfolio costs one evaluation per distinct package version, not one
// per release.

// pair is one (package, vulnerability key).
type pair struct {
	pkg int64
	key string
}

// pairMatch is what matching found for a pair, as findings store it.
type pairMatch struct {
	advisories, fixed, rating string
	score                     float64
}

// findingChange counts what matching did to a release's findings.
type findingChange struct {
	New, Inherited, Updated, Resolved int
}

func (c *findingChange) add(o findingChange) {
	c.New, c.Inherited, c.Updated, c.Resolved = c.New+o.New, c.Inherited+o.Inherited, c.Updated+o.Updated, c.Resolved+o.Resolved
}

// findingChanges are the changes by release.
type findingChanges map[int64]*findingChange

func (cs findingChanges) at(release int64) *findingChange {
	if cs[release] == nil {
		cs[release] = &findingChange{}
	}
	return cs[release]
}

func (cs findingChanges) total() findingChange {
	var t findingChange
	for _, c := range cs {
		t.add(*c)
	}
	return t
}

func comparePairs(a, b pair) int { return cmp.Or(cmp.Compare(a.pkg, b.pkg), cmp.Compare(a.key, b.key)) }

// syncMatches matches packages against the advisories as they now are and
// brings in line package_matches and the findings of every release that
// holds one of them: new answers become findings (or reactivate resolved
// ones), changed answers refresh the findings, answers gone resolve them.
// It returns the answers, as package_matches now holds them for ps.
func (t *Tx) syncMatches(ps []*pkg, changes findingChanges) (map[pair]pairMatch, error) {
	fresh := map[pair]pairMatch{}
	if len(ps) == 0 {
		return fresh, nil
	}
	targets := make([]*target, len(ps))
	ids := make([]any, len(ps))
	for i, p := range ps {
		ids[i] = p.id
		if p.osvEco != "" && p.version != "" {
			targets[i] = &target{id: ecosystem.Identity{Ecosystem: p.osvEco}, key: p.osvName, version: p.version}
		}
	}
	matches, _, err := t.match(targets)
	if err != nil {
		return nil, err
	}
	for i, ms := range matches {
		for _, m := range ms {
			// Records of one vulnerability share its key; the first (by id) stands for it.
			k := pair{ps[i].id, m.Key}
			if _, ok := fresh[k]; !ok {
				fresh[k] = pairMatch{jsonText(m.IDs), jsonText(m.Fixed), m.Rating, m.Score}
			}
		}
	}
	stored, err := t.packageMatches(ids)
	if err != nil {
		return nil, err
	}
	var added, changed, gone []pair
	for k, m := range fresh {
		if s, ok := stored[k]; !ok {
			added = append(added, k)
		} else if s != m {
			changed = append(changed, k)
		}
	}
	for k := range stored {
		if _, ok := fresh[k]; !ok {
			gone = append(gone, k)
		}
	}
	slices.SortFunc(added, comparePairs)
	slices.SortFunc(changed, comparePairs)
	slices.SortFunc(gone, comparePairs)

	now := micros(t.now)
	for _, k := range changed {
		m := fresh[k]
		if _, err := t.exec("UPDATE package_matches SET advisories = ?, fixed = ?, rating = ?, score = ? WHERE package_id = ? AND vuln_key = ?",
			m.advisories, m.fixed, m.rating, m.score, k.pkg, k.key); err != nil {
			return nil, err
		}
		// Resolved findings are refreshed when they come back.
		if _, err := t.exec("UPDATE findings SET advisories = ?, rating = ?, score = ?, severity = ?, fixed = ?, updated_at = ? WHERE package_id = ? AND vuln_key = ? AND active = TRUE",
			m.advisories, m.rating, m.score, severityOrder(m.rating, m.score), m.fixed, now, k.pkg, k.key); err != nil {
			return nil, err
		}
	}
	for _, k := range gone {
		if _, err := t.exec("DELETE FROM package_matches WHERE package_id = ? AND vuln_key = ?", k.pkg, k.key); err != nil {
			return nil, err
		}
		var resolved []any
		if err := t.queryEach("SELECT id, release_id FROM findings WHERE package_id = ? AND vuln_key = ? AND active = TRUE", []any{k.pkg, k.key}, func(rows *sql.Rows) error {
			var id, release int64
			err := rows.Scan(&id, &release)
			resolved = append(resolved, id)
			changes.at(release).Resolved++
			return err
		}); err != nil {
			return nil, err
		}
		if err := t.resolveFindings(resolved); err != nil {
			return nil, err
		}
	}
	if err := t.insertRows("INSERT INTO package_matches (package_id, vuln_key, advisories, fixed, rating, score) VALUES ", 6, len(added), func(i int, args []any) []any {
		k := added[i]
		m := fresh[k]
		return append(args, k.pkg, k.key, m.advisories, m.fixed, m.rating, m.score)
	}); err != nil {
		return nil, err
	}
	return fresh, t.addFindings(added, fresh, 0, changes)
}

// packageMatches reads the stored answers for packages (ids).
func (t *Tx) packageMatches(ids []any) (map[pair]pairMatch, error) {
	out := map[pair]pairMatch{}
	err := t.queryIn("SELECT package_id, vuln_key, advisories, fixed, rating, score FROM package_matches WHERE package_id IN ", ids, func(rows *sql.Rows) error {
		var k pair
		var m pairMatch
		err := rows.Scan(&k.pkg, &k.key, &m.advisories, &m.fixed, &m.rating, &m.score)
		out[k] = m
		return err
	})
	return out, err
}

// resolveFindings marks findings (ids) as no longer matched.
func (t *Tx) resolveFindings(ids []any) error {
	now := micros(t.now)
	for lo := 0; lo < len(ids); lo += inBatch {
		batch := ids[lo:min(lo+inBatch, len(ids))]
		if _, err := t.exec("UPDATE findings SET active = FALSE, closed_at = COALESCE(closed_at, ?), updated_at = ? WHERE id IN ("+placeholders(len(batch))+")",
			append([]any{now, now}, batch...)...); err != nil {
			return err
		}
	}
	return nil
}

// addFindings makes sure each pair has an active finding in the releases
// holding its package (only in release when it is not 0): a resolved one
// comes back, a missing one is created, carrying the analysis of the
// predecessor release's finding for the same pair, marked inherited.
func (t *Tx) addFindings(pairs []pair, matches map[pair]pairMatch, release int64, changes findingChanges) error {
	if len(pairs) == 0 {
		return nil
	}
	pol, err := t.policy()
	if err != nil {
		return err
	}
	type holder struct{ id, predecessor int64 }
	type known struct {
		id, origin int64 // origin: the finding where its analysis was decided
		active     bool
		tr         bulwark.Triage
	}
	type row struct {
		release int64
		pair    pair
		tr      bulwark.Triage
		from    any
	}
	var rows []row
	now := micros(t.now)
	for _, k := range pairs {
		m := matches[k]
		var holders []holder
		q, args := `SELECT rc.release_id, COALESCE(r.predecessor_id, 0) FROM release_components rc JOIN releases r ON r.id = rc.release_id
			WHERE rc.package_id = ?`, []any{k.pkg}
		if release != 0 {
			q, args = q+" AND rc.release_id = ?", append(args, release)
		}
		if err := t.queryEach(q, args, func(rows *sql.Rows) error {
			var h holder
			err := rows.Scan(&h.id, &h.predecessor)
			holders = append(holders, h)
			return err
		}); err != nil {
			return err
		}
		// A predecessor is created before its successors, so release order
		// reaches a predecessor's finding first.
		slices.SortFunc(holders, func(a, b holder) int { return cmp.Compare(a.id, b.id) })
		have := map[int64]*known{}
		if err := t.queryEach(`SELECT id, release_id, COALESCE(inherited_from, id), active, state, justification, response, detail, owner
			FROM findings WHERE package_id = ? AND vuln_key = ?`, []any{k.pkg, k.key}, func(rs *sql.Rows) error {
			var f known
			var rel int64
			err := rs.Scan(&f.id, &rel, &f.origin, &f.active, &f.tr.State, &f.tr.Justification, &f.tr.Response, &f.tr.Detail, &f.tr.Owner)
			have[rel] = &f
			return err
		}); err != nil {
			return err
		}
		made := map[int64]row{}
		for _, h := range holders {
			if f := have[h.id]; f != nil {
				if f.active {
					continue
				}
				if _, err := t.exec(`UPDATE findings SET advisories = ?, rating = ?, score = ?, severity = ?, fixed = ?, active = TRUE,
					closed_at = CASE WHEN state IN (?, ?) THEN NULL ELSE closed_at END, updated_at = ? WHERE id = ?`,
					m.advisories, m.rating, m.score, severityOrder(m.rating, m.score), m.fixed,
					bulwark.FindingInTriage, bulwark.FindingAffected, now, f.id); err != nil {
					return err
				}
				changes.at(h.id).Updated++
				continue
			}
			r := row{release: h.id, pair: k, tr: bulwark.Triage{State: bulwark.FindingInTriage}}
			if p := have[h.predecessor]; p != nil && p.tr.State != bulwark.FindingInTriage {
				r.tr, r.from = p.tr, p.origin
			} else if p, ok := made[h.predecessor]; ok && p.from != nil {
				r.tr, r.from = p.tr, p.from
			}
			made[h.id] = r
			rows = append(rows, r)
			c := changes.at(h.id)
			c.New++
			if r.from != nil {
				c.Inherited++
			}
		}
	}
	return t.insertRows(`INSERT INTO findings (release_id, package_id, vuln_key, advisories, rating, score, severity, fixed, state, justification, response, detail, owner,
		inherited_from, sla_due, active, closed_at, created_at, updated_at) VALUES `, 19, len(rows), func(i int, args []any) []any {
		r := rows[i]
		m := matches[r.pair]
		var due, closed any
		if days := pol.SLADays(m.rating); days > 0 {
			due = micros(t.now.Add(time.Duration(days) * 24 * time.Hour))
		}
		if !r.tr.State.Open() {
			closed = now
		}
		return append(args, r.release, r.pair.pkg, r.pair.key, m.advisories, m.rating, m.score, severityOrder(m.rating, m.score), m.fixed,
			r.tr.State, r.tr.Justification, r.tr.Response, r.tr.Detail, r.tr.Owner, r.from, due, true, closed, now, now)
	})
}

// syncRelease brings a release's findings in line after its components
// were stored: its packages are matched (which also reaches the other
// releases holding them, should the answer have changed), then the
// release gets a finding for every stored answer of its packages, and its
// findings of packages it no longer holds are resolved.
func (t *Tx) syncRelease(releaseID int64, ps []*pkg) error {
	changes := findingChanges{}
	expected, err := t.syncMatches(ps, changes)
	if err != nil {
		return err
	}
	type stored struct {
		id     int64
		active bool
	}
	existing := map[pair]stored{}
	if err := t.queryEach("SELECT id, package_id, vuln_key, active FROM findings WHERE release_id = ?", []any{releaseID}, func(rows *sql.Rows) error {
		var f stored
		var k pair
		err := rows.Scan(&f.id, &k.pkg, &k.key, &f.active)
		existing[k] = f
		return err
	}); err != nil {
		return err
	}
	var missing []pair
	for k := range expected {
		if f, ok := existing[k]; !ok || !f.active {
			missing = append(missing, k)
		}
	}
	slices.SortFunc(missing, comparePairs)
	var resolved []any
	for k, f := range existing {
		if _, ok := expected[k]; !ok && f.active {
			resolved = append(resolved, f.id)
			changes.at(releaseID).Resolved++
		}
	}
	if err := t.resolveFindings(resolved); err != nil {
		return err
	}
	if err := t.addFindings(missing, expected, releaseID, changes); err != nil {
		return err
	}
	return t.recordChanges(changes)
}

// recordChanges appends one findings.matched event per release whose
// findings changed, in release order.
func (t *Tx) recordChanges(changes findingChanges) error {
	var ids []any
	for id, c := range changes {
		if *c != (findingChange{}) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	type about struct{ product, version, path string }
	info := map[int64]about{}
	if err := t.queryIn(`SELECT r.id, p.name, r.version, s.path FROM releases r JOIN products p ON p.id = r.product_id JOIN scopes s ON s.id = p.scope_id
		WHERE r.id IN `, ids, func(rows *sql.Rows) error {
		var id int64
		var a about
		err := rows.Scan(&id, &a.product, &a.version, &a.path)
		info[id] = a
		return err
	}); err != nil {
		return err
	}
	slices.SortFunc(ids, func(a, b any) int { return cmp.Compare(a.(int64), b.(int64)) })
	for _, v := range ids {
		id := v.(int64)
		ch, a := changes[id], info[id]
		t.record("findings.matched", releaseSubject(id), a.path, nil, *ch,
			fmt.Sprintf("%s %s: %d new findings (%d with inherited analysis), %d no longer matched", a.product, a.version, ch.New, ch.Inherited, ch.Resolved))
	}
	return nil
}
