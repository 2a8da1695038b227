package bulwark

import "time"

// Advisory is one imported vulnerability record (OSV), with its severity
// scored and the key of the vulnerability it describes: records that alias
// each other (CVE ↔ GHSA ↔ PYSEC ↔ GO …) share one key.
type Advisory struct {
	ID             string     `json:"id"`
	Key            string     `json:"key"` // the CVE when any alias is one, else the smallest id of the alias set
	Aliases        []string   `json:"aliases"`
	Summary        string     `json:"summary,omitempty"`
	Details        string     `json:"details,omitempty"`
	Modified       time.Time  `json:"modified"`
	Published      *time.Time `json:"published,omitempty"`
	Withdrawn      *time.Time `json:"withdrawn,omitempty"`
	Score          float64    `json:"score,omitempty"`
	Rating         string     `json:"rating,omitempty"` // critical, high, medium, low, none; "" unknown
	Vector         string     `json:"vector,omitempty"`
	SeveritySource string     `json:"severity_source,omitempty"` // "CVSS:3.1", "CVSS:4.0", "database"
	Source         string     `json:"source"`                    // file (or archive member) it was imported from
}

// Rejection is a record an import refused, and why.
type Rejection struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// AdvisoryImportResult counts what an import did.
type AdvisoryImportResult struct {
	Read       int         `json:"read"`
	New        int         `json:"new"`
	Updated    int         `json:"updated"`
	Unchanged  int         `json:"unchanged"`
	Withdrawn  int         `json:"withdrawn"` // new or updated records that are withdrawn
	Rejected   int         `json:"rejected"`
	Rejections []Rejection `json:"rejections"`
	Warnings   []Rejection `json:"warnings"` // accepted records with something to say (unknown fields)
}

// VulnMatch is one advisory whose ranges contain a package version.
type VulnMatch struct {
	Key         string   `json:"key"` // the vulnerability (shared by records that alias each other)
	IDs         []string `json:"ids"` // the advisory record
	Aliases     []string `json:"aliases"`
	Summary     string   `json:"summary,omitempty"`
	Rating      string   `json:"rating,omitempty"`
	Score       float64  `json:"score,omitempty"`
	Fixed       []string `json:"fixed"`
	Unevaluated []string `json:"unevaluated,omitempty"` // GIT ranges and the like, reported, not guessed
}
