package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

var _ bulwark.ScopeService = (*DB)(nil)

const scopeCols = "id, COALESCE(parent_id, 0), kind, name, path, created_at"

func scanScope(row interface{ Scan(...any) error }) (*bulwark.Scope, error) {
	var s bulwark.Scope
	var at int64
	if err := row.Scan(&s.ID, &s.ParentID, &s.Kind, &s.Name, &s.Path, &at); err != nil {
		return nil, err
	}
	s.CreatedAt = fromMicros(at)
	return &s, nil
}

// scope loads one scope regardless of visibility (for authorisation itself).
func (t *Tx) scope(id int64) (*bulwark.Scope, error) {
	s, err := scanScope(t.queryRow("SELECT "+scopeCols+" FROM scopes WHERE id = ?", id))
	if err == sql.ErrNoRows {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no scope %d", id)
	}
	return s, err
}

// CreateScope implements bulwark.ScopeService.
func (db *DB) CreateScope(ctx context.Context, parentID int64, kind bulwark.ScopeKind, name, reason string) (s *bulwark.Scope, err error) {
	defer bulwark.Wrap(&err, "CreateScope(%d, %q)", parentID, name)
	name = strings.TrimSpace(name)
	err = db.inTx(ctx, func(t *Tx) error {
		var parent *bulwark.Scope
		var parentRef any
		if parentID != 0 {
			if parent, err = t.scope(parentID); err != nil {
				return bulwark.FieldError("parent_id", "no scope %d", parentID)
			}
			if err := t.p.Authorize(bulwark.ActionScopeCreate, parent.Path); err != nil {
				return err
			}
			parentRef = parentID
		} else {
			if err := t.p.Authorize(bulwark.ActionScopeCreate, "/"); err != nil || t.p.Kind != bulwark.PrincipalSystem {
				return bulwark.Errorf(bulwark.EFORBIDDEN, "only the local operator creates the organisation root")
			}
			var n int
			if err := t.queryRow("SELECT COUNT(*) FROM scopes WHERE parent_id IS NULL").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return bulwark.Errorf(bulwark.ECONFLICT, "the organisation root already exists")
			}
		}
		if err := bulwark.ValidateChild(parent, kind, name); err != nil {
			return err
		}
		var id int64
		// The path needs the id; write a unique placeholder, then the path.
		if err := t.queryRow("INSERT INTO scopes (parent_id, kind, name, path, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			parentRef, string(kind), name, fmt.Sprintf("pending:%d:%s", parentID, name), micros(t.now)).Scan(&id); err != nil {
			if bulwark.ErrorCode(db.mapErr(err)) == bulwark.ECONFLICT {
				return bulwark.ConflictError("name", "a scope named %q already exists there", name)
			}
			return err
		}
		path := "/"
		if parent != nil {
			path = parent.Path
		}
		path += fmt.Sprint(id) + "/"
		if _, err := t.exec("UPDATE scopes SET path = ? WHERE id = ?", path, id); err != nil {
			return err
		}
		s = &bulwark.Scope{ID: id, ParentID: parentID, Kind: kind, Name: name, Path: path, CreatedAt: t.now}
		t.record("scope.created", fmt.Sprintf("scope:%d", id), path, nil, s, reason)
		return nil
	})
	return s, err
}

// FindScopes implements bulwark.ScopeService; scopes come in id order.
func (db *DB) FindScopes(ctx context.Context, page bulwark.Page) (out []*bulwark.Scope, next string, err error) {
	defer bulwark.Wrap(&err, "FindScopes")
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		cond, args := scopeFilter("path", t.p.VisibleScopes(bulwark.ActionScopeRead))
		rows, err := t.query("SELECT "+scopeCols+" FROM scopes WHERE "+cond+
			fmt.Sprintf(" AND id > ? ORDER BY id LIMIT %d", limit+1), append(args, after)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanScope(rows)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if len(out) > limit {
		out = out[:limit]
		next = bulwark.CursorAfter(out[limit-1].ID)
	}
	return out, next, err
}

// FindScopeByID implements bulwark.ScopeService.
func (db *DB) FindScopeByID(ctx context.Context, id int64) (s *bulwark.Scope, err error) {
	defer bulwark.Wrap(&err, "FindScopeByID(%d)", id)
	err = db.readTx(ctx, func(t *Tx) error {
		s, err = t.scope(id)
		if err != nil {
			return err
		}
		if !t.p.Can(bulwark.ActionScopeRead, s.Path) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no scope %d", id)
		}
		return nil
	})
	return s, err
}

// RootScope returns the organisation root, ENOTFOUND before it exists. It is
// for wiring (demo seed, bootstrap), not for requests.
func (db *DB) RootScope(ctx context.Context) (*bulwark.Scope, error) {
	s, err := scanScope(db.sql.QueryRowContext(ctx, "SELECT "+scopeCols+" FROM scopes WHERE parent_id IS NULL"))
	if err != nil {
		return nil, db.mapErr(err)
	}
	return s, nil
}

// seesEverything reports whether the caller may take action everywhere:
// the organisation has one root scope and the caller holds action there.
func (t *Tx) seesEverything(action bulwark.Action) (bool, error) {
	var roots []string
	err := t.queryEach("SELECT path FROM scopes WHERE parent_id IS NULL", nil, func(rows *sql.Rows) error {
		var p string
		err := rows.Scan(&p)
		roots = append(roots, p)
		return err
	})
	return err == nil && len(roots) == 1 && t.p.Can(action, roots[0]), err
}
