package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/exploit"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/sbom"
)

func runAdvisories(e *env, args []string) error {
	return dispatch(e, "advisories", []subcommand{
		{"import", "import OSV advisories (files, directories, zip and tar.gz archives), EPSS scores and the KEV catalog", advisoriesImport},
		{"rematch", "match every release against the advisories again", advisoriesRematch},
	}, args)
}

func advisoriesRematch(e *env, args []string) error {
	fs := newFlagSet("advisories rematch", "", "Match every release's components against the stored advisories again, working out each\n"+
		"package's OSV identity anew. Imports already match what they change; this is for after an upgrade.", e)
	c := addOptions(fs, "data", "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("advisories rematch takes no arguments")
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := db.Rematch(systemContext(e.ctx))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d releases matched in %s: %d new findings, %d resolved\n", res.Releases, time.Since(start).Round(time.Millisecond), res.NewFindings, res.ResolvedFindings)
	return nil
}

// importBatch is how many records go into one transaction.
const importBatch = 2000

func advisoriesImport(e *env, args []string) error {
	fs := newFlagSet("advisories import", "PATH...", "Import OSV vulnerability records (JSON, or YAML) from files, directories (recursively),\n"+
		"zip archives laid out like OSV's per-ecosystem all.zip, and tar.gz archives. Importing again\n"+
		"changes only records whose modified time is later; withdrawn records stay but stop matching.\n"+
		"A malformed record is rejected with its file and reason; the others are imported.\n"+
		"A file holding EPSS scores (CSV, plain or gzip) or CISA's KEV catalog (JSON) is recognised and\n"+
		"replaces the previous import of its kind; a malformed one is refused whole.", e)
	c := addOptions(fs, "data", "db")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("advisories import needs at least one path")
	}
	var paths, signals []string
	for _, p := range fs.Args() {
		kind, err := signalKind(p)
		if err != nil {
			return usagef("%v", err)
		}
		if kind == exploit.Unknown {
			paths = append(paths, p)
		} else {
			signals = append(signals, p)
		}
	}
	total, err := osv.Count(paths)
	if err != nil {
		return usagef("%v", err)
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := systemContext(e.ctx)
	for _, p := range signals {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		epss, kev, err := exploit.Read(data)
		if err != nil {
			return bulwark.Errorf(bulwark.EINVALID, "%s: %v", p, err)
		}
		var res *bulwark.SignalImportResult
		if epss != nil {
			res, err = db.ImportEPSS(ctx, epss)
		} else {
			res, err = db.ImportKEV(ctx, kev)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		fmt.Fprintf(e.stdout, "%s: %s, %d rows of %s, on %d active findings\n", p, strings.ToUpper(res.Kind), res.Rows, res.Date.Format("2006-01-02"), res.Findings)
	}
	if len(paths) == 0 {
		return nil
	}
	sum := &bulwark.AdvisoryImportResult{Rejections: []bulwark.Rejection{}, Warnings: []bulwark.Rejection{}}
	prog := newProgress(e.stderr, "importing advisories")
	var batch []osv.Item
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := db.ImportAdvisories(ctx, batch)
		if err != nil {
			return err
		}
		sum.Read += res.Read
		sum.New += res.New
		sum.Updated += res.Updated
		sum.Unchanged += res.Unchanged
		sum.Withdrawn += res.Withdrawn
		sum.Rejected += res.Rejected
		sum.Rejections = append(sum.Rejections, res.Rejections...)
		sum.Warnings = append(sum.Warnings, res.Warnings...)
		sum.Releases += res.Releases
		sum.NewFindings += res.NewFindings
		sum.ResolvedFindings += res.ResolvedFindings
		batch = batch[:0]
		prog.update(int64(sum.Read), int64(max(total, sum.Read)))
		return nil
	}
	err = osv.Walk(paths, func(it osv.Item) error {
		batch = append(batch, it)
		if len(batch) >= importBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	prog.done()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "read\t%d\nnew\t%d\nupdated\t%d\nunchanged\t%d\nwithdrawn\t%d\nrejected\t%d\n", sum.Read, sum.New, sum.Updated, sum.Unchanged, sum.Withdrawn, sum.Rejected)
	fmt.Fprintf(tw, "releases re-matched\t%d\nnew findings\t%d\nresolved findings\t%d\n", sum.Releases, sum.NewFindings, sum.ResolvedFindings)
	tw.Flush()
	report := func(title string, list []bulwark.Rejection) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(e.stdout, "\n%s:\n", title)
		for i, r := range list {
			if i == 50 {
				fmt.Fprintf(e.stdout, "  … and %d more\n", len(list)-50)
				break
			}
			fmt.Fprintf(e.stdout, "  %s: %s\n", r.Source, r.Reason)
		}
	}
	report("rejected", sum.Rejections)
	report("warnings", sum.Warnings)
	return nil
}

// signalKind says whether a file holds exploit signals (EPSS, KEV) rather
// than advisories; directories hold advisories.
func signalKind(path string) (exploit.Kind, error) {
	f, err := os.Open(path)
	if err != nil {
		return exploit.Unknown, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return exploit.Unknown, err
	}
	return exploit.Sniff(f)
}

// scanResult is the stable JSON contract of `bulwark scan --json`.
type scanResult struct {
	Results []scanEntry `json:"results"`
}

type scanEntry struct {
	PURL            string     `json:"purl"`
	Vulnerabilities []scanVuln `json:"vulnerabilities"`
}

type scanVuln struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases"`
	Fixed   []string `json:"fixed"`
}

