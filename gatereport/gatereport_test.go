package gatereport

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Names that XML, JSON and terminals each treat specially.
const (
	trickyName    = `<script>&"co's"`
	trickyVersion = "1.0-β"
	nonASCIIName  = "zlib-ñ"
)

// sample is a failing gate run with one check of each kind.
func sample() *bulwark.GateResult {
	checks := []bulwark.GateCheck{
		{Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0", License: "MIT", State: bulwark.StateBanned,
			VersionID: 11, Rule: bulwark.RuleBanned, Outcome: bulwark.GateFail, Message: "banned: must not ship"},
		{Name: trickyName, Version: trickyVersion, PURL: "pkg:npm/%3Cscript%3E@1.0-%CE%B2",
			Rule: bulwark.RuleUncertified, Outcome: bulwark.GateFail, Message: "not in the catalog: request it"},
		{Name: nonASCIIName, Version: "2.0", PURL: "pkg:generic/zlib-%C3%B1@2.0", License: "GPL-3.0-only", State: bulwark.StateRequested,
			Rule: bulwark.RuleLicense, Outcome: bulwark.GateFail,
			Message: `licence GPL-3.0-only is denied by policy "strict" <copyleft> & must not ship; ask legal before the release goes out`},
		{Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20", State: bulwark.StateDeprecated,
			Rule: bulwark.RuleDeprecated, Outcome: bulwark.GateWarn, Message: "deprecated: replace with pkg:npm/lodash@4.17.21"},
		{Name: "internal-sdk", Version: "0.9.1", PURL: "pkg:maven/com.acme/internal-sdk@0.9.1", Rule: bulwark.RuleWaived,
			Outcome: bulwark.GateWarn, WaiverID: 7, Message: "not in the catalog: request it, but waived until 2026-12-31 (waiver 7)"},
		{Name: "mystery-lib", Rule: bulwark.RuleUnidentified, Outcome: bulwark.GateWarn,
			Message: "no package URL in the SBOM: cannot be matched to the catalog"},
		{Name: "internal-sdk", Version: "0.9.1", PURL: "pkg:maven/com.acme/internal-sdk@0.9.1", License: "Apache 2", Rule: bulwark.RuleLicense,
			Outcome: bulwark.GateWarn, Message: `declared licence "Apache 2" is not an SPDX expression: legal review needed`},
		{Name: "react", Version: "18.2.0", PURL: "pkg:npm/react@18.2.0", State: bulwark.StateCertified,
			Rule: bulwark.RuleCertified, Outcome: bulwark.GatePass, Message: "certified"},
		{Name: "express", Version: "4.19.2", PURL: "pkg:npm/express@4.19.2", State: bulwark.StateCertified,
			Rule: bulwark.RuleCertified, Outcome: bulwark.GatePass, Message: "certified"},
		{Name: "日本語-lib", Version: "1.0", PURL: "pkg:generic/%E6%97%A5%E6%9C%AC%E8%AA%9E-lib@1.0", State: bulwark.StateCertified,
			Rule: bulwark.RuleCertified, Outcome: bulwark.GatePass, Message: "certified"},
	}
	return &bulwark.GateResult{
		ID:      17,
		Release: bulwark.ReleaseRef{ID: 4, Product: "shop-api", Version: "2.4.0"},
		SBOM: bulwark.SBOMInfo{Digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			Name: "sbom.cdx.json", Format: "cyclonedx", SpecVersion: "1.6", Encoding: "json", Components: 8},
		Outcome:   bulwark.GateFail,
		Counts:    map[bulwark.GateOutcome]int{bulwark.GateFail: 3, bulwark.GateWarn: 4, bulwark.GatePass: 3},
		Checks:    checks,
		CreatedAt: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC),
		CreatedBy: "ci-bot",
	}
}

func withOutcome(g *bulwark.GateResult, o bulwark.GateOutcome) []bulwark.GateCheck {
	var out []bulwark.GateCheck
	for _, c := range g.Checks {
		if c.Outcome == o {
			out = append(out, c)
		}
	}
	return out
}

