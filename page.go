package bulwark

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Page asks for one page of a list: at most Limit items after Cursor.
// Cursors are opaque to clients; they are the base64 of the last key seen.
type Page struct {
	Limit  int
	Cursor string
}

const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// ParsePage checks the limit and cursor query values of a list request.
func ParsePage(limit, cursor string) (Page, error) {
	p := Page{Limit: DefaultPageLimit, Cursor: cursor}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxPageLimit {
			return p, FieldError("limit", "limit must be a whole number from 1 to %d, got %q", MaxPageLimit, limit)
		}
		p.Limit = n
	}
	if cursor != "" {
		if _, err := p.After(); err != nil {
			return p, err
		}
	}
	return p, nil
}

// After decodes the cursor into the last key of the previous page (0 when
// there is none).
func (p Page) After() (int64, error) {
	if p.Cursor == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err == nil && strings.HasPrefix(string(b), "k") {
		n, err := strconv.ParseInt(string(b[1:]), 10, 64)
		if err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, FieldError("cursor", "cursor %q is not one this server handed out", p.Cursor)
}

// EffectiveLimit returns the limit, defaulted.
func (p Page) EffectiveLimit() int {
	if p.Limit <= 0 {
		return DefaultPageLimit
	}
	return min(p.Limit, MaxPageLimit)
}

// CursorAfter encodes key as the cursor of the next page.
func CursorAfter(key int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k" + strconv.FormatInt(key, 10)))
}
