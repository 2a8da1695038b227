package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/osv"
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