// parseTable splits the table part of a report into cells by the
// positions (in runes) of the header's column titles, so a row that is
// misaligned by one character yields wrong cells.
func parseTable(t *testing.T, report string) (header string, rows [][]string) {
	t.Helper()
	lines := strings.Split(report, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "OUTCOME") {
			start = i
			break
		}
	}
	if start < 0 {
		return "", nil
	}
	header = lines[start]
	titles := []string{"OUTCOME", "COMPONENT", "STATE", "RULE", "MESSAGE"}
	hr := []rune(header)
	var cols []int
	for _, title := range titles {
		i := strings.Index(header, title)
		if i < 0 {
			t.Fatalf("header %q lacks %s", header, title)
		}
		cols = append(cols, len([]rune(header[:i])))
	}
	if string(hr[cols[len(cols)-1]:]) != "MESSAGE" {
		t.Fatalf("header %q does not end with MESSAGE", header)
	}
	for _, l := range lines[start+1:] {
		if l == "" {
			break
		}
		r := []rune(l)
		if len(r) < cols[len(cols)-1] {
			t.Fatalf("row %q is shorter than the header", l)
		}
		var cells []string
		for i, c := range cols {
			if c > 0 && r[c-1] != ' ' {
				t.Errorf("row %q: no space before column %s", l, titles[i])
			}
			end := len(r)
			if i+1 < len(cols) {
				end = cols[i+1]
			}
			cells = append(cells, strings.TrimRight(string(r[c:end]), " "))
		}
		rows = append(rows, cells)
	}
	return header, rows
}

func wantRow(c bulwark.GateCheck) []string {
	comp := c.Name
	if c.Version != "" {
		comp += "@" + c.Version
	}
	st := string(c.State)
	if st == "" {
		st = "not in catalog"
	}
	return []string{Word(c.Outcome), comp, st, c.Rule, c.Message}
}

