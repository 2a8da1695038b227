package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/policy"
	"github.com/bulwark-sec/bulwark/sbom"
)

// DefaultMaxSBOMBytes bounds one uploaded SBOM.
const DefaultMaxSBOMBytes = 128 << 20

// pkg is one distinct package of a parsed SBOM, ready to store.
type pkg struct {
	key       string // packages.purl
	component string
	versioned string
	name      string
	version   string
	license   string
	supplier  string
	depth     int
	parent    string // key of the package that pulls this one in; "" for direct
	id        int64
	// osvEco and osvName are the OSV identity (ecosystem, name key);
	// empty when the purl maps to no OSV ecosystem.
	osvEco, osvName string
}

// setOSV works out a package's OSV identity.
func (p *pkg) setOSV() {
	if strings.HasPrefix(p.key, "name:") {
		return
	}
	if id, err := ecosystem.FromPURL(p.key); err == nil {
		p.osvEco, p.osvName = id.Ecosystem, ecosystem.NameKey(id.Ecosystem, id.Name)
	}
}

// packageKey splits a normalised purl (or, without one, the name) into the
// keys packages are stored under. Canonical purls percent-encode '@' in
// names, so the last '@' before qualifiers separates the version.
func packageKey(c *sbom.Component) (key, component, versioned, name, version string) {
	if c.PURL == "" {
		name = c.Name
		if c.Group != "" {
			name = c.Group + "/" + c.Name
		}
		component = "name:" + name
		return component + "@" + c.Version, component, component + "@" + c.Version, name, c.Version
	}
	key = c.PURL
	versioned = key
	if i := strings.IndexAny(versioned, "?#"); i >= 0 {
		versioned = versioned[:i]
	}
	component = versioned
	if i := strings.LastIndexByte(versioned, '@'); i > 0 {
		component = versioned[:i]
		version, _ = url.PathUnescape(versioned[i+1:])
	}
	// pkg:type/namespace/name → namespace/name (maven: group:artifact).
	typ, rest, _ := strings.Cut(strings.TrimPrefix(component, "pkg:"), "/")
	parts := strings.Split(rest, "/")
	for i, p := range parts {
		parts[i], _ = url.PathUnescape(p)
	}
	sep := "/"
	if typ == "maven" {
		sep = ":"
	}
	name = strings.Join(parts, sep)
	return key, component, versioned, name, version
}

// purlType returns the type of a version-less purl, "" for name keys.
func purlType(component string) string {
	typ, _, ok := strings.Cut(strings.TrimPrefix(component, "pkg:"), "/")
	if !ok || !strings.HasPrefix(component, "pkg:") {
		return ""
	}
	return typ
}

// preparePackages dedupes the components of d into packages, each at the
// shallowest place the dependency graph puts it.
func preparePackages(d *sbom.Document) []*pkg {
	levels := d.Levels()
	keys := make([]string, len(d.Components))
	at := map[*pkg]int{}
	byKey := make(map[string]*pkg, len(d.Components))
	out := make([]*pkg, 0, len(d.Components))
	for i := range d.Components {
		c := &d.Components[i]
		if c.PURL == "" && c.Name == "" {
			continue
		}
		key, component, versioned, name, version := packageKey(c)
		keys[i] = key
		depth := max(levels[i].Depth, 1)
		if p, ok := byKey[key]; ok {
			if depth < p.depth {
				p.depth, at[p] = depth, i
			}
			continue
		}
		license := c.License
		if n, err := policy.NormalizeLicense(license); err == nil {
			license = n
		}
		p := &pkg{key: key, component: component, versioned: versioned, name: name, version: version, license: license, supplier: c.Supplier, depth: depth}
		byKey[key], at[p] = p, i
		out = append(out, p)
	}
	// Each package hangs under the package that pulls in its shallowest
	// occurrence, so following parents always climbs towards the root.
	for _, p := range out {
		if par := levels[at[p]].Parent; par >= 0 && keys[par] != "" && keys[par] != p.key {
			p.parent = keys[par]
		}
	}
	return out
}

