// Package sbom reads CycloneDX and SPDX documents into one format-neutral
// model, checks them (identity, references, graph shape) and writes that
// model back out as CycloneDX 1.6 JSON or SPDX 2.3 JSON.
//
// The formats themselves are parsed by their projects' own Go libraries
// (cyclonedx-go, spdx/tools-golang); this package detects which one a file
// is, adapts it, and turns every failure into an *Error that says which
// format, where and what.
package sbom

import (
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Format is the SBOM standard a document follows.
type Format string

const (
	CycloneDX Format = "cyclonedx"
	SPDX      Format = "spdx"
)

// Encoding is how a document is serialised.
type Encoding string

const (
	JSON     Encoding = "json"
	XML      Encoding = "xml"
	TagValue Encoding = "tag-value"
)

// MaxSize bounds the documents Parse accepts, unless the caller sets a
// smaller limit.
const MaxSize = 256 << 20

// MaxDepth bounds the nesting of a document (JSON objects and arrays, XML
// elements). Real SBOMs stay far below it.
const MaxDepth = 128

// Document is an SBOM in the format-neutral model.
type Document struct {
	Format      Format    `json:"format"`
	SpecVersion string    `json:"spec_version"` // as the document declares it: "1.5", "2.3"
	Encoding    Encoding  `json:"encoding"`
	Name        string    `json:"name,omitempty"`   // SPDX document name; CycloneDX subject name
	Serial      string    `json:"serial,omitempty"` // CycloneDX serialNumber or SPDX documentNamespace
	Created     time.Time `json:"created,omitzero"`
	Tools       []string  `json:"tools,omitempty"` // "name version" of the tools that wrote it

	// Subject is what the document describes (CycloneDX metadata.component,
	// the package an SPDX document DESCRIBES); nil when it names none.
	Subject *Component `json:"subject,omitempty"`
	// Components lists every component or package of the document, nested
	// ones included, the subject excluded, in document order (a nested
	// component follows its parent; components nested in a CycloneDX
	// subject come last). Every Ref is set and unique.
	Components []Component `json:"components"`
	// Dependencies are the distinct edges of the dependency graph, by index
	// into Components; From is Root for edges that leave the subject. The
	// graph is acyclic: the edge that closes a cycle (real SBOMs have them)
	// is left out and reported in Problems.
	Dependencies []Edge `json:"dependencies"`
	// Problems are things wrong with the document that did not stop it
	// from being read: an invalid purl, a dangling reference, a cycle. They
	// are in the order found, at most 100, then a count of the rest.
	Problems []string `json:"problems"`

	cycles []string // the dependency cycles found (and broken)
}

// Root stands for the subject in an Edge.
const Root = -1

// Edge says From depends on (or contains) To.
type Edge struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Component is one component (CycloneDX) or package (SPDX).
type Component struct {
	Ref         string         `json:"ref"`            // bom-ref or SPDXID, unique in the document; generated when absent
	Type        string         `json:"type,omitempty"` // library, application, framework, container, operating-system, file, …
	Group       string         `json:"group,omitempty"`
	Name        string         `json:"name"`
	Version     string         `json:"version,omitempty"`
	PURL        string         `json:"purl,omitempty"`     // normalised (purl.Parse(...).String()); "" when absent or invalid
	RawPURL     string         `json:"raw_purl,omitempty"` // as written in the document
	CPE         string         `json:"cpe,omitempty"`
	Hashes      []bulwark.Hash `json:"hashes,omitempty"`
	License     string         `json:"license,omitempty"` // SPDX expression where one can be formed, else the names as written
	Supplier    string         `json:"supplier,omitempty"`
	Description string         `json:"description,omitempty"`
	Scope       string         `json:"scope,omitempty"` // CycloneDX scope: required, optional, excluded
	Parent      int            `json:"parent"`          // index of the enclosing component for nested ones, else Root
}

// Summary is what `bulwark sbom inspect --json` prints.
type Summary struct {
	Format       Format   `json:"format"`
	SpecVersion  string   `json:"specVersion"`
	Encoding     Encoding `json:"encoding"`
	Components   int      `json:"components"`
	Dependencies int      `json:"dependencies"`
	Problems     []string `json:"problems"`
}

// Summary counts d for inspect.
func (d *Document) Summary() Summary {
	p := d.Problems
	if p == nil {
		p = []string{}
	}
	return Summary{Format: d.Format, SpecVersion: d.SpecVersion, Encoding: d.Encoding,
		Components: len(d.Components), Dependencies: len(d.Dependencies), Problems: p}
}

// Error is why a document could not be read. Format and Encoding are set
// as far as detection got; Line and Column (1-based, the column counted in
// characters) when the position is known; Path names the element
// ("components[3].purl") when known. Code is the bulwark error code the
// API and CLI map to a status: EINVALID, EUNSUPPORTED (a format or
// version we do not read) or ETOOLARGE.
type Error struct {
	Format   Format
	Encoding Encoding
	Line     int
	Column   int
	Path     string
	Msg      string
	Code     string
}

// Unwrap lets bulwark.ErrorCode, HTTPStatus and ErrorMessage see e as a
// *bulwark.Error carrying its code and full message.
func (e *Error) Unwrap() error {
	code := e.Code
	if code == "" {
		code = bulwark.EINVALID
	}
	return &bulwark.Error{Code: code, Message: e.Error()}
}

func (e *Error) Error() string {
	s := ""
	switch {
	case e.Format != "" && e.Encoding != "":
		s = string(e.Format) + " " + string(e.Encoding) + ": "
	case e.Format != "":
		s = string(e.Format) + ": "
	case e.Encoding != "":
		s = string(e.Encoding) + ": "
	}
	if e.Line > 0 {
		s += fmt.Sprintf("line %d", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf(", column %d", e.Column)
		}
		s += ": "
	}
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Msg
}
