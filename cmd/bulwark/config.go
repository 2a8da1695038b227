package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
)

// option is one configuration setting: a flag, the environment variable
// that sets its default, the default itself and a line of help.
type option struct {
	name, env, def, help string
}

// options declares every setting of every command, in one table.
var options = []option{
	{"addr", "BULWARK_ADDR", "127.0.0.1:8080", "address to listen on (HOST:PORT)"},
	{"data", "BULWARK_DATA", "./bulwark-data", "data directory: the SQLite database and the ledger key"},
	{"db", "BULWARK_DB", "", "database: a postgres:// URL for PostgreSQL; empty for SQLite in the data directory"},
	{"ledger-key", "BULWARK_LEDGER_KEY", "", "ledger signing key file (default DATA/ledger.key; created on first start)"},
	{"ledger-origin", "BULWARK_LEDGER_ORIGIN", "", "name of the log, used only when the key is created (default a random bulwark.ledger/… name)"},
	{"org", "BULWARK_ORG", "Organisation", "name of the organisation root scope, used only on an empty database"},
	{"max-evidence-bytes", "BULWARK_MAX_EVIDENCE_BYTES", strconv.Itoa(bulwark.DefaultMaxEvidenceBytes), "largest evidence file accepted, in bytes"},
	{"server", "BULWARK_SERVER", "", "Bulwark server URL (e.g. https://bulwark.example.com)"},
	{"token", "BULWARK_TOKEN", "", "API token (prefer the environment variable: flags show up in process lists)"},
	{"log-format", "BULWARK_LOG_FORMAT", "text", "log format: text or json"},
	{"log-level", "BULWARK_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
	{"demo-data", "BULWARK_DEMO_DATA", "../shared/data", "with --demo: folder of the shared data (real SBOMs, OSV packs); without it the built-in set is seeded"},
}

// config holds parsed option values by name.
type config map[string]*string

func newFlagSet(name, args, about string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("bulwark "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: bulwark %s [flags] %s\n\n%s\n", name, args, about)
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(e.stdout, "\nFlags:")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			fs.SetOutput(e.stderr)
		}
	}
	return fs
}

// addOptions registers the named options on fs, with defaults from the
// environment where set.
func addOptions(fs *flag.FlagSet, names ...string) config {
	c := config{}
	for _, n := range names {
		o := lookupOption(n)
		def := o.def
		if v, ok := os.LookupEnv(o.env); ok {
			def = v
		}
		c[n] = fs.String(n, def, o.help+" [$"+o.env+"]")
	}
	return c
}

func lookupOption(name string) option {
	for _, o := range options {
		if o.name == name {
			return o
		}
	}
	panic("no option " + name)
}

// parse parses args, turning flag errors into usage errors (exit 2). Help
// is not an error of the user's.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v (see 'bulwark %s --help')", err, strings.TrimPrefix(fs.Name(), "bulwark "))
	}
	return nil
}

func (c config) get(name string) string { return *c[name] }

// dsn is the database the command talks to.
func (c config) dsn() string {
	if d := c.get("db"); d != "" {
		return d
	}
	return sqldb.SQLitePath(c.get("data"))
}

func (c config) keyPath() string {
	if k := c.get("ledger-key"); k != "" {
		return k
	}
	return filepath.Join(c.get("data"), "ledger.key")
}

func (c config) maxEvidence() (int64, error) {
	n, err := strconv.ParseInt(c.get("max-evidence-bytes"), 10, 64)
	if err != nil || n < 1 {
		return 0, usagef("--max-evidence-bytes must be a positive number of bytes, got %q", c.get("max-evidence-bytes"))
	}
	return n, nil
}

// open connects to and migrates the database.
func (c config) open(ctx context.Context) (*sqldb.DB, error) {
	return c.openOptions(ctx, sqldb.Options{})
}

// openOptions is open with store options (serve's demo clock).
func (c config) openOptions(ctx context.Context, o sqldb.Options) (*sqldb.DB, error) {
	db, err := sqldb.Open(ctx, c.dsn(), o)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openWithKey also loads the existing ledger key (commands other than
// serve never create one: a second key would fork the log's identity).
func (c config) openWithKey(ctx context.Context) (*sqldb.DB, error) {
	b, err := os.ReadFile(c.keyPath())
	if err != nil {
		return nil, fmt.Errorf("ledger key: %w (start 'bulwark serve' once to create it, or pass --ledger-key)", err)
	}
	signer, err := ledger.NewSigner(string(b))
	if err != nil {
		return nil, err
	}
	db, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	db.SetSigner(signer)
	return db, nil
}

// storeFlags are the options of every command that opens the database.
var storeFlags = []string{"data", "db", "ledger-key"}

// isSet reports whether the user chose a value for the flag, on the
// command line or in its environment variable.
func isSet(fs *flag.FlagSet, name, envVar string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	_, inEnv := os.LookupEnv(envVar)
	return set || inEnv
}
