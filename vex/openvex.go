package vex

import (
	"fmt"
	"io"
	"strconv"

	openvex "github.com/openvex/go-vex/pkg/vex"

	"github.com/bulwark-sec/bulwark"
)

// openVEXContext is the context of the OpenVEX version written, pinned here
// rather than taken from the library so that an upgrade cannot change it.
const openVEXContext = "https://openvex.dev/ns/v0.2.0"

// WriteOpenVEX writes an OpenVEX 0.2.0 JSON document: one statement per
// (vulnerability, component version), the product being the release and
// the component its subcomponent.
func WriteOpenVEX(w io.Writer, r Release) error {
	if err := r.check(); err != nil {
		return err
	}
	ts := r.Timestamp.UTC()
	doc := openvex.VEX{
		Metadata: openvex.Metadata{
			Context:   openVEXContext,
			ID:        documentURN(r.Ref, ts),
			Author:    r.Author,
			Timestamp: &ts,
			Version:   1,
			Tooling:   "bulwark",
		},
		Statements: []openvex.Statement{},
	}
	product := openvex.Component{ID: r.PURL}
	if product.ID == "" {
		product.ID = releaseURN(r.Ref)
	}
	for key, fs := range byKey(r.sorted()) {
		adv := r.Advisories[key]
		vuln := openvex.Vulnerability{Name: openvex.VulnerabilityID(key)}
		for _, a := range aliases(key, adv, fs) {
			vuln.Aliases = append(vuln.Aliases, openvex.VulnerabilityID(a))
		}
		if adv != nil {
			vuln.Description = adv.Summary
		}
		for _, f := range fs {
			st := openVEXStatement(f)
			st.Vulnerability = vuln
			st.Products = []openvex.Product{{
				Component:     product,
				Subcomponents: []openvex.Subcomponent{{Component: openvex.Component{ID: openVEXComponentID(f)}}},
			}}
			if err := st.Validate(); err != nil {
				return fmt.Errorf("vex: WriteOpenVEX(%s): finding %d: %w", r.Ref, f.ID, err)
			}
			doc.Statements = append(doc.Statements, st)
		}
	}
	if err := doc.ToJSON(w); err != nil {
		return fmt.Errorf("vex: WriteOpenVEX(%s): %w", r.Ref, err)
	}
	return nil
}

// openVEXComponentID is the component's purl. OpenVEX wants an IRI, which
// name@version is not, so a component without purl gets a urn built from
// its name and version.
func openVEXComponentID(f *bulwark.VulnFinding) string {
	if f.PURL != "" {
		return f.PURL
	}
	return "urn:bulwark:component:" + escape(f.Component) + "@" + escape(f.Version)
}

// openVEXStatement carries a finding's analysis: status and the one field
// the status requires; whatever else was recorded goes to status_notes.
func openVEXStatement(f *bulwark.VulnFinding) openvex.Statement {
	var st openvex.Statement
	j, kept := justification(openVEXJustification, f.Justification)
	var response string
	if f.Response != "" {
		response = "response recorded as " + f.Response
	}
	var notes []string
	switch f.State {
	case bulwark.FindingInTriage:
		st.Status = openvex.StatusUnderInvestigation
		notes = append(notes, f.Detail, recorded(f.Justification), response)
	case bulwark.FindingAffected:
		st.Status = openvex.StatusAffected
		switch {
		case f.Response != "" && f.Detail != "":
			st.ActionStatement = f.Response + ": " + f.Detail
		case f.Response != "":
			st.ActionStatement = f.Response
		case f.Detail != "":
			st.ActionStatement = f.Detail
		default:
			st.ActionStatement = "no remediation decided yet"
		}
		notes = append(notes, recorded(f.Justification))
	case bulwark.FindingNotAffected:
		st.Status = openvex.StatusNotAffected
		// Exactly one of justification and impact statement: the first
		// OpenVEX 0.2.0 schema allows no more.
		if j != "" {
			st.Justification = openvex.Justification(j)
			notes = append(notes, f.Detail, kept, response)
		} else {
			st.ImpactStatement = note(f.Detail, kept)
			if st.ImpactStatement == "" {
				st.ImpactStatement = "not affected; no justification recorded"
			}
			notes = append(notes, response)
		}
	case bulwark.FindingFixed:
		st.Status = openvex.StatusFixed
		notes = append(notes, f.Detail, recorded(f.Justification), response)
	case bulwark.FindingFalsePositive:
		st.Status = openvex.StatusNotAffected
		st.ImpactStatement = "false positive"
		if f.Detail != "" {
			st.ImpactStatement += ": " + f.Detail
		}
		notes = append(notes, recorded(f.Justification), response)
	}
	if f.InheritedFrom != 0 {
		notes = append(notes, "analysis inherited from an earlier release (finding "+strconv.FormatInt(f.InheritedFrom, 10)+")")
	}
	st.StatusNotes = note(notes...)
	return st
}

// recorded keeps a justification a status has no field for.
func recorded(j string) string {
	if j == "" {
		return ""
	}
	return "justification recorded as " + j
}
