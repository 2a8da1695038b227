package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxRecordSize bounds one record, JSON or YAML. The largest records
// published (Linux kernel CVEs with long versions lists) are far smaller.
const MaxRecordSize = 8 << 20

// Parse reads one record, JSON when its first non-blank byte is '{', YAML
// otherwise, and checks it. source names the record in errors.
//
// A record is rejected (error of type *Error) when it is not UTF-8, over
// MaxRecordSize, not valid JSON or YAML, or a value has the wrong JSON
// kind; when id is missing, empty or holds white space; when modified is
// missing or not RFC 3339 (golang/vulndb's 0001-01-01T00:00:00Z is
// accepted); when a range's type is not SEMVER, ECOSYSTEM or GIT, a GIT
// range has no repo, an event does not hold exactly one version, or a
// range has no introduced event; when an affected entry lacks
// package.ecosystem or package.name and does not consist of GIT ranges
// alone.
//
// The returned warnings name what is accepted but worth knowing: fields
// the schema does not define ("unknown field X at affected[0].package";
// they are dropped, the record is kept), repeated fields, ranges with both
// fixed and last_affected events, SEMVER event versions that are not SemVer
// 2.0, ecosystems with no known ordering, unknown severity types.
func Parse(data []byte, source string) (*Record, []string, error) {
	reject := func(field, format string, args ...any) (*Record, []string, error) {
		return nil, nil, &Error{Source: source, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxRecordSize {
		return reject("", "the record is %d bytes, over the limit of %d (8 MiB)", len(data), MaxRecordSize)
	}
	if !utf8.Valid(data) {
		return reject("", "not UTF-8 text (first bad byte at offset %d)", firstInvalidUTF8(data))
	}
	var warnings []string
	if rest, ok := bytes.CutPrefix(data, []byte("\xEF\xBB\xBF")); ok {
		data = rest
		warnings = append(warnings, "UTF-8 byte order mark ignored")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return reject("", "empty")
	case trimmed[0] == '[':
		return reject("", "a JSON array, not one record (Walk reads each element of an array file)")
	case trimmed[0] != '{':
		js, w, err := yamlToJSON(data, 2*MaxRecordSize)
		if err != nil {
			return reject("", "%v", err)
		}
		warnings = append(warnings, w...)
		data = js
	}
	rec, w, err := decode(data)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Source = source
			return nil, nil, e
		}
		return reject("", "%v", err)
	}
	warnings = append(warnings, w...)
	w, err = check(rec)
	if err != nil {
		err.(*Error).Source = source
		return nil, nil, err
	}
	return rec, append(warnings, w...), nil
}

// decode is the lenient decode into Record plus the strict key pass.
func decode(data []byte) (*Record, []string, error) {
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, nil, jsonError(data, err)
	}
	keys := scanKeys(data)
	if len(keys.folded) > 0 {
		// encoding/json took "ID" for "id"; blank such keys and decode
		// again so that only the schema's own names count.
		clean := bytes.Clone(data)
		for _, at := range keys.folded {
			clean[at] = '#'
		}
		rec = Record{}
		if err := json.Unmarshal(clean, &rec); err != nil {
			return nil, nil, jsonError(clean, err)
		}
	}
	switch m := string(keys.modified); {
	case !keys.top["modified"]:
		return nil, nil, &Error{Field: "modified", Msg: "missing (every record needs the RFC 3339 time it was last modified)"}
	case m == "null":
		return nil, nil, &Error{Field: "modified", Msg: "null (every record needs the RFC 3339 time it was last modified)"}
	}
	if !keys.top["id"] {
		return nil, nil, &Error{Field: "id", Msg: "missing (every record needs an id)"}
	}
	return &rec, keys.warnings, nil
}

// jsonError turns a decoding error into an *Error naming the field.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &Error{Msg: fmt.Sprintf("not valid JSON: %v (at byte %d)", syn, syn.Offset)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(record)"
		}
		return &Error{Field: field, Msg: fmt.Sprintf("a JSON %s where %s is wanted", typ.Value, jsonKind(typ.Type.String()))}
	}
	// The time fields are the only ones that decode themselves; find which.
	var times struct {
		Modified, Published, Withdrawn json.RawMessage
	}
	if json.Unmarshal(data, &times) == nil {
		for _, f := range []struct {
			name string
			raw  json.RawMessage
		}{{"modified", times.Modified}, {"published", times.Published}, {"withdrawn", times.Withdrawn}} {
			var t time.Time
			if f.raw != nil && json.Unmarshal(f.raw, &t) != nil {
				return &Error{Field: f.name, Msg: fmt.Sprintf("%s is not an RFC 3339 time", f.raw)}
			}
		}
	}
	return &Error{Msg: err.Error()}
}

