// Package sqldbtest opens real, migrated, throw-away databases for tests:
// SQLite in a temporary directory and, when a server is reachable,
// PostgreSQL in a fresh schema that is dropped afterwards.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
)

// DefaultPostgres is the server tried when BULWARK_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresDSN returns the test server's DSN.
func PostgresDSN() string {
	if v := os.Getenv("BULWARK_TEST_POSTGRES"); v != "" {
		return v
	}
	return DefaultPostgres
}

var (
	pgOnce sync.Once
	pgErr  error
)

// postgresReachable pings the test server once per process.
func postgresReachable() error {
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", PostgresDSN())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	return pgErr
}

// Dialects runs fn once per database: SQLite always, PostgreSQL when
// reachable (the subtest says clearly when and why it skips).
func Dialects(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated database of the dialect with a signing key,
// closed and removed when the test ends.
func Open(t testing.TB, d sqldb.Dialect) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	signer, err := ledger.LoadOrCreateKey(filepath.Join(t.TempDir(), "ledger.key"), "bulwark.test/ledger")
	if err != nil {
		t.Fatal(err)
	}
	var dsn string
	switch d {
	case sqldb.SQLite:
		dsn = sqldb.SQLitePath(t.TempDir())
	case sqldb.Postgres:
		if err := postgresReachable(); err != nil {
			t.Skipf("PostgreSQL half skipped: no server at %s (set BULWARK_TEST_POSTGRES): %v", PostgresDSN(), err)
		}
		dsn = freshSchema(t)
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// freshSchema creates a schema for one test and returns a DSN that uses it.
func freshSchema(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "bt_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(PostgresDSN(), "?") {
		sep = "&"
	}
	return PostgresDSN() + sep + "search_path=" + schema
}

// System returns ctx acting as the local operator.
func System(ctx context.Context) context.Context {
	return bulwark.WithPrincipal(ctx, &bulwark.Principal{Kind: bulwark.PrincipalSystem, Name: "test"})
}
