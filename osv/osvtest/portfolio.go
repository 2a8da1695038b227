// Package osvtest builds benchmark inputs from real OSV records: the
// records replicated to any count, and package URLs at versions the records
// do or do not affect, for SBOMs that match them.
package osvtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/osv"
)

// Shared reads every record of the OSV archives in dir (the shared data's
// osv folder). The second result is false when dir holds none.
func Shared(dir string) ([]osv.Item, bool, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	if err != nil || len(paths) == 0 {
		return nil, false, err
	}
	var items []osv.Item
	err = osv.Walk(paths, func(it osv.Item) error {
		items = append(items, it)
		return nil
	})
	return items, true, err
}

// Replicate returns n records: the readable records of items, then copies
// of them whose ids, aliases and package names carry a suffix ("-r2", …),
// so each copy is a vulnerability of its own in packages of their own,
// with the original's ranges, versions and severity.
func Replicate(items []osv.Item, n int) ([]osv.Item, error) {
	var good []osv.Item
	seen := map[string]bool{}
	for _, it := range items {
		if it.Err == nil && it.Record != nil && !seen[it.Record.ID] {
			seen[it.Record.ID] = true
			good = append(good, it)
		}
	}
	if len(good) == 0 {
		return nil, fmt.Errorf("no readable records to replicate")
	}
	out := make([]osv.Item, 0, n)
	for copyNo := 1; len(out) < n; copyNo++ {
		for _, it := range good {
			if len(out) == n {
				break
			}
			if copyNo == 1 {
				out = append(out, it)
				continue
			}
			data, err := json.Marshal(it.Record)
			if err != nil {
				return nil, err
			}
			var r osv.Record
			if err := json.Unmarshal(data, &r); err != nil {
				return nil, err
			}
			suffix := fmt.Sprintf("-r%d", copyNo)
			r.ID += strings.ToUpper(suffix)
			for i := range r.Aliases {
				r.Aliases[i] += strings.ToUpper(suffix)
			}
			for i := range r.Affected {
				p := &r.Affected[i].Package
				p.Name, p.PURL = p.Name+suffix, ""
			}
			out = append(out, osv.Item{Source: it.Source + suffix, Record: &r})
		}
	}
	return out, nil
}

// Target is a package URL at a version, and whether a record affects it.
type Target struct {
	PURL     string
	Affected bool
}

// Targets names, for each affected package of each record that maps to a
// package URL our matching understands, a version the record affects (a
// listed version, or a range's introduced or last_affected version) and
// one it does not (a fixed version), when the record names them; versions
// are never made up.
func Targets(items []osv.Item) []Target {
	var out []Target
	for _, it := range items {
		if it.Record == nil || it.Record.IsWithdrawn() {
			continue
		}
		for _, a := range it.Record.Affected {
			base := purlOf(a.Package)
			if base == "" {
				continue
			}
			at := func(v string, affected bool) {
				if v == "" || v == "0" {
					return
				}
				p := base
				q := ""
				if i := strings.IndexByte(p, '?'); i >= 0 {
					p, q = p[:i], p[i:]
				}
				out = append(out, Target{PURL: p + "@" + url.PathEscape(v) + q, Affected: affected})
			}
			if len(a.Versions) > 0 {
				at(a.Versions[len(a.Versions)/2], true)
			}
			for _, r := range a.Ranges {
				if r.Type == "GIT" {
					continue
				}
				for _, e := range r.Events {
					at(e.Introduced, true)
					at(e.LastAffected, true)
					at(e.Fixed, false)
				}
			}
		}
	}
	return out
}

// purlTypes maps OSV ecosystems to package URL types.
var purlTypes = map[string]string{
	"npm": "npm", "PyPI": "pypi", "Go": "golang", "crates.io": "cargo", "Maven": "maven", "Packagist": "composer",
	"Hackage": "hackage", "CRAN": "cran", "NuGet": "nuget", "RubyGems": "gem", "Hex": "hex", "Pub": "pub",
}

// purlOf returns the version-less package URL of an OSV package, checked to
// map back to the same OSV identity; "" when there is none.
func purlOf(p osv.Package) string {
	var s string
	base := ecosystem.BaseEcosystem(p.Ecosystem)
	switch {
	case base == "AlmaLinux":
		release := strings.TrimPrefix(p.Ecosystem, "AlmaLinux:")
		s = "pkg:rpm/almalinux/" + url.PathEscape(p.Name) + "?distro=almalinux-" + release
	case base == "Maven":
		group, artifact, ok := strings.Cut(p.Name, ":")
		if !ok {
			return ""
		}
		s = "pkg:maven/" + group + "/" + url.PathEscape(artifact)
	case purlTypes[p.Ecosystem] != "":
		name := p.Name
		if p.Ecosystem == "npm" && strings.HasPrefix(name, "@") {
			name = "%40" + name[1:]
		} else if p.Ecosystem != "Go" && p.Ecosystem != "Packagist" {
			name = url.PathEscape(name)
		}
		s = "pkg:" + purlTypes[p.Ecosystem] + "/" + name
	default:
		return ""
	}
	check := s + "@1"
	if i := strings.IndexByte(s, '?'); i >= 0 {
		check = s[:i] + "@1" + s[i:]
	}
	id, err := ecosystem.FromPURL(check)
	if err != nil || !id.Covers(p.Ecosystem) || ecosystem.NameKey(p.Ecosystem, id.Name) != ecosystem.NameKey(p.Ecosystem, p.Name) {
		return ""
	}
	return s
}
