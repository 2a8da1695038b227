package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bulwark-sec/bulwark"
)

// Notifications implements bulwark.CatalogService.
func (db *DB) Notifications(ctx context.Context, page bulwark.Page) (out []*bulwark.Notification, next string, err error) {
	defer bulwark.Wrap(&err, "Notifications")
	p := bulwark.PrincipalFrom(ctx)
	if p == nil || p.UserID == 0 {
		return nil, "", bulwark.Errorf(bulwark.EUNAUTHORIZED, "notifications belong to a signed-in user")
	}
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	where, args := "user_id = ?", []any{p.UserID}
	if page.Cursor != "" {
		where, args = where+" AND id < ?", append(args, after)
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		rows, err := t.query("SELECT id, user_id, kind, subject, message, link, created_at, read_at FROM notifications WHERE "+where+
			fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit+1), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n bulwark.Notification
			var at int64
			var read sql.NullInt64
			if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.Subject, &n.Message, &n.Link, &at, &read); err != nil {
				return err
			}
			n.CreatedAt, n.ReadAt = fromMicros(at), nullMicros(read)
			out = append(out, &n)
		}
		return rows.Err()
	})
	if len(out) > limit {
		out = out[:limit]
		next = bulwark.CursorAfter(out[limit-1].ID)
	}
	return out, next, err
}

// UnreadNotifications implements bulwark.CatalogService.
func (db *DB) UnreadNotifications(ctx context.Context) (n int, err error) {
	defer bulwark.Wrap(&err, "UnreadNotifications")
	p := bulwark.PrincipalFrom(ctx)
	if p == nil || p.UserID == 0 {
		return 0, bulwark.Errorf(bulwark.EUNAUTHORIZED, "notifications belong to a signed-in user")
	}
	err = db.sql.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL"), p.UserID).Scan(&n)
	return n, db.mapErr(err)
}

// MarkNotificationRead implements bulwark.CatalogService. Reading one's own
// notifications is not a decision, so it is not a ledger event.
func (db *DB) MarkNotificationRead(ctx context.Context, id int64) (err error) {
	defer bulwark.Wrap(&err, "MarkNotificationRead(%d)", id)
	p := bulwark.PrincipalFrom(ctx)
	if p == nil || p.UserID == 0 {
		return bulwark.Errorf(bulwark.EUNAUTHORIZED, "notifications belong to a signed-in user")
	}
	res, err := db.sql.ExecContext(ctx, db.rebind("UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?"), micros(db.now()), id, p.UserID)
	if err != nil {
		return db.mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no notification %d", id)
	}
	return nil
}
