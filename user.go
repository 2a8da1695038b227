package bulwark

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person who signs in. Name is the login; HomeScopeID is where the
// user is administered (which admins may reset the password).
type User struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email,omitempty"`
	HomeScopeID int64     `json:"home_scope_id"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	Grants      []Grant   `json:"grants"`
}

var userNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// NewUser is the input of CreateUser.
type NewUser struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	HomeScopeID int64  `json:"home_scope_id"`
	Password    string `json:"password"`
	Reason      string `json:"reason"`
}

// Validate checks a new user's fields.
func (u *NewUser) Validate() error {
	u.Name = strings.TrimSpace(u.Name)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Email = strings.TrimSpace(u.Email)
	if !userNameRE.MatchString(u.Name) {
		return FieldError("name", "user names are 2–63 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Name
	}
	if utf8.RuneCountInString(u.DisplayName) > 120 {
		return FieldError("display_name", "display names are at most 120 characters")
	}
	if u.Email != "" && (!strings.Contains(u.Email, "@") || len(u.Email) > 254) {
		return FieldError("email", "%q is not an e-mail address", u.Email)
	}
	if u.HomeScopeID <= 0 {
		return FieldError("home_scope_id", "a user needs a home scope")
	}
	return ValidatePassword(u.Password)
}

// ValidatePassword checks the length rules for a new password.
func ValidatePassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return FieldError("password", "passwords are at least %d characters", MinPasswordLength)
	}
	if len(pw) > 1024 {
		return FieldError("password", "passwords are at most 1024 bytes")
	}
	return nil
}

// UserService manages users and their grants.
type UserService interface {
	// CreateUser adds a user. Errors: EINVALID, EFORBIDDEN, ECONFLICT (name taken).
	CreateUser(ctx context.Context, u NewUser) (*User, error)
	// FindUsers lists users homed in or granted roles in scopes the caller may read.
	FindUsers(ctx context.Context, page Page) ([]*User, string, error)
	// FindUserByID returns one user with grants. Errors: ENOTFOUND.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByName returns one user with grants. Errors: ENOTFOUND.
	FindUserByName(ctx context.Context, name string) (*User, error)
	// GrantRole gives userID the role in scopeID. Errors: EINVALID,
	// ENOTFOUND, EFORBIDDEN, ECONFLICT (already granted).
	GrantRole(ctx context.Context, userID int64, role Role, scopeID int64, reason string) (*Grant, error)
	// RevokeGrant removes a grant. Errors: ENOTFOUND, EFORBIDDEN.
	RevokeGrant(ctx context.Context, grantID int64, reason string) error
	// SetPassword replaces a user's password and ends their sessions.
	// Errors: EINVALID, ENOTFOUND, EFORBIDDEN.
	SetPassword(ctx context.Context, userID int64, password, reason string) error
}

// Session is a signed-in browser. The cookie carries a random secret; only
// its SHA-256 is stored.
type Session struct {
	UserID    int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token is an API token. The secret is shown once at creation; only its
// SHA-256 is stored. Its grants are a subset of its user's grants.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	UserName   string     `json:"user_name"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Grants     []Grant    `json:"grants"`
}

// NewToken is the input of CreateToken. An empty Grants list means all of
// the user's grants at creation time.
type NewToken struct {
	UserID    int64        `json:"user_id"`
	Name      string       `json:"name"`
	ExpiresAt time.Time    `json:"expires_at"`
	Grants    []TokenGrant `json:"grants"`
	Reason    string       `json:"reason"`
}

// TokenGrant names one role in one scope that a token carries.
type TokenGrant struct {
	Role    Role  `json:"role"`
	ScopeID int64 `json:"scope_id"`
}

// MaxTokenLifetime bounds API token expiry.
const MaxTokenLifetime = 366 * 24 * time.Hour

// Validate checks a new token's fields against now.
func (t *NewToken) Validate(now time.Time) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 80 {
		return FieldError("name", "a token needs a name of at most 80 characters")
	}
	if t.ExpiresAt.IsZero() {
		return FieldError("expires_at", "a token needs an expiry")
	}
	if !t.ExpiresAt.After(now) {
		return FieldError("expires_at", "expiry %s is in the past", t.ExpiresAt.Format(time.RFC3339))
	}
	if t.ExpiresAt.Sub(now) > MaxTokenLifetime {
		return FieldError("expires_at", "tokens live at most 366 days")
	}
	for i, g := range t.Grants {
		if !g.Role.Valid() {
			return FieldError("grants", "grant %d: unknown role %q", i, g.Role)
		}
	}
	return nil
}

// Login attempt limits, over LoginWindow.
const (
	LoginWindow         = 15 * time.Minute
	MaxFailuresAccount  = 10
	MaxFailuresAddress  = 50
	SessionLifetime     = 12 * time.Hour
	SessionIdleLifetime = 2 * time.Hour
)

// AuthService signs principals in and out.
type AuthService interface {
	// Login checks a password and opens a session, returning the cookie
	// secret. Errors: EUNAUTHORIZED (wrong name or password, disabled),
	// ERATELIMITED (too many failures for the account or the address).
	Login(ctx context.Context, name, password, addr string) (secret string, s *Session, err error)
	// Logout ends the session with the secret. Unknown secrets are not an error.
	Logout(ctx context.Context, secret string) error
	// SessionPrincipal resolves a session cookie secret.
	// Errors: EUNAUTHORIZED (unknown, expired or idle).
	SessionPrincipal(ctx context.Context, secret string) (*Principal, *Session, error)
	// TokenPrincipal resolves an API token secret.
	// Errors: EUNAUTHORIZED (unknown, revoked, expired).
	TokenPrincipal(ctx context.Context, secret string) (*Principal, error)
	// CreateToken issues a token for the caller (or, for the system
	// principal, any user) and returns its secret once. Errors: EINVALID,
	// EFORBIDDEN (grant not held), ENOTFOUND.
	CreateToken(ctx context.Context, t NewToken) (*Token, string, error)
	// RevokeToken revokes one of the caller's tokens (admins: any in scope).
	RevokeToken(ctx context.Context, id int64, reason string) error
	// FindTokens lists the caller's tokens (all tokens for the system principal).
	FindTokens(ctx context.Context, page Page) ([]*Token, string, error)
}
