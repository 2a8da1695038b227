package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/api"
	"github.com/bulwark-sec/bulwark/catalogfile"
	"github.com/bulwark-sec/bulwark/demo"
	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/server"
	"github.com/bulwark-sec/bulwark/sqldb"
	"github.com/bulwark-sec/bulwark/web"
)

func runServe(e *env, args []string) error {
	fs := newFlagSet("serve", "", "Run the web UI and the REST API. On an empty database it applies the migrations,\n"+
		"creates the ledger signing key and the organisation root; with --demo it also seeds\n"+
		"a demo organisation with one user per role and three months of history, from the real\n"+
		"SBOMs and advisories in --demo-data when it holds them (kept as is on later starts).", e)
	c := addOptions(fs, "addr", "data", "db", "ledger-key", "ledger-origin", "org", "max-evidence-bytes", "log-format", "log-level", "demo-data")
	demoFlag := fs.Bool("demo", false, "seed the demo organisation on an empty database and print its logins")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments, got %q", fs.Args())
	}
	log, err := newLogger(e.stderr, c.get("log-format"), c.get("log-level"))
	if err != nil {
		return err
	}
	maxEvidence, err := c.maxEvidence()
	if err != nil {
		return err
	}
	if *demoFlag && !isSet(fs, "org", "BULWARK_ORG") {
		*c["org"] = demo.OrgName
	}
	if _, _, err := net.SplitHostPort(c.get("addr")); err != nil {
		return usagef("--addr must be HOST:PORT, got %q", c.get("addr"))
	}

	// The demo dates its history with a clock of its own, which the store
	// reads from the start (the organisation root is the story's first
	// event); it is real time again before the server serves.
	var clock *demo.Clock
	var now func() time.Time
	if *demoFlag {
		clock = demo.NewClock()
		now = clock.Now
	}
	app, err := start(e.ctx, c, log, maxEvidence, now)
	if err != nil {
		return err
	}
	defer app.db.Close()
	if *demoFlag {
		err := seedDemo(e.ctx, app.db, e.stdout, c.get("demo-data"), clock)
		clock.Reset()
		if err != nil {
			return err
		}
	} else {
		hintFirstUser(e.ctx, app.db, e.stdout)
	}

	ln, err := net.Listen("tcp", c.get("addr"))
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.get("addr"), err)
	}
	fmt.Fprintf(e.stdout, "Bulwark %s is serving on http://%s/ (%s database, ledger %s)\n", version, ln.Addr(), app.db.Dialect(), app.signer.Origin())
	log.Info("serving", "addr", ln.Addr().String(), "db", string(app.db.Dialect()), "ledger", app.signer.Origin(), "startup_ms", time.Since(app.began).Milliseconds())
	return app.server.Serve(e.ctx, ln)
}

// app is a wired server.
type app struct {
	db     *sqldb.DB
	signer *ledger.Signer
	server *server.Server
	began  time.Time
}

// start opens and migrates the database (with now as its clock), loads or
// creates the key, makes sure the organisation root exists and wires the
// HTTP handlers.
func start(ctx context.Context, c config, log *slog.Logger, maxEvidence int64, now func() time.Time) (*app, error) {
	began := time.Now()
	db, err := c.openOptions(ctx, sqldb.Options{Now: now})
	if err != nil {
		return nil, err
	}
	signer, err := ledger.LoadOrCreateKey(c.keyPath(), c.get("ledger-origin"))
	if err != nil {
		db.Close()
		return nil, err
	}
	db.SetSigner(signer)
	db.MaxEvidenceBytes = maxEvidence
	if _, err := db.RootScope(ctx); bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
		if _, err := db.CreateScope(systemContext(ctx), 0, bulwark.ScopeOrg, c.get("org"), "first start"); err != nil {
			db.Close()
			return nil, err
		}
	} else if err != nil {
		db.Close()
		return nil, err
	}

	export := func(ctx context.Context, w io.Writer, from, to int64) error {
		return db.ExportBundle(ctx, w, sqldb.ExportOptions{From: from, To: to})
	}
	apiH := api.New(db, api.Options{
		Logger: log, VerifierKey: signer.VerifierKey(), MaxEvidenceBytes: maxEvidence, Export: export,
	})
	pages, err := web.New(db, web.Options{VerifierKey: signer.VerifierKey(), Logger: log, Version: version, Export: export})
	if err != nil {
		db.Close()
		return nil, err
	}
	srv := server.New(server.Options{
		Logger: log,
		Ready:  db.Ping,
		Mount:  []func(*http.ServeMux){apiH.Routes, pages.Routes},
	})
	return &app{db: db, signer: signer, server: srv, began: began}, nil
}

// seedDemo seeds the demo organisation once: a database that already has
// users keeps what it has.
func seedDemo(ctx context.Context, db *sqldb.DB, out io.Writer, data string, clock *demo.Clock) error {
	sys := systemContext(ctx)
	users, _, err := db.FindUsers(sys, bulwark.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		fmt.Fprintf(out, "Demo: this data directory already has users; keeping them. Demo logins (if seeded here):\n%s",
			(&demo.Org{Users: demo.Logins()}).String())
		return nil
	}
	root, err := db.RootScope(ctx)
	if err != nil {
		return err
	}
	res, err := demo.Run(sys, db, root, demo.Options{Data: data, Clock: clock, ParseCatalog: catalogfile.Parse})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%sSign in as:\n%s", res.Summary(), res.Org.String())
	return nil
}

func hintFirstUser(ctx context.Context, db *sqldb.DB, out io.Writer) {
	users, _, err := db.FindUsers(systemContext(ctx), bulwark.Page{Limit: 1})
	if err == nil && len(users) == 0 {
		root, _ := db.RootScope(ctx)
		id := int64(1)
		if root != nil {
			id = root.ID
		}
		fmt.Fprintf(out, "No users yet. Create the first administrator with:\n  bulwark user create --name admin --role admin --scope %d\n", id)
	}
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level must be debug, info, warn or error, got %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format must be text or json, got %q", format)
}

func runMigrate(e *env, args []string) error {
	fs := newFlagSet("migrate", "", "Apply the database migrations that are not applied yet, then exit.", e)
	c := addOptions(fs, "data", "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := sqldb.Open(e.ctx, c.dsn(), sqldb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(e.ctx)
	if err != nil {
		return err
	}
	v, err := db.SchemaVersion(e.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s database at schema version %d (applied now: %v)\n", db.Dialect(), v, applied)
	return nil
}
