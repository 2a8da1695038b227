package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/catalogfile"
)

func runCatalog(e *env, args []string) error {
	return dispatch(e, "catalog", []subcommand{
		{"import", "load an approved-component list (CSV or JSON); --dry-run only reports", catalogImport},
	}, args)
}

func catalogImport(e *env, args []string) error {
	fs := newFlagSet("catalog import", "FILE", "Load an approved-component list into the catalog: CSV with a header row, or JSON.\n"+
		"Every row is checked first; if any fails, nothing is written and every failing row is listed.\n"+
		"Columns: "+fmt.Sprint(catalogfile.Columns)+" (see docs/catalog.md).\nExit 0 imported (or a clean dry run), 1 rows failed, 2 usage.", e)
	c := addOptions(fs, "data", "db")
	dry := fs.Bool("dry-run", false, "check every row and report, writing nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("catalog import needs exactly one file")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return usagef("%v", err)
	}
	rows, rowErrs, err := catalogfile.Parse(data)
	if err != nil {
		return err
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(e.stderr, "checking %d rows of %s…\n", len(rows)+len(rowErrs), fs.Arg(0))
	res, err := db.Import(systemContext(e.ctx), rows, rowErrs, data, filepath.Base(fs.Arg(0)), *dry)
	if res == nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	verb := "imported"
	if *dry || len(res.Errors) > 0 {
		verb = "would import"
	}
	fmt.Fprintf(tw, "rows\t%d\n%s\t%d new components, %d new versions, %d updated versions\n", res.Rows, verb, res.Components, res.Created, res.Updated)
	if res.Evidence != "" {
		fmt.Fprintf(tw, "source kept as\t%s\n", res.Evidence)
	}
	tw.Flush()
	if len(res.Errors) == 0 {
		return nil
	}
	fmt.Fprintf(e.stdout, "\n%d row(s) failed; nothing was written:\n", len(res.Errors))
	tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tFIELD\tPROBLEM")
	for _, r := range res.Errors {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", r.Line, orDash(r.Field), r.Message)
	}
	tw.Flush()
	return errRowsFailed
}

// errRowsFailed makes an import with bad rows exit 1 after listing them.
var errRowsFailed = &bulwark.Error{Code: bulwark.EPRECONDITION, Message: "some rows failed; nothing was imported"}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
