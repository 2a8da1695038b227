package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
)

type subcommand struct {
	name, summary string
	run           func(e *env, args []string) error
}

// dispatch runs the named subcommand of group.
func dispatch(e *env, group string, subs []subcommand, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(e.stdout, "Usage: bulwark %s <subcommand> [flags]\n\nSubcommands:\n", group)
		for _, s := range subs {
			fmt.Fprintf(e.stdout, "  %-15s %s\n", s.name, s.summary)
		}
		if len(args) == 0 {
			return usagef("%s needs a subcommand", group)
		}
		return nil
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(e, args[1:])
		}
	}
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	return usagef("unknown subcommand %q of %s (one of: %s)", args[0], group, strings.Join(names, ", "))
}

// eachPage calls fn for every item of a paginated listing.
func eachPage[T any](ctx context.Context, find func(context.Context, bulwark.Page) ([]T, string, error), fn func(T)) error {
	pg := bulwark.Page{Limit: bulwark.MaxPageLimit}
	for {
		items, next, err := find(ctx, pg)
		if err != nil {
			return err
		}
		for _, it := range items {
			fn(it)
		}
		if next == "" {
			return nil
		}
		pg.Cursor = next
	}
}

func noArgs(fsName string, rest []string) error {
	if len(rest) > 0 {
		return usagef("%s takes no arguments, got %q", fsName, rest)
	}
	return nil
}

// Scopes.

func runScope(e *env, args []string) error {
	return dispatch(e, "scope", []subcommand{
		{"list", "list every scope with its id and path", scopeList},
		{"create", "create a scope under a parent", scopeCreate},
	}, args)
}

