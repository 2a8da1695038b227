package ledger

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// MemoryTree keeps all stored hashes of a tree in memory. The verifier uses
// it to recompute roots from leaves; tests use it as a reference.
type MemoryTree struct {
	hashes []tlog.Hash
	size   int64
}

// Append adds one leaf.
func (t *MemoryTree) Append(leaf []byte) error {
	hs, err := tlog.StoredHashes(t.size, leaf, t)
	if err != nil {
		return err
	}
	t.hashes = append(t.hashes, hs...)
	t.size++
	return nil
}

// Size is the number of leaves.
func (t *MemoryTree) Size() int64 { return t.size }

// Root returns the tree hash of the first n leaves.
func (t *MemoryTree) Root(n int64) (tlog.Hash, error) {
	if n < 0 || n > t.size {
		return tlog.Hash{}, fmt.Errorf("tree has %d leaves, not %d", t.size, n)
	}
	return tlog.TreeHash(n, t)
}

// ReadHashes implements tlog.HashReader.
func (t *MemoryTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("hash %d not stored", x)
		}
		out[i] = t.hashes[x]
	}
	return out, nil
}

// ToHashes converts proof hashes to raw byte slices for JSON.
func ToHashes(p []tlog.Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = append([]byte(nil), p[i][:]...)
	}
	return out
}

// FromHashes converts raw byte slices back to proof hashes.
func FromHashes(b [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(b))
	for i := range b {
		if len(b[i]) != tlog.HashSize {
			return nil, fmt.Errorf("hash %d is %d bytes, want %d", i, len(b[i]), tlog.HashSize)
		}
		copy(out[i][:], b[i])
	}
	return out, nil
}
