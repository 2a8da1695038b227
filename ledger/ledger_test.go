package ledger_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func newSigner(t testing.TB) *ledger.Signer {
	t.Helper()
	s, err := ledger.LoadOrCreateKey(filepath.Join(t.TempDir(), "k", "ledger.key"), "test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bundleOf builds a bundle of n events in memory, as the store would.
func bundleOf(t testing.TB, s *ledger.Signer, n int, from, to int64, oldSizes ...int64) *ledger.Bundle {
	t.Helper()
	var tree ledger.MemoryTree
	var leaves [][]byte
	for i := 0; i < n; i++ {
		ev := &bulwark.Event{Index: int64(i), Time: time.Unix(1700000000+int64(i), 0), Actor: "user:a", Kind: "test.happened", Subject: "thing:1", Scope: "/1/", Reason: "r"}
		leaf := ev.MarshalLeaf()
		leaves = append(leaves, leaf)
		if err := tree.Append(leaf); err != nil {
			t.Fatal(err)
		}
	}
	root, _ := tree.Root(int64(n))
	note, err := s.SignCheckpoint(int64(n), root)
	if err != nil {
		t.Fatal(err)
	}
	b := &ledger.Bundle{Format: ledger.BundleFormat, Origin: s.Origin(), PublicKey: s.VerifierKey(), Checkpoint: string(note), TreeSize: int64(n), From: from, To: to}
	for i := from; i < to; i++ {
		p, err := tlog.ProveRecord(int64(n), i, &tree)
		if err != nil {
			t.Fatal(err)
		}
		b.Events = append(b.Events, ledger.BundleEvent{Index: i, Leaf: string(leaves[i]), Proof: ledger.ToHashes(p)})
	}
	for _, m := range oldSizes {
		p, _ := tlog.ProveTree(int64(n), m, &tree)
		old, _ := tree.Root(m)
		b.Consistency = append(b.Consistency, ledger.BundleConsistent{OldSize: m, OldRoot: old[:], Proof: ledger.ToHashes(p)})
	}
	return b
}

func TestKeyIsCreatedOnceAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.key")
	a, err := ledger.LoadOrCreateKey(path, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", st.Mode(), err)
	}
	b, err := ledger.LoadOrCreateKey(path, "other")
	if err != nil || b.VerifierKey() != a.VerifierKey() || !strings.HasPrefix(a.Origin(), "bulwark.ledger/") {
		t.Fatalf("reloaded %q vs %q (%v)", b.VerifierKey(), a.VerifierKey(), err)
	}
	if _, err := ledger.NewSigner("not a key"); err == nil {
		t.Fatal("garbage key accepted")
	}
}

func TestCheckpointSignature(t *testing.T) {
	s, other := newSigner(t), newSigner(t)
	var root tlog.Hash
	root[0] = 7
	note, err := s.SignCheckpoint(42, root)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ledger.OpenCheckpoint(note, s.VerifierKey())
	if err != nil || cp.Size != 42 || cp.Root != root || cp.Origin != "test.example/log" {
		t.Fatalf("%+v %v", cp, err)
	}
	if _, err := ledger.OpenCheckpoint(note, other.VerifierKey()); err == nil {
		t.Fatal("checkpoint verified under another log's key")
	}
	forged := bytes.Replace(note, []byte("\n42\n"), []byte("\n43\n"), 1)
	if _, err := ledger.OpenCheckpoint(forged, s.VerifierKey()); err == nil {
		t.Fatal("altered size still verifies")
	}
	un, err := ledger.ParseCheckpointUnverified(forged)
	if err != nil || un.Size != 43 {
		t.Fatalf("unverified parse %+v %v", un, err)
	}
}

func TestVerifyBundle(t *testing.T) {
	s := newSigner(t)
	full := bundleOf(t, s, 37, 0, 37, 5, 36)
	if r := ledger.Verify(full, ledger.VerifyOptions{}); !r.OK() || !r.Recomputed || r.Checked != 37 || len(r.Extends) != 2 {
		t.Fatalf("full bundle: %+v", r)
	}
	part := bundleOf(t, s, 37, 10, 20)
	if r := ledger.Verify(part, ledger.VerifyOptions{PublicKey: s.VerifierKey()}); !r.OK() || r.Recomputed {
		t.Fatalf("range bundle: %+v", r)
	}
	if r := ledger.Verify(part, ledger.VerifyOptions{PublicKey: newSigner(t).VerifierKey()}); r.OK() {
		t.Fatal("pinned key ignored")
	}

	// Reordered events are named.
	swapped := bundleOf(t, s, 8, 0, 8)
	swapped.Events[2], swapped.Events[3] = swapped.Events[3], swapped.Events[2]
	r := ledger.Verify(swapped, ledger.VerifyOptions{})
	if r.OK() || r.Failures[0].Index != 3 {
		t.Fatalf("swapped: %+v", r.Failures)
	}

	// A kept checkpoint of an earlier, different history is caught.
	old := bundleOf(t, s, 12, 0, 12)
	other := bundleOf(t, s, 20, 0, 20)
	var diverged ledger.MemoryTree
	for i := 0; i < 12; i++ {
		diverged.Append([]byte(`{"v":1,"index":` + string(rune('0'+i%10)) + `}`))
	}
	root, _ := diverged.Root(12)
	keptNote, _ := s.SignCheckpoint(12, root)
	r = ledger.Verify(other, ledger.VerifyOptions{Since: keptNote})
	if r.OK() || !strings.Contains(r.Failures[0].Message, "history rewritten") {
		t.Fatalf("diverged: %+v", r.Failures)
	}
	r = ledger.Verify(other, ledger.VerifyOptions{Since: []byte(old.Checkpoint)})
	if !r.OK() {
		t.Fatalf("honest growth rejected: %+v", r.Failures)
	}
	// A checkpoint bigger than the bundle means the log shrank.
	r = ledger.Verify(old, ledger.VerifyOptions{Since: []byte(other.Checkpoint)})
	if r.OK() || !strings.Contains(r.Failures[0].Message, "shrank") {
		t.Fatalf("shrunk: %+v", r.Failures)
	}
}

func TestReadBundleRejectsMalformed(t *testing.T) {
	s := newSigner(t)
	good, _ := json.Marshal(bundleOf(t, s, 3, 0, 3))
	cases := map[string]string{
		"not json":        `hello`,
		"unknown field":   strings.Replace(string(good), `"format"`, `"extra":1,"format"`, 1),
		"wrong format":    strings.Replace(string(good), ledger.BundleFormat, "other/1", 1),
		"trailing data":   string(good) + `{}`,
		"range too large": strings.Replace(string(good), `"to":3`, `"to":9`, 1),
		"missing events":  strings.Replace(string(good), `"from":0`, `"from":1`, 1),
	}
	for name, in := range cases {
		if _, err := ledger.ReadBundle(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "bundle: ") {
			t.Errorf("%s: error %q does not say it is about the bundle", name, err)
		}
	}
	if _, err := ledger.ReadBundle(bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
}

func FuzzOpenCheckpoint(f *testing.F) {
	s := fixedSigner(f)
	var root tlog.Hash
	note, _ := s.SignCheckpoint(3, root)
	f.Add(note)
	f.Add([]byte("origin\n1\nAAAA\n\n— x abc\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		cp, err := ledger.OpenCheckpoint(data, s.VerifierKey())
		if err == nil && (cp.Origin != s.Origin() || cp.Size < 0) {
			t.Fatalf("accepted %q as %+v", data, cp)
		}
		if err == nil && !bytes.Equal(data, note) {
			// Only the one note we signed (or a re-encoding of it with the same
			// body) can verify; anything else would be a forgery.
			if cp.Size != 3 {
				t.Fatalf("forged checkpoint verified: %q", data)
			}
		}
		ledger.ParseCheckpointUnverified(data)
	})
}

// fixedSigner has the same key in every fuzz worker process.
func fixedSigner(t testing.TB) *ledger.Signer {
	t.Helper()
	skey, _, err := note.GenerateKey(zeroReader{}, "fuzz.example/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func FuzzReadBundle(f *testing.F) {
	s := fixedSigner(f)
	good, _ := json.Marshal(bundleOf(f, s, 5, 0, 5, 2))
	f.Add(good)
	part, _ := json.Marshal(bundleOf(f, s, 9, 3, 6))
	f.Add(part)
	f.Add([]byte(`{"format":"bulwark-ledger-bundle/1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ledger.ReadBundle(bytes.NewReader(data))
		if err != nil {
			return
		}
		r := ledger.Verify(b, ledger.VerifyOptions{PublicKey: s.VerifierKey()})
		if !r.OK() || len(b.Events) == 0 {
			return
		}
		// Whatever verifies under our key must stop verifying when any
		// event's content changes.
		b.Events[0].Leaf += " "
		if ledger.Verify(b, ledger.VerifyOptions{PublicKey: s.VerifierKey()}).OK() {
			t.Fatalf("altered leaf still verifies")
		}
	})
}
