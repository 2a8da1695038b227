package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

var _ bulwark.ProductService = (*DB)(nil)

func productSubject(id int64) string { return fmt.Sprintf("product:%d", id) }
func releaseSubject(id int64) string { return fmt.Sprintf("release:%d", id) }

const productCols = "p.id, p.scope_id, s.name, p.name, p.description, p.created_at, s.path"

func scanProduct(row interface{ Scan(...any) error }) (*bulwark.Product, string, error) {
	var p bulwark.Product
	var at int64
	var path string
	if err := row.Scan(&p.ID, &p.ScopeID, &p.ScopeName, &p.Name, &p.Description, &at, &path); err != nil {
		return nil, "", err
	}
	p.CreatedAt = fromMicros(at)
	return &p, path, nil
}

// product loads a product the caller may take action on. Products the
// caller cannot see are reported as missing.
func (t *Tx) product(id int64, action bulwark.Action) (*bulwark.Product, string, error) {
	p, path, err := scanProduct(t.queryRow("SELECT "+productCols+" FROM products p JOIN scopes s ON s.id = p.scope_id WHERE p.id = ?", id))
	if err == sql.ErrNoRows || err == nil && !t.p.Can(bulwark.ActionProductRead, path) {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "no product %d", id)
	}
	if err != nil {
		return nil, "", err
	}
	if err := t.p.Authorize(action, path); err != nil {
		return nil, "", err
	}
	return p, path, nil
}

// CreateProduct implements bulwark.ProductService.
func (db *DB) CreateProduct(ctx context.Context, np bulwark.NewProduct) (p *bulwark.Product, err error) {
	defer bulwark.Wrap(&err, "CreateProduct(%q)", np.Name)
	if err := np.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		s, err := t.scope(np.ScopeID)
		if err != nil {
			return bulwark.FieldError("scope_id", "no scope %d", np.ScopeID)
		}
		if err := t.p.Authorize(bulwark.ActionProductManage, s.Path); err != nil {
			return err
		}
		var taken int
		if err := t.queryRow("SELECT COUNT(*) FROM products WHERE LOWER(name) = LOWER(?)", np.Name).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return bulwark.ConflictError("name", "a product named %q exists already", np.Name)
		}
		p = &bulwark.Product{ScopeID: s.ID, ScopeName: s.Name, Name: np.Name, Description: np.Description, CreatedAt: t.now}
		if err := t.queryRow("INSERT INTO products (scope_id, name, description, created_at, created_by) VALUES (?, ?, ?, ?, ?) RETURNING id",
			s.ID, p.Name, p.Description, micros(t.now), t.p.Actor()).Scan(&p.ID); err != nil {
			return err
		}
		t.record("product.created", productSubject(p.ID), s.Path, nil, p, "")
		return nil
	})
	return p, err
}

// Products implements bulwark.ProductService.
func (db *DB) Products(ctx context.Context, query string, page bulwark.Page) (out []*bulwark.Product, next string, err error) {
	defer bulwark.Wrap(&err, "Products(%q)", query)
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionProductRead))
		q := "SELECT " + productCols + " FROM products p JOIN scopes s ON s.id = p.scope_id WHERE " + cond + " AND p.id > ?"
		args = append(args, after)
		if query = strings.TrimSpace(query); query != "" {
			q += " AND LOWER(p.name) LIKE ? ESCAPE '\\'"
			args = append(args, "%"+likeEscape(strings.ToLower(query))+"%")
		}
		rows, err := t.query(q+" ORDER BY p.id LIMIT ?", append(args, limit+1)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*bulwark.Product{}
		for rows.Next() {
			p, _, err := scanProduct(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) > limit {
			out = out[:limit]
			next = bulwark.CursorAfter(out[limit-1].ID)
		}
		return t.attachReleases(out)
	})
	return out, next, err
}

// attachReleases loads the releases of products, newest first.
func (t *Tx) attachReleases(ps []*bulwark.Product) error {
	if len(ps) == 0 {
		return nil
	}
	byID := map[int64]*bulwark.Product{}
	ids := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID] = p
		p.Releases = []*bulwark.Release{}
		ids[i] = p.ID
	}
	rows, err := t.query("SELECT "+releaseCols+" FROM releases r JOIN products p ON p.id = r.product_id LEFT JOIN releases pr ON pr.id = r.predecessor_id WHERE r.product_id IN ("+placeholders(len(ids))+") ORDER BY r.id DESC", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return err
		}
		byID[r.ProductID].Releases = append(byID[r.ProductID].Releases, r)
	}
	return rows.Err()
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return "?" + strings.Repeat(", ?", n-1)
}

