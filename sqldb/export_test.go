package sqldb

// Rebind lets the external tests write raw SQL with ? placeholders the way
// the store does, for tamper tests that change data behind its back.
func (db *DB) Rebind(q string) string { return db.rebind(q) }
