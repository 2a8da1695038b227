package sbom

import (
	"bytes"
	"fmt"
	"github.com/bulwark-sec/bulwark"
	"io"
	"sort"
	"strings"
	"unicode"

	tvreader "github.com/spdx/tools-golang/tagvalue/reader"

	v21 "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	v22 "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"
)

// Parse reads a CycloneDX (JSON or XML) or SPDX (JSON or tag-value)
// document of at most MaxSize bytes. A dependency cycle is an error. Every
// error is an *Error.
func Parse(data []byte) (*Document, error) {
	return ParseOptions(data, Options{})
}

// Options relax Parse.
type Options struct {
	// AllowCycles accepts a document whose dependency graph has cycles:
	// the edge that closes each cycle is dropped and the cycle is kept as
	// a problem. Real SBOMs have them (npm packages that require each
	// other, Go modules split in two); without this they are refused.
	AllowCycles bool
}

// ParseOptions is Parse with options.
func ParseOptions(data []byte, o Options) (*Document, error) {
	d, err := parse(data, MaxSize)
	if err != nil {
		return nil, err
	}
	return d, o.check(d)
}

// check refuses what the options do not allow.
func (o Options) check(d *Document) error {
	if len(d.cycles) == 0 || o.AllowCycles {
		return nil
	}
	msg := d.cycles[0]
	if len(d.cycles) > 1 {
		msg += fmt.Sprintf(" (and %d more cycles)", len(d.cycles)-1)
	}
	return &Error{Code: bulwark.EINVALID, Format: d.Format, Encoding: d.Encoding, Path: "dependencies",
		Msg: msg + "; a dependency graph must not loop (accept it anyway with allow-cycles: the closing edge is then dropped)"}
}

// Read reads a document of at most limit bytes (MaxSize when limit is not
// positive or larger) from r, stopping after limit+1 bytes, and parses
// it. It returns the bytes read as well, for the caller to keep, unless
// reading failed or the document is too large. Errors from r are returned
// wrapped; all others are *Error.
func Read(r io.Reader, limit int64) (*Document, []byte, error) {
	if limit <= 0 || limit > MaxSize {
		limit = MaxSize
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("sbom: reading the document: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, nil, tooLarge(limit)
	}
	d, err := parse(data, limit)
	if err == nil {
		err = Options{}.check(d)
	}
	return d, data, err
}

func parse(data []byte, limit int64) (*Document, error) {
	if int64(len(data)) > limit {
		return nil, tooLarge(limit)
	}
	f, enc, version, err := Detect(data)
	if err != nil {
		return nil, err
	}
	// Positions are counted without the byte-order mark, as editors do.
	data = bytes.TrimPrefix(data, utf8BOM)
	if err := checkUTF8(f, enc, data); err != nil {
		return nil, err
	}
	var d *Document
	switch {
	case enc == JSON:
		if err := checkJSONDepth(f, data); err != nil {
			return nil, err
		}
		if f == CycloneDX {
			d, err = parseCycloneDXJSON(data, version)
		} else {
			d, err = parseSPDXJSON(data, version)
		}
	case enc == XML:
		if err := checkXMLDepth(f, data); err != nil {
			return nil, err
		}
		d, err = parseCycloneDXXML(data, version)
	default:
		d, err = parseSPDXTagValue(data, version)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// tagValueError places an error of tools-golang's tag-value reader, whose
// messages name no line: it splits the document into tag-value pairs the
// way that reader does, remembering lines, and finds the shortest prefix
// of pairs that fails the same way.
func tagValueError(data []byte, err error) *Error {
	e := invalidf(SPDX, TagValue, "%s", err.Error())
	pairs, lines, split := tagValuePairs(data)
	if split != nil {
		return split
	}
	var parsePairs func([]tvreader.TagValuePair) error
	switch tagValueDeclared(pairs) {
	case "SPDX-2.1":
		parsePairs = func(p []tvreader.TagValuePair) error { _, err := v21.ParseTagValues(p); return err }
	case "SPDX-2.2":
		parsePairs = func(p []tvreader.TagValuePair) error { _, err := v22.ParseTagValues(p); return err }
	case "SPDX-2.3":
		parsePairs = func(p []tvreader.TagValuePair) error { _, err := v23.ParseTagValues(p); return err }
	default:
		return e
	}
	msg := err.Error()
	k := sort.Search(len(pairs), func(k int) bool {
		err := parsePairs(pairs[:k+1])
		return err != nil && err.Error() == msg
	})
	if k < len(pairs) {
		e.Line = lines[k]
		if !strings.Contains(msg, pairs[k].Tag) {
			e.Path = pairs[k].Tag
		}
	}
	return e
}

func tagValueDeclared(pairs []tvreader.TagValuePair) string {
	for _, p := range pairs {
		if p.Tag == "SPDXVersion" {
			return p.Value
		}
	}
	return ""
}

// tagValuePairs splits a tag-value document as tools-golang's reader does
// (tag: value lines, # comments, <text>…</text> spanning lines) and
// returns each pair's first line. err is set for a document that reader
// rejects before parsing.
func tagValuePairs(data []byte) (pairs []tvreader.TagValuePair, lines []int, err *Error) {
	const maxLine = 64 * 1024 // bufio.Scanner's limit, which the reader uses
	var tag, value string
	midtext, start := false, 0
	n := 0
	for line := range bytes.Lines(data) {
		n++
		if len(line) >= maxLine {
			return nil, nil, invalidf(SPDX, TagValue, "line is longer than %d bytes", maxLine).atLine(n)
		}
		s := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
		if midtext {
			before, _, closed := strings.Cut(s, "</text>")
			value += before
			if !closed {
				value += "\n"
				continue
			}
			pairs, lines = append(pairs, tvreader.TagValuePair{Tag: tag, Value: value}), append(lines, start)
			midtext = false
			continue
		}
		t := strings.TrimLeftFunc(s, unicode.IsSpace)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok {
			return nil, nil, invalidf(SPDX, TagValue, "no colon in %q; each line is Tag: value", s).atLine(n)
		}
		tag = strings.TrimSpace(k)
		if _, rest, isText := strings.Cut(v, "<text>"); isText {
			if before, _, closed := strings.Cut(rest, "</text>"); closed {
				value = before
			} else {
				value, midtext, start = rest+"\n", true, n
				continue
			}
		} else {
			value = strings.TrimSpace(v)
		}
		pairs, lines = append(pairs, tvreader.TagValuePair{Tag: tag, Value: value}), append(lines, n)
	}
	if midtext {
		return nil, nil, invalidf(SPDX, TagValue, "<text> of %s is not closed by </text>", tag).atLine(start)
	}
	return pairs, lines, nil
}

func (e *Error) atLine(n int) *Error {
	e.Line = n
	return e
}
