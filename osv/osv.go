// Package osv reads vulnerability records in the OSV schema (JSON, and
// YAML where a database publishes YAML) from files, directories and
// archives, checks them one by one, scores their severity, and decides
// whether a package version is affected, following the schema's evaluation
// rules exactly.
package osv

import (
	"time"
)

// Record is one OSV vulnerability record, as far as Bulwark uses it.
type Record struct {
	SchemaVersion string      `json:"schema_version,omitempty"`
	ID            string      `json:"id"`
	Modified      time.Time   `json:"modified"`
	Published     *time.Time  `json:"published,omitempty"`
	Withdrawn     *time.Time  `json:"withdrawn,omitempty"`
	Aliases       []string    `json:"aliases,omitempty"`
	Related       []string    `json:"related,omitempty"`
	Upstream      []string    `json:"upstream,omitempty"`
	Summary       string      `json:"summary,omitempty"`
	Details       string      `json:"details,omitempty"`
	Severity      []Severity  `json:"severity,omitempty"`
	Affected      []Affected  `json:"affected,omitempty"`
	References    []Reference `json:"references,omitempty"`
	Credits       []Credit    `json:"credits,omitempty"`
	// DatabaseSpecific is kept as raw JSON (it may carry a severity word).
	DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
}

// IsWithdrawn reports whether the database has withdrawn the record: it
// should no longer be matched against anything.
func (r *Record) IsWithdrawn() bool { return r.Withdrawn != nil }

// Severity is a scored severity vector.
type Severity struct {
	Type  string `json:"type"`  // CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu
	Score string `json:"score"` // the vector (or a word for Ubuntu)
}

// Affected names one package and the versions of it a record affects.
type Affected struct {
	Package           Package        `json:"package"`
	Severity          []Severity     `json:"severity,omitempty"`
	Ranges            []Range        `json:"ranges,omitempty"`
	Versions          []string       `json:"versions,omitempty"`
	EcosystemSpecific map[string]any `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  map[string]any `json:"database_specific,omitempty"`
}

// Package identifies a package in an ecosystem ("PyPI", "Debian:12",
// "AlmaLinux:9", "Maven" with name "group:artifact", …).
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is one range of affected versions.
type Range struct {
	Type   string  `json:"type"` // SEMVER, ECOSYSTEM, GIT
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
	// DatabaseSpecific has no effect on evaluation (the schema says so).
	DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
}

// Event is one event of a range: exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Credit names someone the database credits for the record.
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"`
	Type    string   `json:"type,omitempty"`
}

// Error says why a record was rejected: Source names where it came from
// (a file, or "archive.tgz!member"), Field the offending field as a path
// such as "affected[0].ranges[1].type" (empty when the record as a whole is
// at fault), Msg what is wrong, in words safe to show.
type Error struct {
	Source, Field, Msg string
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Source != "" {
		s = e.Source + ": " + s
	}
	return s
}
