package bulwark

import (
	"context"
	"time"
)

// Evidence is a file attached to a decision, stored by the SHA-256 of its
// content. The same bytes attached twice are stored once.
type Evidence struct {
	Digest    string    `json:"digest"`
	Size      int64     `json:"size"`
	MediaType string    `json:"media_type"`
	Name      string    `json:"name"`
	ScopeID   int64     `json:"scope_id"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// DefaultMaxEvidenceBytes is the default limit on one evidence file.
const DefaultMaxEvidenceBytes = 64 << 20

// EvidenceService stores and serves evidence files.
type EvidenceService interface {
	// PutEvidence stores content (at most the configured limit) attached in
	// scopeID and records its digest in the ledger. Errors: EINVALID,
	// ETOOLARGE, EFORBIDDEN, ENOTFOUND (scope).
	PutEvidence(ctx context.Context, scopeID int64, name, mediaType string, content []byte, reason string) (*Evidence, error)
	// GetEvidence returns the metadata and content of a digest visible to the
	// caller. Errors: ENOTFOUND.
	GetEvidence(ctx context.Context, digest string) (*Evidence, []byte, error)
}
