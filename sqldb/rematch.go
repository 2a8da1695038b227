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
// of the packages named in names (OSV name keys) that some release holds,
// and of the packages with a stored match of one of keys. It returns the
// totals and how many releases hold those packages.
func (t *Tx) rematch(names, keys []string) (findingChange, int, error) {
	var ps []*pkg
	if err := t.queryIn(matchableCols+`WHERE EXISTS (SELECT 1 FROM release_components rc WHERE rc.package_id = p.id) AND p.osv_name IN `,
		anys(names), matchable(&ps)); err != nil {
		return findingChange{}, 0, err
	}
	if err := t.queryIn(matchableCols+`JOIN package_matches m ON m.package_id = p.id WHERE m.vuln_key IN `, anys(keys), matchable(&ps)); err != nil {
		return findingChange{}, 0, err
	}
	// A package named by both lists, or stored with several of the keys,
	// is matched once.
	slices.SortFunc(ps, func(x, y *pkg) int { return cmp.Compare(x.id, y.id) })
	ps = slices.CompactFunc(ps, func(x, y *pkg) bool { return x.id == y.id })
	changes := findingChanges{}
	if _, err := t.syncMatches(ps, changes); err != nil {
		return findingChange{}, 0, err
	}
	if err := t.recordChanges(changes); err != nil {
		return findingChange{}, 0, err
	}
	ids := make([]any, len(ps))
	for i, p := range ps {
		ids[i] = p.id
	}
	holders := map[int64]bool{}
	if err := t.queryIn("SELECT release_id FROM release_components WHERE package_id IN ", ids, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		holders[id] = true
		return err
	}); err != nil {
		return findingChange{}, 0, err
	}
	return changes.total(), len(holders), nil
}

// matchableCols selects packages as matching needs them (alias p); the
// rows are read by matchable.
const matchableCols = "SELECT p.id, p.purl, p.version, p.osv_ecosystem, p.osv_name FROM packages p "

// matchable appends each row of matchableCols to out.
func matchable(out *[]*pkg) func(*sql.Rows) error {
	return func(rows *sql.Rows) error {
		p := &pkg{}
		err := rows.Scan(&p.id, &p.key, &p.version, &p.osvEco, &p.osvName)
		*out = append(*out, p)
		return err
	}
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
		// Every package a release holds, and every package with a stored
		// match (a package no release holds any more loses its matches).
		var ps []*pkg
		if err := t.queryEach(matchableCols+`WHERE EXISTS (SELECT 1 FROM release_components rc WHERE rc.package_id = p.id)
			   OR EXISTS (SELECT 1 FROM package_matches m WHERE m.package_id = p.id) ORDER BY p.id`, nil, matchable(&ps)); err != nil {
			return err
		}
		changes := findingChanges{}
		if _, err := t.syncMatches(ps, changes); err != nil {
			return err
		}
		if err := t.recordChanges(changes); err != nil {
			return err
		}
		total := changes.total()
		res.NewFindings, res.ResolvedFindings = total.New, total.Resolved
		if err := t.queryRow("SELECT COUNT(DISTINCT release_id) FROM release_components").Scan(&res.Releases); err != nil {
			return err
		}
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
