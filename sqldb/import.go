package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/policy"
	"github.com/bulwark-sec/bulwark/purl"
)

// importRow is a validated row ready to write.
type importRow struct {
	bulwark.ImportRow
	p purl.PURL
}

// validateImport checks every row and returns the good ones and every
// problem, so a dry run reports all of them at once.
func validateImport(rows []bulwark.ImportRow) ([]importRow, []bulwark.RowError) {
	var errs []bulwark.RowError
	fail := func(line int, err error) {
		errs = append(errs, bulwark.RowError{Line: line, Field: bulwark.ErrorField(err), Message: bulwark.ErrorMessage(err)})
	}
	seen := map[string]int{}
	out := make([]importRow, 0, len(rows))
	for _, r := range rows {
		p, err := purl.Parse(r.PURL)
		if err != nil {
			fail(r.Line, err)
			continue
		}
		if p.Version == "" {
			fail(r.Line, bulwark.FieldError("purl", "%q has no version (…@1.2.3)", r.PURL))
			continue
		}
		if first, dup := seen[p.Versioned()]; dup {
			fail(r.Line, bulwark.FieldError("purl", "%s is already on line %d", p.Versioned(), first))
			continue
		}
		seen[p.Versioned()] = r.Line
		switch r.State {
		case "":
			r.State = bulwark.StateCertified
		case bulwark.StateCertified, bulwark.StateDeprecated, bulwark.StateEndOfLife, bulwark.StateBanned:
		default:
			fail(r.Line, bulwark.FieldError("state", "state %q: an approved list holds certified, deprecated, end-of-life or banned versions", r.State))
			continue
		}
		if r.State == bulwark.StateDeprecated {
			rp, err := purl.Parse(r.Replacement)
			if err != nil || rp.Version == "" {
				fail(r.Line, bulwark.FieldError("replacement", "a deprecated version needs its replacement as purl@version"))
				continue
			}
			r.Replacement = rp.Versioned()
		}
		if err := normalizeDetails(&r.VersionDetails); err != nil {
			fail(r.Line, err)
			continue
		}
		out = append(out, importRow{ImportRow: r, p: p})
	}
	return out, errs
}

// Import implements bulwark.CatalogService.
func (db *DB) Import(ctx context.Context, rows []bulwark.ImportRow, parseErrors []bulwark.RowError, source []byte, sourceName string, dryRun bool) (res *bulwark.ImportResult, err error) {
	defer bulwark.Wrap(&err, "Import(%q)", sourceName)
	res = &bulwark.ImportResult{DryRun: dryRun, Rows: len(rows) + len(parseErrors), Errors: append([]bulwark.RowError{}, parseErrors...)}
	if res.Rows == 0 {
		return nil, bulwark.FieldError("file", "the list holds no rows")
	}
	good, errs := validateImport(rows)
	res.Errors = append(res.Errors, errs...)
	slices.SortStableFunc(res.Errors, func(a, b bulwark.RowError) int { return cmp.Compare(a.Line, b.Line) })
	var scratch error
	err = db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionCatalogImport)
		if err != nil {
			return err
		}
		if err := t.importRows(good, res, dryRun || len(res.Errors) > 0, "import:"+bulwark.DigestBytes(source)); err != nil {
			return err
		}
		if dryRun || len(res.Errors) > 0 {
			// Roll back whatever the counting touched: nothing is written.
			scratch = errDryRun
			return scratch
		}
		res.Evidence = bulwark.DigestBytes(source)
		if _, err := t.exec("INSERT INTO evidence_blobs (digest, size, content, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
			res.Evidence, len(source), source, micros(t.now)); err != nil {
			return err
		}
		rootID, err := t.rootID()
		if err != nil {
			return err
		}
		if _, err := t.exec("INSERT INTO evidence (digest, scope_id, name, media_type, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
			res.Evidence, rootID, orText(sourceName, "import"), "text/plain", micros(t.now), t.p.Actor()); err != nil {
			return err
		}
		t.record("catalog.imported", "catalog", root, nil, res,
			fmt.Sprintf("imported %s: %d new components, %d new and %d updated versions", orText(sourceName, "a list"), res.Components, res.Created, res.Updated), res.Evidence)
		return nil
	})
	if err == errDryRun {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if len(res.Errors) > 0 && !dryRun {
		return res, &bulwark.Error{Code: bulwark.EINVALID, Field: "file", Message: fmt.Sprintf("%d of %d rows are invalid; nothing was imported", len(res.Errors), res.Rows)}
	}
	return res, nil
}

var errDryRun = &bulwark.Error{Code: bulwark.ECONFLICT, Message: "dry run"}

func (t *Tx) rootID() (int64, error) {
	var id int64
	err := t.queryRow("SELECT id FROM scopes WHERE parent_id IS NULL").Scan(&id)
	return id, err
}