func jsonKind(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map[") || strings.HasPrefix(goType, "osv."):
		return "an object"
	}
	return goType
}

var severityTypes = map[string]bool{"CVSS_V2": true, "CVSS_V3": true, "CVSS_V4": true, "Ubuntu": true}

// check applies the schema's rules that decoding does not.
func check(r *Record) ([]string, error) {
	var warnings []string
	reject := func(field, format string, args ...any) ([]string, error) {
		return nil, &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if r.ID == "" {
		return reject("id", "empty (every record needs an id)")
	}
	if strings.IndexFunc(r.ID, unicode.IsSpace) >= 0 {
		return reject("id", "%q holds white space", r.ID)
	}
	checkSeverity := func(at string, list []Severity) {
		for i, s := range list {
			if !severityTypes[s.Type] {
				warnings = append(warnings, fmt.Sprintf("%sseverity[%d].type: unknown severity type %q", at, i, s.Type))
			}
		}
	}
	checkSeverity("", r.Severity)
	for i, a := range r.Affected {
		at := fmt.Sprintf("affected[%d]", i)
		checkSeverity(at+".", a.Severity)
		gitOnly := len(a.Ranges) > 0
		hasEcosystemRange := false
		for j, rg := range a.Ranges {
			rat := fmt.Sprintf("%s.ranges[%d]", at, j)
			switch rg.Type {
			case "GIT":
				if rg.Repo == "" {
					return reject(rat+".repo", "missing (a GIT range needs the repository's URL)")
				}
			case "SEMVER":
				gitOnly = false
			case "ECOSYSTEM":
				gitOnly, hasEcosystemRange = false, true
			case "":
				return reject(rat+".type", "missing (want SEMVER, ECOSYSTEM or GIT)")
			default:
				return reject(rat+".type", "unknown range type %q (the schema defines SEMVER, ECOSYSTEM and GIT)", rg.Type)
			}
			w, err := checkEvents(rat, rg)
			if err != nil {
				return nil, err
			}
			warnings = append(warnings, w...)
		}
		switch {
		case gitOnly:
		case a.Package.Ecosystem == "":
			return reject(at+".package.ecosystem", "missing (needed unless the entry has GIT ranges only)")
		case a.Package.Name == "":
			return reject(at+".package.name", "missing (needed unless the entry has GIT ranges only)")
		case hasEcosystemRange && !Supported(a.Package.Ecosystem):
			warnings = append(warnings, fmt.Sprintf("%s.package.ecosystem: no version ordering is known for %q; its ECOSYSTEM ranges cannot be evaluated", at, a.Package.Ecosystem))
		}
	}
	return warnings, nil
}

func checkEvents(at string, rg Range) ([]string, error) {
	var warnings []string
	var introduced, fixed, lastAffected bool
	for k, e := range rg.Events {
		var set []string
		for _, f := range []struct{ name, v string }{
			{"introduced", e.Introduced}, {"fixed", e.Fixed}, {"last_affected", e.LastAffected}, {"limit", e.Limit},
		} {
			if f.v != "" {
				set = append(set, f.name)
				if rg.Type == "SEMVER" && !(f.name == "introduced" && f.v == "0") && !(f.name == "limit" && strings.Contains(f.v, "*")) {
					if _, err := parseSemver(f.v); err != nil {
						warnings = append(warnings, fmt.Sprintf("%s.events[%d].%s: %v; the range cannot be evaluated", at, k, f.name, err))
					}
				}
			}
		}
		switch len(set) {
		case 0:
			return nil, &Error{Field: fmt.Sprintf("%s.events[%d]", at, k), Msg: "holds no version (want exactly one of introduced, fixed, last_affected, limit)"}
		case 1:
		default:
			return nil, &Error{Field: fmt.Sprintf("%s.events[%d]", at, k), Msg: fmt.Sprintf("holds %s; an event holds exactly one version", strings.Join(set, " and "))}
		}
		introduced = introduced || e.Introduced != ""
		fixed = fixed || e.Fixed != ""
		lastAffected = lastAffected || e.LastAffected != ""
	}
	if !introduced {
		return nil, &Error{Field: at + ".events", Msg: "no introduced event (the schema requires at least one per range)"}
	}
	if fixed && lastAffected {
		warnings = append(warnings, at+".events: both fixed and last_affected events (the schema allows one kind per range)")
	}
	return warnings, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
