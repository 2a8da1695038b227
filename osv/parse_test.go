package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const goodJSON = `{
  "schema_version": "1.6.0",
  "id": "GHSA-xxxx-yyyy-zzzz",
  "modified": "2024-03-09T05:18:12.019858Z",
  "published": "2021-06-07T16:07:36Z",
  "aliases": ["CVE-2017-5929"],
  "summary": "Deserialization",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "Maven", "name": "ch.qos.logback:logback-classic", "purl": "pkg:maven/ch.qos.logback/logback-classic"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}],
    "versions": ["1.1.9"],
    "database_specific": {"source": "x"}
  }],
  "references": [{"type": "WEB", "url": "https://example.org/"}],
  "credits": [{"name": "someone", "contact": ["mailto:a@example.org"], "type": "FINDER"}],
  "database_specific": {"severity": "CRITICAL", "nested": {"anything": [1, 2]}}
}`

func TestParseGood(t *testing.T) {
	r, warnings, err := Parse([]byte(goodJSON), "good.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	if r.ID != "GHSA-xxxx-yyyy-zzzz" || r.Modified.Year() != 2024 || len(r.Affected) != 1 || r.Affected[0].Ranges[0].Events[1].Fixed != "1.2.0" {
		t.Errorf("record: %+v", r)
	}
	if len(r.Credits) != 1 || r.Credits[0].Type != "FINDER" {
		t.Errorf("credits: %+v", r.Credits)
	}
}

