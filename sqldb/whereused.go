package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/purl"
)

// usedBy names the releases, visible to the caller, whose SBOM holds a
// version (by its versioned purl), for dossiers and notifications.
func (t *Tx) usedBy(versionedPURL string) ([]string, error) {
	cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionProductRead))
	rows, err := t.query(`SELECT DISTINCT pr.name, r.version, r.id FROM packages pk
		JOIN release_components rc ON rc.package_id = pk.id
		JOIN releases r ON r.id = rc.release_id JOIN products pr ON pr.id = r.product_id JOIN scopes s ON s.id = pr.scope_id
		WHERE pk.versioned = ? AND `+cond+` ORDER BY pr.name, r.id LIMIT 100`, append([]any{versionedPURL}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var name, version string
		var id int64
		if err := rows.Scan(&name, &version, &id); err != nil {
			return nil, err
		}
		out = append(out, name+" "+version)
	}
	return out, rows.Err()
}

// matchingPackages returns the ids of the stored packages that match a
// where-used query, and the distinct versions they have.
func (t *Tx) matchingPackages(q bulwark.WhereUsedQuery) (component string, ids []any, versions []string, err error) {
	p, err := purl.Parse(q.PURL)
	if err != nil {
		return "", nil, nil, err
	}
	component = p.Component()
	var r ecosystem.Range
	switch {
	case p.Version != "" && strings.TrimSpace(q.Versions) != "":
		return "", nil, nil, bulwark.FieldError("versions", "give a version in the purl or a range, not both")
	case p.Version != "":
		r = ecosystem.Range{Exact: p.Version}
	default:
		if r, err = ecosystem.ParseRange(q.Versions); err != nil {
			return "", nil, nil, err
		}
	}
	rows, err := t.query("SELECT id, version FROM packages WHERE component = ? ORDER BY version", component)
	if err != nil {
		return "", nil, nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	versions = []string{}
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return "", nil, nil, err
		}
		ok, err := r.Contains(p.Type, v)
		if err != nil {
			// A stored version the ecosystem cannot order never matches a
			// range, but still matches itself exactly.
			ok = r.Exact == v
		}
		if !ok {
			continue
		}
		ids = append(ids, id)
		if !seen[v] {
			seen[v] = true
			versions = append(versions, v)
		}
	}
	slices.SortFunc(versions, func(a, b string) int { return compareVersions(component, a, b) })
	return component, ids, versions, rows.Err()
}

