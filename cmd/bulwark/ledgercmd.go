package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark/ledger"
	"github.com/bulwark-sec/bulwark/sqldb"
	"golang.org/x/mod/sumdb/tlog"
)

// errNotVerified makes verify exit 1 after it printed why.
var errNotVerified = errors.New("not verified")

func runLedger(e *env, args []string) error {
	return dispatch(e, "ledger", []subcommand{
		{"checkpoint", "print the latest signed checkpoint (signed-note text)", ledgerCheckpoint},
		{"prove", "prove that an event is in the log", ledgerProve},
		{"consistency", "prove that the log extends an earlier size", ledgerConsistency},
		{"export", "write a self-contained bundle for offline verification", ledgerExport},
	}, args)
}

func ledgerCheckpoint(e *env, args []string) error {
	fs := newFlagSet("ledger checkpoint", "", "Print the latest signed checkpoint of the ledger. Keep it: 'bulwark verify --since'\nproves later bundles extend it.", e)
	c := addOptions(fs, storeFlags...)
	pub := fs.Bool("key", false, "print the public key instead")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := c.openWithKey(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *pub {
		fmt.Fprintln(e.stdout, db.VerifierKey())
		return nil
	}
	cp, err := db.Checkpoint(systemContext(e.ctx))
	if err != nil {
		return err
	}
	_, err = io.WriteString(e.stdout, cp.Note)
	return err
}

func ledgerProve(e *env, args []string) error {
	fs := newFlagSet("ledger prove", "", "Print the inclusion proof of an event (JSON) after checking it against the signed checkpoint.", e)
	c := addOptions(fs, storeFlags...)
	index := fs.Int64("index", -1, "event index")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *index < 0 {
		return usagef("ledger prove needs --index")
	}
	db, err := c.openWithKey(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := systemContext(e.ctx)
	cp, err := db.Checkpoint(ctx)
	if err != nil {
		return err
	}
	p, err := db.ProveInclusion(ctx, *index, cp.Size)
	if err != nil {
		return err
	}
	_, leaf, err := db.FindEvent(ctx, *index)
	if err != nil {
		return err
	}
	if err := ledger.VerifyEvent(leaf, p, cp, db.VerifierKey()); err != nil {
		fmt.Fprintf(e.stderr, "event %d does NOT verify: %v\n", *index, err)
		return errNotVerified
	}
	fmt.Fprintf(e.stderr, "event %d is in the signed tree of %d events\n", *index, cp.Size)
	return printJSON(e.stdout, p)
}

func ledgerConsistency(e *env, args []string) error {
	fs := newFlagSet("ledger consistency", "", "Print the proof (JSON) that the log of size --new extends the log of size --old.", e)
	c := addOptions(fs, storeFlags...)
	oldSize := fs.Int64("old", 0, "earlier tree size")
	newSize := fs.Int64("new", 0, "later tree size (default: current)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *oldSize <= 0 {
		return usagef("ledger consistency needs --old")
	}
	db, err := c.openWithKey(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.ProveConsistency(systemContext(e.ctx), *oldSize, *newSize)
	if err != nil {
		return err
	}
	proof, err := ledger.FromHashes(p.Hashes)
	if err != nil {
		return err
	}
	var oldRoot, newRoot tlog.Hash
	copy(oldRoot[:], p.OldRoot)
	copy(newRoot[:], p.NewRoot)
	if err := tlog.CheckTree(proof, p.NewSize, newRoot, p.OldSize, oldRoot); err != nil {
		fmt.Fprintf(e.stderr, "the stored log does NOT extend size %d: %v\n", p.OldSize, err)
		return errNotVerified
	}
	return printJSON(e.stdout, p)
}

// fileList collects repeated --since FILE flags.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func ledgerExport(e *env, args []string) error {
	fs := newFlagSet("ledger export", "", "Write a self-contained bundle: events [--from, --to) with inclusion proofs, the signed\n"+
		"checkpoint, the public key, and consistency proofs from earlier published checkpoints.\nVerify it anywhere with 'bulwark verify FILE'.", e)
	c := addOptions(fs, storeFlags...)
	out := fs.String("out", "", "bundle file to write (- for standard output)")
	from := fs.Int64("from", 0, "first event index")
	to := fs.Int64("to", 0, "end of the range, exclusive (default: the whole log)")
	var since fileList
	fs.Var(&since, "since", "a checkpoint file you kept; the bundle carries the proof that the log extends it (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("ledger export needs --out FILE")
	}
	if err := noArgs("ledger export", fs.Args()); err != nil {
		return err
	}
	var notes [][]byte
	for _, f := range since {
		b, err := os.ReadFile(f)
		if err != nil {
			return usagef("--since: %v", err)
		}
		notes = append(notes, b)
	}
	db, err := c.openWithKey(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	var w io.Writer = e.stdout
	var tmp *os.File
	if *out != "-" {
		// Write beside the target and rename, so a failed export never
		// leaves a half bundle under the requested name.
		tmp, err = os.CreateTemp(filepath.Dir(*out), ".bundle-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		w = tmp
	}
	prog := newProgress(e.stderr, "exporting events")
	err = db.ExportBundle(systemContext(e.ctx), w, sqldb.ExportOptions{From: *from, To: *to, Since: notes, Progress: prog.update})
	prog.done()
	if err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "wrote %s\n", *out)
	}
	return nil
}

func runVerify(e *env, args []string) error {
	fs := newFlagSet("verify", "FILE", "Verify a ledger bundle with no server and no database: the checkpoint signature, every\n"+
		"event against its inclusion proof, and with --since that the log only grew since a\ncheckpoint you kept. Exit 0 when it verifies, 1 when it does not.", e)
	var since fileList
	fs.Var(&since, "since", "a checkpoint file you kept earlier (repeatable)")
	key := fs.String("key", "", "pin the log's public key (name+hash+base64); by default the bundle's own key is used")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("verify needs exactly one bundle file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(e.stderr, "NOT VERIFIED: %v\n", err)
		return errNotVerified
	}
	defer f.Close()
	b, err := ledger.ReadBundle(f)
	if err != nil {
		fmt.Fprintf(e.stderr, "NOT VERIFIED: %s: %v\n", fs.Arg(0), err)
		return errNotVerified
	}
	var reports []*ledger.Report
	if len(since) == 0 {
		reports = append(reports, ledger.Verify(b, ledger.VerifyOptions{PublicKey: *key}))
	}
	for _, s := range since {
		note, err := os.ReadFile(s)
		if err != nil {
			return usagef("--since: %v", err)
		}
		reports = append(reports, ledger.Verify(b, ledger.VerifyOptions{PublicKey: *key, Since: note}))
	}
	ok := true
	for _, r := range reports {
		ok = ok && r.OK()
	}
	if *asJSON {
		if err := printJSON(e.stdout, reports); err != nil {
			return err
		}
	} else {
		printReports(e, fs.Arg(0), reports)
	}
	if !ok {
		return errNotVerified
	}
	return nil
}

func printReports(e *env, file string, reports []*ledger.Report) {
	r := reports[0]
	var failures []ledger.Failure
	extends := map[int64]bool{}
	for _, r := range reports {
		failures = append(failures, r.Failures...)
		for _, n := range r.Extends {
			extends[n] = true
		}
	}
	if len(failures) > 0 {
		fmt.Fprintf(e.stdout, "NOT VERIFIED: %s (log %s)\n", file, r.Origin)
		seen := map[string]bool{}
		for _, f := range failures {
			if !seen[f.Message] {
				seen[f.Message] = true
				fmt.Fprintf(e.stdout, "  - %s\n", f.Message)
			}
		}
		return
	}
	fmt.Fprintf(e.stdout, "VERIFIED: %s\n  log        %s\n  checkpoint %d events, root %s\n  events     %d checked [%d, %d)\n",
		file, r.Origin, r.TreeSize, base64.StdEncoding.EncodeToString(r.Root[:]), r.Checked, r.From, r.To)
	if r.Recomputed {
		fmt.Fprintln(e.stdout, "  root       recomputed from every event")
	}
	if len(extends) > 0 {
		fmt.Fprintf(e.stdout, "  extends    %d earlier checkpoint(s)\n", len(extends))
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
