// Command bulwark is the one binary of Bulwark: the server, the operator's
// administration commands, the pipeline gate and the auditor's verifier.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"syscall"

	"github.com/bulwark-sec/bulwark"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and the answer is no (or it failed)
	exitUsage   = 2 // bad flags, bad values, unknown command
)

// usageError marks errors that exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// failedError marks an answer of "no" that exits 1 after its message.
type failedError struct{ msg string }

func (e *failedError) Error() string { return e.msg }

// env is what every command gets.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web UI and the REST API", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"scope", "list and create scopes (organisation tree)", runScope},
		{"user", "create users, grant and revoke roles, reset passwords", runUser},
		{"token", "create, list and revoke API tokens", runToken},
		{"catalog", "bulk-import an approved-component list", runCatalog},
		{"sbom", "inspect an SBOM file (CycloneDX or SPDX) without storing it", runSBOM},
		{"advisories", "import OSV vulnerability advisories (files, directories, zip and tar.gz archives)", runAdvisories},
		{"scan", "match SBOMs against imported advisories without storing anything (exit 1 when something matched)", runScan},
		{"gate", "pipeline gate: upload a release's SBOM and fail the build on policy (exit 0 pass, 1 fail, 2 error)", runGate},
		{"ledger", "show the signed checkpoint, prove inclusion and consistency, export a bundle", runLedger},
		{"verify", "verify an exported ledger bundle offline (exit 0 verified, 1 not)", runVerify},
		{"version", "print the version", runVersion},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(stderr, c.run(e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "bulwark: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "Bulwark %s: product security governance in one binary.\n\nUsage: bulwark <command> [flags]\n\nCommands:\n", version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'bulwark <command> --help' for the flags of a command.")
}

// exitCode prints err and maps it to an exit code: one switch for all
// commands.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "bulwark: %s\n", ue.msg)
		return exitUsage
	}
	if errors.Is(err, errNotVerified) || err == errRowsFailed || err == errGateFailed || err == errFound {
		return exitFailure
	}
	var fe *failedError
	if errors.As(err, &fe) {
		fmt.Fprintf(stderr, "bulwark: %s\n", fe.msg)
		return exitFailure
	}
	switch code := bulwark.ErrorCode(err); code {
	case bulwark.EINVALID:
		fmt.Fprintf(stderr, "bulwark: %s\n", describe(err))
		return exitUsage
	case bulwark.EINTERNAL:
		fmt.Fprintf(stderr, "bulwark: %v\n", err)
		return exitFailure
	default:
		fmt.Fprintf(stderr, "bulwark: %s: %s\n", code, describe(err))
		return exitFailure
	}
}

func describe(err error) string {
	msg := bulwark.ErrorMessage(err)
	if f := bulwark.ErrorField(err); f != "" {
		return f + ": " + msg
	}
	return msg
}

// systemContext acts as the local operator: whoever can run this binary
// against the database can change it directly, so the ledger records who.
func systemContext(ctx context.Context) context.Context {
	name := "cli"
	if u, err := user.Current(); err == nil {
		name = "cli/" + u.Username
	}
	return bulwark.WithPrincipal(ctx, &bulwark.Principal{Kind: bulwark.PrincipalSystem, Name: name})
}

func runVersion(e *env, args []string) error {
	fs := newFlagSet("version", "", "Print the version of this binary.", e)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "bulwark %s\n", version)
	return nil
}