// FindProduct implements bulwark.ProductService.
func (db *DB) FindProduct(ctx context.Context, id int64) (p *bulwark.Product, err error) {
	defer bulwark.Wrap(&err, "FindProduct(%d)", id)
	err = db.readTx(ctx, func(t *Tx) error {
		if p, _, err = t.product(id, bulwark.ActionProductRead); err != nil {
			return err
		}
		return t.attachReleases([]*bulwark.Product{p})
	})
	return p, err
}

// FindProductByName implements bulwark.ProductService.
func (db *DB) FindProductByName(ctx context.Context, name string) (p *bulwark.Product, err error) {
	defer bulwark.Wrap(&err, "FindProductByName(%q)", name)
	err = db.readTx(ctx, func(t *Tx) error {
		p, err = t.productByName(name)
		if err != nil {
			return err
		}
		return t.attachReleases([]*bulwark.Product{p})
	})
	return p, err
}

func (t *Tx) productByName(name string) (*bulwark.Product, error) {
	var id int64
	err := t.queryRow("SELECT id FROM products WHERE LOWER(name) = LOWER(?)", strings.TrimSpace(name)).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no product named %q", name)
	}
	if err != nil {
		return nil, err
	}
	p, _, err := t.product(id, bulwark.ActionProductRead)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no product named %q", name)
	}
	return p, nil
}

const releaseCols = `r.id, r.product_id, p.name, p.scope_id, r.version, r.state, COALESCE(r.predecessor_id, 0), COALESCE(pr.version, ''),
	r.sbom, r.created_at, r.released_at`

func scanRelease(row interface{ Scan(...any) error }) (*bulwark.Release, error) {
	var r bulwark.Release
	var predID int64
	var predVersion, sbom string
	var at int64
	var released sql.NullInt64
	if err := row.Scan(&r.ID, &r.ProductID, &r.Product, &r.ScopeID, &r.Version, &r.State, &predID, &predVersion, &sbom, &at, &released); err != nil {
		return nil, err
	}
	if predID != 0 {
		r.Predecessor = &bulwark.ReleaseRef{ID: predID, Product: r.Product, Version: predVersion}
	}
	if sbom != "" {
		r.SBOM = &bulwark.SBOMInfo{}
		if err := json.Unmarshal([]byte(sbom), r.SBOM); err != nil {
			return nil, fmt.Errorf("release %d: stored SBOM summary: %w", r.ID, err)
		}
	}
	r.CreatedAt, r.ReleasedAt = fromMicros(at), nullMicros(released)
	r.Uses, r.UsedBy = []bulwark.ReleaseRef{}, []bulwark.ReleaseRef{}
	return &r, nil
}

// release loads a release the caller may take action on, and the path of
// its product's scope.
func (t *Tx) release(id int64, action bulwark.Action) (*bulwark.Release, string, error) {
	var path string
	r, err := scanRelease(t.queryRow("SELECT "+releaseCols+" FROM releases r JOIN products p ON p.id = r.product_id LEFT JOIN releases pr ON pr.id = r.predecessor_id WHERE r.id = ?", id))
	if err == nil {
		err = t.queryRow("SELECT s.path FROM products p JOIN scopes s ON s.id = p.scope_id WHERE p.id = ?", r.ProductID).Scan(&path)
	}
	if err == sql.ErrNoRows || err == nil && !t.p.Can(bulwark.ActionProductRead, path) {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "no release %d", id)
	}
	if err != nil {
		return nil, "", err
	}
	if err := t.p.Authorize(action, path); err != nil {
		return nil, "", err
	}
	return r, path, nil
}

// CreateRelease implements bulwark.ProductService.
func (db *DB) CreateRelease(ctx context.Context, productID int64, nr bulwark.NewRelease) (r *bulwark.Release, err error) {
	defer bulwark.Wrap(&err, "CreateRelease(%d, %q)", productID, nr.Version)
	if err := nr.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		r, err = t.createRelease(productID, nr)
		return err
	})
	return r, err
}

