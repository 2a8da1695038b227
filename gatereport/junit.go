package gatereport

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// The JUnit XML elements Bulwark writes, in the common dialect that
// Jenkins, GitLab, Azure DevOps and the GitHub test reporters read.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Classname string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Detail  string `xml:",chardata"`
	}
)

// JUnit writes g as JUnit XML: one test suite for the gate run, one test
// case per check, classed by rule. A failing check is a test failure; a
// warning passes with the warning in its system-out, so that CI shows it
// without failing the build.
func JUnit(w io.Writer, g *bulwark.GateResult) (err error) {
	defer bulwark.Wrap(&err, "gatereport.JUnit(gate run %d)", g.ID)
	t := count(g)
	suite := junitSuite{
		Name:     "bulwark gate: " + g.Release.String(),
		Tests:    len(g.Checks),
		Failures: t.failed,
		Properties: []junitProperty{
			{"outcome", string(g.Outcome)},
			{"product", g.Release.Product},
			{"release", g.Release.Version},
			{"gate_run", strconv.FormatInt(g.ID, 10)},
			{"sbom_digest", g.SBOM.Digest},
		},
		Cases: make([]junitCase, 0, len(g.Checks)),
	}
	if !g.CreatedAt.IsZero() {
		// The JUnit schema's timestamp has no zone; the convention is UTC.
		suite.Timestamp = g.CreatedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for _, c := range g.Checks {
		tc := junitCase{Classname: c.Rule, Name: component(&c)}
		if c.Vulnerability != "" {
			tc.Name += " " + c.Vulnerability
		}
		switch c.Outcome {
		case bulwark.GateFail:
			tc.Failure = &junitFailure{Message: c.Message, Type: c.Rule, Detail: detail(&c)}
		case bulwark.GateWarn:
			tc.SystemOut = "WARNING: " + c.Message + "\n" + detail(&c)
		}
		suite.Cases = append(suite.Cases, tc)
	}
	doc := junitSuites{Name: "bulwark gate", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	// encoding/xml escapes markup and replaces characters XML cannot hold
	// with U+FFFD, so names from the SBOM cannot break the document.
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// detail is the body of a failure or warning: what a reader needs to find
// the component and judge the verdict.
func detail(c *bulwark.GateCheck) string {
	var b strings.Builder
	purl := c.PURL
	if purl == "" {
		purl = "none in the SBOM"
	}
	fmt.Fprintf(&b, "purl: %s\nstate: %s\n", purl, state(c))
	if c.License != "" {
		fmt.Fprintf(&b, "licence: %s\n", c.License)
	}
	if c.Vulnerability != "" {
		fmt.Fprintf(&b, "vulnerability: %s\nfinding: %d\n", c.Vulnerability, c.FindingID)
	}
	if c.WaiverID != 0 {
		fmt.Fprintf(&b, "waiver: %d\n", c.WaiverID)
	}
	return b.String()
}
