package sbom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// This file holds the checks that run before a format library sees the
// bytes (size, encoding, nesting) and the conversion of library errors
// into *Error with a position.

func invalidf(f Format, e Encoding, format string, args ...any) *Error {
	return &Error{Format: f, Encoding: e, Code: bulwark.EINVALID, Msg: fmt.Sprintf(format, args...)}
}

func unsupportedf(f Format, e Encoding, format string, args ...any) *Error {
	return &Error{Format: f, Encoding: e, Code: bulwark.EUNSUPPORTED, Msg: fmt.Sprintf(format, args...)}
}

func tooLarge(limit int64) *Error {
	return &Error{Code: bulwark.ETOOLARGE, Msg: fmt.Sprintf("the document is larger than the %s limit", byteSize(limit))}
}

// at sets the position of the byte at offset off of data.
func (e *Error) at(data []byte, off int) *Error {
	e.Line, e.Column = position(data, off)
	return e
}

// byteSize writes n the way people say limits: "256 MiB", "4 KiB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}

// position returns the 1-based line and column (in characters) of the byte
// at offset off; an offset at or past the end names the place just after
// the last character.
func position(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCount(before[start:])
}

// checkUTF8 reports the first byte that is not UTF-8.
func checkUTF8(f Format, e Encoding, data []byte) *Error {
	if utf8.Valid(data) {
		return nil
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return invalidf(f, e, "invalid UTF-8 (byte 0x%02X); SBOMs must be encoded in UTF-8", data[i]).at(data, i)
		}
		i += size
	}
	return nil
}

// jsonSpecial marks the bytes checkJSONDepth stops at.
var jsonSpecial = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// checkJSONDepth finds the first object or array nested deeper than
// MaxDepth, skipping strings (and the brackets in them) by their quotes.
func checkJSONDepth(f Format, data []byte) *Error {
	depth := 0
	for i := 0; i < len(data); i++ {
		for i < len(data) && !jsonSpecial[data[i]] {
			i++
		}
		if i == len(data) {
			return nil
		}
		switch data[i] {
		case '"':
			// Jump to the closing quote: one not preceded by an odd run of
			// backslashes.
			for {
				j := bytes.IndexByte(data[i+1:], '"')
				if j < 0 {
					return nil // unterminated; the decoder reports it
				}
				i += 1 + j
				k := i - 1
				for k >= 0 && data[k] == '\\' {
					k--
				}
				if (i-1-k)%2 == 0 {
					break
				}
			}
		case '{', '[':
			depth++
			if depth > MaxDepth {
				return invalidf(f, JSON, "objects and arrays are nested more than %d deep", MaxDepth).at(data, i)
			}
		default:
			depth--
		}
	}
	return nil
}

// checkXMLDepth finds the first element nested deeper than MaxDepth. It
// knows comments, CDATA, processing instructions, DOCTYPE and quoted
// attribute values; anything malformed is left to the decoder.
func checkXMLDepth(f Format, data []byte) *Error {
	depth := 0
	i := 0
	skipPast := func(from int, end string) int {
		j := bytes.Index(data[from:], []byte(end))
		if j < 0 {
			return len(data)
		}
		return from + j + len(end)
	}
	for {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return nil
		}
		i += j
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipPast(i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = skipPast(i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			i = skipPast(i+2, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			i = skipMarkup(data, i+2, true)
		case bytes.HasPrefix(rest, []byte("</")):
			depth--
			i = skipMarkup(data, i+2, false)
		default:
			start := i
			i = skipMarkup(data, i+1, false)
			if i <= len(data) && data[i-1] == '>' && i >= 2 && data[i-2] == '/' {
				continue // <empty/>
			}
			depth++
			if depth > MaxDepth {
				return invalidf(f, XML, "elements are nested more than %d deep", MaxDepth).at(data, start)
			}
		}
		if i >= len(data) {
			return nil
		}
	}
}

// skipMarkup returns the offset just past the '>' that closes the markup
// starting before i, honouring quotes (and, in a DOCTYPE, brackets).
func skipMarkup(data []byte, i int, brackets bool) int {
	var quote byte
	nest := 0
	for ; i < len(data); i++ {
		c := data[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case brackets && c == '[':
			nest++
		case brackets && c == ']':
			nest--
		case c == '>' && nest <= 0:
			return i + 1
		}
	}
	return len(data)
}

// jsonError turns an error of encoding/json (directly, or from a format
// library built on it) into an *Error with a position.
func jsonError(f Format, data []byte, err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input":
		return invalidf(f, JSON, "unexpected end of the document: it is cut short or a bracket is not closed").at(data, len(bytes.TrimRight(data, " \t\r\n")))
	case errors.As(err, &syn):
		return invalidf(f, JSON, "%s", strings.TrimPrefix(syn.Error(), "json: ")).at(data, int(syn.Offset)-1)
	case errors.As(err, &typ):
		e := invalidf(f, JSON, "%s where %s is expected", article(typ.Value), jsonKind(typ.Type))
		e.Path = typ.Field
		// The offset is relative to whatever value a library's own
		// UnmarshalJSON was decoding; the field path is reliable.
		if typ.Field != "" && placeTypeError(e, data, typ.Field, typ.Value) {
			return e
		}
		if typ.Offset > 0 && typ.Offset <= int64(len(data)) {
			e.at(data, valueStart(data, int(typ.Offset)))
		}
		return e
	}
	if f == SPDX {
		if e, ok := spdxValueError(data, err); ok {
			return e
		}
	}
	return invalidf(f, JSON, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

// xmlError turns an error of encoding/xml (directly, or from cyclonedx-go's
// UnmarshalXML methods) into an *Error at the decoder's position.
func xmlError(f Format, err error, line, col int) *Error {
	msg := strings.TrimPrefix(err.Error(), "xml: ")
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		msg = syn.Msg
		if syn.Line != line {
			line, col = syn.Line, 0
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || syn != nil && syn.Msg == "unexpected EOF" {
		msg = "unexpected end of the document: it is cut short or an element is not closed"
	}
	e := invalidf(f, XML, "%s", msg)
	e.Line, e.Column = line, col
	return e
}

// valueStart backs up from the offset encoding/json gives for a type error
// (just after the value, or just inside an object or array) to the start
// of that value, so that the column points at it.
func valueStart(data []byte, off int) int {
	i := min(off, len(data)) - 1
	if i < 0 {
		return 0
	}
	switch data[i] {
	case '{', '[':
		return i
	case '"':
		for k := i - 1; k >= 0; k-- {
			if data[k] == '"' {
				n := 0
				for m := k - 1; m >= 0 && data[m] == '\\'; m-- {
					n++
				}
				if n%2 == 0 {
					return k
				}
			}
		}
		return i
	}
	k := i
	for k > 0 && strings.IndexByte(" \t\r\n,:[{", data[k-1]) < 0 {
		k--
	}
	return k
}

func article(value string) string {
	switch {
	case value == "":
		return "a value"
	case strings.HasPrefix(value, "number"):
		return "a " + value
	case strings.IndexByte("aeiou", value[0]) >= 0:
		return "an " + value
	}
	return "a " + value
}

// jsonKind names a Go type the way JSON people would.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another type"
}