func (t *Tx) createRelease(productID int64, nr bulwark.NewRelease) (*bulwark.Release, error) {
	p, path, err := t.product(productID, bulwark.ActionProductManage)
	if err != nil {
		return nil, err
	}
	var pred any
	r := &bulwark.Release{ProductID: p.ID, Product: p.Name, ScopeID: p.ScopeID, Version: nr.Version, State: bulwark.ReleaseDevelopment,
		CreatedAt: t.now, Uses: []bulwark.ReleaseRef{}, UsedBy: []bulwark.ReleaseRef{}}
	if nr.Predecessor != "" {
		var id int64
		err := t.queryRow("SELECT id FROM releases WHERE product_id = ? AND version = ?", p.ID, nr.Predecessor).Scan(&id)
		if err == sql.ErrNoRows {
			return nil, bulwark.FieldError("predecessor", "%s has no release %q", p.Name, nr.Predecessor)
		}
		if err != nil {
			return nil, err
		}
		pred = id
		r.Predecessor = &bulwark.ReleaseRef{ID: id, Product: p.Name, Version: nr.Predecessor}
	}
	var taken int
	if err := t.queryRow("SELECT COUNT(*) FROM releases WHERE product_id = ? AND version = ?", p.ID, nr.Version).Scan(&taken); err != nil {
		return nil, err
	}
	if taken > 0 {
		return nil, bulwark.ConflictError("version", "%s already has a release %s", p.Name, nr.Version)
	}
	if err := t.queryRow("INSERT INTO releases (product_id, version, predecessor_id, state, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		p.ID, nr.Version, pred, r.State, micros(t.now)).Scan(&r.ID); err != nil {
		return nil, err
	}
	t.record("release.created", releaseSubject(r.ID), path, nil, r, "")
	return r, nil
}

// FindRelease implements bulwark.ProductService.
func (db *DB) FindRelease(ctx context.Context, id int64) (r *bulwark.Release, err error) {
	defer bulwark.Wrap(&err, "FindRelease(%d)", id)
	err = db.readTx(ctx, func(t *Tx) error {
		if r, _, err = t.release(id, bulwark.ActionProductRead); err != nil {
			return err
		}
		return t.attachLineage(r)
	})
	return r, err
}

// FindReleaseByVersion implements bulwark.ProductService.
func (db *DB) FindReleaseByVersion(ctx context.Context, productID int64, version string) (r *bulwark.Release, err error) {
	defer bulwark.Wrap(&err, "FindReleaseByVersion(%d, %q)", productID, version)
	err = db.readTx(ctx, func(t *Tx) error {
		var id int64
		err := t.queryRow("SELECT id FROM releases WHERE product_id = ? AND version = ?", productID, strings.TrimSpace(version)).Scan(&id)
		if err == sql.ErrNoRows {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no release %q", version)
		}
		if err != nil {
			return err
		}
		if r, _, err = t.release(id, bulwark.ActionProductRead); err != nil {
			return err
		}
		return t.attachLineage(r)
	})
	return r, err
}

// attachLineage fills successors and the composition in both directions,
// limited to releases the caller may see.
func (t *Tx) attachLineage(r *bulwark.Release) error {
	cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionProductRead))
	refs := func(q string, arg int64) ([]bulwark.ReleaseRef, error) {
		rows, err := t.query(`SELECT r.id, p.name, r.version FROM releases r JOIN products p ON p.id = r.product_id JOIN scopes s ON s.id = p.scope_id
			WHERE `+q+` AND `+cond+` ORDER BY p.name, r.id`, append([]any{arg}, args...)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []bulwark.ReleaseRef{}
		for rows.Next() {
			var ref bulwark.ReleaseRef
			if err := rows.Scan(&ref.ID, &ref.Product, &ref.Version); err != nil {
				return nil, err
			}
			out = append(out, ref)
		}
		return out, rows.Err()
	}
	var err error
	if r.Successors, err = refs("r.predecessor_id = ?", r.ID); err != nil {
		return err
	}
	if r.Uses, err = refs("r.id IN (SELECT uses_id FROM release_uses WHERE release_id = ?)", r.ID); err != nil {
		return err
	}
	r.UsedBy, err = refs("r.id IN (SELECT release_id FROM release_uses WHERE uses_id = ?)", r.ID)
	return err
}

