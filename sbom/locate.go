package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Format libraries built on encoding/json report type errors with an
// offset relative to the value their own UnmarshalJSON was handed (a
// package, a tools list), and errors of their own with no position at
// all. These helpers find the value in the whole document instead, by
// walking it once more; they run only when decoding has failed.

// jsonValue describes a value met while walking a document.
type jsonValue struct {
	keys []string // object keys from the root, array indexes left out
	tok  json.Token
}

// findJSONValue returns the offset and the indexed path
// ("packages[3].versionInfo") of the first value for which match is true.
func findJSONValue(data []byte, match func(jsonValue) bool) (off int, path string, ok bool) {
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []frame
	var keys []string
	done := func() { // a value ended
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0, "", false
		}
		n := len(stack)
		if n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				done()
				continue
			}
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		if tok == json.Delim(']') {
			stack = stack[:n-1]
			done()
			continue
		}
		keys = keys[:0]
		for _, f := range stack {
			if f.obj {
				keys = append(keys, f.key)
			}
		}
		if match(jsonValue{keys: keys, tok: tok}) {
			end := int(dec.InputOffset())
			start := end - 1
			if _, delim := tok.(json.Delim); !delim {
				start = valueStart(data, end)
			}
			var b strings.Builder
			for _, f := range stack {
				if f.obj {
					if b.Len() > 0 {
						b.WriteByte('.')
					}
					b.WriteString(f.key)
				} else {
					fmt.Fprintf(&b, "[%d]", f.idx)
				}
			}
			return start, b.String(), true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{obj: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		default:
			done()
		}
	}
}

// kindIs reports whether tok is of the kind encoding/json names in an
// UnmarshalTypeError ("string", "number", "number 1.5", "bool", "array",
// "object").
func kindIs(tok json.Token, kind string) bool {
	switch tok.(type) {
	case string:
		return kind == "string"
	case json.Number:
		return strings.HasPrefix(kind, "number")
	case bool:
		return kind == "bool"
	case json.Delim:
		return tok == json.Delim('{') && kind == "object" || tok == json.Delim('[') && kind == "array"
	}
	return false
}

// placeTypeError finds the value a type error is about: the first one at
// the error's field path of the kind the error names.
func placeTypeError(e *Error, data []byte, field, kind string) bool {
	want := strings.Split(field, ".")
	off, path, ok := findJSONValue(data, func(v jsonValue) bool {
		return kindIs(v.tok, kind) && equalStrings(v.keys, want)
	})
	if ok {
		e.Path = path
		e.at(data, off)
	}
	return ok
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// tools-golang's own errors name the offending value as it was written.
var spdxValueErrors = []struct {
	re  *regexp.Regexp
	msg string
}{
	{regexp.MustCompile(`^failed to parse ElementID: (.*)$`), `%q is not an SPDX element id: ids start with "SPDXRef-"`},
	{regexp.MustCompile(`^failed to parse DocumentID: (.*)$`), `%q is not an external document id: ids start with "DocumentRef-"`},
	{regexp.MustCompile(`^failed to parse Supplier '(.*)'$`), `supplier %q is neither NOASSERTION nor "Organization: name" or "Person: name"`},
	{regexp.MustCompile(`^failed to parse Originator '(.*)'$`), `originator %q is neither NOASSERTION nor "Organization: name" or "Person: name"`},
	{regexp.MustCompile(`^failed to parse Creator '(.*)'$`), `creator %q is not "Tool: name", "Organization: name" or "Person: name"`},
	{regexp.MustCompile(`^failed to parse Annotator '(.*)'$`), `annotator %q is not "Tool: name", "Organization: name" or "Person: name"`},
}

// spdxValueError rewords an error of tools-golang that names a value and
// finds that value in the document.
func spdxValueError(data []byte, err error) (*Error, bool) {
	for _, v := range spdxValueErrors {
		m := v.re.FindStringSubmatch(err.Error())
		if m == nil {
			continue
		}
		e := invalidf(SPDX, JSON, v.msg, m[1])
		findValue := func(jv jsonValue) bool {
			switch t := jv.tok.(type) {
			case string:
				return t == m[1]
			case json.Number:
				return string(t) == m[1]
			case nil:
				return m[1] == "null"
			}
			return false
		}
		if off, path, ok := findJSONValue(data, findValue); ok {
			e.Path = path
			e.at(data, off)
		}
		return e, true
	}
	return nil, false
}
