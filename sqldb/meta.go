package sqldb

import (
	"context"
	"database/sql"
)

// Meta returns a value of the meta table ("" when unset): facts about this
// installation such as whether the demo organisation was seeded.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.sql.QueryRowContext(ctx, db.rebind("SELECT value FROM meta WHERE key = ?"), key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, db.mapErr(err)
}

// SetMeta sets a value of the meta table.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.sql.ExecContext(ctx, db.rebind("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"), key, value)
	return db.mapErr(err)
}
