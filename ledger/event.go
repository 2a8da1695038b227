package ledger

import (
	"bytes"
	"fmt"

	"github.com/bulwark-sec/bulwark"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyEvent checks that leaf is event p.Index of the tree that the signed
// checkpoint commits to: the checkpoint verifies under vkey, the proof is
// for the checkpoint's size, and the leaf hashes up to its root.
func VerifyEvent(leaf []byte, p *bulwark.InclusionProof, cp *bulwark.SignedCheckpoint, vkey string) error {
	c, err := OpenCheckpoint([]byte(cp.Note), vkey)
	if err != nil {
		return err
	}
	if p.Size != c.Size {
		return fmt.Errorf("proof is for a tree of %d events, the checkpoint for %d", p.Size, c.Size)
	}
	if !bytes.Equal(p.Root, c.Root[:]) {
		return fmt.Errorf("proof root differs from the signed root")
	}
	proof, err := FromHashes(p.Hashes)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(proof, c.Size, c.Root, p.Index, tlog.RecordHash(leaf)); err != nil {
		return fmt.Errorf("event %d as stored is not the event that was logged", p.Index)
	}
	return nil
}
