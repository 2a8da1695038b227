package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

var _ bulwark.UserService = (*DB)(nil)

const userCols = "u.id, u.name, u.display_name, u.email, u.home_scope_id, u.disabled, u.created_at"

func scanUser(row interface{ Scan(...any) error }) (*bulwark.User, error) {
	var u bulwark.User
	var at int64
	if err := row.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Email, &u.HomeScopeID, &u.Disabled, &at); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMicros(at)
	u.Grants = []bulwark.Grant{}
	return &u, nil
}

// grants loads the grants of a user with their scope paths.
func (t *Tx) grants(userID int64) ([]bulwark.Grant, error) {
	rows, err := t.query(`SELECT g.id, g.user_id, g.role, g.scope_id, s.path, s.name
		FROM grants g JOIN scopes s ON s.id = g.scope_id WHERE g.user_id = ? ORDER BY g.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []bulwark.Grant{}
	for rows.Next() {
		var g bulwark.Grant
		if err := rows.Scan(&g.ID, &g.UserID, &g.Role, &g.ScopeID, &g.ScopePath, &g.ScopeName); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// user loads a user with grants and home scope path, regardless of visibility.
func (t *Tx) user(where string, arg any) (*bulwark.User, string, error) {
	var homePath string
	var u bulwark.User
	var at int64
	err := t.queryRow("SELECT "+userCols+", s.path FROM users u JOIN scopes s ON s.id = u.home_scope_id WHERE "+where, arg).
		Scan(&u.ID, &u.Name, &u.DisplayName, &u.Email, &u.HomeScopeID, &u.Disabled, &at, &homePath)
	if err == sql.ErrNoRows {
		return nil, "", bulwark.Errorf(bulwark.ENOTFOUND, "no user %v", arg)
	}
	if err != nil {
		return nil, "", err
	}
	u.CreatedAt = fromMicros(at)
	if u.Grants, err = t.grants(u.ID); err != nil {
		return nil, "", err
	}
	return &u, homePath, nil
}

// canSeeUser: oneself, or user.read over the home scope or over a grant.
func canSeeUser(p *bulwark.Principal, u *bulwark.User, homePath string) bool {
	if p == nil {
		return false
	}
	if p.Kind != bulwark.PrincipalSystem && p.UserID == u.ID {
		return true
	}
	if p.Can(bulwark.ActionUserRead, homePath) {
		return true
	}
	for _, g := range u.Grants {
		if p.Can(bulwark.ActionUserRead, g.ScopePath) {
			return true
		}
	}
	return false
}

// CreateUser implements bulwark.UserService.
func (db *DB) CreateUser(ctx context.Context, nu bulwark.NewUser) (u *bulwark.User, err error) {
	defer bulwark.Wrap(&err, "CreateUser(%q)", nu.Name)
	if err := nu.Validate(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		home, err := t.scope(nu.HomeScopeID)
		if err != nil {
			return bulwark.FieldError("home_scope_id", "no scope %d", nu.HomeScopeID)
		}
		if err := t.p.Authorize(bulwark.ActionUserCreate, home.Path); err != nil {
			return err
		}
		var id int64
		if err := t.queryRow(`INSERT INTO users (name, display_name, email, home_scope_id, password_hash, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, nu.Name, nu.DisplayName, nu.Email, nu.HomeScopeID, hash, false, micros(t.now)).Scan(&id); err != nil {
			if bulwark.ErrorCode(db.mapErr(err)) == bulwark.ECONFLICT {
				return bulwark.ConflictError("name", "user name %q is taken", nu.Name)
			}
			return err
		}
		u = &bulwark.User{ID: id, Name: nu.Name, DisplayName: nu.DisplayName, Email: nu.Email, HomeScopeID: nu.HomeScopeID, CreatedAt: t.now, Grants: []bulwark.Grant{}}
		t.record("user.created", fmt.Sprintf("user:%d", id), home.Path, nil, u, nu.Reason)
		return nil
	})
	return u, err
}

// FindUsers implements bulwark.UserService; users come in id order.
func (db *DB) FindUsers(ctx context.Context, page bulwark.Page) (out []*bulwark.User, next string, err error) {
	defer bulwark.Wrap(&err, "FindUsers")
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	p := bulwark.PrincipalFrom(ctx)
	visible := p.VisibleScopes(bulwark.ActionUserRead)
	if len(visible) == 0 {
		return nil, "", p.Authorize(bulwark.ActionUserRead, "/")
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		homeCond, args := scopeFilter("s.path", visible)
		grantCond, gargs := scopeFilter("gs.path", visible)
		args = append(append(args, gargs...), after)
		rows, err := t.query("SELECT "+userCols+` FROM users u JOIN scopes s ON s.id = u.home_scope_id
			WHERE (`+homeCond+` OR u.id IN (SELECT g.user_id FROM grants g JOIN scopes gs ON gs.id = g.scope_id WHERE `+grantCond+`))
			AND u.id > ? ORDER BY u.id`+fmt.Sprintf(" LIMIT %d", limit+1), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, u)
		}
		rows.Close()
		if len(out) > limit {
			out = out[:limit]
			next = bulwark.CursorAfter(out[limit-1].ID)
		}
		for _, u := range out {
			if u.Grants, err = t.grants(u.ID); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return out, next, err
}

// FindUserByID implements bulwark.UserService.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*bulwark.User, error) {
	return db.findUser(ctx, "u.id = ?", id)
}

