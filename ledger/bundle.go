package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"golang.org/x/mod/sumdb/tlog"
)

// BundleFormat names the bundle encoding; readers refuse other values.
const BundleFormat = "bulwark-ledger-bundle/1"

// Bundle is a self-contained export: a signed checkpoint, the public key it
// verifies under, events in [From, To) each with an inclusion proof against
// the checkpoint, and consistency proofs from earlier published checkpoints.
type Bundle struct {
	Format      string             `json:"format"`
	Origin      string             `json:"origin"`
	PublicKey   string             `json:"public_key"`
	Checkpoint  string             `json:"checkpoint"`
	TreeSize    int64              `json:"tree_size"`
	From        int64              `json:"from"`
	To          int64              `json:"to"`
	Events      []BundleEvent      `json:"events"`
	Consistency []BundleConsistent `json:"consistency"`
}

// BundleEvent is one leaf, verbatim, and its inclusion proof.
type BundleEvent struct {
	Index int64    `json:"index"`
	Leaf  string   `json:"leaf"`
	Proof [][]byte `json:"proof"`
}

// BundleConsistent proves the bundle's tree extends an earlier tree.
type BundleConsistent struct {
	OldSize int64    `json:"old_size"`
	OldRoot []byte   `json:"old_root"`
	Proof   [][]byte `json:"proof"`
}

// MaxBundleBytes bounds what ReadBundle accepts.
const MaxBundleBytes = 4 << 30

// ReadBundle parses a bundle strictly: unknown fields, a wrong format name,
// trailing data and inconsistent ranges are errors.
func ReadBundle(r io.Reader) (*Bundle, error) {
	dec := json.NewDecoder(io.LimitReader(r, MaxBundleBytes))
	dec.DisallowUnknownFields()
	var b Bundle
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("bundle: not a ledger bundle: %w", jsonErr(err))
	}
	if dec.More() {
		return nil, errors.New("bundle: trailing data after the JSON object")
	}
	if b.Format != BundleFormat {
		return nil, fmt.Errorf("bundle: format %q, want %q", b.Format, BundleFormat)
	}
	if b.From < 0 || b.To < b.From || b.To > b.TreeSize {
		return nil, fmt.Errorf("bundle: range [%d, %d) does not fit a tree of %d events", b.From, b.To, b.TreeSize)
	}
	if int64(len(b.Events)) != b.To-b.From {
		return nil, fmt.Errorf("bundle: range [%d, %d) holds %d events, but %d are listed", b.From, b.To, b.To-b.From, len(b.Events))
	}
	return &b, nil
}

func jsonErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%v at byte %d", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %q: %v at byte %d", te.Field, te, te.Offset)
	}
	return err
}

// Failure is one reason a bundle does not verify.
type Failure struct {
	Index   int64  `json:"index"` // event index, -1 when not about one event
	Message string `json:"message"`
}

// Report is the outcome of Verify.
type Report struct {
	Origin     string    `json:"origin"`
	TreeSize   int64     `json:"tree_size"`
	Root       tlog.Hash `json:"root"`
	From       int64     `json:"from"`
	To         int64     `json:"to"`
	Checked    int       `json:"events_checked"`
	Extends    []int64   `json:"extends"` // earlier sizes proven to be prefixes
	Failures   []Failure `json:"failures"`
	Recomputed bool      `json:"recomputed"` // root recomputed from every leaf
}

// OK reports whether nothing failed.
func (r *Report) OK() bool { return len(r.Failures) == 0 }

func (r *Report) fail(index int64, format string, args ...any) {
	r.Failures = append(r.Failures, Failure{Index: index, Message: fmt.Sprintf(format, args...)})
}

// maxFailures stops a report from listing every event of a broken bundle.
const maxFailures = 100

// VerifyOptions are the auditor's own anchors.
type VerifyOptions struct {
	// PublicKey, when set, must equal the bundle's key (pin the log's key).
	PublicKey string
	// Since is a signed checkpoint the auditor kept; the bundle must prove
	// that its tree extends that one.
	Since []byte
}

