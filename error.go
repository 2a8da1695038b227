// Package bulwark holds the domain of the Bulwark product security governance
// platform: its entities, their validation, the role/scope policy and the
// service interfaces that the storage and transport packages implement.
//
// It imports only the standard library. Adapters live in sub-packages named
// after what they provide (sqldb, ledger, api, web, server); cmd/bulwark wires
// them together.
package bulwark

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. Each maps to one HTTP status and one CLI exit code, in one
// table in the api package and one switch in cmd/bulwark.
const (
	ECONFLICT     = "conflict"     // unique constraint, stale state
	EINTERNAL     = "internal"     // a fault of ours; message is not shown
	EINVALID      = "invalid"      // malformed or semantically wrong input
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // authenticated, but role/scope/four-eyes says no
	ETOOLARGE     = "too_large"    // body or file over the configured limit
	ERATELIMITED  = "rate_limited" // too many attempts
	EUNAVAILABLE  = "unavailable"  // dependency (database) not ready
	EFROZEN       = "frozen"       // the subject can no longer change
	EUNSUPPORTED  = "unsupported"  // known format or feature we do not handle
	EPRECONDITION = "precondition" // a required earlier step is missing
)

// Error is the one error type that crosses package boundaries. Message is
// safe to show to the caller; Field names the offending input when there is
// one; Err keeps the cause for logs.
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error naming the offending field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not ours
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err that is safe to show.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field that err names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Wrap annotates *errp with the operation that produced it, keeping its code.
// Use it deferred: defer bulwark.Wrap(&err, "CreateUser(%q)", name).
func Wrap(errp *error, format string, args ...any) {
	if *errp == nil {
		return
	}
	*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
}

// httpStatus is the one table from error codes to HTTP status, used by the
// JSON API and the pages alike.
var httpStatus = map[string]int{
	EINVALID:      http.StatusBadRequest,
	EUNAUTHORIZED: http.StatusUnauthorized,
	EFORBIDDEN:    http.StatusForbidden,
	ENOTFOUND:     http.StatusNotFound,
	ECONFLICT:     http.StatusConflict,
	EFROZEN:       http.StatusConflict,
	EPRECONDITION: http.StatusPreconditionFailed,
	ETOOLARGE:     http.StatusRequestEntityTooLarge,
	EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	ERATELIMITED:  http.StatusTooManyRequests,
	EUNAVAILABLE:  http.StatusServiceUnavailable,
	EINTERNAL:     http.StatusInternalServerError,
}

// HTTPStatus returns the HTTP status for err (500 for errors not ours).
func HTTPStatus(err error) int {
	if s, ok := httpStatus[ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ConflictError returns an ECONFLICT error naming the field whose value
// clashes with what is stored.
func ConflictError(field, format string, args ...any) *Error {
	return &Error{Code: ECONFLICT, Field: field, Message: fmt.Sprintf(format, args...)}
}
