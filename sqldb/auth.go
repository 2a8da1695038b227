package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
)

var _ bulwark.AuthService = (*DB)(nil)

// TokenPrefix starts every API token secret, so leaked tokens are easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "bwk_"

func randomSecret(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

func secretHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// Login implements bulwark.AuthService. Failures are counted in the
// database, so the limits hold across replicas.
func (db *DB) Login(ctx context.Context, name, password, addr string) (secret string, s *bulwark.Session, err error) {
	defer bulwark.Wrap(&err, "Login(%q)", name)
	name = strings.TrimSpace(name)
	now := db.now().UTC()
	accountKey, addrKey := "account:"+name, "addr:"+addr
	byAccount, byAddr, err := db.loginFailures(ctx, accountKey, addrKey, now)
	if err != nil {
		return "", nil, err
	}
	if byAccount >= bulwark.MaxFailuresAccount || byAddr >= bulwark.MaxFailuresAddress {
		return "", nil, bulwark.Errorf(bulwark.ERATELIMITED, "too many failed sign-ins; wait %d minutes and try again", int(bulwark.LoginWindow.Minutes()))
	}

	var userID int64
	var hash, homePath string
	var disabled bool
	err = db.sql.QueryRowContext(ctx, db.rebind(`SELECT u.id, u.password_hash, u.disabled, s.path FROM users u
		JOIN scopes s ON s.id = u.home_scope_id WHERE u.name = ?`), name).Scan(&userID, &hash, &disabled, &homePath)
	if err != nil && err != sql.ErrNoRows {
		return "", nil, db.mapErr(err)
	}
	if err == sql.ErrNoRows {
		hash = dummyHash
	}
	if !checkPassword(hash, password) || err == sql.ErrNoRows || disabled {
		if ferr := db.recordLoginFailure(ctx, now, accountKey, addrKey); ferr != nil {
			return "", nil, ferr
		}
		return "", nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "wrong user name or password")
	}

	secret = randomSecret(32)
	s = &bulwark.Session{UserID: userID, CSRFToken: randomSecret(32), CreatedAt: now, ExpiresAt: now.Add(bulwark.SessionLifetime)}
	ctx = bulwark.WithPrincipal(ctx, &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: userID, Name: name})
	err = db.inTx(ctx, func(t *Tx) error {
		if _, err := t.exec("INSERT INTO sessions (secret_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
			secretHash(secret), userID, s.CSRFToken, micros(now), micros(s.ExpiresAt), micros(now)); err != nil {
			return err
		}
		if _, err := t.exec("DELETE FROM login_failures WHERE key = ? OR at < ?", accountKey, micros(now.Add(-bulwark.LoginWindow))); err != nil {
			return err
		}
		// The address goes to the request log, not the permanent ledger.
		t.record("auth.signed_in", fmt.Sprintf("user:%d", userID), homePath, nil, nil, "")
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return secret, s, nil
}

func (db *DB) loginFailures(ctx context.Context, accountKey, addrKey string, now time.Time) (byAccount, byAddr int, err error) {
	since := micros(now.Add(-bulwark.LoginWindow))
	q := db.rebind("SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?")
	if err := db.sql.QueryRowContext(ctx, q, accountKey, since).Scan(&byAccount); err != nil {
		return 0, 0, db.mapErr(err)
	}
	if err := db.sql.QueryRowContext(ctx, q, addrKey, since).Scan(&byAddr); err != nil {
		return 0, 0, db.mapErr(err)
	}
	return byAccount, byAddr, nil
}

func (db *DB) recordLoginFailure(ctx context.Context, now time.Time, keys ...string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return db.mapErr(err)
	}
	defer tx.Rollback()
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO login_failures (key, at) VALUES (?, ?)"), k, micros(now)); err != nil {
			return db.mapErr(err)
		}
	}
	return db.mapErr(tx.Commit())
}