// errFound makes scan exit 1 after printing what matched.
var errFound = errors.New("vulnerabilities found")

func runScan(e *env, args []string) error {
	fs := newFlagSet("scan", "SBOM...", "Match SBOMs against the imported advisories without storing anything.\n"+
		"Exit 0 when nothing matched, 1 when something did, 2 on bad input.", e)
	c := addOptions(fs, "data", "db")
	asJSON := fs.Bool("json", false, `print {"results": [{"purl", "vulnerabilities": [{"id", "aliases", "fixed"}]}]}, one entry per component in SBOM order`)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("scan needs at least one SBOM file")
	}
	type doc struct {
		name  string
		comps []sbom.Component
	}
	var docs []doc
	for _, path := range fs.Args() {
		d, _, err := inspectFile(path, sbom.Options{AllowCycles: true})
		if err != nil {
			var ue *usageError
			if errors.As(err, &ue) {
				return err
			}
			return usagef("%s: %v", path, err)
		}
		docs = append(docs, doc{path, d.Components})
	}
	db, err := c.open(e.ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := systemContext(e.ctx)
	out := scanResult{Results: []scanEntry{}}
	found := 0
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "COMPONENT\tVULNERABILITY\tSEVERITY\tFIXED IN")
	}
	for _, d := range docs {
		purls := make([]string, len(d.comps))
		for i, comp := range d.comps {
			purls[i] = comp.PURL
		}
		matches, _, err := db.MatchPURLs(ctx, purls)
		if err != nil {
			return err
		}
		for i, comp := range d.comps {
			entry := scanEntry{PURL: comp.RawPURL, Vulnerabilities: []scanVuln{}}
			if entry.PURL == "" {
				entry.PURL = comp.PURL
			}
			for _, m := range matches[i] {
				found++
				entry.Vulnerabilities = append(entry.Vulnerabilities, scanVuln{ID: m.IDs[0], Aliases: m.Aliases, Fixed: m.Fixed})
				if !*asJSON {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", orDash(entry.PURL), m.IDs[0], orDash(m.Rating), orDash(strings.Join(m.Fixed, ", ")))
				}
			}
			out.Results = append(out.Results, entry)
		}
	}
	if *asJSON {
		if err := writeIndented(e, out); err != nil {
			return err
		}
	} else {
		tw.Flush()
		fmt.Fprintf(e.stdout, "%d components, %d matches\n", len(out.Results), found)
	}
	if found > 0 {
		return errFound
	}
	return nil
}