// edit applies a change to goodJSON as a generic tree and returns JSON.
func edit(t *testing.T, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(goodJSON), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func firstRange(m map[string]any) map[string]any {
	return m["affected"].([]any)[0].(map[string]any)["ranges"].([]any)[0].(map[string]any)
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		field string
		msg   string // part of the message
	}{
		{"missing id", edit(t, func(m map[string]any) { delete(m, "id") }), "id", "missing"},
		{"empty id", edit(t, func(m map[string]any) { m["id"] = "" }), "id", "empty"},
		{"id with space", edit(t, func(m map[string]any) { m["id"] = "GHSA 1" }), "id", "white space"},
		{"missing modified", edit(t, func(m map[string]any) { delete(m, "modified") }), "modified", "missing"},
		{"null modified", edit(t, func(m map[string]any) { m["modified"] = nil }), "modified", "null"},
		{"modified not RFC 3339", edit(t, func(m map[string]any) { m["modified"] = "2024-03-09 05:18" }), "modified", "RFC 3339"},
		{"modified a number", edit(t, func(m map[string]any) { m["modified"] = 5 }), "modified", "RFC 3339"},
		{"published not RFC 3339", edit(t, func(m map[string]any) { m["published"] = "yesterday" }), "published", "RFC 3339"},
		{"bad range type", edit(t, func(m map[string]any) { firstRange(m)["type"] = "SEMVER2" }), "affected[0].ranges[0].type", `unknown range type "SEMVER2"`},
		{"missing range type", edit(t, func(m map[string]any) { delete(firstRange(m), "type") }), "affected[0].ranges[0].type", "missing"},
		{"event with two keys", edit(t, func(m map[string]any) {
			firstRange(m)["events"] = []any{map[string]any{"introduced": "1.0", "fixed": "1.2"}}
		}), "affected[0].ranges[0].events[0]", "introduced and fixed"},
		{"empty event", edit(t, func(m map[string]any) {
			firstRange(m)["events"] = []any{map[string]any{"introduced": "0"}, map[string]any{}}
		}), "affected[0].ranges[0].events[1]", "no version"},
		{"no introduced", edit(t, func(m map[string]any) {
			firstRange(m)["events"] = []any{map[string]any{"fixed": "1.2"}}
		}), "affected[0].ranges[0].events", "no introduced"},
		{"no events", edit(t, func(m map[string]any) { firstRange(m)["events"] = []any{} }), "affected[0].ranges[0].events", "no introduced"},
		{"GIT without repo", edit(t, func(m map[string]any) { firstRange(m)["type"] = "GIT" }), "affected[0].ranges[0].repo", "missing"},
		{"no ecosystem", edit(t, func(m map[string]any) {
			delete(m["affected"].([]any)[0].(map[string]any)["package"].(map[string]any), "ecosystem")
		}), "affected[0].package.ecosystem", "missing"},
		{"no name", edit(t, func(m map[string]any) {
			m["affected"].([]any)[0].(map[string]any)["package"].(map[string]any)["name"] = ""
		}), "affected[0].package.name", "missing"},
		{"wrong kind", edit(t, func(m map[string]any) { m["aliases"] = "CVE-1" }), "aliases", "a JSON string where an array is wanted"},
		{"wrong kind deep", edit(t, func(m map[string]any) { firstRange(m)["events"] = []any{map[string]any{"introduced": 1.0}} }), "affected.ranges.events.introduced", "a JSON number where a string is wanted"},
		{"not JSON", []byte(`{"id": "x",}`), "", "not valid JSON"},
		{"not UTF-8", []byte("{\"id\": \"GHSA-\xff\", \"modified\": \"2024-01-01T00:00:00Z\"}"), "", "not UTF-8 text (first bad byte at offset 13)"},
		{"too large", append([]byte(`{"id":"x","modified":"2024-01-01T00:00:00Z","details":"`), bytes.Repeat([]byte("a"), MaxRecordSize)...), "", "over the limit"},
		{"empty", []byte("  \n"), "", "empty"},
		{"array", []byte(`[{"id": "x"}]`), "", "a JSON array"},
		{"YAML scalar", []byte("just words"), "", "not a mapping"},
		{"YAML broken", []byte("id: [x\nmodified: 2024"), "", "not valid YAML"},
		{"YAML unquoted number version", []byte("id: X-1\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package: {ecosystem: PyPI, name: p}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 1.10\n"),
			"affected.ranges.events.introduced", "a JSON number where a string is wanted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := Parse(tt.data, "rec.json")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse accepted (%v) or returned %T %v", r != nil, err, err)
			}
			if e.Source != "rec.json" || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %q (source %q, field %q), want field %q and a message with %q", e.Error(), e.Source, e.Field, tt.field, tt.msg)
			}
			if r != nil {
				t.Error("a record with the error")
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []string
		// check inspects the record kept.
		check func(*testing.T, *Record)
	}{
		{"unknown fields everywhere", edit(t, func(m map[string]any) {
			m["x_top"] = 1
			a := m["affected"].([]any)[0].(map[string]any)
			a["package"].(map[string]any)["X-Tra"] = "y"
			firstRange(m)["events"].([]any)[1].(map[string]any)["note"] = "z"
			m["severity"].([]any)[0].(map[string]any)["weird key"] = true
		}), []string{
			// json.Marshal sorts keys, so the order is by position in that output.
			"unknown field X-Tra at affected[0].package",
			"unknown field note at affected[0].ranges[0].events[1]",
			`unknown field "weird key" at severity[0]`,
			"unknown field x_top at top level",
		}, func(t *testing.T, r *Record) {
			if r.Affected[0].Package.Name != "ch.qos.logback:logback-classic" || r.Affected[0].Ranges[0].Events[1].Fixed != "1.2.0" {
				t.Errorf("record lost data: %+v", r.Affected[0])
			}
		}},
		{"free-form objects are not checked", edit(t, func(m map[string]any) {
			m["database_specific"] = map[string]any{"anything": map[string]any{"goes": 1}}
			m["affected"].([]any)[0].(map[string]any)["ecosystem_specific"] = map[string]any{"imports": []any{map[string]any{"path": "x"}}}
			firstRange(m)["database_specific"] = map[string]any{"versions": []any{map[string]any{"introduced": "1"}}}
		}), nil, nil},
		{"case-folded key is not used", []byte(`{"id":"A-1","ID":"B-2","modified":"2024-01-01T00:00:00Z","Summary":"s"}`),
			[]string{"unknown field ID at top level", "unknown field Summary at top level"},
			func(t *testing.T, r *Record) {
				if r.ID != "A-1" || r.Summary != "" {
					t.Errorf("ID %q, Summary %q: encoding/json's case folding leaked in", r.ID, r.Summary)
				}
			}},
		{"duplicate key", []byte(`{"id":"A-1","id":"A-2","modified":"2024-01-01T00:00:00Z"}`),
			[]string{"duplicate field id at top level (the last one is used)"},
			func(t *testing.T, r *Record) {
				if r.ID != "A-2" {
					t.Errorf("ID %q", r.ID)
				}
			}},
		{"escaped key", []byte(`{"id":"A-1","modified":"2024-01-01T00:00:00Z","\u0073ummary":"s","x\"y":1}`),
			[]string{`unknown field "x\"y" at top level`},
			func(t *testing.T, r *Record) {
				if r.Summary != "s" {
					t.Errorf("Summary %q", r.Summary)
				}
			}},
		{"golang/vulndb zero time", []byte(`{"id":"GO-2020-0001","modified":"0001-01-01T00:00:00Z"}`), nil,
			func(t *testing.T, r *Record) {
				if !r.Modified.Equal(time.Time{}) {
					t.Errorf("modified %v", r.Modified)
				}
			}},
		{"fixed and last_affected", edit(t, func(m map[string]any) {
			firstRange(m)["events"] = []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": "1"}, map[string]any{"last_affected": "2"}}
		}), []string{"affected[0].ranges[0].events: both fixed and last_affected events (the schema allows one kind per range)"}, nil},
		{"SEMVER event not SemVer", edit(t, func(m map[string]any) {
			firstRange(m)["type"] = "SEMVER"
			firstRange(m)["events"] = []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": "2023.03.20"}}
		}), []string{`affected[0].ranges[0].events[1].fixed: invalid version: "2023.03.20" is not a SemVer 2.0 version: MAJOR, MINOR and PATCH are numbers without leading zeros; the range cannot be evaluated`}, nil},
		{"unknown ecosystem", edit(t, func(m map[string]any) {
			m["affected"].([]any)[0].(map[string]any)["package"].(map[string]any)["ecosystem"] = "Nonesuch"
		}), []string{`affected[0].package.ecosystem: no version ordering is known for "Nonesuch"; its ECOSYSTEM ranges cannot be evaluated`}, nil},
		{"GIT-only entry needs no package", edit(t, func(m map[string]any) {
			a := m["affected"].([]any)[0].(map[string]any)
			delete(a, "package")
			a["ranges"] = []any{map[string]any{"type": "GIT", "repo": "https://github.com/o/r", "events": []any{map[string]any{"introduced": "abc"}}}}
		}), nil, nil},
		{"byte order mark", append([]byte("\xEF\xBB\xBF"), goodJSON...), []string{"UTF-8 byte order mark ignored"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, warnings, err := Parse(tt.data, "w.json")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(warnings, tt.want) {
				t.Errorf("warnings:\n got %q\nwant %q", warnings, tt.want)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

const goodYAML = `# an OSV record in YAML, as pypa/advisory-database writes them
id: PYSEC-2021-1
modified: 2024-10-01T12:00:00.123456Z
published: 2021-01-01T00:00:00Z
aliases: [CVE-2021-1]
details: |
  Something bad.
affected:
- package:
    name: example
    ecosystem: PyPI
    purl: pkg:pypi/example
  ranges:
  - type: GIT
    repo: https://github.com/o/example
    events:
    - introduced: "0"
    - fixed: 0123456789abcdef0123456789abcdef01234567
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: "1.10"
  versions:
  - "1.0"
  - "1.9"
  ecosystem_specific:
    ok: yes
    n: 0x10
    big: 123456789012345678901234567890
    inf: .inf
    nothing: ~
references:
- type: WEB
  url: https://example.org/
`

func TestParseYAML(t *testing.T) {
	r, warnings, err := Parse([]byte(goodYAML), "PYSEC-2021-1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	want := time.Date(2024, 10, 1, 12, 0, 0, 123456000, time.UTC)
	if r.ID != "PYSEC-2021-1" || !r.Modified.Equal(want) || r.Details != "Something bad.\n" {
		t.Errorf("record: %+v", r)
	}
	a := r.Affected[0]
	if a.Ranges[1].Events[1].Fixed != "1.10" || !slices.Equal(a.Versions, []string{"1.0", "1.9"}) {
		t.Errorf("affected: %+v", a)
	}
	es := a.EcosystemSpecific
	if es["ok"] != "yes" || es["n"] != 16.0 || es["big"] != 1.2345678901234568e+29 || es["inf"] != ".inf" || es["nothing"] != nil {
		t.Errorf("ecosystem_specific: %#v", es)
	}
	if v := a.Evaluate("1.9"); !v.Affected || len(v.Unevaluated) != 1 {
		t.Errorf("Evaluate(1.9) = %+v", v)
	}

	// Unknown keys are reported in YAML too; extra documents are noted.
	_, warnings, err = Parse([]byte("id: X-1\nmodified: 2024-01-01T00:00:00Z\ncolour: red\n---\nid: X-2\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantW := []string{"the YAML stream holds more than one document; only the first is read", "unknown field colour at top level"}
	if !slices.Equal(warnings, wantW) {
		t.Errorf("warnings %q, want %q", warnings, wantW)
	}

	// An alias bomb is refused, not expanded.
	bomb := "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n" +
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	if _, _, err := Parse([]byte(bomb), "bomb.yaml"); err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("alias bomb: %v", err)
	}
}

// TestParseYAMLSameAsJSON writes real records as YAML and reads them back:
// the records must be the ones read from JSON.
func TestParseYAMLSameAsJSON(t *testing.T) {
	osvPacks(t)
	items, err := sharedRecords()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, source := range slices.Sorted(maps.Keys(items)) {
		it := items[source]
		if it.Err != nil || !strings.Contains(source, "pypa-pypi") && !strings.Contains(source, "r-cran") {
			continue
		}
		n++
		var tree any
		jsonBytes, _ := json.Marshal(it.Record)
		if err := json.Unmarshal(jsonBytes, &tree); err != nil {
			t.Fatal(err)
		}
		y, err := yaml.Marshal(tree)
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := Parse(y, source+".yaml")
		if err != nil {
			t.Fatalf("%v\n%s", err, y)
		}
		if !reflect.DeepEqual(r, it.Record) {
			t.Fatalf("%s: YAML and JSON differ", source)
		}
	}
	t.Logf("%d records read back from YAML", n)
}
