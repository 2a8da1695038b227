package osv

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The strict half of Parse. encoding/json drops keys it does not know and
// matches names without regard to case; the schema's names are exact. So,
// after the lenient decode has succeeded (the bytes are then known to be
// valid JSON), one pass over the bytes compares every object key with the
// names the schema defines at that place. It allocates only for the
// warnings it writes.

// shape lists the keys the schema defines for one kind of object. A nil
// child means the value is not looked into: a string, a list of strings,
// or a free-form object such as database_specific.
type shape map[string]*shape

var (
	severityShape = &shape{"type": nil, "score": nil}
	eventShape    = &shape{"introduced": nil, "fixed": nil, "last_affected": nil, "limit": nil}
	rangeShape    = &shape{"type": nil, "repo": nil, "events": eventShape, "database_specific": nil}
	packageShape  = &shape{"ecosystem": nil, "name": nil, "purl": nil}
	affectedShape = &shape{
		"package": packageShape, "severity": severityShape, "ranges": rangeShape,
		"versions": nil, "ecosystem_specific": nil, "database_specific": nil,
	}
	referenceShape = &shape{"type": nil, "url": nil}
	creditShape    = &shape{"name": nil, "contact": nil, "type": nil}
	recordShape    = &shape{
		"schema_version": nil, "id": nil, "modified": nil, "published": nil, "withdrawn": nil,
		"aliases": nil, "related": nil, "upstream": nil, "summary": nil, "details": nil,
		"severity": severityShape, "affected": affectedShape, "references": referenceShape,
		"credits": creditShape, "database_specific": nil,
	}
)

// keyReport is what the key pass found.
type keyReport struct {
	warnings []string
	// folded holds the offsets of unknown keys that encoding/json would
	// nevertheless have matched to a field ("ID", "Modified"): Parse blanks
	// them and decodes again, so that only the schema's exact names count.
	folded []int
	// top holds the top-level keys seen, modified the raw value of
	// "modified" (to tell a missing or null value from the zero time).
	top      map[string]bool
	modified []byte
}

type keyScanner struct {
	data []byte
	pos  int
	path []string // "affected", "[0]", "package"
	rep  keyReport
}

// scanKeys checks the keys of valid JSON data against the record shape.
func scanKeys(data []byte) keyReport {
	s := keyScanner{data: data, rep: keyReport{top: make(map[string]bool, 16)}}
	s.value(recordShape, 0)
	return s.rep
}

func (s *keyScanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value reads one value; objects are checked against sh (nil: skipped),
// arrays hand sh on to their elements.
func (s *keyScanner) value(sh *shape, depth int) {
	s.ws()
	if s.pos >= len(s.data) {
		return
	}
	switch s.data[s.pos] {
	case '{':
		s.object(sh, depth)
	case '[':
		s.pos++
		for i := 0; ; i++ {
			s.ws()
			if s.pos >= len(s.data) || s.data[s.pos] == ']' {
				s.pos++
				return
			}
			if sh != nil {
				s.path = append(s.path, "["+strconv.Itoa(i)+"]")
			}
			s.value(sh, depth+1)
			if sh != nil {
				s.path = s.path[:len(s.path)-1]
			}
			s.ws()
			if s.pos < len(s.data) && s.data[s.pos] == ',' {
				s.pos++
			}
		}
	case '"':
		s.str()
	default: // number, true, false, null
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.pos++
		}
	}
}

// str skips a string and returns its raw contents (without the quotes)
// and whether they hold an escape.
func (s *keyScanner) str() (raw []byte, escaped bool) {
	s.pos++ // opening quote
	start := s.pos
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			escaped = true
			s.pos += 2
			continue
		case '"':
			raw = s.data[start:s.pos]
			s.pos++
			return raw, escaped
		}
		s.pos++
	}
	return s.data[start:], escaped
}

func (s *keyScanner) object(sh *shape, depth int) {
	s.pos++ // {
	var seenBuf [16]string
	seen := seenBuf[:0]
	for {
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] == '}' {
			s.pos++
			return
		}
		keyAt := s.pos + 1
		raw, escaped := s.str()
		keyEnd := s.pos
		s.ws()
		s.pos++ // :
		if sh == nil {
			s.value(nil, depth+1)
		} else {
			s.member(sh, depth, keyAt, keyEnd, raw, escaped, &seen)
		}
		s.ws()
		if s.pos < len(s.data) && s.data[s.pos] == ',' {
			s.pos++
		}
	}
}

// member checks one key of an object of shape sh and reads its value.
func (s *keyScanner) member(sh *shape, depth, keyAt, keyEnd int, raw []byte, escaped bool, seen *[]string) {
	key := string(raw)
	if escaped {
		var k string
		if json.Unmarshal(s.data[keyAt-1:keyEnd], &k) == nil {
			key = k
		}
	}
	child, known := (*sh)[key]
	if !known {
		s.rep.warnings = append(s.rep.warnings, "unknown field "+quoteKey(key)+" at "+s.where())
		for name := range *sh {
			if strings.EqualFold(name, key) {
				s.rep.folded = append(s.rep.folded, keyAt)
				break
			}
		}
		s.value(nil, depth+1)
		return
	}
	if slices.Contains(*seen, key) {
		s.rep.warnings = append(s.rep.warnings, "duplicate field "+key+" at "+s.where()+" (the last one is used)")
	} else {
		*seen = append(*seen, key)
	}
	if depth == 0 {
		s.rep.top[key] = true
		if key == "modified" {
			s.ws()
			start := s.pos
			s.value(nil, depth+1)
			s.rep.modified = s.data[start:s.pos]
			return
		}
	}
	s.path = append(s.path, key)
	s.value(child, depth+1)
	s.path = s.path[:len(s.path)-1]
}

// where writes the current path as "affected[0].package".
func (s *keyScanner) where() string {
	if len(s.path) == 0 {
		return "top level"
	}
	var b strings.Builder
	for i, p := range s.path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// quoteKey writes a key bare when it is a plain name, quoted otherwise.
func quoteKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !(r == '_' || r == '-' || r == '$' || r == '@' || r == '.' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return strconv.Quote(k)
		}
	}
	return k
}
