package ledger

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
)

// algEd25519 is the signed-note algorithm byte for Ed25519.
const algEd25519 = 1

func ed25519PublicFromNoteKey(b64 string) (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return nil, errors.New("ledger key: not an Ed25519 signed-note private key")
	}
	return ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey), nil
}