// FindUserByName implements bulwark.UserService.
func (db *DB) FindUserByName(ctx context.Context, name string) (*bulwark.User, error) {
	return db.findUser(ctx, "u.name = ?", strings.TrimSpace(name))
}

func (db *DB) findUser(ctx context.Context, where string, arg any) (u *bulwark.User, err error) {
	defer bulwark.Wrap(&err, "FindUser(%v)", arg)
	err = db.readTx(ctx, func(t *Tx) error {
		var home string
		u, home, err = t.user(where, arg)
		if err != nil {
			return err
		}
		if !canSeeUser(t.p, u, home) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no user %v", arg)
		}
		return nil
	})
	return u, err
}

// GrantRole implements bulwark.UserService.
func (db *DB) GrantRole(ctx context.Context, userID int64, role bulwark.Role, scopeID int64, reason string) (g *bulwark.Grant, err error) {
	defer bulwark.Wrap(&err, "GrantRole(%d, %s, %d)", userID, role, scopeID)
	if !role.Valid() {
		_, err := bulwark.ParseRole(string(role))
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		s, err := t.scope(scopeID)
		if err != nil {
			return bulwark.FieldError("scope_id", "no scope %d", scopeID)
		}
		if err := t.p.Authorize(bulwark.ActionUserGrant, s.Path); err != nil {
			return err
		}
		u, _, err := t.user("u.id = ?", userID)
		if err != nil {
			return err
		}
		var id int64
		if err := t.queryRow("INSERT INTO grants (user_id, role, scope_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			userID, string(role), scopeID, micros(t.now)).Scan(&id); err != nil {
			if bulwark.ErrorCode(db.mapErr(err)) == bulwark.ECONFLICT {
				return bulwark.Errorf(bulwark.ECONFLICT, "%s is already %s in %s", u.Name, role, s.Name)
			}
			return err
		}
		g = &bulwark.Grant{ID: id, UserID: userID, Role: role, ScopeID: scopeID, ScopePath: s.Path, ScopeName: s.Name}
		t.record("user.role_granted", fmt.Sprintf("user:%d", userID), s.Path, nil, g, reason)
		return nil
	})
	return g, err
}

// RevokeGrant implements bulwark.UserService.
func (db *DB) RevokeGrant(ctx context.Context, grantID int64, reason string) (err error) {
	defer bulwark.Wrap(&err, "RevokeGrant(%d)", grantID)
	return db.inTx(ctx, func(t *Tx) error {
		var g bulwark.Grant
		err := t.queryRow(`SELECT g.id, g.user_id, g.role, g.scope_id, s.path, s.name FROM grants g JOIN scopes s ON s.id = g.scope_id WHERE g.id = ?`, grantID).
			Scan(&g.ID, &g.UserID, &g.Role, &g.ScopeID, &g.ScopePath, &g.ScopeName)
		if err == sql.ErrNoRows {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no grant %d", grantID)
		}
		if err != nil {
			return err
		}
		if err := t.p.Authorize(bulwark.ActionUserGrant, g.ScopePath); err != nil {
			return err
		}
		if _, err := t.exec("DELETE FROM grants WHERE id = ?", grantID); err != nil {
			return err
		}
		t.record("user.role_revoked", fmt.Sprintf("user:%d", g.UserID), g.ScopePath, g, nil, reason)
		return nil
	})
}

// SetPassword implements bulwark.UserService. Users may set their own.
func (db *DB) SetPassword(ctx context.Context, userID int64, password, reason string) (err error) {
	defer bulwark.Wrap(&err, "SetPassword(%d)", userID)
	if err := bulwark.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(t *Tx) error {
		u, home, err := t.user("u.id = ?", userID)
		if err != nil {
			return err
		}
		self := t.p != nil && t.p.Kind == bulwark.PrincipalUser && t.p.UserID == userID
		if !self {
			if !canSeeUser(t.p, u, home) {
				return bulwark.Errorf(bulwark.ENOTFOUND, "no user %d", userID)
			}
			if err := t.p.Authorize(bulwark.ActionUserPassword, home); err != nil {
				return err
			}
		}
		if _, err := t.exec("UPDATE users SET password_hash = ? WHERE id = ?", hash, userID); err != nil {
			return err
		}
		if _, err := t.exec("DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
			return err
		}
		t.record("user.password_set", fmt.Sprintf("user:%d", userID), home, nil, nil, reason)
		return nil
	})
}
