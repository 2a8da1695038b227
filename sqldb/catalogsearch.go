package sqldb

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/purl"
)

// SearchCatalog implements bulwark.CatalogService. Results come in
// component id order. The query is driven by the most selective index at
// hand — licence ids, then states, then the components themselves — walked
// in component order, so a page stops as soon as it is full, whether
// matches are many or few.
func (db *DB) SearchCatalog(ctx context.Context, f bulwark.CatalogFilter, page bulwark.Page) (out []*bulwark.Component, next string, err error) {
	defer bulwark.Wrap(&err, "SearchCatalog")
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionCatalogRead, ""); err != nil {
		return nil, "", err
	}
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	if f.State != "" && !f.State.Valid() {
		return nil, "", bulwark.FieldError("state", "unknown state %q", f.State)
	}
	if f.SupportDue < 0 || f.SupportDue > 3650 {
		return nil, "", bulwark.FieldError("support_due", "a number of days from 0 to 3650")
	}
	lic := strings.ToLower(strings.TrimSpace(f.License))
	q := strings.TrimSpace(f.Query)
	// The trigram index answers LIKE for three characters or more, but only
	// without an ESCAPE clause, so only for text with no wildcards.
	trigram := db.dialect == SQLite && utf8.RuneCountInString(q) >= 3 && !strings.ContainsAny(q, `%_\`) &&
		!strings.HasPrefix(strings.ToLower(q), "pkg:")
	var from, idCol string
	var w where
	switch {
	case lic == "" && f.State == "" && trigram:
		// Names drive: the trigram index yields rowids in order, so a broad
		// term stops after one page instead of collecting every match.
		from, idCol = "components_fts fts JOIN components c ON c.id = fts.rowid", "fts.rowid"
		w.add("fts.search_name LIKE ?", "%"+strings.ToLower(q)+"%")
	case lic != "":
		from, idCol = "version_licenses vl JOIN component_versions v ON v.id = vl.version_id JOIN components c ON c.id = vl.component_id", "vl.component_id"
		w.add("vl.license_id = ?", lic)
	case f.State != "":
		from, idCol = "component_versions v JOIN components c ON c.id = v.component_id", "v.component_id"
	default:
		from, idCol = "components c", "c.id"
	}
	w.add(idCol+" > ?", after)
	// The licence is matched by the driver; the other version filters apply
	// to the same version row.
	vw := db.versionConds(bulwark.CatalogFilter{State: f.State, SupportDue: f.SupportDue})
	switch {
	case len(vw.conds) == 0:
	case lic == "" && f.State == "":
		w.add("EXISTS (SELECT 1 FROM component_versions v WHERE v.component_id = c.id AND "+vw.sql()+")", vw.args...)
	default:
		w.add(vw.sql(), vw.args...)
	}
	switch {
	case idCol == "fts.rowid":
	case strings.HasPrefix(strings.ToLower(q), "pkg:"):
		if p, err := purl.Parse(q); err == nil && p.Version == "" {
			q = p.Component() // normalised, so "pkg:PyPI/Django" finds pkg:pypi/django
		}
		if db.dialect == SQLite {
			// SQLite's LIKE ignores case, so it cannot use the index; a range can.
			w.add("c.purl >= ? AND c.purl < ?", q, q+"\U0010FFFF")
		} else {
			w.add(`c.purl LIKE ? ESCAPE '\'`, likeEscape(q)+"%")
		}
	case q != "":
		// With a licence or state index driving, testing each candidate's
		// name stops with the page; collecting every name match would not.
		w.add(`c.search_name LIKE ? ESCAPE '\'`, "%"+likeEscape(strings.ToLower(q))+"%")
	}
	limit := page.EffectiveLimit()
	query := fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s ORDER BY %s LIMIT %d", idCol, from, w.sql(), idCol, limit+1)
	err = db.readTx(ctx, func(t *Tx) error {
		rows, err := t.query(query, w.args...)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) > limit {
			ids = ids[:limit]
			next = bulwark.CursorAfter(ids[limit-1].(int64))
		}
		if len(ids) == 0 {
			return nil
		}
		crows, err := t.query("SELECT "+componentCols+" FROM components c WHERE c.id IN (?"+strings.Repeat(", ?", len(ids)-1)+") ORDER BY c.id", ids...)
		if err != nil {
			return err
		}
		for crows.Next() {
			c, err := scanComponent(crows)
			if err != nil {
				crows.Close()
				return err
			}
			out = append(out, c)
		}
		crows.Close()
		vw := db.versionConds(f)
		return t.attachVersions(out, vw.conds, vw.args)
	})
	return out, next, err
}

// where collects SQL conditions and their arguments in order.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// versionConds turns the version filters into conditions on alias v.
func (db *DB) versionConds(f bulwark.CatalogFilter) where {
	var w where
	if f.State != "" {
		w.add("v.state = ?", string(f.State))
	}
	if lic := strings.TrimSpace(f.License); lic != "" {
		w.add("EXISTS (SELECT 1 FROM version_licenses l WHERE l.version_id = v.id AND l.license_id = ?)", strings.ToLower(lic))
	}
	if f.SupportDue > 0 {
		w.add("v.support_ends IS NOT NULL AND v.support_ends <= ? AND v.state IN (?, ?)",
			micros(db.now().UTC().AddDate(0, 0, f.SupportDue)), string(bulwark.StateCertified), string(bulwark.StateDeprecated))
	}
	return w
}

// attachVersions loads the versions of cs (those matching conds, if any).
func (t *Tx) attachVersions(cs []*bulwark.Component, conds []string, args []any) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[int64]*bulwark.Component{}
	ids := make([]any, len(cs))
	for i, c := range cs {
		byID[c.ID] = c
		c.Versions = []*bulwark.ComponentVersion{}
		ids[i] = c.ID
	}
	where := "v.component_id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	if len(conds) > 0 {
		where += " AND " + strings.Join(conds, " AND ")
	}
	rows, err := t.query("SELECT "+versionCols+" FROM component_versions v JOIN components c ON c.id = v.component_id WHERE "+where+" ORDER BY v.component_id, v.id", append(ids, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return err
		}
		byID[v.ComponentID].Versions = append(byID[v.ComponentID].Versions, v)
	}
	return rows.Err()
}
