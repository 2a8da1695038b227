package sqldb

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// ExportOptions select what a bundle holds.
type ExportOptions struct {
	From, To int64    // event range [From, To); To 0 means the whole log
	Since    [][]byte // signed checkpoints the auditor kept: prove consistency with each
	// Progress, if set, is called after each chunk of events.
	Progress func(done, total int64)
}

// maxPublishedProofs bounds how many earlier published checkpoints a bundle
// carries consistency proofs for (the most recent ones).
const maxPublishedProofs = 256

// ExportBundle writes a ledger bundle (see ledger.Bundle) to w, streaming
// events so that memory stays flat. The caller needs ledger.read on the
// whole organisation: a bundle is the complete, contiguous log.
func (db *DB) ExportBundle(ctx context.Context, w io.Writer, opts ExportOptions) (err error) {
	defer bulwark.Wrap(&err, "ExportBundle")
	org, err := db.RootScope(ctx)
	if err != nil {
		return err
	}
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionLedgerRead, org.Path); err != nil {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "a bundle is the whole log: exporting it needs ledger.read on %s", org.Name)
	}
	cp, err := db.Checkpoint(ctx)
	if err != nil {
		return err
	}
	size := cp.Size
	from, to := opts.From, opts.To
	if to == 0 {
		to = size
	}
	if from < 0 || from > to || to > size {
		return bulwark.FieldError("range", "range [%d, %d) does not fit the log of %d events", from, to, size)
	}
	var root tlog.Hash
	copy(root[:], cp.Root)

	consistency, err := db.consistencyProofs(ctx, size, opts.Since)
	if err != nil {
		return err
	}

	bw := bufio.NewWriterSize(w, 1<<16)
	head := struct {
		Format      string                    `json:"format"`
		Origin      string                    `json:"origin"`
		PublicKey   string                    `json:"public_key"`
		Checkpoint  string                    `json:"checkpoint"`
		TreeSize    int64                     `json:"tree_size"`
		From        int64                     `json:"from"`
		To          int64                     `json:"to"`
		Consistency []ledger.BundleConsistent `json:"consistency"`
	}{ledger.BundleFormat, cp.Origin, db.signer.VerifierKey(), cp.Note, size, from, to, consistency}
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	bw.Write(hb[:len(hb)-1]) // reopen the object to add the events
	bw.WriteString(`,"events":[`)

	cache := &cachedHashes{r: hashReader{ctx: ctx, q: db.sql, db: db}, m: make(map[int64]tlog.Hash)}
	const chunk = 1000
	for lo := from; lo < to; lo += chunk {
		hi := min(lo+chunk, to)
		leaves, err := db.leaves(ctx, lo, hi)
		if err != nil {
			return err
		}
		for i, leaf := range leaves {
			idx := lo + int64(i)
			proof, err := tlog.ProveRecord(size, idx, cache)
			if err != nil {
				return fmt.Errorf("proof for event %d: %w", idx, err)
			}
			eb, err := json.Marshal(ledger.BundleEvent{Index: idx, Leaf: string(leaf), Proof: ledger.ToHashes(proof)})
			if err != nil {
				return err
			}
			if idx > from {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
			bw.Write(eb)
		}
		if opts.Progress != nil {
			opts.Progress(hi-from, to-from)
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// leaves returns the stored leaves [lo, hi), checking none is missing.
func (db *DB) leaves(ctx context.Context, lo, hi int64) ([][]byte, error) {
	rows, err := db.sql.QueryContext(ctx, db.rebind("SELECT idx, leaf FROM ledger_events WHERE idx >= ? AND idx < ? ORDER BY idx"), lo, hi)
	if err != nil {
		return nil, db.mapErr(err)
	}
	defer rows.Close()
	out := make([][]byte, 0, hi-lo)
	for rows.Next() {
		var idx int64
		var leaf []byte
		if err := rows.Scan(&idx, &leaf); err != nil {
			return nil, err
		}
		if idx != lo+int64(len(out)) {
			return nil, fmt.Errorf("ledger: event %d is missing from the database", lo+int64(len(out)))
		}
		out = append(out, leaf)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if int64(len(out)) != hi-lo {
		return nil, fmt.Errorf("ledger: event %d is missing from the database", lo+int64(len(out)))
	}
	return out, nil
}

// consistencyProofs proves the tree of size extends every checkpoint the
// auditor passed and the most recent published ones.
func (db *DB) consistencyProofs(ctx context.Context, size int64, since [][]byte) ([]ledger.BundleConsistent, error) {
	sizes := map[int64]bool{}
	for i, note := range since {
		old, err := ledger.OpenCheckpoint(note, db.signer.VerifierKey())
		if err != nil {
			return nil, bulwark.FieldError("since", "checkpoint %d: %v", i+1, err)
		}
		if old.Size > size {
			return nil, bulwark.FieldError("since", "checkpoint %d has %d events, more than the log's %d", i+1, old.Size, size)
		}
		if old.Size > 0 {
			sizes[old.Size] = true
		}
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind("SELECT size FROM ledger_checkpoints WHERE size > 0 AND size < ? ORDER BY size DESC LIMIT ?"), size, maxPublishedProofs)
	if err != nil {
		return nil, db.mapErr(err)
	}
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		sizes[n] = true
	}
	rows.Close()
	r := hashReader{ctx: ctx, q: db.sql, db: db}
	out := []ledger.BundleConsistent{}
	for n := range sizes {
		if n == size {
			continue
		}
		p, err := proveConsistency(r, n, size)
		if err != nil {
			return nil, err
		}
		out = append(out, ledger.BundleConsistent{OldSize: n, OldRoot: p.OldRoot, Proof: p.Hashes})
	}
	slices.SortFunc(out, func(a, b ledger.BundleConsistent) int { return cmp.Compare(a.OldSize, b.OldSize) })
	return out, nil
}

// cachedHashes remembers hashes across the proofs of one export: proofs of
// neighbouring events share most of their path.
type cachedHashes struct {
	r hashReader
	m map[int64]tlog.Hash
}

func (c *cachedHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var missing []int64
	for _, x := range indexes {
		if _, ok := c.m[x]; !ok {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		if len(c.m) > 1<<20 {
			clear(c.m)
		}
		hs, err := c.r.ReadHashes(missing)
		if err != nil {
			return nil, err
		}
		for i, x := range missing {
			c.m[x] = hs[i]
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = c.m[x]
	}
	return out, nil
}