func TestTable(t *testing.T) {
	g := sample()
	var buf bytes.Buffer
	if err := Table(&buf, g, TableOptions{RunURL: "https://bulwark.example/gate-runs/17"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Logf("\n%s", out)

	firstLine, _, _ := strings.Cut(out, "\n")
	if want := "shop-api 2.4.0: FAIL (SBOM cyclonedx 1.6, 8 components, sha256:0123456789ab)"; firstLine != want {
		t.Errorf("header line\n got %q\nwant %q", firstLine, want)
	}
	_, rows := parseTable(t, out)
	var want [][]string
	for _, c := range append(withOutcome(g, bulwark.GateFail), withOutcome(g, bulwark.GateWarn)...) {
		want = append(want, wantRow(c))
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n got %q\nwant %q", rows, want)
	}
	for _, c := range withOutcome(g, bulwark.GatePass) {
		if comp := wantRow(c)[1]; strings.Contains(out, comp) {
			t.Errorf("passing component %s is listed without All", comp)
		}
	}
	for _, line := range []string{
		"3 components passed",
		"FAIL: 3 failed, 4 warnings, 3 passed",
		"hint: 1 uncertified component can be requested for certification in one action at https://bulwark.example/gate-runs/17",
	} {
		if !strings.Contains(out, "\n"+line+"\n") {
			t.Errorf("report lacks the line %q", line)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("report has escape sequences without Color")
	}
}

func TestTableAll(t *testing.T) {
	g := sample()
	var buf bytes.Buffer
	if err := Table(&buf, g, TableOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	_, rows := parseTable(t, out)
	if len(rows) != len(g.Checks) {
		t.Fatalf("All: %d rows, want %d\n%s", len(rows), len(g.Checks), out)
	}
	for i, c := range g.Checks { // sample is in gate order already
		if w := wantRow(c); !reflect.DeepEqual(rows[i], w) {
			t.Errorf("row %d = %q, want %q", i, rows[i], w)
		}
	}
	if strings.Contains(out, "components passed") {
		t.Error("All lists passes and counts them separately as well")
	}
	if !strings.Contains(out, "\nFAIL: 3 failed, 4 warnings, 3 passed\n") {
		t.Errorf("summary missing:\n%s", out)
	}
	if !strings.Contains(out, "in one action from this gate run in Bulwark\n") {
		t.Errorf("hint without RunURL missing:\n%s", out)
	}
}

func TestTableColor(t *testing.T) {
	g := sample()
	var buf bytes.Buffer
	if err := Table(&buf, g, TableOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")
	if n := strings.Count(out, outcomes[bulwark.GateFail].color+"FAIL\x1b[0m"); n != 3+2 { // rows, header and summary
		t.Errorf("%d coloured FAIL words, want 5\n%q", n, out)
	}
	if n := strings.Count(out, outcomes[bulwark.GateWarn].color+"WARN\x1b[0m"); n != 4 {
		t.Errorf("%d coloured WARN words, want 4\n%q", n, out)
	}
	// Colour goes on outcome words only: with it removed, the report is
	// the plain one, alignment included.
	var plain bytes.Buffer
	if err := Table(&plain, g, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := sgr.ReplaceAllString(out, ""); got != plain.String() {
		t.Errorf("colour changed more than the outcome words:\n%s\nvs\n%s", got, plain.String())
	}
}

func TestTableAllPassed(t *testing.T) {
	g := sample()
	g.Checks = withOutcome(g, bulwark.GatePass)
	g.Outcome = bulwark.GatePass
	var buf bytes.Buffer
	if err := Table(&buf, g, TableOptions{RunURL: "https://bulwark.example/gate-runs/17"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	want := "shop-api 2.4.0: PASS (SBOM cyclonedx 1.6, 8 components, sha256:0123456789ab)\n\n" +
		"3 components passed\n" +
		"PASS: 0 failed, 0 warnings, 3 passed\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestTableHintSkipsRequested(t *testing.T) {
	g := sample()
	g.Requested = []string{g.Checks[1].PURL}
	var buf bytes.Buffer
	if err := Table(&buf, g, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "hint:") {
		t.Errorf("hint for a component requested already:\n%s", buf.String())
	}
}

// A name from an SBOM must not be able to drive the terminal or break
// the table into extra lines.
func TestTableCleansControlCharacters(t *testing.T) {
	g := sample()
	g.Checks[0].Name = "evil\x1b[2J\nFAIL\tforged\u202e"
	var buf bytes.Buffer
	if err := Table(&buf, g, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\t\u202e") {
		t.Errorf("control characters reached the report: %q", out)
	}
	_, rows := parseTable(t, out)
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7:\n%s", len(rows), out)
	}
	if want := "evil\uFFFD[2J FAIL forged\uFFFD@1.3.0"; rows[0][1] != want {
		t.Errorf("component cell %q, want %q", rows[0][1], want)
	}
}

func TestWord(t *testing.T) {
	for o, want := range map[bulwark.GateOutcome]string{
		bulwark.GatePass: "PASS", bulwark.GateWarn: "WARN", bulwark.GateFail: "FAIL", "odd": "UNKNOWN(odd)",
	} {
		if got := Word(o); got != want {
			t.Errorf("Word(%q) = %q, want %q", o, got, want)
		}
	}
}

func TestShortDigest(t *testing.T) {
	for in, want := range map[string]string{
		"sha256:0123456789abcdef": "sha256:0123456789ab",
		"sha256:abc":              "sha256:abc",
		"0123456789abcdef":        "0123456789ab",
	} {
		if got := shortDigest(in); got != want {
			t.Errorf("shortDigest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSON(t *testing.T) {
	g := sample()
	var buf bytes.Buffer
	if err := JSON(&buf, g); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "{\n  \"id\": 17,") {
		t.Errorf("not indented JSON in the API's field names: %.40q", buf.String())
	}
	var back bulwark.GateResult
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, g) {
		t.Errorf("round trip changed the result:\n got %+v\nwant %+v", back, *g)
	}
}

// The test's own view of JUnit XML, independent of the package's types.
type (
	xSuites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []xSuite `xml:"testsuite"`
	}
	xSuite struct {
		Name      string  `xml:"name,attr"`
		Tests     int     `xml:"tests,attr"`
		Failures  int     `xml:"failures,attr"`
		Skipped   string  `xml:"skipped,attr"`
		Timestamp string  `xml:"timestamp,attr"`
		Cases     []xCase `xml:"testcase"`
	}
	xCase struct {
		Classname string    `xml:"classname,attr"`
		Name      string    `xml:"name,attr"`
		Failure   *xFailure `xml:"failure"`
		SystemOut *string   `xml:"system-out"`
	}
	xFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

func TestJUnit(t *testing.T) {
	g := sample()
	g.CreatedAt = g.CreatedAt.In(time.FixedZone("CET", 3600)) // the timestamp is written in UTC
	var buf bytes.Buffer
	if err := JUnit(&buf, g); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "<?xml") {
		t.Errorf("no XML declaration: %.40q", buf.String())
	}
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if doc.Tests != 10 || doc.Failures != 3 {
		t.Errorf("testsuites tests=%d failures=%d, want 10 and 3", doc.Tests, doc.Failures)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d test suites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "bulwark gate: shop-api 2.4.0" || s.Tests != len(g.Checks) || s.Failures != len(withOutcome(g, bulwark.GateFail)) ||
		s.Skipped != "0" || s.Timestamp != "2025-03-14T09:26:53" {
		t.Errorf("testsuite name=%q tests=%d failures=%d skipped=%q timestamp=%q", s.Name, s.Tests, s.Failures, s.Skipped, s.Timestamp)
	}
	if len(s.Cases) != len(g.Checks) {
		t.Fatalf("%d test cases, want %d", len(s.Cases), len(g.Checks))
	}
	failures := 0
	for i, c := range g.Checks {
		tc := s.Cases[i]
		if want := wantRow(c)[1]; tc.Name != want || tc.Classname != c.Rule {
			t.Errorf("case %d: classname=%q name=%q, want %q %q", i, tc.Classname, tc.Name, c.Rule, want)
		}
		switch c.Outcome {
		case bulwark.GateFail:
			failures++
			if tc.Failure == nil {
				t.Errorf("case %s: no failure", tc.Name)
				continue
			}
			if tc.Failure.Message != c.Message || tc.Failure.Type != c.Rule || !strings.Contains(tc.Failure.Text, "purl: "+c.PURL+"\n") ||
				!strings.Contains(tc.Failure.Text, "state: "+wantRow(c)[2]+"\n") {
				t.Errorf("case %s: failure %+v", tc.Name, *tc.Failure)
			}
			if c.License != "" && !strings.Contains(tc.Failure.Text, "licence: "+c.License+"\n") {
				t.Errorf("case %s: failure detail lacks the licence: %q", tc.Name, tc.Failure.Text)
			}
		case bulwark.GateWarn:
			if tc.Failure != nil {
				t.Errorf("warning %s is a failure", tc.Name)
			}
			if tc.SystemOut == nil || !strings.HasPrefix(*tc.SystemOut, "WARNING: "+c.Message+"\n") {
				t.Errorf("warning %s: system-out %v", tc.Name, tc.SystemOut)
			}
		case bulwark.GatePass:
			if tc.Failure != nil || tc.SystemOut != nil {
				t.Errorf("pass %s has a failure or output", tc.Name)
			}
		}
	}
	if failures != s.Failures || strings.Count(buf.String(), "<failure ") != failures {
		t.Errorf("failures attribute %d, failing cases %d, <failure> elements %d", s.Failures, failures, strings.Count(buf.String(), "<failure "))
	}
	// The tricky name must have been escaped, not written raw.
	if strings.Contains(buf.String(), "<script>") {
		t.Error("markup from a component name reached the XML unescaped")
	}
}

// Characters XML 1.0 cannot carry at all must not make the document
// unreadable.
func TestJUnitInvalidXMLCharacters(t *testing.T) {
	g := sample()
	g.Checks[0].Name = "bad\x01name"
	g.Checks[0].Message = "bell\x07"
	var buf bytes.Buffer
	if err := JUnit(&buf, g); err != nil {
		t.Fatal(err)
	}
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("unreadable XML: %v", err)
	}
	if got := doc.Suites[0].Cases[0].Name; got != "bad\uFFFDname@1.3.0" {
		t.Errorf("name = %q", got)
	}
}

type xSARIF struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					Name string `json:"name"`
					Kind string `json:"kind"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
		Properties map[string]any `json:"properties"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	g := sample()
	var buf bytes.Buffer
	if err := SARIF(&buf, g, "build/sbom.cdx.json"); err != nil {
		t.Fatal(err)
	}
	var log xSARIF
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || log.Schema != "https://json.schemastore.org/sarif-2.1.0.json" || len(log.Runs) != 1 {
		t.Fatalf("version=%q schema=%q runs=%d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "bulwark-gate" || run.Tool.Driver.InformationURI == "" {
		t.Errorf("driver %+v", run.Tool.Driver)
	}
	var want []bulwark.GateCheck // results follow the checks, passes left out
	for _, c := range g.Checks {
		if c.Outcome != bulwark.GatePass {
			want = append(want, c)
		}
	}
	if len(run.Results) != len(withOutcome(g, bulwark.GateFail))+len(withOutcome(g, bulwark.GateWarn)) || len(run.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(run.Results), len(want))
	}
	rules := run.Tool.Driver.Rules
	used := map[string]bool{}
	fingerprints := map[string]bool{}
	for i, r := range run.Results {
		c := want[i]
		level := map[bulwark.GateOutcome]string{bulwark.GateFail: "error", bulwark.GateWarn: "warning"}[c.Outcome]
		if r.RuleID != c.Rule || r.Level != level {
			t.Errorf("result %d: ruleId=%q level=%q, want %q %q", i, r.RuleID, r.Level, c.Rule, level)
		}
		if r.RuleIndex == nil || *r.RuleIndex < 0 || *r.RuleIndex >= len(rules) || rules[*r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %v does not point at rule %q in %+v", i, r.RuleIndex, r.RuleID, rules)
		}
		used[r.RuleID] = true
		id := c.PURL
		if id == "" {
			id = wantRow(c)[1]
		}
		if !strings.Contains(r.Message.Text, c.Message) {
			t.Errorf("result %d: message %q lacks %q", i, r.Message.Text, c.Message)
		}
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "build/sbom.cdx.json" ||
			len(r.Locations[0].LogicalLocations) != 1 || r.Locations[0].LogicalLocations[0].Name != id ||
			r.Locations[0].LogicalLocations[0].Kind != "package" {
			t.Errorf("result %d: locations %+v", i, r.Locations)
		}
		fp := r.PartialFingerprints["bulwarkComponent/v1"]
		if fp != id+"/"+c.Rule {
			t.Errorf("result %d: fingerprint %q, want %q", i, fp, id+"/"+c.Rule)
		}
		if fingerprints[fp] {
			t.Errorf("fingerprint %q twice", fp)
		}
		fingerprints[fp] = true
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] || !used[r.ID] || r.ShortDescription.Text == "" {
			t.Errorf("rule %+v: duplicate, unused or undescribed", r)
		}
		seen[r.ID] = true
	}
	if len(rules) != len(used) {
		t.Errorf("%d rules for %d rules used", len(rules), len(used))
	}
	p := run.Properties
	if p["outcome"] != "fail" || p["failed"] != 3.0 || p["warnings"] != 4.0 || p["passed"] != 3.0 {
		t.Errorf("run properties %v", p)
	}
}

func TestSARIFNoFindings(t *testing.T) {
	g := sample()
	g.Checks = withOutcome(g, bulwark.GatePass)
	g.Outcome = bulwark.GatePass
	var buf bytes.Buffer
	if err := SARIF(&buf, g, ""); err != nil {
		t.Fatal(err)
	}
	// SARIF wants empty arrays, not null, when there is nothing to report.
	for _, s := range []string{`"results": []`, `"rules": []`} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("SARIF lacks %s:\n%s", s, buf.String())
		}
	}
}

func TestSARIFArtifactFallsBackToUploadName(t *testing.T) {
	g := sample()
	var buf bytes.Buffer
	if err := SARIF(&buf, g, ""); err != nil {
		t.Fatal(err)
	}
	var log xSARIF
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if got := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != g.SBOM.Name {
		t.Errorf("uri = %q, want %q", got, g.SBOM.Name)
	}
}

func TestWriteAll(t *testing.T) {
	g := sample()
	dir := filepath.Join(t.TempDir(), "reports", "gate")
	paths, err := WriteAll(dir, g, "sbom.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "gate.json"), filepath.Join(dir, "gate.junit.xml"), filepath.Join(dir, "gate.sarif")}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("paths %q, want %q", paths, want)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var back bulwark.GateResult
	if err := json.Unmarshal(read(paths[0]), &back); err != nil || back.ID != g.ID {
		t.Errorf("gate.json: %v, id %d", err, back.ID)
	}
	var suites xSuites
	if err := xml.Unmarshal(read(paths[1]), &suites); err != nil || suites.Failures != 3 {
		t.Errorf("gate.junit.xml: %v, failures %d", err, suites.Failures)
	}
	var log xSARIF
	if err := json.Unmarshal(read(paths[2]), &log); err != nil || log.Version != "2.1.0" {
		t.Errorf("gate.sarif: %v, version %q", err, log.Version)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 3 {
		t.Errorf("directory holds %d entries (%v), want 3", len(entries), err)
	}
}

func TestVulnerabilityChecks(t *testing.T) {
	g := &bulwark.GateResult{ID: 3, Release: bulwark.ReleaseRef{ID: 1, Product: "shop-api", Version: "2.5.0"}, Outcome: bulwark.GateFail,
		Counts: map[bulwark.GateOutcome]int{bulwark.GateFail: 1, bulwark.GateWarn: 1},
		Checks: []bulwark.GateCheck{
			{Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20", Rule: bulwark.RuleVulnerable, Outcome: bulwark.GateFail,
				Vulnerability: "CVE-2024-1111", FindingID: 42, Message: "CVE-2024-1111 (critical 9.8, in_triage): fixed in 4.17.21"},
			{Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20", Rule: bulwark.RuleWaived, Outcome: bulwark.GateWarn,
				Vulnerability: "CVE-2024-2222", FindingID: 43, WaiverID: 5, Message: "CVE-2024-2222 (high 7.5, affected): no fixed version known, but waived (waiver 5)"},
		}, CreatedAt: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
	var buf bytes.Buffer
	if err := JUnit(&buf, g); err != nil {
		t.Fatal(err)
	}
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	cases := doc.Suites[0].Cases
	if cases[0].Name != "lodash@4.17.20 CVE-2024-1111" || cases[1].Name != "lodash@4.17.20 CVE-2024-2222" ||
		cases[0].Failure == nil || !strings.Contains(cases[0].Failure.Text, "vulnerability: CVE-2024-1111\nfinding: 42\n") {
		t.Fatalf("JUnit cases: %+v", cases)
	}
	buf.Reset()
	if err := SARIF(&buf, g, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "open vulnerability finding") {
		t.Errorf("SARIF lacks the vulnerable rule's description:\n%s", buf.String())
	}
}
