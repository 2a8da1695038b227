package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

var _ bulwark.LedgerService = (*DB)(nil)

// appendEvents gives evs the next indexes and stores their leaves and the
// new Merkle hashes. Bumping ledger_head first takes its row lock, so on
// PostgreSQL concurrent appenders queue here until this transaction ends and
// indexes stay dense; on SQLite the write lock already does that.
func (t *Tx) appendEvents(evs []*bulwark.Event) error {
	var size int64
	if err := t.queryRow("UPDATE ledger_head SET size = size + ? WHERE id = 1 RETURNING size", len(evs)).Scan(&size); err != nil {
		return fmt.Errorf("ledger head: %w", err)
	}
	start := size - int64(len(evs))
	r := &txHashReader{t: t, cache: make(map[int64]tlog.Hash)}
	hashes := make([]hashRow, 0, 2*len(evs))
	leaves := make([][]byte, len(evs))
	for i, ev := range evs {
		ev.Index = start + int64(i)
		leaf := ev.MarshalLeaf()
		hs, err := tlog.StoredHashes(ev.Index, leaf, r)
		if err != nil {
			return fmt.Errorf("ledger hashes at %d: %w", ev.Index, err)
		}
		base := tlog.StoredHashCount(ev.Index)
		for j, h := range hs {
			r.cache[base+int64(j)] = h
			hashes = append(hashes, hashRow{base + int64(j), h})
		}
		leaves[i] = leaf
	}
	if err := t.insertEvents(evs, leaves); err != nil {
		return err
	}
	return t.insertHashes(hashes)
}

type hashRow struct {
	idx  int64
	hash tlog.Hash
}

// insertEvents writes event rows in multi-row statements (one round trip
// per chunk matters on PostgreSQL).
func (t *Tx) insertEvents(evs []*bulwark.Event, leaves [][]byte) error {
	return t.insertRows("INSERT INTO ledger_events (idx, at, actor, kind, subject, scope, leaf) VALUES ", 7, len(evs), func(i int, args []any) []any {
		ev := evs[i]
		return append(args, ev.Index, micros(ev.Time), ev.Actor, ev.Kind, ev.Subject, ev.Scope, leaves[i])
	})
}

// insertHashes writes hash rows in multi-row statements.
func (t *Tx) insertHashes(rows []hashRow) error {
	return t.insertRows("INSERT INTO ledger_hashes (idx, hash) VALUES ", 2, len(rows), func(i int, args []any) []any {
		return append(args, rows[i].idx, rows[i].hash[:])
	})
}

// insertRows runs prefix with n rows of width placeholders each, in chunks
// that stay under both drivers' parameter limits. The statement for a full
// chunk is prepared once and reused: preparing dominates otherwise.
func (t *Tx) insertRows(prefix string, width, n int, row func(i int, args []any) []any) error {
	return t.chunks(prefix, "", width, n, row, nil)
}

// insertRowsReturning is insertRows for statements that return (id, purl).
func (t *Tx) insertRowsReturning(prefix string, width, n int, row func(i int, args []any) []any, got func(id int64, purl string)) error {
	return t.chunks(prefix, " RETURNING id, purl", width, n, row, got)
}

const maxParams = 8000

