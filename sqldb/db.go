// Package sqldb is Bulwark's store: one implementation of the domain
// services that runs on embedded SQLite (modernc.org/sqlite, pure Go) or on
// PostgreSQL (pgx). SQL is written once with ? placeholders and rebound per
// dialect; migrations are per dialect where the two differ. Every exported
// method that changes state runs in one transaction that also appends its
// ledger events.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. It implements bulwark.ScopeService, UserService,
// AuthService, LedgerService and EvidenceService.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	signer  *ledger.Signer
	now     func() time.Time

	// MaxEvidenceBytes limits one evidence file.
	MaxEvidenceBytes int64
	// MaxSBOMBytes limits one uploaded SBOM.
	MaxSBOMBytes int64

	policies policyCache
	// stopCheckpoints ends SQLite's background checkpoints (checkpoint.go).
	stopCheckpoints func()
	metrics         metricsCaches // the dashboards' snapshots (metrics.go)
}

// Options configure Open.
type Options struct {
	// Signer signs ledger checkpoints. Without one the store can append and
	// prove, but not sign.
	Signer *ledger.Signer
	// Now overrides the clock (tests).
	Now func() time.Time
	// MaxEvidenceBytes, 0 for the default.
	MaxEvidenceBytes int64
}

// SQLitePath is where the embedded database lives inside a data directory.
func SQLitePath(dataDir string) string { return filepath.Join(dataDir, "bulwark.db") }

// Open connects to dsn: a postgres:// or postgresql:// URL selects
// PostgreSQL; anything else is a SQLite file path (an optional sqlite:
// prefix is dropped). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db := &DB{signer: opts.Signer, now: opts.Now, MaxEvidenceBytes: opts.MaxEvidenceBytes, MaxSBOMBytes: DefaultMaxSBOMBytes}
	if db.now == nil {
		db.now = time.Now
	}
	if db.MaxEvidenceBytes <= 0 {
		db.MaxEvidenceBytes = bulwark.DefaultMaxEvidenceBytes
	}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.dialect = Postgres
		db.sql, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.sql.SetMaxOpenConns(20)
		db.sql.SetMaxIdleConns(10)
	default:
		db.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		if path == "" {
			return nil, errors.New("open sqlite: empty path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// WAL lets readers run beside the one writer (mmap lets them read
		// pages without a system call each); IMMEDIATE transactions
		// take the write lock up front so two writers queue on busy_timeout
		// instead of failing on lock upgrade.
		db.sql, err = sql.Open("sqlite", "file:"+path+
			"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"+
			"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_pragma=mmap_size(1073741824)"+
			"&_pragma=wal_autocheckpoint("+checkpointBackstop+")&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		db.sql.SetMaxOpenConns(8)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.sql.PingContext(pctx); err != nil {
		db.sql.Close()
		return nil, &bulwark.Error{Code: bulwark.EUNAVAILABLE, Message: fmt.Sprintf("cannot reach the %s database", db.dialect), Err: err}
	}
	if db.dialect == SQLite {
		db.stopCheckpoints = db.startCheckpoints()
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	return db.sql.Close()
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// SetSigner sets the checkpoint signer after Open.
func (db *DB) SetSigner(s *ledger.Signer) { db.signer = s }

// rebind turns ? placeholders into $1, $2, … for PostgreSQL. Our SQL has no
// ? inside string literals.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Tx is one store transaction: the principal acting, the clock read once,
// and the ledger events to append before commit.
type Tx struct {
	tx     *sql.Tx
	db     *DB
	ctx    context.Context
	p      *bulwark.Principal
	now    time.Time
	events []*bulwark.Event
}

func (t *Tx) exec(q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, t.db.rebind(q), args...)
}

func (t *Tx) query(q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, t.db.rebind(q), args...)
}

func (t *Tx) queryRow(q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, t.db.rebind(q), args...)
}

// inBatch is how many values one IN (…) list carries.
const inBatch = 500

// queryIn runs q + "(?, …)" once per batch of values, the list being the
// query's only parameter, and calls each for every row.
func (t *Tx) queryIn(q string, values []any, each func(*sql.Rows) error) error {
	return t.queryInAfter(q, nil, values, each)
}

