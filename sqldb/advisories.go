package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"runtime"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/purl"
	"golang.org/x/sync/errgroup"
)

// vulnKey names the vulnerability a record describes: its CVE when it or an
// alias is one, else the smallest of its ids, so records that alias each
// other share it.
func vulnKey(r *osv.Record) string {
	ids := append([]string{r.ID}, r.Aliases...)
	slices.Sort(ids)
	for _, id := range ids {
		if strings.HasPrefix(id, "CVE-") {
			return id
		}
	}
	return ids[0]
}

// ImportAdvisories stores OSV records, a batch per transaction with one
// ledger event. A record is replaced only when its modified time is later
// than the stored one, so importing the same data again changes nothing.
// Items that failed to read are counted as rejections with their reason.
func (db *DB) ImportAdvisories(ctx context.Context, items []osv.Item) (res *bulwark.AdvisoryImportResult, err error) {
	defer bulwark.Wrap(&err, "ImportAdvisories(%d records)", len(items))
	res = &bulwark.AdvisoryImportResult{Rejections: []bulwark.Rejection{}, Warnings: []bulwark.Rejection{}}
	var good []osv.Item
	for _, it := range items {
		res.Read++
		switch {
		case it.Err != nil:
			res.Rejected++
			res.Rejections = append(res.Rejections, bulwark.Rejection{Source: it.Source, Reason: it.Err.Error()})
		case it.Record == nil:
			res.Rejected++
			res.Rejections = append(res.Rejections, bulwark.Rejection{Source: it.Source, Reason: "no record"})
		default:
			for _, w := range it.Warnings {
				res.Warnings = append(res.Warnings, bulwark.Rejection{Source: it.Source, Reason: w})
			}
			good = append(good, it)
		}
	}
	err = db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionAdvisoryImport)
		if err != nil {
			return err
		}
		stored := map[string]int64{}
		ids := make([]any, len(good))
		for i, it := range good {
			ids[i] = it.Record.ID
		}
		if err := t.queryIn("SELECT id, modified FROM advisories WHERE id IN ", ids, func(rows *sql.Rows) error {
			var id string
			var m int64
			err := rows.Scan(&id, &m)
			stored[id] = m
			return err
		}); err != nil {
			return err
		}
		seen := map[string]bool{}
		var names, keys []string
		for _, it := range good {
			r := it.Record
			m, exists := stored[r.ID]
			if seen[r.ID] || exists && m >= micros(r.Modified) {
				res.Unchanged++
				continue
			}
			seen[r.ID] = true
			if exists {
				var old string
				if err := t.queryRow("SELECT vuln_key FROM advisories WHERE id = ?", r.ID).Scan(&old); err != nil {
					return err
				}
				keys = append(keys, old)
			}
			if err := t.storeAdvisory(it); err != nil {
				return fmt.Errorf("%s (%s): %w", r.ID, it.Source, err)
			}
			keys = append(keys, vulnKey(r))
			for _, a := range r.Affected {
				if a.Package.Name != "" {
					names = append(names, ecosystem.NameKey(a.Package.Ecosystem, a.Package.Name))
				}
			}
			if exists {
				res.Updated++
			} else {
				res.New++
			}
			if r.IsWithdrawn() {
				res.Withdrawn++
			}
		}
		if res.New+res.Updated > 0 {
			t.record("advisories.imported", "advisories", root, nil, res,
				fmt.Sprintf("%d new, %d updated (%d withdrawn), %d unchanged, %d rejected advisories", res.New, res.Updated, res.Withdrawn, res.Unchanged, res.Rejected))
		}
		// Only the packages the changed records name are matched again.
		slices.Sort(names)
		slices.Sort(keys)
		ch, n, err := t.rematch(slices.Compact(names), slices.Compact(keys))
		res.Releases, res.NewFindings, res.ResolvedFindings = n, ch.New, ch.Resolved
		return err
	})
	return res, err
}