// packageIDs finds or creates the package rows of ps and sets their ids.
func (t *Tx) packageIDs(ps []*pkg) error {
	byKey := make(map[string]*pkg, len(ps))
	keys := make([]any, 0, len(ps))
	for _, p := range ps {
		byKey[p.key] = p
		keys = append(keys, p.key)
	}
	lookup := func(keys []any) error {
		return t.queryIn("SELECT id, purl, osv_ecosystem, osv_name FROM packages WHERE purl IN ", keys, func(rows *sql.Rows) error {
			var id int64
			var key, eco, name string
			if err := rows.Scan(&id, &key, &eco, &name); err != nil {
				return err
			}
			p := byKey[key]
			p.id, p.osvEco, p.osvName = id, eco, name
			return nil
		})
	}
	if err := lookup(keys); err != nil {
		return err
	}
	var missing []*pkg
	for _, p := range ps {
		if p.id == 0 {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	for _, p := range missing {
		p.setOSV()
	}
	err := t.chunks("INSERT INTO packages (purl, component, versioned, name, version, osv_ecosystem, osv_name) VALUES ", " ON CONFLICT (purl) DO NOTHING RETURNING id, purl", 7, len(missing),
		func(i int, args []any) []any {
			p := missing[i]
			return append(args, p.key, p.component, p.versioned, p.name, p.version, p.osvEco, p.osvName)
		}, func(id int64, key string) { byKey[key].id = id })
	if err != nil {
		return err
	}
	// Rows another writer inserted meanwhile come back from a second look.
	var again []any
	for _, p := range missing {
		if p.id == 0 {
			again = append(again, p.key)
		}
	}
	return lookup(again)
}

// entry is one package of a release, as diffs see it.
type entry struct {
	component, name, version, license string
}

func (t *Tx) releaseEntries(releaseID int64) ([]entry, error) {
	rows, err := t.query(`SELECT p.component, p.name, p.version, rc.license FROM release_components rc JOIN packages p ON p.id = rc.package_id
		WHERE rc.release_id = ?`, releaseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.component, &e.name, &e.version, &e.license); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func compareVersions(component, a, b string) int {
	if typ := purlType(component); typ != "" {
		if c, err := ecosystem.Compare(typ, a, b); err == nil {
			return c
		}
	}
	return cmp.Compare(a, b)
}

// diffEntries compares two component sets: per component, versions on
// both sides are unchanged (or changed licence); the rest pair up in
// version order as upgrades or downgrades, and what is left over was added
// or removed.
func diffEntries(from, to []entry) ([]bulwark.ComponentChange, int) {
	type side struct{ old, new []entry }
	groups := map[string]*side{}
	for _, e := range from {
		g := groups[e.component]
		if g == nil {
			g = &side{}
			groups[e.component] = g
		}
		g.old = append(g.old, e)
	}
	for _, e := range to {
		g := groups[e.component]
		if g == nil {
			g = &side{}
			groups[e.component] = g
		}
		g.new = append(g.new, e)
	}
	var changes []bulwark.ComponentChange
	unchanged := 0
	for component, g := range groups {
		byVersion := func(a, b entry) int { return compareVersions(component, a.version, b.version) }
		slices.SortFunc(g.old, byVersion)
		slices.SortFunc(g.new, byVersion)
		var gone, came []entry
		for _, o := range g.old {
			i := slices.IndexFunc(g.new, func(n entry) bool { return n.version == o.version })
			if i < 0 {
				gone = append(gone, o)
				continue
			}
			n := g.new[i]
			g.new = slices.Delete(g.new, i, i+1)
			if n.license != o.license {
				changes = append(changes, bulwark.ComponentChange{Kind: bulwark.ChangeLicense, Component: component, Name: n.name,
					From: o.version, To: n.version, FromLicense: o.license, ToLicense: n.license})
			} else {
				unchanged++
			}
		}
		came = g.new
		for len(gone) > 0 && len(came) > 0 {
			o, n := gone[0], came[0]
			gone, came = gone[1:], came[1:]
			kind := bulwark.ChangeUpgraded
			if compareVersions(component, o.version, n.version) > 0 {
				kind = bulwark.ChangeDowngraded
			}
			changes = append(changes, bulwark.ComponentChange{Kind: kind, Component: component, Name: n.name, From: o.version, To: n.version,
				FromLicense: o.license, ToLicense: n.license})
			if o.license != n.license {
				changes = append(changes, bulwark.ComponentChange{Kind: bulwark.ChangeLicense, Component: component, Name: n.name,
					From: o.version, To: n.version, FromLicense: o.license, ToLicense: n.license})
			}
		}
		for _, o := range gone {
			changes = append(changes, bulwark.ComponentChange{Kind: bulwark.ChangeRemoved, Component: component, Name: o.name, From: o.version, FromLicense: o.license})
		}
		for _, n := range came {
			changes = append(changes, bulwark.ComponentChange{Kind: bulwark.ChangeAdded, Component: component, Name: n.name, To: n.version, ToLicense: n.license})
		}
	}
	slices.SortFunc(changes, func(a, b bulwark.ComponentChange) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Component, b.Component), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	if changes == nil {
		changes = []bulwark.ComponentChange{}
	}
	return changes, unchanged
}

func newDiff(from, to bulwark.ReleaseRef, changes []bulwark.ComponentChange, unchanged int) *bulwark.ReleaseDiff {
	d := &bulwark.ReleaseDiff{From: from, To: to, Changes: changes, Unchanged: unchanged, Counts: map[bulwark.ChangeKind]int{}}
	for _, k := range []bulwark.ChangeKind{bulwark.ChangeAdded, bulwark.ChangeRemoved, bulwark.ChangeUpgraded, bulwark.ChangeDowngraded, bulwark.ChangeLicense} {
		d.Counts[k] = 0
	}
	for _, c := range changes {
		d.Counts[c.Kind]++
	}
	return d
}

// parseSBOM reads an uploaded document, mapping its errors to EINVALID.
func (db *DB) parseSBOM(u bulwark.SBOMUpload) (*sbom.Document, error) {
	if int64(len(u.Content)) > db.MaxSBOMBytes {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "SBOMs are at most %d MiB; this one has %d bytes", db.MaxSBOMBytes>>20, len(u.Content))
	}
	if len(u.Content) == 0 {
		return nil, bulwark.FieldError("sbom", "the SBOM file is empty")
	}
	d, err := sbom.ParseOptions(u.Content, sbom.Options{AllowCycles: u.AllowCycles})
	if err != nil {
		var se *sbom.Error
		if errors.As(err, &se) {
			return nil, &bulwark.Error{Code: cmp.Or(se.Code, bulwark.EINVALID), Field: "sbom", Message: se.Error()}
		}
		return nil, err
	}
	return d, nil
}

func sbomMediaType(d *sbom.Document) string {
	switch {
	case d.Format == sbom.CycloneDX && d.Encoding == sbom.XML:
		return "application/vnd.cyclonedx+xml"
	case d.Format == sbom.CycloneDX:
		return "application/vnd.cyclonedx+json"
	case d.Encoding == sbom.TagValue:
		return "text/spdx"
	}
	return "application/spdx+json"
}

// StoreSBOM implements bulwark.ProductService.
func (db *DB) StoreSBOM(ctx context.Context, releaseID int64, u bulwark.SBOMUpload) (ch *bulwark.SBOMChange, err error) {
	defer bulwark.Wrap(&err, "StoreSBOM(%d, %q)", releaseID, u.Name)
	d, err := db.parseSBOM(u)
	if err != nil {
		return nil, err
	}
	ps := preparePackages(d)
	err = db.inTx(ctx, func(t *Tx) error {
		r, path, err := t.release(releaseID, bulwark.ActionSBOMUpload)
		if err != nil {
			return err
		}
		ch, err = t.storeSBOM(r, path, u, d, ps)
		return err
	})
	return ch, err
}

func (t *Tx) storeSBOM(r *bulwark.Release, path string, u bulwark.SBOMUpload, d *sbom.Document, ps []*pkg) (*bulwark.SBOMChange, error) {
	digest := bulwark.DigestBytes(u.Content)
	if r.SBOM != nil && r.SBOM.Digest == digest {
		return &bulwark.SBOMChange{Release: r.Ref(), SBOM: *r.SBOM, Unchanged: true}, nil
	}
	if r.State.Frozen() {
		return nil, bulwark.Errorf(bulwark.EFROZEN, "%s %s is %s: its SBOM is under configuration control and cannot be replaced", r.Product, r.Version, r.State)
	}
	var old []entry
	if r.SBOM != nil {
		var err error
		if old, err = t.releaseEntries(r.ID); err != nil {
			return nil, err
		}
	}
	if err := t.packageIDs(ps); err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(ps))
	for _, p := range ps {
		ids[p.key] = p.id
	}
	if _, err := t.exec("DELETE FROM release_components WHERE release_id = ?", r.ID); err != nil {
		return nil, err
	}
	if err := t.insertRows("INSERT INTO release_components (release_id, package_id, depth, parent_id, license, supplier) VALUES ", 6, len(ps),
		func(i int, args []any) []any {
			p := ps[i]
			return append(args, r.ID, p.id, p.depth, ids[p.parent], p.license, p.supplier)
		}); err != nil {
		return nil, err
	}
	if err := t.syncRelease(r.ID, ps); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(u.Name)
	if name == "" || strings.ContainsAny(name, "/\\\x00") {
		name = "sbom"
	}
	if _, _, err := t.putEvidence(r.ScopeID, name, sbomMediaType(d), u.Content, digest); err != nil {
		return nil, err
	}
	info := bulwark.SBOMInfo{Digest: digest, Name: name, Format: string(d.Format), SpecVersion: d.SpecVersion, Encoding: string(d.Encoding),
		Components: len(ps), Dependencies: len(d.Dependencies), Problems: d.Problems, UploadedAt: t.now, UploadedBy: t.p.Actor()}
	if info.Problems == nil {
		info.Problems = []string{}
	}
	if _, err := t.exec("UPDATE releases SET sbom = ? WHERE id = ?", jsonText(info), r.ID); err != nil {
		return nil, err
	}
	ch := &bulwark.SBOMChange{Release: r.Ref(), SBOM: info, Replaced: r.SBOM != nil}
	diffText := ""
	reason := fmt.Sprintf("SBOM %s (%s %s, %d components)", name, d.Format, d.SpecVersion, len(ps))
	if ch.Replaced {
		now := make([]entry, len(ps))
		for i, p := range ps {
			now[i] = entry{p.component, p.name, p.version, p.license}
		}
		changes, unchanged := diffEntries(old, now)
		ch.Diff = newDiff(r.Ref(), r.Ref(), changes, unchanged)
		diffText = jsonText(ch.Diff)
		c := ch.Diff.Counts
		reason += fmt.Sprintf(" replaces %s: %d added, %d removed, %d upgraded, %d downgraded, %d licence changes",
			r.SBOM.Digest, c[bulwark.ChangeAdded], c[bulwark.ChangeRemoved], c[bulwark.ChangeUpgraded], c[bulwark.ChangeDowngraded], c[bulwark.ChangeLicense])
	}
	if strings.TrimSpace(u.Reason) != "" {
		reason = strings.TrimSpace(u.Reason) + " — " + reason
	}
	if _, err := t.exec("INSERT INTO sbom_history (release_id, digest, info, diff, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
		r.ID, digest, jsonText(info), diffText, micros(t.now), t.p.Actor()); err != nil {
		return nil, err
	}
	kind := "release.sbom_stored"
	var before any
	if ch.Replaced {
		kind, before = "release.sbom_replaced", r.SBOM
	}
	if ch.Diff != nil {
		t.record(kind, releaseSubject(r.ID), path, before, map[string]any{"sbom": info, "diff": ch.Diff}, reason, digest)
	} else {
		t.record(kind, releaseSubject(r.ID), path, before, map[string]any{"sbom": info}, reason, digest)
	}
	return ch, nil
}

const releaseComponentCols = `p.id, p.name, p.version, p.purl, rc.license, rc.supplier, rc.depth, rc.parent_id, COALESCE(cv.state, ''), COALESCE(cv.id, 0)`

func scanComponentRow(rows *sql.Rows) (*bulwark.ReleaseComponent, error) {
	var c bulwark.ReleaseComponent
	if err := rows.Scan(&c.PackageID, &c.Name, &c.Version, &c.PURL, &c.License, &c.Supplier, &c.Depth, &c.Parent, &c.State, &c.VersionID); err != nil {
		return nil, err
	}
	if strings.HasPrefix(c.PURL, "name:") {
		c.PURL = ""
	}
	return &c, nil
}

// releaseComponents lists the packages of a release that meet w, with
// their catalog state, direct dependencies first; tail and its arguments
// limit the list.
func (t *Tx) releaseComponents(w where, tail string, tailArgs ...any) ([]*bulwark.ReleaseComponent, error) {
	rows, err := t.query(`SELECT `+releaseComponentCols+` FROM release_components rc JOIN packages p ON p.id = rc.package_id
		LEFT JOIN component_versions cv ON cv.purl = p.versioned WHERE `+w.sql()+` ORDER BY rc.depth, p.name, p.version, p.id`+tail,
		append(w.args, tailArgs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*bulwark.ReleaseComponent{}
	for rows.Next() {
		c, err := scanComponentRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ReleaseComponents implements bulwark.ProductService. The cursor is an
// offset: component lists are read a page at a time in a stable order.
func (db *DB) ReleaseComponents(ctx context.Context, releaseID int64, f bulwark.ComponentFilter, page bulwark.Page) (out []*bulwark.ReleaseComponent, next string, err error) {
	defer bulwark.Wrap(&err, "ReleaseComponents(%d)", releaseID)
	offset, err := page.After()
	if err != nil {
		return nil, "", err
	}
	limit := page.EffectiveLimit()
	w := where{conds: []string{"rc.release_id = ?"}, args: []any{releaseID}}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		w.add("(LOWER(p.name) LIKE ? ESCAPE '\\' OR p.purl LIKE ? ESCAPE '\\')", "%"+likeEscape(q)+"%", "%"+likeEscape(q)+"%")
	}
	switch f.State {
	case "":
	case "unknown":
		w.add("cv.id IS NULL")
	default:
		if !bulwark.VersionState(f.State).Valid() {
			return nil, "", bulwark.FieldError("state", "unknown state %q (a catalog state, or unknown)", f.State)
		}
		w.add("cv.state = ?", f.State)
	}
	if f.Direct {
		w.add("rc.depth <= 1")
	}
	err = db.readTx(ctx, func(t *Tx) error {
		if _, _, err := t.release(releaseID, bulwark.ActionProductRead); err != nil {
			return err
		}
		out, err = t.releaseComponents(w, " LIMIT ? OFFSET ?", limit+1, offset)
		if len(out) > limit {
			out = out[:limit]
			next = bulwark.CursorAfter(offset + int64(limit))
		}
		return err
	})
	return out, next, err
}

// ReleaseGraph implements bulwark.ProductService.
func (db *DB) ReleaseGraph(ctx context.Context, releaseID int64) (out []*bulwark.ReleaseComponent, err error) {
	defer bulwark.Wrap(&err, "ReleaseGraph(%d)", releaseID)
	err = db.readTx(ctx, func(t *Tx) error {
		if _, _, err := t.release(releaseID, bulwark.ActionProductRead); err != nil {
			return err
		}
		out, err = t.releaseComponents(where{conds: []string{"rc.release_id = ?"}, args: []any{releaseID}}, "")
		return err
	})
	return out, err
}

// ExportSBOM implements bulwark.ProductService. The stored document is
// read again and written out with the release as its subject.
func (db *DB) ExportSBOM(ctx context.Context, releaseID int64, format string, w io.Writer) (err error) {
	defer bulwark.Wrap(&err, "ExportSBOM(%d, %s)", releaseID, format)
	if format != string(sbom.CycloneDX) && format != string(sbom.SPDX) {
		return bulwark.FieldError("format", "export as cyclonedx (1.6 JSON) or spdx (2.3 JSON), not %q", format)
	}
	var r *bulwark.Release
	var content []byte
	err = db.readTx(ctx, func(t *Tx) error {
		if r, _, err = t.release(releaseID, bulwark.ActionProductRead); err != nil {
			return err
		}
		if r.SBOM == nil {
			return bulwark.Errorf(bulwark.EPRECONDITION, "%s %s has no SBOM yet", r.Product, r.Version)
		}
		return t.queryRow("SELECT content FROM evidence_blobs WHERE digest = ?", r.SBOM.Digest).Scan(&content)
	})
	if err != nil {
		return err
	}
	d, err := sbom.ParseOptions(content, sbom.Options{AllowCycles: true})
	if err != nil {
		return fmt.Errorf("stored SBOM %s no longer parses: %w", r.SBOM.Digest, err)
	}
	subject := sbom.Component{Ref: "release", Type: "application", Name: r.Product, Version: r.Version, Parent: sbom.Root}
	if d.Subject != nil {
		subject.Ref, subject.Supplier, subject.License = d.Subject.Ref, d.Subject.Supplier, d.Subject.License
	}
	d.Subject = &subject
	if format == string(sbom.CycloneDX) {
		return sbom.WriteCycloneDX(w, d)
	}
	ns := fmt.Sprintf("https://bulwark.invalid/spdx/%s/%s/%s", url.PathEscape(r.Product), url.PathEscape(r.Version), strings.TrimPrefix(r.SBOM.Digest, "sha256:")[:16])
	return sbom.WriteSPDX(w, d, ns)
}

// DiffReleases implements bulwark.ProductService.
func (db *DB) DiffReleases(ctx context.Context, fromID, toID int64) (d *bulwark.ReleaseDiff, err error) {
	defer bulwark.Wrap(&err, "DiffReleases(%d, %d)", fromID, toID)
	err = db.readTx(ctx, func(t *Tx) error {
		from, _, err := t.release(fromID, bulwark.ActionProductRead)
		if err != nil {
			return err
		}
		to, _, err := t.release(toID, bulwark.ActionProductRead)
		if err != nil {
			return err
		}
		a, err := t.releaseEntries(fromID)
		if err != nil {
			return err
		}
		b, err := t.releaseEntries(toID)
		if err != nil {
			return err
		}
		changes, unchanged := diffEntries(a, b)
		d = newDiff(from.Ref(), to.Ref(), changes, unchanged)
		return nil
	})
	return d, err
}

// sbomInfo decodes a stored SBOM summary.
func sbomInfo(text string) (bulwark.SBOMInfo, error) {
	var info bulwark.SBOMInfo
	err := json.Unmarshal([]byte(text), &info)
	return info, err
}