// Verify checks b with nothing but b itself and opts: the checkpoint
// signature, every leaf against its inclusion proof, the leaf's own index,
// and, given a kept checkpoint, that the log only grew since.
func Verify(b *Bundle, opts VerifyOptions) *Report {
	r := &Report{Origin: b.Origin, TreeSize: b.TreeSize, From: b.From, To: b.To}
	if opts.PublicKey != "" && strings.TrimSpace(opts.PublicKey) != b.PublicKey {
		r.fail(-1, "the bundle's public key %q is not the pinned key %q", b.PublicKey, opts.PublicKey)
		return r
	}
	cp, err := OpenCheckpoint([]byte(b.Checkpoint), b.PublicKey)
	if err != nil {
		r.fail(-1, "%v", err)
		return r
	}
	r.Root = cp.Root
	if cp.Origin != b.Origin || cp.Size != b.TreeSize {
		r.fail(-1, "checkpoint is for %q at size %d, but the bundle says %q at size %d", cp.Origin, cp.Size, b.Origin, b.TreeSize)
		return r
	}

	var full *MemoryTree
	if b.From == 0 {
		full = &MemoryTree{}
	}
	for i, e := range b.Events {
		if len(r.Failures) >= maxFailures {
			r.fail(-1, "stopped after %d failures", maxFailures)
			return r
		}
		want := b.From + int64(i)
		if e.Index != want {
			r.fail(e.Index, "event listed at position %d has index %d, want %d", i, e.Index, want)
			continue
		}
		r.Checked++
		leaf := []byte(e.Leaf)
		if full != nil {
			if err := full.Append(leaf); err != nil {
				r.fail(e.Index, "hashing: %v", err)
				full = nil
			}
		}
		ev, err := bulwark.UnmarshalLeaf(leaf)
		if err != nil {
			r.fail(e.Index, "event %d: %v", e.Index, err)
		} else if ev.Index != e.Index {
			r.fail(e.Index, "event %d: leaf says it is event %d", e.Index, ev.Index)
		}
		proof, err := FromHashes(e.Proof)
		if err != nil {
			r.fail(e.Index, "event %d: inclusion proof: %v", e.Index, err)
			continue
		}
		if err := tlog.CheckRecord(proof, b.TreeSize, cp.Root, e.Index, tlog.RecordHash(leaf)); err != nil {
			r.fail(e.Index, "event %d (%s %s by %s): not in the signed tree: its content differs from what was logged", e.Index, evKind(ev), evSubject(ev), evActor(ev))
		}
	}
	if full != nil && b.To == b.TreeSize && len(r.Failures) == 0 {
		root, err := full.Root(b.TreeSize)
		if err == nil && root == cp.Root {
			r.Recomputed = true
		} else {
			r.fail(-1, "the root recomputed from all %d events differs from the checkpoint's", b.TreeSize)
		}
	}

	for _, c := range b.Consistency {
		if err := checkConsistency(c, b.TreeSize, cp.Root); err != nil {
			r.fail(-1, "consistency with size %d: %v", c.OldSize, err)
		} else {
			r.Extends = append(r.Extends, c.OldSize)
		}
	}

	if len(opts.Since) > 0 {
		r.checkSince(b, full, cp, opts.Since)
	}
	return r
}

func checkConsistency(c BundleConsistent, size int64, root tlog.Hash) error {
	if c.OldSize < 1 || c.OldSize > size {
		return fmt.Errorf("old size out of range 1..%d", size)
	}
	if len(c.OldRoot) != tlog.HashSize {
		return fmt.Errorf("old root is %d bytes", len(c.OldRoot))
	}
	proof, err := FromHashes(c.Proof)
	if err != nil {
		return err
	}
	var old tlog.Hash
	copy(old[:], c.OldRoot)
	if err := tlog.CheckTree(proof, size, root, c.OldSize, old); err != nil {
		return errors.New("proof does not hold")
	}
	return nil
}

// checkSince proves the bundle's tree extends the kept checkpoint: from the
// leaves when the bundle starts at 0, otherwise from an embedded proof.
func (r *Report) checkSince(b *Bundle, full *MemoryTree, cp *Checkpoint, since []byte) {
	old, err := OpenCheckpoint(since, b.PublicKey)
	if err != nil {
		r.fail(-1, "the checkpoint you kept does not verify under this bundle's key (was the log re-keyed?): %v", err)
		return
	}
	if old.Origin != cp.Origin {
		r.fail(-1, "the checkpoint you kept is of log %q, the bundle of %q", old.Origin, cp.Origin)
		return
	}
	if old.Size > cp.Size {
		r.fail(-1, "the checkpoint you kept has %d events, more than the bundle's %d: the log shrank", old.Size, cp.Size)
		return
	}
	if old.Size == 0 {
		return
	}
	if full != nil && full.Size() >= old.Size {
		root, err := full.Root(old.Size)
		if err != nil || root != old.Root {
			r.fail(-1, "history rewritten: the first %d events in this bundle do not hash to the root of the checkpoint you kept", old.Size)
			return
		}
		r.Extends = appendUnique(r.Extends, old.Size)
		return
	}
	for _, c := range b.Consistency {
		if c.OldSize != old.Size {
			continue
		}
		if !bytes.Equal(c.OldRoot, old.Root[:]) {
			r.fail(-1, "history rewritten: at size %d the log's root was %x, not the %x of the checkpoint you kept", old.Size, c.OldRoot, old.Root[:])
			return
		}
		if err := checkConsistency(c, cp.Size, cp.Root); err != nil {
			r.fail(-1, "history rewritten: the bundle's tree does not extend the checkpoint you kept: %v", err)
		}
		return
	}
	r.fail(-1, "the bundle carries no consistency proof from size %d: export it again with --since naming that checkpoint, or from event 0", old.Size)
}

func appendUnique(s []int64, v int64) []int64 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func evKind(e *bulwark.Event) string {
	if e == nil {
		return "?"
	}
	return e.Kind
}

func evSubject(e *bulwark.Event) string {
	if e == nil {
		return "?"
	}
	return e.Subject
}

func evActor(e *bulwark.Event) string {
	if e == nil {
		return "?"
	}
	return e.Actor
}