// queryEach runs q and calls each for every row.
func (t *Tx) queryEach(q string, args []any, each func(*sql.Rows) error) error {
	rows, err := t.query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryInAfter is queryIn for a query whose placeholders before the IN
// list take args.
func (t *Tx) queryInAfter(q string, args, values []any, each func(*sql.Rows) error) error {
	for lo := 0; lo < len(values); lo += inBatch {
		batch := values[lo:min(lo+inBatch, len(values))]
		rows, err := t.query(q+"("+placeholders(len(batch))+")", append(slices.Clip(args), batch...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// record queues a ledger event for this transaction.
func (t *Tx) record(kind, subject, scope string, before, after any, reason string, evidence ...string) {
	t.events = append(t.events, &bulwark.Event{
		Time: t.now, Actor: t.p.Actor(), Kind: kind, Subject: subject, Scope: scope,
		Before: bulwark.Digest(before), After: bulwark.Digest(after), Reason: reason, Evidence: evidence,
	})
}

// inTx runs fn in a transaction and appends the events it recorded before
// committing, so a change and its ledger events land together or not at all.
func (db *DB) inTx(ctx context.Context, fn func(*Tx) error) error {
	t := &Tx{db: db, ctx: ctx, p: bulwark.PrincipalFrom(ctx), now: db.now().UTC().Truncate(time.Microsecond)}
	var err error
	t.tx, err = db.sql.BeginTx(ctx, nil)
	if err != nil {
		return db.mapErr(err)
	}
	if err := fn(t); err != nil {
		t.tx.Rollback()
		return db.mapErr(err)
	}
	if len(t.events) > 0 {
		if err := t.appendEvents(t.events); err != nil {
			t.tx.Rollback()
			return db.mapErr(err)
		}
	}
	if err := t.tx.Commit(); err != nil {
		return db.mapErr(err)
	}
	return nil
}

// readTx runs fn in a read-only transaction (one snapshot).
func (db *DB) readTx(ctx context.Context, fn func(*Tx) error) error {
	t := &Tx{db: db, ctx: ctx, p: bulwark.PrincipalFrom(ctx), now: db.now().UTC().Truncate(time.Microsecond)}
	var err error
	// Read-only also makes SQLite begin a deferred transaction rather than
	// an immediate one, so readers do not queue on the write lock.
	t.tx, err = db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.mapErr(err)
	}
	defer t.tx.Rollback()
	if err := fn(t); err != nil {
		return db.mapErr(err)
	}
	return nil
}

// mapErr turns driver errors into domain errors by SQLite result code or
// PostgreSQL SQLSTATE, never by message text. Domain errors pass through.
func (db *DB) mapErr(err error) error {
	if err == nil {
		return nil
	}
	var be *bulwark.Error
	if errors.As(err, &be) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &bulwark.Error{Code: bulwark.ENOTFOUND, Message: "not found", Err: err}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &bulwark.Error{Code: bulwark.ECONFLICT, Message: "already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &bulwark.Error{Code: bulwark.EINVALID, Message: "refers to something that does not exist", Err: err}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &bulwark.Error{Code: bulwark.EUNAVAILABLE, Message: "database busy, try again", Err: err}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &bulwark.Error{Code: bulwark.ECONFLICT, Message: "already exists", Err: err}
		case "23503":
			return &bulwark.Error{Code: bulwark.EINVALID, Message: "refers to something that does not exist", Err: err}
		case "40001", "40P01", "55P03":
			return &bulwark.Error{Code: bulwark.EUNAVAILABLE, Message: "database busy, try again", Err: err}
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &bulwark.Error{Code: bulwark.EUNAVAILABLE, Message: "request cancelled", Err: err}
	}
	return err
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// scopeFilter returns a SQL condition limiting col (a scope path column) to
// the subtrees at paths, and its arguments. No paths means nothing matches.
func scopeFilter(col string, paths []string) (string, []any) {
	if len(paths) == 0 {
		return "1 = 0", nil
	}
	conds := make([]string, len(paths))
	args := make([]any, len(paths))
	for i, p := range paths {
		conds[i] = col + " LIKE ?"
		args[i] = p + "%"
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// Raw returns the connection pool, for operator tooling and for tests that
// must change stored data behind the store's back (tamper tests).
func (db *DB) Raw() *sql.DB { return db.sql }
