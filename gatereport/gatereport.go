// Package gatereport renders a pipeline gate decision (*bulwark.GateResult)
// for people and for CI systems: a plain-text table for the build log, the
// API's own JSON, JUnit XML for test dashboards and SARIF 2.1.0 for code
// scanning. Every format reads the checks in the order the gate gave them
// (failures first, then warnings, then passes) and counts them the same way.
package gatereport

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"

	"github.com/bulwark-sec/bulwark"
)

// outcomeStyle is how the reports show one outcome.
type outcomeStyle struct {
	word  string // table, summary and JUnit text
	color string // ANSI SGR sequence for terminals
	level string // SARIF result level; empty when the outcome is not a result
}

// outcomes is the one place that maps outcomes to what the reports print.
var outcomes = map[bulwark.GateOutcome]outcomeStyle{
	bulwark.GateFail: {word: "FAIL", color: "\x1b[1;31m", level: "error"},
	bulwark.GateWarn: {word: "WARN", color: "\x1b[33m", level: "warning"},
	bulwark.GatePass: {word: "PASS", color: "\x1b[32m"},
}

// Word returns the display word for an outcome: PASS, WARN or FAIL.
func Word(o bulwark.GateOutcome) string {
	if s, ok := outcomes[o]; ok {
		return s.word
	}
	return "UNKNOWN(" + clean(string(o)) + ")"
}

// tally counts checks by outcome. It is computed from the checks rather
// than taken from GateResult.Counts so that every report agrees with the
// rows it prints, even for a result built by hand.
type tally struct{ failed, warned, passed int }

func count(g *bulwark.GateResult) tally {
	var t tally
	for _, c := range g.Checks {
		switch c.Outcome {
		case bulwark.GateFail:
			t.failed++
		case bulwark.GateWarn:
			t.warned++
		case bulwark.GatePass:
			t.passed++
		}
	}
	return t
}

// component names a check's component as name@version.
func component(c *bulwark.GateCheck) string {
	if c.Version == "" {
		return c.Name
	}
	return c.Name + "@" + c.Version
}

// identity is the most precise name of a check's component: its purl, or
// name@version when the SBOM gave none.
func identity(c *bulwark.GateCheck) string {
	if c.PURL != "" {
		return c.PURL
	}
	return component(c)
}

// state is the catalog state of a check's component as the reports say it.
func state(c *bulwark.GateCheck) string {
	if c.State == "" {
		return "not in catalog"
	}
	return string(c.State)
}

// JSON writes g as indented JSON in the API's own schema.
func JSON(w io.Writer, g *bulwark.GateResult) (err error) {
	defer bulwark.Wrap(&err, "gatereport.JSON(gate run %d)", g.ID)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(g)
}

// Report file names written by WriteAll.
const (
	JSONFile  = "gate.json"
	JUnitFile = "gate.junit.xml"
	SARIFFile = "gate.sarif"
)

// WriteAll creates dir if needed and writes the JSON, JUnit and SARIF
// reports into it, returning the paths written. artifactURI is the SBOM
// file as the pipeline named it; SARIF results point at it.
func WriteAll(dir string, g *bulwark.GateResult, artifactURI string) (paths []string, err error) {
	defer bulwark.Wrap(&err, "gatereport.WriteAll(%q)", dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files := []struct {
		name   string
		render func(io.Writer) error
	}{
		{JSONFile, func(w io.Writer) error { return JSON(w, g) }},
		{JUnitFile, func(w io.Writer) error { return JUnit(w, g) }},
		{SARIFFile, func(w io.Writer) error { return SARIF(w, g, artifactURI) }},
	}
	for _, f := range files {
		// Render fully before touching the file, so a rendering error
		// leaves no half-written report behind.
		var buf bytes.Buffer
		if err := f.render(&buf); err != nil {
			return paths, err
		}
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