func (t *Tx) chunks(prefix, suffix string, width, n int, row func(i int, args []any) []any, got func(int64, string)) error {
	per := maxParams / width
	tuple := "(?" + strings.Repeat(", ?", width-1) + ")"
	sqlFor := func(rows int) string {
		var b strings.Builder
		b.WriteString(prefix)
		for i := 0; i < rows; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
		}
		b.WriteString(suffix)
		return t.db.rebind(b.String())
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		args := make([]any, 0, (hi-lo)*width)
		for i := lo; i < hi; i++ {
			args = row(i, args)
		}
		stmt := full
		if hi-lo < per || full == nil {
			s, err := t.tx.PrepareContext(t.ctx, sqlFor(hi-lo))
			if err != nil {
				return fmt.Errorf("insert: %w", err)
			}
			if hi-lo == per {
				full = s
			} else {
				defer s.Close()
			}
			stmt = s
		}
		if got == nil {
			if _, err := stmt.ExecContext(t.ctx, args...); err != nil {
				return fmt.Errorf("insert: %w", err)
			}
			continue
		}
		rows, err := stmt.QueryContext(t.ctx, args...)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		for rows.Next() {
			var id int64
			var p string
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return err
			}
			got(id, p)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// txHashReader reads stored hashes inside a transaction, preferring the
// ones this transaction computed and has not written yet.
type txHashReader struct {
	t     *Tx
	cache map[int64]tlog.Hash
}

func (r *txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	for i, x := range indexes {
		if h, ok := r.cache[x]; ok {
			out[i] = h
		} else {
			missing = append(missing, x)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := readHashes(r.t.ctx, r.t.tx, r.t.db, missing)
	if err != nil {
		return nil, err
	}
	for i, x := range indexes {
		if _, ok := r.cache[x]; ok {
			continue
		}
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("ledger: stored hash %d missing", x)
		}
		out[i] = h
	}
	return out, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func readHashes(ctx context.Context, q querier, db *DB, indexes []int64) (map[int64]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	for len(indexes) > 0 {
		n := min(len(indexes), 500)
		args := make([]any, n)
		for i, x := range indexes[:n] {
			args[i] = x
		}
		rows, err := q.QueryContext(ctx, db.rebind("SELECT idx, hash FROM ledger_hashes WHERE idx IN (?"+strings.Repeat(", ?", n-1)+")"), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var idx int64
			var b []byte
			if err := rows.Scan(&idx, &b); err != nil {
				rows.Close()
				return nil, err
			}
			if len(b) != tlog.HashSize {
				rows.Close()
				return nil, fmt.Errorf("ledger: stored hash %d is %d bytes", idx, len(b))
			}
			var h tlog.Hash
			copy(h[:], b)
			found[idx] = h
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		indexes = indexes[n:]
	}
	return found, nil
}

// hashReader reads stored hashes outside any write transaction.
type hashReader struct {
	ctx context.Context
	q   querier
	db  *DB
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	found, err := readHashes(r.ctx, r.q, r.db, indexes)
	if err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("ledger: stored hash %d missing", x)
		}
		out[i] = h
	}
	return out, nil
}

func (t *Tx) hashes() hashReader { return hashReader{ctx: t.ctx, q: t.tx, db: t.db} }

func (t *Tx) ledgerSize() (int64, error) {
	var n int64
	err := t.queryRow("SELECT size FROM ledger_head WHERE id = 1").Scan(&n)
	return n, err
}

// AppendEvents appends events recorded by the caller in one transaction,
// without any other change. The system uses it for events that record
// something outside the database (a key rotation, an import run); benchmarks
// use it to measure the ledger alone.
func (db *DB) AppendEvents(ctx context.Context, evs []*bulwark.Event) error {
	return db.inTx(ctx, func(t *Tx) error {
		for _, ev := range evs {
			if ev.Time.IsZero() {
				ev.Time = t.now
			}
			if ev.Actor == "" {
				ev.Actor = t.p.Actor()
			}
		}
		t.events = append(t.events, evs...)
		return nil
	})
}

// LedgerSize returns the number of events.
func (db *DB) LedgerSize(ctx context.Context) (n int64, err error) {
	err = db.readTx(ctx, func(t *Tx) error {
		n, err = t.ledgerSize()
		return err
	})
	return n, err
}

// FindEvents implements bulwark.LedgerService.
func (db *DB) FindEvents(ctx context.Context, f bulwark.EventFilter, page bulwark.Page) (out []*bulwark.Event, next string, err error) {
	defer bulwark.Wrap(&err, "FindEvents")
	p := bulwark.PrincipalFrom(ctx)
	visible := p.VisibleScopes(bulwark.ActionLedgerRead)
	if len(visible) == 0 {
		return nil, "", p.Authorize(bulwark.ActionLedgerRead, "/")
	}
	if f.ScopePath != "" {
		if err := p.Authorize(bulwark.ActionLedgerRead, f.ScopePath); err != nil {
			return nil, "", err
		}
		visible = []string{f.ScopePath}
	}
	cond, args := scopeFilter("scope", visible)
	where := []string{cond}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Subject != "" {
		where, args = append(where, "subject = ?"), append(args, f.Subject)
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, micros(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, micros(f.Until))
	}
	after, err := page.After()
	if err != nil {
		return nil, "", err
	}
	if page.Cursor != "" {
		where, args = append(where, "idx < ?"), append(args, after)
	}
	limit := page.EffectiveLimit()
	err = db.readTx(ctx, func(t *Tx) error {
		rows, err := t.query("SELECT leaf FROM ledger_events WHERE "+strings.Join(where, " AND ")+
			fmt.Sprintf(" ORDER BY idx DESC LIMIT %d", limit+1), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var leaf []byte
			if err := rows.Scan(&leaf); err != nil {
				return err
			}
			ev, err := bulwark.UnmarshalLeaf(leaf)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		out = out[:limit]
		next = bulwark.CursorAfter(out[limit-1].Index)
	}
	return out, next, nil
}

// FindEvent implements bulwark.LedgerService.
func (db *DB) FindEvent(ctx context.Context, index int64) (ev *bulwark.Event, leaf []byte, err error) {
	defer bulwark.Wrap(&err, "FindEvent(%d)", index)
	err = db.readTx(ctx, func(t *Tx) error {
		var scope string
		if err := t.queryRow("SELECT scope, leaf FROM ledger_events WHERE idx = ?", index).Scan(&scope, &leaf); err != nil {
			if err == sql.ErrNoRows {
				return bulwark.Errorf(bulwark.ENOTFOUND, "no event %d", index)
			}
			return err
		}
		if !t.p.Can(bulwark.ActionLedgerRead, scope) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "no event %d", index)
		}
		ev, err = bulwark.UnmarshalLeaf(leaf)
		return err
	})
	return ev, leaf, err
}

// Checkpoint implements bulwark.LedgerService. A checkpoint is signed once
// per tree size and kept, so that later exports can prove consistency with
// every checkpoint ever handed out.
func (db *DB) Checkpoint(ctx context.Context) (cp *bulwark.SignedCheckpoint, err error) {
	defer bulwark.Wrap(&err, "Checkpoint")
	if db.signer == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "no ledger signing key is configured")
	}
	var size int64
	var root tlog.Hash
	err = db.readTx(ctx, func(t *Tx) error {
		if size, err = t.ledgerSize(); err != nil {
			return err
		}
		var note string
		var at int64
		err := t.queryRow("SELECT note, created_at FROM ledger_checkpoints WHERE size = ?", size).Scan(&note, &at)
		if err == nil {
			cp = &bulwark.SignedCheckpoint{Origin: db.signer.Origin(), Size: size, Note: note, Time: fromMicros(at)}
		} else if err != sql.ErrNoRows {
			return err
		}
		root, err = tlog.TreeHash(size, t.hashes())
		return err
	})
	if err != nil {
		return nil, err
	}
	if cp != nil {
		cp.Root = root[:]
		return cp, nil
	}
	note, err := db.signer.SignCheckpoint(size, root)
	if err != nil {
		return nil, err
	}
	now := db.now().UTC()
	_, err = db.sql.ExecContext(ctx, db.rebind("INSERT INTO ledger_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING"),
		size, root[:], string(note), micros(now))
	if err != nil {
		return nil, db.mapErr(err)
	}
	return &bulwark.SignedCheckpoint{Origin: db.signer.Origin(), Size: size, Root: root[:], Note: string(note), Time: now}, nil
}