// importRows writes the rows (and counts them); the caller rolls back for a
// dry run.
func (t *Tx) importRows(rows []importRow, res *bulwark.ImportResult, countOnly bool, origin string) error {
	const chunk = 4000 // rows per round of lookups; statements are chunked further below
	for lo := 0; lo < len(rows); lo += chunk {
		batch := rows[lo:min(lo+chunk, len(rows))]
		compIDs, created, err := t.importComponents(batch, res)
		if err != nil {
			return err
		}
		// Versions of components created just now cannot exist yet.
		var known []importRow
		for _, r := range batch {
			if !created[r.p.Component()] {
				known = append(known, r)
			}
		}
		existing, err := t.existingVersions(known)
		if err != nil {
			return err
		}
		var fresh []importRow
		for _, r := range batch {
			if id, ok := existing[r.p.Versioned()]; ok {
				res.Updated++
				if !countOnly {
					if err := t.updateImported(id, r); err != nil {
						return err
					}
				}
				continue
			}
			fresh = append(fresh, r)
		}
		res.Created += len(fresh)
		if countOnly || len(fresh) == 0 {
			continue
		}
		if err := t.insertImported(fresh, compIDs, origin); err != nil {
			return err
		}
	}
	return nil
}

// importComponents returns ids of the batch's components, creating missing
// ones, and which it created.
func (t *Tx) importComponents(batch []importRow, res *bulwark.ImportResult) (map[string]int64, map[string]bool, error) {
	ids := map[string]int64{}
	var keys []any
	for _, r := range batch {
		if _, ok := ids[r.p.Component()]; !ok {
			ids[r.p.Component()] = 0
			keys = append(keys, r.p.Component())
		}
	}
	rows, err := t.query("SELECT id, purl FROM components WHERE purl IN (?"+strings.Repeat(", ?", len(keys)-1)+")", keys...)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			rows.Close()
			return nil, nil, err
		}
		ids[p] = id
	}
	rows.Close()
	var missing []importRow
	added := map[string]bool{}
	for _, r := range batch {
		if c := r.p.Component(); ids[c] == 0 && !added[c] {
			added[c] = true
			missing = append(missing, r)
		}
	}
	res.Components += len(missing)
	if len(missing) == 0 {
		return ids, added, nil
	}
	err = t.insertRowsReturning("INSERT INTO components (purl, type, namespace, name, display_name, search_name, description, alternatives, created_at) VALUES ",
		9, len(missing), func(i int, args []any) []any {
			r := missing[i]
			return append(args, r.p.Component(), r.p.Type, r.p.Namespace, r.p.Name, r.p.DisplayName(), strings.ToLower(r.p.DisplayName()),
				r.Description, jsonText(r.Alternatives), micros(t.now))
		}, func(id int64, p string) { ids[p] = id })
	return ids, added, err
}

func (t *Tx) existingVersions(batch []importRow) (map[string]int64, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	keys := make([]any, len(batch))
	for i, r := range batch {
		keys[i] = r.p.Versioned()
	}
	rows, err := t.query("SELECT id, purl FROM component_versions WHERE purl IN (?"+strings.Repeat(", ?", len(keys)-1)+")", keys...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			return nil, err
		}
		out[p] = id
	}
	return out, rows.Err()
}

func (t *Tx) insertImported(rows []importRow, compIDs map[string]int64, origin string) error {
	const width = 16
	ids := make(map[string]int64, len(rows))
	err := t.insertRowsReturning(`INSERT INTO component_versions (component_id, version, purl, license, supplier, hashes, download_location,
		export_control, personal_data, support_ends, state, certified_until, replacement, origin, created_at, updated_at) VALUES `, width, len(rows),
		func(i int, args []any) []any {
			r := rows[i]
			return append(args, compIDs[r.p.Component()], r.p.Version, r.p.Versioned(), r.License, r.Supplier, jsonText(r.Hashes),
				r.DownloadLocation, r.ExportControl, r.PersonalData, optMicros(r.SupportEnds), string(r.State), optMicros(r.Until),
				r.Replacement, origin, micros(t.now), micros(t.now))
		}, func(id int64, p string) { ids[p] = id })
	if err != nil {
		return err
	}
	var lic [][3]any
	for _, r := range rows {
		seen := map[string]bool{}
		for _, l := range policy.LicenseIDs(r.License) {
			l = strings.ToLower(l)
			if !seen[l] {
				seen[l] = true
				lic = append(lic, [3]any{ids[r.p.Versioned()], l, compIDs[r.p.Component()]})
			}
		}
	}
	// The timeline of an imported version starts from its origin column and
	// the import's ledger event; no history row per version is needed.
	return t.insertRows("INSERT INTO version_licenses (version_id, license_id, component_id) VALUES ", 3, len(lic), func(i int, args []any) []any {
		return append(args, lic[i][0], lic[i][1], lic[i][2])
	})
}

func (t *Tx) updateImported(id int64, r importRow) error {
	if _, err := t.exec(`UPDATE component_versions SET license = ?, supplier = ?, hashes = ?, download_location = ?, export_control = ?,
		personal_data = ?, support_ends = ?, state = ?, certified_until = ?, replacement = ?, updated_at = ? WHERE id = ?`,
		r.License, r.Supplier, jsonText(r.Hashes), r.DownloadLocation, r.ExportControl, r.PersonalData, optMicros(r.SupportEnds),
		string(r.State), optMicros(r.Until), r.Replacement, micros(t.now), id); err != nil {
		return err
	}
	if err := t.setLicenses(id, r.License); err != nil {
		return err
	}
	return t.history(id, "imported", "updated to "+string(r.State)+" from an approved-component list")
}