func scopeList(e *env, args []string) error {
	fs := newFlagSet("scope list", "", "List every scope.", e)
	c := addOptions(fs, "data", "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tNAME\tPATH")
	err = eachPage(systemContext(e.ctx), db.FindScopes, func(s *bulwark.Scope) {
		depth := strings.Count(s.Path, "/") - 2
		fmt.Fprintf(tw, "%d\t%s\t%s%s\t%s\n", s.ID, s.Kind, strings.Repeat("  ", max(depth, 0)), s.Name, s.Path)
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

func scopeCreate(e *env, args []string) error {
	fs := newFlagSet("scope create", "", "Create a scope under a parent scope.", e)
	c := addOptions(fs, "data", "db")
	parent := fs.Int64("parent", 0, "id of the parent scope (see 'bulwark scope list')")
	kind := fs.String("kind", "", "region, country, business-unit or project")
	name := fs.String("name", "", "name of the scope")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *parent <= 0 || *kind == "" || *name == "" {
		return usagef("scope create needs --parent, --kind and --name")
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.CreateScope(systemContext(e.ctx), *parent, bulwark.ScopeKind(*kind), *name, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s %q (id %d, path %s)\n", s.Kind, s.Name, s.ID, s.Path)
	return nil
}

// Users.

func runUser(e *env, args []string) error {
	return dispatch(e, "user", []subcommand{
		{"create", "create a user (and optionally grant a role)", userCreate},
		{"grant", "grant a user a role in a scope", userGrant},
		{"revoke", "revoke a grant by id", userRevoke},
		{"reset-password", "set a new password and end the user's sessions", userResetPassword},
		{"list", "list users and their grants", userList},
	}, args)
}

// readPassword takes a password from stdin (first line) or makes one.
func readPassword(e *env, fromStdin bool) (pw string, generated bool, err error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, usagef("--password-stdin: no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", false, err
	}
	return base64.RawURLEncoding.EncodeToString(b), true, nil
}

func userCreate(e *env, args []string) error {
	fs := newFlagSet("user create", "", "Create a user homed in a scope. Without --password-stdin a strong password is generated and printed once.", e)
	c := addOptions(fs, "data", "db")
	name := fs.String("name", "", "login name (lower-case letters, digits, . _ -)")
	display := fs.String("display-name", "", "full name shown in the UI")
	email := fs.String("email", "", "e-mail address")
	scope := fs.Int64("scope", 0, "home scope id; also the scope of --role")
	role := fs.String("role", "", "optional role to grant in the home scope")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" || *scope <= 0 {
		return usagef("user create needs --name and --scope")
	}
	var r bulwark.Role
	if *role != "" {
		var err error
		if r, err = bulwark.ParseRole(*role); err != nil {
			return usagef("--role: %s", bulwark.ErrorMessage(err))
		}
	}
	pw, generated, err := readPassword(e, *pwStdin)
	if err != nil {
		return err
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := systemContext(e.ctx)
	u, err := db.CreateUser(ctx, bulwark.NewUser{Name: *name, DisplayName: *display, Email: *email, HomeScopeID: *scope, Password: pw, Reason: *reason})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %s (id %d)\n", u.Name, u.ID)
	if r != "" {
		if _, err := db.GrantRole(ctx, u.ID, r, *scope, *reason); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "granted %s in scope %d\n", r, *scope)
	}
	if generated {
		fmt.Fprintf(e.stdout, "password (shown once): %s\n", pw)
	}
	return nil
}

func userGrant(e *env, args []string) error {
	fs := newFlagSet("user grant", "", "Grant a user a role in a scope (and every scope below it).", e)
	c := addOptions(fs, "data", "db")
	name := fs.String("name", "", "login name")
	role := fs.String("role", "", "one of: "+roleNames())
	scope := fs.Int64("scope", 0, "scope id")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" || *role == "" || *scope <= 0 {
		return usagef("user grant needs --name, --role and --scope")
	}
	r, err := bulwark.ParseRole(*role)
	if err != nil {
		return usagef("--role: %s", bulwark.ErrorMessage(err))
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := systemContext(e.ctx)
	u, err := db.FindUserByName(ctx, *name)
	if err != nil {
		return err
	}
	g, err := db.GrantRole(ctx, u.ID, r, *scope, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "granted %s to %s in %s (grant %d)\n", g.Role, u.Name, g.ScopeName, g.ID)
	return nil
}

func userRevoke(e *env, args []string) error {
	fs := newFlagSet("user revoke", "", "Revoke a grant (ids are shown by 'bulwark user list').", e)
	c := addOptions(fs, "data", "db")
	id := fs.Int64("grant", 0, "grant id")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("user revoke needs --grant")
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeGrant(systemContext(e.ctx), *id, *reason); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked grant %d\n", *id)
	return nil
}

func userResetPassword(e *env, args []string) error {
	fs := newFlagSet("user reset-password", "", "Set a new password for a user and end their sessions.", e)
	c := addOptions(fs, "data", "db")
	name := fs.String("name", "", "login name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("user reset-password needs --name")
	}
	pw, generated, err := readPassword(e, *pwStdin)
	if err != nil {
		return err
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := systemContext(e.ctx)
	u, err := db.FindUserByName(ctx, *name)
	if err != nil {
		return err
	}
	if err := db.SetPassword(ctx, u.ID, pw, *reason); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password of %s reset\n", u.Name)
	if generated {
		fmt.Fprintf(e.stdout, "password (shown once): %s\n", pw)
	}
	return nil
}

func userList(e *env, args []string) error {
	fs := newFlagSet("user list", "", "List users and their grants.", e)
	c := addOptions(fs, "data", "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDISPLAY NAME\tGRANTS (id:role@scope)")
	err = eachPage(systemContext(e.ctx), db.FindUsers, func(u *bulwark.User) {
		var gs []string
		for _, g := range u.Grants {
			gs = append(gs, fmt.Sprintf("%d:%s@%s", g.ID, g.Role, g.ScopeName))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Name, u.DisplayName, strings.Join(gs, ", "))
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

func roleNames() string {
	names := make([]string, len(bulwark.Roles))
	for i, r := range bulwark.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Tokens.

func runToken(e *env, args []string) error {
	return dispatch(e, "token", []subcommand{
		{"create", "issue an API token for a user (the secret is printed once)", tokenCreate},
		{"list", "list API tokens", tokenList},
		{"revoke", "revoke an API token by id", tokenRevoke},
	}, args)
}

// grantList collects repeated --grant role@scope flags.
type grantList []bulwark.TokenGrant

func (g *grantList) String() string { return fmt.Sprint(*g) }

func (g *grantList) Set(v string) error {
	role, scope, ok := strings.Cut(v, "@")
	if !ok {
		return fmt.Errorf("want ROLE@SCOPE_ID, got %q", v)
	}
	r, err := bulwark.ParseRole(role)
	if err != nil {
		return fmt.Errorf("%s", bulwark.ErrorMessage(err))
	}
	id, err := strconv.ParseInt(scope, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("scope %q is not an id", scope)
	}
	*g = append(*g, bulwark.TokenGrant{Role: r, ScopeID: id})
	return nil
}

// parseLifetime reads "90d", "12h", "30m".
func parseLifetime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 {
			return 0, usagef("--expires: %q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--expires: want a lifetime such as 90d or 12h, got %q", s)
	}
	return d, nil
}

func tokenCreate(e *env, args []string) error {
	fs := newFlagSet("token create", "", "Issue an API token for a user. Without --grant the token carries all the user's grants.\nThe secret is printed once; only its hash is stored.", e)
	c := addOptions(fs, "data", "db")
	userName := fs.String("user", "", "login name of the token's user")
	name := fs.String("name", "", "what the token is for (e.g. \"ci pipeline\")")
	expires := fs.String("expires", "90d", "lifetime: days (90d) or a Go duration (12h); at most 366d")
	var grants grantList
	fs.Var(&grants, "grant", "limit the token to ROLE@SCOPE_ID (repeatable); each must be held by the user")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *userName == "" || *name == "" {
		return usagef("token create needs --user and --name")
	}
	life, err := parseLifetime(*expires)
	if err != nil {
		return err
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := systemContext(e.ctx)
	u, err := db.FindUserByName(ctx, *userName)
	if err != nil {
		return err
	}
	tok, secret, err := db.CreateToken(ctx, bulwark.NewToken{UserID: u.ID, Name: *name, ExpiresAt: time.Now().Add(life), Grants: grants, Reason: *reason})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "token %d for %s expires %s; store the secret now, it is not shown again:\n", tok.ID, u.Name, tok.ExpiresAt.Format(time.RFC3339))
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func tokenList(e *env, args []string) error {
	fs := newFlagSet("token list", "", "List API tokens (never their secrets).", e)
	c := addOptions(fs, "data", "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tPREFIX\tEXPIRES\tSTATE")
	err = eachPage(systemContext(e.ctx), db.FindTokens, func(t *bulwark.Token) {
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked"
		case time.Now().After(t.ExpiresAt):
			state = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\n", t.ID, t.UserName, t.Name, t.Prefix, t.ExpiresAt.Format("2006-01-02"), state)
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}

func tokenRevoke(e *env, args []string) error {
	fs := newFlagSet("token revoke", "", "Revoke an API token.", e)
	c := addOptions(fs, "data", "db")
	id := fs.Int64("id", 0, "token id (see 'bulwark token list')")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("token revoke needs --id")
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeToken(systemContext(e.ctx), *id, *reason); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked token %d\n", *id)
	return nil
}
