package web

import (
	"net/http"
	"slices"

	"github.com/bulwark-sec/bulwark"
)

// statusOf maps an error code to the page's HTTP status through the one
// table in the domain.
func statusOf(code string) int { return bulwark.HTTPStatus(&bulwark.Error{Code: code}) }

// errorTitles head the error page.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "That request was not valid",
	http.StatusForbidden:             "You can't do that here",
	http.StatusNotFound:              "Not found",
	http.StatusConflict:              "That clashes with what is already there",
	http.StatusPreconditionFailed:    "A required step is missing",
	http.StatusTooManyRequests:       "Too many attempts",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusInternalServerError:   "Something went wrong on our side",
	http.StatusServiceUnavailable:    "Not available right now",
}

type errorData struct {
	Title   string
	Message string
}

// renderError shows err as a whole page. Sign-in problems show the sign-in
// page; faults of ours are logged and shown without their details.
func (p *Pages) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := bulwark.ErrorCode(err)
	status := statusOf(code)
	if status == http.StatusUnauthorized {
		p.renderLogin(w, r, status, &loginData{Form: newForm(), Message: bulwark.ErrorMessage(err), Next: nextFor(r)})
		return
	}
	msg := bulwark.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		p.log.ErrorContext(r.Context(), "web: request failed", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
		msg = "Bulwark could not complete this request. The problem has been logged; please try again, and tell your administrator if it keeps happening."
	}
	p.render(w, r, status, "error", &view{Title: errorTitles[status], Data: &errorData{Title: errorTitles[status], Message: msg}})
}

// nextFor is where to come back to after signing in from r.
func nextFor(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/"
	}
	return safeNext(r.URL.RequestURI())
}

// form keeps what was typed into a form and the errors found in it, so a
// failed submission shows the form again with its values and, next to the
// offending field, what was wrong.
type form struct {
	Values map[string]string
	Errors map[string]string
	Error  string // an error that names no field of this form
	fields []string
}

// newForm returns a form with the given field names; errors naming other
// fields are shown above the form.
func newForm(fields ...string) *form {
	return &form{Values: map[string]string{}, Errors: map[string]string{}, fields: fields}
}

// formFrom copies the named fields of the posted form. Passwords are never
// copied back into a page.
func formFrom(r *http.Request, fields ...string) *form {
	f := newForm(fields...)
	for _, k := range fields {
		if k != "password" {
			f.Values[k] = r.PostForm.Get(k)
		}
	}
	return f
}

// Get returns a field's value (nil-safe for templates).
func (f *form) Get(k string) string {
	if f == nil {
		return ""
	}
	return f.Values[k]
}

// Err returns the error of a field, if any.
func (f *form) Err(k string) string {
	if f == nil {
		return ""
	}
	return f.Errors[k]
}

// Failed reports whether the form carries any error.
func (f *form) Failed() bool { return f != nil && (f.Error != "" || len(f.Errors) > 0) }

// Message returns the form's error, or the first field error.
func (f *form) Message() string {
	if f == nil {
		return ""
	}
	if f.Error != "" {
		return f.Error
	}
	for _, k := range f.fields {
		if m := f.Errors[k]; m != "" {
			return m
		}
	}
	return ""
}

// fail records err on the field it names, or on the form as a whole.
func (f *form) fail(err error) {
	msg := bulwark.ErrorMessage(err)
	if field := bulwark.ErrorField(err); field != "" && slices.Contains(f.fields, field) {
		f.Errors[field] = msg
		return
	}
	f.Error = msg
}

// formStatus decides how a failed form submission is answered: with the
// form again (and the status of the error), or — for faults of ours and
// for a session that has gone — as a whole-page error.
func formStatus(err error) (status int, showForm bool) {
	status = statusOf(bulwark.ErrorCode(err))
	switch status {
	case http.StatusInternalServerError, http.StatusUnauthorized:
		return status, false
	}
	return status, true
}