// storeAdvisory replaces one record and its alias and package rows.
func (t *Tx) storeAdvisory(it osv.Item) error {
	r := it.Record
	for _, q := range []string{"DELETE FROM advisory_packages WHERE advisory_id = ?", "DELETE FROM advisory_aliases WHERE advisory_id = ?", "DELETE FROM advisories WHERE id = ?"} {
		if _, err := t.exec(q, r.ID); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	s := osv.Score(r)
	if _, err := t.exec(`INSERT INTO advisories (id, vuln_key, modified, published, withdrawn, summary, score, rating, vector, severity_source, record, source, imported_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, vulnKey(r), micros(r.Modified), optMicros(r.Published), optMicros(r.Withdrawn), r.Summary, s.Score, s.Rating, s.Vector, s.Source,
		string(raw), it.Source, micros(t.now)); err != nil {
		return err
	}
	aliases := append([]string{r.ID}, r.Aliases...)
	slices.Sort(aliases)
	aliases = slices.Compact(aliases)
	if err := t.insertRows("INSERT INTO advisory_aliases (alias, advisory_id) VALUES ", 2, len(aliases), func(i int, args []any) []any {
		return append(args, aliases[i], r.ID)
	}); err != nil {
		return err
	}
	if r.IsWithdrawn() {
		return nil // kept and findable, but it no longer matches
	}
	type row struct {
		seq       int
		eco, name string
		affected  string
	}
	var rows []row
	for i := range r.Affected {
		a := &r.Affected[i]
		if a.Package.Name == "" {
			continue // GIT-only entries name no package
		}
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		rows = append(rows, row{i, a.Package.Ecosystem, ecosystem.NameKey(a.Package.Ecosystem, a.Package.Name), string(b)})
	}
	return t.insertRows("INSERT INTO advisory_packages (advisory_id, seq, ecosystem, name, affected) VALUES ", 5, len(rows), func(i int, args []any) []any {
		return append(args, r.ID, rows[i].seq, rows[i].eco, rows[i].name, rows[i].affected)
	})
}

// FindAdvisories returns every record of the vulnerability an id (its own
// or any alias) names. Errors: ENOTFOUND.
func (db *DB) FindAdvisories(ctx context.Context, id string) (out []*bulwark.Advisory, err error) {
	defer bulwark.Wrap(&err, "FindAdvisories(%q)", id)
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionAdvisoryRead, ""); err != nil {
		return nil, err
	}
	err = db.readTx(ctx, func(t *Tx) error {
		rows, err := t.query(`SELECT a.id, a.vuln_key, a.summary, a.modified, a.published, a.withdrawn, a.score, a.rating, a.vector, a.severity_source, a.source, a.record
			FROM advisories a WHERE a.vuln_key IN (SELECT b.vuln_key FROM advisory_aliases x JOIN advisories b ON b.id = x.advisory_id WHERE x.alias = ?)
			ORDER BY a.id`, strings.TrimSpace(id))
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []*bulwark.Advisory{}
		for rows.Next() {
			var a bulwark.Advisory
			var modified int64
			var published, withdrawn sql.NullInt64
			var record string
			if err := rows.Scan(&a.ID, &a.Key, &a.Summary, &modified, &published, &withdrawn, &a.Score, &a.Rating, &a.Vector, &a.SeveritySource, &a.Source, &record); err != nil {
				return err
			}
			var r osv.Record
			if err := json.Unmarshal([]byte(record), &r); err != nil {
				return fmt.Errorf("stored record %s: %w", a.ID, err)
			}
			a.Aliases, a.Details = r.Aliases, r.Details
			if a.Aliases == nil {
				a.Aliases = []string{}
			}
			a.Affected, a.References = affectedOf(&r), []bulwark.Link{}
			for _, ref := range r.References {
				a.References = append(a.References, bulwark.Link{Type: ref.Type, URL: ref.URL})
			}
			a.Modified, a.Published, a.Withdrawn = fromMicros(modified), nullMicros(published), nullMicros(withdrawn)
			out = append(out, &a)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no advisory or alias %q", id)
		}
		return nil
	})
	return out, err
}

// candidate is one stored affected entry for a package name.
type candidate struct {
	advisory string
	eco      string
	affected osv.Affected
}

// target is a package version to match: its OSV ecosystem, its name key
// (ecosystem.NameKey) and version.
type target struct {
	id      ecosystem.Identity
	key     string
	version string
}

// MatchPURLs finds, for each purl, the advisories whose affected ranges
// contain its version, evaluated with the ecosystem's own ordering.
// Packages are looked up by name through an index, never by scanning the
// advisories. A purl that cannot be matched (no version, an unmapped
// type) gets no matches and a note saying why.
func (db *DB) MatchPURLs(ctx context.Context, purls []string) (matches [][]bulwark.VulnMatch, notes []string, err error) {
	defer bulwark.Wrap(&err, "MatchPURLs(%d)", len(purls))
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionAdvisoryRead, ""); err != nil {
		return nil, nil, err
	}
	targets := make([]*target, len(purls))
	notes = make([]string, len(purls))
	for i, p := range purls {
		id, err := ecosystem.FromPURL(p)
		if err != nil {
			notes[i] = err.Error()
			continue
		}
		pu, _ := purl.Parse(p) // FromPURL parsed it already
		if pu.Version == "" {
			notes[i] = "no version: not matched"
			continue
		}
		targets[i] = &target{id: id, key: ecosystem.NameKey(id.Ecosystem, id.Name), version: pu.Version}
	}
	// Large lists are matched by several readers at once, split by package
	// name so that no name's advisories are read twice.
	workers := 1
	if len(purls) >= 2000 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	parts := make([][]*target, workers)
	for w := range parts {
		parts[w] = make([]*target, len(targets))
	}
	for i, tg := range targets {
		if tg != nil {
			h := fnv.New32a()
			h.Write([]byte(tg.key))
			parts[int(h.Sum32())%workers][i] = tg
		}
	}
	matches = make([][]bulwark.VulnMatch, len(targets))
	var g errgroup.Group
	for _, part := range parts {
		g.Go(func() error {
			return db.readTx(ctx, func(t *Tx) error {
				ms, errs, err := t.match(part)
				if err != nil {
					return err
				}
				for i, tg := range part {
					if tg == nil {
						continue
					}
					matches[i] = ms[i]
					if notes[i] == "" {
						notes[i] = errs[i]
					}
				}
				return nil
			})
		})
	}
	return matches, notes, g.Wait()
}

// match evaluates every stored affected entry that names a target's
// package; errs holds the first evaluation problem per target.
func (t *Tx) matchFresh(targets []*target) (matches [][]bulwark.VulnMatch, errs []string, err error) {
	names := map[string]bool{}
	for _, w := range targets {
		if w != nil {
			names[w.key] = true
		}
	}
	byName := map[string][]candidate{}
	list := make([]any, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	err = t.queryIn("SELECT advisory_id, ecosystem, name, affected FROM advisory_packages WHERE name IN ", list, func(rows *sql.Rows) error {
		var c candidate
		var name, affected string
		if err := rows.Scan(&c.advisory, &c.eco, &name, &affected); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(affected), &c.affected); err != nil {
			return fmt.Errorf("stored entry of %s: %w", c.advisory, err)
		}
		byName[name] = append(byName[name], c)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	matches = make([][]bulwark.VulnMatch, len(targets))
	errs = make([]string, len(targets))
	hit := map[string]bool{}
	for i, w := range targets {
		if w == nil {
			continue
		}
		version := w.version
		if w.id.Ecosystem == "Go" {
			version = strings.TrimPrefix(version, "go") // stdlib purls write go1.21.5
		}
		for _, c := range byName[w.key] {
			if !w.id.Covers(c.eco) {
				continue
			}
			v := c.affected.Evaluate(version)
			if v.Err != nil && errs[i] == "" {
				errs[i] = v.Err.Error()
			}
			if !v.Affected {
				continue
			}
			hit[c.advisory] = true
			matches[i] = append(matches[i], bulwark.VulnMatch{IDs: []string{c.advisory}, Fixed: v.Fixed, Unevaluated: v.Unevaluated})
		}
	}
	matches, err = t.describeMatches(matches, hit)
	return matches, errs, err
}

// matchResult is what matching found for one package version.
type matchResult struct {
	matches []bulwark.VulnMatch
	err     string
}

// match finds the advisories that affect each target (nil targets are
// skipped). While t.matched is set, results are remembered by ecosystem,
// name and version, so matching many releases evaluates each package
// version once.
func (t *Tx) match(targets []*target) ([][]bulwark.VulnMatch, []string, error) {
	if t.matched == nil {
		return t.matchFresh(targets)
	}
	matches, errs := make([][]bulwark.VulnMatch, len(targets)), make([]string, len(targets))
	keyOf := func(w *target) string { return w.id.Ecosystem + "\x00" + w.key + "\x00" + w.version }
	var fresh []*target
	var at []int
	for i, w := range targets {
		if w == nil {
			continue
		}
		if r, ok := t.matched[keyOf(w)]; ok {
			matches[i], errs[i] = r.matches, r.err
			continue
		}
		fresh, at = append(fresh, w), append(at, i)
	}
	if len(fresh) == 0 {
		return matches, errs, nil
	}
	ms, es, err := t.matchFresh(fresh)
	if err != nil {
		return nil, nil, err
	}
	for j, i := range at {
		matches[i], errs[i] = ms[j], es[j]
		t.matched[keyOf(fresh[j])] = matchResult{ms[j], es[j]}
	}
	return matches, errs, nil
}

// describeMatches fills in each matched record's key, aliases, summary
// and severity, one entry per record (records of one vulnerability share
// the key), ordered by key then id.
func (t *Tx) describeMatches(matches [][]bulwark.VulnMatch, hit map[string]bool) ([][]bulwark.VulnMatch, error) {
	type meta struct {
		key, summary, rating string
		score                float64
		aliases              []string
	}
	info := map[string]*meta{}
	ids := make([]any, 0, len(hit))
	for id := range hit {
		ids = append(ids, id)
	}
	err := t.queryIn("SELECT a.id, a.vuln_key, a.summary, a.rating, a.score, x.alias FROM advisories a JOIN advisory_aliases x ON x.advisory_id = a.id WHERE a.id IN ", ids,
		func(rows *sql.Rows) error {
			var id, alias string
			var m meta
			if err := rows.Scan(&id, &m.key, &m.summary, &m.rating, &m.score, &alias); err != nil {
				return err
			}
			if info[id] == nil {
				info[id] = &m
			}
			if alias != id {
				info[id].aliases = append(info[id].aliases, alias)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for i, ms := range matches {
		out := make([]bulwark.VulnMatch, 0, len(ms))
		for _, m := range ms {
			in := info[m.IDs[0]]
			m.Key, m.Summary, m.Rating, m.Score = in.key, in.summary, in.rating, in.score
			m.Aliases = append([]string{}, in.aliases...)
			if m.Fixed == nil {
				m.Fixed = []string{}
			}
			slices.Sort(m.Fixed)
			m.Fixed = slices.Compact(m.Fixed)
			out = append(out, m)
		}
		slices.SortFunc(out, func(a, b bulwark.VulnMatch) int {
			return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.IDs[0], b.IDs[0]))
		})
		// Two entries of one record (two affected blocks) merge.
		out = slices.CompactFunc(out, func(a, b bulwark.VulnMatch) bool { return a.IDs[0] == b.IDs[0] })
		matches[i] = out
	}
	return matches, nil
}

// redLine checks a version against the imported advisories with the same
// engine as SBOM matching and the gate: vulnerabilities at or above the
// policy's severity fail, lower ones warn.
func (t *Tx) redLine(versionedPURL, threshold string) ([]bulwark.NewFinding, error) {
	var imported int
	if err := t.queryRow("SELECT COUNT(*) FROM (SELECT 1 FROM advisories LIMIT 1) x").Scan(&imported); err != nil {
		return nil, err
	}
	if imported == 0 {
		return []bulwark.NewFinding{{Check: bulwark.CheckSecurity, Outcome: bulwark.OutcomeInfo,
			Summary: "Security red line not checked: no vulnerability data has been imported yet"}}, nil
	}
	id, err := ecosystem.FromPURL(versionedPURL)
	if err != nil {
		return []bulwark.NewFinding{{Check: bulwark.CheckSecurity, Outcome: bulwark.OutcomeInfo,
			Summary: "Security red line not checked: " + bulwark.ErrorMessage(err)}}, nil
	}
	p, _ := purl.Parse(versionedPURL)
	ms, errs, err := t.match([]*target{{id: id, key: ecosystem.NameKey(id.Ecosystem, id.Name), version: p.Version}})
	if err != nil {
		return nil, err
	}
	rank := map[string]int{"low": 1, "medium": 2, "high": 3, "critical": 4}
	var out []bulwark.NewFinding
	for _, m := range ms[0] {
		f := bulwark.NewFinding{Check: bulwark.CheckSecurity, Outcome: bulwark.OutcomeWarn,
			Summary: fmt.Sprintf("%s (%s) affects this version", m.IDs[0], orText(m.Rating, "severity unknown")),
			Detail:  fmt.Sprintf("%s. Aliases: %s. Fixed in: %s.", orText(m.Summary, m.Key), orText(strings.Join(m.Aliases, ", "), "none"), orText(strings.Join(m.Fixed, ", "), "no fix known"))}
		if rank[m.Rating] >= rank[threshold] {
			f.Outcome = bulwark.OutcomeFail
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		summary := fmt.Sprintf("No known vulnerability at or above %s severity", threshold)
		if errs[0] != "" {
			summary += " (" + errs[0] + ")"
		}
		out = []bulwark.NewFinding{{Check: bulwark.CheckSecurity, Outcome: bulwark.OutcomePass, Summary: summary}}
	}
	return out, nil
}

// affectedOf turns a record's affected entries into the domain's view.
func affectedOf(r *osv.Record) []bulwark.AffectedPackage {
	out := make([]bulwark.AffectedPackage, 0, len(r.Affected))
	for _, af := range r.Affected {
		ap := bulwark.AffectedPackage{Ecosystem: af.Package.Ecosystem, Name: af.Package.Name, PURL: af.Package.PURL,
			Ranges: []bulwark.AffectedRange{}, Versions: af.Versions}
		for _, rg := range af.Ranges {
			ar := bulwark.AffectedRange{Type: rg.Type, Repo: rg.Repo, Events: []bulwark.RangeEvent{}}
			for _, e := range rg.Events {
				switch {
				case e.Introduced != "":
					ar.Events = append(ar.Events, bulwark.RangeEvent{Kind: "introduced", Version: e.Introduced})
				case e.Fixed != "":
					ar.Events = append(ar.Events, bulwark.RangeEvent{Kind: "fixed", Version: e.Fixed})
				case e.LastAffected != "":
					ar.Events = append(ar.Events, bulwark.RangeEvent{Kind: "last_affected", Version: e.LastAffected})
				case e.Limit != "":
					ar.Events = append(ar.Events, bulwark.RangeEvent{Kind: "limit", Version: e.Limit})
				}
			}
			ap.Ranges = append(ap.Ranges, ar)
		}
		out = append(out, ap)
	}
	return out
}
