package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/bulwark-sec/bulwark"
)

// Re-matching: bringing stored findings in line when advisories change (only
// the packages they name) or for the whole portfolio.

// rematch brings in line with the advisories as they now are the findings
// of every release that holds a package named in names (OSV name keys) or
// has a finding of one of keys, looking only at those packages. It
// returns the totals and how many releases it touched.
func (t *Tx) rematch(names, keys []string) (findingChange, int, error) {
	var total findingChange
	byRelease := map[int64]map[int64]*pkg{}
	collect := func(rows *sql.Rows) error {
		var releaseID int64
		p := &pkg{}
		if err := rows.Scan(&releaseID, &p.id, &p.key, &p.version, &p.osvEco, &p.osvName); err != nil {
			return err
		}
		if byRelease[releaseID] == nil {
			byRelease[releaseID] = map[int64]*pkg{}
		}
		byRelease[releaseID][p.id] = p
		return nil
	}
	if err := t.queryIn(`SELECT rc.release_id, p.id, p.purl, p.version, p.osv_ecosystem, p.osv_name FROM packages p
		JOIN release_components rc ON rc.package_id = p.id WHERE p.osv_name IN `, anys(names), collect); err != nil {
		return total, 0, err
	}
	if err := t.queryIn(`SELECT f.release_id, p.id, p.purl, p.version, p.osv_ecosystem, p.osv_name FROM findings f
		JOIN packages p ON p.id = f.package_id WHERE f.vuln_key IN `, anys(keys), collect); err != nil {
		return total, 0, err
	}
	ids := make([]int64, 0, len(byRelease))
	for id := range byRelease {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	t.matched = map[string]matchResult{}
	defer func() { t.matched = nil }()
	for _, id := range ids {
		r, path, err := t.release(id, bulwark.ActionProductRead)
		if err != nil {
			return total, 0, err
		}
		ps := make([]*pkg, 0, len(byRelease[id]))
		for _, p := range byRelease[id] {
			ps = append(ps, p)
		}
		slices.SortFunc(ps, func(a, b *pkg) int { return cmp.Compare(a.id, b.id) })
		ch, err := t.syncFindings(r, path, ps, true)
		if err != nil {
			return total, 0, err
		}
		total.add(ch)
	}
	return total, len(ids), nil
}

func (c *findingChange) add(o findingChange) {
	c.New, c.Inherited, c.Updated, c.Resolved = c.New+o.New, c.Inherited+o.Inherited, c.Updated+o.Updated, c.Resolved+o.Resolved
}

func anys(list []string) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}

// Rematch matches every release with an SBOM against the advisories as
// they now are, first working out again the OSV identity of every package
// (packages stored before the mapping existed, or after it improved). It
// needs advisory.import at the root and says what changed.
func (db *DB) Rematch(ctx context.Context) (res *bulwark.AdvisoryImportResult, err error) {
	defer bulwark.Wrap(&err, "Rematch")
	res = &bulwark.AdvisoryImportResult{Rejections: []bulwark.Rejection{}, Warnings: []bulwark.Rejection{}}
	err = db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionAdvisoryImport)
		if err != nil {
			return err
		}
		if err := t.refreshOSV(); err != nil {
			return err
		}
		var ids []int64
		if err := t.queryEach("SELECT DISTINCT release_id FROM release_components ORDER BY release_id", nil, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		}); err != nil {
			return err
		}
		t.matched = map[string]matchResult{}
		defer func() { t.matched = nil }()
		for _, id := range ids {
			r, path, err := t.release(id, bulwark.ActionProductRead)
			if err != nil {
				return err
			}
			ps, err := t.releasePackages(id)
			if err != nil {
				return err
			}
			ch, err := t.syncFindings(r, path, ps, false)
			if err != nil {
				return err
			}
			res.NewFindings, res.ResolvedFindings = res.NewFindings+ch.New, res.ResolvedFindings+ch.Resolved
		}
		res.Releases = len(ids)
		t.record("findings.rematched", "advisories", root, nil, res,
			fmt.Sprintf("%d releases matched again: %d new findings, %d resolved", res.Releases, res.NewFindings, res.ResolvedFindings))
		return nil
	})
	return res, err
}

// refreshOSV works out every package's OSV identity again and stores the
// ones that changed.
func (t *Tx) refreshOSV() error {
	rows, err := t.query("SELECT id, purl, osv_ecosystem, osv_name FROM packages")
	if err != nil {
		return err
	}
	var changed []*pkg
	for rows.Next() {
		p := &pkg{}
		var eco, name string
		if err := rows.Scan(&p.id, &p.key, &eco, &name); err != nil {
			rows.Close()
			return err
		}
		p.setOSV()
		if p.osvEco != eco || p.osvName != name {
			changed = append(changed, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range changed {
		if _, err := t.exec("UPDATE packages SET osv_ecosystem = ?, osv_name = ? WHERE id = ?", p.osvEco, p.osvName, p.id); err != nil {
			return err
		}
	}
	return nil
}

// releasePackages loads the packages of a release as matching needs them.
func (t *Tx) releasePackages(releaseID int64) ([]*pkg, error) {
	rows, err := t.query(`SELECT p.id, p.purl, p.version, p.osv_ecosystem, p.osv_name FROM release_components rc JOIN packages p ON p.id = rc.package_id
		WHERE rc.release_id = ? ORDER BY p.id`, releaseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*pkg
	for rows.Next() {
		p := &pkg{}
		if err := rows.Scan(&p.id, &p.key, &p.version, &p.osvEco, &p.osvName); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