// Logout implements bulwark.AuthService.
func (db *DB) Logout(ctx context.Context, secret string) (err error) {
	defer bulwark.Wrap(&err, "Logout")
	return db.inTx(ctx, func(t *Tx) error {
		var userID int64
		var home string
		err := t.queryRow(`SELECT s.user_id, sc.path FROM sessions s JOIN users u ON u.id = s.user_id
			JOIN scopes sc ON sc.id = u.home_scope_id WHERE s.secret_hash = ?`, secretHash(secret)).Scan(&userID, &home)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := t.exec("DELETE FROM sessions WHERE secret_hash = ?", secretHash(secret)); err != nil {
			return err
		}
		t.record("auth.signed_out", fmt.Sprintf("user:%d", userID), home, nil, nil, "")
		return nil
	})
}

// sessionTouchEvery limits how often a session's last-seen time is written.
const sessionTouchEvery = time.Minute

// SessionPrincipal implements bulwark.AuthService.
func (db *DB) SessionPrincipal(ctx context.Context, secret string) (p *bulwark.Principal, s *bulwark.Session, err error) {
	now := db.now().UTC()
	var lastSeen, created, expires int64
	var name string
	var disabled bool
	s = &bulwark.Session{}
	err = db.sql.QueryRowContext(ctx, db.rebind(`SELECT s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, u.name, u.disabled
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = ?`), secretHash(secret)).
		Scan(&s.UserID, &s.CSRFToken, &created, &expires, &lastSeen, &name, &disabled)
	if err == sql.ErrNoRows {
		return nil, nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "your session has ended; sign in again")
	}
	if err != nil {
		return nil, nil, db.mapErr(err)
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	if disabled || now.After(s.ExpiresAt) || now.Sub(fromMicros(lastSeen)) > bulwark.SessionIdleLifetime {
		db.sql.ExecContext(ctx, db.rebind("DELETE FROM sessions WHERE secret_hash = ?"), secretHash(secret))
		return nil, nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "your session has expired; sign in again")
	}
	if now.Sub(fromMicros(lastSeen)) > sessionTouchEvery {
		db.sql.ExecContext(ctx, db.rebind("UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ?"), micros(now), secretHash(secret))
	}
	p = &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: s.UserID, Name: name}
	err = db.readTx(ctx, func(t *Tx) error {
		p.Grants, err = t.grants(s.UserID)
		return err
	})
	return p, s, err
}

// TokenPrincipal implements bulwark.AuthService. A token acts with those of
// its grants that its user still holds (at the same scope or above).
func (db *DB) TokenPrincipal(ctx context.Context, secret string) (p *bulwark.Principal, err error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, bulwark.Errorf(bulwark.EUNAUTHORIZED, "not a Bulwark API token")
	}
	now := db.now().UTC()
	touch := false
	err = db.readTx(ctx, func(t *Tx) error {
		var tokenID, userID, expires int64
		var revoked, lastUsed sql.NullInt64
		var name string
		var disabled bool
		err := t.queryRow(`SELECT t.id, t.user_id, t.expires_at, t.revoked_at, t.last_used_at, u.name, u.disabled
			FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?`, secretHash(secret)).
			Scan(&tokenID, &userID, &expires, &revoked, &lastUsed, &name, &disabled)
		if err == sql.ErrNoRows {
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "unknown API token")
		}
		if err != nil {
			return err
		}
		switch {
		case revoked.Valid:
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "this API token was revoked")
		case now.After(fromMicros(expires)):
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "this API token expired on %s", fromMicros(expires).Format(time.RFC3339))
		case disabled:
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "the user of this API token is disabled")
		}
		held, err := t.grants(userID)
		if err != nil {
			return err
		}
		tg, err := t.tokenGrants(tokenID)
		if err != nil {
			return err
		}
		p = &bulwark.Principal{Kind: bulwark.PrincipalToken, UserID: userID, Name: name, TokenID: tokenID, TokenExpires: fromMicros(expires)}
		for _, g := range tg {
			if covered(held, g.Role, g.ScopePath) {
				p.Grants = append(p.Grants, g)
			}
		}
		if !lastUsed.Valid || now.Sub(fromMicros(lastUsed.Int64)) > sessionTouchEvery {
			touch = true
		}
		return nil
	})
	if err == nil && touch {
		db.sql.ExecContext(ctx, db.rebind("UPDATE tokens SET last_used_at = ? WHERE id = ?"), micros(now), p.TokenID)
	}
	return p, err
}

