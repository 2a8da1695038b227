// Package ledger is the verifiable side of the event log: RFC 6962 Merkle
// hashing (through golang.org/x/mod/sumdb/tlog), checkpoints signed with
// Ed25519 in the signed-note format (C2SP tlog-checkpoint), and the bundles
// an auditor verifies offline. Storage of leaves and hashes belongs to sqldb.
package ledger

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Signer signs checkpoints of one log. The key name is the log's origin.
type Signer struct {
	signer note.Signer
	vkey   string
}

// NewSigner returns a signer for a private key in note format
// ("PRIVATE+KEY+name+hash+base64").
func NewSigner(skey string) (*Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("ledger key: %w", err)
	}
	vkey, err := verifierKeyOf(strings.TrimSpace(skey))
	if err != nil {
		return nil, err
	}
	return &Signer{signer: s, vkey: vkey}, nil
}

// LoadOrCreateKey reads the signing key at path, creating it (0600) with a
// fresh Ed25519 key named origin when the file does not exist. An empty
// origin gets a random one.
func LoadOrCreateKey(path, origin string) (*Signer, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return NewSigner(string(b))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	if origin == "" {
		var id [4]byte
		if _, err := rand.Read(id[:]); err != nil {
			return nil, err
		}
		origin = "bulwark.ledger/" + hex.EncodeToString(id[:])
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, fmt.Errorf("ledger key: origin %q: %w", origin, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our create.
		return LoadOrCreateKey(path, origin)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("ledger key %s: %w", path, err)
	}
	return NewSigner(skey)
}

// verifierKeyOf derives the public verifier key of a note private key.
func verifierKeyOf(skey string) (string, error) {
	// PRIVATE+KEY+name+hash+base64(alg || seed)
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("ledger key: not a signed-note private key")
	}
	pub, err := ed25519PublicFromNoteKey(parts[4])
	if err != nil {
		return "", err
	}
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// Origin is the log's name: the first line of its checkpoints.
func (s *Signer) Origin() string { return s.signer.Name() }

// VerifierKey is the public key in note format ("name+hash+base64").
func (s *Signer) VerifierKey() string { return s.vkey }

// SignCheckpoint returns the signed note for a tree of size with root.
func (s *Signer) SignCheckpoint(size int64, root tlog.Hash) ([]byte, error) {
	body := log.Checkpoint{Origin: s.Origin(), Size: uint64(size), Hash: root[:]}.Marshal()
	return note.Sign(&note.Note{Text: string(body)}, s.signer)
}
