// Package api is Bulwark's JSON REST API under /api/v1. Handlers decode
// strictly, call the domain services (which authorise and write the ledger)
// and return errors to one adapter that renders RFC 9457 problem JSON.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// Problem is an RFC 9457 problem document with two extensions: the error
// code and the offending field.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	// Errors lists per-row problems of a file (bulk import).
	Errors []bulwark.RowError `json:"errors,omitempty"`
}

// writeProblem renders err. Internal errors are logged and shown generically.
func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	writeProblemWith(w, r, log, err, nil)
}

// writeProblemWith renders err with per-row errors.
func writeProblemWith(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, rows []bulwark.RowError) {
	code := bulwark.ErrorCode(err)
	status := bulwark.HTTPStatus(err)
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p := Problem{
		Type: "urn:bulwark:problem:" + code, Title: http.StatusText(status), Status: status,
		Detail: bulwark.ErrorMessage(err), Instance: r.URL.Path, Code: code, Field: bulwark.ErrorField(err), Errors: rows,
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="bulwark"`)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "900")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// writeJSON renders v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// MaxJSONBytes bounds a JSON request body.
const MaxJSONBytes = 1 << 20

// decode reads one JSON object into v: the right media type, at most
// MaxJSONBytes, no unknown fields, no trailing data. Errors say where.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return bulwark.Errorf(bulwark.EUNSUPPORTED, "send the request body as application/json (got %q)", r.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bulwark.Errorf(bulwark.EINVALID, "request body has data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return bulwark.Errorf(bulwark.ETOOLARGE, "request body is over %d bytes", big.Limit)
	case errors.Is(err, io.EOF):
		return bulwark.Errorf(bulwark.EINVALID, "request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bulwark.Errorf(bulwark.EINVALID, "request body ends in the middle of the JSON")
	case errors.As(err, &syn):
		return bulwark.Errorf(bulwark.EINVALID, "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return bulwark.Errorf(bulwark.EINVALID, "the body must be a JSON object, not %s", typ.Value)
		}
		return &bulwark.Error{Code: bulwark.EINVALID, Field: field, Message: fmt.Sprintf("field %q must be %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &bulwark.Error{Code: bulwark.EINVALID, Field: name, Message: fmt.Sprintf("unknown field %q", name)}
	}
	return bulwark.Errorf(bulwark.EINVALID, "request body: %v", err)
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return k
}

// list is the envelope of every paginated response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}
