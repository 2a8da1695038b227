package bulwark

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Event is one leaf of the ledger: a state change, who made it, on what, and
// digests of the subject before and after. Events are appended in the same
// transaction as the change they record and never updated.
type Event struct {
	Index    int64     `json:"index"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`
	Kind     string    `json:"kind"`
	Subject  string    `json:"subject"`
	Scope    string    `json:"scope"`
	Before   string    `json:"before,omitempty"`
	After    string    `json:"after,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Evidence []string  `json:"evidence,omitempty"`
}

// EventVersion is the version of the leaf encoding.
const EventVersion = 1

// leaf is the canonical encoding: a fixed field order, UTC times at
// microsecond precision (what both databases keep).
type leaf struct {
	V        int      `json:"v"`
	Index    int64    `json:"index"`
	Time     string   `json:"time"`
	Actor    string   `json:"actor"`
	Kind     string   `json:"kind"`
	Subject  string   `json:"subject"`
	Scope    string   `json:"scope"`
	Before   string   `json:"before,omitempty"`
	After    string   `json:"after,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
}

// LeafTimeFormat is how event times are written in leaves.
const LeafTimeFormat = "2006-01-02T15:04:05.000000Z"

// MarshalLeaf returns the canonical bytes of e: the data that is hashed into
// the Merkle tree and that auditors verify.
func (e *Event) MarshalLeaf() []byte {
	b, err := json.Marshal(leaf{
		V: EventVersion, Index: e.Index, Time: e.Time.UTC().Format(LeafTimeFormat),
		Actor: e.Actor, Kind: e.Kind, Subject: e.Subject, Scope: e.Scope,
		Before: e.Before, After: e.After, Reason: e.Reason, Evidence: e.Evidence,
	})
	if err != nil {
		panic(err) // strings and ints only: cannot fail
	}
	return b
}

// UnmarshalLeaf parses canonical leaf bytes back into an event.
func UnmarshalLeaf(b []byte) (*Event, error) {
	var l leaf
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, Errorf(EINVALID, "ledger leaf is not valid JSON: %v", err)
	}
	if l.V != EventVersion {
		return nil, Errorf(EUNSUPPORTED, "ledger leaf version %d (this build reads %d)", l.V, EventVersion)
	}
	t, err := time.Parse(LeafTimeFormat, l.Time)
	if err != nil {
		return nil, Errorf(EINVALID, "ledger leaf time %q: %v", l.Time, err)
	}
	return &Event{Index: l.Index, Time: t, Actor: l.Actor, Kind: l.Kind, Subject: l.Subject,
		Scope: l.Scope, Before: l.Before, After: l.After, Reason: l.Reason, Evidence: l.Evidence}, nil
}

// Digest returns "sha256:<hex>" of v's JSON encoding, or "" for nil: the
// before/after digests of events.
func Digest(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return DigestBytes(b)
}

// DigestBytes returns "sha256:<hex>" of b.
func DigestBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// EventFilter narrows a ledger listing. Zero fields do not filter.
type EventFilter struct {
	ScopePath string // only events about this scope and below
	Kind      string
	Subject   string
	Actor     string
	Since     time.Time
	Until     time.Time
}

// SignedCheckpoint is a checkpoint of the log in the signed-note format of
// C2SP tlog-checkpoint: origin, size and root hash, then signatures.
type SignedCheckpoint struct {
	Origin string    `json:"origin"`
	Size   int64     `json:"size"`
	Root   []byte    `json:"root"`
	Note   string    `json:"note"`
	Time   time.Time `json:"time"`
}

// InclusionProof proves that event Index is in the tree of Size entries.
type InclusionProof struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash []byte   `json:"leaf_hash"`
	Root     []byte   `json:"root"`
	Hashes   [][]byte `json:"hashes"`
}

// ConsistencyProof proves that the tree of NewSize extends the tree of OldSize.
type ConsistencyProof struct {
	OldSize int64    `json:"old_size"`
	NewSize int64    `json:"new_size"`
	OldRoot []byte   `json:"old_root"`
	NewRoot []byte   `json:"new_root"`
	Hashes  [][]byte `json:"hashes"`
}

// LedgerService reads the event log and proves things about it. Appending
// is not part of it: each state-changing method of the other services
// appends its own events in its own transaction.
type LedgerService interface {
	// FindEvents lists events about scopes the caller may read, newest first.
	FindEvents(ctx context.Context, f EventFilter, page Page) ([]*Event, string, error)
	// FindEvent returns one event with its stored leaf. Errors: ENOTFOUND.
	FindEvent(ctx context.Context, index int64) (*Event, []byte, error)
	// Checkpoint signs (or returns the already signed) checkpoint of the
	// current tree.
	Checkpoint(ctx context.Context) (*SignedCheckpoint, error)
	// ProveInclusion proves event index in the tree of size (0: current).
	// Errors: EINVALID (index or size out of range).
	ProveInclusion(ctx context.Context, index, size int64) (*InclusionProof, error)
	// ProveConsistency proves the tree of newSize (0: current) extends the
	// tree of oldSize. Errors: EINVALID.
	ProveConsistency(ctx context.Context, oldSize, newSize int64) (*ConsistencyProof, error)
}