// covered reports whether grants hold role at path or above it.
func covered(grants []bulwark.Grant, role bulwark.Role, path string) bool {
	for _, g := range grants {
		if g.Role == role && bulwark.ScopeContains(g.ScopePath, path) {
			return true
		}
	}
	return false
}

func (t *Tx) tokenGrants(tokenID int64) ([]bulwark.Grant, error) {
	rows, err := t.query(`SELECT tg.role, tg.scope_id, s.path, s.name FROM token_grants tg
		JOIN scopes s ON s.id = tg.scope_id WHERE tg.token_id = ? ORDER BY tg.role, tg.scope_id`, tokenID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []bulwark.Grant{}
	for rows.Next() {
		var g bulwark.Grant
		if err := rows.Scan(&g.Role, &g.ScopeID, &g.ScopePath, &g.ScopeName); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// CreateToken implements bulwark.AuthService.
func (db *DB) CreateToken(ctx context.Context, nt bulwark.NewToken) (tok *bulwark.Token, secret string, err error) {
	defer bulwark.Wrap(&err, "CreateToken(%q)", nt.Name)
	if err := nt.Validate(db.now()); err != nil {
		return nil, "", err
	}
	secret = TokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randomBytes(20)))
	err = db.inTx(ctx, func(t *Tx) error {
		if t.p == nil {
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "sign in first")
		}
		if t.p.Kind != bulwark.PrincipalSystem {
			nt.UserID = t.p.UserID
		}
		u, home, err := t.user("u.id = ?", nt.UserID)
		if err != nil {
			return bulwark.FieldError("user_id", "no user %d", nt.UserID)
		}
		// A token may derive a narrower token: never more grants, never a
		// longer life than its own.
		held := u.Grants
		if t.p.Kind == bulwark.PrincipalToken {
			held = t.p.Grants
			if nt.ExpiresAt.After(t.p.TokenExpires) {
				return bulwark.FieldError("expires_at", "a token derived from a token cannot outlive it (%s)", t.p.TokenExpires.Format(time.RFC3339))
			}
		}
		var grants []bulwark.Grant
		if len(nt.Grants) == 0 {
			grants = held
		}
		for i, tg := range nt.Grants {
			s, err := t.scope(tg.ScopeID)
			if err != nil {
				return bulwark.FieldError("grants", "grant %d: no scope %d", i, tg.ScopeID)
			}
			if !covered(held, tg.Role, s.Path) {
				return bulwark.Errorf(bulwark.EFORBIDDEN, "grant %d: %s does not hold %s in %s, so a token cannot", i, u.Name, tg.Role, s.Name)
			}
			grants = append(grants, bulwark.Grant{Role: tg.Role, ScopeID: s.ID, ScopePath: s.Path, ScopeName: s.Name})
		}
		if len(grants) == 0 {
			return bulwark.FieldError("grants", "%s holds no role, so a token would be useless", u.Name)
		}
		for _, g := range grants {
			if !(&bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: u.ID, Grants: held}).Can(bulwark.ActionTokenIssue, g.ScopePath) {
				return bulwark.Errorf(bulwark.EFORBIDDEN, "%s may not issue tokens in %s", u.Name, g.ScopeName)
			}
		}
		var id int64
		prefix := secret[:len(TokenPrefix)+6]
		if err := t.queryRow(`INSERT INTO tokens (user_id, name, prefix, secret_hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, nt.Name, prefix, secretHash(secret), micros(t.now), micros(nt.ExpiresAt)).Scan(&id); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, g := range grants {
			key := fmt.Sprint(g.Role, g.ScopeID)
			if seen[key] {
				continue
			}
			seen[key] = true
			if _, err := t.exec("INSERT INTO token_grants (token_id, role, scope_id) VALUES (?, ?, ?)", id, string(g.Role), g.ScopeID); err != nil {
				return err
			}
		}
		tok = &bulwark.Token{ID: id, UserID: u.ID, UserName: u.Name, Name: nt.Name, Prefix: prefix, CreatedAt: t.now, ExpiresAt: nt.ExpiresAt.UTC().Truncate(time.Microsecond)}
		if tok.Grants, err = t.tokenGrants(id); err != nil {
			return err
		}
		t.record("token.created", fmt.Sprintf("token:%d", id), home, nil, tok, nt.Reason)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return tok, secret, nil
}

// RevokeToken implements bulwark.AuthService: the owner, or an admin over
// the owner's home scope.
func (db *DB) RevokeToken(ctx context.Context, id int64, reason string) (err error) {
	defer bulwark.Wrap(&err, "RevokeToken(%d)", id)
	return db.inTx(ctx, func(t *Tx) error {
		var userID int64
		var home string
		var revoked sql.NullInt64
		err := t.queryRow(`SELECT t.user_id, s.path, t.revoked_at FROM tokens t JOIN users u ON u.id = t.user_id
			JOIN scopes s ON s.id = u.home_scope_id WHERE t.id = ?`, id).Scan(&userID, &home, &revoked)
		if err == sql.ErrNoRows {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no token %d", id)
		}
		if err != nil {
			return err
		}
		own := t.p != nil && t.p.Kind != bulwark.PrincipalSystem && t.p.UserID == userID
		if !own && !t.p.Can(bulwark.ActionUserGrant, home) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no token %d", id)
		}
		if revoked.Valid {
			return bulwark.Errorf(bulwark.ECONFLICT, "token %d is already revoked", id)
		}
		if _, err := t.exec("UPDATE tokens SET revoked_at = ? WHERE id = ?", micros(t.now), id); err != nil {
			return err
		}
		t.record("token.revoked", fmt.Sprintf("token:%d", id), home, nil, nil, reason)
		return nil
	})
}

// FindTokens implements bulwark.AuthService.
func (db *DB) FindTokens(ctx context.Context, page bulwark.Page) (out []*bulwark.Token, next string, err error) {
	defer bulwark.Wrap(&err, "FindTokens")
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		if t.p == nil {
			return bulwark.Errorf(bulwark.EUNAUTHORIZED, "sign in first")
		}
		where, args := "t.user_id = ?", []any{t.p.UserID}
		if t.p.Kind == bulwark.PrincipalSystem {
			where, args = "1 = 1", nil
		}
		rows, err := t.query(`SELECT t.id, t.user_id, u.name, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
			FROM tokens t JOIN users u ON u.id = t.user_id WHERE `+where+` AND t.id > ? ORDER BY t.id`+fmt.Sprintf(" LIMIT %d", limit+1), append(args, after)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var tk bulwark.Token
			var created, expires int64
			var revoked, used sql.NullInt64
			if err := rows.Scan(&tk.ID, &tk.UserID, &tk.UserName, &tk.Name, &tk.Prefix, &created, &expires, &revoked, &used); err != nil {
				rows.Close()
				return err
			}
			tk.CreatedAt, tk.ExpiresAt, tk.RevokedAt, tk.LastUsedAt = fromMicros(created), fromMicros(expires), nullMicros(revoked), nullMicros(used)
			out = append(out, &tk)
		}
		rows.Close()
		if len(out) > limit {
			out = out[:limit]
			next = bulwark.CursorAfter(out[limit-1].ID)
		}
		for _, tk := range out {
			if tk.Grants, err = t.tokenGrants(tk.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, next, err
}