// MoveRelease implements bulwark.ProductService.
func (db *DB) MoveRelease(ctx context.Context, id int64, to bulwark.ReleaseState, reason string) (err error) {
	defer bulwark.Wrap(&err, "MoveRelease(%d, %s)", id, to)
	if !to.Valid() {
		return bulwark.FieldError("state", "unknown release state %q", to)
	}
	return db.inTx(ctx, func(t *Tx) error {
		r, path, err := t.release(id, bulwark.ActionProductManage)
		if err != nil {
			return err
		}
		if !r.State.CanMoveTo(to) {
			return bulwark.Errorf(bulwark.ECONFLICT, "%s %s is %s and cannot move to %s", r.Product, r.Version, r.State, to)
		}
		if to == bulwark.ReleaseReleased && r.SBOM == nil {
			return bulwark.Errorf(bulwark.EPRECONDITION, "%s %s has no SBOM: upload one before releasing", r.Product, r.Version)
		}
		q := "UPDATE releases SET state = ? WHERE id = ?"
		args := []any{to, id}
		if to == bulwark.ReleaseReleased {
			q = "UPDATE releases SET state = ?, released_at = ? WHERE id = ?"
			args = []any{to, micros(t.now), id}
		}
		if _, err := t.exec(q, args...); err != nil {
			return err
		}
		t.record("release."+strings.ReplaceAll(string(to), "-", "_"), releaseSubject(id), path,
			map[string]any{"state": r.State}, map[string]any{"state": to, "sbom": r.SBOM}, reason)
		return nil
	})
}

// AddUse implements bulwark.ProductService.
func (db *DB) AddUse(ctx context.Context, releaseID, usesID int64, reason string) (err error) {
	defer bulwark.Wrap(&err, "AddUse(%d, %d)", releaseID, usesID)
	return db.inTx(ctx, func(t *Tx) error {
		r, path, err := t.release(releaseID, bulwark.ActionProductManage)
		if err != nil {
			return err
		}
		if r.State.Frozen() {
			return bulwark.Errorf(bulwark.EFROZEN, "%s %s is %s: its composition is frozen", r.Product, r.Version, r.State)
		}
		u, _, err := t.release(usesID, bulwark.ActionProductRead)
		if err != nil {
			return bulwark.FieldError("uses_id", "no release %d", usesID)
		}
		if u.ProductID == r.ProductID {
			return bulwark.FieldError("uses_id", "a release is built from releases of other products, not of %s itself", r.Product)
		}
		// Adding r → u closes a cycle when r is reachable from u.
		var loops int
		if err := t.queryRow(`WITH RECURSIVE below(id) AS (
				SELECT CAST(? AS BIGINT) UNION SELECT ru.uses_id FROM release_uses ru JOIN below b ON ru.release_id = b.id)
			SELECT COUNT(*) FROM below WHERE id = ?`, usesID, releaseID).Scan(&loops); err != nil {
			return err
		}
		if loops > 0 {
			return bulwark.FieldError("uses_id", "%s %s is already built from %s %s: composition must not loop", u.Product, u.Version, r.Product, r.Version)
		}
		res, err := t.exec("INSERT INTO release_uses (release_id, uses_id) VALUES (?, ?) ON CONFLICT DO NOTHING", releaseID, usesID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		t.record("release.uses_added", releaseSubject(releaseID), path, nil, u.Ref(), reason)
		return nil
	})
}

// RemoveUse implements bulwark.ProductService.
func (db *DB) RemoveUse(ctx context.Context, releaseID, usesID int64, reason string) (err error) {
	defer bulwark.Wrap(&err, "RemoveUse(%d, %d)", releaseID, usesID)
	return db.inTx(ctx, func(t *Tx) error {
		r, path, err := t.release(releaseID, bulwark.ActionProductManage)
		if err != nil {
			return err
		}
		if r.State.Frozen() {
			return bulwark.Errorf(bulwark.EFROZEN, "%s %s is %s: its composition is frozen", r.Product, r.Version, r.State)
		}
		res, err := t.exec("DELETE FROM release_uses WHERE release_id = ? AND uses_id = ?", releaseID, usesID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return bulwark.Errorf(bulwark.ENOTFOUND, "%s %s is not built from release %d", r.Product, r.Version, usesID)
		}
		t.record("release.uses_removed", releaseSubject(releaseID), path, releaseSubject(usesID), nil, reason)
		return nil
	})
}