// WhereUsed implements bulwark.ProductService. It walks two indexes: the
// packages of the component (by purl), then the releases holding them
// (release_components by package); releases built from those releases are
// added by following the composition edges upwards.
func (db *DB) WhereUsed(ctx context.Context, q bulwark.WhereUsedQuery, page bulwark.Page) (res *bulwark.WhereUsedResult, err error) {
	defer bulwark.Wrap(&err, "WhereUsed(%q, %q)", q.PURL, q.Versions)
	after, err := page.After()
	if err != nil {
		return nil, err
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		component, ids, versions, err := t.matchingPackages(q)
		if err != nil {
			return err
		}
		res = &bulwark.WhereUsedResult{Component: component, Versions: versions, Usages: []*bulwark.Usage{}}
		if len(ids) == 0 {
			return nil
		}
		direct, err := t.releasesHolding(ids)
		if err != nil {
			return err
		}
		up, err := t.compositionEdges()
		if err != nil {
			return err
		}
		// via[r] is the release r is built from on the way to a direct hit.
		via := map[int64]int64{}
		hits := slices.Clone(direct)
		seen := map[int64]bool{}
		for _, id := range direct {
			seen[id] = true
		}
		for i := 0; i < len(hits); i++ {
			for _, parent := range up[hits[i]] {
				if !seen[parent] {
					seen[parent], via[parent] = true, hits[i]
					hits = append(hits, parent)
				}
			}
		}
		slices.Sort(hits)
		// Callers who do not see everything see the releases of the
		// products in their scopes: few, and read through the releases'
		// (product_id, version) index.
		if visible := t.p.VisibleScopes(bulwark.ActionProductRead); !slices.Contains(visible, "/") {
			cond, cargs := scopeFilter("s.path", visible)
			rows, err := t.query("SELECT r.id FROM products p JOIN scopes s ON s.id = p.scope_id JOIN releases r ON r.product_id = p.id WHERE "+cond, cargs...)
			if err != nil {
				return err
			}
			seeable := map[int64]bool{}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				seeable[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			hits = slices.DeleteFunc(hits, func(id int64) bool { return !seeable[id] })
		}
		res.Total = len(hits)
		start, _ := slices.BinarySearch(hits, after+1)
		page := hits[start:min(start+limit+1, len(hits))]
		if len(page) == 0 {
			return nil
		}
		rows, err := t.query(`SELECT r.id, p.name, r.version, r.state, s.name FROM releases r JOIN products p ON p.id = r.product_id JOIN scopes s ON s.id = p.scope_id
			WHERE r.id IN (`+placeholders(len(page))+`) ORDER BY r.id`, int64Args(page)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			u := &bulwark.Usage{Matches: []bulwark.UsageMatch{}}
			if err := rows.Scan(&u.Release.ID, &u.Release.Product, &u.Release.Version, &u.State, &u.Scope); err != nil {
				rows.Close()
				return err
			}
			res.Usages = append(res.Usages, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(res.Usages) > limit {
			res.Usages = res.Usages[:limit]
			res.Next = bulwark.CursorAfter(res.Usages[limit-1].Release.ID)
		}
		return t.fillMatches(res.Usages, ids, via)
	})
	return res, err
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// releasesHolding lists, without duplicates, the releases whose SBOM holds
// any of the packages.
func (t *Tx) releasesHolding(packageIDs []any) ([]int64, error) {
	var out []int64
	err := t.queryIn("SELECT release_id FROM release_components WHERE package_id IN ", packageIDs, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		out = append(out, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// compositionEdges maps each release to the releases built from it.
// Composition edges are few (a platform release reused by some products),
// so they are read whole.
func (t *Tx) compositionEdges() (map[int64][]int64, error) {
	rows, err := t.query("SELECT uses_id, release_id FROM release_uses")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	up := map[int64][]int64{}
	for rows.Next() {
		var from, to int64
		if err := rows.Scan(&from, &to); err != nil {
			return nil, err
		}
		up[from] = append(up[from], to)
	}
	return up, rows.Err()
}

// fillMatches finds, for each usage, the matching packages and the path
// from the release down to each: through the releases it is built from,
// then up the parent links inside the SBOM that holds the package.
func (t *Tx) fillMatches(usages []*bulwark.Usage, packageIDs []any, via map[int64]int64) error {
	if len(usages) == 0 {
		return nil
	}
	type hop struct {
		release, pkg, parent int64
		depth                int
	}
	// holder is the release whose SBOM holds the package; prefix the
	// releases passed on the way there.
	holder := map[int64]int64{}
	prefix := map[int64][]int64{}
	need := map[int64]bool{}
	for _, u := range usages {
		r := u.Release.ID
		for {
			next, ok := via[r]
			if !ok {
				break
			}
			prefix[u.Release.ID] = append(prefix[u.Release.ID], next)
			r = next
		}
		holder[u.Release.ID] = r
		need[r] = true
	}
	holders := make([]int64, 0, len(need))
	for r := range need {
		holders = append(holders, r)
	}
	slices.Sort(holders)
	matches := map[int64][]hop{}
	rows, err := t.query("SELECT release_id, package_id, parent_id, depth FROM release_components WHERE release_id IN ("+placeholders(len(holders))+") AND package_id IN ("+placeholders(len(packageIDs))+") ORDER BY release_id, package_id",
		append(int64Args(holders), packageIDs...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var h hop
		if err := rows.Scan(&h.release, &h.pkg, &h.parent, &h.depth); err != nil {
			rows.Close()
			return err
		}
		matches[h.release] = append(matches[h.release], h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Climb the parent links; each step is one primary-key lookup.
	chains := map[[2]int64][]int64{}
	pkgs := map[int64]bool{}
	for r, hs := range matches {
		for _, h := range hs {
			chain := []int64{h.pkg}
			pkgs[h.pkg] = true
			for parent, steps := h.parent, 0; parent != 0 && steps < 64; steps++ {
				chain = append(chain, parent)
				pkgs[parent] = true
				if err := t.queryRow("SELECT parent_id FROM release_components WHERE release_id = ? AND package_id = ?", r, parent).Scan(&parent); err != nil {
					return err
				}
			}
			slices.Reverse(chain)
			chains[[2]int64{r, h.pkg}] = chain
		}
	}
	names := map[int64]bulwark.PathStep{}
	versionOf := map[int64]string{}
	ids := make([]int64, 0, len(pkgs))
	for id := range pkgs {
		ids = append(ids, id)
	}
	err = t.queryIn("SELECT id, name, version, purl FROM packages WHERE id IN ", int64Args(ids), func(rows *sql.Rows) error {
		var id int64
		var name, version, key string
		if err := rows.Scan(&id, &name, &version, &key); err != nil {
			return err
		}
		if strings.HasPrefix(key, "name:") {
			key = ""
		}
		names[id] = bulwark.PathStep{Kind: "component", Name: name + "@" + version, PURL: key}
		versionOf[id] = version
		return nil
	})
	if err != nil {
		return err
	}
	releaseNames := map[int64]string{}
	var viaIDs []int64
	for _, ps := range prefix {
		viaIDs = append(viaIDs, ps...)
	}
	if len(viaIDs) > 0 {
		rows, err := t.query("SELECT r.id, p.name, r.version FROM releases r JOIN products p ON p.id = r.product_id WHERE r.id IN ("+placeholders(len(viaIDs))+")", int64Args(viaIDs)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var name, version string
			if err := rows.Scan(&id, &name, &version); err != nil {
				rows.Close()
				return err
			}
			releaseNames[id] = name + " " + version
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, u := range usages {
		h := holder[u.Release.ID]
		for _, m := range matches[h] {
			um := bulwark.UsageMatch{PURL: names[m.pkg].PURL, Version: versionOf[m.pkg], Direct: m.depth <= 1 && len(prefix[u.Release.ID]) == 0, Path: []bulwark.PathStep{}}
			for _, r := range prefix[u.Release.ID] {
				um.Path = append(um.Path, bulwark.PathStep{Kind: "release", Name: releaseNames[r]})
			}
			for _, id := range chains[[2]int64{h, m.pkg}] {
				um.Path = append(um.Path, names[id])
			}
			u.Matches = append(u.Matches, um)
		}
	}
	return nil
}
