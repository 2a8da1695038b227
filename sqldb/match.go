package sqldb

import (
	"bytes"
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

// The matching engine: which stored advisories affect a package version,
// for SBOM ingest, re-matching, the gate, the certification red line and
// scans. Packages are found by name through an index, then each stored
// affected entry is evaluated with the ecosystem's own ordering.

// candidate is one stored affected entry for a package name.
type candidate struct {
	advisory string
	eco      string
	affected osv.Affected
	// versions is the entry's versions list as stored (JSON), decoded into
	// affected only when it may hold the version evaluated: long lists are
	// most of the cost of reading entries.
	versions json.RawMessage
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
// package (nil targets are skipped); errs holds the first evaluation
// problem per target.
func (t *Tx) match(targets []*target) (matches [][]bulwark.VulnMatch, errs []string, err error) {
	// The ecosystems each name is wanted in: entries of other ecosystems
	// (AlmaLinux:8 when the package is AlmaLinux:9) are skipped undecoded.
	wanted := map[string][]ecosystem.Identity{}
	for _, w := range targets {
		if w != nil {
			wanted[w.key] = append(wanted[w.key], w.id)
		}
	}
	byName := map[string][]candidate{}
	list := make([]any, 0, len(wanted))
	for n := range wanted {
		list = append(list, n)
	}
	err = t.queryIn("SELECT advisory_id, ecosystem, name, affected FROM advisory_packages WHERE name IN ", list, func(rows *sql.Rows) error {
		var c candidate
		var name string
		var affected []byte
		if err := rows.Scan(&c.advisory, &c.eco, &name, &affected); err != nil {
			return err
		}
		if !slices.ContainsFunc(wanted[name], func(id ecosystem.Identity) bool { return id.Covers(c.eco) }) {
			return nil
		}
		// Matching needs the package, ranges and versions only; the
		// database- and ecosystem-specific maps are costly to decode.
		var e struct {
			Package  osv.Package     `json:"package"`
			Ranges   []osv.Range     `json:"ranges"`
			Versions json.RawMessage `json:"versions"`
		}
		if err := json.Unmarshal(affected, &e); err != nil {
			return fmt.Errorf("stored entry of %s: %w", c.advisory, err)
		}
		c.affected, c.versions = osv.Affected{Package: e.Package, Ranges: e.Ranges}, e.Versions
		byName[name] = append(byName[name], c)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	matches = make([][]bulwark.VulnMatch, len(targets))
	errs = make([]string, len(targets))
	hit := map[string]bool{}
	var versions osv.VersionCache
	for i, w := range targets {
		if w == nil {
			continue
		}
		version := w.version
		if w.id.Ecosystem == "Go" {
			version = strings.TrimPrefix(version, "go") // stdlib purls write go1.21.5
		}
		// Entries were stored by json.Marshal, so a listed version appears
		// in the list exactly as json.Marshal writes it.
		quoted, _ := json.Marshal(version)
		cs := byName[w.key]
		for j := range cs {
			c := &cs[j]
			if !w.id.Covers(c.eco) {
				continue
			}
			if c.affected.Versions == nil && bytes.Contains(c.versions, quoted) {
				if err := json.Unmarshal(c.versions, &c.affected.Versions); err != nil {
					return nil, nil, fmt.Errorf("stored entry of %s: %w", c.advisory, err)
				}
			}
			v := c.affected.EvaluateWith(&versions, version)
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
	var out []bulwark.NewFinding
	for _, m := range ms[0] {
		f := bulwark.NewFinding{Check: bulwark.CheckSecurity, Outcome: bulwark.OutcomeWarn,
			Summary: fmt.Sprintf("%s (%s) affects this version", m.IDs[0], orText(m.Rating, "severity unknown")),
			Detail:  fmt.Sprintf("%s. Aliases: %s. Fixed in: %s.", orText(m.Summary, m.Key), orText(strings.Join(m.Aliases, ", "), "none"), orText(strings.Join(m.Fixed, ", "), "no fix known"))}
		if ratingRank[m.Rating] >= ratingRank[threshold] {
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