// ProveInclusion implements bulwark.LedgerService.
func (db *DB) ProveInclusion(ctx context.Context, index, size int64) (p *bulwark.InclusionProof, err error) {
	defer bulwark.Wrap(&err, "ProveInclusion(%d, %d)", index, size)
	err = db.readTx(ctx, func(t *Tx) error {
		cur, err := t.ledgerSize()
		if err != nil {
			return err
		}
		if size == 0 {
			size = cur
		}
		if size < 1 || size > cur {
			return bulwark.FieldError("size", "tree size %d is not between 1 and the current %d", size, cur)
		}
		if index < 0 || index >= size {
			return bulwark.FieldError("index", "event %d is not in a tree of %d events", index, size)
		}
		r := t.hashes()
		proof, err := tlog.ProveRecord(size, index, r)
		if err != nil {
			return err
		}
		root, err := tlog.TreeHash(size, r)
		if err != nil {
			return err
		}
		leafHash, err := r.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err != nil {
			return err
		}
		p = &bulwark.InclusionProof{Index: index, Size: size, LeafHash: leafHash[0][:], Root: root[:], Hashes: ledger.ToHashes(proof)}
		return nil
	})
	return p, err
}

// ProveConsistency implements bulwark.LedgerService.
func (db *DB) ProveConsistency(ctx context.Context, oldSize, newSize int64) (p *bulwark.ConsistencyProof, err error) {
	defer bulwark.Wrap(&err, "ProveConsistency(%d, %d)", oldSize, newSize)
	err = db.readTx(ctx, func(t *Tx) error {
		cur, err := t.ledgerSize()
		if err != nil {
			return err
		}
		if newSize == 0 {
			newSize = cur
		}
		if newSize < 1 || newSize > cur {
			return bulwark.FieldError("new", "tree size %d is not between 1 and the current %d", newSize, cur)
		}
		if oldSize < 1 || oldSize > newSize {
			return bulwark.FieldError("old", "old size %d is not between 1 and %d", oldSize, newSize)
		}
		p, err = proveConsistency(t.hashes(), oldSize, newSize)
		return err
	})
	return p, err
}

func proveConsistency(r tlog.HashReader, oldSize, newSize int64) (*bulwark.ConsistencyProof, error) {
	proof, err := tlog.ProveTree(newSize, oldSize, r)
	if err != nil {
		return nil, err
	}
	oldRoot, err := tlog.TreeHash(oldSize, r)
	if err != nil {
		return nil, err
	}
	newRoot, err := tlog.TreeHash(newSize, r)
	if err != nil {
		return nil, err
	}
	return &bulwark.ConsistencyProof{OldSize: oldSize, NewSize: newSize, OldRoot: oldRoot[:], NewRoot: newRoot[:], Hashes: ledger.ToHashes(proof)}, nil
}

// VerifierKey is the public key of the checkpoint signer, "" without one.
func (db *DB) VerifierKey() string {
	if db.signer == nil {
		return ""
	}
	return db.signer.VerifierKey()
}
