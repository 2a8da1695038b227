package ledger

import (
	"fmt"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// MaxNoteBytes bounds the size of a checkpoint note we parse.
const MaxNoteBytes = 16 << 10

// Checkpoint is a parsed and signature-checked checkpoint.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// OpenCheckpoint verifies the signed note text against the verifier key
// vkey and parses its body. Errors say which part is wrong.
func OpenCheckpoint(text []byte, vkey string) (*Checkpoint, error) {
	if len(text) > MaxNoteBytes {
		return nil, fmt.Errorf("checkpoint: %d bytes, more than the %d a checkpoint can be", len(text), MaxNoteBytes)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: public key %q: %w", vkey, err)
	}
	n, err := note.Open(text, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: signature: %w", err)
	}
	return parseBody(n.Text, v.Name())
}

// ParseCheckpointUnverified reads the body of a signed note without checking
// any signature (to show what a file claims before it is verified).
func ParseCheckpointUnverified(text []byte) (*Checkpoint, error) {
	if len(text) > MaxNoteBytes {
		return nil, fmt.Errorf("checkpoint: %d bytes, more than the %d a checkpoint can be", len(text), MaxNoteBytes)
	}
	// A note is text, a blank line, then signature lines.
	for i := 0; i+1 < len(text); i++ {
		if text[i] == '\n' && text[i+1] == '\n' {
			return parseBody(string(text[:i+1]), "")
		}
	}
	return nil, fmt.Errorf("checkpoint: no blank line before the signatures")
}

func parseBody(body, wantOrigin string) (*Checkpoint, error) {
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(body)); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if wantOrigin != "" && c.Origin != wantOrigin {
		return nil, fmt.Errorf("checkpoint: origin %q is not the key's log %q", c.Origin, wantOrigin)
	}
	if len(c.Hash) != tlog.HashSize {
		return nil, fmt.Errorf("checkpoint: root hash is %d bytes, want %d", len(c.Hash), tlog.HashSize)
	}
	if c.Size > 1<<62 {
		return nil, fmt.Errorf("checkpoint: size %d out of range", c.Size)
	}
	cp := &Checkpoint{Origin: c.Origin, Size: int64(c.Size)}
	copy(cp.Root[:], c.Hash)
	return cp, nil
}
